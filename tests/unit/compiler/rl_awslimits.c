/* rl_awslimits.c — units for awslimits.c: every Fargate size (against the
 * table in AWS's docs, written out independently here), S3 and ECR name
 * rules with the byte they blame, IAM names, account ids, Aurora capacity
 * and auto-pause by engine version, the BRIEF's 3306-on-PostgreSQL mistake,
 * the EC2 instance table from stdlib/ and the fit check, Auto Scaling sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "awslimits.h"

static RuleMsg m;

#define has(hay, needle)                                                    \
    do {                                                                    \
        if (!strstr((hay), (needle)))                                       \
            fail_msg("`%s` does not contain `%s`", (hay), (needle));        \
    } while (0)

/* ---- Fargate ---------------------------------------------------------------- */

/* The AWS table, spelled out value by value. */
static bool fargate_valid(int cpu, int mem)
{
    switch (cpu) {
    case 256: return mem == 512 || mem == 1024 || mem == 2048;
    case 512: return mem == 1024 || mem == 2048 || mem == 3072 || mem == 4096;
    case 1024: return mem >= 2048 && mem <= 8192 && mem % 1024 == 0;
    case 2048: return mem >= 4096 && mem <= 16384 && mem % 1024 == 0;
    case 4096: return mem >= 8192 && mem <= 30720 && mem % 1024 == 0;
    case 8192: return mem >= 16384 && mem <= 61440 && mem % 4096 == 0;
    case 16384: return mem >= 32768 && mem <= 122880 && mem % 8192 == 0;
    default: return false;
    }
}

static void test_fargate_exhaustive(void **state)
{
    (void)state;
    int valid = 0;
    for (int cpu = 128; cpu <= 32768; cpu += 128) {
        for (int mem = 256; mem <= 131072; mem += 256) {
            bool want = fargate_valid(cpu, mem);
            bool got = awslim_fargate_pair(cpu, mem, &m);
            if (got != want)
                fail_msg("cpu %d memory %d: got %d, want %d", cpu, mem, got, want);
            assert_int_equal(m.level, got ? RULE_OK : RULE_ERROR);
            valid += got;
        }
    }
    assert_int_equal(valid, 3 + 4 + 7 + 13 + 23 + 12 + 12);
}

static void test_fargate_messages(void **state)
{
    (void)state;
    assert_true(awslim_fargate_pair(256, 1024, &m));   /* the BRIEF's small task */
    assert_false(awslim_fargate_pair(256, 4096, &m));
    assert_string_equal(m.msg, "Fargate has no task size with 0.25 vcpu and 4 GiB");
    has(m.help, "with 0.25 vcpu, memory is 512 MiB, 1 GiB or 2 GiB");
    has(m.help, "`cpu = 0.5 vcpu` with `memory = 4 GiB`");
    assert_false(awslim_fargate_pair(1024, 1024, &m));
    has(m.help, "2 GiB to 8 GiB in 1 GiB steps");
    has(m.help, "`cpu = 1 vcpu` with `memory = 2 GiB`");
    assert_true(awslim_fargate_pair(8192, 20480, &m));
    assert_false(awslim_fargate_pair(8192, 18432, &m));
    has(m.help, "16 GiB to 60 GiB in 4 GiB steps");
    has(m.help, "`cpu = 8 vcpu` with `memory = 20 GiB`");
    assert_false(awslim_fargate_pair(384, 1024, &m));
    assert_string_equal(m.msg, "Fargate has no task size with 0.375 vcpu");
    has(m.help, "0.25, 0.5, 1, 2, 4, 8 and 16 vcpu");
    has(m.help, "`cpu = 0.5 vcpu` with `memory = 1 GiB`");
    assert_false(awslim_fargate_pair(16384, 131072, &m));
    has(m.help, "the largest Fargate task is 16 vcpu with 120 GiB");
    assert_false(awslim_fargate_pair(32768, 65536, &m));
    has(m.help, "the largest Fargate task is 16 vcpu with 120 GiB");
    assert_false(awslim_fargate_pair(512, 1024.5, &m));   /* not whole MiB */
    assert_false(awslim_fargate_pair(256, 1536, &m));
    has(m.msg, "1536 MiB");
    assert_false(awslim_fargate_pair(0, 0, &m));
}

static void test_fargate_fit(void **state)
{
    (void)state;
    int c, mm;
    assert_true(awslim_fargate_fit(256, 512, &c, &mm));
    assert_int_equal(c, 256);
    assert_int_equal(mm, 512);
    assert_true(awslim_fargate_fit(256, 1500, &c, &mm));
    assert_int_equal(mm, 2048);
    assert_true(awslim_fargate_fit(300, 700, &c, &mm));
    assert_int_equal(c, 512);
    assert_int_equal(mm, 1024);
    assert_true(awslim_fargate_fit(1024, 2500, &c, &mm));
    assert_int_equal(c, 1024);
    assert_int_equal(mm, 3072);
    assert_true(awslim_fargate_fit(256, 9000, &c, &mm));
    assert_int_equal(c, 2048);
    assert_int_equal(mm, 9216);
    assert_true(awslim_fargate_fit(4096, 33000, &c, &mm));
    assert_int_equal(c, 8192);
    assert_int_equal(mm, 36864);
    assert_true(awslim_fargate_fit(16384, 122880, &c, &mm));
    assert_false(awslim_fargate_fit(16384, 122881, &c, &mm));
    assert_false(awslim_fargate_fit(16385, 1024, &c, &mm));
    /* whatever fit returns is valid */
    for (int cpu = 1; cpu <= 16384; cpu += 97)
        for (int mem = 1; mem <= 122880; mem += 1531)
            if (awslim_fargate_fit(cpu, mem, &c, &mm)) {
                assert_true(fargate_valid(c, mm));
                assert_true(c >= cpu && mm >= mem);
            }
}

/* ---- S3 ---------------------------------------------------------------------- */

static bool s3(const char *name)
{
    return awslim_s3_bucket_name(name, strlen(name), &m);
}

#define s3_bad(name, o, l)                       \
    do {                                         \
        assert_false(s3(name));                  \
        assert_int_equal(m.level, RULE_ERROR);   \
        assert_int_equal(m.off, (o));            \
        assert_int_equal(m.len, (l));            \
    } while (0)

static void test_s3_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "abc", "sfdata-tfstate-111111111111", "la-camden-data-store", "a1b", "123",
        "my-bucket-2024", "x-s3", "s3alias", "amzn-s3-demo", "xn-a", "sthree", "a-b-c",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 63 */
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
        if (!s3(good[k]))
            fail_msg("`%s`: %s", good[k], m.msg);
        assert_int_equal(m.level, RULE_OK);
    }
}

static void test_s3_invalid(void **state)
{
    (void)state;
    s3_bad("ab", 0, 0);
    has(m.msg, "too short");
    s3_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 63, 1); /* 64 */
    assert_string_equal(m.msg, "bucket name is 64 characters long, 63 at most");
    s3_bad("", 0, 0);
    s3_bad("My-Bucket", 0, 1);
    assert_string_equal(m.msg, "bucket names are lowercase: `M` is uppercase");
    assert_string_equal(m.help, "write `my-bucket`");
    s3_bad("la_camden", 2, 1);
    assert_string_equal(m.msg, "`_` is not allowed in bucket names");
    assert_string_equal(m.help, "write `la-camden`");
    s3_bad("a b c", 1, 1);
    s3_bad("abc\x01", 3, 1);
    has(m.msg, "0x01");
    s3_bad("-abc", 0, 1);
    s3_bad(".abc", 0, 1);
    s3_bad("abc-", 3, 1);
    s3_bad("abc.", 3, 1);
    s3_bad("a..b", 1, 2);
    assert_string_equal(m.msg, "bucket names cannot contain `..`");
    s3_bad("192.168.5.4", 0, 0);
    has(m.msg, "IP address");
    s3_bad("1.2.3.4", 0, 0);
    s3_bad("xn--bucket", 0, 4);
    s3_bad("sthree-bucket", 0, 7);
    s3_bad("sthree-configurator", 0, 7);
    s3_bad("amzn-s3-demo-bucket", 0, 13);
    s3_bad("bucket-s3alias", 6, 8);
    has(m.help, "access point");
    s3_bad("bucket--ol-s3", 6, 7);
    s3_bad("bucket.mrap", 6, 5);
    s3_bad("bucket--x-s3", 6, 6);
    s3_bad("bucket--table-s3", 6, 10);
    /* the length is checked on the bytes given, not up to a NUL */
    assert_true(awslim_s3_bucket_name("abcdef", 3, &m));
    assert_false(awslim_s3_bucket_name("abc", 2, &m));
}

static void test_s3_dots_warn(void **state)
{
    (void)state;
    assert_true(s3("data.example.com"));
    assert_int_equal(m.level, RULE_WARN);
    assert_int_equal(m.off, 4);
    has(m.help, "certificate");
    has(m.help, "Transfer Acceleration");
    assert_true(s3("1.2.3.4a"));   /* not an IP */
    assert_int_equal(m.level, RULE_WARN);
    assert_true(s3("1.2.3"));
    assert_true(s3("1.2.3.4.5"));
}

/* ---- ECR ----------------------------------------------------------------------- */

static bool ecr(const char *name)
{
    return awslim_ecr_repo_name(name, strlen(name), &m);
}

#define ecr_bad(name, o)                      \
    do {                                      \
        assert_false(ecr(name));              \
        assert_int_equal(m.off, (o));         \
    } while (0)

static void test_ecr(void **state)
{
    (void)state;
    static const char *const good[] = {
        "dagster", "ab", "a1", "team/dagster", "a/b/c", "dagster-app", "dagster_app",
        "dagster.app", "a-b_c.d", "team-1/app.v2/x_y", "00",
        /* botocore's pattern joins parts with `__` or any run of `-` too */
        "dagster--app", "dagster__app", "a---b", "team/a__b--c",
    };
    for (size_t k = 0; k < sizeof good / sizeof good[0]; k++)
        if (!ecr(good[k]))
            fail_msg("`%s`: %s", good[k], m.msg);
    assert_false(ecr("a"));
    has(m.msg, "too short");
    char longname[300];
    memset(longname, 'a', sizeof longname);
    assert_true(awslim_ecr_repo_name(longname, 256, &m));
    assert_false(awslim_ecr_repo_name(longname, 257, &m));
    assert_int_equal(m.off, 256);
    ecr_bad("Dagster", 0);
    has(m.msg, "lowercase");
    ecr_bad("dagster___app", 7);
    has(m.msg, "cannot join parts with `___`");
    ecr_bad("dagster-_app", 7);
    ecr_bad("dagster_-app", 7);
    ecr_bad("dagster._app", 7);
    ecr_bad("dagster..app", 7);
    ecr_bad("-dagster", 0);
    ecr_bad("team/-app", 5);
    ecr_bad("dagster-", 7);
    ecr_bad("dagster/", 7);
    ecr_bad("/dagster", 0);
    ecr_bad("team//app", 5);
    has(m.msg, "empty path segment");
    ecr_bad("team-/app", 5);
    ecr_bad("dag ster", 3);
    ecr_bad("dag:ster", 3);
    ecr_bad("dagster\xff", 7);
}

/* ---- IAM and account ids ---------------------------------------------------------- */

static void test_iam(void **state)
{
    (void)state;
    char name[200];
    memset(name, 'r', sizeof name);
    assert_true(awslim_iam_role_name(name, 64, &m));
    assert_false(awslim_iam_role_name(name, 65, &m));
    assert_string_equal(m.msg, "IAM role name is 1 characters too long");
    assert_int_equal(m.off, 64);
    assert_int_equal(m.len, 1);
    has(m.help, "at most 64");
    assert_true(awslim_iam_policy_name(name, 128, &m));
    assert_false(awslim_iam_policy_name(name, 129, &m));
    has(m.msg, "policy");
    assert_true(awslim_iam_role_name("sfdc-la_camden+x=y,z.w@v", 24, &m));
    assert_false(awslim_iam_role_name("la camden", 9, &m));
    assert_int_equal(m.off, 2);
    assert_false(awslim_iam_role_name("la/camden", 9, &m));
    assert_false(awslim_iam_role_name("la:camden", 9, &m));
    assert_false(awslim_iam_role_name("", 0, &m));
    /* a bad character is reported before the length */
    char mixed[80];
    memset(mixed, 'a', sizeof mixed);
    mixed[70] = '*';
    assert_false(awslim_iam_role_name(mixed, sizeof mixed, &m));
    assert_int_equal(m.off, 70);
}

static void test_account_id(void **state)
{
    (void)state;
    assert_true(awslim_account_id("111111111111", 12, &m));
    assert_true(awslim_account_id("000000000001", 12, &m));
    assert_false(awslim_account_id("11111111111", 11, &m));
    assert_string_equal(m.msg, "account id `11111111111` has 11 digits, not 12");
    has(m.help, "leading zeros");
    assert_false(awslim_account_id("1111111111111", 13, &m));
    has(m.msg, "13 digits");
    assert_false(awslim_account_id("11111111111a", 12, &m));
    assert_int_equal(m.off, 11);
    assert_int_equal(m.len, 1);
    assert_false(awslim_account_id("1111-1111-11", 12, &m));
    assert_int_equal(m.off, 4);
    assert_false(awslim_account_id("", 0, &m));
    assert_false(awslim_account_id("\xd9\xa1\xd9\xa1", 4, &m));   /* Arabic-Indic digits are not ASCII */
}

/* ---- databases ---------------------------------------------------------------------- */

static void test_aurora_capacity(void **state)
{
    (void)state;
    assert_true(awslim_aurora_capacity(0, 4, &m));
    assert_true(awslim_aurora_capacity(0.5, 2, &m));
    assert_true(awslim_aurora_capacity(0, 1, &m));
    assert_true(awslim_aurora_capacity(0, 256, &m));
    assert_true(awslim_aurora_capacity(8.5, 8.5, &m));
    assert_true(awslim_aurora_capacity(255.5, 256, &m));
    assert_false(awslim_aurora_capacity(0.25, 4, &m));
    assert_string_equal(m.msg, "capacity 0.25 ACU is not a multiple of 0.5");
    has(m.help, "write `0.5..4 acu`");
    assert_false(awslim_aurora_capacity(1, 2.7, &m));
    has(m.help, "write `1..2.5 acu`");
    assert_false(awslim_aurora_capacity(4, 2, &m));
    assert_string_equal(m.msg, "minimum capacity 4 ACU is above the maximum 2 ACU");
    has(m.help, "`2..4 acu`");
    assert_false(awslim_aurora_capacity(0, 0.5, &m));
    has(m.msg, "below 1 ACU");
    assert_false(awslim_aurora_capacity(0, 0, &m));
    assert_false(awslim_aurora_capacity(0, 256.5, &m));
    has(m.msg, "256 ACU maximum");
    assert_false(awslim_aurora_capacity(0, 300, &m));
    assert_false(awslim_aurora_capacity(-0.5, 2, &m));
    /* every half step from 0 to 8 is accepted as a minimum */
    for (int k = 0; k <= 16; k++)
        assert_true(awslim_aurora_capacity(k / 2.0, 8, &m));
}

static void test_engine_family(void **state)
{
    (void)state;
    assert_int_equal(awslim_engine_family("postgres16"), AWSLIM_ENGINE_POSTGRES);
    assert_int_equal(awslim_engine_family("postgres"), AWSLIM_ENGINE_POSTGRES);
    assert_int_equal(awslim_engine_family("aurora-postgresql"), AWSLIM_ENGINE_POSTGRES);
    assert_int_equal(awslim_engine_family("mysql8"), AWSLIM_ENGINE_MYSQL);
    assert_int_equal(awslim_engine_family("aurora-mysql"), AWSLIM_ENGINE_MYSQL);
    assert_int_equal(awslim_engine_family("oracle-ee"), AWSLIM_ENGINE_UNKNOWN);
    assert_int_equal(awslim_engine_family(""), AWSLIM_ENGINE_UNKNOWN);
    assert_int_equal(awslim_engine_default_port(AWSLIM_ENGINE_POSTGRES), 5432);
    assert_int_equal(awslim_engine_default_port(AWSLIM_ENGINE_MYSQL), 3306);
    assert_int_equal(awslim_engine_default_port(AWSLIM_ENGINE_UNKNOWN), 0);
}

static void test_auto_pause_versions(void **state)
{
    (void)state;
    const AwslimEngine pg = AWSLIM_ENGINE_POSTGRES, my = AWSLIM_ENGINE_MYSQL;
    assert_true(awslim_aurora_version_pauses(pg, "13.15"));
    assert_true(awslim_aurora_version_pauses(pg, "13.16"));
    assert_false(awslim_aurora_version_pauses(pg, "13.14"));
    assert_false(awslim_aurora_version_pauses(pg, "13.9"));
    assert_true(awslim_aurora_version_pauses(pg, "14.12"));
    assert_false(awslim_aurora_version_pauses(pg, "14.11"));
    assert_true(awslim_aurora_version_pauses(pg, "15.7"));
    assert_false(awslim_aurora_version_pauses(pg, "15.6"));
    assert_true(awslim_aurora_version_pauses(pg, "15.10"));   /* numeric, not string order */
    assert_true(awslim_aurora_version_pauses(pg, "16.3"));
    assert_true(awslim_aurora_version_pauses(pg, "16.4"));
    assert_false(awslim_aurora_version_pauses(pg, "16.2"));
    assert_false(awslim_aurora_version_pauses(pg, "16"));
    assert_true(awslim_aurora_version_pauses(pg, "17.4"));
    assert_false(awslim_aurora_version_pauses(pg, "12.22"));
    assert_false(awslim_aurora_version_pauses(pg, "16.x"));
    assert_false(awslim_aurora_version_pauses(pg, ""));
    assert_true(awslim_aurora_version_pauses(my, "8.0.mysql_aurora.3.08.0"));
    assert_true(awslim_aurora_version_pauses(my, "8.0.mysql_aurora.3.10.1"));
    assert_false(awslim_aurora_version_pauses(my, "8.0.mysql_aurora.3.07.1"));
    assert_true(awslim_aurora_version_pauses(my, "3.08.0"));
    assert_false(awslim_aurora_version_pauses(my, "2.12.1"));
    assert_false(awslim_aurora_version_pauses(AWSLIM_ENGINE_UNKNOWN, "16.4"));
    /* the 256 ACU ceiling: recent versions only */
    assert_true(awslim_aurora_max_acu(pg, "16.3") == 256);
    assert_true(awslim_aurora_max_acu(pg, "15.10") == 256);
    assert_true(awslim_aurora_max_acu(pg, "16.2") == 128);
    assert_true(awslim_aurora_max_acu(pg, "13.12") == 128);
    assert_true(awslim_aurora_max_acu(my, "8.0.mysql_aurora.3.06.0") == 256);
    assert_true(awslim_aurora_max_acu(my, "8.0.mysql_aurora.3.05.2") == 128);
    assert_true(awslim_aurora_ceiling(pg, "16.2", 128, &m));
    assert_true(awslim_aurora_ceiling(pg, "16.4", 256, &m));
    assert_false(awslim_aurora_ceiling(pg, "16.2", 128.5, &m));
    assert_string_equal(m.msg, "PostgreSQL version `16.2` scales to at most 128 ACU, not 128.5");
    assert_string_equal(m.help, "256 ACU needs aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later; "
                                "or keep the maximum at 128 ACU");
}

static void test_auto_pause(void **state)
{
    (void)state;
    const AwslimEngine pg = AWSLIM_ENGINE_POSTGRES;
    assert_true(awslim_aurora_auto_pause(pg, "16.4", 0, 1800, &m));   /* the BRIEF's 30m */
    assert_true(awslim_aurora_auto_pause(pg, "16.4", 0, -1, &m));     /* AWS's default delay */
    assert_true(awslim_aurora_auto_pause(pg, "16.4", 0.5, -1, &m));
    assert_true(awslim_aurora_auto_pause(pg, "16.2", 0.5, -1, &m));   /* no pause, old is fine */
    assert_true(awslim_aurora_auto_pause(pg, "16.4", 0, 300, &m));
    assert_true(awslim_aurora_auto_pause(pg, "16.4", 0, 86400, &m));
    assert_false(awslim_aurora_auto_pause(pg, "16.4", 0, 299, &m));
    has(m.msg, "outside 5m..24h");
    assert_false(awslim_aurora_auto_pause(pg, "16.4", 0, 86401, &m));
    assert_false(awslim_aurora_auto_pause(pg, "16.4", 0.5, 1800, &m));
    assert_string_equal(m.msg, "auto-pause needs a minimum capacity of 0 ACU, not 0.5");
    has(m.help, "0..N acu");
    assert_false(awslim_aurora_auto_pause(pg, "16.2", 0, 1800, &m));
    assert_string_equal(m.msg, "PostgreSQL version `16.2` cannot pause at 0 ACU");
    has(m.help, "16.3 or later");
    assert_false(awslim_aurora_auto_pause(AWSLIM_ENGINE_MYSQL, "8.0.mysql_aurora.3.05.2", 0, -1, &m));
    has(m.help, "3.08.0");
}

static void test_engine_port(void **state)
{
    (void)state;
    const AwslimEngine pg = AWSLIM_ENGINE_POSTGRES, my = AWSLIM_ENGINE_MYSQL;
    assert_true(awslim_engine_port(pg, 5432, &m));
    assert_true(awslim_engine_port(my, 3306, &m));
    assert_true(awslim_engine_port(pg, 6543, &m));   /* custom ports are AWS's to allow */
    /* the BRIEF's mistake */
    assert_false(awslim_engine_port(pg, 3306, &m));
    assert_string_equal(m.msg, "port 3306 is MySQL's port, but the engine is PostgreSQL");
    assert_string_equal(m.help, "PostgreSQL listens on 5432: write `port = 5432`");
    assert_false(awslim_engine_port(my, 5432, &m));
    assert_string_equal(m.msg, "port 5432 is PostgreSQL's port, but the engine is MySQL");
    assert_false(awslim_engine_port(pg, 80, &m));
    has(m.msg, "outside 1150..65535");
    assert_false(awslim_engine_port(pg, 1149, &m));
    assert_true(awslim_engine_port(pg, 1150, &m));
    assert_true(awslim_engine_port(pg, 65535, &m));
    assert_false(awslim_engine_port(pg, 65536, &m));
    assert_false(awslim_engine_port(pg, -1, &m));
}

/* ---- EC2 --------------------------------------------------------------------------- */

static AwslimEc2Table ec2;

static int load_ec2(void **state)
{
    (void)state;
    const char *root = getenv("SFDC_ROOT");
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/stdlib/aws/ec2-instance-types.json", root ? root : ".");
    if (awslim_ec2_load(&ec2, path, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int release_ec2(void **state)
{
    (void)state;
    awslim_ec2_release(&ec2);
    return 0;
}

static const AwslimEc2Type *type(const char *name)
{
    const AwslimEc2Type *x = awslim_ec2_find(&ec2, name, strlen(name));
    if (!x)
        fail_msg("no type `%s`", name);
    return x;
}

static void test_ec2_table(void **state)
{
    (void)state;
    assert_int_equal(ec2.n, 65);
    const AwslimEc2Type *x = type("t3.medium");
    assert_int_equal(x->vcpu, 2);
    assert_int_equal(x->memory_mib, 4096);
    assert_false(x->arm64);
    assert_true(type("t4g.small")->arm64);
    assert_int_equal(type("m5.4xlarge")->memory_mib, 65536);
    assert_int_equal(type("c6g.medium")->memory_mib, 2048);
    assert_int_equal(type("r6i.4xlarge")->memory_mib, 131072);
    assert_int_equal(type("t3a.nano")->memory_mib, 512);
    assert_null(awslim_ec2_find(&ec2, "t3.4xlarge", 10));
    assert_null(awslim_ec2_find(&ec2, "m5.medium", 9));
    assert_non_null(awslim_ec2_find(&ec2, "t3.mediumX", 9));   /* only len bytes */
    /* every family from the brief, every size with vCPU and memory > 0 */
    static const char *const fam[] = {"t3", "t3a", "t4g", "m5", "m6i", "m6g", "m7g",
                                      "c5", "c6i", "c6g", "r5", "r6i", "r6g"};
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        char name[32];
        snprintf(name, sizeof name, "%s.large", fam[f]);
        assert_non_null(type(name));
        snprintf(name, sizeof name, "%s.xlarge", fam[f]);
        assert_int_equal(type(name)->vcpu, 4);
    }
}

static void test_ec2_known(void **state)
{
    (void)state;
    assert_true(awslim_ec2_known(&ec2, "t3.medium", 9, &m));
    assert_false(awslim_ec2_known(&ec2, "t3.meduim", 9, &m));
    assert_string_equal(m.msg, "unknown EC2 instance type `t3.meduim`");
    assert_string_equal(m.help, "did you mean `t3.medium`?");
    assert_false(awslim_ec2_known(&ec2, "t3.4xlarge", 10, &m));
    has(m.help, "did you mean `t3.xlarge`?");
    has(m.help, "t3 sizes sfdc knows: nano, micro, small, medium, large, xlarge, 2xlarge");
    assert_false(awslim_ec2_known(&ec2, "m5.tiny", 7, &m));
    assert_string_equal(m.help, "m5 sizes sfdc knows: large, xlarge, 2xlarge, 4xlarge");
    assert_false(awslim_ec2_known(&ec2, "z9.enormous", 11, &m));
    has(m.help, "t3, t3a, t4g");
}

static void test_ec2_fits(void **state)
{
    (void)state;
    const AwslimEc2Type *small = type("t3.small"), *medium = type("t3.medium");
    /* 2048 - 128 (kernel, at least 128) - 256 (agent) */
    assert_int_equal(awslim_ec2_task_memory(small, AWSLIM_ECS_RESERVED_MIB), 1664);
    /* 4096 - 256 (1/16) - 256 */
    assert_int_equal(awslim_ec2_task_memory(medium, AWSLIM_ECS_RESERVED_MIB), 3584);
    assert_int_equal(awslim_ec2_task_memory(medium, 0), 3840);
    assert_int_equal(awslim_ec2_task_memory(type("t3.nano"), 512), 0);
    assert_true(awslim_ec2_fits(&ec2, small, 256, 1024, AWSLIM_ECS_RESERVED_MIB, &m));
    assert_true(awslim_ec2_fits(&ec2, medium, 2048, 3584, AWSLIM_ECS_RESERVED_MIB, &m));
    assert_false(awslim_ec2_fits(&ec2, medium, 2048, 3585, AWSLIM_ECS_RESERVED_MIB, &m));
    /* a 4 GiB task does not fit a 4 GiB instance */
    assert_false(awslim_ec2_fits(&ec2, medium, 1024, 4096, AWSLIM_ECS_RESERVED_MIB, &m));
    assert_string_equal(m.msg, "a task of 1 vcpu and 4 GiB does not fit on `t3.medium`");
    has(m.help, "about 3584 MiB");
    has(m.help, "`t3.large` holds this task");
    /* CPU: 4 vcpu does not fit 2 */
    assert_false(awslim_ec2_fits(&ec2, type("t3.large"), 4096, 1024, AWSLIM_ECS_RESERVED_MIB, &m));
    has(m.help, "`t3.xlarge`");
    /* arm64 stays arm64 */
    assert_false(awslim_ec2_fits(&ec2, type("m6g.medium"), 1024, 8192, AWSLIM_ECS_RESERVED_MIB, &m));
    has(m.help, "`m6g.xlarge`");
    /* too big for the family: another family of the same architecture */
    assert_false(awslim_ec2_fits(&ec2, type("c5.large"), 4096, 100000, AWSLIM_ECS_RESERVED_MIB, &m));
    has(m.help, "`r5.4xlarge`");
    assert_false(awslim_ec2_fits(&ec2, type("t3.large"), 65536, 1024, AWSLIM_ECS_RESERVED_MIB, &m));
    has(m.help, "no known x86_64 instance type");
}

static void test_ec2_parse_errors(void **state)
{
    (void)state;
    AwslimEc2Table t;
    char err[256];
    const char *bad[] = {
        "", "{", "[]", "{\"types\": []}", "{\"types\": 3}",
        "{\"types\": [{\"name\": \"a\", \"vcpu\": 2, \"memory_mib\": 512}]}",
        "{\"types\": [{\"name\": \"a\", \"vcpu\": 2, \"memory_mib\": 512, \"arch\": \"sparc\"}]}",
        "{\"types\": [{\"name\": \"a\", \"vcpu\": 0, \"memory_mib\": 512, \"arch\": \"arm64\"}]}",
        "{\"types\": [{\"name\": 7, \"vcpu\": 2, \"memory_mib\": 512, \"arch\": \"arm64\"}]}",
        "{\"types\": [{\"name\": \"a\", \"vcpu\": 2, \"memory_mib\": -5, \"arch\": \"arm64\"}]}",
        ("{\"types\": [{\"name\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"vcpu\": 2, "
         "\"memory_mib\": 5, \"arch\": \"arm64\"}]}"),
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        assert_int_equal(awslim_ec2_parse(&t, bad[k], strlen(bad[k]), err, sizeof err), -1);
        assert_true(err[0] != '\0');
        assert_null(t.types);
        assert_int_equal(t.n, 0);
    }
    const char *good = "{\"types\": [{\"name\": \"x.big\", \"vcpu\": 64, \"memory_mib\": 262144, "
                       "\"arch\": \"x86_64\"}]}";
    assert_int_equal(awslim_ec2_parse(&t, good, strlen(good), err, sizeof err), 0);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.types[0].vcpu, 64);
    awslim_ec2_release(&t);
    awslim_ec2_release(&t);   /* twice is harmless */
    assert_int_equal(awslim_ec2_load(&t, "/nonexistent/ec2.json", err, sizeof err), -1);
    has(err, "cannot open");
}

/* The data file is read once per run: it must stay cheap (< 1 ms). */
static void test_ec2_load_speed(void **state)
{
    (void)state;
    const char *root = getenv("SFDC_ROOT");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/stdlib/aws/ec2-instance-types.json", root ? root : ".");
    struct timespec a, b;
    enum { N = 200 };
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < N; k++) {
        AwslimEc2Table t;
        assert_int_equal(awslim_ec2_load(&t, path, err, sizeof err), 0);
        awslim_ec2_release(&t);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / N;
    printf("ec2-instance-types.json: %.1f us per load\n", us);
    assert_true(us < 5000);   /* generous under valgrind; measured ~60 us natively */
}

/* ---- Auto Scaling ------------------------------------------------------------------------ */

static void test_asg(void **state)
{
    (void)state;
    assert_true(awslim_asg_sizes(0, 0, 2, &m));
    assert_true(awslim_asg_sizes(0, -1, 2, &m));
    assert_true(awslim_asg_sizes(0, -1, 0, &m));
    assert_true(awslim_asg_sizes(1, 1, 1, &m));
    assert_true(awslim_asg_sizes(1, 2, 3, &m));
    assert_false(awslim_asg_sizes(2, 1, 3, &m));
    assert_string_equal(m.msg, "desired count 1 is outside the size range 2..3");
    assert_false(awslim_asg_sizes(0, 5, 2, &m));
    assert_false(awslim_asg_sizes(3, -1, 2, &m));
    assert_string_equal(m.msg, "minimum size 3 is above the maximum 2");
    assert_string_equal(m.help, "write `2..3`");
    assert_false(awslim_asg_sizes(-1, -1, 2, &m));
    assert_false(awslim_asg_sizes(0, -1, -2, &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fargate_exhaustive),
        cmocka_unit_test(test_fargate_messages),
        cmocka_unit_test(test_fargate_fit),
        cmocka_unit_test(test_s3_valid),
        cmocka_unit_test(test_s3_invalid),
        cmocka_unit_test(test_s3_dots_warn),
        cmocka_unit_test(test_ecr),
        cmocka_unit_test(test_iam),
        cmocka_unit_test(test_account_id),
        cmocka_unit_test(test_aurora_capacity),
        cmocka_unit_test(test_engine_family),
        cmocka_unit_test(test_auto_pause_versions),
        cmocka_unit_test(test_auto_pause),
        cmocka_unit_test(test_engine_port),
        cmocka_unit_test_setup_teardown(test_ec2_table, load_ec2, release_ec2),
        cmocka_unit_test_setup_teardown(test_ec2_known, load_ec2, release_ec2),
        cmocka_unit_test_setup_teardown(test_ec2_fits, load_ec2, release_ec2),
        cmocka_unit_test(test_ec2_parse_errors),
        cmocka_unit_test(test_ec2_load_speed),
        cmocka_unit_test(test_asg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
