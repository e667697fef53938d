/* rt_retry.c — pins the retry policy: what is retried (throttling codes of
 * every service sfdrun calls, 429, 500/502/503/504, transient codes,
 * resets, refusals, timeouts, truncated bodies) and what is not (4xx
 * client errors, quotas, DNS and TLS failures); the attempt budget; and the
 * delays, drawn from a scripted RNG so each one is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "aws.h"

static void test_classify(void **state)
{
    (void)state;
    static const char *const throttles[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
        "TooManyRequestsException", "SlowDown", "ProvisionedThroughputExceededException",
        "RequestThrottled", "RequestThrottledException", "PriorRequestNotComplete",
    };
    for (size_t i = 0; i < sizeof throttles / sizeof *throttles; i++)
        assert_int_equal(aws_retry_classify(AWS_NET_OK, 400, throttles[i]), AWS_RETRY_THROTTLE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 503, "SlowDown"), AWS_RETRY_THROTTLE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 429, NULL), AWS_RETRY_THROTTLE);
    long server[] = {500, 502, 503, 504};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(aws_retry_classify(AWS_NET_OK, server[i], "Http500"), AWS_RETRY_SERVER);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 400, "RequestTimeout"), AWS_RETRY_SERVER);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 500, "InternalError"), AWS_RETRY_SERVER);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 200, "MalformedResponse"), AWS_RETRY_SERVER);

    assert_int_equal(aws_retry_classify(AWS_NET_RESET, 0, NULL), AWS_RETRY_TRANSPORT);
    assert_int_equal(aws_retry_classify(AWS_NET_REFUSED, 0, NULL), AWS_RETRY_TRANSPORT);
    assert_int_equal(aws_retry_classify(AWS_NET_TIMEOUT, 0, NULL), AWS_RETRY_TRANSPORT);
    assert_int_equal(aws_retry_classify(AWS_NET_TRUNCATED, 200, NULL), AWS_RETRY_TRANSPORT);

    /* final answers */
    assert_int_equal(aws_retry_classify(AWS_NET_DNS, 0, NULL), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OTHER, 0, NULL), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 200, NULL), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 409, "BucketAlreadyOwnedByYou"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 409, "EntityAlreadyExists"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 403, "AccessDenied"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 403, "SignatureDoesNotMatch"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 400, "ValidationException"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 400, "LimitExceededException"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 404, "NotFound"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 501, "NotImplemented"), AWS_RETRY_NONE);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 400, "throttling"), AWS_RETRY_NONE); /* exact */
}

static void test_budget(void **state)
{
    (void)state;
    AwsRetryPolicy p;
    aws_retry_policy_default(&p);
    assert_int_equal(p.max_attempts, 8);
    for (int a = 1; a < 8; a++)
        assert_true(aws_retry_should_retry(&p, a, AWS_RETRY_THROTTLE));
    assert_false(aws_retry_should_retry(&p, 8, AWS_RETRY_THROTTLE));
    assert_false(aws_retry_should_retry(&p, 1, AWS_RETRY_NONE));
    p.max_attempts = 1;
    assert_false(aws_retry_should_retry(&p, 1, AWS_RETRY_SERVER));
}

/* Returns the scripted values in turn. */
static uint64_t script_rng(void *ctx)
{
    uint64_t **cur = ctx;
    return *(*cur)++;
}

static uint64_t max_rng(void *ctx)
{
    (void)ctx;
    return UINT64_MAX - 1; /* % (c+1) lands near the top, exact below */
}

static void test_delays(void **state)
{
    (void)state;
    AwsRetryPolicy p;
    aws_retry_policy_default(&p);
    /* the ceiling doubles from the base and stops at the cap: with the RNG
     * returning ceiling itself, the delay is the ceiling */
    long server_ceiling[] = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000};
    long throttle_ceiling[] = {500, 1000, 2000, 4000, 8000, 16000, 20000, 20000};
    for (int a = 1; a <= 10; a++) {
        uint64_t v = (uint64_t)server_ceiling[a - 1], *cur = &v;
        assert_int_equal(aws_retry_delay_ms(&p, a, AWS_RETRY_SERVER, script_rng, &cur),
                         server_ceiling[a - 1]);
        cur = &v;
        assert_int_equal(aws_retry_delay_ms(&p, a, AWS_RETRY_TRANSPORT, script_rng, &cur),
                         server_ceiling[a - 1]);
    }
    for (int a = 1; a <= 8; a++) {
        uint64_t v = (uint64_t)throttle_ceiling[a - 1], *cur = &v;
        assert_int_equal(aws_retry_delay_ms(&p, a, AWS_RETRY_THROTTLE, script_rng, &cur),
                         throttle_ceiling[a - 1]);
    }
    /* full jitter: 0 is possible, values wrap modulo ceiling+1 */
    uint64_t vals[] = {0, 101, 250}, *cur = vals;
    assert_int_equal(aws_retry_delay_ms(&p, 1, AWS_RETRY_SERVER, script_rng, &cur), 0);
    assert_int_equal(aws_retry_delay_ms(&p, 1, AWS_RETRY_SERVER, script_rng, &cur), 0);
    assert_int_equal(aws_retry_delay_ms(&p, 2, AWS_RETRY_SERVER, script_rng, &cur), 49);
    /* never above the cap, even for absurd attempt counts */
    for (int a = 1; a < 100000; a *= 3)
        assert_true(aws_retry_delay_ms(&p, a, AWS_RETRY_THROTTLE, max_rng, NULL) <= p.cap_ms);
    /* nothing to wait for */
    assert_int_equal(aws_retry_delay_ms(&p, 3, AWS_RETRY_NONE, max_rng, NULL), 0);
    assert_int_equal(aws_retry_delay_ms(&p, 0, AWS_RETRY_SERVER, max_rng, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_delays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
