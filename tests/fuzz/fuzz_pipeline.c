// fuzz: compiler
/* fuzz_pipeline.c — the whole compiler as a user's file takes it: loaded
 * from memory beside the standard library, parsed, expanded and evaluated,
 * checked by every rule, then — when `check` accepts it — exported, built
 * into an in-memory tree with both targets and planned for every
 * environment. Nothing is written to disk (an OutTree is only memory until
 * out_write).
 *
 * Budgets are smaller than the defaults so one input runs in milliseconds;
 * the budgets themselves are what keep every input bounded. Beyond "no
 * crash, leak or undefined behaviour" (the build stops at the first UB:
 * -fno-sanitize-recover=all), an input that `check` accepts must build and
 * plan: `check` passing and `build` refusing is a bug. The standard library
 * is found as sfdc finds it ($SFDC_STDLIB, or ../../stdlib from
 * build/fuzz/). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tf.h"
#include "emit_tg.h"
#include "eval.h"
#include "explain.h"
#include "load.h"
#include "lower.h"
#include "planemit.h"
#include "rules.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static char *stdlib_dir;

/* Small budgets: enough for every seed, small enough for fast runs. */
static void fuzz_budget(Budget *b)
{
    budget_init(b);
    b->limit[BUDGET_STEPS] = 200000;
    b->limit[BUDGET_USES] = 20000;
    b->limit[BUDGET_ITERATIONS] = 20000;
    b->limit[BUDGET_STRING] = 64 << 10;
    b->limit[BUDGET_STRING_TOTAL] = 4 << 20;
    b->limit[BUDGET_FILES] = 8;
    b->limit[BUDGET_IMPORT_DEPTH] = 8;
}

/* Lowering (the plan, then every account, each rendered by target t) on a
 * model check accepted: a refusal is a bug (check must report whatever
 * build cannot do), shown on stderr before the trap. */
static bool lowers(LowerPlan *bp, const Model *m, int t, OutTree *tree)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&msg, &len);
    bool ok = lower_plan(bp, m, NULL, err ? err : devnull);
    if (ok && !t)
        emit_tg_root(bp, tree);
    for (int i = 0; ok && i < bp->nenvs; i++)
        for (int j = 0; ok && j < bp->envs[i].naccounts; j++) {
            LowerAccount *a = &bp->envs[i].accounts[j];
            ok = lower_account(bp, &bp->envs[i], a);
            if (ok && t)
                emit_tf_account(bp, &bp->envs[i], a, tree);
            else if (ok)
                emit_tg_account(bp, &bp->envs[i], a, tree);
        }
    if (err)
        fclose(err);
    if (!ok) {
        fprintf(stderr, "fuzz_pipeline: check accepted what build refuses: %s", msg ? msg : "?\n");
        __builtin_trap();
    }
    free(msg);
    return ok;
}

/* The back ends on a model check accepted: every one must succeed. */
static void back_ends(const Model *m)
{
    if (export_run((Model *)m, NULL, devnull, devnull) != 0)
        __builtin_trap();
    for (int t = 0; t < 2; t++) {
        LowerPlan bp;
        OutTree tree;
        out_init(&tree);
        if (!lowers(&bp, m, t, &tree)) {
            lower_release(&bp);
            out_release(&tree);
            return;
        }
        for (int i = 0; i < tree.n; i++)
            if (!out_path_ok(tree.files[i].path))
                __builtin_trap();
        out_release(&tree);
        lower_release(&bp);
    }
    PlanEmitOptions po = {.generator = "fuzz"};
    for (int i = -1; i < m->nenvs; i++) {
        char *plan = planemit_render(m, i < 0 ? NULL : m->envs[i], &po);
        if (!plan)
            __builtin_trap();
        free(plan);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        stdlib_dir = load_find_stdlib(NULL);
        if (!stdlib_dir) {
            fprintf(stderr, "fuzz_pipeline: no standard library (set SFDC_STDLIB)\n");
            abort();
        }
    }
    DiagEngine diag;
    diag_init(&diag);
    Program pg;
    load_init(&pg, &diag, stdlib_dir);
    fuzz_budget(&pg.budget);
    load_program(&pg, NULL, 0);
    /* a directory that does not exist: relative imports find nothing */
    load_memory(&pg, "/nonexistent-sfdc-fuzz/main.sfd", (const char *)data, size);
    Schemas schemas;
    Model model;
    schema_init(&schemas, &pg.arena, &pg.in);
    model_init(&model, &pg, &schemas);
    Eval *ev = eval_new(&pg, &schemas, &model);
    eval_run(ev);
    rules_check(ev, &model, &diag);
    eval_finish(ev);
    bool failed = diag_failed(&diag);
    diag.format = size % 4 == 3 ? DIAG_JSON : DIAG_HUMAN;
    diag_flush(&diag, devnull);
    if (!failed)
        back_ends(&model);
    eval_free(ev);
    model_release(&model);
    schema_release(&schemas);
    load_release(&pg);
    diag_release(&diag);
    return 0;
}
