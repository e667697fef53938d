/* names.c — derivation of the AWS names sfdc creates (see names.h). It runs
 * for every object of every account in `check`, so it formats without
 * printf and allocates nothing. */
#include "names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awsconstraints.h"
#include "strbuf.h"

#include "banned.h"

NameCtx names_ctx(const Model *m, const Environment *env)
{
    return (NameCtx){m, env, NULL};
}

NameCtx names_ctx_memo(const Model *m, const Environment *env, NameMemo *memo)
{
    return (NameCtx){m, env, memo};
}

const char *names_platform(const Model *m)
{
    return m->platform && m->platform->name ? m->platform->name : "platform";
}

/* ---- formatting --------------------------------------------------------- */

/* A name being written: like snprintf, n counts every character, written
 * or not. */
typedef struct NameBuf {
    char *buf;
    size_t cap, n;
} NameBuf;

enum { KEEP, DASH, LOWER_DASH, DIR, UNIT };

/* What LOWER_DASH, DIR and UNIT make of each byte (see put): one lookup a
 * character (unit directories are derived for every block of every
 * account). */
static const unsigned char *transform(int how)
{
    static unsigned char map[3][256];
    static bool built;
    if (!built) {
        for (int t = 0; t < 3; t++)
            for (int i = 0; i < 256; i++) {
                unsigned char ch = (unsigned char)i;
                if (ch >= 'A' && ch <= 'Z')
                    ch = (unsigned char)(ch - 'A' + 'a');
                if (t != DIR - LOWER_DASH && ch == '_')
                    ch = '-';
                if (t >= DIR - LOWER_DASH &&
                    !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
                    ch = '-';
                map[t][i] = ch;
            }
        built = true;
    }
    return map[how - LOWER_DASH];
}

/* Appends s, transformed: DASH `_` -> `-`; LOWER_DASH also lower case;
 * DIR lower case and anything outside [a-z0-9_-] -> `-` (a directory);
 * UNIT as DIR, and `_` -> `-` too (a unit directory).
 * `check` derives every name of every object in every environment. KEEP
 * is a strlen and a memcpy: fewer instructions than a loop a byte from ~6
 * bytes on. The others transform as they copy, in one pass (a label with
 * `_`s took a memchr call each). */
static void put(NameBuf *b, const char *s, int how)
{
    size_t room = b->n + 1 < b->cap ? b->cap - 1 - b->n : 0, i = 0;
    char *out = room ? b->buf + b->n : NULL;
    if (how == KEEP) {
        size_t len = strlen(s);
        if (room)
            memcpy(out, s, len < room ? len : room);
        b->n += len;    /* what did not fit still counts */
        return;
    }
    if (how == DASH)
        for (; i < room && s[i]; i++)
            out[i] = s[i] == '_' ? '-' : s[i];
    else {
        const unsigned char *map = transform(how);
        for (; i < room && s[i]; i++)
            out[i] = (char)map[(unsigned char)s[i]];
    }
    b->n += i + (s[i] ? strlen(s + i) : 0);     /* what did not fit still counts */
}

/* Appends s[0, len), a name derived already (its length known: one memcpy). */
static void put_n(NameBuf *b, const char *s, size_t len)
{
    size_t room = b->n + 1 < b->cap ? b->cap - 1 - b->n : 0;
    if (room)
        memcpy(b->buf + b->n, s, len < room ? len : room);
    b->n += len;
}

/* Appends a name derived into inner[cap] with length n (truncated when
 * n >= cap: then only what inner holds). */
static void put_inner(NameBuf *b, const char *inner, size_t n, size_t cap)
{
    if (n < cap)
        put_n(b, inner, n);
    else
        put(b, inner, KEEP);
}

/* Appends one character (a separator). */
static void put_ch(NameBuf *b, char ch)
{
    if (b->n + 1 < b->cap)
        b->buf[b->n] = ch;
    b->n++;
}

static size_t done(NameBuf *b)
{
    if (b->cap)
        b->buf[b->n + 1 < b->cap ? b->n : b->cap - 1] = '\0';
    return b->n;
}

static size_t copy(const char *s, char *buf, size_t cap)
{
    if (!s || !*s) {    /* "": an object without such a name, asked of most */
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    NameBuf b = {buf, cap, 0};
    put(&b, s, KEEP);
    return done(&b);
}

/* ---- model access ------------------------------------------------------- */

/* model_field, through the memo's cache of field declarations: names
 * are derived for every object of every account, each reading a field or
 * two, and interning the field's name and probing the schema was a third
 * of a derivation. f is one of this file's literals. */
static const Field *field(const NameCtx *c, const Object *o, const char *f)
{
    if (!c->memo)
        return model_field(c->m, o, f);
    size_t h = (((uintptr_t)f >> 3) ^ ((uintptr_t)o->schema >> 4)) &
               (sizeof c->memo->fields / sizeof c->memo->fields[0] - 1);
    if (c->memo->fields[h].lit != f || c->memo->fields[h].schema != o->schema) {
        c->memo->fields[h].lit = f;
        c->memo->fields[h].schema = o->schema;
        c->memo->fields[h].fd = schema_field(o->schema, intern_cstr(&c->m->pg->in, f));
    }
    const FieldDecl *fd = c->memo->fields[h].fd;
    return fd ? &model_fields(c->m, o)[fd->index] : NULL;
}

/* o's field f in the context's environment (model_get_env), or NULL when
 * it has no value. */
static const Value *get(const NameCtx *c, const Object *o, const char *f)
{
    const Field *fl = field(c, o, f);
    const Override *ov = fl && c->env ? table_get(&c->env->by_field, fl) : NULL;
    const Value *v = ov ? ov->val : fl ? fl->val : NULL;
    return v && v->kind != VAL_ERROR && v->kind != VAL_NULL ? v : NULL;
}

static const char *get_str(const NameCtx *c, const Object *o, const char *f)
{
    const Value *v = get(c, o, f);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : NULL;
}

static bool get_bool(const NameCtx *c, const Object *o, const char *f, bool fallback)
{
    const Value *v = get(c, o, f);
    return v && v->kind == VAL_BOOL ? v->u.b : fallback;
}

static const char *acct_name(const Object *acct)
{
    return acct && acct->name ? acct->name : "account";
}

/* The environment whose name every derived name of acct carries: in an
 * environment's own evaluation, when more than one environment deploys
 * the account (SPEC §7.5), so no two deployments derive one name. */
static const char *env_of(const NameCtx *c, const Object *acct)
{
    return c->m->env && acct && acct->multi_env ? c->m->env : NULL;
}

/* The account segment of a derived name: "ENV-ACCOUNT" or "ACCOUNT". */
static void put_acct(NameBuf *b, const NameCtx *c, const Object *acct, int how)
{
    const char *env = env_of(c, acct);
    if (env) {
        put(b, env, how);
        put_ch(b, '-');
    }
    put(b, acct_name(acct), how);
}

static bool is_kind(const Object *o, const char *kind)
{
    return o && strcmp(o->kind, kind) == 0;
}

/* The account an object belongs to (an account is its own). */
static const Object *account_of(const Object *o)
{
    return is_kind(o, "account") ? o : o->account;
}

/* ---- derivations -------------------------------------------------------- */

/* The kinds other names are built on: the only ones the memo keeps (a
 * name nothing is built on is asked for once a pass; keeping it would
 * only copy it). */
static bool kept_kind(NameKind k)
{
    return k == NAME_NETWORK || k == NAME_CLUSTER || k == NAME_CAPACITY_PROVIDER ||
           k == NAME_ROLE_PREFIX || k == NAME_LOAD_BALANCER || k == NAME_DB ||
           k == NAME_SECRET_PREFIX;
}

/* The memo's slot for (o, k). */
static NameMemoSlot *memo_slot(const NameCtx *c, const Object *o, NameKind k)
{
    return &c->memo->slot[(((uintptr_t)o >> 4) * 37u + (size_t)k) & (NAMES_MEMO_SLOTS - 1)];
}

/* "P-A" (dashed), the start of every derived name of acct. */
static void put_base(NameBuf *b, const NameCtx *c, const Object *acct)
{
    put(b, names_platform(c->m), DASH);
    put_ch(b, '-');
    put_acct(b, c, acct, DASH);
}

/* The memo's slot for acct's "P-A" (empty when it has none yet), or
 * NULL when the table cannot be had: sized once, for every account of
 * the model, so it never grows. */
static struct NameBase *base_slot(const NameCtx *c, const Object *acct)
{
    NameMemo *mm = c->memo;
    if (!mm->bases) {
        size_t n = 64, accs = (size_t)model_kind(c->m, "account")->n;
        while (n < 2 * accs && n < ((size_t)1 << 40))
            n *= 2;
        if (!(mm->bases = calloc(n, sizeof *mm->bases)))
            return NULL;
        mm->nbases = n;
        mm->bspan = c->m->nobjects > 0 ? (size_t)c->m->nobjects : 1;
    }
    /* Spread in the accounts' own order (their objects' indexes), not
       hashed: the walks reach the accounts in that order, so their slots
       follow one another through memory, where a hash sent each account
       to a random line of the table (1 MB, a DRAM miss at 30,000 LAs). */
    size_t i = (size_t)((uint64_t)acct->index * mm->nbases / mm->bspan) & (mm->nbases - 1),
           probes = 0;
    for (; mm->bases[i].acct && mm->bases[i].acct != acct; i = (i + 1) & (mm->nbases - 1))
        if (++probes == mm->nbases / 2)
            return NULL;    /* more accounts than counted: derive, never fill up */
    return &mm->bases[i];
}

/* Keeps text[0, len) as e's account's "P-A" (nothing when out of memory). */
static void base_keep(NameMemo *mm, struct NameBase *e, const Object *acct, const char *text, size_t len)
{
    if (len >= UINT32_MAX / 4 || mm->btlen + len >= UINT32_MAX / 2)
        return;
    if (mm->btlen + len > mm->btcap) {
        size_t cap = mm->btcap ? mm->btcap : 4096;
        while (cap < mm->btlen + len)
            cap *= 2;
        char *t = realloc(mm->btext, cap);
        if (!t)
            return;
        mm->btext = t;
        mm->btcap = cap;
    }
    memcpy(mm->btext + mm->btlen, text, len);
    *e = (struct NameBase){acct, (uint32_t)mm->btlen, (uint32_t)len};
    mm->btlen += len;
}

void names_memo_release(NameMemo *memo)
{
    free(memo->bases);
    free(memo->btext);
    memo->bases = NULL;
    memo->btext = NULL;
    memo->nbases = memo->btlen = memo->btcap = 0;
}

/* put_base through the memo: "P-A" is the account's NAME_NETWORK, and the
 * start of its clusters', services', databases' and buckets' names. */
static void put_base_memo(NameBuf *b, const NameCtx *c, const Object *acct)
{
    struct NameBase *e = c->memo && acct ? base_slot(c, acct) : NULL;
    if (e && e->acct == acct) {
        put_n(b, c->memo->btext + e->off, e->len);
        return;
    }
    size_t from = b->n;
    put_base(b, c, acct);
    if (e && b->n + 1 < b->cap)
        base_keep(c->memo, e, acct, b->buf + from, b->n - from);
}

/* "P-A[-<label>]", dashed. */
static size_t derived(const NameCtx *c, const Object *acct, const char *label, char *buf, size_t cap)
{
    NameBuf b = {buf, cap, 0};
    put_base_memo(&b, c, acct);
    if (label) {
        put_ch(&b, '-');
        put(&b, label, DASH);
    }
    return done(&b);
}

/* Derives the name of kind k of o (or the cluster svc runs in: o NULL)
 * into buf after pre, in place. Returns its length, or SIZE_MAX when it
 * would not fit 512 bytes or buf: then the caller derives it apart (into
 * 512 bytes, truncated, as it always has; back ends see the same names). */
static size_t inner_in_place(const NameCtx *c, const char *pre, NameKind k, const Object *o,
                             const Object *svc, char *buf, size_t cap)
{
    size_t lp = strlen(pre);
    if (cap <= lp + 1)
        return SIZE_MAX;
    size_t room = cap - lp < 512 ? cap - lp : 512;
    size_t n = svc ? names_service_cluster(c, svc, buf + lp, room) : names_derive(c, k, o, buf + lp, room);
    if (n >= room)
        return SIZE_MAX;
    memcpy(buf, pre, lp);
    return n;
}

/* pre + the name of kind k of o + post (a module's "${var.name}-alb"). */
static size_t around(const NameCtx *c, const char *pre, NameKind k, const Object *o, const char *post,
                     char *buf, size_t cap)
{
    size_t n = inner_in_place(c, pre, k, o, NULL, buf, cap);
    if (n != SIZE_MAX) {
        if (n == 0)
            return copy("", buf, cap);
        NameBuf b = {buf, cap, strlen(pre) + n};
        put(&b, post, KEEP);
        return done(&b);
    }
    char inner[512];
    n = names_derive(c, k, o, inner, sizeof inner);
    if (n == 0)
        return copy("", buf, cap);
    NameBuf b = {buf, cap, 0};
    put(&b, pre, KEEP);
    put_inner(&b, inner, n, sizeof inner);
    put(&b, post, KEEP);
    return done(&b);
}

/* Whether the model has no cluster block at all (the common platform: one
 * implicit cluster an account), known once a memo's context. */
static bool no_cluster_blocks(const NameCtx *c)
{
    if (!c->memo)
        return false;
    if (!c->memo->clusters)
        c->memo->clusters = model_kind(c->m, "cluster")->n ? 2 : 1;
    return c->memo->clusters == 1;
}

const Object *names_cluster_of(const NameCtx *c, const Object *svc)
{
    const Value *v = get(c, svc, "cluster");
    if (v && v->kind == VAL_REF && v->ref)
        return v->ref;
    if (no_cluster_blocks(c))
        return NULL;        /* not a scan of the account's blocks for every service */
    const Object *acct = svc->account, *only = NULL;
    for (int i = 0; acct && i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "cluster")) {
            if (only)
                return NULL;
            only = acct->children[i];
        }
    return only;
}

bool names_has_implicit_cluster(const NameCtx *c, const Object *acct)
{
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "service") && !names_cluster_of(c, acct->children[i]))
            return true;
    return false;
}

size_t names_service_cluster(const NameCtx *c, const Object *svc, char *buf, size_t cap)
{
    const Object *cl = names_cluster_of(c, svc);
    return names_derive(c, NAME_CLUSTER, cl ? cl : svc->account, buf, cap);
}

/* ecs-service: "<cluster><sep><service><post>" (family, log group). */
static size_t in_cluster(const NameCtx *c, const char *pre, const Object *svc, const char *sep,
                         char *buf, size_t cap)
{
    size_t n = inner_in_place(c, pre, NAME_CLUSTER, NULL, svc, buf, cap);
    if (n != SIZE_MAX) {
        NameBuf b = {buf, cap, strlen(pre) + n};
        put(&b, sep, KEEP);
        put(&b, svc->name ? svc->name : "", KEEP);
        return done(&b);
    }
    char cl[512];
    n = names_service_cluster(c, svc, cl, sizeof cl);
    NameBuf b = {buf, cap, 0};
    put(&b, pre, KEEP);
    put_inner(&b, cl, n, sizeof cl);
    put(&b, sep, KEEP);
    put(&b, svc->name ? svc->name : "", KEEP);
    return done(&b);
}

/* Whether a service has a load balancer: access = public() or vpn(CIDR)
 * (lower.c plans one exactly then). */
static bool has_lb(const NameCtx *c, const Object *svc)
{
    const Value *v = get(c, svc, "access");
    if (!v || v->kind != VAL_CALL)
        return false;
    return strcmp(v->u.str, "public") == 0 ||
           (strcmp(v->u.str, "vpn") == 0 && v->n > 0 && v->items[0]->kind == VAL_CIDR);
}

/* Load balancer and target group names: at most 32 characters; a longer
 * one keeps its first 25 and gets a stable 6-hex-digit hash. */
static size_t lb_name(const NameCtx *c, const Object *svc, char *buf, size_t cap)
{
    if (!has_lb(c, svc))
        return copy("", buf, cap);
    char full[512];
    NameBuf f = {full, sizeof full, 0};
    put_acct(&f, c, svc->account, DASH);
    put_ch(&f, '-');
    put(&f, svc->name ? svc->name : "", DASH);
    size_t len = done(&f);
    if (len <= 32)
        return copy(full, buf, cap);
    unsigned long h = 5381;
    for (const char *p = full; *p; p++)
        h = h * 33u ^ (unsigned char)*p;
    h &= 0xffffffUL;
    char hex[8] = "-000000";
    for (int i = 6; i >= 1; i--, h >>= 4)
        hex[i] = "0123456789abcdef"[h & 15];
    full[25] = '\0';
    NameBuf b = {buf, cap, 0};
    put(&b, full, KEEP);
    put(&b, hex, KEEP);
    return done(&b);
}

/* The state bucket: `state { bucket }` (evaluated per account), else
 * "P-tfstate-<account id>". */
static size_t state_bucket(const NameCtx *c, const Object *acct, char *buf, size_t cap)
{
    const Value *v = model_state(c->m, acct, "bucket");
    if (v && v->kind == VAL_STR && v->u.str[0])
        return copy(v->u.str, buf, cap);
    const char *id = get_str(c, acct, "id"), *env = env_of(c, acct);
    NameBuf b = {buf, cap, 0};
    put(&b, names_platform(c->m), KEEP);
    if (env) {
        put_ch(&b, '-');
        put(&b, env, KEEP);
    }
    put(&b, "-tfstate-", KEEP);
    put(&b, id ? id : "000000000000", KEEP);
    return done(&b);
}

/* The lock table when the state is locked in DynamoDB. */
static size_t lock_table(const NameCtx *c, const Object *acct, char *buf, size_t cap)
{
    const Value *lock = model_state(c->m, acct, "lock");
    if (!lock || lock->kind != VAL_SYM || strcmp(lock->u.str, "dynamodb") != 0)
        return copy("", buf, cap);
    const Value *t = model_state(c->m, acct, "table");
    return copy(t && t->kind == VAL_STR && t->u.str[0] ? t->u.str : "terraform-locks", buf, cap);
}

static size_t account_name(const NameCtx *c, NameKind k, const Object *acct, char *buf, size_t cap)
{
    NameBuf b = {buf, cap, 0};
    switch (k) {
    case NAME_NETWORK:
        return derived(c, acct, NULL, buf, cap);
    case NAME_ENDPOINT_SG:          /* network/main.tf */
        return around(c, "", NAME_NETWORK, acct, "-vpc-endpoints", buf, cap);
    case NAME_FLOW_LOG_GROUP:
        return around(c, "/vpc/", NAME_NETWORK, acct, "/flow-logs", buf, cap);
    case NAME_FLOW_LOG_ROLE:
        return around(c, "", NAME_NETWORK, acct, "-vpc-flow-logs", buf, cap);
    case NAME_STATE_BUCKET:
        return state_bucket(c, acct, buf, cap);
    case NAME_LOCK_TABLE:
        return lock_table(c, acct, buf, cap);
    case NAME_SECRET_PREFIX:        /* secrets/main.tf: "${var.name_prefix}${each.key}" */
        put(&b, names_platform(c->m), KEEP);
        put_ch(&b, '/');
        put_acct(&b, c, acct, KEEP);
        put_ch(&b, '/');
        return done(&b);
    case NAME_ACCOUNT_ROLE: {
        const char *role = get_str(c, acct, "role");
        return copy(role && *role ? role : "OrganizationAccountAccessRole", buf, cap);
    }
    case NAME_DEPLOYER_ROLE:
        put(&b, names_platform(c->m), LOWER_DASH);
        if (env_of(c, acct)) {
            put_ch(&b, '-');
            put(&b, env_of(c, acct), LOWER_DASH);
        }
        put(&b, "-deployer", KEEP);
        return done(&b);
    case NAME_VPN_HUB:          /* transit-gateway/main.tf; one hub per deployment */
        put(&b, names_platform(c->m), LOWER_DASH);
        if (env_of(c, acct)) {
            put_ch(&b, '-');
            put(&b, env_of(c, acct), LOWER_DASH);
        }
        put(&b, "-vpn", KEEP);
        return done(&b);
    default:
        return copy("", buf, cap);
    }
}

/* Of a cluster block, or of an account (its implicit cluster). */
static size_t cluster_name(const NameCtx *c, NameKind k, const Object *o, char *buf, size_t cap)
{
    bool block = is_kind(o, "cluster");
    if (k == NAME_CLUSTER)
        return derived(c, account_of(o), block ? o->name : NULL, buf, cap);
    const char *compute = block ? get_str(c, o, "compute") : NULL;
    if (!compute || strcmp(compute, "ec2") != 0)
        return copy("", buf, cap);
    switch (k) {
    case NAME_CAPACITY_PROVIDER:
        return around(c, "", NAME_CLUSTER, o, "-ec2", buf, cap);
    case NAME_INSTANCE_ROLE:        /* ec2-spot-capacity/main.tf */
        return around(c, "", NAME_CAPACITY_PROVIDER, o, "-ecs-instance", buf, cap);
    case NAME_INSTANCE_SG:
        return around(c, "", NAME_CAPACITY_PROVIDER, o, "-instances", buf, cap);
    default:
        return copy("", buf, cap);
    }
}

static size_t service_name(const NameCtx *c, NameKind k, const Object *svc, char *buf, size_t cap)
{
    switch (k) {
    case NAME_SERVICE:
        return copy(svc->name, buf, cap);
    case NAME_TASK_FAMILY:          /* ecs-service/main.tf: family, security group */
    case NAME_SERVICE_SG:
        return in_cluster(c, "", svc, "-", buf, cap);
    case NAME_LOG_GROUP:
        return in_cluster(c, "/ecs/", svc, "/", buf, cap);
    case NAME_ROLE_PREFIX:
        return derived(c, svc->account, svc->name, buf, cap);
    case NAME_TASK_ROLE:
        return around(c, "", NAME_ROLE_PREFIX, svc, "-task", buf, cap);
    case NAME_EXEC_ROLE:
        return around(c, "", NAME_ROLE_PREFIX, svc, "-exec", buf, cap);
    case NAME_EXEC_POLICY:          /* a constant of the module */
        return copy("pull-logs-secrets", buf, cap);
    case NAME_SCALING_POLICY: {
        NameBuf b = {buf, cap, 0};
        put(&b, svc->name ? svc->name : "", KEEP);
        put(&b, "-cpu", KEEP);
        return done(&b);
    }
    case NAME_LOAD_BALANCER:
    case NAME_TARGET_GROUP:
        return lb_name(c, svc, buf, cap);
    case NAME_LB_SG:                /* load-balancer/main.tf */
        return around(c, "", NAME_LOAD_BALANCER, svc, "-alb", buf, cap);
    default:
        return copy("", buf, cap);
    }
}

static size_t db_name(const NameCtx *c, NameKind k, const Object *db, char *buf, size_t cap)
{
    switch (k) {
    case NAME_DB:
    case NAME_DB_SUBNET_GROUP:      /* aurora, rds/main.tf: subnet group = var.name */
        return derived(c, db->account, db->name, buf, cap);
    case NAME_DB_SG:
        return around(c, "", NAME_DB, db, "-db", buf, cap);
    case NAME_DB_CLIENT_SG:
        return around(c, "", NAME_DB, db, "-db-clients", buf, cap);
    case NAME_DB_FINAL_SNAPSHOT:
        return around(c, "", NAME_DB, db, "-final", buf, cap);
    default:
        return copy("", buf, cap);
    }
}

/* A bucket's name, given its `name` field's text (NULL: not set). */
static size_t bucket_named(const NameCtx *c, const Object *bucket, const char *name, char *buf,
                           size_t cap)
{
    return name ? copy(name, buf, cap) : derived(c, bucket->account, bucket->name, buf, cap);
}

static size_t bucket_name(const NameCtx *c, const Object *bucket, char *buf, size_t cap)
{
    return bucket_named(c, bucket, get_str(c, bucket, "name"), buf, cap);
}

/* ---- the table of kinds ------------------------------------------------- */

static const struct {
    const char *name;       /* its spelling */
    const char *objects;    /* object kinds it applies to, space-separated */
} kinds[NAME_NKINDS] = {
    [NAME_NETWORK] = {"network", "account"},
    [NAME_ENDPOINT_SG] = {"endpoint-security-group", "account"},
    [NAME_FLOW_LOG_GROUP] = {"flow-log-group", "account"},
    [NAME_FLOW_LOG_ROLE] = {"flow-log-role", "account"},
    [NAME_STATE_BUCKET] = {"state-bucket", "account"},
    [NAME_LOCK_TABLE] = {"lock-table", "account"},
    [NAME_SECRET_PREFIX] = {"secret-prefix", "account"},
    [NAME_ACCOUNT_ROLE] = {"account-role", "account"},
    [NAME_DEPLOYER_ROLE] = {"deployer-role", "account"},
    [NAME_VPN_HUB] = {"vpn-hub", "account"},
    [NAME_CLUSTER] = {"cluster", "account cluster"},
    [NAME_CAPACITY_PROVIDER] = {"capacity-provider", "cluster"},
    [NAME_INSTANCE_ROLE] = {"instance-role", "cluster"},
    [NAME_INSTANCE_SG] = {"instance-security-group", "cluster"},
    [NAME_SERVICE] = {"service", "service"},
    [NAME_TASK_FAMILY] = {"task-family", "service"},
    [NAME_SERVICE_SG] = {"service-security-group", "service"},
    [NAME_LOG_GROUP] = {"log-group", "service"},
    [NAME_ROLE_PREFIX] = {"role-prefix", "service"},
    [NAME_TASK_ROLE] = {"task-role", "service"},
    [NAME_EXEC_ROLE] = {"exec-role", "service"},
    [NAME_EXEC_POLICY] = {"exec-policy", "service"},
    [NAME_SCALING_POLICY] = {"scaling-policy", "service"},
    [NAME_LOAD_BALANCER] = {"load-balancer", "service"},
    [NAME_TARGET_GROUP] = {"target-group", "service"},
    [NAME_LB_SG] = {"lb-security-group", "service"},
    [NAME_DB] = {"db", "aurora rds"},
    [NAME_DB_SUBNET_GROUP] = {"db-subnet-group", "aurora rds"},
    [NAME_DB_SG] = {"db-security-group", "aurora rds"},
    [NAME_DB_CLIENT_SG] = {"db-client-security-group", "aurora rds"},
    [NAME_DB_FINAL_SNAPSHOT] = {"db-final-snapshot", "aurora rds"},
    [NAME_BUCKET] = {"bucket", "bucket"},
    [NAME_ECR] = {"ecr", "ecr"},
    [NAME_SECRET] = {"secret", "secret"},
    [NAME_ON_DEMAND_RULE] = {"on-demand-rule", "service"},
};

const char *names_kind_name(NameKind k)
{
    return k < NAME_NKINDS ? kinds[k].name : "?";
}

/* The object kinds names are derived for, a bit each. */
static unsigned owner_bit(const char *kind, size_t len)
{
    static const char *const owners[] = {"account", "cluster", "service", "aurora", "rds",
                                         "bucket", "ecr", "secret"};
    for (unsigned i = 0; i < sizeof owners / sizeof owners[0]; i++)
        if (strlen(owners[i]) == len && memcmp(owners[i], kind, len) == 0)
            return 1u << i;
    return 0;
}

/* kinds[k].objects as owner bits, built on first use: every names_derive()
 * asks, and comparing words cost more than deriving some names. */
static unsigned applies_masks[NAME_NKINDS];
static bool applies_built;

static void build_applies(void)
{
    for (int i = 0; i < NAME_NKINDS; i++)
        for (const char *p = kinds[i].objects; *p;) {
            size_t n = strcspn(p, " ");
            applies_masks[i] |= owner_bit(p, n);
            p += n + (p[n] == ' ');
        }
    applies_built = true;
}

/* (the table's test inlined, its building not: a call a name cost more
 * than the lookup) */
static inline unsigned applies_mask(NameKind k)
{
    if (!applies_built)
        build_applies();
    return applies_masks[k];
}

/* The owner bit of an object's kind (bit i is owner_bit's owners[i]):
 * first by its first letter, which tells the owners apart but for
 * `account`/`aurora` and `service`/`secret`. */
static unsigned object_bit(const Object *o)
{
    const char *kd = o->kind;
    switch (kd[0]) {
    case 'a':
        return strcmp(kd, "account") == 0 ? 1u << 0 : strcmp(kd, "aurora") == 0 ? 1u << 3 : 0;
    case 'c':
        return strcmp(kd, "cluster") == 0 ? 1u << 1 : 0;
    case 's':
        return strcmp(kd, "service") == 0 ? 1u << 2 : strcmp(kd, "secret") == 0 ? 1u << 7 : 0;
    case 'r':
        return strcmp(kd, "rds") == 0 ? 1u << 4 : 0;
    case 'b':
        return strcmp(kd, "bucket") == 0 ? 1u << 5 : 0;
    case 'e':
        return strcmp(kd, "ecr") == 0 ? 1u << 6 : 0;
    default:
        return 0;
    }
}

bool names_applies(NameKind k, const Object *o)
{
    if (k >= NAME_NKINDS || !o)
        return false;
    return (applies_mask(k) & object_bit(o)) != 0;
}

/* names_applies through the memo's kinds: a pointer compare, not strcmp,
 * for every name derived (a memo lives in one program, whose kinds are
 * interned). */
static inline bool applies(const NameCtx *c, NameKind k, const Object *o)
{
    if (!c->memo || k >= NAME_NKINDS || !o)
        return names_applies(k, o);
    NameMemo *mm = c->memo;
    size_t h = (size_t)(((uintptr_t)o->kind * 0x9e3779b97f4a7c15ull) >> 60) & 15;
    if (mm->kinds[h] != o->kind) {
        mm->kinds[h] = o->kind;
        mm->kind_bits[h] = object_bit(o);
    }
    return (applies_mask(k) & mm->kind_bits[h]) != 0;
}

bool names_deployment_wide(NameKind k)
{
    /* account_name(): the platform, env_of() and a suffix, nothing else */
    return k == NAME_DEPLOYER_ROLE || k == NAME_VPN_HUB;
}

/* The derivation itself, once names_derive() has found no memo of it. */
static size_t derive(const NameCtx *c, NameKind k, const Object *o, char *buf, size_t cap)
{
    if (k <= NAME_VPN_HUB)
        return account_name(c, k, o, buf, cap);
    if (k <= NAME_INSTANCE_SG)
        return cluster_name(c, k, o, buf, cap);
    if (k <= NAME_LB_SG)
        return service_name(c, k, o, buf, cap);
    if (k <= NAME_DB_FINAL_SNAPSHOT)
        return db_name(c, k, o, buf, cap);
    switch (k) {
    case NAME_BUCKET:
        return bucket_name(c, o, buf, cap);
    case NAME_ECR: {
        /* a registry declared shared serves every environment by one name */
        const char *env = get_bool(c, o, "shared", false) ? NULL : env_of(c, o->account);
        NameBuf b = {buf, cap, 0};
        if (env) {
            put(&b, env, KEEP);
            put_ch(&b, '-');
        }
        put(&b, o->name ? o->name : "", KEEP);
        return done(&b);
    }
    case NAME_SECRET: {
        char pre[512];
        names_derive(c, NAME_SECRET_PREFIX, o->account, pre, sizeof pre);
        NameBuf b = {buf, cap, 0};
        put(&b, pre, KEEP);
        put(&b, o->name ? o->name : "", KEEP);
        return done(&b);
    }
    default:
        return copy("", buf, cap);
    }
}

size_t names_derive(const NameCtx *c, NameKind k, const Object *o, char *buf, size_t cap)
{
    if (!applies(c, k, o))
        return copy("", buf, cap);
    if (!c->memo || !kept_kind(k))
        return derive(c, k, o, buf, cap);
    NameMemoSlot *e = memo_slot(c, o, k);
    if (e->o == o && e->k == (int)k) {
        if (e->len < cap) {
            memcpy(buf, e->text, e->len + 1);
            return e->len;
        }
        return copy(e->text, buf, cap);
    }
    size_t n = derive(c, k, o, buf, cap);
    if (n < sizeof e->text && n < cap) {
        memcpy(e->text, buf, n + 1);
        e->o = o;
        e->k = (int)k;
        e->len = (unsigned)n;
    }
    return n;
}

/* ---- parameterised names ------------------------------------------------ */

static void put_int(NameBuf *b, int n)
{
    char digits[SB_DIGITS_MAX + 1];
    digits[SB_DIGITS_MAX] = '\0';
    put(b, sb_digits(digits + SB_DIGITS_MAX, n < 0 ? 0u : (unsigned)n), KEEP);
}

size_t names_scheduled_action(const NameCtx *c, const Object *svc, bool up, int k, int of, char *buf,
                              size_t cap)
{
    (void)c;
    NameBuf b = {buf, cap, 0};
    put(&b, svc->name ? svc->name : "", DASH);
    put(&b, up ? "-on" : "-off", KEEP);
    if (of > 1) {
        put_ch(&b, '-');
        put_int(&b, k);
    }
    return done(&b);
}

size_t names_on_demand_rule(const NameCtx *c, const Object *service, const Object *bucket, char *buf,
                            size_t cap)
{
    char pre[512];
    names_derive(c, NAME_ROLE_PREFIX, service, pre, sizeof pre);
    NameBuf b = {buf, cap, 0};
    put(&b, pre, KEEP);
    put_ch(&b, '-');
    put(&b, bucket && bucket->name ? bucket->name : "", KEEP);
    return done(&b);
}

size_t names_zone(const NameCtx *c, const char *region, int i, char *buf, size_t cap)
{
    const AwscRegions *t = awsc_regions_shared(c->m->pg->stdlib_dir);
    if (!awsc_zone(awsc_region(t, region), region, i, buf, cap))
        return 0;
    return strlen(buf);
}

size_t names_db_instance(const NameCtx *c, const Object *db, int n, char *buf, size_t cap)
{
    char base[512];
    names_derive(c, NAME_DB, db, base, sizeof base);
    NameBuf b = {buf, cap, 0};
    put(&b, base, KEEP);
    put_ch(&b, '-');
    put_int(&b, n);
    return done(&b);
}

/* ---- directories -------------------------------------------------------- */

static size_t dir(const char *s, char *buf, size_t cap)
{
    NameBuf b = {buf, cap, 0};
    put(&b, s, DIR);
    if (b.n == 0)
        put(&b, "_", KEEP);
    return done(&b);
}

size_t names_env_dir(const NameCtx *c, char *buf, size_t cap)
{
    return dir(c->env && c->env->name ? c->env->name : "default", buf, cap);
}

size_t names_account_dir(const NameCtx *c, const Object *acct, char *buf, size_t cap)
{
    (void)c;
    return dir(acct_name(acct), buf, cap);
}

size_t names_unit_dir(const char *kind, const char *label, char *buf, size_t cap)
{
    NameBuf b = {buf, cap, 0};
    put(&b, kind, UNIT);
    if (label) {
        put_ch(&b, '-');
        put(&b, label, UNIT);
    }
    return done(&b);
}

size_t names_state_key(const NameCtx *c, const Object *acct, const char *unit, char *buf, size_t cap)
{
    char env[256], ac[256];
    names_env_dir(c, env, sizeof env);
    names_account_dir(c, acct, ac, sizeof ac);
    NameBuf b = {buf, cap, 0};
    put(&b, env, KEEP);
    put_ch(&b, '/');
    put(&b, ac, KEEP);
    if (unit) {
        put_ch(&b, '/');
        put(&b, unit, KEEP);
    }
    put(&b, "/terraform.tfstate", KEEP);
    return done(&b);
}

/* ---- the checker's entry points ----------------------------------------- */

size_t names_bucket(const NameCtx *c, const Object *bucket, char *buf, size_t cap, bool *explicit_name)
{
    /* names_derive(NAME_BUCKET) with `name` read once, not twice: E0502
       asks this of every bucket of every environment (NAME_BUCKET is not
       kept in a memo, so there is none to consult) */
    const char *name = get_str(c, bucket, "name");
    if (explicit_name)
        *explicit_name = name != NULL;
    if (!applies(c, NAME_BUCKET, bucket))
        return copy("", buf, cap);
    return bucket_named(c, bucket, name, buf, cap);
}

size_t names_state_bucket(const NameCtx *c, const Object *acct, char *buf, size_t cap)
{
    return names_derive(c, NAME_STATE_BUCKET, acct, buf, cap);
}

size_t names_ecr(const NameCtx *c, const Object *ecr, char *buf, size_t cap)
{
    return names_derive(c, NAME_ECR, ecr, buf, cap);
}

size_t names_role(const NameCtx *c, const Object *owner, NamesRole kind, char *buf, size_t cap)
{
    static const NameKind k[] = {NAME_TASK_ROLE, NAME_EXEC_ROLE, NAME_INSTANCE_ROLE};
    return names_derive(c, k[kind], owner, buf, cap);
}

void names_unit_label(char *dir)
{
    for (char *p = dir; *p; p++)
        if (*p == '-')
            *p = '_';
}

size_t names_vpn_attachment(const NameCtx *c, const Object *account, char *buf, size_t cap)
{
    char net[512];
    names_derive(c, NAME_NETWORK, account, net, sizeof net);
    NameBuf b = {buf, cap, 0};
    put(&b, net, KEEP);
    put(&b, "-vpn", KEEP);
    return done(&b);
}
