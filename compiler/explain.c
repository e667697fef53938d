/* explain.c — `sfdc explain PATH`: a value, its type, and the chain of
 * places it came from (override, attribute, template argument, literal,
 * schema default), each shown as a source snippet like a diagnostic's. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "types.h"
#include "banned.h"

/* One source line with a caret run under span (tabs shown as one space). */
static void snippet(FILE *out, Source *src, Span sp)
{
    LineCol lc = src_linecol(src, sp.start);
    Span line = src_line_span(src, lc.line);
    fprintf(out, "     --> %s:%u:%u\n", src->path, lc.line, lc.col);
    fprintf(out, "%6u | ", lc.line);
    for (uint32_t i = line.start; i < line.end; i++)
        fputc(src->text[i] == '\t' ? ' ' : src->text[i], out);
    fputs("\n       | ", out);
    LineCol end = src_linecol(src, sp.end < line.end ? sp.end : line.end);
    for (uint32_t c = 1; c < lc.col; c++)
        fputc(' ', out);
    uint32_t n = end.col > lc.col ? end.col - lc.col : 1;
    for (uint32_t c = 0; c < n; c++)
        fputc('^', out);
    fputc('\n', out);
}

static const char *origin_name(Origin o)
{
    static const char *const names[] = {"unset", "default", "set in source", "template argument",
                                        "environment override"};
    return names[o];
}

static Value *final_value(Model *m, const Object *o, const char *field, const Environment *env,
                          Origin *origin)
{
    const Field *f = model_field(m, o, field);
    const Override *ov = model_override(m, env, o, field);
    *origin = ov ? ORIGIN_OVERRIDE : model_origin(m, o, field);
    return ov ? ov->val : f->val;
}

/* A schedule's weekly on-hours and the scaling actions derived from it
 * (nothing when it does not parse: the checker has reported why). */
static void explain_schedule(const char *text, FILE *out)
{
    Schedule *s = malloc(sizeof *s);
    SchedError err;
    SchedStretch st;
    SchedAction act[32];
    char from[32], to[32];
    if (s && sched_parse(text, strlen(text), s, &err)) {
        int min = sched_weekly_minutes(s);
        fprintf(out, "  weekly: on %d h %02d min a week (%s)\n", min / 60, min % 60, s->zone);
        if (sched_longest(s, &st)) {
            sched_format_minute(st.start, from, sizeof from);
            sched_format_minute(st.start + st.length, to, sizeof to);
            fprintf(out, "  longest: %d h %02d min, %s to %s\n", st.length / 60, st.length % 60, from, to);
        }
        int n = sched_actions(s, act, 32);
        for (int i = 0; i < n; i++)
            fprintf(out, "  %s %s\n", act[i].up ? "on: " : "off:", act[i].cron);
    }
    free(s);
}

/* base: the base evaluation, when m is an environment's own. */
static void explain_field(Model *m, const Model *base, const Object *o, const FieldDecl *fd,
                          const Environment *env, FILE *out)
{
    Arena *a = &m->pg->arena;
    Origin origin;
    Value *v = final_value(m, o, fd->name, env, &origin);
    fprintf(out, "%s.%s = %s\n", o->path, fd->name, value_show(a, v));
    fprintf(out, "  type:   %s\n", types_name(a, fd->type));
    fprintf(out, "  origin: %s%s%s\n", origin_name(origin), env ? " in environment " : "",
            env ? env->name : "");
    const char *doc = schema_field_doc(m->schemas, fd);
    if (doc)
        fprintf(out, "  doc:    %s\n", doc);
    if (!env) {
        for (int i = 0; i < m->nenvs; i++) {
            const Override *ov = model_override(m, m->envs[i], o, fd->name);
            if (ov)
                fprintf(out, "  in environment `%s`: %s\n", m->envs[i]->name, value_show(a, ov->val));
        }
    } else if (origin == ORIGIN_OVERRIDE) {
        const Object *bo = base ? model_find(base, o->path) : NULL;
        const Value *bv = model_get(base, bo ? bo : o, fd->name);
        /* a base value that reads `env` exists only per environment (SPEC §7.5) */
        fprintf(out, "  base value: %s\n", bv && bv->kind == VAL_ERROR && bv->late && m->env
                                              ? "<per environment>" : value_show(a, bv));
    }
    if (fd->type && fd->type->kind == TY_SCHEDULE && v->kind == VAL_STR)
        explain_schedule(v->u.str, out);
    if (v->kind == VAL_ERROR && v->late && o == m->state) {
        const ObjList *accs = model_kind(m, "account");
        fprintf(out, "  `account` is bound per account:\n");
        for (int i = 0; i < accs->n && i < 5; i++)
            fprintf(out, "    %-20s %s\n", accs->items[i]->path,
                    value_show(a, model_state(m, accs->items[i], fd->name)));
        if (accs->n > 5)
            fprintf(out, "    ... and %d more\n", accs->n - 5);
    }
    Provenance steps[8];
    int n = model_provenance(m, o, fd->name, env, steps, 8);
    for (int i = 0; i < n; i++) {
        fprintf(out, "\n  %d. %s\n", i + 1, steps[i].what);
        snippet(out, steps[i].site.src, steps[i].site.span);
    }
    if (o->use) {
        fprintf(out, "\n  `%s` was made by expanding a template:\n", o->path);
        snippet(out, o->use_src, o->use->span);
    }
}

static void explain_object(Model *m, const Object *o, const Environment *env, FILE *out)
{
    Arena *a = &m->pg->arena;
    fprintf(out, "%s: %s%s%s\n", o->path, o->kind, o->name ? " " : "", o->name ? o->name : "");
    Site s = model_obj_site(o);
    snippet(out, s.src, s.span);
    fputc('\n', out);
    for (int i = 0; i < o->schema->nfields; i++) {
        const FieldDecl *fd = &o->schema->fields[i];
        Origin origin;
        Value *v = final_value(m, o, fd->name, env, &origin);
        fprintf(out, "  %-20s %-28s %s\n", fd->name, value_show(a, v), origin_name(origin));
    }
    for (int i = 0; i < o->nchildren; i++)
        fprintf(out, "  %s\n", o->children[i]->path);
}

/* Lists paths close to a wrong one: by edit distance, on the error path only. */
static void suggest_path(Model *m, const char *path, FILE *err)
{
    const char **cands = xmalloc((size_t)(m->nobjects + 1) * sizeof *cands);
    for (int i = 0; i < m->nobjects; i++)
        cands[i] = m->objects[i]->path;
    const char *best = types_suggest(path, cands, m->nobjects);
    if (best) {
        fprintf(err, "help: did you mean `%s`?\n", best);
    } else {
        /* a typo in the first segment: suggest among top-level objects */
        const char *dot = strchr(path, '.');
        char *first = arena_strndup(&m->pg->arena, path, dot ? (size_t)(dot - path) : strlen(path));
        int n = 0;
        for (int i = 0; i < m->nobjects; i++)
            if (!m->objects[i]->parent)
                cands[n++] = m->objects[i]->name ? m->objects[i]->name : m->objects[i]->path;
        best = types_suggest(first, cands, n);
        if (best)
            fprintf(err, "help: there is no `%s`; did you mean `%s`?\n", first, best);
    }
    free(cands);
}

int explain_run(Model *m, const char *path, const char *env_name, FILE *out, FILE *err)
{
    const Environment *env = NULL;
    Model *base = m;
    if (!(m = model_for_env(base, env_name, &env))) {
        fprintf(err, "sfdc: no environment `%s`\n", env_name);
        return 1;
    }
    Object *o = model_find(m, path);
    if (o) {
        explain_object(m, o, env, out);
        return 0;
    }
    const char *dot = strrchr(path, '.');
    if (dot) {
        char *prefix = arena_strndup(&m->pg->arena, path, (size_t)(dot - path));
        o = model_find(m, prefix);
        const FieldDecl *fd = o ? schema_field(o->schema, intern_cstr(&m->pg->in, dot + 1)) : NULL;
        if (fd) {
            explain_field(m, base, o, fd, env, out);
            return 0;
        }
        if (o) {
            fprintf(err, "sfdc: `%s` (%s) has no field `%s`\n", prefix, o->kind, dot + 1);
            return 1;
        }
    }
    fprintf(err, "sfdc: nothing at `%s`\n", path);
    suggest_path(m, path, err);
    return 1;
}
