/* rules.h — the rule passes that run on the evaluated platform.
 *
 * rules_run() runs every pass over one Model (the base, or an
 * environment's own evaluation; rules_check decides which) in a fixed order and reports through the DiagEngine (whose filter,
 * installed by eval, applies `@allow` waivers and drops repeats). Passes
 * read the model only (model.h); the pure checks they call (schedule.c,
 * awslimits.c) know nothing of it.
 *
 *   rules_structure   this file: exactly one platform (E0313), unique
 *                     account ids (E0509)
 *   rules_aws         AWS's own rules (E05xx)           — rules_aws.c
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

/* The passes, in the order rules_run calls them. */
void rules_structure(Model *m, DiagEngine *d);
void rules_aws(Model *m, DiagEngine *d);
void rules_intent(Model *m, DiagEngine *d);
void rules_demand(Model *m, DiagEngine *d);
void rules_cost(Model *m, DiagEngine *d);
void rules_build(Model *m, DiagEngine *d);
void rules_env(Model *m, DiagEngine *d);

#endif
