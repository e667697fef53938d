/* rules_aws_buckets.c — the AWS rule pass's S3 bucket names (rules_aws.h):
 * every name sfdc creates, the state bucket of each account and each
 * bucket block's, breaks none of S3's rules (E0502) and is taken once
 * across every account (E0503). The names are claimed in an open-
 * addressing set a block at a time and filed after the last block, in
 * the order one set of every name would have claimed them; at 30,000 LAs
 * the set is out of cache, so its slots are fetched a few names ahead. */
#include "rules_aws.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"

#include "banned.h"

/* ---- E0502, E0503 bucket names -------------------------------------------- */

/* One bucket name sfdc creates, for E0503's second span. */
typedef struct Bucket {
    const char *name;       /* the final name (arena) */
    uint32_t len;           /* strlen(name) */
    uint32_t hash;          /* name_hash(name) */
    const Object *obj;      /* the bucket, or the account whose state bucket it is */
    const Value *v;         /* the string value the name came from (for a caret
                               inside it), or NULL */
    bool state;             /* a state bucket */
    bool derived;           /* named `<platform>-<account>-<bucket>` (E0502's note) */
    bool bad;               /* the name breaks S3's rules (E0502), judged in its block */
    uint32_t first;         /* 1 + the index of the bucket of its own list that had the
                               name first, 0: none */
    Site site;
} Bucket;

static const char *bucket_what(Aws *c, const Bucket *b)
{
    return b->state ? arena_printf(rules_aws_arena(c), "the state bucket of `%s`", b->obj->path)
                    : arena_printf(rules_aws_arena(c), "`%s`", b->obj->path);
}

/* A bucket name's hash for the set (every bucket of every account is
 * hashed once a pass, and byte-wise FNV was a third of checking one). */
static uint32_t name_hash(const char *s, size_t n) { return (uint32_t)intern_hash_words(s, n); }

/* Returns the bucket already holding b's name, or NULL after adding b
 * (set->all[k]). */
static Bucket *bucket_claim(BucketSet *set, Bucket *b, uint32_t k)
{
    size_t i = b->hash & (set->cap - 1);
    for (; set->slots[i].at; i = (i + 1) & (set->cap - 1))
        if (set->slots[i].hash == b->hash &&
            strcmp(set->all[set->slots[i].at - 1].name, b->name) == 0)
            return &set->all[set->slots[i].at - 1];
    set->slots[i] = (BucketSlot){b->hash, k + 1};
    return NULL;
}

/* The bucket of set holding the name of b, or NULL (nothing added). */
static const Bucket *bucket_held(const BucketSet *set, const Bucket *b)
{
    size_t i = b->hash & (set->cap - 1);
    for (; set->slots[i].at; i = (i + 1) & (set->cap - 1))
        if (set->slots[i].hash == b->hash && strcmp(set->all[set->slots[i].at - 1].name, b->name) == 0)
            return &set->all[set->slots[i].at - 1];
    return NULL;
}

static const char *bucket_derivation(const Bucket *b)
{
    return b->derived ? "the name is derived as `<platform>-<account>-<bucket>` with `_` as `-`; "
                        "set `name` to choose another"
                      : NULL;
}

/* Whether b's name breaks S3's rules (E0502): such a name is not claimed. */
static bool bucket_bad(const Bucket *b)
{
    RuleMsg rm;
    return !awslim_s3_bucket_name(b->name, b->len, &rm) && rm.level == RULE_ERROR;
}

/* E0502 on a bad name. v is the string value the name came from (for a
 * caret inside it), or NULL for a derived one. */
static void bucket_e0502(Aws *c, const Bucket *b)
{
    const Value *v = b->v;
    const char *derivation = bucket_derivation(b);
    RuleMsg rm;
    awslim_s3_bucket_name(b->name, b->len, &rm);
    Site s = v && rm.len > 0 ? rctx_str_part(v, b->site, rm.off, rm.len) : b->site;
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0502", s.src, s.span, "%s", rm.msg);
    diag_label(c->d, g, "name of %s: `%s`", bucket_what(c, b), b->name);
    if (rm.help[0])
        diag_help(c->d, g, "%s", rm.help);
    if (derivation)
        diag_note(c->d, g, "%s", derivation);
    diag_emit(c->d, g);
}

/* E0503: b's name is taken, by first. */
static void bucket_e0503(Aws *c, const Bucket *b, const Bucket *first)
{
    const char *derivation = bucket_derivation(b);
    const char *what = bucket_what(c, b), *fwhat = bucket_what(c, first);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0503", b->site.src, b->site.span,
                       "bucket name `%s` is used by both %s and %s", b->name, fwhat, what);
    diag_label(c->d, g, "name of %s", what);
    diag_secondary(c->d, g, first->site.src, first->site.span, "already the name of %s", fwhat);
    diag_help(c->d, g, "S3 bucket names are global across every AWS account: give one of them "
                       "another `name`, or leave `name` unset to get "
                       "`<platform>-<account>-<bucket>`");
    if (derivation)
        diag_note(c->d, g, "%s", derivation);
    diag_emit(c->d, g);
}

/* Appends the bucket named name (program arena) to all[*n]. */
static void bucket_add(Bucket *all, uint32_t *n, Bucket b)
{
    size_t len = strlen(b.name);
    b.len = (uint32_t)len;
    b.hash = name_hash(b.name, len);
    all[(*n)++] = b;
}

/* Before bucket k is checked, asks for the slot bucket k + AHEAD will
 * probe: at 30,000 LAs one name's slot is a miss in a 4 MB table, and
 * with the names derived beforehand several are fetched at once. */
enum { BUCKET_AHEAD = 8 };
/* Inlined: GCC drops the calls of a function of prefetches alone. */
static inline __attribute__((always_inline)) void bucket_prefetch(const BucketSet *set, uint32_t k, uint32_t n)
{
    if (k + BUCKET_AHEAD < n)
        __builtin_prefetch(&set->slots[set->all[k + BUCKET_AHEAD].hash & (set->cap - 1)], 1);
}

/* An account's id and its state bucket, read a walk ahead of the id's
 * claim (state_buckets_block). */
typedef struct StateBucket {
    Object *a;
    const char *id;         /* or NULL */
    uint32_t hash;          /* rctx_strset_hash(id) */
    const Value *v;         /* the state bucket's name, or NULL */
} StateBucket;

static void bucket_list_init(BucketList *l, size_t most)
{
    *l = (BucketList){.set = {NULL, 16, NULL}};
    while (l->set.cap < 2 * most)
        l->set.cap *= 2;
    l->set.slots = xcalloc(l->set.cap, sizeof *l->set.slots);
    xprefault(l->set.slots, l->set.cap * sizeof *l->set.slots);
    l->set.all = xmalloc((most ? most : 1) * sizeof *l->set.all);
    l->due = xmalloc((most ? most : 1) * sizeof *l->due);
    l->hashes = xmalloc((most ? most : 1) * sizeof *l->hashes);
}

static void bucket_list_release(BucketList *l)
{
    free(l->set.slots);
    free(l->set.all);
    free(l->due);
    free(l->hashes);
}

/* Judges and claims the buckets of l from from on (this block's), each
 * slot asked for a few names ahead. */
static void bucket_claims_block(BucketList *l, uint32_t from)
{
    for (uint32_t k = from; k < l->n; k++) {
        bucket_prefetch(&l->set, k, l->n);
        Bucket *b = &l->set.all[k];
        l->hashes[k] = b->hash;
        b->bad = bucket_bad(b);
        const Bucket *first = b->bad ? NULL : bucket_claim(&l->set, b, k);
        b->first = first ? (uint32_t)(first - l->set.all) + 1 : 0;
        if (b->bad || first)
            l->due[l->ndue++] = k;
    }
}

void rules_aws_buckets_init(Aws *c, BucketWalk *w)
{
    rctx_cursor_init(&w->accs, c->m, "account");
    rctx_cursor_init(&w->bs, c->m, "bucket");
    size_t naccs = (size_t)w->accs.l->n;
    bucket_list_init(&w->state, naccs);
    bucket_list_init(&w->blocks, (size_t)w->bs.l->n);
    rctx_strset_init(&w->ids, naccs);
    w->st = xmalloc((naccs ? naccs : 1) * sizeof *w->st);
    w->state_site = c->m->state ? rctx_site(c->m, c->m->state, "bucket", NULL) : (Site){0};
}

/* The state bucket of each account of the block whose id no account
 * before it has (a second account with one id is E0509; its state bucket
 * is the same mistake). The ids are read and hashed first, then claimed
 * with each slot asked for a few ids ahead. */
static void state_buckets_block(Aws *c, BucketWalk *w, const RctxBlocks *b)
{
    RctxCursor *k = &w->accs;
    int from = k->i;
    uint32_t nfrom = w->state.n;
    for (; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        Object *a = k->l->items[k->i];
        const char *id = rctx_str(c->m, a, "id", NULL, NULL);
        w->st[k->i] = (StateBucket){a, id, id ? rctx_strset_hash(id) : 0, model_state(c->m, a, "bucket")};
    }
    for (int i = from; i < k->i; i++) {
        if (i + BUCKET_AHEAD < k->i && w->st[i + BUCKET_AHEAD].id)
            rctx_strset_prefetch(&w->ids, w->st[i + BUCKET_AHEAD].hash);
        const StateBucket *s = &w->st[i];
        if (s->id && rctx_strset_put_hashed(&w->ids, s->id, s->hash, s->a))
            continue;
        if (!s->v || s->v->kind != VAL_STR)
            continue;
        bucket_add(w->state.set.all, &w->state.n,
                   (Bucket){.name = s->v->u.str, .obj = s->a, .state = true,
                            .site = model_value_site(s->v, w->state_site)});
    }
    bucket_claims_block(&w->state, nfrom);
}

/* The name of each bucket block of the block (the names stay in the
 * program's arena: rules_env claims them). */
static void bucket_blocks_block(Aws *c, BucketWalk *w, const RctxBlocks *b)
{
    BucketList *l = &w->blocks;
    uint32_t from = l->n;
    char buf[512];
    const NameCtx nc = c->nc;
    for (RctxCursor *k = &w->bs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        Object *o = k->l->items[k->i];
        bool explicit_name;
        names_bucket(&nc, o, buf, sizeof buf, &explicit_name);
        const char *name = arena_strdup(rules_aws_arena(c), buf);
        rctx_keep_bucket(c->m, o, name);    /* rules_env claims it too */
        if (explicit_name)
            bucket_add(l->set.all, &l->n,
                       (Bucket){.name = name, .obj = o, .v = rctx_val(c->m, o, "name", NULL),
                                .site = rctx_site(c->m, o, "name", NULL)});
        else
            bucket_add(l->set.all, &l->n,
                       (Bucket){.name = name, .obj = o, .derived = true, .site = model_obj_site(o)});
    }
    bucket_claims_block(l, from);
}

void rules_aws_buckets_block(Aws *c, BucketWalk *w, const RctxBlocks *b)
{
    if (c->m->state)
        state_buckets_block(c, w, b);
    bucket_blocks_block(c, w, b);
}

/* The state bucket holding the name of bucket block k, or NULL; the
 * Bucket is read only when a state bucket's hash matches. */
static const Bucket *state_holder(const BucketWalk *w, uint32_t k)
{
    const BucketSet *set = &w->state.set;
    size_t i = w->blocks.hashes[k] & (set->cap - 1);
    for (; set->slots[i].at; i = (i + 1) & (set->cap - 1))
        if (set->slots[i].hash == w->blocks.hashes[k])
            return bucket_held(set, &w->blocks.set.all[k]);
    return NULL;
}

/* After the blocks: the diagnostics, in the order of the claims of one
 * set of every name; then the walk's state freed. */
void rules_aws_buckets_finish(Aws *c, BucketWalk *w)
{
    const BucketList *st = &w->state, *bl = &w->blocks;
    for (uint32_t i = 0; i < st->ndue; i++) {
        const Bucket *b = &st->set.all[st->due[i]];
        if (b->bad)
            bucket_e0502(c, b);
        else
            bucket_e0503(c, b, &st->set.all[b->first - 1]);
    }
    for (uint32_t k = 0, d = 0; k < bl->n; k++) {
        if (k + BUCKET_AHEAD < bl->n)
            __builtin_prefetch(&st->set.slots[bl->hashes[k + BUCKET_AHEAD] & (st->set.cap - 1)]);
        bool due = d < bl->ndue && bl->due[d] == k;
        d += due;
        const Bucket *b = &bl->set.all[k];
        if (due && b->bad) {
            bucket_e0502(c, b);
            continue;
        }
        const Bucket *first = st->n ? state_holder(w, k) : NULL;
        if (!first && due)
            first = &bl->set.all[b->first - 1];
        if (first)
            bucket_e0503(c, b, first);
    }
    bucket_list_release(&w->state);
    bucket_list_release(&w->blocks);
    free(w->st);
    rctx_strset_release(&w->ids);
}
