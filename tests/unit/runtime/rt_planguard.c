/* rt_planguard.c — a plan is data, never a way to run code: a tampered
 * plan's run step (environment variables and arguments that would choose
 * the program terragrunt or terraform starts, or preload code into it) is
 * refused with an error naming the step and the offending key, while every
 * run step sfdc's own emitter writes is accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* A one-step plan whose run member is `run` (JSON text). */
static int load_run(const char *run, Plan *p, char *err)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"format\":\"sfdc-plan\",\"version\":1,\"source_hash\":\"sha256:%064d\","
             "\"platform\":\"p\",\"region\":\"eu-west-2\","
             "\"accounts\":{\"core\":{\"id\":\"111111111111\"}},"
             "\"steps\":[{\"id\":\"deploy/core\",\"phase\":\"deploy\",\"account\":\"core\","
             "\"run\":%s}]}", 0, run);
    return plan_parse(text, strlen(text), ".", p, err);
}

/* What sfdc's plan emitter writes (compiler/planemit.c) and the older
 * terragrunt form of the test fixture: all accepted. */
static void emitted_runs_accepted(void **state)
{
    (void)state;
    static const char *const runs[] = {
        "{\"argv\":[\"terragrunt\",\"run\",\"--all\",\"--non-interactive\",\"--\",\"apply\","
        "\"-auto-approve\"],\"cwd\":\"live/core\",\"env\":{\"TG_TF_PATH\":\"terraform\"}}",
        "{\"argv\":[\"terraform\",\"init\",\"-input=false\"],\"cwd\":\"live/core\"}",
        "{\"argv\":[\"terraform\",\"apply\",\"-input=false\",\"-auto-approve\"]}",
        "{\"argv\":[\"terragrunt\",\"apply\",\"--non-interactive\",\"-auto-approve\"],"
        "\"env\":{\"TG_TF_PATH\":\"terraform\"}}",
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        Plan p;
        char err[PLAN_ERR_MAX];
        if (load_run(runs[i], &p, err) != 0)
            fail_msg("run %zu refused: %s", i, err);
        plan_release(&p);
    }
}

/* Tampered run steps and the text their error must contain. */
static const struct {
    const char *run;  /* the run member */
    const char *want; /* expected in the error */
} tampered[] = {
    { "{\"argv\":[\"terraform\"],\"env\":{\"BASH_ENV\":\"/tmp/x.sh\"}}",
      "step \"deploy/core\": `env.BASH_ENV` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"LD_PRELOAD\":\"/tmp/x.so\"}}",
      "step \"deploy/core\": `env.LD_PRELOAD` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"LD_LIBRARY_PATH\":\"/tmp\"}}",
      "`env.LD_LIBRARY_PATH` is not allowed" },
    { "{\"argv\":[\"terragrunt\"],\"env\":{\"TG_TF_PATH\":\"/tmp/evil\"}}",
      "step \"deploy/core\": `env.TG_TF_PATH` is not allowed" },
    { "{\"argv\":[\"terragrunt\"],\"env\":{\"TERRAGRUNT_TFPATH\":\"/tmp/evil\"}}",
      "`env.TERRAGRUNT_TFPATH` is not allowed" },
    { "{\"argv\":[\"terragrunt\"],\"env\":{\"PATH\":\"/tmp/evil:/usr/bin\"}}",
      "`env.PATH` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"TF_CLI_ARGS\":\"-chdir=/tmp\"}}",
      "`env.TF_CLI_ARGS` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"TF_CLI_CONFIG_FILE\":\"/tmp/rc\"}}",
      "`env.TF_CLI_CONFIG_FILE` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"TF_PLUGIN_CACHE_DIR\":\"/tmp/p\"}}",
      "`env.TF_PLUGIN_CACHE_DIR` is not allowed" },
    { "{\"argv\":[\"terraform\"],\"env\":{\"AWS_CONFIG_FILE\":\"/tmp/c\"}}",
      "`env.AWS_CONFIG_FILE` is not allowed" },
    { "{\"argv\":[\"terragrunt\",\"apply\",\"--tf-path\",\"/tmp/evil\"]}",
      "step \"deploy/core\": `argv[2]` \"--tf-path\" is not an allowed terragrunt argument" },
    { "{\"argv\":[\"terragrunt\",\"apply\",\"--tf-path=/tmp/evil\"]}",
      "`argv[2]` \"--tf-path=/tmp/evil\" is not an allowed terragrunt argument" },
    { "{\"argv\":[\"terragrunt\",\"--terragrunt-tfpath\",\"/tmp/evil\",\"apply\"]}",
      "`argv[1]` \"--terragrunt-tfpath\" is not an allowed terragrunt argument" },
    { "{\"argv\":[\"terragrunt\",\"run\",\"--all\",\"--\",\"apply\",\"-var-file=/etc/x\"]}",
      "`argv[5]` \"-var-file=/etc/x\" is not an allowed terragrunt argument" },
    { "{\"argv\":[\"terraform\",\"-chdir=/tmp/evil\",\"apply\"]}",
      "step \"deploy/core\": `argv[1]` \"-chdir=/tmp/evil\" is not an allowed terraform" },
    { "{\"argv\":[\"terraform\",\"init\",\"-plugin-dir=/tmp/p\"]}",
      "`argv[2]` \"-plugin-dir=/tmp/p\" is not an allowed terraform argument" },
    { "{\"argv\":[\"terraform\",\"destroy\",\"-auto-approve\"]}",
      "`argv[1]` \"destroy\" is not an allowed terraform argument" },
    { "{\"argv\":[\"/usr/bin/terraform\",\"apply\"]}",
      "`argv[0]` \"/usr/bin/terraform\" is not an allowed program" },
    { "{\"argv\":[\"sh\",\"-c\",\"terraform apply\"]}",
      "`argv[0]` \"sh\" is not an allowed program" },
};

static void tampered_runs_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof tampered / sizeof *tampered; i++) {
        Plan p;
        char err[PLAN_ERR_MAX] = "";
        int rc = load_run(tampered[i].run, &p, err);
        if (rc != -1 || !strstr(err, tampered[i].want))
            fail_msg("case %zu: rc %d, error \"%s\", wanted \"%s\"", i, rc, err,
                     tampered[i].want);
        /* the error starts with the JSON path of the run member */
        assert_non_null(strstr(err, "steps[0].run: "));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(emitted_runs_accepted),
        cmocka_unit_test(tampered_runs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
