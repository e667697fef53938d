/* retry.c — which failed AWS calls sfdrun tries again, and how long it
 * waits: capped exponential backoff with full jitter (the AWS SDKs'
 * "standard" mode), drawn from an injected random source so tests can pin
 * every delay. Pure: the scheduler does the waiting. */
#include "aws.h"

#include <string.h>

#include "banned.h"

/* Error codes that mean "slow down", across the services sfdrun calls:
 * botocore's standard-mode _THROTTLED_ERROR_CODES (which include S3's
 * SlowDown) minus LimitExceededException, which IAM, ECS and Application
 * Auto Scaling use for exhausted quotas: retrying cannot help there. */
static const char *const throttle_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
};

/* Codes of transient server-side failures (botocore's
 * _TRANSIENT_ERROR_CODES), retried like a 5xx whatever the status. */
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "IDPCommunicationError",
    /* our own: a 2xx whose body did not parse is most likely truncated */
    "MalformedResponse",
};

static int in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return 1;
    return 0;
}

AwsRetryClass aws_retry_classify(AwsNetError net, long status, const char *code)
{
    switch (net) {
    case AWS_NET_OK:
        break;
    case AWS_NET_RESET:
    case AWS_NET_REFUSED:
    case AWS_NET_TIMEOUT:
    case AWS_NET_TRUNCATED:
        return AWS_RETRY_TRANSPORT;
    case AWS_NET_DNS:
    case AWS_NET_OTHER:
        return AWS_RETRY_NONE;
    }
    if (in_list(code, throttle_codes, sizeof throttle_codes / sizeof *throttle_codes) ||
        status == 429)
        return AWS_RETRY_THROTTLE;
    if (in_list(code, transient_codes, sizeof transient_codes / sizeof *transient_codes))
        return AWS_RETRY_SERVER;
    if (status == 500 || status == 502 || status == 503 || status == 504)
        return AWS_RETRY_SERVER;
    return AWS_RETRY_NONE;
}

void aws_retry_policy_default(AwsRetryPolicy *p)
{
    p->max_attempts = 8;
    p->base_ms = 100;
    p->throttle_base_ms = 500;
    p->cap_ms = 20000;
}

int aws_retry_should_retry(const AwsRetryPolicy *p, int attempts, AwsRetryClass cls)
{
    return cls != AWS_RETRY_NONE && attempts < p->max_attempts;
}

long aws_retry_delay_ms(const AwsRetryPolicy *p, int attempts, AwsRetryClass cls,
                        AwsRng *rng, void *rng_ctx)
{
    if (cls == AWS_RETRY_NONE || attempts < 1)
        return 0;
    long ceiling = cls == AWS_RETRY_THROTTLE ? p->throttle_base_ms : p->base_ms;
    /* base * 2^(attempts-1), stopping at the cap before it can overflow */
    for (int i = 1; i < attempts && ceiling < p->cap_ms; i++)
        ceiling *= 2;
    if (ceiling > p->cap_ms)
        ceiling = p->cap_ms;
    if (ceiling <= 0)
        return 0;
    /* full jitter: uniform in [0, ceiling] */
    return (long)(rng(rng_ctx) % ((uint64_t)ceiling + 1));
}
