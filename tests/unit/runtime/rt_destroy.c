/* rt_destroy.c — pins the destroy plan `sfdrun destroy` derives (destroy.h)
 * without AWS: apply runs become destroy runs in the reverse order (an LA
 * before the core it waited for, init before its own destroy); the roles
 * the handshake made are detached and deleted after every run of their
 * account; state is deleted only with delete_state, last; what Terraform
 * owns (policies, schedules) gets no step; delete checks hold on "gone";
 * a plan file itself still may not say `destroy`; a plan without deploy
 * steps is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "destroy.h"
#include "match.h"

/* The example's shape, two accounts: core's deploy first, the LA's after
 * it and after the core registry's pull grant. */
static const char plan_text[] =
    "{\"format\":\"sfdc-plan\",\"version\":1,\"source_hash\":\"sha256:"
    "0000000000000000000000000000000000000000000000000000000000000000\","
    "\"platform\":\"sfdata\",\"environment\":\"stage\",\"region\":\"eu-west-2\","
    "\"accounts\":{\"core\":{\"id\":\"111111111111\"},\"la-camden\":{\"id\":\"222222222222\"}},"
    "\"steps\":["
    "{\"id\":\"bootstrap/core/state-bucket\",\"phase\":\"bootstrap\",\"account\":\"core\","
    " \"call\":{\"service\":\"s3\",\"operation\":\"CreateBucket\",\"args\":{\"Bucket\":\"sb-core\"}},"
    " \"check\":{\"operation\":\"HeadBucket\",\"args\":{\"Bucket\":\"sb-core\"},\"expect\":[]}},"
    "{\"id\":\"bootstrap/core/state-bucket/versioning\",\"phase\":\"bootstrap\",\"account\":\"core\","
    " \"after\":[\"bootstrap/core/state-bucket\"],"
    " \"call\":{\"service\":\"s3\",\"operation\":\"PutBucketVersioning\",\"args\":{\"Bucket\":\"sb-core\","
    "  \"VersioningConfiguration\":{\"Status\":\"Enabled\"}}},"
    " \"check\":{\"operation\":\"GetBucketVersioning\",\"args\":{\"Bucket\":\"sb-core\"},\"expect\":[]}},"
    "{\"id\":\"bootstrap/la-camden/state-bucket\",\"phase\":\"bootstrap\",\"account\":\"la-camden\","
    " \"call\":{\"service\":\"s3\",\"operation\":\"CreateBucket\",\"args\":{\"Bucket\":\"sb-la\"}},"
    " \"check\":{\"operation\":\"HeadBucket\",\"args\":{\"Bucket\":\"sb-la\"},\"expect\":[]}},"
    "{\"id\":\"handshake/core/deployer-role\",\"phase\":\"handshake\",\"account\":\"core\","
    " \"call\":{\"service\":\"iam\",\"operation\":\"CreateRole\",\"args\":{\"RoleName\":\"d\","
    "  \"AssumeRolePolicyDocument\":\"{}\"}},"
    " \"check\":{\"operation\":\"GetRole\",\"args\":{\"RoleName\":\"d\"},\"expect\":[]}},"
    "{\"id\":\"handshake/core/deployer-role/admin\",\"phase\":\"handshake\",\"account\":\"core\","
    " \"after\":[\"handshake/core/deployer-role\"],"
    " \"call\":{\"service\":\"iam\",\"operation\":\"AttachRolePolicy\",\"args\":{\"RoleName\":\"d\","
    "  \"PolicyArn\":\"arn:aws:iam::aws:policy/AdministratorAccess\"}},"
    " \"check\":{\"operation\":\"ListAttachedRolePolicies\",\"args\":{\"RoleName\":\"d\"},\"expect\":[]}},"
    "{\"id\":\"handshake/core/ecr-pull/dagster\",\"phase\":\"handshake\",\"account\":\"core\","
    " \"after\":[\"deploy/core\"],"
    " \"call\":{\"service\":\"ecr\",\"operation\":\"SetRepositoryPolicy\",\"args\":{\"repositoryName\":\"x\","
    "  \"policyText\":\"{}\"}},"
    " \"check\":{\"operation\":\"GetRepositoryPolicy\",\"args\":{\"repositoryName\":\"x\"},\"expect\":[]}},"
    "{\"id\":\"deploy/core/init\",\"phase\":\"deploy\",\"account\":\"core\","
    " \"after\":[\"bootstrap/core/state-bucket\",\"handshake/core/deployer-role/admin\"],"
    " \"run\":{\"argv\":[\"terraform\",\"init\",\"-input=false\"],\"cwd\":\"core\"}},"
    "{\"id\":\"deploy/core\",\"phase\":\"deploy\",\"account\":\"core\",\"after\":[\"deploy/core/init\"],"
    " \"run\":{\"argv\":[\"terraform\",\"apply\",\"-input=false\",\"-auto-approve\"],\"cwd\":\"core\"}},"
    "{\"id\":\"deploy/la-camden/init\",\"phase\":\"deploy\",\"account\":\"la-camden\","
    " \"after\":[\"bootstrap/la-camden/state-bucket\"],"
    " \"run\":{\"argv\":[\"terraform\",\"init\",\"-input=false\"],\"cwd\":\"la-camden\"}},"
    "{\"id\":\"deploy/la-camden\",\"phase\":\"deploy\",\"account\":\"la-camden\","
    " \"after\":[\"deploy/la-camden/init\",\"handshake/core/ecr-pull/dagster\"],"
    " \"run\":{\"argv\":[\"terraform\",\"apply\",\"-input=false\",\"-auto-approve\"],\"cwd\":\"la-camden\"}},"
    "{\"id\":\"operate/la-camden/webserver/off\",\"phase\":\"operate\",\"account\":\"la-camden\","
    " \"after\":[\"deploy/la-camden\"],"
    " \"call\":{\"service\":\"ecs\",\"operation\":\"UpdateService\",\"args\":{\"cluster\":\"c\","
    "  \"service\":\"webserver\",\"desiredCount\":0}},"
    " \"check\":{\"operation\":\"DescribeServices\",\"args\":{\"cluster\":\"c\",\"services\":[\"webserver\"]},"
    "  \"expect\":[]}}"
    "]}";

static Plan apply_plan;

static int setup(void **state)
{
    (void)state;
    char err[PLAN_ERR_MAX];
    if (plan_parse(plan_text, sizeof plan_text - 1, "/tmp/x", &apply_plan, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    plan_release(&apply_plan);
    return 0;
}

/* 1 when step `id` of d waits for step `dep` (directly). */
static int waits(const Plan *d, const char *id, const char *dep)
{
    long i = plan_find_step(d, id), j = plan_find_step(d, dep);
    assert_true(i >= 0);
    assert_true(j >= 0);
    for (size_t k = 0; k < d->steps[i].n_after; k++)
        if (d->steps[i].after[k] == (size_t)j)
            return 1;
    return 0;
}

static void test_runs_reversed(void **state)
{
    (void)state;
    Plan d;
    char err[DESTROY_ERR_MAX];
    assert_int_equal(destroy_plan(&apply_plan, 0, &d, err), 0);
    /* the LA waited for core's deploy (through the pull grant): core is
     * destroyed after the LA */
    assert_true(waits(&d, "destroy/core", "destroy/la-camden"));
    assert_false(waits(&d, "destroy/la-camden", "destroy/core"));
    assert_true(waits(&d, "destroy/core", "destroy/core/init"));
    assert_true(waits(&d, "destroy/la-camden", "destroy/la-camden/init"));
    const PlanStep *s = &d.steps[plan_find_step(&d, "destroy/core")];
    assert_int_equal(s->kind, STEP_RUN);
    assert_int_equal(s->run.argc, 4);
    assert_string_equal(s->run.argv[1], "destroy");
    assert_string_equal(s->run.cwd, "core");
    s = &d.steps[plan_find_step(&d, "destroy/core/init")];
    assert_string_equal(s->run.argv[1], "init");
    assert_memory_equal(d.sha256, apply_plan.sha256, sizeof d.sha256);
    plan_release(&d);
}

static void test_roles_after_runs(void **state)
{
    (void)state;
    Plan d;
    char err[DESTROY_ERR_MAX];
    assert_int_equal(destroy_plan(&apply_plan, 0, &d, err), 0);
    const char *detach = "destroy/core/deployer-role/admin", *role = "destroy/core/deployer-role";
    assert_true(waits(&d, detach, "destroy/core"));
    assert_true(waits(&d, detach, "destroy/core/init"));
    assert_false(waits(&d, detach, "destroy/la-camden"));   /* another account's run */
    assert_true(waits(&d, role, detach));
    assert_true(waits(&d, role, "destroy/core"));
    const PlanStep *s = &d.steps[plan_find_step(&d, role)];
    assert_string_equal(s->call.operation, "DeleteRole");
    assert_string_equal(s->check.read.operation, "GetRole");
    assert_int_equal(s->check.n_gone, 1);
    assert_string_equal(s->check.gone[0], "NoSuchEntity");
    assert_int_equal(s->n_exists_ok, 1);
    /* a role that exists does not satisfy the delete's check */
    cJSON *found = cJSON_Parse("{\"Role\":{\"RoleName\":\"d\"}}");
    char why[256];
    assert_false(match_check(&s->check, found, why, sizeof why));
    cJSON_Delete(found);
    s = &d.steps[plan_find_step(&d, detach)];
    assert_string_equal(s->call.operation, "DetachRolePolicy");
    found = cJSON_Parse("{\"AttachedPolicies\":[{\"PolicyArn\":"
                        "\"arn:aws:iam::aws:policy/AdministratorAccess\"}]}");
    assert_false(match_check(&s->check, found, why, sizeof why));
    cJSON_Delete(found);
    found = cJSON_Parse("{\"AttachedPolicies\":[]}");
    assert_true(match_check(&s->check, found, why, sizeof why));
    cJSON_Delete(found);
    /* what Terraform owns, or the state bucket holds, has no step */
    assert_int_equal(plan_find_step(&d, "destroy/core/ecr-pull/dagster"), -1);
    assert_int_equal(plan_find_step(&d, "destroy/la-camden/webserver/off"), -1);
    assert_int_equal(plan_find_step(&d, "destroy/core/state-bucket/versioning"), -1);
    /* state is kept by default */
    assert_int_equal(plan_find_step(&d, "destroy/core/state-bucket"), -1);
    assert_int_equal(d.n_steps, 6);
    plan_release(&d);
}

static void test_delete_state_last(void **state)
{
    (void)state;
    Plan d;
    char err[DESTROY_ERR_MAX];
    assert_int_equal(destroy_plan(&apply_plan, 1, &d, err), 0);
    const char *sb = "destroy/core/state-bucket";
    assert_true(waits(&d, sb, "destroy/core"));
    assert_true(waits(&d, sb, "destroy/core/deployer-role"));
    assert_true(waits(&d, sb, "destroy/core/deployer-role/admin"));
    long i = plan_find_step(&d, sb);
    assert_true(destroy_is_state_step(&d, (size_t)i));
    assert_string_equal(d.steps[i].call.operation, "DeleteBucket");
    assert_string_equal(d.steps[i].check.read.operation, "HeadBucket");
    assert_int_equal(d.steps[i].check.n_gone, 2);
    long la = plan_find_step(&d, "destroy/la-camden/state-bucket");
    assert_true(la >= 0);
    assert_true(waits(&d, "destroy/la-camden/state-bucket", "destroy/la-camden"));
    assert_false(destroy_is_state_step(&d, (size_t)plan_find_step(&d, "destroy/core")));
    assert_int_equal(d.n_steps, 8);
    plan_release(&d);
}

static void test_plan_files_cannot_destroy(void **state)
{
    (void)state;
    /* the derived plan's text, read as a plan file, is refused */
    char err[DESTROY_ERR_MAX], perr[PLAN_ERR_MAX];
    cJSON *doc = destroy_derive(&apply_plan, 0, err);
    assert_non_null(doc);
    char *text = cJSON_PrintUnformatted(doc);
    Plan p;
    assert_int_equal(plan_parse(text, strlen(text), ".", &p, perr), -1);
    assert_non_null(strstr(perr, "\"destroy\" is not an allowed terraform argument"));
    /* and a destroy plan may not apply */
    assert_int_equal(plan_parse_mode(plan_text, sizeof plan_text - 1, ".", PLAN_MODE_DESTROY,
                                     &p, perr), -1);
    assert_non_null(strstr(perr, "\"apply\" is not an allowed terraform argument"));
    cJSON_free(text);
    cJSON_Delete(doc);
}

static void test_refuses_without_deploy(void **state)
{
    (void)state;
    static const char none[] =
        "{\"format\":\"sfdc-plan\",\"version\":1,\"source_hash\":\"sha256:"
        "0000000000000000000000000000000000000000000000000000000000000000\","
        "\"platform\":\"p\",\"region\":\"eu-west-2\",\"accounts\":{\"a\":{\"id\":\"111111111111\"}},"
        "\"steps\":[]}";
    Plan p, d;
    char perr[PLAN_ERR_MAX], err[DESTROY_ERR_MAX];
    assert_int_equal(plan_parse(none, sizeof none - 1, ".", &p, perr), 0);
    assert_string_equal(destroy_confirm_name(&p), "p");
    assert_int_equal(destroy_plan(&p, 0, &d, err), -1);
    assert_non_null(strstr(err, "no deploy step"));
    plan_release(&p);
    assert_string_equal(destroy_confirm_name(&apply_plan), "stage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_reversed),
        cmocka_unit_test(test_roles_after_runs),
        cmocka_unit_test(test_delete_state_last),
        cmocka_unit_test(test_plan_files_cannot_destroy),
        cmocka_unit_test(test_refuses_without_deploy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
