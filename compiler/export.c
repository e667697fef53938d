/* export.c — `sfdc export`: the evaluated platform as one JSON document.
 *
 * The document is what the back ends consume, for scripts, reviews and
 * diffs: every object with every field (defaults included), children
 * nested under their parent. Order is deterministic: objects sorted by
 * path, fields in schema order. Quantities are numbers in base units
 * (listed under "units"); references are {"ref": PATH}; constructors
 * ({"call": "vpn", "args": [...]}) keep their shape. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "banned.h"

static cJSON *value_json(Model *m, const Value *v)
{
    switch ((ValKind)v->kind) {
    case VAL_ERROR: case VAL_NULL: case VAL_KINDSEL: return cJSON_CreateNull();
    case VAL_BOOL: return cJSON_CreateBool(v->u.b);
    case VAL_NUM: return cJSON_CreateNumber(v->u.num);
    case VAL_STR: case VAL_SYM: return cJSON_CreateString(v->u.str);
    case VAL_CIDR: {
        const char *s = value_show(&m->pg->arena, v);
        return cJSON_CreateString(s);
    }
    case VAL_REF: {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "ref", v->ref ? v->ref->path : "");
        return o;
    }
    case VAL_RANGE: {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "min", value_json(m, v->items[0]));
        cJSON_AddItemToObject(o, "max", value_json(m, v->items[1]));
        return o;
    }
    case VAL_LIST: case VAL_CALL: {
        cJSON *arr = cJSON_CreateArray();
        for (uint32_t i = 0; i < v->n; i++)
            cJSON_AddItemToArray(arr, value_json(m, v->items[i]));
        if (v->kind == VAL_LIST)
            return arr;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "call", v->u.str);
        cJSON_AddItemToObject(o, "args", arr);
        return o;
    }
    case VAL_MAP: {
        cJSON *o = cJSON_CreateObject();
        for (uint32_t i = 0; i < v->n; i++)
            cJSON_AddItemToObject(o, v->keys[i], value_json(m, v->items[i]));
        return o;
    }
    }
    return cJSON_CreateNull();
}

static int by_path(const void *a, const void *b)
{
    return strcmp((*(Object *const *)a)->path, (*(Object *const *)b)->path);
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

static void add_children(Model *m, cJSON *into, Object **objs, int n, const Environment *env);

static cJSON *object_json(Model *m, const Object *o, const Environment *env)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "kind", o->kind);
    if (o->name)
        cJSON_AddStringToObject(j, "name", o->name);
    cJSON *fields = cJSON_AddObjectToObject(j, "fields");
    for (int i = 0; i < o->schema->nfields; i++) {
        const FieldDecl *fd = &o->schema->fields[i];
        const Value *v = model_get_env(m, o, fd->name, env);
        cJSON_AddItemToObject(fields, fd->name, value_json(m, v));
    }
    const Field *state = model_state_fields(m, o);
    if (state && m->state) {
        cJSON *st = cJSON_AddObjectToObject(j, "state");
        for (int i = 0; i < m->state->schema->nfields; i++)
            cJSON_AddItemToObject(st, m->state->schema->fields[i].name,
                                  value_json(m, state[i].val));
    }
    if (o->nchildren) {
        Object **kids = xmalloc((size_t)o->nchildren * sizeof *kids);
        memcpy(kids, o->children, (size_t)o->nchildren * sizeof *kids);
        add_children(m, cJSON_AddObjectToObject(j, "children"), kids, o->nchildren, env);
        free(kids);
    }
    return j;
}

/* Adds objs (sorted here by path) to into, keyed by path. */
static void add_children(Model *m, cJSON *into, Object **objs, int n, const Environment *env)
{
    qsort(objs, (size_t)n, sizeof *objs, by_path);
    for (int i = 0; i < n; i++)
        if (in_env(m, env, objs[i]))
            cJSON_AddItemToObject(into, objs[i]->path, object_json(m, objs[i], env));
}

static void add_units(cJSON *root)
{
    cJSON *u = cJSON_AddObjectToObject(root, "units");
    cJSON_AddStringToObject(u, "cpu", "cpu units (1 vcpu = 1024)");
    cJSON_AddStringToObject(u, "memory", "MiB");
    cJSON_AddStringToObject(u, "acu", "ACU");
    cJSON_AddStringToObject(u, "duration", "seconds");
    cJSON_AddStringToObject(u, "percent", "percent");
}

int export_run(Model *m, const char *env_name, FILE *out, FILE *err)
{
    const Environment *env = NULL;
    if (!(m = model_for_env(m, env_name, &env))) {
        fprintf(err, "sfdc: no environment `%s`\n", env_name);
        return 1;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "sfdc-export/1");
    if (env)
        cJSON_AddStringToObject(root, "environment", env->name);
    else
        cJSON_AddNullToObject(root, "environment");
    add_units(root);
    int n = 0;
    Object **top = xmalloc((size_t)(m->nobjects + 1) * sizeof *top);
    for (int i = 0; i < m->nobjects; i++)
        if (!m->objects[i]->parent)
            top[n++] = m->objects[i];
    add_children(m, cJSON_AddObjectToObject(root, "objects"), top, n, env);
    free(top);
    char *s = cJSON_Print(root);
    int rc = 0;
    if (s) {
        fputs(s, out);
        fputc('\n', out);
    } else {
        rc = 70;
    }
    free(s);
    cJSON_Delete(root);
    return rc;
}
