/* rulectx.c — helpers shared by the rule passes (see rulectx.h). */
#include "rulectx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "banned.h"

/* Field names are string literals of the rule passes. Interning one per
 * lookup (strlen, hash, probe) was a third of the passes' time on a
 * 10,000-LA platform, so a small cache maps a literal's address to its
 * interned copy. rctx_begin() empties it for each program; without it
 * (another interner) lookups fall back to interning. */
enum { KEYS = 256, KEY_PROBES = 8 };
static struct {
    const char *lit;    /* the caller's literal */
    const char *key;    /* its interned copy */
} keys[KEYS];
static const Interner *keys_in;

/* And the field a literal names in a schema, as its index in the
 * object's fields: the passes read a few hundred fields per account in
 * every environment, and the schema's hash probe was most of a read. */
enum { FIELDS = 1024 };
static struct {
    const char *lit;            /* the caller's literal */
    const SchemaDecl *schema;
    int index;                  /* the FieldDecl's index, -1: the schema has no such field */
} fields[FIELDS];

/* The model rctx_begin() was last given, and whether it has no cluster
 * block: then a service's cluster is its account's implicit one, without a
 * scan of the account's blocks for every service. */
static const Model *begun;
static bool no_clusters;

void rctx_begin(const Model *m)
{
    memset(keys, 0, sizeof keys);
    memset(fields, 0, sizeof fields);
    keys_in = &m->pg->in;
    begun = m;
    no_clusters = model_kind(m, "cluster")->n == 0;
}

static const char *key_of(const Model *m, const char *name)
{
    if (keys_in != &m->pg->in)
        return intern_cstr(&m->pg->in, name);
    size_t h = ((uintptr_t)name >> 3) & (KEYS - 1);
    for (int i = 0; i < KEY_PROBES; i++, h = (h + 1) & (KEYS - 1)) {
        if (keys[h].lit == name)
            return keys[h].key;
        if (!keys[h].lit) {
            keys[h].lit = name;
            return keys[h].key = intern_cstr(&m->pg->in, name);
        }
    }
    return intern_cstr(&m->pg->in, name);
}

/* The cache's slot for (name, schema). */
static inline size_t field_slot(const char *name, const SchemaDecl *schema)
{
    return (((uintptr_t)name >> 3) ^ ((uintptr_t)schema >> 4)) & (FIELDS - 1);
}

/* The index of the field name names in schema (-1: none), through the
 * cache (a miss, or another interner: the schema's hash). Kept out of
 * field_of, whose hit path is then a few instructions with no registers
 * to save: the passes read ~180 fields an account in every environment. */
static int __attribute__((noinline))
field_index_miss(const Model *m, const SchemaDecl *schema, const char *name, size_t h)
{
    const FieldDecl *fd = schema_field(schema, key_of(m, name));
    int index = fd ? fd->index : -1;
    if (keys_in == &m->pg->in) {
        fields[h].lit = name;
        fields[h].schema = schema;
        fields[h].index = index;
    }
    return index;
}

/* The value slot of the field called name of o, or NULL. */
static inline const Field *field_of(const Model *m, const Object *o, const char *name)
{
    size_t h = field_slot(name, o->schema);
    int i = fields[h].lit == name && fields[h].schema == o->schema && keys_in == &m->pg->in
                ? fields[h].index
                : field_index_miss(m, o->schema, name, h);
    return i >= 0 ? &model_fields(m, o)[i] : NULL;
}

/* How o's field whose value slot is f (NULL: none) was set in m, or NULL:
 * the slot at the same index in the block's other half. */
static const Assign *assign_of(const Model *m, const Object *o, const Field *f)
{
    return f ? model_assigns(m, o)[f - model_fields(m, o)] : NULL;
}

static const Override *override_of(const Environment *env, const Field *f)
{
    return env && f ? table_get(&env->by_field, f) : NULL;
}

/* rctx_val's other cases: a miss of the cache, or an environment (its
 * overrides' table). */
static Value *__attribute__((noinline))
val_slow(const Model *m, const Object *o, const char *name, const Environment *env)
{
    const Field *f = field_of(m, o, name);
    const Override *ov = override_of(env, f);
    return ov ? ov->val : f ? f->val : NULL;
}

/* Most reads are of the base values, of a field the cache knows: a leaf
 * that indexes the object's fields, no registers saved (~340k reads a
 * pass at 1,000 LAs). */
Value *rctx_val(const Model *m, const Object *o, const char *name, const Environment *env)
{
    size_t h = field_slot(name, o->schema);
    if (env || fields[h].lit != name || fields[h].schema != o->schema || keys_in != &m->pg->in)
        return val_slow(m, o, name, env);
    int i = fields[h].index;
    return i >= 0 ? model_fields(m, o)[i].val : NULL;
}

double rctx_num(const Model *m, const Object *o, const char *name, const Environment *env,
                double fallback)
{
    const Value *v = rctx_val(m, o, name, env);
    return v && v->kind == VAL_NUM ? v->u.num : fallback;
}

bool rctx_bool(const Model *m, const Object *o, const char *name, const Environment *env,
               bool fallback)
{
    const Value *v = rctx_val(m, o, name, env);
    return v && v->kind == VAL_BOOL ? v->u.b : fallback;
}

const char *rctx_str(const Model *m, const Object *o, const char *name, const Environment *env,
                     const char *fallback)
{
    const Value *v = rctx_val(m, o, name, env);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : fallback;
}

Object *rctx_ref(const Model *m, const Object *o, const char *name, const Environment *env)
{
    const Value *v = rctx_val(m, o, name, env);
    return v && v->kind == VAL_REF ? v->ref : NULL;
}

bool rctx_range(const Model *m, const Object *o, const char *name, const Environment *env,
                double *lo, double *hi)
{
    const Value *v = rctx_val(m, o, name, env);
    if (!v || v->kind != VAL_RANGE || v->n < 2 || v->items[0]->kind != VAL_NUM ||
        v->items[1]->kind != VAL_NUM)
        return false;
    *lo = v->items[0]->u.num;
    *hi = v->items[1]->u.num;
    return true;
}

bool rctx_overridden(const Model *m, const Object *o, const char *name, const Environment *env)
{
    return override_of(env, field_of(m, o, name)) != NULL;
}

bool rctx_written(const Model *m, const Object *o, const char *name, const Environment *env)
{
    const Field *f = field_of(m, o, name);
    return override_of(env, f) || assign_of(m, o, f);
}

Site rctx_site(const Model *m, const Object *o, const char *name, const Environment *env)
{
    const Field *f = field_of(m, o, name);
    const Override *ov = override_of(env, f);
    if (ov) {
        Site at = {ov->src, ov->attr->b ? ov->attr->b->span : ov->attr->span};
        return model_value_site(ov->val, at);
    }
    const Assign *as = assign_of(m, o, f);
    if (as && as->attr->b) {
        Site at = {eval_scope_src(as->scope), as->attr->b->span};
        return model_value_site(f->val, at);
    }
    return model_obj_site(o);
}

Site rctx_elem_site(const Value *elem, Site fallback)
{
    /* an element of a default lives in the standard library: keep fallback */
    if (elem && elem->node && elem->src && elem->src == fallback.src)
        return model_value_site(elem, fallback);
    return fallback;
}

Site rctx_str_part(const Value *v, Site whole, size_t off, size_t len)
{
    if (!v || v->kind != VAL_STR || !v->node || v->node->kind != NODE_STR || !v->src ||
        v->src != whole.src || v->node->span.start != whole.span.start)
        return whole;
    const Node *n = v->node;
    size_t tl = strlen(v->u.str);
    const char *text = v->src->text + n->span.start;
    if (n->span.end - n->span.start != tl + 2 || text[0] != '"' || memcmp(text + 1, v->u.str, tl) != 0)
        return whole;
    if (off > tl)
        off = tl;
    if (len == 0 || off + len > tl)
        len = tl - off;
    if (len == 0)
        return whole;
    Site s = whole;
    s.span.start = n->span.start + 1 + (uint32_t)off;
    s.span.end = s.span.start + (uint32_t)len;
    return s;
}

void rctx_report(DiagEngine *d, DiagLevel lv, const char *code, const Value *v, Site site,
                 const RuleMsg *rm, const char *label)
{
    if (v && rm->len > 0)
        site = rctx_str_part(v, site, rm->off, rm->len);
    Diag *g = diag_new(d, lv, code, site.src, site.span, "%s", rm->msg);
    if (label)
        diag_label(d, g, "%s", label);
    if (rm->help[0])
        diag_help(d, g, "%s", rm->help);
    diag_emit(d, g);
}

bool rctx_env_has(const Model *m, const Environment *env, const Object *a)
{
    const Value *v = rctx_val(m, env->obj, "accounts", NULL);
    if (!v || v->kind == VAL_SYM || v->kind == VAL_ERROR || v->kind == VAL_NULL)
        return true;    /* `all` (or poison: assume the widest) */
    if (v->kind != VAL_LIST)
        return true;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF && v->items[i]->ref == a)
            return true;
    return false;
}

Object *rctx_cluster_of(const Model *m, const Object *svc)
{
    Object *c = rctx_ref(m, svc, "cluster", NULL);
    if (c || (m == begun && no_clusters))
        return c;
    const Object *a = svc->account;
    for (int i = 0; a && i < a->nchildren; i++)
        if (strcmp(a->children[i]->kind, "cluster") == 0)
            return a->children[i];
    return NULL;
}

void rctx_strset_init(RctxStrSet *set, size_t n)
{
    set->cap = 16;
    while (set->cap < 2 * n)
        set->cap *= 2;
    set->slots = xcalloc(set->cap, sizeof *set->slots);
}

void rctx_strset_release(RctxStrSet *set)
{
    free(set->slots);
    set->slots = NULL;
}

uint32_t rctx_strset_hash(const char *s)
{
    return (uint32_t)intern_hash_words(s, strlen(s));
}

void *rctx_strset_put(RctxStrSet *set, const char *s, void *val)
{
    return set->slots ? rctx_strset_put_hashed(set, s, rctx_strset_hash(s), val) : NULL;
}

void *rctx_strset_put_hashed(RctxStrSet *set, const char *s, uint32_t h, void *val)
{
    if (!set->slots)
        return NULL;
    size_t i = h & (set->cap - 1);
    for (size_t probes = 0; set->slots[i].s; i = (i + 1) & (set->cap - 1)) {
        if (set->slots[i].hash == h && strcmp(set->slots[i].s, s) == 0)
            return set->slots[i].val;
        if (++probes == set->cap)
            return NULL;    /* full: more strings than the set was made for */
    }
    set->slots[i] = (struct RctxStrSlot){s, h, val};
    return NULL;
}

Object *rctx_network(const Model *m, const Object *account)
{
    return account ? model_child(m, account, "network", NULL) : NULL;
}

/* Three stages, each a few items behind the one before: the object of
 * item i + 4 * AHEAD (its header's three lines), the field-table slot of
 * i + 2 * AHEAD (its index is in the cache by then), and the fields of
 * i + AHEAD (its value slots, up to FIELD_LINES lines: the passes read a
 * dozen fields spread over them; 24 fields at most, 3 or 4 lines). */
enum { AHEAD = 4, FIELD_LINES = 6 };      /* the switch below counts to 6 */

/* noipa: GCC finds a function of prefetches alone free of effects and
 * drops the calls it can see (here, rctx_each's and rctx_prefetch's);
 * clang has no noipa, and keeps them. */
#if defined(__has_attribute)
#if __has_attribute(noipa)
#define KEEP_CALLS __attribute__((noipa))
#endif
#endif
#ifndef KEEP_CALLS
#define KEEP_CALLS __attribute__((noinline))
#endif

KEEP_CALLS void rctx_prefetch_objects(const ObjList *l, int i)
{
    if (i + 4 * AHEAD < l->n) {
        const char *o = (const char *)l->items[i + 4 * AHEAD];
        __builtin_prefetch(o);
        __builtin_prefetch(o + 64);
        __builtin_prefetch(o + 128);
    }
}

/* Up to FIELD_LINES lines of o's values in m: the lines its value slots
 * span, not the origins before them, which the passes do not read.
 * Inlined into its callers: a function of prefetches alone that GCC can
 * see is dropped (KEEP_CALLS). */
static inline __attribute__((always_inline)) void prefetch_fields(const Model *m, const Object *o)
{
    const char *f = (const char *)model_fields(m, o);
    size_t bytes = ((uintptr_t)f & 63) + (size_t)o->schema->nfields * sizeof(Field);
    int lines = (int)((bytes + 63) / 64);
    switch (lines < FIELD_LINES ? lines : FIELD_LINES) {   /* a jump, no loop */
    case 6: __builtin_prefetch(f + 64 * 5); /* fall through */
    case 5: __builtin_prefetch(f + 64 * 4); /* fall through */
    case 4: __builtin_prefetch(f + 64 * 3); /* fall through */
    case 3: __builtin_prefetch(f + 64 * 2); /* fall through */
    case 2: __builtin_prefetch(f + 64); /* fall through */
    case 1: __builtin_prefetch(f); /* fall through */
    default: break;
    }
}

KEEP_CALLS void rctx_prefetch(const Model *m, const ObjList *l, int i)
{
    rctx_prefetch_objects(l, i);
    if (m->fields && i + 2 * AHEAD < l->n)
        __builtin_prefetch(&m->fields[l->items[i + 2 * AHEAD]->index]);
    if (i + AHEAD < l->n)
        prefetch_fields(m, l->items[i + AHEAD]);
}

/* The account of item k of l when item k - 1 has another, else NULL:
 * the blocks of one account are neighbours in l, and the first of them
 * brings the account into the cache for the rest. */
static const Object *new_account(const ObjList *l, int k)
{
    const Object *o = l->items[k], *a = o->account;
    if (!a || a == o || (k > 0 && l->items[k - 1]->account == a))
        return NULL;
    return a;
}

KEEP_CALLS void rctx_prefetch_account(const Model *m, const ObjList *l, int i)
{
    rctx_prefetch(m, l, i);
    const Object *a;
    if (i + 3 * AHEAD < l->n && (a = new_account(l, i + 3 * AHEAD))) {
        /* its first 64 bytes (what the checks read of nearly every object,
           model.h), which the arena's 16-byte alignment may spread over two
           lines, and past them its state fields and block list (rctx_network) */
        __builtin_prefetch(a);
        __builtin_prefetch((const char *)a + 64);
    }
    if (m->fields && i + 2 * AHEAD < l->n && (a = new_account(l, i + 2 * AHEAD)))
        __builtin_prefetch(&m->fields[a->index]);
    if (i + AHEAD < l->n && (a = new_account(l, i + AHEAD)))
        prefetch_fields(m, a);
}

/* A walk of accounts' block headers does little an item: the stages sit
 * further apart than rctx_prefetch's for a link to arrive before the next
 * stage reads it. */
enum { CHILD_AHEAD = 10 };

KEEP_CALLS void rctx_prefetch_children(const ObjList *l, int i)
{
    if (i + 3 * CHILD_AHEAD < l->n) {   /* the block list's line, and the index's (rctx_once) */
        const char *o = (const char *)l->items[i + 3 * CHILD_AHEAD];
        __builtin_prefetch(o + offsetof(Object, children));
        __builtin_prefetch(o + offsetof(Object, index));
    }
    if (i + 2 * CHILD_AHEAD < l->n)
        __builtin_prefetch(l->items[i + 2 * CHILD_AHEAD]->children);
    if (i + CHILD_AHEAD < l->n) {
        const Object *o = l->items[i + CHILD_AHEAD];
        for (int k = 0; k < o->nchildren && k < 16; k++)
            __builtin_prefetch(o->children[k]);
    }
}

/* fn for each object of kind that env overrides, once. */
static void each_overridden(const Environment *env, const char *kind, RctxCheck fn, void *ctx)
{
    Table done;
    table_init(&done);
    for (int k = 0; k < env->nov; k++) {
        Object *o = env->ov[k].obj;
        if (!o || strcmp(o->kind, kind) != 0 || table_get(&done, o))
            continue;
        table_put(&done, o, o);
        fn(ctx, o, env);
    }
    table_release(&done);
}


/* ---- walks a block at a time --------------------------------------------- */

/* SFDC_BLOCK_OBJECTS: N, blocks of N objects (fewer than the default);
 * 0, the passes one after another (rctx_blocks_whole); -1 when unset. */
static long block_env(void)
{
    static long n = -2;
    if (n == -2) {
        const char *s = getenv("SFDC_BLOCK_OBJECTS");
        n = s && *s ? strtol(s, NULL, 10) : -1;
    }
    return n;
}

static uint32_t block_objects(void)
{
    long n = block_env();
    return n > 0 && n < RCTX_BLOCK_OBJECTS ? (uint32_t)n : RCTX_BLOCK_OBJECTS;
}

bool rctx_blocks_whole(void)
{
    return block_env() == 0;
}

void rctx_blocks_begin(RctxBlocks *b, const Model *m)
{
    *b = (RctxBlocks){.nobjects = (uint32_t)m->nobjects, .step = block_objects()};
}

bool rctx_blocks_next(RctxBlocks *b)
{
    if (b->last)
        return false;
    uint32_t from = b->begun ? b->bound : 0;
    b->begun = true;
    b->last = b->nobjects - from <= b->step;
    b->bound = b->last ? UINT32_MAX : from + b->step;
    return true;
}

void rctx_walks_begin(RctxWalks *w, DiagEngine *d, int nwalks)
{
    *w = (RctxWalks){d, d->phase + 1, nwalks};
    d->phase = w->phase0 + (unsigned)(nwalks > 0 ? nwalks - 1 : 0);
}

void rctx_walk(const RctxWalks *w, int k)
{
    w->d->phase = w->phase0 + (unsigned)k;
}

void rctx_cursor_init(RctxCursor *c, const Model *m, const char *kind)
{
    *c = (RctxCursor){model_kind(m, kind), 0};
}

void rctx_each_init(RctxEach *e, const Model *m, const char *kind)
{
    *e = (RctxEach){kind, {model_kind(m, kind), 0}, false};
}

/* The same steps as rctx_each's, the list's items split among the blocks. */
void rctx_each_block(const Model *m, RctxEach *e, const RctxBlocks *b, RctxCheck fn, void *ctx)
{
    const Environment *own = m->env ? model_env(m, m->env) : NULL;
    if (!e->begun && own)
        each_overridden(own, e->kind, fn, ctx);
    e->begun = true;
    for (RctxCursor *c = &e->c; rctx_more(c, b); c->i++) {
        rctx_prefetch_account(m, c->l, c->i);
        fn(ctx, c->l->items[c->i], NULL);
    }
    for (int k = 0; b->last && k < m->nenvs; k++)
        if (m->envs[k] != own)
            each_overridden(m->envs[k], e->kind, fn, ctx);
}

void rctx_each(const Model *m, const char *kind, RctxCheck fn, void *ctx)
{
    RctxBlocks all = {.bound = UINT32_MAX, .last = true};
    RctxEach e;
    rctx_each_init(&e, m, kind);
    rctx_each_block(m, &e, &all, fn, ctx);
}

int rctx_envs(const Model *m, Environment *const **envs)
{
    for (int i = 0; m->env && i < m->nenvs; i++)
        if (m->envs[i]->name == m->env || strcmp(m->envs[i]->name, m->env) == 0) {
            *envs = &m->envs[i];
            return 1;
        }
    *envs = m->envs;
    return m->nenvs;
}

/* ---- checks the environments share ------------------------------------------ */

/* The sharing of one rules_check (rulectx.h): on only between
 * rctx_share_begin and rctx_share_end. */
static struct {
    bool on;
    const Model *base;          /* whose environments' evaluations share its objects */
    DiagEngine *d;              /* the engine whose filter is wrapped */
    bool (*suppress)(void *ctx, const Diag *g);    /* the filter it had, called through */
    void *suppress_ctx;
    unsigned long filed;        /* diagnostics offered to the engine since begin */
    uint32_t nobjects;          /* the base's objects: the bits below */
    uint8_t *clean[RCTX_ONCE_MAX];  /* per check, a bit per object: run clean on fixed
                                       values (calloc'd when the first is set) */
} share;

/* The engine's filter while sharing: counts what is offered, so that a
 * check's run is known to have filed nothing, then filters as before. */
static bool share_count(void *ctx, const Diag *g)
{
    (void)ctx;
    share.filed++;
    return share.suppress ? share.suppress(share.suppress_ctx, g) : false;
}

void rctx_share_begin(const Model *base, DiagEngine *d)
{
    rctx_share_end(d);
    if (base->nenvs < 2)
        return;         /* one environment checks everything once anyway */
    share.on = true;
    share.base = base;
    share.d = d;
    share.suppress = d->suppress;
    share.suppress_ctx = d->suppress_ctx;
    share.nobjects = (uint32_t)base->nobjects;
    d->suppress = share_count;
    d->suppress_ctx = &share;
}

void rctx_share_end(DiagEngine *d)
{
    if (!share.on)
        return;
    if (d->suppress == share_count) {
        d->suppress = share.suppress;
        d->suppress_ctx = share.suppress_ctx;
    }
    for (int i = 0; i < RCTX_ONCE_MAX; i++)
        free(share.clean[i]);
    memset(&share, 0, sizeof share);
}

bool rctx_sharing(const Model *m)
{
    return share.on && m->env && m->borrowed && m->fields && m->base == share.base;
}

unsigned long rctx_filed(void) { return share.filed; }

bool rctx_fixed(const Model *m, const Object *o)
{
    return rctx_sharing(m) && (!o || (!o->tainted && o->schema->nfields <= 64));
}

bool rctx_fixed_field(const Model *m, const Object *o, const char *name)
{
    if (!rctx_sharing(m))
        return false;
    if (!o)
        return true;
    size_t h = field_slot(name, o->schema);
    int i = fields[h].lit == name && fields[h].schema == o->schema && keys_in == &m->pg->in
                ? fields[h].index
                : field_index_miss(m, o->schema, name, h);
    /* no such field: NULL everywhere; past the 64th: no taint bit to ask */
    return i < 0 || (i < 64 && !(o->tainted >> i & 1));
}

bool rctx_fixed_self(const void *m, const Object *o)
{
    return rctx_fixed(m, o);
}

bool rctx_fixed_shape(const void *ctx, const Object *o)
{
    (void)ctx;
    (void)o;
    return true;
}

bool rctx_once(RctxOnce *t, const Model *m, int id, const Object *o, const Environment *env,
               RctxFixed fixed, const void *ctx)
{
    t->id = -1;
    if (env || id < 0 || id >= RCTX_ONCE_MAX || !rctx_sharing(m) || o->index >= share.nobjects)
        return true;
    const uint8_t *bits = share.clean[id];
    if (bits && (bits[o->index >> 3] >> (o->index & 7) & 1))
        return false;
    *t = (RctxOnce){id, o, fixed, ctx, share.filed};
    return true;
}

void rctx_once_done(RctxOnce *t)
{
    if (t->id < 0 || !share.on || share.filed != t->filed || !t->fixed(t->ctx, t->o))
        return;
    if (!share.clean[t->id])
        share.clean[t->id] = xcalloc(share.nobjects / 8 + 1, 1);
    share.clean[t->id][t->o->index >> 3] |= (uint8_t)(1u << (t->o->index & 7));
}

/* ---- bucket names rules_aws derived, for rules_env ------------------------------ */

static struct {
    const Model *base;          /* whose environments' evaluations the names are of */
    uint32_t nobjects;          /* the base's objects: the length of each array */
    const char **names[EVAL_MAX_DIAG_ENVS];     /* per environment, per object index: the
                                                   bucket's name, or NULL; calloc'd */
} kept;

void rctx_names_begin(const Model *base)
{
    rctx_names_end();
    kept.base = base;
    kept.nobjects = (uint32_t)base->nobjects;
}

void rctx_names_end(void)
{
    for (int i = 0; i < EVAL_MAX_DIAG_ENVS; i++)
        free(kept.names[i]);
    memset(&kept, 0, sizeof kept);
}

/* The slot of environment evaluation m among the base's, or -1. Only an
 * evaluation that shares the base's objects: then an object's index is
 * the same in it and in the base. */
static int kept_slot(const Model *m, const Object *o)
{
    if (!kept.base || !m->borrowed || m->base != kept.base || o->index >= kept.nobjects)
        return -1;
    for (int i = 0; i < kept.base->nenvs && i < EVAL_MAX_DIAG_ENVS; i++)
        if (kept.base->envs[i]->eval == m)
            return i;
    return -1;
}

void rctx_keep_bucket(const Model *m, const Object *o, const char *name)
{
    int i = kept_slot(m, o);
    if (i < 0)
        return;
    if (!kept.names[i])
        kept.names[i] = xcalloc(kept.nobjects, sizeof *kept.names[i]);
    kept.names[i][o->index] = name;
}

const char *rctx_kept_bucket(const Model *m, const Object *o)
{
    int i = kept_slot(m, o);
    return i >= 0 && kept.names[i] ? kept.names[i][o->index] : NULL;
}
