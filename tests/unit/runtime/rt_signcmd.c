/* rt_signcmd.c — `sfdrun sign` end to end (aws_sign_main with stdout
 * captured): the printed string to sign and Authorization equal botocore's
 * (tests/data/sigv4), the session token is redacted in the canonical
 * request, the secret key never appears, and usage errors exit 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define TOKEN "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCWV1LXdlc3QtMiJHMEUCIQ+sfdrun/test=="

static char *data_path(const char *name)
{
    static char path[1024];
    const char *root = getenv("SFDC_ROOT");
    snprintf(path, sizeof path, "%s/tests/data/sigv4/%s", root ? root : ".", name);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* Runs aws_sign_main(argv) with stdout going to a temporary file; returns
 * the exit code and the output (caller frees). */
static int run(const char **argv, char **out)
{
    char tmpl[] = "/tmp/rt_signcmd.XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int argc = 0;
    while (argv[argc])
        argc++;
    int rc = aws_sign_main(argc, (char **)argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    *out = slurp(tmpl);
    unlink(tmpl);
    return rc;
}

static void test_sign_matches_botocore(void **state)
{
    (void)state;
    setenv("RT_SECRET", SECRET, 1);
    setenv("RT_TOKEN", TOKEN, 1);
    const char *argv[] = {"sign", "--service", "service", "--region", "us-east-1",
                    "--date", "20240115T093000Z", "--access-key-id", "AKIAIOSFODNN7EXAMPLE",
                    "--secret-access-key-env", "RT_SECRET", "--session-token-env", "RT_TOKEN",
                    data_path("token-get.req"), NULL};
    char *out = NULL;
    assert_int_equal(run(argv, &out), 0);
    assert_non_null(out);
    char *sts = slurp(data_path("token-get.sts"));
    char *authz = slurp(data_path("token-get.authz"));
    char want[4096];
    snprintf(want, sizeof want,
             "=== canonical request\nGET\n/\n\nhost:example.amazonaws.com\n"
             "x-amz-date:20240115T093000Z\nx-amz-security-token:<redacted>\n\n"
             "host;x-amz-date;x-amz-security-token\n"
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
             "=== string to sign\n%s\n=== authorization\n%s\n",
             sts, authz);
    assert_string_equal(out, want);
    assert_null(strstr(out, SECRET));
    assert_null(strstr(out, TOKEN));
    free(sts);
    free(authz);
    free(out);
}

static void test_sign_s3_flags(void **state)
{
    (void)state;
    setenv("RT_SECRET", SECRET, 1);
    const char *argv[] = {"sign", "--service", "s3", "--region", "eu-west-2", "--s3", "--content-sha256",
                    "--date", "20240115T093000Z", "--access-key-id", "AKIAIOSFODNN7EXAMPLE",
                    "--secret-access-key-env", "RT_SECRET",
                    data_path("s3-path-not-normalized.req"), NULL};
    char *out = NULL;
    assert_int_equal(run(argv, &out), 0);
    char *authz = slurp(data_path("s3-path-not-normalized.authz"));
    assert_non_null(strstr(out, authz));
    assert_non_null(strstr(out, "\n/bucket/a//b/./c/../d\n"));
    free(authz);
    free(out);
}

static void test_usage(void **state)
{
    (void)state;
    char *out = NULL;
    const char *no_service[] = {"sign", "--region", "eu-west-2", "x.req", NULL};
    assert_int_equal(run(no_service, &out), 2);
    free(out);
    const char *bad_opt[] = {"sign", "--bogus", NULL};
    assert_int_equal(run(bad_opt, &out), 2);
    free(out);
    const char *dangling[] = {"sign", "--service", NULL};
    assert_int_equal(run(dangling, &out), 2);
    free(out);
    unsetenv("RT_NOPE");
    const char *no_secret[] = {"sign", "--service", "s", "--region", "r", "--access-key-id", "K",
                         "--secret-access-key-env", "RT_NOPE", data_path("token-get.req"), NULL};
    assert_int_equal(run(no_secret, &out), 1);
    free(out);
    const char *no_file[] = {"sign", "--service", "s", "--region", "r", "/nonexistent.req", NULL};
    assert_int_equal(run(no_file, &out), 1);
    free(out);
    setenv("RT_SECRET", SECRET, 1);
    const char *bad_date[] = {"sign", "--service", "s", "--region", "r", "--date", "2024-01-15",
                        "--access-key-id", "K", "--secret-access-key-env", "RT_SECRET",
                        data_path("token-get.req"), NULL};
    assert_int_equal(run(bad_date, &out), 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_matches_botocore),
        cmocka_unit_test(test_sign_s3_flags),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
