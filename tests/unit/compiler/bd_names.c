/* bd_names.c — units for names.c, the one derivation of every AWS name:
 * the cluster a service runs in (issue 8: one `cluster main` and services
 * that do not name it), the implicit cluster, names modules derive from
 * their `name` input, load balancer truncation, the state bucket fallback,
 * truncation like snprintf, directories and state keys, and bucket names
 * read in an environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "eval.h"
#include "names.h"
#include "rules.h"

typedef struct Fix {
    DiagEngine d;
    Program pg;
    Schemas s;
    Model m;
    Eval *e;
} Fix;

static char stdlib_dir[4096];

static Fix *run(const char *text)
{
    Fix *f = calloc(1, sizeof *f);
    diag_init(&f->d);
    load_init(&f->pg, &f->d, stdlib_dir);
    char path[] = "/tmp/bd_names_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *paths[] = {path};
    load_program(&f->pg, paths, 1);
    unlink(path);
    schema_init(&f->s, &f->pg.arena, &f->pg.in);
    model_init(&f->m, &f->pg, &f->s);
    f->e = eval_new(&f->pg, &f->s, &f->m);
    eval_run(f->e);
    rules_run(&f->m, &f->d);
    eval_finish(f->e);
    for (unsigned i = 0; i < f->d.n; i++)
        if (f->d.items[i]->level == DIAG_ERROR)
            fail_msg("fixture has an error: %s %s", f->d.items[i]->code, f->d.items[i]->msg);
    return f;
}

static void done(Fix *f)
{
    eval_free(f->e);
    model_release(&f->m);
    schema_release(&f->s);
    load_release(&f->pg);
    diag_release(&f->d);
    free(f);
}

static const char platform[] =
    "platform sfdata { state { bucket = \"tf-${account.id}\" } }\n"
    "account core { kind = core  id = \"111111111111\"\n"
    "  network { cidr = 10.0.0.0/16 }\n"
    "  ecr app {}\n"
    "  cluster main {}\n"
    "  service web { image = core.ecr.app  access = public() }\n"
    "  service code_server { image = core.ecr.app }\n"
    "  aurora db { }\n"
    "  bucket raw_in { }\n"
    "  bucket named { name = \"base-name\" }\n"
    "  secret api_key { }\n"
    "}\n"
    "account la-royal-borough-of-kingston { kind = la  id = \"222222222222\"  parent = core\n"
    "  network { cidr = 10.1.0.0/16 }\n"
    "  cluster a {}\n"
    "  cluster b { compute = ec2  instance_types = [\"t3.medium\"] }\n"
    "  service dagster_webserver { image = core.ecr.app  access = public() }\n"
    "  service pinned { image = core.ecr.app  cluster = la-royal-borough-of-kingston.cluster.b }\n"
    "}\n"
    "environment live { core.bucket.named.name = \"live-name\" }\n";

static const Object *obj(const Fix *f, const char *path)
{
    const Object *o = model_find(&f->m, path);
    if (!o)
        fail_msg("no object %s", path);
    return o;
}

static void expect(const NameCtx *c, NameKind k, const Object *o, const char *want)
{
    char buf[512];
    size_t n = names_derive(c, k, o, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_cluster_of_services(void **state)
{
    (void)state;
    Fix *f = run(platform);
    NameCtx c = names_ctx(&f->m, NULL);
    const Object *core = obj(f, "core"), *web = obj(f, "core.service.web");
    /* the account's only cluster block, not an implicit one */
    assert_ptr_equal(names_cluster_of(&c, web), obj(f, "core.cluster.main"));
    assert_false(names_has_implicit_cluster(&c, core));
    char buf[256];
    names_service_cluster(&c, web, buf, sizeof buf);
    assert_string_equal(buf, "sfdata-core-main");
    /* two blocks: a service naming none runs in the implicit cluster */
    const Object *la = obj(f, "la-royal-borough-of-kingston");
    const Object *dw = obj(f, "la-royal-borough-of-kingston.service.dagster_webserver");
    assert_null(names_cluster_of(&c, dw));
    assert_true(names_has_implicit_cluster(&c, la));
    expect(&c, NAME_CLUSTER, la, "sfdata-la-royal-borough-of-kingston");
    assert_ptr_equal(names_cluster_of(&c, obj(f, "la-royal-borough-of-kingston.service.pinned")),
                     obj(f, "la-royal-borough-of-kingston.cluster.b"));
    done(f);
}

static void test_module_derived_names(void **state)
{
    (void)state;
    Fix *f = run(platform);
    NameCtx c = names_ctx(&f->m, NULL);
    const Object *cs = obj(f, "core.service.code_server"), *b = obj(f, "la-royal-borough-of-kingston.cluster.b");
    expect(&c, NAME_SERVICE, cs, "code_server");
    expect(&c, NAME_TASK_FAMILY, cs, "sfdata-core-main-code_server");
    expect(&c, NAME_LOG_GROUP, cs, "/ecs/sfdata-core-main/code_server");
    expect(&c, NAME_TASK_ROLE, cs, "sfdata-core-code-server-task");
    expect(&c, NAME_EXEC_ROLE, cs, "sfdata-core-code-server-exec");
    expect(&c, NAME_EXEC_POLICY, cs, "pull-logs-secrets");
    expect(&c, NAME_LOAD_BALANCER, cs, "");     /* private: no load balancer */
    expect(&c, NAME_CAPACITY_PROVIDER, b, "sfdata-la-royal-borough-of-kingston-b-ec2");
    expect(&c, NAME_INSTANCE_ROLE, b, "sfdata-la-royal-borough-of-kingston-b-ec2-ecs-instance");
    expect(&c, NAME_CAPACITY_PROVIDER, obj(f, "la-royal-borough-of-kingston.cluster.a"), "");
    expect(&c, NAME_DB, obj(f, "core.aurora.db"), "sfdata-core-db");
    expect(&c, NAME_DB_CLIENT_SG, obj(f, "core.aurora.db"), "sfdata-core-db-db-clients");
    expect(&c, NAME_SECRET, obj(f, "core.secret.api_key"), "sfdata/core/api_key");
    expect(&c, NAME_NETWORK, obj(f, "core"), "sfdata-core");
    expect(&c, NAME_DEPLOYER_ROLE, obj(f, "core"), "sfdata-deployer");
    expect(&c, NAME_ACCOUNT_ROLE, obj(f, "core"), "OrganizationAccountAccessRole");
    char buf[128];
    names_role(&c, b, NAMES_ROLE_INSTANCE, buf, sizeof buf);
    assert_string_equal(buf, "sfdata-la-royal-borough-of-kingston-b-ec2-ecs-instance");
    /* a kind asked of the wrong object is "" */
    expect(&c, NAME_TASK_FAMILY, obj(f, "core"), "");
    assert_false(names_applies(NAME_CLUSTER, cs));
    assert_true(names_applies(NAME_CLUSTER, obj(f, "core")));
    done(f);
}

static void test_lb_state_truncation(void **state)
{
    (void)state;
    Fix *f = run(platform);
    NameCtx c = names_ctx(&f->m, NULL);
    expect(&c, NAME_LOAD_BALANCER, obj(f, "core.service.web"), "core-web");
    /* "la-royal-borough-of-kingston-dagster-webserver" is 46: 25 + hash */
    char lb[64];
    size_t n = names_derive(&c, NAME_LOAD_BALANCER,
                            obj(f, "la-royal-borough-of-kingston.service.dagster_webserver"), lb, sizeof lb);
    assert_int_equal(n, 32);
    assert_memory_equal(lb, "la-royal-borough-of-kings-", 26);
    expect(&c, NAME_TARGET_GROUP, obj(f, "la-royal-borough-of-kingston.service.dagster_webserver"), lb);
    expect(&c, NAME_STATE_BUCKET, obj(f, "core"), "tf-111111111111");
    /* like snprintf: the full length, a terminated prefix */
    char small[8];
    assert_int_equal(names_derive(&c, NAME_NETWORK, obj(f, "core"), small, sizeof small), 11);
    assert_string_equal(small, "sfdata-");
    done(f);
}

static void test_dirs_keys_envs(void **state)
{
    (void)state;
    Fix *f = run(platform);
    NameCtx base = names_ctx(&f->m, NULL), live = names_ctx(&f->m, model_env(&f->m, "live"));
    char buf[256];
    names_env_dir(&base, buf, sizeof buf);
    assert_string_equal(buf, "default");
    names_unit_dir("service", "Code_Server.x", buf, sizeof buf);
    assert_string_equal(buf, "service-code-server-x");
    names_state_key(&live, obj(f, "core"), "bucket-raw-in", buf, sizeof buf);
    assert_string_equal(buf, "live/core/bucket-raw-in/terraform.tfstate");
    names_state_key(&base, obj(f, "core"), NULL, buf, sizeof buf);
    assert_string_equal(buf, "default/core/terraform.tfstate");
    const Object *named = obj(f, "core.bucket.named");
    bool explicit_name = false;
    names_bucket(&base, named, buf, sizeof buf, &explicit_name);
    assert_string_equal(buf, "base-name");
    assert_true(explicit_name);
    names_bucket(&live, named, buf, sizeof buf, NULL);
    assert_string_equal(buf, "live-name");
    expect(&base, NAME_BUCKET, obj(f, "core.bucket.raw_in"), "sfdata-core-raw-in");
    names_scheduled_action(&base, obj(f, "core.service.code_server"), true, 2, 3, buf, sizeof buf);
    assert_string_equal(buf, "code-server-on-2");
    names_scheduled_action(&base, obj(f, "core.service.code_server"), false, 1, 1, buf, sizeof buf);
    assert_string_equal(buf, "code-server-off");
    names_db_instance(&base, obj(f, "core.aurora.db"), 1, buf, sizeof buf);
    assert_string_equal(buf, "sfdata-core-db-1");
    done(f);
}

int main(void)
{
    const char *root = getenv("SFDC_ROOT");
    snprintf(stdlib_dir, sizeof stdlib_dir, "%s/stdlib", root && *root ? root : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_of_services),
        cmocka_unit_test(test_module_derived_names),
        cmocka_unit_test(test_lb_state_truncation),
        cmocka_unit_test(test_dirs_keys_envs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
