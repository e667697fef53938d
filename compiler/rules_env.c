/* rules_env.c — the environments against each other (SPEC §7.5).
 *
 * Runs after every environment has been evaluated (Environment.eval) and
 * checked on its own. A deployment is one (environment, account) pair; two
 * deployments of different environments must not create one AWS name
 * (E0901), share a state bucket (E0902), put two accounts in one AWS
 * account (E0903), or overlap networks that reach each other (E0904).
 *
 * Every name is a key in one hash table — "KIND SCOPE NAME", the scope
 * being "global" for S3 and the account id and region otherwise — so the
 * pass is linear in the deployments; the overlap sweep is O(n log n) per
 * pair of connected environments (environments are few). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"
#include "names.h"
#include "rulectx.h"
#include "banned.h"

/* One name created by one deployment. */
typedef struct Claim {
    const char *env;        /* the environment */
    const Object *obj;      /* the object that creates it (in that environment's model) */
    Site site;              /* where to point; no src: name_site(m, obj, kind), found
                             * only for a diagnostic */
    const Model *m;         /* that environment's model (a name's claim) */
    NameKind kind;          /* the name's kind (a name's claim) */
} Claim;

/* A set of names, malloc'd and freed with the pass: hundreds of thousands
 * of short-lived keys would only bloat the program's arena and interner. */
typedef struct NameSlot {
    uint64_t hash;          /* 0: empty */
    uint32_t key, len;      /* the key: keys[key .. key + len) */
    uint32_t claim;         /* index into claims */
} NameSlot;

typedef struct NameSet {
    NameSlot *slots;        /* open addressing, a power of two */
    size_t cap, n;
    char *keys;             /* every key, back to back */
    size_t klen, kcap;
    Claim *claims;
    size_t nclaims, ccap;
} NameSet;

/* The pass's state. */
typedef struct EnvCheck {
    Model *base;
    DiagEngine *d;
    Arena *a;
    NameSet names;          /* "KIND SCOPE NAME" -> the first claim */
    Table ids;              /* interned account id -> Claim* (the account) */
    Table shared_ids;       /* interned account id -> non-NULL: deployed by two environments */
    const char *kinds[8];   /* object kinds seen (interned)... */
    unsigned kind_bits[8];  /* ...and bit i set when checked[i] applies to them */
    unsigned global;        /* bit i set when checked[i] is unique across AWS */
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
    *cap = c;
    return q;
}

/* A key's hash (a name is hashed once per deployment that creates it,
 * tens of thousands of keys of ~40 bytes; byte-wise FNV was half of
 * claiming one); never 0. */
static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = intern_hash_words(s, n);
    return h ? h : 1;
}

/* The claim already made for key, or NULL after recording cl as its first. */
static const Claim *set_claim(NameSet *s, const char *key, size_t len, Claim cl)
{
    if ((s->n + 1) * 10 > s->cap * 7) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        NameSlot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            abort();
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].hash) {
                size_t j = s->slots[i].hash & (cap - 1);
                while (ns[j].hash)
                    j = (j + 1) & (cap - 1);
                ns[j] = s->slots[i];
            }
        free(s->slots);
        s->slots = ns;
        s->cap = cap;
    }
    uint64_t h = key_hash(key, len);
    size_t i = h & (s->cap - 1);
    for (; s->slots[i].hash; i = (i + 1) & (s->cap - 1))
        if (s->slots[i].hash == h && s->slots[i].len == len &&
            memcmp(s->keys + s->slots[i].key, key, len) == 0)
            return &s->claims[s->slots[i].claim];
    s->keys = grow_to(s->keys, &s->kcap, s->klen + len, 1);
    memcpy(s->keys + s->klen, key, len);
    s->claims = grow_to(s->claims, &s->ccap, s->nclaims + 1, sizeof *s->claims);
    s->claims[s->nclaims] = cl;
    s->slots[i] = (NameSlot){h, (uint32_t)s->klen, (uint32_t)len, (uint32_t)s->nclaims++};
    s->klen += len;
    s->n++;
    return NULL;
}

/* Sizes s for about n claims at once: the set grows by doubling from
 * 1,024 otherwise, and rehashing and reallocating every name of a
 * 10,000-account platform a dozen times was a fifth of claiming them. */
static void set_reserve(NameSet *s, size_t n)
{
    size_t cap = 4096;
    while (cap / 10 * 7 < n && cap < ((size_t)1 << 40))
        cap *= 2;
    if (!(s->slots = calloc(cap, sizeof *s->slots)))
        abort();
    s->cap = cap;
    s->keys = grow_to(s->keys, &s->kcap, n * 48, 1);
    s->claims = grow_to(s->claims, &s->ccap, n, sizeof *s->claims);
}

static void set_release(NameSet *s)
{
    free(s->slots);
    free(s->keys);
    free(s->claims);
}

static const Environment *own_env(const Environment *e)
{
    return model_env(e->eval, e->name);
}

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

/* Records that env's obj creates name (kind, scope). Returns the claim of
 * another environment that already does, or NULL. */
static const Claim *claim(EnvCheck *c, const char *what, const char *scope, const char *name,
                          Claim cl)
{
    if (!scope || !name || !*name)
        return NULL;
    /* "WHAT SCOPE NAME", without printf: one key per name per deployment */
    char key[1024];
    size_t lw = strlen(what), ls = strlen(scope), ln = strlen(name), n = lw + ls + ln + 2;
    if (n >= sizeof key)
        return NULL;
    memcpy(key, what, lw);
    key[lw] = ' ';
    memcpy(key + lw + 1, scope, ls);
    key[lw + 1 + ls] = ' ';
    memcpy(key + lw + ls + 2, name, ln);
    const Claim *prev = set_claim(&c->names, key, n, cl);
    if (!prev)
        return NULL;
    return prev->env == cl.env ? NULL : prev;  /* one environment's own are E0503 and friends */
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

/* Where a claim points. */
static Site claim_site(const Claim *cl)
{
    return cl->site.src ? cl->site : name_site(cl->m, cl->obj, cl->kind);
}

/* One diagnostic for everything obj in env creates that prev's object
 * already does: names is "IAM role \"x\", load balancer \"y\"". */
static void collision(EnvCheck *c, const char *code, const char *names, int n, const char *env,
                      const Object *obj, Site site, const Claim *prev)
{
    Diag *g = diag_new(c->d, DIAG_ERROR, code, site.src, site.span,
                       "%s %s created by both environment `%s` (`%s`) and `%s` (`%s`)", names,
                       n > 1 ? "are" : "is", prev->env, prev->obj->path, env, obj->path);
    diag_label(c->d, g, "`%s` in environment `%s`", obj->path, env);
    Site at = claim_site(prev);
    diag_secondary(c->d, g, at.src, at.span, "`%s` in environment `%s`", prev->obj->path,
                   prev->env);
    diag_help(c->d, g, "%s", help_for(code));
    diag_emit(c->d, g);
}

/* E0903: one AWS account id, two accounts of the platform. */
static void account_id(EnvCheck *c, const Model *m, const char *env, const Object *acct)
{
    const char *id = model_str(m, acct, "id", NULL);
    if (!id)
        return;
    const char *k = intern_cstr(&c->base->pg->in, id);
    Site site = model_value_site(model_get(m, acct, "id"), model_site(m, acct, "id"));
    Claim *prev = table_get(&c->ids, k);
    if (!prev) {
        Claim *cl = arena_alloc(c->a, sizeof *cl);
        *cl = (Claim){env, acct, site, m, NAME_NETWORK};
        table_put(&c->ids, k, cl);
        return;
    }
    if (prev->env != env)
        table_put(&c->shared_ids, k, (void *)k);
    if (prev->env == env || strcmp(prev->obj->path, acct->path) == 0)
        return;     /* the same account shared by two environments is layout (b) */
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0903", site.src, site.span,
                       "account id \"%s\" is `%s` in environment `%s` and `%s` in `%s`", id,
                       acct->path, env, prev->obj->path, prev->env);
    diag_label(c->d, g, "id of `%s` in environment `%s`", acct->path, env);
    diag_secondary(c->d, g, prev->site.src, prev->site.span, "id of `%s` in environment `%s`",
                   prev->obj->path, prev->env);
    diag_help(c->d, g, "an AWS account holds one account of the platform: give `%s` its own id",
              acct->path);
    diag_emit(c->d, g);
}

/* A name kind checked across environments, and the namespace AWS keeps
 * it unique in (what two claims must share to collide). */
typedef struct Checked {
    NameKind kind;
    const char *what;       /* "IAM role": also the namespace */
    bool global;            /* unique across AWS (S3), else per account and region */
} Checked;

static const Checked checked[] = {
    {NAME_FLOW_LOG_ROLE, "IAM role", false},      {NAME_LOCK_TABLE, "lock table", false},
    {NAME_CLUSTER, "ECS cluster", false},          {NAME_CAPACITY_PROVIDER, "capacity provider", false},
    {NAME_INSTANCE_ROLE, "IAM role", false},       {NAME_TASK_ROLE, "IAM role", false},
    {NAME_EXEC_ROLE, "IAM role", false},           {NAME_LOG_GROUP, "log group", false},
    {NAME_LOAD_BALANCER, "load balancer", false},  {NAME_DB, "database identifier", false},
    {NAME_BUCKET, "bucket", true},                 {NAME_ECR, "ECR repository", false},
    {NAME_SECRET, "secret", false},
};

/* Bit i set when checked[i] applies to o (names_applies), through the
 * kinds seen: a pointer compare an object, not a strcmp a kind. */
static unsigned checked_bits(EnvCheck *c, const Object *o)
{
    int i = 0;
    for (; i < 8 && c->kinds[i]; i++)
        if (c->kinds[i] == o->kind)
            return c->kind_bits[i];
    unsigned bits = 0;
    for (size_t k = 0; k < sizeof checked / sizeof checked[0]; k++)
        if (names_applies(checked[k].kind, o))
            bits |= 1u << k;
    if (i < 8) {
        c->kinds[i] = o->kind;
        c->kind_bits[i] = bits;
    }
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

/* The name of kind k of o into buf; false when it has none. A bucket's is
 * the one E0502 derived in the same evaluation (rctx_kept_bucket), unless
 * this environment overrides its `name`: E0502 read the field, this pass
 * reads the override, which may be evaluated apart from it. */
static bool derive_name(const NameCtx *nc, NameKind k, const Object *o, char *buf, size_t cap)
{
    const char *kept = k == NAME_BUCKET ? rctx_kept_bucket(nc->m, o) : NULL;
    if (kept && !(nc->env && rctx_overridden(nc->m, o, "name", nc->env))) {
        size_t n = strlen(kept);
        if (n < cap) {
            memcpy(buf, kept, n + 1);
            return n > 0;
        }
    }
    return names_derive(nc, k, o, buf, cap) > 0;
}

static void claim_all(EnvCheck *c, const NameCtx *nc, const char *scope, const char *env,
                      const Object *o)
{
    char buf[512];
    const char *names = NULL;
    const Claim *first = NULL;
    Site site = {0};
    int n = 0;
    /* per-account names meet only in an account two environments use */
    unsigned bits = checked_bits(c, o) & (scope ? ~0u : c->global);
    for (size_t i = 0; bits >> i; i++) {
        const Checked *k = &checked[i];
        if (!(bits >> i & 1))
            continue;
        if (k->kind == NAME_CLUSTER && strcmp(o->kind, "account") == 0 &&
            !names_has_implicit_cluster(nc, o))
            continue;
        if (k->kind == NAME_FLOW_LOG_ROLE && !model_child(nc->m, o, "network", NULL))
            continue;   /* no VPC, no flow logs */
        if (k->kind == NAME_ECR && model_bool(nc->m, o, "shared", false))
            continue;   /* one registry for every environment, created by one */
        if (!derive_name(nc, k->kind, o, buf, sizeof buf))
            continue;
        const Claim *prev = claim(c, k->what, k->global ? "global" : scope, buf,
                                  (Claim){env, o, {0}, nc->m, k->kind});
        if (!prev || (first && (prev->obj != first->obj || prev->env != first->env)))
            continue;
        first = first ? first : prev;
        site = n ? site : name_site(nc->m, o, k->kind);
        names = arena_printf(c->a, "%s%s%s \"%s\"", names ? names : "", names ? ", " : "",
                             k->what, buf);
        n++;
    }
    if (first)
        collision(c, "E0901", names, n, env, o, site, first);
}

/* The names one deployment creates (names.c derives them all). */
static void deployment(EnvCheck *c, const NameCtx *ncp, const char *env, const Object *acct)
{
    char buf[512], sc[64];
    const NameCtx nc = *ncp;
    const Model *m = nc.m;
    const char *id = model_str(m, acct, "id", NULL);
    bool shared = id && table_get(&c->shared_ids, intern_cstr(&c->base->pg->in, id));
    const char *scope = shared ? scope_of(m, acct, sc, sizeof sc) : NULL;
    if (names_derive(&nc, NAME_STATE_BUCKET, acct, buf, sizeof buf) > 0) {
        const Claim *prev = claim(c, "state bucket", "global", buf,
                                  (Claim){env, acct, {0}, m, NAME_STATE_BUCKET});
        if (prev)
            collision(c, "E0902", arena_printf(c->a, "state bucket \"%s\"", buf), 1, env, acct,
                      name_site(m, acct, NAME_STATE_BUCKET), prev);
    }
    claim_all(c, &nc, scope, env, acct);
    for (int i = 0; i < acct->nchildren; i++)
        claim_all(c, &nc, scope, env, acct->children[i]);
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

void rules_env(Model *m, DiagEngine *d)
{
    if (m->nenvs < 2)
        return;
    for (int i = 0; i < m->nenvs; i++)
        if (!m->envs[i]->eval || !own_env(m->envs[i]))
            return;
    EnvCheck c = {.base = m, .d = d, .a = &m->pg->arena, .global = global_bits()};
    table_init(&c.ids);
    table_init(&c.shared_ids);
    for (int i = 0; i < m->nenvs; i++) {     /* E0903, and which ids are shared */
        const Model *em = m->envs[i]->eval;
        const Environment *env = own_env(m->envs[i]);
        const ObjList *accs = model_kind(em, "account");
        for (int k = 0; k < accs->n; k++)
            if (rctx_env_has(em, env, accs->items[k]))
                account_id(&c, em, m->envs[i]->name, accs->items[k]);
    }
    /* every deployment claims its state bucket and its buckets at least */
    size_t expect = 0;
    for (int i = 0; i < m->nenvs; i++)
        expect += (size_t)model_kind(m->envs[i]->eval, "account")->n +
                  (size_t)model_kind(m->envs[i]->eval, "bucket")->n;
    set_reserve(&c.names, expect);
    /* one memo an environment: an account's "P-A" derived once for all
       its names, object kinds told apart by pointer */
    NameMemo *memo = calloc(1, sizeof *memo);
    for (int i = 0; i < m->nenvs; i++) {
        const Model *em = m->envs[i]->eval;
        const Environment *env = own_env(m->envs[i]);
        const ObjList *accs = model_kind(em, "account");
        if (memo) {     /* a memo serves one context */
            names_memo_release(memo);
            memset(memo, 0, sizeof *memo);
        }
        NameCtx nc = names_ctx_memo(em, env, memo);
        for (int k = 0; k < accs->n; k++)
            if (rctx_env_has(em, env, accs->items[k]))
                deployment(&c, &nc, m->envs[i]->name, accs->items[k]);
    }
    if (memo)
        names_memo_release(memo);
    free(memo);
    networks(&c);
    set_release(&c.names);
    table_release(&c.ids);
    table_release(&c.shared_ids);
}
