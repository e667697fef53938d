/* rules.c — the rule-pass dispatcher and the purely structural checks of
 * the model (see rules.h). */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "eval.h"
#include "rulectx.h"

#include "banned.h"

/* The passes one after another, each over every object in one block:
 * the order before blocking (SFDC_BLOCK_OBJECTS=0, rctx_blocks_whole),
 * which tests/tiers/09-blocks compares the interleaved blocks with. Each
 * pass's phases come after the one before's (its end leaves the engine at
 * the walk it ran last, so the top of its reservation is put back). */
static void passes_whole(Model *m, DiagEngine *d)
{
    const RctxBlocks all = {.bound = UINT32_MAX, .last = true};
    AwsPass *aws = rules_aws_begin(m, d);
    unsigned top = d->phase;
    rules_aws_block(aws, &all);
    rules_aws_end(aws);
    d->phase = top;
    IntentPass *intent = rules_intent_begin(m, d);
    top = d->phase;
    rules_intent_block(intent, &all);
    rules_intent_end(intent);
    d->phase = top + 1;
    rules_demand(m, d);
    CostPass *cost = rules_cost_begin(m, d);
    top = d->phase;
    rules_cost_block(cost, &all);
    rules_cost_end(cost);
    d->phase = top;
    BuildPass *build = rules_build_begin(m, d);
    top = d->phase;
    rules_build_block(build, &all);
    rules_build_end(build);
    d->phase = top + 1;
}

/* The passes in their order, the four that walk the big kinds a block of
 * objects at a time (rulectx.h) interleaved: every walk of every one of
 * them over a block, then over the next, so that at 30,000 LAs only the
 * first walk of a block fetches its objects from memory. Each pass
 * reserves its walks' phases as it begins, in the passes' order, and
 * rules_demand (a few walks of its own, whole) one phase between; what
 * is filed after the passes prints after all of them. */
void rules_run(Model *m, DiagEngine *d)
{
    rules_structure(m, d);
    if (rctx_blocks_whole()) {
        passes_whole(m, d);
        return;
    }
    AwsPass *aws = rules_aws_begin(m, d);
    IntentPass *intent = rules_intent_begin(m, d);
    RctxWalks demand;
    rctx_walks_begin(&demand, d, 1);
    CostPass *cost = rules_cost_begin(m, d);
    BuildPass *build = rules_build_begin(m, d);
    unsigned top = d->phase;
    RctxBlocks b;
    rctx_blocks_begin(&b, m);
    while (rctx_blocks_next(&b)) {
        rules_aws_block(aws, &b);
        rules_intent_block(intent, &b);
        rules_cost_block(cost, &b);
        rules_build_block(build, &b);
    }
    rules_aws_end(aws);
    rules_intent_end(intent);
    rctx_walk(&demand, 0);
    rules_demand(m, d);
    rules_cost_end(cost);
    rules_build_end(build);
    d->phase = top + 1;
}

/* E0313: a program describes one platform — none is an error (nothing to
 * deploy), and so is a second one. */
static void one_platform(Model *m, DiagEngine *d)
{
    const ObjList *ps = model_kind(m, "platform");
    if (ps->n == 0) {
        /* a syntax error may have eaten the platform: one mistake, one error */
        File *first = NULL;
        for (int i = 0; i < m->pg->nfiles; i++) {
            if (m->pg->files[i]->had_errors)
                return;
            if (!first && !m->pg->files[i]->is_std)
                first = m->pg->files[i];
        }
        if (!first)
            return;
        Diag *g = diag_new(d, DIAG_ERROR, "E0313", first->src, (Span){0, 0},
                           "no `platform` block in the program");
        diag_help(d, g, "declare the platform once: `platform NAME { region = eu-west-2 }`; "
                        "check all files together: `sfdc check DIR`");
        diag_emit(d, g);
        return;
    }
    for (int i = 1; i < ps->n; i++) {
        Site s = model_obj_site(ps->items[i]), f = model_obj_site(ps->items[0]);
        Diag *g = diag_new(d, DIAG_ERROR, "E0313", s.src, s.span, "more than one `platform` block");
        diag_label(d, g, "a second platform");
        diag_secondary(d, g, f.src, f.span, "the platform is declared here");
        diag_help(d, g, "a program describes one platform; merge the blocks");
        diag_emit(d, g);
    }
}

/* E0509: two accounts with one id. One hash probe per account. */
static void unique_account_ids(Model *m, DiagEngine *d)
{
    const ObjList *accs = model_kind(m, "account");
    RctxStrSet seen;    /* id -> the first account with it */
    rctx_strset_init(&seen, (size_t)accs->n);
    for (int i = 0; i < accs->n; i++) {
        rctx_prefetch(m, accs, i);
        Object *a = accs->items[i];
        const char *id = model_str(m, a, "id", NULL);
        if (!id)
            continue;
        Object *first = rctx_strset_put(&seen, id, a);
        if (!first)
            continue;
        Site s = model_value_site(model_get(m, a, "id"), model_site(m, a, "id"));
        Site f = model_value_site(model_get(m, first, "id"), model_site(m, first, "id"));
        Diag *g = diag_new(d, DIAG_ERROR, "E0509", s.src, s.span,
                           "account id \"%s\" is used by both `%s` and `%s`", id, first->path, a->path);
        diag_label(d, g, "id of `%s`", a->path);
        diag_secondary(d, g, f.src, f.span, "already the id of `%s`", first->path);
        diag_help(d, g, "every account has its own 12-digit id");
        diag_emit(d, g);
    }
    rctx_strset_release(&seen);
}

void rules_structure(Model *m, DiagEngine *d)
{
    one_platform(m, d);
    unique_account_ids(m, d);
}

/* Whether every account of the base is deployed by some environment's own
 * evaluation: then each of the base's objects is checked there, in every
 * environment that deploys it. */
static bool envs_cover_base(const Model *base)
{
    Table deployed;     /* account path -> its account */
    table_init(&deployed);
    for (int i = 0; i < base->nenvs; i++) {
        const ObjList *accs = model_kind(base->envs[i]->eval, "account");
        for (int k = 0; k < accs->n; k++)
            table_put(&deployed, accs->items[k]->path, accs->items[k]);
    }
    const ObjList *accs = model_kind(base, "account");
    bool all = true;
    for (int k = 0; all && k < accs->n; k++)
        all = table_get(&deployed, accs->items[k]->path) != NULL;
    table_release(&deployed);
    return all;
}

/* Environment i's phase: its diagnostics are merged with the other
 * environments' (eval_diag_env); past the merge's limit, each names its
 * environment as it is filed. */
static void env_phase(Eval *ev, DiagEngine *d, const Model *base, int i)
{
    eval_diag_env(ev, i);
    d->context = i >= EVAL_MAX_DIAG_ENVS
        ? arena_printf(&base->pg->arena, "in environment `%s`", base->envs[i]->name) : NULL;
}

static void end_phase(Eval *ev, DiagEngine *d)
{
    eval_diag_env(ev, -1);
    d->context = NULL;
}

/* Each environment is the platform evaluated again with its overrides
 * (SPEC §7.5) and checked on its own; then the environments are checked
 * against each other (rules_env.c). The base is a deployment only without
 * environments. With them, it is checked too only when an account is left
 * to it (no environment deploys it), or when there are too many
 * environments to merge; otherwise every check of the base would be
 * repeated by the environments, and checking it would cost a third more. A
 * diagnostic every environment finds reads as the base's would; one that
 * only some find names them. */
void rules_check(Eval *ev, Model *base, DiagEngine *d)
{
    if (base->nenvs == 0) {
        rules_run(base, d);
        return;
    }
    Program *pg = base->pg;
    for (int i = 0; i < base->nenvs; i++) {
        Environment *env = base->envs[i];
        Model *em = xcalloc(1, sizeof *em);
        model_init(em, pg, base->schemas);
        em->env = env->name;
        em->base = base;
        env->eval = em;
        env_phase(ev, d, base, i);
        eval_run_env(ev, em, env->name);
        end_phase(ev, d);
        const Environment *own = model_env(em, env->name);
        if (own)
            model_keep_deployed(em, own);
    }
    model_mark_deployments(base);
    if (base->nenvs > EVAL_MAX_DIAG_ENVS || !envs_cover_base(base))
        rules_run(base, d);
    /* what no environment changes is checked in the first environment
       that reaches it, and again only where that filed something, and
       rules_env claims the bucket names E0502 derived (rulectx.h);
       SFDC_RULES_FULL=1 checks everything in every environment and
       derives every name again (tests/tiers/11-envshare proves the two
       agree) */
    if (!getenv("SFDC_RULES_FULL")) {
        rctx_share_begin(base, d);
        rctx_names_begin(base);
    }
    for (int i = 0; i < base->nenvs; i++) {
        env_phase(ev, d, base, i);
        rules_run(base->envs[i]->eval, d);
        end_phase(ev, d);
    }
    rctx_share_end(d);
    const char **names = xcalloc((size_t)base->nenvs, sizeof *names);
    for (int i = 0; i < base->nenvs; i++)
        names[i] = base->envs[i]->name;
    eval_diag_envs_done(ev, names, base->nenvs);
    free(names);
    rules_env(base, d);
    rctx_names_end();
}
