/* eval.h — from syntax to the evaluated platform (the Model).
 *
 * eval_run() is the checker's semantic core, in four passes over the
 * program:
 *   1. declarations: schemas and enums (schema.c), global `let`s and
 *      templates into hash tables; `@allow` waivers; which file sees which;
 *   2. expansion: every file's items, imports first, in source order —
 *      `use` expands a template, `for` iterates, `if` picks a branch, and
 *      every block becomes an Object with a dotted path (duplicates E0302);
 *      attributes are recorded, not yet evaluated;
 *   3. evaluation: every field of every object, lazily and memoised, so an
 *      attribute may refer to any other (`core.ecr.dagster`, `core.vpn`)
 *      regardless of order; cycles are E0303; each value is checked against
 *      its field's type (types.c); then environments' dotted overrides and
 *      the per-account `platform { state {} }` fields;
 *   4. (eval_finish, after the rule passes) waivers that waived nothing.
 *
 * Diagnostics go through the DiagEngine's suppress hook, which eval
 * installs: it drops repeats of the same (code, span) — a mistake inside a
 * template used 150 times is reported once — and applies `@allow` waivers. */
#ifndef SFDC_EVAL_H
#define SFDC_EVAL_H

#include "model.h"

typedef struct Eval Eval;
typedef struct Scope Scope;

enum {
    EVAL_MAX_DEPTH = 64,        /* nested template expansions (E0304) */
    EVAL_MAX_ITER = 100000,     /* elements a `for` may iterate (E0304) */
    EVAL_MAX_EXPR = 256,        /* nested evaluations: let chains, references (E0304) */
    EVAL_MAX_VALUE_DEPTH = 128, /* lists and records inside each other (E0304): lets
                                   evaluated one by one could otherwise nest a value
                                   deeper than any walk over it can recurse */
};

/* Creates the evaluator for pg into m (initialised by the caller with
 * model_init) and installs its diagnostic filter on pg->diag. malloc'd. */
Eval *eval_new(Program *pg, Schemas *s, Model *m);
/* Runs passes 1–3. */
void eval_run(Eval *e);
/* Passes 2–3 again into m (initialised by the caller), as environment env
 * sees the platform (SPEC §7.5): its overrides replace the attributes they
 * name before anything is evaluated, and `env` is its name. Diagnostics
 * already filed are not repeated. Call after eval_run.
 * When the base's expansion read neither `env` nor an overridden field,
 * m shares the base's objects (model_share) and only the values that read
 * one of them, directly or through lets, parameters, references and the
 * state block, are evaluated again; SFDC_ENV_FULL=1 in the environment
 * expands and evaluates everything again (tests/tiers/11-envshare proves
 * the two agree). */
void eval_run_env(Eval *e, Model *m, const char *env);
/* Diagnostics of one environment (SPEC §7.5). From eval_diag_env(e, i)
 * until eval_diag_env(e, -1), what is filed comes from environment i's
 * evaluation or checks (0 <= i < EVAL_MAX_DIAG_ENVS): a diagnostic another
 * environment filed with the same code, span and message is not filed
 * again, but remembered as found by i too; one with another message (a
 * name that carries the environment) is filed on its own. Outside, a
 * repeat of (code, span) is dropped, as always. eval_diag_envs_done()
 * then ends the message of each such diagnostic with the environments
 * that found it (`, in environment `prod``, `, in environments `stage`
 * and `prod``), unless all n of them did. */
enum { EVAL_MAX_DIAG_ENVS = 64 };
void eval_diag_env(Eval *e, int i);
void eval_diag_envs_done(Eval *e, const char *const *names, int n);
/* Pass 4: reports `@allow` waivers that waived nothing (W0311). Call after
 * every rule pass has reported. */
void eval_finish(Eval *e);
/* Removes the diagnostic filter and frees the evaluator (not the model). */
void eval_free(Eval *e);

/* Provenance support: if expr (an attribute's value) is a bare template
 * parameter in scope sc, where its argument was written. */
bool eval_param_site(const Scope *sc, const Node *expr, Site *out);
/* The file an attribute evaluated in scope sc was written in. */
Source *eval_scope_src(const Scope *sc);

#endif
