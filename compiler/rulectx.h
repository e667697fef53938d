/* rulectx.h — what the rule passes (rules_aws.c, rules_intent.c,
 * rules_cost.c) share: reading a field as an environment sees it, finding
 * the smallest span to point at, and turning a pure rule's RuleMsg into a
 * diagnostic.
 *
 * Environments: a rule checks the model it is given (rules_check gives it
 * each environment's own evaluation), then, for each environment, only the
 * objects that environment overrides (rctx_each), so the work stays linear
 * in the model plus the overrides. The engine drops a repeat of (code,
 * span), so a mistake the override does not touch is reported once. */
#ifndef SFDC_RULECTX_H
#define SFDC_RULECTX_H

#include <stdbool.h>
#include <stddef.h>

#include "awslimits.h"
#include "diag.h"
#include "model.h"

/* Starts the passes over one program (a cache of field-name lookups). */
void rctx_begin(const Model *m);

/* A field as environment env sees it (env NULL: the base platform). */
Value *rctx_val(const Model *m, const Object *o, const char *name, const Environment *env);
double rctx_num(const Model *m, const Object *o, const char *name, const Environment *env,
                double fallback);
bool rctx_bool(const Model *m, const Object *o, const char *name, const Environment *env,
               bool fallback);
/* VAL_STR text or VAL_SYM member name, else fallback. */
const char *rctx_str(const Model *m, const Object *o, const char *name, const Environment *env,
                     const char *fallback);
Object *rctx_ref(const Model *m, const Object *o, const char *name, const Environment *env);
bool rctx_range(const Model *m, const Object *o, const char *name, const Environment *env,
                double *lo, double *hi);
/* Whether env overrides the field. */
bool rctx_overridden(const Model *m, const Object *o, const char *name, const Environment *env);
/* Whether the field was written somewhere (source, argument or override),
 * not left to its default. */
bool rctx_written(const Model *m, const Object *o, const char *name, const Environment *env);

/* Where to point for a field: the value as written in the override or the
 * attribute (the literal, even through a template argument), else the
 * block header (a default has no place in the user's files). */
Site rctx_site(const Model *m, const Object *o, const char *name, const Environment *env);
/* An element (list item, map value, range end) of a field's value: its own
 * literal if it was written in the user's files, else fallback. */
Site rctx_elem_site(const Value *elem, Site fallback);
/* The part text[off, off+len) of a string value, when its literal is a
 * plain string whose source bytes are its text (no escapes); else the
 * whole literal. */
Site rctx_str_part(const Value *v, Site whole, size_t off, size_t len);

/* Files a RuleMsg as code at site (narrowed to m->off/len inside the
 * string value v when v is given and rm->len > 0); label may be NULL. */
void rctx_report(DiagEngine *d, DiagLevel lv, const char *code, const Value *v, Site site,
                 const RuleMsg *rm, const char *label);

/* The environment covers account a (`accounts = all` or a list naming it). */
bool rctx_env_has(const Model *m, const Environment *env, const Object *a);

/* The cluster a service runs on: its `cluster`, else its account's first
 * cluster, else NULL. */
Object *rctx_cluster_of(const Model *m, const Object *svc);

/* Calls fn for every object of kind as the base platform sees it (env
 * NULL), then once per environment for each object that environment
 * overrides. In an environment's own evaluation (m->env), the objects its
 * own overrides touch come first, with that environment. */
typedef void (*RctxCheck)(void *ctx, Object *o, const Environment *env);
void rctx_each(const Model *m, const char *kind, RctxCheck fn, void *ctx);

/* The environments a rule that asks "in which environment does this hold"
 * visits, through envs[0 .. return value): in an environment's own
 * evaluation (m->env) only that one — its overrides are its values, and
 * another environment's overrides are installed only in that one's own
 * evaluation, where it is asked again; in the base, every environment. */
int rctx_envs(const Model *m, Environment *const **envs);

/* The account's network object, or NULL. */
Object *rctx_network(const Model *m, const Object *account);

#endif
