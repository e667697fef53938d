// fuzz: runtime
/* fuzz_plan.c — libFuzzer target for the plan reader: any bytes either
 * load into a Plan (which must then be internally consistent: after edges
 * in range, accounts in range, the account and service indexes agree with
 * the arrays, and a run step sets no environment variable but
 * TG_TF_PATH=terraform) or are refused with a message; never a
 * crash, leak or undefined behaviour. Expectation paths from loaded plans
 * are also evaluated against the plan document itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PLAN_ERR_MAX];
    Plan p;
    if (plan_parse((const char *)data, size, ".", &p, err) != 0) {
        if (!memchr(err, '\0', sizeof err))
            abort();
        return 0;
    }
    for (size_t i = 0; i < p.n_steps; i++) {
        const PlanStep *s = &p.steps[i];
        if (s->account >= p.n_accounts)
            abort();
        for (size_t k = 0; k < s->n_after; k++)
            if (s->after[k] >= p.n_steps || s->after[k] == i)
                abort();
        for (size_t k = 0; s->kind == STEP_RUN && k < s->run.n_env; k++)
            if (strcmp(s->run.env[k], "TG_TF_PATH=terraform") != 0)
                abort();
        if (s->kind == STEP_CALL) {
            char why[256];
            (void)match_check(&s->check, p.root, why, sizeof why);
        }
    }
    for (size_t i = 0; i < p.n_accounts; i++)
        if (plan_find_account(&p, p.accounts[i].name) != (long)i)
            abort();
    for (size_t i = 0; i < p.n_services; i++)
        if (plan_find_service(&p, p.services[i].path) != (long)i)
            abort();
    plan_release(&p);
    return 0;
}
