/* rules.h — the rule passes that run on the evaluated platform.
 *
 * rules_run() runs every pass over one Model (the base, or an
 * environment's own evaluation; rules_check decides which) in a fixed
 * order and reports through the DiagEngine (whose filter, installed by
 * eval, applies `@allow` waivers and drops repeats). Passes read the model
 * only (model.h); the pure checks they call (schedule.c, awslimits.c) know
 * nothing of it. rules_aws, rules_intent, rules_cost and rules_build run
 * their walks a block of objects at a time, the four passes' walks of a
 * block one after another (rulectx.h, RctxBlocks): each has a begin, a
 * block and an end, and rules_run drives them; their diagnostics print as
 * if the passes and their walks had run one after another.
 *
 *   rules_structure   this file: exactly one platform (E0313), unique
 *                     account ids (E0509)
 *   rules_aws         AWS's own rules (E05xx)           — rules_aws*.c (rules_aws.h)
 *   rules_intent      the platform's intent (E06xx) and
 *                     schedules (E0406, E065x)          — rules_intent.c
 *   rules_demand      on-demand starts and service
 *                     discovery (E0610..E0615)          — rules_demand.c
 *   rules_cost        what is billed at rest (W07xx)    — rules_cost.c
 *   rules_build       what build, the plan and sfdrun
 *                     need to accept it (E08xx)         — rules_build.c
 *
 * rules_env (rules_env.c) runs once, after rules_run has checked every
 * environment's own evaluation (Environment.eval): no two
 * (environment, account) deployments may create the same AWS name.
 *
 * Every pass must be linear in the size of the model: iterate
 * model_kind(), use hash tables (table.h) for uniqueness, sort for
 * interval overlap. */
#ifndef SFDC_RULES_H
#define SFDC_RULES_H

#include "diag.h"
#include "model.h"

void rules_run(Model *m, DiagEngine *d);

struct Eval;
/* The whole check after eval_run: rules_run on the base when the program
 * has no environments; otherwise each environment evaluated again into
 * its own Model (Environment.eval, SPEC §7.5) and checked with rules_run,
 * diagnostics that only some environments find naming them, then rules_env
 * across them. The base is checked as well only for what no environment
 * deploys. A check of values no environment changes runs once for all the
 * environments that share them, and again only where it found something
 * (rctx_once, rulectx.h; SFDC_RULES_FULL=1: in every environment). `sfdc
 * check` and the language server call this same function, so both report
 * the same diagnostics. */
void rules_check(struct Eval *ev, Model *base, DiagEngine *d);

/* The passes, in the order rules_run calls them. A blocked pass's begin
 * reserves its walks' phases (so the passes must begin in this order),
 * block runs its walks over one block, end what needs every object seen
 * and frees the pass; the rulectx cache (rctx_begin) is m's throughout. */
struct RctxBlocks;
typedef struct AwsPass AwsPass;
typedef struct IntentPass IntentPass;
typedef struct CostPass CostPass;
typedef struct BuildPass BuildPass;
void rules_structure(Model *m, DiagEngine *d);
AwsPass *rules_aws_begin(Model *m, DiagEngine *d);
void rules_aws_block(AwsPass *p, const struct RctxBlocks *b);
void rules_aws_end(AwsPass *p);
IntentPass *rules_intent_begin(Model *m, DiagEngine *d);
void rules_intent_block(IntentPass *p, const struct RctxBlocks *b);
void rules_intent_end(IntentPass *p);
void rules_demand(Model *m, DiagEngine *d);
CostPass *rules_cost_begin(Model *m, DiagEngine *d);
void rules_cost_block(CostPass *p, const struct RctxBlocks *b);
void rules_cost_end(CostPass *p);
BuildPass *rules_build_begin(Model *m, DiagEngine *d);
void rules_build_block(BuildPass *p, const struct RctxBlocks *b);
void rules_build_end(BuildPass *p);
void rules_env(Model *m, DiagEngine *d);

#endif
