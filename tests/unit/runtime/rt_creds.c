/* rt_creds.c — the credential chain and the INI parser behind it: the
 * environment, shared credentials/config files ([profile x] vs [x],
 * comments, whitespace, nested blocks), role_arn + source_profile chains
 * (and their cycles), malformed files, redaction, ISO 8601 times, and the
 * AssumeRole request. Files are written to a private temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws.h"

static char dir[64];
static char creds_path[128], config_path[128];
/* The fake environment: NAME=VALUE strings. */
static const char *env_vars[16];

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; env_vars[i]; i++)
        if (strncmp(env_vars[i], name, n) == 0 && env_vars[i][n] == '=')
            return env_vars[i] + n + 1;
    return NULL;
}

static char env_creds[160], env_config[160];

/* Writes both files and points the fake environment at them (plus extra). */
static void files(const char *credentials, const char *config, const char *extra1,
                  const char *extra2)
{
    FILE *f = fopen(creds_path, "w");
    assert_non_null(f);
    fputs(credentials ? credentials : "", f);
    fclose(f);
    f = fopen(config_path, "w");
    assert_non_null(f);
    fputs(config ? config : "", f);
    fclose(f);
    snprintf(env_creds, sizeof env_creds, "AWS_SHARED_CREDENTIALS_FILE=%s", creds_path);
    snprintf(env_config, sizeof env_config, "AWS_CONFIG_FILE=%s", config_path);
    int n = 0;
    env_vars[n++] = env_creds;
    env_vars[n++] = env_config;
    if (extra1)
        env_vars[n++] = extra1;
    if (extra2)
        env_vars[n++] = extra2;
    env_vars[n] = NULL;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rt_creds.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(creds_path, sizeof creds_path, "%s/credentials", dir);
    snprintf(config_path, sizeof config_path, "%s/config", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(creds_path);
    unlink(config_path);
    rmdir(dir);
    return 0;
}

/* ------------------------------------------------------------------ */

static void test_ini_basics(void **state)
{
    (void)state;
    const char *text = "# comment\n"
                       "; also a comment\n"
                       "[default]\n"
                       "aws_access_key_id = AKIDDEFAULT\n"
                       "  Region=eu-west-2  \r\n"
                       "[ profile   dev ]\n"
                       "s3 =\n"
                       "    addressing_style = path\n"
                       "key: colon value # not a comment\n"
                       "dup = 1\n"
                       "dup = 2\n"
                       "[empty]\n";
    AwsIni *ini = aws_ini_parse(text, strlen(text));
    assert_non_null(ini);
    assert_string_equal(aws_ini_get(ini, "default", "aws_access_key_id"), "AKIDDEFAULT");
    assert_string_equal(aws_ini_get(ini, "default", "region"), "eu-west-2");
    assert_string_equal(aws_ini_get(ini, "profile dev", "s3.addressing_style"), "path");
    assert_string_equal(aws_ini_get(ini, "profile dev", "key"), "colon value # not a comment");
    assert_string_equal(aws_ini_get(ini, "profile dev", "dup"), "2");
    assert_true(aws_ini_has_section(ini, "empty"));
    assert_false(aws_ini_has_section(ini, "dev"));
    assert_null(aws_ini_get(ini, "default", "missing"));
    assert_int_equal(aws_ini_bad_lines(ini), 0);
    aws_ini_free(ini);
}

static void test_ini_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "key = before any section\n[ok]\na = 1\n",
        "[unclosed\na = 1\n",
        "[]\nb = 2\n",
        "[s]\njust words\n= no key\n",
        "\0\0[s]\0=\n",
        "[s]\n\xff\xfe = \x80\n",
        "",
        "[s]",
    };
    size_t lens[] = {0, 0, 0, 0, 9, 0, 0, 0};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t n = lens[i] ? lens[i] : strlen(bad[i]);
        AwsIni *ini = aws_ini_parse(bad[i], n);
        assert_non_null(ini);
        aws_ini_free(ini);
    }
    AwsIni *ini = aws_ini_parse(bad[0], strlen(bad[0]));
    assert_int_equal(aws_ini_bad_lines(ini), 1);
    assert_string_equal(aws_ini_get(ini, "ok", "a"), "1");
    aws_ini_free(ini);
    ini = aws_ini_parse(bad[1], strlen(bad[1]));
    assert_int_equal(aws_ini_bad_lines(ini), 2); /* the header and the orphan key */
    aws_ini_free(ini);
    ini = aws_ini_parse(bad[3], strlen(bad[3]));
    assert_int_equal(aws_ini_bad_lines(ini), 2);
    aws_ini_free(ini);
}

/* ------------------------------------------------------------------ */

static void test_env_first(void **state)
{
    (void)state;
    files("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n", NULL,
          "AWS_ACCESS_KEY_ID=AKIAENVIRONMENT0001", "AWS_SECRET_ACCESS_KEY=envsecret");
    AwsCredsChain c;
    char err[AWS_ERR_MAX];
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), 0);
    assert_string_equal(c.base.access_key_id, "AKIAENVIRONMENT0001");
    assert_string_equal(c.base.secret_access_key, "envsecret");
    assert_null(c.base.session_token);
    assert_string_equal(c.base.source, "environment");
    assert_int_equal(c.n_roles, 0);
    aws_creds_chain_release(&c);
    /* an explicit profile skips the environment, as the AWS CLI does */
    assert_int_equal(aws_creds_chain_resolve("default", fake_getenv, &c, err), 0);
    assert_string_equal(c.base.access_key_id, "FILEKEY");
    aws_creds_chain_release(&c);
    /* half the pair in the environment is an error, not a silent fallback */
    files(NULL, NULL, "AWS_ACCESS_KEY_ID=AKIA", NULL);
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
    /* the other half too, even when a default profile exists */
    files("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n", NULL,
          "AWS_SECRET_ACCESS_KEY=envsecret", NULL);
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
}

static void test_profiles(void **state)
{
    (void)state;
    const char *credentials = "[default]\n"
                              "aws_access_key_id=DEFKEY\n"
                              "aws_secret_access_key=DEFSECRET\n"
                              "[dev]\n"
                              "aws_access_key_id = DEVKEY\n"
                              "aws_secret_access_key = DEVSECRET\n"
                              "aws_session_token = DEVTOKEN\n";
    const char *config = "[default]\nregion = eu-west-1\n"
                         "[profile dev]\nregion = eu-west-2\n"
                         "[profile cfgonly]\n"
                         "aws_access_key_id = CFGKEY\naws_secret_access_key = CFGSECRET\n"
                         "[dev2]\nregion = nope\n"; /* no "profile " prefix: not a profile */
    files(credentials, config, "AWS_PROFILE=dev", NULL);
    AwsCredsChain c;
    char err[AWS_ERR_MAX];
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), 0);
    assert_string_equal(c.profile, "dev");
    assert_string_equal(c.base.access_key_id, "DEVKEY");
    assert_string_equal(c.base.session_token, "DEVTOKEN");
    assert_string_equal(c.region, "eu-west-2");
    assert_non_null(strstr(c.base.source, "profile dev"));
    assert_null(strstr(c.base.source, "DEVSECRET"));
    aws_creds_chain_release(&c);

    assert_int_equal(aws_creds_chain_resolve("cfgonly", fake_getenv, &c, err), 0);
    assert_string_equal(c.base.access_key_id, "CFGKEY");
    assert_non_null(strstr(c.base.source, config_path));
    aws_creds_chain_release(&c);

    files(credentials, config, "AWS_REGION=us-west-2", NULL);
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), 0);
    assert_string_equal(c.profile, "default");
    assert_string_equal(c.region, "us-west-2"); /* environment beats the file */
    aws_creds_chain_release(&c);

    assert_int_equal(aws_creds_chain_resolve("dev2", fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "dev2"));
    assert_int_equal(aws_creds_chain_resolve("nosuch", fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "not found"));
}

static void test_role_chain(void **state)
{
    (void)state;
    const char *credentials = "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = S\n";
    const char *config = "[profile org]\n"
                         "role_arn = arn:aws:iam::111111111111:role/Org\n"
                         "source_profile = base\n"
                         "external_id = ext-1\n"
                         "duration_seconds = 900\n"
                         "[profile la]\n"
                         "role_arn = arn:aws:iam::222222222222:role/OrganizationAccountAccessRole\n"
                         "source_profile = org\n"
                         "role_session_name = deploy\n"
                         "region = eu-west-2\n"
                         "[profile loop1]\nrole_arn = arn:1\nsource_profile = loop2\n"
                         "[profile loop2]\nrole_arn = arn:2\nsource_profile = loop1\n"
                         "[profile envrole]\nrole_arn = arn:3\ncredential_source = Environment\n"
                         "[profile orphan]\nrole_arn = arn:4\n"
                         "[profile sso]\nsso_session = x\n";
    files(credentials, config, NULL, NULL);
    AwsCredsChain c;
    char err[AWS_ERR_MAX];
    assert_int_equal(aws_creds_chain_resolve("la", fake_getenv, &c, err), 0);
    assert_string_equal(c.base.access_key_id, "BASEKEY");
    assert_int_equal(c.n_roles, 2);
    assert_string_equal(c.roles[0].role_arn, "arn:aws:iam::111111111111:role/Org");
    assert_string_equal(c.roles[0].external_id, "ext-1");
    assert_int_equal(c.roles[0].duration_seconds, 900);
    assert_string_equal(c.roles[0].session_name, "sfdrun-org");
    assert_string_equal(c.roles[1].role_arn,
                        "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole");
    assert_string_equal(c.roles[1].session_name, "deploy");
    assert_null(c.roles[1].external_id);
    assert_string_equal(c.region, "eu-west-2");
    aws_creds_chain_release(&c);

    assert_int_equal(aws_creds_chain_resolve("loop1", fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "cycle"));
    assert_int_equal(aws_creds_chain_resolve("orphan", fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "source_profile"));
    assert_int_equal(aws_creds_chain_resolve("sso", fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "SSO"));

    files(credentials, config, "AWS_ACCESS_KEY_ID=ENVKEY", "AWS_SECRET_ACCESS_KEY=ENVS");
    assert_int_equal(aws_creds_chain_resolve("envrole", fake_getenv, &c, err), 0);
    assert_string_equal(c.base.access_key_id, "ENVKEY");
    assert_int_equal(c.n_roles, 1);
    aws_creds_chain_release(&c);
}

/* A missing HOME and no files: a clear error, no crash. */
static void test_nothing(void **state)
{
    (void)state;
    env_vars[0] = NULL;
    AwsCredsChain c;
    char err[AWS_ERR_MAX];
    assert_int_equal(aws_creds_chain_resolve(NULL, fake_getenv, &c, err), -1);
    assert_non_null(strstr(err, "default"));
}

static void test_describe_redacts(void **state)
{
    (void)state;
    char id[] = "AKIAIOSFODNN7EXAMPLE", secret[] = "wJalrXUtnFEMI/K7MDENG", tok[] = "TOKENVALUE";
    char src[] = "environment";
    AwsCreds c = {.access_key_id = id, .secret_access_key = secret, .session_token = tok,
                  .expiration = 1705314600, .source = src};
    char buf[256];
    aws_creds_describe(&c, buf, sizeof buf);
    assert_string_equal(buf, "access_key_id=AKIA****MPLE secret=<redacted> "
                             "session_token=<redacted> expires=2024-01-15T10:30:00Z "
                             "source=environment");
    assert_null(strstr(buf, secret));
    assert_null(strstr(buf, tok));
    AwsCreds copy;
    aws_creds_init(&copy);
    assert_int_equal(aws_creds_copy(&copy, &c), 0);
    assert_string_equal(copy.session_token, tok);
    aws_creds_release(&copy);
    char small[8];
    aws_creds_describe(&c, small, sizeof small);
    assert_int_equal(strlen(small), 7);
}

static void test_iso8601(void **state)
{
    (void)state;
    assert_int_equal(aws_parse_iso8601("2024-01-15T10:30:00Z"), 1705314600);
    assert_int_equal(aws_parse_iso8601("2024-01-15T10:30:00.123Z"), 1705314600);
    assert_int_equal(aws_parse_iso8601("2024-01-15T11:30:00+01:00"), 1705314600);
    assert_int_equal(aws_parse_iso8601("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(aws_parse_iso8601("2000-02-29T00:00:00Z"), 951782400);
    assert_int_equal(aws_parse_iso8601("2024-01-15 10:30:00"), -1);
    assert_int_equal(aws_parse_iso8601("2024-13-15T10:30:00Z"), -1);
    assert_int_equal(aws_parse_iso8601("2024-01-15T10:30:00Zjunk"), -1);
    assert_int_equal(aws_parse_iso8601(""), -1);
    assert_int_equal(aws_parse_iso8601(NULL), -1);
}

static void test_assume_role_request(void **state)
{
    (void)state;
    const char *root = getenv("SFDC_ROOT");
    char path[512], err[AWS_ERR_MAX];
    snprintf(path, sizeof path, "%s/stdlib/aws/operations.json", root ? root : ".");
    AwsModel *m = aws_model_load(path, err);
    assert_non_null(m);
    env_vars[0] = "AWS_ENDPOINT_URL=http://127.0.0.1:5000";
    env_vars[1] = NULL;
    AwsEndpoint ep;
    assert_int_equal(aws_endpoint_resolve(m, "sts", "eu-west-2", fake_getenv, &ep, err), 0);
    char arn[] = "arn:aws:iam::222222222222:role/R", sess[] = "sfdrun-la", ext[] = "x y";
    AwsRoleStep role = {.role_arn = arn, .session_name = sess, .external_id = ext,
                        .duration_seconds = 900};
    AwsRequest r;
    assert_int_equal(aws_sts_assume_role_build(m, &role, &ep, &r, err), 0);
    assert_string_equal(r.body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
                                "222222222222%3Arole%2FR&RoleSessionName=sfdrun-la&ExternalId=x%20y&"
                                "DurationSeconds=900");
    assert_string_equal(r.signing_name, "sts");
    assert_string_equal(r.signing_region, "eu-west-2");
    aws_request_release(&r);
    role.role_arn = NULL;
    assert_int_equal(aws_sts_assume_role_build(m, &role, &ep, &r, err), -1);
    aws_request_release(&r);
    aws_endpoint_release(&ep);
    cJSON *bad = cJSON_Parse("{\"Credentials\":{\"AccessKeyId\":\"A\"}}");
    AwsCreds c;
    assert_int_equal(aws_sts_credentials_parse(bad, NULL, &c, err), -1);
    cJSON_Delete(bad);
    aws_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_basics),
        cmocka_unit_test(test_ini_malformed),
        cmocka_unit_test(test_env_first),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_role_chain),
        cmocka_unit_test(test_nothing),
        cmocka_unit_test(test_describe_redacts),
        cmocka_unit_test(test_iso8601),
        cmocka_unit_test(test_assume_role_request),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
