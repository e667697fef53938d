/* rt_plan.c — the plan reader: the fixture plan loads with the expected
 * shape; each malformed plan in tests/data/plan/bad/ (listed with the error
 * text it must produce in cases.txt) is refused with that message and
 * without leaks; and the expectation matcher's rules (paths, tolerant
 * scalars, order-free policy documents). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "plan.h"

static const char *root_dir(void)
{
    const char *r = getenv("SFDC_ROOT");
    return r ? r : ".";
}

static void fixture_loads(void **state)
{
    (void)state;
    char path[1024], err[PLAN_ERR_MAX];
    Plan p;
    snprintf(path, sizeof path, "%s/tests/data/plan/sfdata.plan.json", root_dir());
    int rc = plan_load(path, &p, err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(p.platform, "sfdata");
    assert_int_equal(p.n_accounts, 5);
    assert_null(p.accounts[plan_find_account(&p, "core")].role_arn);
    long s = plan_find_step(&p, "bootstrap/core/state-bucket/tls-only");
    assert_true(s >= 0);
    const PlanStep *st = &p.steps[s];
    assert_int_equal(st->kind, STEP_CALL);
    assert_string_equal(st->region, "eu-west-2");
    /* {"$json": doc} became a string holding the document */
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(st->call.args, "Policy");
    assert_true(cJSON_IsString(pol));
    assert_non_null(strstr(pol->valuestring, "\"aws:SecureTransport\":\"false\""));
    assert_int_equal(st->check.expect[0].kind, EXPECT_JSON);
    assert_true(match_json_text(pol->valuestring, st->check.expect[0].value));
    long d = plan_find_step(&p, "deploy/core");
    assert_int_equal(p.steps[d].kind, STEP_RUN);
    assert_string_equal(p.steps[d].run.argv[0], "terragrunt");
    assert_null(p.steps[d].run.argv[p.steps[d].run.argc]);
    assert_string_equal(p.steps[d].run.env[0], "TG_TF_PATH=terraform");
    assert_true(p.steps[d].n_after >= 6);
    assert_true(plan_find_service(&p, "la-camden/daemon") >= 0);
    assert_int_equal(strlen(p.sha256), 64);
    plan_release(&p);
}

static void malformed_plans_refused(void **state)
{
    (void)state;
    char path[1024], line[1024], err[PLAN_ERR_MAX];
    snprintf(path, sizeof path, "%s/tests/data/plan/bad/cases.txt", root_dir());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        *tab = '\0';
        char *want = tab + 1;
        want[strcspn(want, "\n")] = '\0';
        char file[1200];
        snprintf(file, sizeof file, "%s/tests/data/plan/bad/%s.json", root_dir(), line);
        Plan p;
        int rc = plan_load(file, &p, err);
        if (rc != -1 || !strstr(err, want))
            fail_msg("case %s: rc %d, error \"%s\", wanted \"%s\"", line, rc, err, want);
        /* the message names the file first */
        assert_non_null(strstr(err, ".json: "));
        plan_release(&p);
        n++;
    }
    fclose(f);
    assert_true(n >= 20);
}

static void missing_file(void **state)
{
    (void)state;
    char err[PLAN_ERR_MAX];
    Plan p;
    assert_int_equal(plan_load("/nonexistent/plan.json", &p, err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void paths(void **state)
{
    (void)state;
    char why[200];
    cJSON *r = cJSON_Parse("{\"a\":{\"b\":[{\"k\":\"x\",\"v\":1},{\"k\":\"arn:aws:iam::aws:policy/A\","
                           "\"v\":2}]},\"n\":\"3\"}");
    assert_non_null(r);
    assert_int_equal(match_path(r, "a.b[1].v")->valueint, 2);
    assert_int_equal(match_path(r, "a.b[k=arn:aws:iam::aws:policy/A].v")->valueint, 2);
    assert_null(match_path(r, "a.b[k=y]"));
    assert_null(match_path(r, "a.b[5]"));
    assert_null(match_path(r, "a.c.d"));
    assert_ptr_equal(match_path(r, ""), r);
    assert_int_equal(plan_path_check("a.b[0].c", why, sizeof why), 0);
    assert_int_equal(plan_path_check("a[K=v w]", why, sizeof why), 0);
    assert_int_equal(plan_path_check("a.", why, sizeof why), -1);
    assert_int_equal(plan_path_check("a[]", why, sizeof why), -1);
    assert_int_equal(plan_path_check("a[x", why, sizeof why), -1);
    assert_int_equal(plan_path_check(".a", why, sizeof why), -1);
    cJSON_Delete(r);
}

static void equality_rules(void **state)
{
    (void)state;
    cJSON *a = cJSON_Parse("{\"x\":1,\"y\":[true,\"s\"],\"z\":{\"q\":null}}");
    cJSON *b = cJSON_Parse("{\"z\":{\"q\":null},\"y\":[\"true\",\"s\"],\"x\":\"1.0\"}");
    cJSON *c = cJSON_Parse("{\"z\":{\"q\":null},\"y\":[\"s\",true],\"x\":1}");
    assert_true(match_equals(a, b));   /* member order and text forms */
    assert_false(match_equals(a, c));  /* array order matters for equals */
    cJSON *want = cJSON_Parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                              "\"Action\":[\"b\",\"a\"],\"Principal\":{\"AWS\":[\"r\"]}}]}");
    assert_true(match_json_text("{\"Statement\":{\"Principal\":{\"AWS\":\"r\"},\"Action\":"
                                "[\"a\",\"b\"],\"Effect\":\"Allow\"},\"Version\":\"2012-10-17\"}",
                                want));
    /* IAM's percent-encoded form */
    assert_true(match_json_text("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B"
                                "%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22a%22%2C%22b"
                                "%22%5D%2C%22Principal%22%3A%7B%22AWS%22%3A%22r%22%7D%7D%5D%7D",
                                want));
    assert_false(match_json_text("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                                 "\"Action\":[\"a\",\"b\"],\"Principal\":{\"AWS\":\"r\"}}]}", want));
    assert_false(match_json_text("not json", want));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(want);
}

static void check_explains_mismatch(void **state)
{
    (void)state;
    cJSON *want = cJSON_CreateString("Enabled");
    PlanExpect e[2] = { { "Status", EXPECT_EQUALS, want, 0 }, { "Gone", EXPECT_EXISTS, NULL, 0 } };
    PlanCheck chk = { { "s3", "GetBucketVersioning", NULL }, e, 2, NULL, 0, NULL, 0 };
    cJSON *r = cJSON_Parse("{\"Status\":\"Suspended\"}");
    char why[256];
    assert_false(match_check(&chk, r, why, sizeof why));
    assert_string_equal(why, "Status: expected \"Enabled\", got \"Suspended\"");
    cJSON_ReplaceItemInObject(r, "Status", cJSON_CreateString("Enabled"));
    assert_true(match_check(&chk, r, why, sizeof why));
    cJSON_AddBoolToObject(r, "Gone", 1);
    assert_false(match_check(&chk, r, why, sizeof why));
    assert_string_equal(why, "Gone: expected absent");
    cJSON_Delete(r);
    cJSON_Delete(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_loads),
        cmocka_unit_test(malformed_plans_refused),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(paths),
        cmocka_unit_test(equality_rules),
        cmocka_unit_test(check_explains_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
