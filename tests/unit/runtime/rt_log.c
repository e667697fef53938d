/* rt_log.c — redaction: no secret survives log_redact, whatever shape it
 * arrives in (Authorization header, JSON, XML, query string), and secret
 * header names are recognised. JSON-lines output stays one valid object
 * per line with values redacted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"

static void redacts_every_shape(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/eu-west-2/s3/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeefcafe0123",
        "{\"Credentials\":{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"wJalrXUtnFEMIK7MDENG\","
        "\"SessionToken\":\"FQoGZXIvYXdzEXAMPLETOKEN\"}}",
        "<SecretAccessKey>wJalrXUtnFEMIK7MDENG</SecretAccessKey><SessionToken>"
        "FQoGZXIvYXdzEXAMPLETOKEN</SessionToken>",
        "X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLETOKEN&X-Amz-Signature=deadbeefcafe0123",
        "x-amz-security-token: FQoGZXIvYXdzEXAMPLETOKEN",
        "MasterUserPassword=hunter2hunter2&Action=CreateDBCluster",
    };
    static const char *const secrets[] = { "IOSFODNN7EXAMPLE", "deadbeefcafe0123",
                                           "wJalrXUtnFEMIK7MDENG", "FQoGZXIvYXdzEXAMPLETOKEN",
                                           "hunter2hunter2" };
    char out[1024];
    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        log_redact(inputs[i], out, sizeof out);
        for (size_t k = 0; k < sizeof secrets / sizeof *secrets; k++)
            if (strstr(out, secrets[k]))
                fail_msg("secret %s survived in \"%s\"", secrets[k], out);
    }
    /* what is not secret stays readable */
    log_redact("s3 CreateBucket: BucketAlreadyExists: the bucket name is taken", out, sizeof out);
    assert_string_equal(out, "s3 CreateBucket: BucketAlreadyExists: the bucket name is taken");
    log_redact(inputs[0], out, sizeof out);
    assert_non_null(strstr(out, "Credential=AKIA****/20240101"));
    /* truncation is safe */
    log_redact(inputs[1], out, 8);
    assert_int_equal(strlen(out), 7);
}

static void secret_headers(void **state)
{
    (void)state;
    assert_true(log_header_is_secret("Authorization"));
    assert_true(log_header_is_secret("x-amz-security-token"));
    assert_true(log_header_is_secret("X-Amz-Security-Token"));
    assert_false(log_header_is_secret("Content-Type"));
    assert_false(log_header_is_secret("X-Amz-Date"));
}

static void json_lines(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    log_init(LOG_JSON, 0, f);
    log_event("step", (LogField[]){ { "step", "a/b", 0 }, { "seconds", "0.5", 1 },
                                    { "error", "Signature=abcdef0123 \"quoted\"\n", 0 },
                                    { "skipped", NULL, 0 } }, 4, "ignored %d", 1);
    rewind(f);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    cJSON *o = cJSON_Parse(line);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "event")->valuestring, "step");
    assert_true(cJSON_GetObjectItem(o, "seconds")->valuedouble == 0.5);
    assert_null(strstr(cJSON_GetObjectItem(o, "error")->valuestring, "abcdef0123"));
    assert_null(cJSON_GetObjectItem(o, "skipped"));
    assert_null(fgets(line, sizeof line, f)); /* exactly one line */
    cJSON_Delete(o);
    fclose(f);
    log_init(LOG_HUMAN, 0, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redacts_every_shape),
        cmocka_unit_test(secret_headers),
        cmocka_unit_test(json_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
