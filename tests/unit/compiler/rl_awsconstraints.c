/* rl_awsconstraints.c — units for awsconstraints.c: the matcher against
 * POSIX regexec on every pattern of stdlib/aws/constraints.json over every
 * short string of a small alphabet, ECR's separators (`__`, `--`), the
 * committed table (loads, every pattern compiles, lookups), the messages
 * and blamed bytes of each check, and the matcher's speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <regex.h>

#include <cmocka.h>

#include "awsconstraints.h"

static AwscTable table;
static RuleMsg m;

#define has(hay, needle)                                                    \
    do {                                                                    \
        if (!strstr((hay), (needle)))                                       \
            fail_msg("`%s` does not contain `%s`", (hay), (needle));        \
    } while (0)

static int load(void **state)
{
    (void)state;
    const char *root = getenv("SFDC_ROOT");
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/stdlib/aws/constraints.json", root ? root : ".");
    if (awsc_load(&table, path, err, sizeof err) != 0)
        fail_msg("%s", err);
    return 0;
}

static int release(void **state)
{
    (void)state;
    awsc_release(&table);
    return 0;
}

static bool match(const char *ere, const char *s)
{
    char err[256];
    AwscRe *re = awsc_re_compile(ere, err, sizeof err);
    if (!re)
        fail_msg("%s", err);
    bool r = awsc_re_match(re, s, strlen(s));
    awsc_re_free(re);
    return r;
}

static void test_matcher_basics(void **state)
{
    (void)state;
    assert_true(match("abc", "abc"));
    assert_false(match("abc", "abcd"));       /* anchored: the whole string */
    assert_false(match("abc", "ab"));
    assert_true(match("a|b", "b"));
    assert_true(match("(ab)*", ""));
    assert_true(match("(ab)*", "abab"));
    assert_false(match("(ab)*", "aba"));
    assert_true(match("a+b?", "aaa"));
    assert_true(match("[0-9]{3}", "200"));
    assert_false(match("[0-9]{3}", "20"));
    assert_true(match("[0-9]{2,}", "2000"));
    assert_true(match("x{1,2}", "xx"));
    assert_false(match("x{1,2}", "xxx"));
    assert_true(match("[^a]", "b"));
    assert_false(match("[^a]", "a"));
    assert_true(match("[a-]+", "a-a"));
    assert_true(match("[]x]", "]"));
    assert_true(match("a\\.b", "a.b"));
    assert_false(match("a\\.b", "axb"));
    assert_true(match(".", "z"));
    assert_true(match("(a*)*", "aaa"));        /* an empty loop terminates */
    /* 2^9 DFA states: past the DFA's 64, the NFA answers, alike */
    const char *big = "(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)";
    for (int k = 0; k < 2; k++) {
        assert_true(match(big, "bbbabbbbbbbb"));
        assert_false(match(big, "bbbbbbbbbbbb"));
        assert_true(match(big, "aaaaaaaaaaaaaaaaaaaaaaa"));
    }
    char err[256];
    AwscRe *re = awsc_re_compile(big, err, sizeof err);
    for (int code = 0; code < 4096; code++) {       /* one DFA, filled past its size */
        char s[13];
        for (int i = 0; i < 12; i++)
            s[i] = (code >> i) & 1 ? 'a' : 'b';
        s[12] = '\0';
        assert_int_equal(awsc_re_match(re, s, 12), s[3] == 'a');
    }
    awsc_re_free(re);
    assert_null(awsc_re_compile("(ab", err, sizeof err));
    has(err, "unclosed");
    assert_null(awsc_re_compile("a{3,1}", err, sizeof err));
    assert_null(awsc_re_compile("^a$", err, sizeof err));
    assert_null(awsc_re_compile("[[:alpha:]]", err, sizeof err));
}

/* botocore's ECR pattern allows `__` and runs of `-` between parts. */
static void test_ecr_separators(void **state)
{
    (void)state;
    const AwscParam *p = awsc_find(&table, "ecr.CreateRepository.repositoryName");
    assert_non_null(p);
    const char *good[] = {"ab", "a__b", "a--b", "a---b", "a_b", "a.b", "team/app", "team/a__b-c", NULL};
    const char *bad[] = {"a", "a___b", "_ab", "ab_", "a..b", "Ab", "a//b", "/ab", "a._b", NULL};
    for (int i = 0; good[i]; i++)
        if (!awsc_string(p, "repository name", good[i], strlen(good[i]), &m))
            fail_msg("`%s` refused: %s", good[i], m.msg);
    for (int i = 0; bad[i]; i++)
        if (awsc_string(p, "repository name", bad[i], strlen(bad[i]), &m))
            fail_msg("`%s` accepted", bad[i]);
}

/* awslimits.c's hand-written ECR rule (which names the byte at fault) and
 * botocore's pattern agree on every short name. */
static void test_ecr_rule_vs_pattern(void **state)
{
    (void)state;
    static const char alpha[] = "a0_-./A";
    const size_t na = sizeof alpha - 1;
    const AwscParam *p = awsc_find(&table, "ecr.CreateRepository.repositoryName");
    char s[8];
    for (size_t len = 2; len <= 6; len++) {
        size_t total = 1;
        for (size_t k = 0; k < len; k++)
            total *= na;
        for (size_t code = 0; code < total; code++) {
            size_t c = code;
            for (size_t k = 0; k < len; k++, c /= na)
                s[k] = alpha[c % na];
            s[len] = '\0';
            RuleMsg m2;
            bool hand = awslim_ecr_repo_name(s, len, &m2), data = awsc_string(p, "name", s, len, &m);
            if (hand != data)
                fail_msg("`%s`: awsr %d, constraints.json %d", s, hand, data);
        }
    }
}

/* Our matcher and glibc's agree on every pattern of the table, over every
 * string of up to 4 bytes of an alphabet that touches each class. */
static void test_matcher_vs_regexec(void **state)
{
    (void)state;
    static const char alpha[] = "aZ0-_./ :";
    const size_t na = sizeof alpha - 1;
    int patterns = 0;
    for (size_t i = 0; i < table.n; i++) {
        const AwscParam *p = &table.params[i];
        if (!p->re)
            continue;
        patterns++;
        char anchored[1024];
        snprintf(anchored, sizeof anchored, "^(%s)$", p->ere);
        regex_t rx;
        assert_int_equal(regcomp(&rx, anchored, REG_EXTENDED | REG_NOSUB), 0);
        char s[8];
        for (size_t len = 0; len <= 4; len++) {
            size_t total = 1;
            for (size_t k = 0; k < len; k++)
                total *= na;
            for (size_t code = 0; code < total; code++) {
                size_t c = code;
                for (size_t k = 0; k < len; k++, c /= na)
                    s[k] = alpha[c % na];
                s[len] = '\0';
                bool ours = awsc_re_match(p->re, s, len), theirs = regexec(&rx, s, 0, NULL, 0) == 0;
                if (ours != theirs)
                    fail_msg("%s: `%s` on `%s`: ours %d, regexec %d", p->name, p->ere, s, ours, theirs);
            }
        }
        regfree(&rx);
    }
    assert_true(patterns >= 20);
}

static void test_table(void **state)
{
    (void)state;
    assert_true(table.n > 100);
    for (size_t i = 1; i < table.n; i++)
        assert_true(strcmp(table.params[i - 1].name, table.params[i].name) < 0);
    const AwscParam *p = awsc_find(&table, "iam.CreateRole.RoleName");
    assert_non_null(p);
    assert_true(p->has_max);
    assert_int_equal(p->max, 64);
    assert_non_null(p->source);
    assert_null(awsc_find(&table, "iam.CreateRole.Nope"));
    char err[256];
    AwscTable t;
    assert_int_equal(awsc_parse(&t, "{}", 2, err, sizeof err), -1);
    has(err, "params");
    const char *badre = "{\"params\":{\"x.Y.Z\":{\"ere\":\"(a\"}}}";
    assert_int_equal(awsc_parse(&t, badre, strlen(badre), err, sizeof err), -1);
    has(err, "x.Y.Z");
    assert_int_equal(awsc_load(&t, "/nonexistent/constraints.json", err, sizeof err), -1);
}

static void test_string_checks(void **state)
{
    (void)state;
    const AwscParam *lb = awsc_find(&table, "elbv2.CreateLoadBalancer.Name");
    assert_non_null(lb);
    const char *longname = "sfdata-la-camden-webserver-public";     /* 33 */
    assert_false(awsc_string(lb, "load balancer name", longname, strlen(longname), &m));
    assert_int_equal(m.off, 32);
    assert_int_equal(m.len, 1);
    has(m.msg, "33 characters");
    has(m.help, "at most 32");
    assert_false(awsc_string(lb, "load balancer name", "web--lb", 7, &m));
    assert_int_equal(m.off, 4);
    has(m.msg, "position 5");
    assert_false(awsc_string(lb, "load balancer name", "web-", 4, &m));
    has(m.msg, "cannot end with `-`");
    assert_true(awsc_string(lb, "load balancer name", "sfdata-la-camden-web", 20, &m));
    const AwscParam *role = awsc_find(&table, "iam.CreateRole.Path");
    assert_true(awsc_string(role, "role path", "/", 1, &m));
    assert_true(awsc_string(role, "role path", "/sfdc/ci/", 9, &m));
    assert_false(awsc_string(role, "role path", "/sfdc", 5, &m));
    const AwscParam *st = awsc_find(&table, "s3.PutBucketVersioning.VersioningConfiguration.Status");
    assert_true(awsc_string(st, "status", "Enabled", 7, &m));
    assert_false(awsc_string(st, "status", "On", 2, &m));
    has(m.help, "Enabled");
}

static void test_number_checks(void **state)
{
    (void)state;
    const AwscParam *days = awsc_find(&table, "logs.PutRetentionPolicy.retentionInDays");
    assert_true(awsc_number(days, "log retention", 30, &m));
    assert_false(awsc_number(days, "log retention", 31, &m));
    has(m.help, "3653");
    const AwscParam *port = awsc_find(&table, "rds.CreateDBCluster.Port");
    assert_true(awsc_number(port, "port", 5432, &m));
    assert_false(awsc_number(port, "port", 80, &m));
    has(m.help, "1150 to 65535");
    const AwscParam *sgs = awsc_find(&table, "ecs.CreateService.networkConfiguration.awsvpcConfiguration.securityGroups");
    assert_true(awsc_count(sgs, "security groups", 5, &m));
    assert_false(awsc_count(sgs, "security groups", 6, &m));
    const AwscParam *subnets = awsc_find(&table, "rds.CreateDBSubnetGroup.SubnetIds");
    assert_false(awsc_count(subnets, "subnets", 1, &m));
    has(m.help, "at least 2");
}

/* Zones come from regions.json in its order and stop at the usable count:
 * ap-northeast-1 has no b, us-west-1 gives an account two of three. */
static void test_zones(void **state)
{
    (void)state;
    const char *json = "{\"regions\": {\"ap-northeast-1\": {\"zones\": \"acd\"},"
                       " \"us-west-1\": {\"zones\": \"abc\", \"usable\": 2}}}";
    AwscRegions t;
    char err[128], z[32];
    assert_int_equal(awsc_regions_parse(&t, json, strlen(json), err, sizeof err), 0);
    const AwscRegion *tokyo = awsc_region(&t, "ap-northeast-1");
    assert_true(awsc_zone(tokyo, "ap-northeast-1", 1, z, sizeof z));
    assert_string_equal(z, "ap-northeast-1c");
    assert_true(awsc_zone(tokyo, "ap-northeast-1", 2, z, sizeof z));
    assert_string_equal(z, "ap-northeast-1d");
    assert_false(awsc_zone(tokyo, "ap-northeast-1", 3, z, sizeof z));
    assert_string_equal(z, "");
    const AwscRegion *west = awsc_region(&t, "us-west-1");
    assert_true(awsc_zone(west, "us-west-1", 1, z, sizeof z));
    assert_false(awsc_zone(west, "us-west-1", 2, z, sizeof z));
    assert_null(awsc_region(NULL, "us-west-1"));
    assert_true(awsc_zone(NULL, "xx-test-1", 1, z, sizeof z));   /* unknown region: a, b, ... */
    assert_string_equal(z, "xx-test-1b");
    awsc_regions_release(&t);
}

/* bench/check's budget allows well under a microsecond a name. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matcher_basics),
        cmocka_unit_test(test_zones),
        cmocka_unit_test_setup_teardown(test_ecr_separators, load, release),
        cmocka_unit_test_setup_teardown(test_matcher_vs_regexec, load, release),
        cmocka_unit_test_setup_teardown(test_ecr_rule_vs_pattern, load, release),
        cmocka_unit_test_setup_teardown(test_table, load, release),
        cmocka_unit_test_setup_teardown(test_string_checks, load, release),
        cmocka_unit_test_setup_teardown(test_number_checks, load, release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
