/* rules_env.c — the environments against each other (SPEC §7.5).
 *
 * Runs after every environment has been evaluated (Environment.eval) and
 * checked on its own. A deployment is one (environment, account) pair; two
 * deployments of different environments must not create one AWS name
 * (E0901), share a state bucket (E0902), put two accounts in one AWS
 * account (E0903), or overlap networks that reach each other (E0904).
 *
 * Every name is a key in one hash table — (namespace, scope, name), the
 * scope being global for S3 and the account id and region otherwise — so
 * the pass is linear in the deployments; the overlap sweep is O(n log n)
 * per pair of connected environments (environments are few). At 10,000
 * accounts the pass claims ~100,000 names: its tables are small (8-byte
 * slots) and keep pointers, not copies; every claim is recorded first,
 * then the table is probed in the claims' order with prefetch, then the
 * diagnostics are reported in that order (the deployments'). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"
#include "names.h"
#include "rulectx.h"
#include "banned.h"

/* One name created by one deployment: the key (ns, scope, name) and who
 * claims it. */
typedef struct Claim {
    const Object *obj;      /* the object that creates it (in that environment's model) */
    const char *name;       /* the name: a kept bucket's (arena) or a copy (NameSet.text) */
    const char *scope;      /* "ID/REGION" (NameSet.text), or NULL: unique across AWS */
    uint32_t len;           /* strlen(name) */
    uint32_t env;           /* the environment: index in base->envs */
    uint16_t kind;          /* the name's NameKind */
    uint8_t ns;             /* its namespace: an index in namespaces[] */
    bool group;             /* the first name of a diagnostic's (an object's, or a
                             * state bucket) */
    uint32_t hash;          /* of the key; never 0 */
} Claim;

/* A slot of an open-addressing table of indices (a NameSet's claims, an
 * IdSet's accounts): 8 bytes, so that 100,000 keys' slots stay in cache. */
typedef struct Slot {
    uint32_t hash;          /* the key's hash; 0: empty */
    uint32_t i;             /* index of the entry */
} Slot;

typedef struct Slots {
    Slot *slot;             /* a power of two of them; calloc'd */
    size_t cap, n;
} Slots;

/* A set of names, malloc'd and freed with the pass: hundreds of thousands
 * of short-lived keys would only bloat the program's arena and interner. */
typedef struct NameSet {
    Slots slots;            /* hash -> index in claims of the key's first claim */
    Claim *claims;          /* every claim, in the deployments' order */
    size_t nclaims, ccap;
    char *text;             /* names and scopes copied: blocks chained by their first
                             * pointer (never moved, so Claims point into them) */
    size_t tused, tcap;
} NameSet;

/* An AWS account id deployed by some environment (E0903). */
typedef struct AcctId {
    const char *id;         /* the id */
    const Object *acct;     /* the first deployment's account... */
    uint32_t env;           /* ...and environment (index in base->envs) */
    bool shared;            /* deployed by two environments */
} AcctId;

/* A deployment, in the order the pass walks them. */
typedef struct Deploy {
    const Object *acct;
    uint32_t id;            /* index in EnvCheck.ids, or UINT32_MAX: no id */
} Deploy;

/* The pass's state. */
typedef struct EnvCheck {
    Model *base;
    DiagEngine *d;
    Arena *a;
    NameSet names;          /* (ns, scope, name) -> the first claim */
    Slots idslots;          /* account id -> index in ids */
    AcctId *ids;            /* every account id, first deployment first */
    size_t nids, idcap;
    bool any_pair;          /* some id is deployed by two environments */
    Deploy *deps;           /* every deployment, environment by environment... */
    size_t *env_deps;       /* ...environment i's are deps[env_deps[i], env_deps[i + 1]) */
    const char *kinds[16];  /* object kinds seen (interned), direct-mapped by pointer... */
    unsigned kind_bits[16]; /* ...and bit i set when checked[i] applies to them */
    unsigned global;        /* bit i set when checked[i] is unique across AWS */
    bool name_ov;           /* the environment being claimed overrides some `name` */
    uint64_t *kids;         /* per deployment of the first environment, which blocks of
                             * its account claim names (KID_KNOWN); calloc'd */
} EnvCheck;

static void *grow_to(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (!q)
        abort();
    xprefault((char *)q + *cap * size, (need - *cap) * size);   /* not the slack: RSS */
    *cap = c;
    return q;
}

/* ---- tables of 8-byte slots ----------------------------------------------- */

/* Sizes t for about n keys at once: growing by doubling, rehashing every
 * name of a 10,000-account platform a dozen times was a fifth of claiming
 * them. */
static void slots_reserve(Slots *t, size_t n)
{
    size_t cap = 1024;
    while (cap / 10 * 7 < n && cap < ((size_t)1 << 31))
        cap *= 2;
    if (!(t->slot = calloc(cap, sizeof *t->slot)))
        abort();
    xprefault(t->slot, cap * sizeof *t->slot);
    t->cap = cap;
}

/* Makes room for one more key (at most 70% full), rehashing by the
 * stored hashes. */
static void slots_grow(Slots *t)
{
    if (t->cap && (t->n + 1) * 10 <= t->cap * 7)
        return;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    Slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
        abort();
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].hash) {
            size_t j = t->slot[i].hash & (cap - 1);
            while (ns[j].hash)
                j = (j + 1) & (cap - 1);
            ns[j] = t->slot[i];
        }
    free(t->slot);
    t->slot = ns;
    t->cap = cap;
}

/* A 32-bit hash of s[0, n), mixed with salt; never 0 (an empty slot). */
static uint32_t hash32(const char *s, size_t n, uint64_t salt)
{
    uint64_t h = (intern_hash_words(s, n) ^ salt) * 0xbf58476d1ce4e5b9ull;
    uint32_t t = (uint32_t)(h ^ h >> 32);
    return t ? t : 1;
}

/* ---- the set of names ----------------------------------------------------- */

/* A stable copy of s[0, n) (NUL-terminated) in s's text blocks. */
static const char *keep_text(NameSet *s, const char *p, size_t n)
{
    if (!s->text || s->tused + n + 1 > s->tcap) {
        size_t cap = sizeof(char *) + n + 1 > 65536 ? sizeof(char *) + n + 1 : 65536;
        char *b = malloc(cap);
        if (!b)
            abort();
        memcpy(b, &s->text, sizeof s->text);    /* the chain: the previous block */
        s->text = b;
        s->tused = sizeof(char *);
        s->tcap = cap;
    }
    char *t = s->text + s->tused;
    memcpy(t, p, n);
    t[n] = '\0';
    s->tused += n + 1;
    return t;
}

static bool same_key(const Claim *a, const Claim *b)
{
    return a->ns == b->ns && a->len == b->len &&
           (a->scope == b->scope || (a->scope && b->scope && strcmp(a->scope, b->scope) == 0)) &&
           memcmp(a->name, b->name, a->len) == 0;
}

/* Records cl, to be probed with the others (probe_all). Unless it is
 * stable, cl.name is copied: claims are made into one buffer. */
static void add_claim(NameSet *s, Claim cl, bool stable)
{
    if (!stable)
        cl.name = keep_text(s, cl.name, cl.len);
    s->claims = grow_to(s->claims, &s->ccap, s->nclaims + 1, sizeof *s->claims);
    s->claims[s->nclaims++] = cl;
}

/* first[i]: the index of the first claim of claims[i]'s key, or i. The
 * table is sized once for every claim and probed in the claims' order
 * with the slot of a claim a few ahead prefetched: at 10,000 accounts
 * each probe is a miss of the cache, and waiting for them one at a
 * time was most of the pass. */
static void probe_all(NameSet *s, uint32_t *first)
{
    enum { AHEAD = 8 };
    Slots *t = &s->slots;
    slots_reserve(t, s->nclaims);
    size_t mask = t->cap - 1;
    for (size_t k = 0; k < s->nclaims; k++) {
        if (k + AHEAD < s->nclaims)
            __builtin_prefetch(&t->slot[s->claims[k + AHEAD].hash & mask]);
        const Claim *cl = &s->claims[k];
        size_t i = cl->hash & mask;
        for (; t->slot[i].hash; i = (i + 1) & mask)
            if (t->slot[i].hash == cl->hash && same_key(&s->claims[t->slot[i].i], cl))
                break;
        if (t->slot[i].hash) {
            first[k] = t->slot[i].i;
            continue;
        }
        t->slot[i] = (Slot){cl->hash, (uint32_t)k};
        t->n++;
        first[k] = (uint32_t)k;
    }
}

static void set_release(NameSet *s)
{
    free(s->slots.slot);
    free(s->claims);
    while (s->text) {
        char *prev;
        memcpy(&prev, s->text, sizeof prev);
        free(s->text);
        s->text = prev;
    }
}

static const Environment *own_env(const Environment *e)
{
    return model_env(e->eval, e->name);
}

/* Environment i's name and evaluation. */
static const char *env_name(const EnvCheck *c, uint32_t i)
{
    return c->base->envs[i]->name;
}

static const Model *env_model(const EnvCheck *c, uint32_t i)
{
    return c->base->envs[i]->eval;
}

/* The scope of a deployment's per-account names: its account's id and
 * region, or none (text NULL) when no other environment uses the account. */
typedef struct Scope {
    const char *text;       /* "ID/REGION" (NameSet.text), or NULL */
    uint64_t hash;          /* of text (0 without) */
} Scope;

/* The account's id and region: the scope of per-account names. */
static const char *scope_of(const Model *m, const Object *acct, char *buf, size_t cap)
{
    const char *id = model_str(m, acct, "id", NULL);
    const char *region = model_str(m, acct, "region", NULL);
    if (!region && m->platform)
        region = model_str(m, m->platform, "region", "");
    if (!id)
        return NULL;
    snprintf(buf, cap, "%s/%s", id, region ? region : "");
    return buf;
}

static const char *help_for(const char *code)
{
    if (strcmp(code, "E0902") == 0)
        return "each deployment keeps its state in a bucket of its own: write `${env}` in "
               "`platform { state { bucket } }`";
    return "give each environment its own accounts, or write `${env}` in the names the program "
           "sets itself; a registry both environments use is declared `shared = true`";
}

/* Records that cl (its env's obj) creates cl.name in namespace cl.ns,
 * scoped by sc (NULL: unique across AWS). False for no name. */
static bool claim(EnvCheck *c, const Scope *sc, Claim cl, bool stable)
{
    if (!cl.len)
        return false;
    cl.scope = sc ? sc->text : NULL;
    cl.hash = hash32(cl.name, cl.len, (sc ? sc->hash : 0) ^ (cl.ns + 1u) * 0x9e3779b97f4a7c15ull);
    add_claim(&c->names, cl, stable);
    return true;
}

/* Where to point for a name of o: its `name` when written, else the block
 * (a state bucket: the platform's `state { bucket }`, else the account). */
static Site name_site(const Model *m, const Object *o, NameKind k)
{
    if (k == NAME_STATE_BUCKET)
        return m->state ? model_site(m, m->state, "bucket") : model_obj_site(o);
    if (k == NAME_BUCKET && model_attr(m, o, "name"))
        return model_site(m, o, "name");
    return model_obj_site(o);
}

/* One diagnostic for everything obj in env creates that prev's object
 * already does: names is "IAM role \"x\", load balancer \"y\"". */
static void collision(EnvCheck *c, const char *code, const char *names, int n, uint32_t ei,
                      const Object *obj, Site site, const Claim *prev)
{
    const char *env = env_name(c, ei), *penv = env_name(c, prev->env);
    Diag *g = diag_new(c->d, DIAG_ERROR, code, site.src, site.span,
                       "%s %s created by both environment `%s` (`%s`) and `%s` (`%s`)", names,
                       n > 1 ? "are" : "is", penv, prev->obj->path, env, obj->path);
    diag_label(c->d, g, "`%s` in environment `%s`", obj->path, env);
    Site at = name_site(env_model(c, prev->env), prev->obj, (NameKind)prev->kind);
    diag_secondary(c->d, g, at.src, at.span, "`%s` in environment `%s`", prev->obj->path, penv);
    diag_help(c->d, g, "%s", help_for(code));
    diag_emit(c->d, g);
}

/* Where an account's `id` is written. */
static Site id_site(const Model *m, const Object *acct, const Value *v)
{
    return model_value_site(v, model_site(m, acct, "id"));
}

static void same_id(EnvCheck *c, const char *id, uint32_t ei, const Object *acct, Site site,
                    const AcctId *prev)
{
    const char *env = env_name(c, ei), *penv = env_name(c, prev->env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0903", site.src, site.span,
                       "account id \"%s\" is `%s` in environment `%s` and `%s` in `%s`", id,
                       acct->path, env, prev->acct->path, penv);
    diag_label(c->d, g, "id of `%s` in environment `%s`", acct->path, env);
    const Model *pm = env_model(c, prev->env);
    Site at = id_site(pm, prev->acct, model_get(pm, prev->acct, "id"));
    diag_secondary(c->d, g, at.src, at.span, "id of `%s` in environment `%s`", prev->acct->path,
                   penv);
    diag_help(c->d, g, "an AWS account holds one account of the platform: give `%s` its own id",
              acct->path);
    diag_emit(c->d, g);
}

/* E0903: one AWS account id, two accounts of the platform. Returns the
 * id's index in c->ids, or UINT32_MAX when the account has none. */
static uint32_t account_id(EnvCheck *c, const Model *m, uint32_t ei, const Object *acct)
{
    const Value *v = rctx_val(m, acct, "id", NULL);     /* model_get, through rulectx's cache */
    const char *id = v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : NULL;
    if (!id)
        return UINT32_MAX;
    Slots *t = &c->idslots;
    slots_grow(t);
    uint32_t h = hash32(id, strlen(id), 0);
    size_t i = h & (t->cap - 1);
    for (; t->slot[i].hash; i = (i + 1) & (t->cap - 1))
        if (t->slot[i].hash == h && strcmp(c->ids[t->slot[i].i].id, id) == 0)
            break;
    if (!t->slot[i].hash) {
        c->ids = grow_to(c->ids, &c->idcap, c->nids + 1, sizeof *c->ids);
        c->ids[c->nids] = (AcctId){id, acct, ei, false};
        t->slot[i] = (Slot){h, (uint32_t)c->nids};
        t->n++;
        return (uint32_t)c->nids++;
    }
    uint32_t k = t->slot[i].i;
    AcctId *prev = &c->ids[k];
    c->any_pair |= prev->env != ei;
    if (env_name(c, prev->env) != env_name(c, ei))
        prev->shared = true;
    if (env_name(c, prev->env) == env_name(c, ei) || strcmp(prev->acct->path, acct->path) == 0)
        return k;   /* the same account shared by two environments is layout (b) */
    same_id(c, id, ei, acct, id_site(m, acct, v), prev);
    return k;
}

/* The namespaces AWS keeps names unique in (what two claims must share to
 * collide), spelled as the diagnostics name them. */
enum { NS_ROLE, NS_LOCK, NS_CLUSTER, NS_CAPACITY, NS_LOG, NS_LB, NS_DB, NS_BUCKET, NS_ECR,
       NS_SECRET, NS_STATE };
static const char *const namespaces[] = {
    [NS_ROLE] = "IAM role",         [NS_LOCK] = "lock table",
    [NS_CLUSTER] = "ECS cluster",   [NS_CAPACITY] = "capacity provider",
    [NS_LOG] = "log group",         [NS_LB] = "load balancer",
    [NS_DB] = "database identifier", [NS_BUCKET] = "bucket",
    [NS_ECR] = "ECR repository",    [NS_SECRET] = "secret",
    [NS_STATE] = "state bucket",
};

/* A name kind checked across environments, and its namespace. */
typedef struct Checked {
    NameKind kind;
    uint16_t ns;            /* in namespaces[] */
    bool global;            /* unique across AWS (S3), else per account and region */
} Checked;

static const Checked checked[] = {
    {NAME_FLOW_LOG_ROLE, NS_ROLE, false},      {NAME_LOCK_TABLE, NS_LOCK, false},
    {NAME_CLUSTER, NS_CLUSTER, false},         {NAME_CAPACITY_PROVIDER, NS_CAPACITY, false},
    {NAME_INSTANCE_ROLE, NS_ROLE, false},      {NAME_TASK_ROLE, NS_ROLE, false},
    {NAME_EXEC_ROLE, NS_ROLE, false},          {NAME_LOG_GROUP, NS_LOG, false},
    {NAME_LOAD_BALANCER, NS_LB, false},        {NAME_DB, NS_DB, false},
    {NAME_BUCKET, NS_BUCKET, true},            {NAME_ECR, NS_ECR, false},
    {NAME_SECRET, NS_SECRET, false},
};

/* Bit i set when checked[i] applies to o (names_applies), through the
 * kinds seen, direct-mapped by their (interned) pointer: every object of
 * every deployment asks. */
static unsigned checked_bits(EnvCheck *c, const Object *o)
{
    size_t h = (size_t)(((uintptr_t)o->kind * 0x9e3779b97f4a7c15ull) >> 60) & 15;
    if (c->kinds[h] == o->kind)
        return c->kind_bits[h];
    unsigned bits = 0;
    for (size_t k = 0; k < sizeof checked / sizeof checked[0]; k++)
        if (names_applies(checked[k].kind, o))
            bits |= 1u << k;
    c->kinds[h] = o->kind;
    c->kind_bits[h] = bits;
    return bits;
}

/* The bits of checked[] unique across AWS. */
static unsigned global_bits(void)
{
    unsigned bits = 0;
    for (size_t k = 0; k < sizeof checked / sizeof checked[0]; k++)
        if (checked[k].global)
            bits |= 1u << k;
    return bits;
}

/* The name of kind k of o, or NULL when it has none; *len its length and
 * *stable whether it outlives buf. A bucket's is the one E0502 derived in
 * the same evaluation (rctx_kept_bucket: arena, not copied), unless this
 * environment overrides its `name`: E0502 read the field, this pass reads
 * the override, which may be evaluated apart from it. Else it is derived
 * into buf[cap]. */
static const char *name_of(const EnvCheck *c, const NameCtx *nc, NameKind k, const Object *o,
                           char *buf, size_t cap, size_t *len, bool *stable)
{
    const char *kept = k == NAME_BUCKET ? rctx_kept_bucket(nc->m, o) : NULL;
    if (kept && !(c->name_ov && nc->env && rctx_overridden(nc->m, o, "name", nc->env))) {
        size_t n = strlen(kept);
        if (n < cap) {
            *len = n;
            *stable = true;
            return n ? kept : NULL;
        }
    }
    size_t n = names_derive(nc, k, o, buf, cap);
    *len = n < cap ? n : strlen(buf);
    *stable = false;
    return n ? buf : NULL;
}

/* Claims the names of o checked across environments (bits: checked_bits
 * of o): the first of them opens a diagnostic's group. */
static void claim_all(EnvCheck *c, const NameCtx *nc, const Scope *sc, uint32_t ei,
                      const Object *o, unsigned bits)
{
    /* per-account names meet only in an account two environments use */
    bits &= sc->text ? ~0u : c->global;
    char buf[512];
    bool group = true;
    for (; bits; bits &= bits - 1) {    /* the set bits, lowest first */
        const Checked *k = &checked[__builtin_ctz(bits)];
        if (k->kind == NAME_CLUSTER && strcmp(o->kind, "account") == 0 &&
            !names_has_implicit_cluster(nc, o))
            continue;
        if (k->kind == NAME_FLOW_LOG_ROLE && !model_child(nc->m, o, "network", NULL))
            continue;   /* no VPC, no flow logs */
        if (k->kind == NAME_ECR && model_bool(nc->m, o, "shared", false))
            continue;   /* one registry for every environment, created by one */
        size_t len;
        bool stable;
        const char *name = name_of(c, nc, k->kind, o, buf, sizeof buf, &len, &stable);
        if (!name)
            continue;
        if (claim(c, k->global ? NULL : sc,
                  (Claim){o, name, NULL, (uint32_t)len, ei, k->kind, k->ns, group, 0}, stable))
            group = false;
    }
}

/* Which blocks of an account claim a name, found at its deployment by the
 * first environment and kept for the others' (EnvCheck.kids): bit i of
 * the low half when children[i] claims one unique across AWS, of the high
 * half when it claims any. Another environment's deployment of the
 * account claims the same kinds of names (checked_bits reads the kind
 * alone, and the blocks are the model's shape), and most blocks claim
 * none in an account no two environments share: their headers, a cache
 * miss each at 30,000 LAs, are not read again. The first KID_MAX blocks
 * are kept; bit 31 says the account is known. */
enum { KID_MAX = 31 };
#define KID_KNOWN ((uint64_t)1 << KID_MAX)

/* Deployment dp's slot of EnvCheck.kids, or NULL: the first environment's
 * own, another's when the first deploys the same account at the same
 * position (environments deploy their accounts in the same order: kept
 * by position, not looked up by account, a hash probe each). */
static uint64_t *kid_slot(const EnvCheck *c, uint32_t ei, const Deploy *dp)
{
    size_t j = (size_t)(dp - c->deps) - c->env_deps[ei], n = c->env_deps[1] - c->env_deps[0];
    if (!c->kids || j >= n || c->deps[c->env_deps[0] + j].acct != dp->acct)
        return NULL;
    return &c->kids[j];
}

/* The names one deployment creates (names.c derives them all). */
static void deployment(EnvCheck *c, const NameCtx *nc, uint32_t ei, const Deploy *dp)
{
    char buf[512], sc[64];
    const Model *m = nc->m;
    const Object *acct = dp->acct;
    Scope scope = {NULL, 0};
    if (dp->id != UINT32_MAX && c->ids[dp->id].shared && scope_of(m, acct, sc, sizeof sc)) {
        size_t n = strlen(sc);
        scope = (Scope){keep_text(&c->names, sc, n), intern_hash_words(sc, n)};
    }
    size_t n = names_derive(nc, NAME_STATE_BUCKET, acct, buf, sizeof buf);
    if (n > 0)
        claim(c, NULL,
              (Claim){acct, buf, NULL, (uint32_t)(n < sizeof buf ? n : strlen(buf)), ei,
                      NAME_STATE_BUCKET, NS_STATE, true, 0},
              false);
    claim_all(c, nc, &scope, ei, acct, checked_bits(c, acct));
    uint64_t *slot = kid_slot(c, ei, dp), kids = slot ? *slot : 0, seen = KID_KNOWN;
    uint32_t skip = (uint32_t)(kids >> (scope.text ? 32 : 0));
    for (int i = 0; i < acct->nchildren; i++) {
        if (kids && i < KID_MAX && !(skip >> i & 1))
            continue;   /* claims nothing here: its header is not read */
        unsigned bits = checked_bits(c, acct->children[i]);
        if (i < KID_MAX)
            seen |= (uint64_t)((bits & c->global) != 0) << i | (uint64_t)(bits != 0) << i << 32;
        claim_all(c, nc, &scope, ei, acct->children[i], bits);
    }
    if (slot && !kids)
        *slot = seen;
}

/* Before deployment k of deps[k, end) is claimed, asks for what the
 * deployments ahead will read, one link a stage: the account of k + 8
 * (its list of blocks), that list at k + 6, the blocks' headers at k + 4,
 * their slots of m's field table at k + 2. At 30,000 LAs none of it is in
 * the cache, and claim_all stalled on each block's header in turn.
 * Inlined: GCC drops the calls of a function of prefetches alone. */
static inline __attribute__((always_inline)) void
deployment_prefetch(const Model *m, const Deploy *deps, size_t k, size_t end)
{
    if (k + 8 < end)
        __builtin_prefetch((const char *)deps[k + 8].acct + offsetof(Object, children));
    if (k + 6 < end)
        __builtin_prefetch(deps[k + 6].acct->children);
    if (k + 4 < end) {
        const Object *a = deps[k + 4].acct;
        for (int i = 0; i < a->nchildren && i < 16; i++) {
            __builtin_prefetch(a->children[i]);
            __builtin_prefetch((const char *)a->children[i] + offsetof(Object, index));
        }
    }
    if (k + 2 < end && m->fields) {
        const Object *a = deps[k + 2].acct;
        for (int i = 0; i < a->nchildren && i < 16; i++)
            __builtin_prefetch(&m->fields[a->children[i]->index]);
    }
}

/* The names of one group that other environments create first (E0901:
 * one diagnostic for everything an object creates that one other
 * object does). */
typedef struct Group {
    const Claim *cl;        /* the group's first claim (its object and environment) */
    const Claim *first;     /* the other environment's claim met first, or NULL */
    const char *names;      /* "IAM role \"x\", load balancer \"y\"" */
    int n;
    Site site;              /* where to point: the first name met's */
} Group;

static void group_end(EnvCheck *c, Group *g)
{
    if (g->first)
        collision(c, "E0901", g->names, g->n, g->cl->env, g->cl->obj, g->site, g->first);
    *g = (Group){0};
}

/* The diagnostics of every claim whose key another environment claimed
 * first, in the claims' order (the deployments'). */
static void report_all(EnvCheck *c, const uint32_t *first)
{
    const Claim *claims = c->names.claims;
    Group g = {0};
    for (size_t k = 0; k < c->names.nclaims; k++) {
        const Claim *cl = &claims[k], *prev = &claims[first[k]];
        if (cl->group) {
            group_end(c, &g);
            g.cl = cl;
        }
        /* one environment's own are E0503 and friends */
        if (first[k] == k || env_name(c, prev->env) == env_name(c, cl->env))
            continue;
        const Model *m = env_model(c, cl->env);
        if (cl->ns == NS_STATE) {
            collision(c, "E0902", arena_printf(c->a, "state bucket \"%s\"", cl->name), 1, cl->env,
                      cl->obj, name_site(m, cl->obj, NAME_STATE_BUCKET), prev);
            continue;
        }
        if (g.first && (prev->obj != g.first->obj ||
                        env_name(c, prev->env) != env_name(c, g.first->env)))
            continue;
        g.first = g.first ? g.first : prev;
        g.site = g.n ? g.site : name_site(m, cl->obj, (NameKind)cl->kind);
        g.names = arena_printf(c->a, "%s%s%s \"%s\"", g.names ? g.names : "", g.names ? ", " : "",
                               namespaces[cl->ns], cl->name);
        g.n++;
    }
    group_end(c, &g);
}

/* ---- E0904: networks of connected environments ---------------------------- */

/* A network (VPC or VPN range) of one deployment. */
typedef struct EnvNet {
    CidrEntry e;
    int env;                /* index in base->envs */
    const char *what;       /* "the VPC of `la-camden`" */
    Site site;
} EnvNet;

static void add_nets(EnvCheck *c, int ei, EnvNet **nets, size_t *n, size_t *cap, Table *owners)
{
    const Environment *be = c->base->envs[ei];
    const Model *m = be->eval;
    const Environment *env = own_env(be);
    const ObjList *accs = model_kind(m, "account");
    for (int i = 0; i < accs->n; i++) {
        const Object *a = accs->items[i];
        if (!rctx_env_has(m, env, a))
            continue;
        const Object *net = rctx_network(m, a);
        const char *fields[2] = {"vpn", "cidr"};
        const Object *objs[2] = {a, net};
        for (int k = 0; k < 2; k++) {
            const Value *v = objs[k] ? model_get(m, objs[k], fields[k]) : NULL;
            if (!v || v->kind != VAL_CIDR)
                continue;
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *nets = realloc(*nets, *cap * sizeof **nets);
                if (!*nets)
                    abort();
            }
            /* one AWS account's one VPN is one network in every environment */
            char key[96];
            snprintf(key, sizeof key, "%s %s %d.%d", k ? be->name : "vpn",
                     model_str(m, a, "id", a->path), (int)v->u.cidr.addr, v->u.cidr.prefix);
            const char *ik = intern_cstr(&c->base->pg->in, key);
            uintptr_t owner = (uintptr_t)table_get(owners, ik);
            if (!owner) {
                owner = owners->count + 1;
                table_put(owners, ik, (void *)owner);
            }
            (*nets)[*n] = (EnvNet){{v->u.cidr, (uint32_t)owner, 0}, ei,
                                   arena_printf(c->a, "the %s of `%s`", k ? "VPC" : "VPN range",
                                                a->path),
                                   model_value_site(v, model_site(m, objs[k], fields[k]))};
            (*n)++;
        }
    }
}

static void overlap(EnvCheck *c, const EnvNet *x, const EnvNet *y)
{
    char bx[24], by[24];
    cidr_format(x->e.cidr, bx, sizeof bx);
    cidr_format(y->e.cidr, by, sizeof by);
    const char *ex = c->base->envs[x->env]->name, *ey = c->base->envs[y->env]->name;
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0904", y->site.src, y->site.span,
                       "%s in environment `%s` (%s) overlaps %s in `%s` (%s)", y->what, ey, by,
                       x->what, ex, bx);
    diag_label(c->d, g, "%s in environment `%s`", y->what, ey);
    diag_secondary(c->d, g, x->site.src, x->site.span, "%s in environment `%s`", x->what, ex);
    diag_help(c->d, g, "`%s` and `%s` share an AWS account, so one VPN reaches both: give each "
                       "environment its own ranges (`cidr = { %s = ..., %s = ... }[env]`)",
              ex, ey, ex, ey);
    diag_emit(c->d, g);
}

/* Environments that deploy a common AWS account id. */
static bool connected(const Model *base, int i, int j, Table *ids_of_i)
{
    const Model *m = base->envs[j]->eval;
    const Environment *env = own_env(base->envs[j]);
    const ObjList *accs = model_kind(m, "account");
    (void)i;
    for (int k = 0; k < accs->n; k++) {
        const char *id = model_str(m, accs->items[k], "id", NULL);
        if (id && rctx_env_has(m, env, accs->items[k]) &&
            table_get(ids_of_i, intern_cstr(&base->pg->in, id)))
            return true;
    }
    return false;
}

static void ids_of(const Model *base, int i, Table *out)
{
    const Model *m = base->envs[i]->eval;
    const Environment *env = own_env(base->envs[i]);
    const ObjList *accs = model_kind(m, "account");
    for (int k = 0; k < accs->n; k++) {
        const char *id = model_str(m, accs->items[k], "id", NULL);
        if (id && rctx_env_has(m, env, accs->items[k]))
            table_put(out, intern_cstr(&base->pg->in, id), (void *)accs->items[k]);
    }
}

static void pair_overlaps(EnvCheck *c, int i, int j)
{
    enum { CAP = 256 };
    EnvNet *nets = NULL;
    size_t n = 0, cap = 0, np = 0;
    Table owners;
    table_init(&owners);
    add_nets(c, i, &nets, &n, &cap, &owners);
    add_nets(c, j, &nets, &n, &cap, &owners);
    CidrEntry *e = malloc((n ? n : 1) * sizeof *e);
    CidrPair *pairs = malloc(CAP * sizeof *pairs);
    bool more = false;
    for (size_t k = 0; e && k < n; k++)
        e[k] = nets[k].e;
    if (e && pairs && n > 1 && cidr_find_overlaps(e, n, pairs, CAP, &np, &more) == 0)
        for (size_t k = 0; k < np; k++)
            if (nets[pairs[k].a].env != nets[pairs[k].b].env)
                overlap(c, &nets[pairs[k].a], &nets[pairs[k].b]);
    free(pairs);
    free(e);
    free(nets);
    table_release(&owners);
}

static void networks(EnvCheck *c)
{
    Model *base = c->base;
    for (int i = 0; i < base->nenvs; i++) {
        Table ids;
        table_init(&ids);
        ids_of(base, i, &ids);
        for (int j = i + 1; j < base->nenvs; j++)
            if (connected(base, i, j, &ids))
                pair_overlaps(c, i, j);
        table_release(&ids);
    }
}

/* Whether env overrides a field called `name` (a bucket's, maybe): else
 * no kept bucket name needs asking whether this environment changed it. */
static bool overrides_names(const Environment *env)
{
    for (int i = 0; env && i < env->nov; i++)
        if (env->ov[i].field && strcmp(env->ov[i].field->name, "name") == 0)
            return true;
    return false;
}

/* E0903 for every deployment, in order, and the deployments' list (with
 * their ids' indices) for the names' pass. */
static void deployments(EnvCheck *c)
{
    Model *m = c->base;
    size_t total = 0;
    for (int i = 0; i < m->nenvs; i++)
        total += (size_t)model_kind(m->envs[i]->eval, "account")->n;
    c->deps = malloc((total ? total : 1) * sizeof *c->deps);
    c->env_deps = malloc(((size_t)m->nenvs + 1) * sizeof *c->env_deps);
    if (!c->deps || !c->env_deps)
        abort();
    slots_reserve(&c->idslots, total);
    size_t n = 0;
    for (int i = 0; i < m->nenvs; i++) {
        const Model *em = m->envs[i]->eval;
        const Environment *env = own_env(m->envs[i]);
        const ObjList *accs = model_kind(em, "account");
        c->env_deps[i] = n;
        for (int k = 0; k < accs->n; k++) {
            rctx_prefetch(em, accs, k);     /* account_id reads each account's `id` */
            if (rctx_env_has(em, env, accs->items[k]))
                c->deps[n++] = (Deploy){accs->items[k],
                                        account_id(c, em, (uint32_t)i, accs->items[k])};
        }
    }
    c->env_deps[m->nenvs] = n;
}

void rules_env(Model *m, DiagEngine *d)
{
    if (m->nenvs < 2)
        return;
    for (int i = 0; i < m->nenvs; i++)
        if (!m->envs[i]->eval || !own_env(m->envs[i]))
            return;
    EnvCheck c = {.base = m, .d = d, .a = &m->pg->arena, .global = global_bits()};
    deployments(&c);    /* E0903, and which ids are shared */
    /* every deployment claims its state bucket and its buckets at least */
    size_t expect = 0;
    for (int i = 0; i < m->nenvs; i++)
        expect += (size_t)model_kind(m->envs[i]->eval, "account")->n +
                  (size_t)model_kind(m->envs[i]->eval, "bucket")->n;
    c.names.claims = grow_to(c.names.claims, &c.names.ccap, expect, sizeof *c.names.claims);
    /* one memo an environment: an account's "P-A" derived once for all
       its names, object kinds told apart by pointer */
    NameMemo *memo = calloc(1, sizeof *memo);
    c.kids = calloc(c.env_deps[1] - c.env_deps[0] + 1, sizeof *c.kids);
    for (int i = 0; i < m->nenvs; i++) {
        if (memo && i > 0) {    /* a memo serves one context (the first: calloc'd) */
            names_memo_release(memo);
            memset(memo, 0, sizeof *memo);
        }
        NameCtx nc = names_ctx_memo(m->envs[i]->eval, own_env(m->envs[i]), memo);
        c.name_ov = overrides_names(nc.env);
        for (size_t k = c.env_deps[i]; k < c.env_deps[i + 1]; k++) {
            deployment_prefetch(nc.m, c.deps, k, c.env_deps[i + 1]);
            deployment(&c, &nc, (uint32_t)i, &c.deps[k]);
        }
    }
    if (memo)
        names_memo_release(memo);
    free(memo);
    uint32_t *first = malloc((c.names.nclaims ? c.names.nclaims : 1) * sizeof *first);
    if (!first)
        abort();
    xprefault(first, c.names.nclaims * sizeof *first);
    probe_all(&c.names, first);
    report_all(&c, first);
    free(first);
    if (c.any_pair)     /* no account in two environments: no networks meet */
        networks(&c);
    set_release(&c.names);
    free(c.kids);
    free(c.idslots.slot);
    free(c.ids);
    free(c.deps);
    free(c.env_deps);
}
