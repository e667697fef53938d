/* rt_destroy.c — pins the destroy plan `sfdrun destroy` derives (destroy.h)
 * without AWS: apply runs become destroy runs in the reverse order (an LA
 * before the core it waited for, init before its own destroy); the roles
 * the handshake made are detached and deleted after every run of their
 * account; state is deleted only with delete_state, last; what Terraform
 * owns (policies, schedules) gets no step; delete checks hold on "gone";
 * a plan file itself still may not say `destroy`; a plan without deploy
 * steps is refused. A deploy whose `run.shared` names a shared resource
 * another environment uses is destroyed without it (terraform: -target=
 * every other block of its root; terragrunt: --queue-exclude-dir), and
 * its account keeps role and state, unless --include-shared (checked
 * against the users) adds a `/shared` run and brings them back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "destroy.h"
#include "log.h"
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
    assert_int_equal(destroy_plan(&apply_plan, 0, 0, &d, err), 0);
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
    assert_int_equal(destroy_plan(&apply_plan, 0, 0, &d, err), 0);
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
    assert_int_equal(destroy_plan(&apply_plan, 1, 0, &d, err), 0);
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
    cJSON *doc = destroy_derive(&apply_plan, 0, 0, err);
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
    assert_int_equal(destroy_plan(&p, 0, 0, &d, err), -1);
    assert_non_null(strstr(err, "no deploy step"));
    plan_release(&p);
    assert_string_equal(destroy_confirm_name(&apply_plan), "stage");
}

/* ---- shared resources (run.shared) ------------------------------------ */

static const char apply_core[] =
    "\"run\":{\"argv\":[\"terraform\",\"apply\",\"-input=false\",\"-auto-approve\"],\"cwd\":\"core\"}}";
static const char apply_core_shared[] =
    "\"run\":{\"argv\":[\"terraform\",\"apply\",\"-input=false\",\"-auto-approve\"],\"cwd\":\"core\","
    "\"shared\":[{\"unit\":\"module.ecr_dagster\",\"resource\":\"core.ecr.dagster\","
    "\"used_by\":[\"prod\",\"qa\"]}]}}";

/* plan_text with core's apply run replaced by `run` (malloc'd). */
static char *with_core_run(const char *run)
{
    const char *at = strstr(plan_text, apply_core);
    assert_non_null(at);
    size_t head = (size_t)(at - plan_text), n = sizeof plan_text + strlen(run);
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)head, plan_text, run, at + strlen(apply_core));
    return s;
}

/* A plan directory whose core/main.tf holds `tf`; the plan (core's apply
 * run replaced by run) loaded from there. */
static void shared_plan(const char *tf, const char *run, char dir[64], Plan *p)
{
    char path[128], err[PLAN_ERR_MAX];
    snprintf(dir, 64, "/tmp/rt_destroy.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/core", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/core/main.tf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(tf, f);
    fclose(f);
    char *text = with_core_run(run);
    int rc = plan_parse(text, strlen(text), dir, p, err);
    if (rc < 0)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    free(text);
}

static void shared_plan_release(char dir[64], Plan *p)
{
    char path[128];
    plan_release(p);
    snprintf(path, sizeof path, "%s/core/main.tf", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/core", dir);
    rmdir(path);
    rmdir(dir);
}

static const char core_tf[] =
    "terraform {\n  backend \"s3\" {}\n}\n\n# core.network\nmodule \"network\" {\n"
    "  source = \"x\"\n}\n\n# core.ecr.dagster\nmodule \"ecr_dagster\" {\n  source = \"y\"\n}\n"
    "resource \"aws_thing\" \"one\" {\n}\ndata \"aws_caller_identity\" \"me\" {}\n";

static int has_arg(const PlanStep *s, const char *arg)
{
    for (size_t k = 0; k < s->run.argc; k++)
        if (strcmp(s->run.argv[k], arg) == 0)
            return 1;
    return 0;
}

static void test_shared_kept_terraform(void **state)
{
    (void)state;
    char dir[64], err[DESTROY_ERR_MAX];
    Plan p, d;
    shared_plan(core_tf, apply_core_shared, dir, &p);
    assert_true(destroy_keeps(&p, 0));
    assert_false(destroy_keeps(&p, 1));
    assert_int_equal(destroy_plan(&p, 1, 0, &d, err), 0);
    const PlanStep *s = &d.steps[plan_find_step(&d, "destroy/core")];
    /* every other top-level block is a target; the shared module is not */
    assert_true(has_arg(s, "-target=module.network"));
    assert_true(has_arg(s, "-target=aws_thing.one"));
    assert_false(has_arg(s, "-target=module.ecr_dagster"));
    assert_int_equal(s->run.argc, 6);
    assert_int_equal(s->run.n_shared, 0);
    assert_true(waits(&d, "destroy/core", "destroy/la-camden"));
    /* core keeps the role its root assumes and the state that records
     * the registry; the LA's go */
    assert_int_equal(plan_find_step(&d, "destroy/core/deployer-role"), -1);
    assert_int_equal(plan_find_step(&d, "destroy/core/deployer-role/admin"), -1);
    assert_int_equal(plan_find_step(&d, "destroy/core/state-bucket"), -1);
    assert_int_equal(plan_find_step(&d, "destroy/core/shared"), -1);
    assert_true(plan_find_step(&d, "destroy/la-camden/state-bucket") >= 0);
    plan_release(&d);
    /* what it keeps, and why, is said */
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    assert_int_equal(destroy_report_kept(&p, 1, f), 1);
    fclose(f);
    assert_non_null(strstr(out, "keeping core.ecr.dagster (module.ecr_dagster in core): shared, "
                                "and used by environments `prod` and `qa`"));
    assert_non_null(strstr(out, "keeping role `d` of account core"));
    assert_non_null(strstr(out, "keeping the state of account core (`sb-core`)"));
    assert_non_null(strstr(out, "--include-shared prod,qa"));
    free(out);
    /* under --log-format json the same report is JSON lines on the log */
    f = open_memstream(&out, &n);
    log_init(LOG_JSON, 0, f);
    assert_int_equal(destroy_report_kept(&p, 1, stderr), 1);
    log_init(LOG_HUMAN, 0, NULL);
    fclose(f);
    assert_null(strstr(out, "sfdrun: keeping"));
    assert_non_null(strstr(out, "\"event\":\"kept\",\"kind\":\"shared\",\"account\":\"core\","
                                "\"what\":\"core.ecr.dagster\",\"used_by\":\"prod,qa\""));
    assert_non_null(strstr(out, "\"kind\":\"role\""));
    assert_non_null(strstr(out, "\"kind\":\"state\""));
    assert_non_null(strstr(out, "\"kind\":\"hint\""));
    for (char *line = out; *line; line = strchr(line, '\n') + 1) {
        cJSON *ev = cJSON_Parse(line);   /* stops at the newline: one object per line */
        assert_non_null(ev);
        cJSON_Delete(ev);
    }
    free(out);
    shared_plan_release(dir, &p);
}

static void test_shared_included(void **state)
{
    (void)state;
    char dir[64], err[DESTROY_ERR_MAX];
    Plan p, d;
    shared_plan(core_tf, apply_core_shared, dir, &p);
    assert_int_equal(destroy_plan(&p, 1, 1, &d, err), 0);
    long i = plan_find_step(&d, "destroy/core/shared");
    assert_true(i >= 0);
    assert_int_equal(d.steps[i].run.argc, 4);     /* the whole root */
    assert_string_equal(d.steps[i].run.argv[1], "destroy");
    assert_true(waits(&d, "destroy/core/shared", "destroy/core"));
    assert_true(has_arg(&d.steps[plan_find_step(&d, "destroy/core")], "-target=module.network"));
    /* role and state come back, after the shared run */
    assert_true(waits(&d, "destroy/core/deployer-role", "destroy/core/shared"));
    assert_true(waits(&d, "destroy/core/deployer-role/admin", "destroy/core/shared"));
    assert_true(waits(&d, "destroy/core/state-bucket", "destroy/core/shared"));
    plan_release(&d);
    /* --include-shared must name exactly the environments that use them */
    assert_int_equal(destroy_check_include(&p, "prod,qa", err), 0);
    assert_int_equal(destroy_check_include(&p, "qa,prod", err), 0);
    assert_int_equal(destroy_check_include(&p, "prod", err), -1);
    assert_non_null(strstr(err, "does not name `qa`"));
    assert_int_equal(destroy_check_include(&p, "prod,qa,dev", err), -1);
    assert_non_null(strstr(err, "`dev`, which uses none"));
    assert_int_equal(destroy_check_include(&apply_plan, "prod", err), -1);
    assert_non_null(strstr(err, "keeps no shared resource"));
    shared_plan_release(dir, &p);
}

static void test_shared_only_module(void **state)
{
    (void)state;
    /* a root holding nothing but the shared module: no destroy run at all
     * (an empty -target list would destroy everything) */
    char dir[64], err[DESTROY_ERR_MAX];
    Plan p, d;
    shared_plan("module \"ecr_dagster\" {\n}\n", apply_core_shared, dir, &p);
    assert_int_equal(destroy_plan(&p, 0, 0, &d, err), 0);
    assert_int_equal(plan_find_step(&d, "destroy/core"), -1);
    assert_true(plan_find_step(&d, "destroy/la-camden") >= 0);
    plan_release(&d);
    assert_int_equal(destroy_plan(&p, 0, 1, &d, err), 0);
    assert_int_equal(plan_find_step(&d, "destroy/core"), -1);
    assert_true(waits(&d, "destroy/core/shared", "destroy/la-camden"));
    assert_true(waits(&d, "destroy/core/shared", "destroy/core/init"));
    assert_true(waits(&d, "destroy/core/deployer-role", "destroy/core/shared"));
    plan_release(&d);
    shared_plan_release(dir, &p);
    /* a root it cannot read is an error, not a destroy of everything */
    shared_plan(core_tf, apply_core_shared, dir, &p);
    free(p.dir);
    p.dir = strdup("/nonexistent");
    assert_int_equal(destroy_plan(&p, 0, 0, &d, err), -1);
    assert_non_null(strstr(err, "cannot read /nonexistent/core/main.tf"));
    free(p.dir);
    p.dir = strdup(dir);
    shared_plan_release(dir, &p);
}

static void test_shared_terragrunt(void **state)
{
    (void)state;
    char dir[64], err[DESTROY_ERR_MAX];
    Plan p, d;
    shared_plan("", "\"run\":{\"argv\":[\"terragrunt\",\"run\",\"--all\",\"--non-interactive\","
                "\"--\",\"apply\",\"-auto-approve\"],\"cwd\":\"core\",\"shared\":[{\"unit\":"
                "\"ecr-dagster\",\"resource\":\"core.ecr.dagster\",\"used_by\":[\"prod\"]}]}}",
                dir, &p);
    assert_int_equal(destroy_plan(&p, 0, 0, &d, err), 0);
    const PlanStep *s = &d.steps[plan_find_step(&d, "destroy/core")];
    assert_int_equal(s->run.argc, 8);
    assert_string_equal(s->run.argv[4], "--queue-exclude-dir=ecr-dagster");
    assert_string_equal(s->run.argv[5], "--");
    assert_string_equal(s->run.argv[6], "destroy");
    plan_release(&d);
    shared_plan_release(dir, &p);
}

static void test_shared_member_checked(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        { "\"shared\":[{\"unit\":\"../x\",\"resource\":\"r\",\"used_by\":[\"prod\"]}]",
          "must be a module address" },
        { "\"shared\":[{\"unit\":\"module.x\",\"resource\":\"r\",\"used_by\":[]}]",
          "`used_by` must be a non-empty array" },
        { "\"shared\":[{\"unit\":\"module.x\",\"resource\":\"r\",\"used_by\":[\"Prod!\"]}]",
          "`used_by` must hold environment names" },
        { "\"shared\":[{\"unit\":\"module.x\",\"used_by\":[\"prod\"]}]", "resource" },
        { "\"shared\":[]", "non-empty array" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char run[512], perr[PLAN_ERR_MAX];
        snprintf(run, sizeof run, "\"run\":{\"argv\":[\"terraform\",\"apply\",\"-input=false\","
                 "\"-auto-approve\"],\"cwd\":\"core\",%s}}", bad[k][0]);
        char *text = with_core_run(run);
        Plan p;
        assert_int_equal(plan_parse(text, strlen(text), ".", &p, perr), -1);
        if (!strstr(perr, bad[k][1]))
            fail_msg("case %zu: %s", k, perr);
        free(text);
    }
    /* the destroy-only arguments are refused in a plan file */
    char perr[PLAN_ERR_MAX];
    char *text = with_core_run("\"run\":{\"argv\":[\"terraform\",\"apply\",\"-target=module.x\"],"
                               "\"cwd\":\"core\"}}");
    Plan p;
    assert_int_equal(plan_parse(text, strlen(text), ".", &p, perr), -1);
    assert_non_null(strstr(perr, "\"-target=module.x\" is not an allowed terraform argument"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_reversed),
        cmocka_unit_test(test_roles_after_runs),
        cmocka_unit_test(test_delete_state_last),
        cmocka_unit_test(test_plan_files_cannot_destroy),
        cmocka_unit_test(test_refuses_without_deploy),
        cmocka_unit_test(test_shared_kept_terraform),
        cmocka_unit_test(test_shared_included),
        cmocka_unit_test(test_shared_only_module),
        cmocka_unit_test(test_shared_terragrunt),
        cmocka_unit_test(test_shared_member_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
