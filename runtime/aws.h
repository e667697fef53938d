/* aws.h — the pure AWS access library of sfdrun: requests, SigV4 signing,
 * credentials, the wire protocols (json, query, rest-xml), response parsing
 * and the retry policy.
 *
 * Nothing here does I/O on the network, starts threads or sleeps: the
 * executor (http, scheduler) sends what these functions build and hands the
 * bytes it got back to them. The only I/O is reading the shared credentials
 * and config files and the operations model (stdlib/aws/operations.json).
 *
 * Conventions:
 * - Functions returning int return 0 on success and -1 on failure unless
 *   documented otherwise; `err` (when present) points to a buffer of at least
 *   AWS_ERR_MAX bytes and receives a one-line reason, never a secret.
 * - AwsGetenv: every function that reads the environment takes one; NULL
 *   means the process environment (getenv). Tests pass a fake.
 * - Strings in structs are owned (malloc) by the struct and freed by its
 *   _release function, unless the field comment says "borrowed".
 *
 * Service names are botocore's: "s3", "dynamodb", "iam", "sts", "ecr", "ecs",
 * "application-autoscaling", "rds", "autoscaling", "organizations"; operation
 * names are the API's ("CreateBucket"); arguments are the botocore/awscli
 * input shape as JSON (e.g. {"Bucket":"b","CreateBucketConfiguration":{...}}).
 */
#ifndef SFDRUN_AWS_H
#define SFDRUN_AWS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

/* Size of every `err` buffer. */
#define AWS_ERR_MAX 256
/* Length of an X-Amz-Date value, YYYYMMDDTHHMMSSZ, without the NUL. */
#define AWS_AMZ_DATE_LEN 16

/* Reads one environment variable; returns NULL when unset. */
typedef const char *AwsGetenv(const char *name);

/* ------------------------------------------------------------------ */
/* HTTP request description                                            */

/* One header line; a request may hold the same name more than once. */
typedef struct AwsHeader {
    char *name;   /* as given (case preserved), e.g. "Content-Type" */
    char *value;  /* raw value; multi-line values keep their "\n " folds */
} AwsHeader;

/* Flags in AwsRequest.sign_flags. */
enum {
    /* S3 rules: the canonical URI is the wire path as is (no dot-segment
     * or slash normalization, no second percent-encoding). */
    AWS_SIGN_S3 = 1u << 0,
    /* Add `x-amz-content-sha256: <hex sha256 of body>` before signing. The
     * protocol builder always sets this (S3 needs it; moto rejects signed
     * GETs with a query string without it). The classic test suite does not. */
    AWS_SIGN_CONTENT_SHA256 = 1u << 1,
};

/* A request as it will go on the wire. Built by aws_request_build (or
 * aws_request_parse_raw), completed by aws_sigv4_sign, sent by the
 * executor: URL = scheme://host + path + ("?" query if non-empty), the
 * headers exactly as listed (Host included; the HTTP layer may add unsigned
 * ones such as Content-Length), then the body. */
typedef struct AwsRequest {
    char *method;        /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    char *scheme;        /* "https" or "http" */
    char *host;          /* host[:port], also the Host header */
    char *path;          /* URL path as sent, percent-encoded, starts with '/' */
    char *query;         /* query string as sent, without '?'; "" if none */
    AwsHeader *headers;  /* in insertion order */
    size_t n_headers;    /* number of headers */
    size_t cap_headers;  /* allocated slots in headers */
    char *body;          /* request body or NULL; may hold NULs, so use
                            body_len (a NUL is kept after it for convenience) */
    size_t body_len;     /* bytes in body */
    char *signing_name;  /* SigV4 service name, e.g. "s3", "iam" */
    char *signing_region;/* SigV4 region, e.g. "eu-west-2" */
    unsigned sign_flags; /* AWS_SIGN_* */
} AwsRequest;

void aws_request_init(AwsRequest *r);
/* Frees every field; the struct may be reused after aws_request_init. */
void aws_request_release(AwsRequest *r);
/* Appends a header (keeps existing ones of the same name). */
int aws_request_add_header(AwsRequest *r, const char *name, const char *value);
/* Replaces every header of that name (case-insensitive) with one. */
int aws_request_set_header(AwsRequest *r, const char *name, const char *value);
/* Removes every header of that name (case-insensitive). */
void aws_request_remove_header(AwsRequest *r, const char *name);
/* First value of a header (case-insensitive), borrowed; NULL if absent. */
const char *aws_request_get_header(const AwsRequest *r, const char *name);
/* Copies len bytes as the body (replacing any). */
int aws_request_set_body(AwsRequest *r, const char *body, size_t len);
/* The full URL, malloc'd; caller frees. NULL on OOM. */
char *aws_request_url(const AwsRequest *r);
/* Parses a raw HTTP/1.1 request as in the classic SigV4 suite's .req files:
 * "METHOD /path?query HTTP/1.1", header lines "Name:value" (continuation
 * lines starting with a space or tab fold into the previous value), an
 * empty line, then the body. LF or CRLF line ends. The path may contain
 * spaces (everything up to the last " HTTP/"). Scheme is "https"; host is
 * taken from the Host header. signing_name/region stay NULL. */
int aws_request_parse_raw(const char *text, size_t len, AwsRequest *out, char *err);

/* ------------------------------------------------------------------ */
/* Credentials                                                          */

/* A set of credentials. Never print the fields: use aws_creds_describe. */
typedef struct AwsCreds {
    char *access_key_id;     /* e.g. "AKIA..." */
    char *secret_access_key; /* secret: never logged */
    char *session_token;     /* secret: never logged; NULL when none */
    time_t expiration;       /* Unix time they expire, 0 when they do not */
    char *source;            /* where they came from, e.g. "environment",
                                "profile dev in /home/u/.aws/credentials",
                                "sts:AssumeRole arn:aws:iam::1:role/x"; no secrets */
} AwsCreds;

void aws_creds_init(AwsCreds *c);
void aws_creds_release(AwsCreds *c);
/* Deep copy; dst must be released (or freshly initialised). */
int aws_creds_copy(AwsCreds *dst, const AwsCreds *src);
/* Writes a redacted one-line description into buf (always NUL-terminated):
 * `access_key_id=AKIA****MPLE secret=<redacted> session_token=<redacted>
 * expires=2024-01-01T00:00:00Z source=environment`. Returns buf. */
char *aws_creds_describe(const AwsCreds *c, char *buf, size_t n);
/* True (1) when the credentials expire within `margin` seconds of `now`. */
int aws_creds_expiring(const AwsCreds *c, time_t now, long margin);

/* One sts:AssumeRole the executor must perform, in order. */
typedef struct AwsRoleStep {
    char *role_arn;          /* arn:aws:iam::123456789012:role/Name */
    char *session_name;      /* RoleSessionName ("sfdrun-<profile>" if unset) */
    char *external_id;       /* ExternalId or NULL */
    int duration_seconds;    /* DurationSeconds, 0 = service default (3600) */
    char *profile;           /* the profile that asked for it (for messages) */
} AwsRoleStep;

/* What the credential chain resolved to: base credentials, then zero or more
 * roles to assume one after another (role_arn + source_profile profiles,
 * possibly chained). The executor performs the AssumeRole calls with
 * aws_sts_assume_role_build / aws_sts_credentials_parse. */
typedef struct AwsCredsChain {
    AwsCreds base;           /* static credentials to start from */
    AwsRoleStep *roles;      /* roles to assume, base first, target last */
    size_t n_roles;          /* number of roles */
    char *profile;           /* the profile used, or NULL (environment) */
    char *region;            /* AWS_REGION, AWS_DEFAULT_REGION or the
                                profile's `region`, or NULL */
} AwsCredsChain;

void aws_creds_chain_init(AwsCredsChain *c);
void aws_creds_chain_release(AwsCredsChain *c);

/* Resolves credentials like the AWS CLI:
 * 1. when `profile` is NULL and AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *    are set: those (+ AWS_SESSION_TOKEN);
 * 2. otherwise the profile `profile`, else $AWS_PROFILE, else "default", read
 *    from $AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
 *    $AWS_CONFIG_FILE (~/.aws/config; sections `[profile x]`, and
 *    `[default]`); static keys (aws_access_key_id, aws_secret_access_key,
 *    aws_session_token) in either file (credentials file wins), or
 *    role_arn with source_profile (followed, cycles rejected) or
 *    credential_source = Environment.
 * Fails (-1, err says why) when nothing usable is found. */
int aws_creds_chain_resolve(const char *profile, AwsGetenv *env,
                            AwsCredsChain *out, char *err);

/* Tolerant INI parser for the shared files: `[section]`, `key = value`,
 * `#`/`;` comments, indented continuation lines (stored as sub-settings
 * "parent.key" e.g. "s3.addressing_style"), whitespace trimmed. Bad lines are
 * skipped, never fatal; parsing arbitrary bytes never crashes. */
typedef struct AwsIni AwsIni;
/* NULL only on OOM. */
AwsIni *aws_ini_parse(const char *text, size_t len);
/* Value of key in section (exact section name, e.g. "profile dev"),
 * borrowed; NULL if absent. Later duplicates win. */
const char *aws_ini_get(const AwsIni *ini, const char *section, const char *key);
/* 1 if the section exists. */
int aws_ini_has_section(const AwsIni *ini, const char *section);
/* Number of lines that were skipped as malformed. */
size_t aws_ini_bad_lines(const AwsIni *ini);
void aws_ini_free(AwsIni *ini);

/* ------------------------------------------------------------------ */
/* SigV4                                                                */

/* The intermediate products of one signature (`sfdrun sign` prints them). */
typedef struct AwsSigning {
    char *canonical_request;  /* the canonical request text */
    char *string_to_sign;     /* "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hash>" */
    char *signed_headers;     /* "host;x-amz-date" */
    char *authorization;      /* the Authorization header value (secret-ish:
                                 contains the signature; do not log) */
    char signature[65];       /* hex signature (do not log) */
} AwsSigning;

void aws_signing_release(AwsSigning *s);

/* Formats t (UTC) as YYYYMMDDTHHMMSSZ into out[AWS_AMZ_DATE_LEN + 1]. */
void aws_amz_date(time_t t, char *out);
/* Lower-case hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char *out);

/* Signs req in place with SigV4 (AWS4-HMAC-SHA256) for req->signing_name and
 * req->signing_region at time amz_date (YYYYMMDDTHHMMSSZ):
 * - sets X-Amz-Date (replacing any, so it is sent once),
 * - sets X-Amz-Security-Token when creds has a session token,
 * - sets x-amz-content-sha256 when req->sign_flags has AWS_SIGN_CONTENT_SHA256,
 * - signs every header present except User-Agent, X-Amzn-Trace-Id and the
 *   hop-by-hop ones (Connection, Expect, Keep-Alive, TE, Trailer,
 *   Transfer-Encoding, Upgrade, Proxy-*), as botocore does, and sets
 *   Authorization (replacing any: re-signing a retried request is fine).
 * Canonical URI: S3 (AWS_SIGN_S3) uses the path as sent, other services
 * normalize it and encode it a second time; see sigv4.c.
 * If `out` is non-NULL it receives the intermediate products (caller
 * releases). The secret key is used only inside this call. */
int aws_sigv4_sign(AwsRequest *req, const AwsCreds *creds, const char *amz_date,
                   AwsSigning *out, char *err);

/* `sfdrun sign [options] FILE`: reads a raw HTTP request (FILE or - for
 * stdin, format of aws_request_parse_raw), signs it and prints the
 * canonical request, the string to sign and the Authorization header.
 * Options: --region R, --service S, --date YYYYMMDDTHHMMSSZ (default now),
 * --access-key-id K, --secret-access-key-env VAR (name of an env variable
 * holding the secret; default AWS_SECRET_ACCESS_KEY), --session-token-env
 * VAR, --profile P (credential chain instead of flags), --s3,
 * --content-sha256. Returns the process exit code (0, 1 failure, 2 usage).
 * argv[0] is "sign". */
int aws_sign_main(int argc, char **argv);

/* ------------------------------------------------------------------ */
/* The operations model and endpoints                                   */

/* stdlib/aws/operations.json loaded into memory (generated from botocore by
 * tools/gen-aws-ops.py). Immutable after loading; safe to share. */
typedef struct AwsModel AwsModel;

/* Loads the model from a file; NULL with err on failure. */
AwsModel *aws_model_load(const char *path, char *err);
/* Same from JSON text (tests and fuzz targets). */
AwsModel *aws_model_parse(const char *json, size_t len, char *err);
/* Where the model is by default, malloc'd: $SFDRUN_STDLIB/aws/operations.json
 * when SFDRUN_STDLIB is set, else <dir of exe>/../stdlib/aws/operations.json,
 * <dir of exe>/../share/sfdc/stdlib/... or <dir of exe>/../../stdlib/...
 * (exe from /proc/self/exe, falling back to argv0), else the path relative
 * to the current directory "stdlib/aws/operations.json". */
char *aws_model_default_path(const char *argv0, AwsGetenv *env);
void aws_model_free(AwsModel *m);
/* The service's protocol ("json", "query", "rest-xml"...) or NULL. */
const char *aws_model_protocol(const AwsModel *m, const char *service);
/* 1 if the model knows service/operation. */
int aws_model_has_operation(const AwsModel *m, const char *service, const char *op);

/* Where requests for one service in one region go. */
typedef struct AwsEndpoint {
    char *scheme;          /* "https" (or the override's scheme) */
    char *host;            /* host[:port] */
    char *base_path;       /* path prefix of an override URL ("" usually) */
    char *signing_name;    /* SigV4 service name */
    char *signing_region;  /* SigV4 region (us-east-1 for global services) */
    int overridden;        /* 1 when from AWS_ENDPOINT_URL[_<SERVICE>] */
    int path_style;        /* S3: bucket in the path (always when overridden) */
} AwsEndpoint;

/* Resolves the endpoint: AWS_ENDPOINT_URL_<SERVICE> (service id upper-cased,
 * spaces and '-' as '_', e.g. AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING), else AWS_ENDPOINT_URL, else
 * https://<endpointPrefix>.<region>.amazonaws.com (IAM, Organizations:
 * global, signed for us-east-1). S3 without an override uses virtual-host
 * style only when the bucket is DNS-compatible; with an override, path style. */
int aws_endpoint_resolve(const AwsModel *m, const char *service, const char *region,
                         AwsGetenv *env, AwsEndpoint *out, char *err);
void aws_endpoint_release(AwsEndpoint *e);

/* ------------------------------------------------------------------ */
/* Protocols: requests out, results in                                  */

/* Serializes one operation call into out (initialised by this function;
 * release it even on failure): method, scheme/host/path/query, headers
 * (Host, Content-Type, X-Amz-Target, Content-MD5 where the model requires a
 * checksum ...), body, signing name/region and flags. args may be NULL
 * (no arguments). Unknown members in args are an error (they would be
 * silently dropped otherwise), and so are JSON types that do not match the
 * model. S3 CreateBucket gets CreateBucketConfiguration.LocationConstraint =
 * the region outside us-east-1, and none in us-east-1 (as botocore does).
 * Every request carries a Content-Type. Not yet signed. */
int aws_request_build(const AwsModel *m, const char *service, const char *op,
                      const cJSON *args, const AwsEndpoint *ep,
                      AwsRequest *out, char *err);

/* What the executor received (all borrowed). */
typedef struct AwsResponse {
    long status;               /* HTTP status code */
    const AwsHeader *headers;  /* response headers (names any case) */
    size_t n_headers;          /* number of headers */
    const char *body;          /* response body, may be NULL when empty */
    size_t body_len;           /* bytes in body */
} AwsResponse;

/* A service error. */
typedef struct AwsError {
    long http_status;   /* e.g. 409 */
    char *code;         /* AWS error code ("BucketAlreadyOwnedByYou",
                           "EntityAlreadyExists", "ThrottlingException"); for
                           bodiless errors (HEAD) "NotFound", "Forbidden",
                           "MovedPermanently" or "Http<status>";
                           "MalformedResponse" when a 2xx body cannot be parsed */
    char *message;      /* human message, may be "" */
    char *request_id;   /* x-amz-request-id / x-amzn-RequestId / RequestId, or NULL */
} AwsError;

void aws_error_init(AwsError *e);
void aws_error_release(AwsError *e);

/* Parses a response. Returns 0 and sets *result (a cJSON object in the
 * botocore output shape; caller deletes it) on success; returns 1 and fills
 * *error (caller releases) on an AWS error or malformed body. Output members
 * bound to headers (e.g. S3 HeadBucket BucketRegion) and the status code are
 * included; list shapes become arrays even with one element; numbers and
 * booleans from XML are typed per the model. A "ResponseMetadata" object
 * {"RequestId", "HTTPStatusCode"} is added like botocore. */
int aws_response_parse(const AwsModel *m, const char *service, const char *op,
                       const AwsResponse *resp, cJSON **result, AwsError *error);

/* Generic XML to cJSON (no model): elements become object members, repeated
 * siblings become arrays, text-only elements strings, attributes ignored.
 * Returns NULL with err on malformed XML. Exposed for tests and fuzzing. */
cJSON *aws_xml_to_json(const char *xml, size_t len, char *err);

/* sts:AssumeRole for one chain step (RoleArn, RoleSessionName, ExternalId,
 * DurationSeconds) against the STS endpoint ep. */
int aws_sts_assume_role_build(const AwsModel *m, const AwsRoleStep *role,
                              const AwsEndpoint *ep, AwsRequest *out, char *err);
/* Credentials from an AssumeRole result (as returned by aws_response_parse):
 * Credentials.{AccessKeyId,SecretAccessKey,SessionToken,Expiration}. source is
 * set to "sts:AssumeRole <role_arn>" (role_arn may be NULL). */
int aws_sts_credentials_parse(const cJSON *result, const char *role_arn,
                              AwsCreds *out, char *err);
/* Parses an ISO 8601 UTC time ("2024-01-02T03:04:05Z", fractions and
 * "+00:00" accepted) into Unix time; -1 if malformed. */
time_t aws_parse_iso8601(const char *s);

/* ------------------------------------------------------------------ */
/* Retry policy                                                          */

/* How a transfer failed below HTTP (the executor maps curl codes). */
typedef enum AwsNetError {
    AWS_NET_OK,          /* a full HTTP response arrived */
    AWS_NET_RESET,       /* connection reset / closed early (CURLE_RECV_ERROR, SEND_ERROR, GOT_NOTHING) */
    AWS_NET_REFUSED,     /* connect failed (CURLE_COULDNT_CONNECT) */
    AWS_NET_TIMEOUT,     /* CURLE_OPERATION_TIMEDOUT */
    AWS_NET_TRUNCATED,   /* body shorter than Content-Length (CURLE_PARTIAL_FILE) */
    AWS_NET_DNS,         /* CURLE_COULDNT_RESOLVE_HOST: not retried */
    AWS_NET_OTHER,       /* anything else: not retried (TLS, bad URL...) */
} AwsNetError;

/* Why a failure may be retried. */
typedef enum AwsRetryClass {
    AWS_RETRY_NONE,      /* success, or a final error */
    AWS_RETRY_THROTTLE,  /* throttling code or 429 */
    AWS_RETRY_SERVER,    /* HTTP 500/502/503/504, or a transient code */
    AWS_RETRY_TRANSPORT, /* reset, refused, timeout, truncated/malformed body */
} AwsRetryClass;

/* Classifies one attempt. status is the HTTP status (0 if none); code the
 * AWS error code or NULL. */
AwsRetryClass aws_retry_classify(AwsNetError net, long status, const char *code);

/* Capped exponential backoff with full jitter. */
typedef struct AwsRetryPolicy {
    int max_attempts;        /* attempts in total, first included (default 8) */
    long base_ms;            /* first backoff ceiling for server/transport (100) */
    long throttle_base_ms;   /* first backoff ceiling for throttling (500) */
    long cap_ms;             /* ceiling for any delay (20000) */
} AwsRetryPolicy;

/* Random source: returns uniformly distributed 64-bit values. */
typedef uint64_t AwsRng(void *ctx);

void aws_retry_policy_default(AwsRetryPolicy *p);
/* 1 when another attempt is allowed after `attempts` attempts ended with cls. */
int aws_retry_should_retry(const AwsRetryPolicy *p, int attempts, AwsRetryClass cls);
/* Delay in ms before attempt attempts+1: uniform in
 * [0, min(cap, base * 2^(attempts-1))] (base per class). */
long aws_retry_delay_ms(const AwsRetryPolicy *p, int attempts, AwsRetryClass cls,
                        AwsRng *rng, void *rng_ctx);

#endif
