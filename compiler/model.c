/* model.c — indexes and accessors of the evaluated platform (see model.h). */
#include "model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "banned.h"

/* Callers name fields and kinds with string literals, asked for again
 * and again (the names sfdc derives read a few fields of every object in
 * every environment). Interning one per lookup (strlen, hash, probe) was
 * most of a lookup's cost, so a direct-mapped cache maps a name's address
 * to its interned copy; a hit is confirmed by comparing the text, so a
 * buffer reused for another name only misses. */
enum { MODEL_KEYS = 256 };
struct ModelKeys {
    struct {
        const char *name;       /* the caller's string */
        const char *key;        /* its interned copy */
    } slot[MODEL_KEYS];
};

/* The by-path index, behind a pointer so that a const Model can bring it
 * up to date, and an environment that borrows the base's objects shares
 * the one index (built no earlier than someone asks). */
struct ModelPaths {
    Table by_path;              /* interned path -> Object */
    int n;                      /* objects[0, n) are in by_path */
};

void model_init(Model *m, Program *pg, Schemas *s)
{
    memset(m, 0, sizeof *m);
    m->keys = xcalloc(1, sizeof *m->keys);
    m->pg = pg;
    m->schemas = s;
    m->paths = xcalloc(1, sizeof *m->paths);
    table_init(&m->paths->by_path);
    table_init(&m->by_kind);
    table_init(&m->accounts);
}

void model_release(Model *m)
{
    for (size_t i = 0; i < m->by_kind.cap; i++) {
        if (!table_key(&m->by_kind, i))
            continue;
        ObjList *l = table_val(&m->by_kind, i);
        if (!l->borrowed)
            free(l->items);
        free(l);
    }
    for (int i = 0; i < m->nenvs; i++) {
        table_release(&m->envs[i]->by_field);
        if (m->envs[i]->eval) {
            model_release(m->envs[i]->eval);
            free(m->envs[i]->eval);
        }
    }
    free(m->envs);
    if (!m->borrowed) {
        free(m->objects);
        free(m->own_fields);
        table_release(&m->paths->by_path);
        free(m->paths);
        table_release(&m->accounts);
    }
    table_release(&m->by_kind);
    free(m->fields);
    free(m->states);
    free(m->keys);
    memset(m, 0, sizeof *m);
}

/* Names given by callers are plain strings; every table key is interned. */
static const char *key(const Model *m, const char *s)
{
    if (!s)
        return NULL;
    if (!m->keys)
        return intern_cstr(&m->pg->in, s);
    size_t h = ((uintptr_t)s >> 3) & (MODEL_KEYS - 1);
    if (m->keys->slot[h].name == s && strcmp(m->keys->slot[h].key, s) == 0)
        return m->keys->slot[h].key;
    const char *k = intern_cstr(&m->pg->in, s);
    m->keys->slot[h].name = s;
    m->keys->slot[h].key = k;
    return k;
}

static void list_push(ObjList *l, Object *o)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
    }
    l->items[l->n++] = o;
}

Object *model_add(Model *m, const SchemaDecl *sc, const char *name, const char *path,
                  Object *parent, const Node *node, Source *src)
{
    Arena *a = &m->pg->arena;
    /* the block first, zeroed (no values, no origins yet): its values end
       where the object starts, so a pass that reads the object's first
       bytes and its values reads one line fewer (model_fields) */
    Field *block = arena_alloc(a, model_block_size(sc->nfields));
    Object *o = arena_alloc(a, sizeof *o);
    o->fields = block + sc->nfields;
    o->kind = sc->name;
    o->name = name;
    o->path = path;
    o->parent = parent;
    o->schema = sc;
    o->node = node;
    o->src = src;
    o->account = parent ? parent->account : NULL;
    if (!parent && strcmp(sc->name, "account") == 0)
        o->account = o;
    if (parent) {
        if (parent->nchildren == parent->cap_children) {
            int cap = parent->cap_children ? parent->cap_children * 2 : 8;
            Object **ch = arena_alloc(a, (size_t)cap * sizeof *ch);
            if (parent->nchildren)
                memcpy(ch, parent->children, (size_t)parent->nchildren * sizeof *ch);
            parent->children = ch;
            parent->cap_children = cap;
        }
        parent->children[parent->nchildren++] = o;
    }
    if (m->nobjects == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->objects = xrealloc(m->objects, (size_t)m->cap * sizeof *m->objects);
        m->own_fields = xrealloc(m->own_fields, (size_t)m->cap * sizeof *m->own_fields);
    }
    o->index = (uint32_t)m->nobjects;
    m->own_fields[m->nobjects] = o->fields;
    m->objects[m->nobjects++] = o;
    ObjList *l = table_get(&m->by_kind, sc->name);
    if (!l) {
        l = xcalloc(1, sizeof *l);
        table_put(&m->by_kind, sc->name, l);
    }
    list_push(l, o);
    if (o->account == o)
        table_put(&m->accounts, name, o);
    return o;
}

Environment *model_add_env(Model *m, Object *obj)
{
    Environment *e = arena_alloc(&m->pg->arena, sizeof *e);
    e->obj = obj;
    e->name = obj->name;
    table_init(&e->by_field);
    if (m->nenvs == m->cap_envs) {
        m->cap_envs = m->cap_envs ? m->cap_envs * 2 : 4;
        m->envs = xrealloc(m->envs, (size_t)m->cap_envs * sizeof *m->envs);
    }
    m->envs[m->nenvs++] = e;
    return e;
}

void model_share(Model *em, const Model *base, const uint32_t *changing, int nchanging)
{
    Arena *a = &base->pg->arena;
    em->borrowed = true;
    em->objects = base->objects;
    em->nobjects = em->cap = base->nobjects;
    table_release(&em->paths->by_path);
    free(em->paths);
    em->paths = base->paths;
    em->accounts = base->accounts;
    em->platform = base->platform;
    em->state = base->state;
    for (size_t k = 0; k < base->by_kind.cap; k++) {
        if (!table_key(&base->by_kind, k))
            continue;
        /* the base's items until model_keep_deployed drops an object: an
           environment that deploys every account copies none (0.8 MB an
           environment at 10,000 LAs) */
        const ObjList *l = table_val(&base->by_kind, k);
        ObjList *c = xcalloc(1, sizeof *c);
        *c = (ObjList){l->items, l->n, l->n, true};
        table_put(&em->by_kind, table_key(&base->by_kind, k), c);
    }
    for (int i = 0; i < base->nenvs; i++)
        model_add_env(em, base->envs[i]->obj);
    size_t n = (size_t)base->nobjects + 1;
    em->fields = xmalloc(n * sizeof *em->fields);
    xprefault(em->fields, n * sizeof *em->fields);
    em->states = xcalloc(n, sizeof *em->states);
    /* an object none of whose values an environment changes keeps the
       base's fields (nothing writes them after the base's evaluation) */
    memcpy(em->fields, base->own_fields, (size_t)base->nobjects * sizeof *em->fields);
    for (int i = 0; i < nchanging; i++) {
        const Object *o = base->objects[changing[i]];
        /* the origins too: install_overrides replaces them here */
        int nf = o->schema->nfields;
        size_t size = model_block_size(nf);
        Field *block = arena_alloc(a, size);
        memcpy(block, model_fields(base, o) - nf, size);
        em->fields[o->index] = block + nf;
    }
}

void model_keep_deployed(Model *m, const Environment *env)
{
    const Value *v = model_get(m, env->obj, "accounts");
    if (!v || v->kind != VAL_LIST)
        return;     /* `all` (or poison: keep the widest) */
    Table sel;
    table_init(&sel);
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF)
            table_put(&sel, v->items[i]->ref, v->items[i]->ref);
    for (size_t k = 0; k < m->by_kind.cap; k++) {
        if (!table_key(&m->by_kind, k))
            continue;
        ObjList *l = table_val(&m->by_kind, k);
        int n = 0;
        while (n < l->n && (!l->items[n]->account || table_get(&sel, l->items[n]->account)))
            n++;
        if (n == l->n)
            continue;   /* every one deployed: the list stays as it is (maybe borrowed) */
        if (l->borrowed) {
            Object **own = xmalloc((size_t)l->n * sizeof *own);
            memcpy(own, l->items, (size_t)l->n * sizeof *own);
            l->items = own;
            l->borrowed = false;
        }
        for (int i = n + 1; i < l->n; i++)
            if (!l->items[i]->account || table_get(&sel, l->items[i]->account))
                l->items[n++] = l->items[i];
        l->n = n;
    }
    table_release(&sel);
}

void model_mark_deployments(Model *base)
{
    Table first, count;     /* account path -> first environment's name; -> deployments */
    table_init(&first);
    table_init(&count);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < base->nenvs; i++) {
            Model *em = base->envs[i]->eval;
            const ObjList *accs = em ? model_kind(em, "account") : NULL;
            for (int k = 0; accs && k < accs->n; k++) {
                Object *a = accs->items[k];
                uintptr_t n = (uintptr_t)table_get(&count, a->path);
                if (pass == 0) {
                    table_put(&count, a->path, (void *)(n + 1));
                    if (!table_get(&first, a->path))
                        table_put(&first, a->path, (void *)base->envs[i]->name);
                } else {
                    a->multi_env = n > 1;
                    a->first_env = table_get(&first, a->path);
                }
            }
        }
    table_release(&first);
    table_release(&count);
}

bool model_shared(const Model *m, const Object *o)
{
    return m->env && model_bool(m, o, "shared", false);
}

bool model_creates(const Model *m, const Object *o)
{
    if (!model_shared(m, o) || !o->account || !o->account->first_env)
        return true;
    return o->account->first_env == m->env;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int model_shared_pullers(const Model *m, const Object *repo, const char ***out)
{
    const Model *base = m->base ? m->base : m;
    int n = 0, cap = 16;
    const char **ids = xmalloc((size_t)cap * sizeof *ids);
    for (int i = 0; i < base->nenvs; i++) {
        const Model *em = base->envs[i]->eval ? base->envs[i]->eval : m;
        const Object *r = model_find(em, repo->path);
        const ObjList *svcs = model_kind(em, "service");
        for (int k = 0; r && k < svcs->n; k++) {
            const Object *s = svcs->items[k];
            const char *id = model_str(em, s->account, "id", NULL);
            if (model_ref(em, s, "image") != r || s->account == r->account || !id)
                continue;
            if (n == cap)
                ids = xrealloc(ids, (size_t)(cap *= 2) * sizeof *ids);
            ids[n++] = intern_cstr(&m->pg->in, id);
        }
    }
    qsort(ids, (size_t)n, sizeof *ids, cmp_str);
    int u = 0;
    for (int i = 0; i < n; i++)
        if (u == 0 || ids[u - 1] != ids[i])
            ids[u++] = ids[i];
    *out = ids;
    return u;
}

/* Whether environment evaluation em deploys o's account or pulls from o. */
static bool env_uses(const Model *em, const Object *o)
{
    const Object *r = model_find(em, o->path);
    const ObjList *accs = model_kind(em, "account");
    for (int k = 0; r && r->account && k < accs->n; k++)
        if (strcmp(accs->items[k]->path, r->account->path) == 0)
            return true;
    const ObjList *svcs = model_kind(em, "service");
    for (int k = 0; r && k < svcs->n; k++)
        if (model_ref(em, svcs->items[k], "image") == r)
            return true;
    return false;
}

int model_shared_users(const Model *m, const Object *o, const char ***out)
{
    const Model *base = m->base ? m->base : m;
    int n = 0;
    const char **names = xmalloc((size_t)(base->nenvs + 1) * sizeof *names);
    for (int i = 0; i < base->nenvs; i++) {
        const Environment *e = base->envs[i];
        if (e->name != m->env && e->eval && env_uses(e->eval, o))
            names[n++] = e->name;
    }
    *out = names;
    return n;
}

void model_add_override(Model *m, Environment *env, const Override *ov)
{
    if (env->nov == env->cap) {
        int cap = env->cap ? env->cap * 2 : 8;
        Override *n = arena_alloc(&m->pg->arena, (size_t)cap * sizeof *n);
        if (env->nov)
            memcpy(n, env->ov, (size_t)env->nov * sizeof *n);
        /* by_field points into the old array: re-point it */
        for (int i = 0; i < env->nov; i++)
            table_put(&env->by_field, &model_fields(m, n[i].obj)[n[i].field->index], &n[i]);
        env->ov = n;
        env->cap = cap;
    }
    env->ov[env->nov] = *ov;
    table_put(&env->by_field, &model_fields(m, ov->obj)[ov->field->index], &env->ov[env->nov]);
    env->nov++;
}

const ObjList *model_kind(const Model *m, const char *kind)
{
    static const ObjList empty;
    const ObjList *l = table_get(&m->by_kind, key(m, kind));
    return l ? l : &empty;
}

Object *model_find(const Model *m, const char *path) { return model_at(m, key(m, path)); }

Object *model_at(const Model *m, const char *path)
{
    struct ModelPaths *p = m->paths;
    for (; p->n < m->nobjects; p->n++)
        table_put(&p->by_path, m->objects[p->n]->path, m->objects[p->n]);
    return table_get(&p->by_path, path);
}

Object *model_account(const Model *m, const char *name)
{
    return table_get(&m->accounts, key(m, name));
}

Object *model_child(const Model *m, const Object *obj, const char *kind, const char *name)
{
    const char *k = key(m, kind), *nm = key(m, name);
    for (int i = 0; i < obj->nchildren; i++)
        if (obj->children[i]->kind == k && obj->children[i]->name == nm)
            return obj->children[i];
    return NULL;
}

Environment *model_env(const Model *m, const char *name)
{
    const char *k = key(m, name);
    for (int i = 0; i < m->nenvs; i++)
        if (m->envs[i]->name == k)
            return m->envs[i];
    return NULL;
}

Model *model_for_env(const Model *m, const char *name, const Environment **env)
{
    *env = NULL;
    if (!name)
        return (Model *)m;
    const Environment *e = model_env(m, name);
    if (!e)
        return NULL;
    if (!e->eval) {
        *env = e;
        return (Model *)m;
    }
    *env = model_env(e->eval, name);
    return e->eval;
}

const Field *model_field(const Model *m, const Object *obj, const char *name)
{
    const FieldDecl *fd = schema_field(obj->schema, key(m, name));
    return fd ? &model_fields(m, obj)[fd->index] : NULL;
}

const Override *model_override(const Model *m, const Environment *env, const Object *obj,
                               const char *name)
{
    const Field *f = model_field(m, obj, name);
    if (!f || !env)
        return NULL;
    return table_get(&env->by_field, f);
}

Origin model_origin(const Model *m, const Object *obj, const char *name)
{
    const FieldDecl *fd = schema_field(obj->schema, key(m, name));
    if (!fd)
        return ORIGIN_UNSET;
    const Assign *as = model_assigns(m, obj)[fd->index];
    if (as && model_assign_is_override(as))
        return ORIGIN_OVERRIDE;
    if (as) {
        Site arg;
        return eval_param_site(as->scope, as->attr->b, &arg) ? ORIGIN_ARGUMENT : ORIGIN_SOURCE;
    }
    return fd->def ? ORIGIN_DEFAULT : ORIGIN_UNSET;
}

/* How obj.name was set in m, or NULL (no such field, a default, unset). */
static const Assign *assign_of(const Model *m, const Object *obj, const char *name)
{
    const FieldDecl *fd = schema_field(obj->schema, key(m, name));
    return fd ? model_assigns(m, obj)[fd->index] : NULL;
}

const Node *model_attr(const Model *m, const Object *obj, const char *name)
{
    const Assign *as = assign_of(m, obj, name);
    return as ? as->attr : NULL;
}

Value *model_get(const Model *m, const Object *obj, const char *name)
{
    const Field *f = model_field(m, obj, name);
    return f ? f->val : NULL;
}

Value *model_get_env(const Model *m, const Object *obj, const char *name, const Environment *env)
{
    const Field *f = model_field(m, obj, name);
    const Override *ov = f && env ? table_get(&env->by_field, f) : NULL;
    return ov ? ov->val : f ? f->val : NULL;
}

double model_num(const Model *m, const Object *obj, const char *name, double fallback)
{
    const Value *v = model_get(m, obj, name);
    return v && v->kind == VAL_NUM ? v->u.num : fallback;
}

bool model_bool(const Model *m, const Object *obj, const char *name, bool fallback)
{
    const Value *v = model_get(m, obj, name);
    return v && v->kind == VAL_BOOL ? v->u.b : fallback;
}

const char *model_str(const Model *m, const Object *obj, const char *name, const char *fallback)
{
    const Value *v = model_get(m, obj, name);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : fallback;
}

Object *model_ref(const Model *m, const Object *obj, const char *name)
{
    const Value *v = model_get(m, obj, name);
    return v && v->kind == VAL_REF ? v->ref : NULL;
}

bool model_range(const Model *m, const Object *obj, const char *name, double *lo, double *hi)
{
    const Value *v = model_get(m, obj, name);
    if (!v || v->kind != VAL_RANGE || v->items[0]->kind != VAL_NUM || v->items[1]->kind != VAL_NUM)
        return false;
    *lo = v->items[0]->u.num;
    *hi = v->items[1]->u.num;
    return true;
}

Value *model_state(const Model *m, const Object *account, const char *name)
{
    const Field *st = account ? model_state_fields(m, account) : NULL;
    if (!m->state || !st)
        return NULL;
    const FieldDecl *fd = schema_field(m->state->schema, key(m, name));
    return fd ? st[fd->index].val : NULL;
}

Site model_obj_site(const Object *obj)
{
    Span sp = obj->node->name_span;
    if (obj->node->a)
        sp.end = obj->node->a->span.end;
    return (Site){obj->src, sp};
}

Site model_value_site(const Value *v, Site fallback)
{
    if (v && v->node && v->src)
        return (Site){v->src, v->node->span};
    return fallback;
}

Site model_site(const Model *m, const Object *obj, const char *name)
{
    const Assign *as = assign_of(m, obj, name);
    if (as && as->attr->b)
        return (Site){eval_scope_src(as->scope), as->attr->b->span};
    return model_obj_site(obj);
}

static int push_step(Provenance *out, int n, int max, Origin o, const char *what, Site s)
{
    if (n < max && s.src)
        out[n++] = (Provenance){o, what, s};
    return n;
}

int model_provenance(const Model *m, const Object *obj, const char *name,
                     const Environment *env, Provenance *out, int max)
{
    Arena *a = &m->pg->arena;
    const Field *f = model_field(m, obj, name);
    if (!f)
        return 0;
    int n = 0;
    const Override *ov = model_override(m, env, obj, name);
    if (ov) {
        n = push_step(out, n, max, ORIGIN_OVERRIDE,
                      arena_printf(a, "overridden in environment `%s`", env->name),
                      (Site){ov->src, ov->attr->span});
        return push_step(out, n, max, ORIGIN_SOURCE, "value written here",
                         model_value_site(ov->val, (Site){0}));
    }
    const FieldDecl *fd = schema_field(obj->schema, key(m, name));
    const Assign *as = model_assigns(m, obj)[fd->index];
    if (!as) {
        if (!fd->def)
            return push_step(out, n, max, ORIGIN_UNSET, "optional field, never set",
                             (Site){fd->file->src, fd->node->span});
        return push_step(out, n, max, ORIGIN_DEFAULT,
                         arena_printf(a, "default of `%s.%s`", obj->kind, name),
                         (Site){fd->file->src, fd->node->span});
    }
    const Node *attr = as->attr;
    Source *asrc = eval_scope_src(as->scope);
    n = push_step(out, n, max, ORIGIN_SOURCE, "set here", (Site){asrc, attr->span});
    Site arg = {0};
    if (eval_param_site(as->scope, attr->b, &arg))
        n = push_step(out, n, max, ORIGIN_ARGUMENT, "template argument", arg);
    Site lit = model_value_site(f->val, (Site){0});
    bool seen = lit.src == asrc && lit.span.start >= attr->span.start &&
                lit.span.end <= attr->span.end;
    if (!seen && !(lit.src == arg.src && lit.span.start == arg.span.start))
        n = push_step(out, n, max, ORIGIN_SOURCE, "value written here", lit);
    return n;
}

bool model_started_on_demand(const Model *m, const Object *svc, const Environment *env)
{
    const Value *v = model_get_env(m, svc, "starts_on", env);
    if (!v || v->kind != VAL_LIST || v->n == 0)
        return false;
    return !env || strcmp(model_str(m, env->obj, "triggers", "on"), "off") != 0;
}
