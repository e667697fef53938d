/* rules_aws_values.c — the AWS rule pass's values that reach AWS as
 * written (rules_aws.h): the platform's tags against EC2's tag quotas
 * (E0518), every field constraints.json's `fields` lists against the
 * parameters it reaches (E0525), and each environment's secret recovery
 * window against Secrets Manager's (E0420). */
#include "rules_aws.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- E0518 tags ------------------------------------------------------------------ */

/* Tags sfdc's modules add to a resource besides the platform's (Name, and
 * AmazonECSManaged on the Auto Scaling group). */
enum { AWS_MODULE_TAGS = 2 };

void rules_aws_values_tags(Aws *c)
{
    const Object *pl = c->m->platform;
    const Value *t = pl ? rctx_val(c->m, pl, "tags", NULL) : NULL;
    const AwscParam *n = rules_aws_param(c, "ec2.CreateTags.Tags"),
                    *k = rules_aws_param(c, "ec2.CreateTags.Tags.Key"),
                    *v = rules_aws_param(c, "ec2.CreateTags.Tags.Value");
    if (!t || t->kind != VAL_MAP || !n || !k || !v)
        return;
    Site whole = rctx_site(c->m, pl, "tags", NULL);
    RuleMsg rm;
    if (!awsc_count(n, "tags", t->n + AWS_MODULE_TAGS, &rm)) {
        snprintf(rm.msg, sizeof rm.msg, "%u platform tags and the %d sfdc's modules add are more "
                 "than the 50 AWS allows on a resource", t->n, AWS_MODULE_TAGS);
        snprintf(rm.help, sizeof rm.help, "keep at most %ld platform tags", n->max - AWS_MODULE_TAGS);
        rctx_report(c->d, DIAG_ERROR, "E0518", NULL, whole, &rm, NULL);
    }
    for (uint32_t i = 0; i < t->n; i++) {
        const char *key = t->keys[i];
        Site s = rctx_elem_site(t->items[i], whole);
        /* keys are identifiers, so AWS's reserved `aws:` prefix cannot be written */
        if (!awsc_string(k, "tag key", key, strlen(key), &rm)) {
            rctx_report(c->d, DIAG_ERROR, "E0518", NULL, s, &rm, NULL);
        } else if (t->items[i]->kind == VAL_STR &&
                   !awsc_string(v, "tag value", t->items[i]->u.str, strlen(t->items[i]->u.str), &rm)) {
            rctx_report(c->d, DIAG_ERROR, "E0518", t->items[i], s, &rm, NULL);
        }
    }
}

/* ---- E0525 values that reach AWS as written ------------------------------------------ */

/* A value that breaks its parameters, filed after the blocks. */
typedef struct FieldDue {
    Object *o;
    const Environment *env;
    const Value *v;         /* the string value (for a caret inside it), or NULL: a map key */
    const Value *elem;      /* the element to point at, or NULL: the whole field */
    RuleMsg rm;
} FieldDue;

/* One `fields` entry of constraints.json being checked: a walk of its
 * kind of its own. Two entries may point at one literal (a template's
 * argument written into two fields), and the engine keeps the first filed
 * of two: each entry's failures are kept in the blocks and filed after the
 * last, entry after entry, as when the entries ran one after the other. */
typedef struct FieldCheck {
    Aws *c;
    const char *field;          /* schema field name (arena); NULL: not a field entry */
    char shape;                 /* ' ' the value, '[' each list item, '{' each map key */
    const AwscParam *ps[NAME_MAX_PARAMS];
    int np;
    int once;                   /* its RctxOnceId: the check reads the one field */
    RctxEach each;              /* its place in its kind */
    FieldDue *due;              /* its failures, in walk order; xrealloc'd */
    size_t ndue, capdue;
} FieldCheck;

/* text, of field f of o in env: the value v (or a map key, v NULL) whose
 * element elem (NULL: the whole field) points at it. Where to point is
 * found when it is filed: most values pass. */
static void field_text(FieldCheck *f, Object *o, const Environment *env, const char *text,
                       const Value *v, const Value *elem)
{
    RuleMsg rm;
    for (int p = 0; p < f->np; p++)
        if (!awsc_string(f->ps[p], f->field, text, strlen(text), &rm)) {
            if (f->ndue == f->capdue) {
                f->capdue = f->capdue ? 2 * f->capdue : 8;
                f->due = xrealloc(f->due, f->capdue * sizeof *f->due);
            }
            f->due[f->ndue++] = (FieldDue){o, env, v, elem, rm};
            return;
        }
}

/* E0525 on the value v of field f of o in env. */
static void field_value(FieldCheck *f, Object *o, const Environment *env, const Value *v)
{
    if (f->shape == ' ' && v->kind == VAL_STR)
        field_text(f, o, env, v->u.str, v, NULL);
    for (uint32_t i = 0; f->shape == '[' && v->kind == VAL_LIST && i < v->n; i++)
        if (v->items[i]->kind == VAL_STR)
            field_text(f, o, env, v->items[i]->u.str, v->items[i], v->items[i]);
    for (uint32_t i = 0; f->shape == '{' && v->kind == VAL_MAP && i < v->n; i++)
        field_text(f, o, env, v->keys[i], NULL, v->items[i]);
}

/* E0525 reads the one field: an RctxFixed. */
static bool field_fixed(const void *ctx, const Object *o)
{
    const FieldCheck *f = ctx;
    return rctx_fixed_field(f->c->m, o, f->field);
}

/* A check that found a failure will file it: it is not remembered clean,
 * as a run that filed would not be. */
static void field_values(void *ctx, Object *o, const Environment *env)
{
    FieldCheck *f = ctx;
    RctxOnce once;
    if (!rctx_once(&once, f->c->m, f->once, o, env, field_fixed, f))
        return;
    size_t before = f->ndue;
    const Value *v = rctx_val(f->c->m, o, f->field, env);
    if (v)
        field_value(f, o, env, v);
    if (f->ndue == before)
        rctx_once_done(&once);
}

/* The entry r of constraints.json's `fields` as a check, its field NULL
 * when r names no field. */
static void field_check_init(Aws *c, FieldCheck *f, size_t i)
{
    const AwscNameRule *r = &c->cons->fields[i];
    const char *dot = strchr(r->kind, '.');
    *f = (FieldCheck){.c = c, .shape = ' ', .once = i < 64 ? RCTX_ONCE_FIELDS + (int)i : -1};
    if (!dot)
        return;
    size_t n = strlen(dot + 1);
    if (n > 2 && (strcmp(dot + 1 + n - 2, "[]") == 0 || strcmp(dot + 1 + n - 2, "{}") == 0)) {
        f->shape = dot[n - 1];
        n -= 2;
    }
    f->field = arena_strndup(rules_aws_arena(c), dot + 1, n);
    for (int k = 0; k < r->nparams && f->np < NAME_MAX_PARAMS; k++)
        if ((f->ps[f->np] = awsc_find(c->cons, r->params[k])) != NULL)
            f->np++;
    rctx_each_init(&f->each, c->m, arena_strndup(rules_aws_arena(c), r->kind, (size_t)(dot - r->kind)));
}

/* In the first block, at the walk's turn (rules_aws_param() reads constraints.json). */
static void fields_begin(Aws *c, FieldsWalk *w)
{
    w->begun = true;
    if (!rules_aws_param(c, "iam.CreateRole.RoleName"))
        return;
    w->fs = calloc(c->cons->nfields ? c->cons->nfields : 1, sizeof *w->fs);
    w->n = w->fs ? c->cons->nfields : 0;
    for (size_t i = 0; i < w->n; i++)
        field_check_init(c, &w->fs[i], i);
}

/* E0525: every schema field constraints.json's `fields` lists, in every
 * environment, satisfies the parameters its value reaches as written. */
void rules_aws_values_fields_block(Aws *c, FieldsWalk *w, const RctxBlocks *b)
{
    if (!w->begun)
        fields_begin(c, w);
    for (size_t i = 0; i < w->n; i++)
        if (w->fs[i].field)
            rctx_each_block(c->m, &w->fs[i].each, b, field_values, &w->fs[i]);
}

void rules_aws_values_fields_finish(Aws *c, FieldsWalk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const FieldCheck *f = &w->fs[i];
        for (size_t k = 0; k < f->ndue; k++) {
            const FieldDue *u = &f->due[k];
            Site s = rctx_site(c->m, u->o, f->field, u->env);
            if (u->elem)
                s = rctx_elem_site(u->elem, s);
            rctx_report(c->d, DIAG_ERROR, "E0525", u->v, s, &u->rm, NULL);
        }
        free(f->due);
    }
    free(w->fs);
}

/* ---- E0420 secret recovery windows ---------------------------------------------------- */

/* E0420: an environment's secret_recovery (Secrets Manager
 * RecoveryWindowInDays) is 0 (DeleteSecret with ForceDeleteWithoutRecovery)
 * or 7..30 days; the schema's bounds say 0..30, this closes the hole. */
void rules_aws_values_recovery(Aws *c)
{
    for (int i = 0; i < c->m->nenvs; i++) {
        const Environment *env = c->m->envs[i];
        const Value *v = rctx_val(c->m, env->obj, "secret_recovery", NULL);
        if (!v || v->kind != VAL_NUM)
            continue;
        double days = v->u.num / 86400;
        if (days == 0 || (days >= 7 && days <= 30 && days == floor(days)))
            continue;
        Site s = rctx_site(c->m, env->obj, "secret_recovery", NULL);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0420", s.src, s.span,
                           "secret recovery window of environment `%s` is out of range: %g days", env->name, days);
        diag_label(c->d, g, "Secrets Manager takes 7 to 30 whole days, or none");
        diag_help(c->d, g, "write a value in 7d..30d, or 0d to delete secrets at once");
        diag_emit(c->d, g);
    }
}
