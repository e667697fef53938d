/* export.c — `sfdc export`: the evaluated platform as one JSON document.
 *
 * The document is what the back ends consume, for scripts, reviews and
 * diffs: every object with every field (defaults included), children
 * nested under their parent. Order is deterministic: objects sorted by
 * path, fields in schema order. Quantities are numbers in base units
 * (listed under "units"); references are {"ref": PATH}; constructors
 * ({"call": "vpn", "args": [...]}) keep their shape. It is printed as it
 * is walked by the JSON writer (jsonw.h) in cJSON_Print's layout (tabs,
 * arrays on one line), which is what printed it before: byte for byte the
 * same document, without a tree of nodes built first. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

#include "banned.h"

/* The text is written out in pieces of about this size. */
enum { EXPORT_CHUNK = 64 << 10 };

static void member(JsonWriter *w, Model *m, const char *key, const Value *v);

/* cJSON, which printed this document until 2026-12, dropped a member or
 * element whose string was NULL (its CreateString failed): so do we. */
static bool omitted(const Value *v)
{
    return (v->kind == VAL_STR || v->kind == VAL_SYM) && !v->u.str;
}

static void value_json(JsonWriter *w, Model *m, const Value *v)
{
    switch ((ValKind)v->kind) {
    case VAL_ERROR: case VAL_NULL: case VAL_KINDSEL: jw_null(w); return;
    case VAL_BOOL: jw_bool(w, v->u.b); return;
    case VAL_NUM: jw_number(w, v->u.num); return;
    case VAL_STR: case VAL_SYM: jw_string(w, v->u.str); return;
    case VAL_CIDR: jw_string(w, value_show(&m->pg->arena, v)); return;
    case VAL_REF:
        jw_object(w);
        if (!v->ref || v->ref->path)
            JW_MEMBER(w, "ref", v->ref ? v->ref->path : "");
        jw_object_end(w);
        return;
    case VAL_RANGE:
        jw_object(w);
        member(w, m, "min", v->items[0]);
        member(w, m, "max", v->items[1]);
        jw_object_end(w);
        return;
    case VAL_LIST: case VAL_CALL:
        if (v->kind == VAL_CALL) {
            jw_object(w);
            if (v->u.str)
                JW_MEMBER(w, "call", v->u.str);
            JW_KEY(w, "args");
        }
        jw_array(w);
        for (uint32_t i = 0; i < v->n; i++)
            if (!omitted(v->items[i]))
                value_json(w, m, v->items[i]);
        jw_array_end(w);
        if (v->kind == VAL_CALL)
            jw_object_end(w);
        return;
    case VAL_MAP:
        jw_object(w);
        for (uint32_t i = 0; i < v->n; i++)
            if (v->keys[i])
                member(w, m, v->keys[i], v->items[i]);
        jw_object_end(w);
        return;
    }
    jw_null(w);
}

/* key: v, unless cJSON would have dropped it. */
static void member(JsonWriter *w, Model *m, const char *key, const Value *v)
{
    if (!key || omitted(v))
        return;
    jw_key(w, key);
    value_json(w, m, v);
}

/* An object to sort, with the first 16 bytes of its path as two
 * big-endian words (zero-padded): most comparisons of 30,000 account
 * names end there, without reading two path strings from all over
 * memory. Paths are unique, so the order is strcmp's. */
typedef struct SortKey {
    uint64_t hi, lo;
    Object *obj;
} SortKey;

static uint64_t be_word(const char *s, size_t len)
{
    uint64_t w = 0;
    for (size_t i = 0; i < 8; i++)
        w = w << 8 | (i < len ? (unsigned char)s[i] : 0);
    return w;
}

static int by_path(const void *a, const void *b)
{
    const SortKey *x = a, *y = b;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return strcmp(x->obj->path, y->obj->path);
}

/* objs sorted by path, as strcmp orders them. */
static void sort_by_path(Object **objs, int n)
{
    SortKey *k = xmalloc((size_t)(n ? n : 1) * sizeof *k);
    for (int i = 0; i < n; i++) {
        const char *p = objs[i]->path;
        size_t len = strnlen(p, 16);
        k[i] = (SortKey){be_word(p, len), len > 8 ? be_word(p + 8, len - 8) : 0, objs[i]};
    }
    qsort(k, (size_t)n, sizeof *k, by_path);
    for (int i = 0; i < n; i++)
        objs[i] = k[i].obj;
    free(k);
}

/* Is account a deployed in env (env.accounts is `all` or a list)? */
static bool in_env(Model *m, const Environment *env, const Object *o)
{
    if (!env || !o->account)
        return true;
    const Value *v = model_get(m, env->obj, "accounts");
    if (!v || v->kind != VAL_LIST)
        return true;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF && v->items[i]->ref == o->account)
            return true;
    return false;
}

static void add_children(JsonWriter *w, Model *m, Object **objs, int n, const Environment *env,
                         FILE *spill);

static void object_json(JsonWriter *w, Model *m, const Object *o, const Environment *env)
{
    jw_object(w);
    JW_MEMBER(w, "kind", o->kind);
    if (o->name)
        JW_MEMBER(w, "name", o->name);
    JW_KEY(w, "fields");
    jw_object(w);
    for (int i = 0; i < o->schema->nfields; i++) {
        const FieldDecl *fd = &o->schema->fields[i];
        member(w, m, fd->name, model_get_env(m, o, fd->name, env));
    }
    jw_object_end(w);
    const Field *state = model_state_fields(m, o);
    if (state && m->state) {
        JW_KEY(w, "state");
        jw_object(w);
        for (int i = 0; i < m->state->schema->nfields; i++)
            member(w, m, m->state->schema->fields[i].name, state[i].val);
        jw_object_end(w);
    }
    if (o->nchildren) {
        Object **kids = xmalloc((size_t)o->nchildren * sizeof *kids);
        memcpy(kids, o->children, (size_t)o->nchildren * sizeof *kids);
        JW_KEY(w, "children");
        add_children(w, m, kids, o->nchildren, env, NULL);
        free(kids);
    }
    jw_object_end(w);
}

/* objs (sorted here by path) as an object keyed by path. spill, at the
 * top level: the text so far is written to it after each object that
 * leaves more than EXPORT_CHUNK, so memory holds about one account. */
static void add_children(JsonWriter *w, Model *m, Object **objs, int n, const Environment *env,
                         FILE *spill)
{
    sort_by_path(objs, n);
    jw_object(w);
    for (int i = 0; i < n; i++)
        if (in_env(m, env, objs[i])) {
            jw_key(w, objs[i]->path);
            object_json(w, m, objs[i], env);
            if (spill && !w->out->oom && w->out->n >= EXPORT_CHUNK) {
                fwrite(w->out->p, 1, w->out->n, spill);
                w->out->n = 0;
            }
        }
    jw_object_end(w);
}

static void add_units(JsonWriter *w)
{
    JW_KEY(w, "units");
    jw_object(w);
    JW_MEMBER(w, "cpu", "cpu units (1 vcpu = 1024)");
    JW_MEMBER(w, "memory", "MiB");
    JW_MEMBER(w, "acu", "ACU");
    JW_MEMBER(w, "duration", "seconds");
    JW_MEMBER(w, "percent", "percent");
    jw_object_end(w);
}

int export_run(Model *m, const char *env_name, FILE *out, FILE *err)
{
    const Environment *env = NULL;
    if (!(m = model_for_env(m, env_name, &env))) {
        fprintf(err, "sfdc: no environment `%s`\n", env_name);
        return 1;
    }
    StrBuf b = {0};
    JsonWriter w;
    jw_init(&w, &b, JW_CJSON);
    jw_object(&w);
    JW_MEMBER(&w, "format", "sfdc-export/1");
    JW_KEY(&w, "environment");
    if (env)
        jw_string(&w, env->name);
    else
        jw_null(&w);
    add_units(&w);
    int n = 0;
    Object **top = xmalloc((size_t)(m->nobjects + 1) * sizeof *top);
    for (int i = 0; i < m->nobjects; i++)
        if (!m->objects[i]->parent)
            top[n++] = m->objects[i];
    JW_KEY(&w, "objects");
    add_children(&w, m, top, n, env, out);
    free(top);
    jw_object_end(&w);
    jw_release(&w);
    char *s = sb_finish(&b);
    if (!s)
        return 70;
    fwrite(s, 1, b.n, out);
    fputc('\n', out);
    free(s);
    return 0;
}
