/* rules_build.c — what the back ends need (E08xx): every condition under
 * which `sfdc build`, the plan emitter or sfdrun's plan reader would refuse
 * a program is found here, with a code and a span, so that what `check`
 * accepts, `build` builds and sfdrun runs (SPEC §9.1, "Buildable").
 *
 *   E0801  services or databases in an account without `network`
 *   E0802  two blocks of an account become one unit directory
 *   E0803  an environment that deploys no account
 *   E0804  a platform, environment or account name the plan or the tree
 *          cannot carry (sfdrun's plan reader: [a-z][a-z0-9-]{0,62}), or a
 *          service, bucket or registry label its step ids cannot
 *   E0806  private services in a network with neither NAT nor the VPC
 *          endpoints their tasks need to start
 *   E0807  a VPN-only service no route from its VPN can reach
 *   E0808  an account whose VPN-only services are reached through the VPNs
 *          of two other accounts (its VPC is attached to one hub's gateway)
 *
 * None of these depends on an environment's overrides (children, labels
 * and `accounts` are not overridable), so each is reported once; E0806
 * reads `nat` and the endpoint lists of the model it is given, so an
 * environment's override is checked in that environment's own pass
 * (rules_check). */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "rulectx.h"
#include "banned.h"

/* The span of a block's label (what a rename changes), else its head. */
static Site label_site(const Object *o)
{
    const Node *l = o->node ? o->node->a : NULL;
    if (l && !o->use && (l->kind == NODE_IDENT || l->kind == NODE_STR))
        return (Site){o->src, l->span};
    return model_obj_site(o);
}

static bool is_kind(const Object *o, const char *kind)
{
    return strcmp(o->kind, kind) == 0;
}

/* Block kinds, interned like Object.kind, so a test is a pointer compare:
 * these passes look at every child of every account. */
typedef struct Kinds {
    const char *service, *aurora, *rds, *ecr, *cluster, *bucket, *network;
} Kinds;

static Kinds kinds_of(Model *m)
{
    Interner *in = &m->pg->in;
    return (Kinds){intern_cstr(in, "service"), intern_cstr(in, "aurora"), intern_cstr(in, "rds"),
                   intern_cstr(in, "ecr"),     intern_cstr(in, "cluster"), intern_cstr(in, "bucket"),
                   intern_cstr(in, "network")};
}

/* ---- walks of a shape check that filed nothing ---------------------------- */

/* The last walk of one kind list by a check wrapped in rctx_once with
 * rctx_fixed_shape (E0804's labels, E0802's directories). A walk that ran
 * with the sharing on and filed nothing left every object it asked about
 * clean (rulectx.h: nothing filed, and the shape is fixed), so a later
 * environment's walk of the same items would skip each one, reading each
 * object's header to learn it: a cache miss an object at 30,000 LAs. It
 * skips the walk instead, once rctx_once has said so of the first object:
 * that proves the walk remembered here ran in this sharing, not in an
 * earlier check's (whose objects may have had the same addresses). */
typedef struct CleanWalk {
    Object *const *items;   /* the items walked (a borrowed list's: the base's) */
    int n;                  /* how many */
    bool clean;             /* walked with the sharing on, and nothing was filed */
} CleanWalk;

enum { WALK_SERVICE, WALK_ECR, WALK_BUCKET, WALK_ACCOUNTS, WALK_N };
static CleanWalk walks[WALK_N];

/* Ends a walk of l (skipped: cut short by walk_done, which leaves the
 * record as it was); filed: the diagnostics the walk itself offered. */
static void walk_end(CleanWalk *w, const Model *m, const ObjList *l, unsigned long filed,
                     bool skipped)
{
    if (!skipped)
        *w = (CleanWalk){l->items, l->n, rctx_sharing(m) && filed == 0};
}

/* Whether the rest of a walk of l may be skipped: rctx_once said its
 * first object is clean, and the last walk, of a superset of l's items,
 * filed nothing. */
static bool walk_done(const CleanWalk *w, const ObjList *l, bool first, bool run)
{
    return first && !run && w->clean && w->items == l->items && l->n <= w->n;
}

/* A CleanWalk'd walk run a block at a time. The other walks of a block
 * file between its segments, so it counts its own diagnostics segment by
 * segment (rctx_filed around each), not around the whole walk. */
typedef struct ShapeWalk {
    RctxCursor c;           /* its place in its list */
    CleanWalk *rec;         /* its record (walks[]) */
    unsigned long filed;    /* diagnostics it offered, summed over its segments */
    bool first;             /* no item has asked rctx_once yet */
    bool skipped;           /* walk_done cut it short: the later blocks skip it too */
    const Object *last;     /* step labels: the last account whose name was plan_name_ok */
} ShapeWalk;

static void shape_init(ShapeWalk *w, const Model *m, const char *kind, CleanWalk *rec)
{
    *w = (ShapeWalk){.rec = rec, .first = true};
    rctx_cursor_init(&w->c, m, kind);
}

/* After the last block: what walk_end did at the end of the whole walk. */
static void shape_end(ShapeWalk *w, const Model *m)
{
    walk_end(w->rec, m, w->c.l, w->filed, w->skipped);
}

/* ---- the pass's walks, a block of objects at a time ---------------------- */

/* The walks of the pass, in their original order: a walk's phase is its
 * place here (rctx_walk), so that diagnostics at one position print in
 * this order whatever the interleaving. */
enum {
    W_PLAN_NAMES,           /* the platform, the environments, then the accounts */
    W_SERVICE_LABELS,       /* step_labels, one walk a kind */
    W_ECR_LABELS,
    W_BUCKET_LABELS,
    W_ENV_ACCOUNTS,         /* the environments only */
    W_NETWORKS,             /* accounts */
    W_EGRESS,               /* networks */
    W_VPN_REACH,            /* services */
    W_UNIT_DIRS,            /* accounts */
    W_N
};

/* What the blocked walks keep from one block to the next: their cursors
 * and what a walk used to hold in locals for its whole run. */
typedef struct Build {
    Model *m;
    DiagEngine *d;
    Kinds K;
    RctxCursor plan_accts;  /* W_PLAN_NAMES's accounts */
    ShapeWalk labels[3];    /* W_SERVICE_LABELS .. W_BUCKET_LABELS */
    RctxCursor net_accts;   /* W_NETWORKS */
    RctxCursor nets;        /* W_EGRESS */
    RctxCursor svcs;        /* W_VPN_REACH */
    struct HubMap *first;   /* W_VPN_REACH: one an environment (second_hub) */
    int nfirst;
    ShapeWalk dirs;         /* W_UNIT_DIRS */
    struct UnitDir *buf;    /* W_UNIT_DIRS's scratch, of cap entries */
    int cap;
    RctxWalks ph;           /* the walks' phases */
} Build;

/* ---- E0804 names the plan and the tree carry ----------------------------- */

/* sfdrun's plan reader (runtime/plan.c is_name): [a-z][a-z0-9-]{0,62}. */
static bool plan_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* s in lower case with `_` and spaces as `-`, if that is a plan name. */
static const char *suggest(Arena *a, const char *s)
{
    char *t = arena_strdup(a, s);
    for (char *p = t; *p; p++)
        *p = *p == '_' || *p == ' ' ? '-' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    return plan_name_ok(t) ? t : NULL;
}

static void plan_name(Model *m, DiagEngine *d, const Object *o, const char *what, const char *name)
{
    if (plan_name_ok(name))
        return;
    Site s = label_site(o);
    Diag *g = diag_new(d, DIAG_ERROR, "E0804", s.src, s.span,
                       "%s name `%s` cannot be used in the runtime plan", what, name);
    diag_label(d, g, "sfdrun accepts lower-case letters, digits and `-`, starting with a letter, "
                     "at most 63");
    const char *fix = suggest(&m->pg->arena, name);
    if (fix)
        diag_help(d, g, "rename it `%s`", fix);
    else
        diag_help(d, g, "rename it to match [a-z][a-z0-9-]{0,62}");
    diag_emit(d, g);
}

/* The platform and the environments: a handful, run whole. */
static void plan_names_top(Model *m, DiagEngine *d)
{
    if (m->platform && m->platform->name)
        plan_name(m, d, m->platform, "platform", m->platform->name);
    for (int i = 0; i < m->nenvs; i++) {
        const Environment *e = m->envs[i];
        plan_name(m, d, e->obj, "environment", e->name);
        if (plan_name_ok(e->name) && strcmp(e->name, "modules") == 0) {
            Site s = label_site(e->obj);
            Diag *g = diag_new(d, DIAG_ERROR, "E0804", s.src, s.span,
                               "an environment cannot be called `modules`");
            diag_label(d, g, "the tree keeps sfdc's Terraform modules in the directory `modules/`");
            diag_help(d, g, "choose another name");
            diag_emit(d, g);
        }
    }
}

/* The accounts of a block. */
static void plan_names_block(Build *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->plan_accts; rctx_more(k, b); k->i++)
        if (k->l->items[k->i]->name)
            plan_name(c->m, c->d, k->l->items[k->i], "account", k->l->items[k->i]->name);
}

/* Step ids carry labels lower-cased with `_` as `-` (planemit.c slug) and
 * must match [a-z0-9][a-z0-9._/-]{0,199} (runtime/plan.c is_step_id); the
 * services map key is ACCOUNT/SERVICE. The longest id a label appears in:
 * "handshake/ACCOUNT/bucket-readers/LABEL", "operate/ACCOUNT/LABEL/scalable-target". */
static void step_label(DiagEngine *d, const Object *o, bool chars)
{
    const char *bad = NULL;
    for (const unsigned char *p = (const unsigned char *)o->name; chars && *p && !bad; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            bad = "letters, digits, `_`, `-` and `.`";
    size_t room = 200 - strlen("handshake//bucket-readers/") - strlen(o->account->name);
    if (!bad && strlen(o->name) > room)
        bad = "a shorter label";
    if (!bad)
        return;
    Site s = label_site(o);
    Diag *g = diag_new(d, DIAG_ERROR, "E0804", s.src, s.span,
                       "%s label `%s` cannot be used in the runtime plan's step ids", o->kind, o->name);
    diag_label(d, g, "step ids are [a-z0-9][a-z0-9._/-]*, at most 200 bytes");
    diag_help(d, g, "use %s", bad);
    diag_emit(d, g);
}

/* The characters of service labels are AWS's rule (E0524, ECS serviceName)
 * and those of registry labels too (E0504); any label may be too long.
 * The items of one kind (walk w) in block b; chars: buckets, whose
 * characters no other rule checks. */
static void step_labels_block(Build *c, ShapeWalk *w, const RctxBlocks *b, bool chars)
{
    if (w->skipped)
        return;
    unsigned long filed = rctx_filed();
    for (RctxCursor *k = &w->c; rctx_more(k, b); k->i++) {
        const ObjList *l = k->l;
        int i = k->i;
        rctx_prefetch_objects(l, i);
        const Object *a = l->items[i]->account;
        if (!l->items[i]->name || !a || !a->name || (a != w->last && !plan_name_ok(a->name)))
            continue;
        w->last = a;            /* an account's blocks come together: its name is asked once */
        RctxOnce once;          /* a label and an account name: the same in every environment */
        bool run = rctx_once(&once, c->m, RCTX_ONCE_STEP_LABEL, l->items[i], NULL,
                             rctx_fixed_shape, NULL);
        if ((w->skipped = walk_done(w->rec, l, w->first, run)))
            return;
        w->first = false;
        if (!run)
            continue;
        step_label(c->d, l->items[i], chars);
        rctx_once_done(&once);
    }
    w->filed += rctx_filed() - filed;
}

/* ---- E0803 environments that deploy nothing ------------------------------ */

static void env_accounts(Model *m, DiagEngine *d)
{
    for (int i = 0; i < m->nenvs; i++) {
        const Environment *e = m->envs[i];
        const Value *v = model_get(m, e->obj, "accounts");
        if (!v || v->kind != VAL_LIST || v->n > 0)
            continue;
        Site s = model_value_site(v, model_site(m, e->obj, "accounts"));
        Diag *g = diag_new(d, DIAG_ERROR, "E0803", s.src, s.span,
                           "environment `%s` deploys no account", e->name);
        diag_label(d, g, "an empty list");
        diag_help(d, g, "list the accounts it deploys, or leave `accounts` out to deploy every account");
        diag_emit(d, g);
    }
}

/* ---- E0801 services and databases need a network ------------------------- */

/* A cluster whose compute is ec2 in the base platform or any environment:
 * its Auto Scaling group is placed in the account's private subnets. */
static bool ec2_cluster(Model *m, const Object *c)
{
    for (int i = -1; i < m->nenvs; i++) {
        const Value *v = rctx_val(m, c, "compute", i < 0 ? NULL : m->envs[i]);
        if (v && (v->kind == VAL_SYM || v->kind == VAL_STR) && strcmp(v->u.str, "ec2") == 0)
            return true;
    }
    return false;
}

/* E0801 of account a. */
static void network_of(Model *m, DiagEngine *d, const Kinds *K, const Object *a)
{
    const Object *c = NULL;     /* the first block that needs a network */
    bool net = false;
    for (int k = 0; k < a->nchildren && !net; k++) {
        const char *kind = a->children[k]->kind;
        net = kind == K->network;
        if (!c && (kind == K->service || kind == K->aurora || kind == K->rds ||
                   (kind == K->cluster && ec2_cluster(m, a->children[k]))))
            c = a->children[k];
    }
    if (net || !c)
        return;
    Site s = model_obj_site(c), as = label_site(a);
    Diag *g = diag_new(d, DIAG_ERROR, "E0801", s.src, s.span,
                       "%s `%s` needs a network, but account `%s` has none", c->kind,
                       c->name ? c->name : c->kind, a->name ? a->name : "?");
    diag_label(d, g, "%s", is_kind(c, "service")   ? "its tasks run in the account's subnets"
                           : is_kind(c, "cluster") ? "its EC2 instances run in the account's private subnets"
                                                   : "it is placed in the account's database subnets");
    diag_secondary(d, g, as.src, as.span, "no `network` block in this account");
    diag_help(d, g, "add `network { cidr = 10.0.0.0/16 }` to account `%s`", a->name ? a->name : "?");
    diag_emit(d, g);     /* one mistake, one error: the account lacks one network */
}

static void networks_block(Build *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->net_accts; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        network_of(c->m, c->d, &c->K, k->l->items[k->i]);
    }
}

/* ---- E0806 a way out of the private subnets ------------------------------- */

/* Whether list field f of o holds the string x. */
static bool list_has(Model *m, const Object *o, const char *f, const char *x)
{
    const Value *v = model_get(m, o, f);
    for (uint32_t i = 0; v && v->kind == VAL_LIST && i < v->n; i++)
        if ((v->items[i]->kind == VAL_STR || v->items[i]->kind == VAL_SYM) && strcmp(v->items[i]->u.str, x) == 0)
            return true;
    return false;
}

/* What the account's private tasks must reach, as VPC endpoint services:
 * every task pulls from ECR (API and registry, layers from S3) and logs to
 * CloudWatch; Secrets Manager when a task reads a secret (every service of
 * an account with a database does: its master secret, SPEC 13.2); SSM for
 * ssm() parameters. Sets *svc to the first private service. */
static int needed(Model *m, const Object *a, const char **need, const Object **svc)
{
    bool private = false, sm = false, ssm = false;
    for (int k = 0; k < a->nchildren; k++) {
        const Object *c = a->children[k];
        sm |= is_kind(c, "aurora") || is_kind(c, "rds");
        const Value *pub = model_get(m, c, "public_ip");
        if (!is_kind(c, "service") || (pub && pub->kind == VAL_BOOL && pub->u.b))
            continue;
        if (!private)
            *svc = c;
        private = true;
        const Value *sec = model_get(m, c, "secrets");
        for (uint32_t i = 0; sec && sec->kind == VAL_MAP && i < sec->n; i++) {
            const Value *x = sec->items[i];
            bool is_ssm = x->kind == VAL_CALL && x->u.str && strcmp(x->u.str, "ssm") == 0;
            ssm |= is_ssm;
            sm |= !is_ssm;
        }
    }
    if (!private)
        return 0;
    int n = 0;
    need[n++] = "ecr.api";
    need[n++] = "ecr.dkr";
    need[n++] = "logs";
    if (sm)
        need[n++] = "secretsmanager";
    if (ssm)
        need[n++] = "ssm";
    return n;
}

/* E0806: Fargate tasks in private subnets reach ECR, S3, CloudWatch Logs
 * and Secrets Manager through a NAT gateway or through VPC endpoints; with
 * neither, every task fails to start (CannotPullContainerError) and
 * nothing says why until someone reads the stopped tasks. One error per
 * account, naming what is missing. Base platform only. */
static void egress_of(Model *m, DiagEngine *d, const Object *net)
{
    const Object *svc = NULL;
    const Value *nat = model_get(m, net, "nat");
    if (!net->account || (nat && (nat->kind == VAL_SYM || nat->kind == VAL_STR) && strcmp(nat->u.str, "none") != 0))
        return;
    const char *need[6];
    int n = needed(m, net->account, need, &svc);
    char missing[256] = "";
    size_t len = 0;
    for (int k = 0; k < n; k++)
        if (!list_has(m, net, "endpoints", need[k]))
            len += (size_t)snprintf(missing + len, sizeof missing - len, "%s`%s`", len ? ", " : "", need[k]);
    bool s3 = list_has(m, net, "gateway_endpoints", "s3");
    if (n == 0 || (len == 0 && s3))
        return;
    if (!s3)
        snprintf(missing + len, sizeof missing - len, "%sthe S3 gateway endpoint", len ? ", " : "");
    Site s = model_obj_site(net), ss = model_obj_site(svc);
    Diag *g = diag_new(d, DIAG_ERROR, "E0806", s.src, s.span,
                       "the private subnets of `%s` have no way out: service `%s` cannot start",
                       net->account->path, svc->name ? svc->name : "?");
    diag_label(d, g, "`nat = none` and no endpoint for %s", missing);
    diag_secondary(d, g, ss.src, ss.span, "pulls its image from ECR and logs to CloudWatch");
    diag_help(d, g, "add `nat = single`, or keep `nat = none` and list the interface endpoints "
                    "(`endpoints = [\"ecr.api\", \"ecr.dkr\", \"logs\"%s]`) with the S3 gateway "
                    "endpoint (`gateway_endpoints = [\"s3\"]`, the default; free)",
              n > 3 ? ", \"secretsmanager\"" : "");
    diag_emit(d, g);
}

static void egress_block(Build *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->nets; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        egress_of(c->m, c->d, k->l->items[k->i]);
    }
}

/* ---- E0807 the VPN reaches its VPN-only services --------------------------- */

/* Whether environment e (NULL: the base platform) deploys account a. */
static bool deploys(Model *m, const Environment *e, const Object *a)
{
    const Value *v = e ? rctx_val(m, e->obj, "accounts", NULL) : NULL;
    if (!v || v->kind != VAL_LIST)
        return true;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF && v->items[i]->ref == a)
            return true;
    return false;
}

/* The account whose `vpn` is range r in environment e, or NULL. */
static const Object *vpn_owner(Model *m, const Environment *e, Cidr r)
{
    const ObjList *accts = model_kind(m, "account");
    for (int i = 0; i < accts->n; i++) {
        const Value *v = rctx_val(m, accts->items[i], "vpn", e);
        if (v && v->kind == VAL_CIDR && v->u.cidr.addr == r.addr && v->u.cidr.prefix == r.prefix)
            return accts->items[i];
    }
    return NULL;
}

/* An account's region in environment e: its own, else the platform's. */
static const char *region_of(Model *m, const Environment *e, const Object *a)
{
    const Value *v = rctx_val(m, a, "region", e);
    if (!v && m->platform)      /* the first platform block */
        v = rctx_val(m, m->platform, "region", e);
    return v && (v->kind == VAL_SYM || v->kind == VAL_STR) ? v->u.str : "";
}

/* Why VPN-only service s cannot be reached in environment e, or NULL; *hub
 * is the VPN's account when there is one. lower.c routes the VPN to the
 * service through a Transit Gateway attached to the hub's VPC (SPEC §13.2). */
static const char *unreachable(Model *m, const Environment *e, const Object *s, const Object **hub)
{
    const Value *acc = rctx_val(m, s, "access", e);
    *hub = NULL;
    if (!acc || acc->kind != VAL_CALL || strcmp(acc->u.str, "vpn") != 0 || acc->n == 0 ||
        acc->items[0]->kind != VAL_CIDR || acc->items[0]->u.cidr.prefix == 0)
        return NULL;            /* not VPN-only, or E0604's to report */
    *hub = vpn_owner(m, e, acc->items[0]->u.cidr);
    if (!*hub)
        return "no account declares this range as its `vpn`, so no route to the service is emitted";
    if (*hub == s->account)
        return NULL;            /* the VPN ends in the service's own VPC */
    if (!model_child(m, *hub, "network", NULL))
        return "the VPN's account has no `network` for the Transit Gateway to attach to";
    if (!deploys(m, e, *hub))
        return "the environment does not deploy the VPN's account, so no Transit Gateway reaches the service";
    if (strcmp(region_of(m, e, *hub), region_of(m, e, s->account)) != 0)
        return "the VPN's account is in another region: a Transit Gateway attaches VPCs of its own region only";
    return NULL;
}

/* The first service of an account reached through another account's VPN,
 * in one environment: the VPN whose Transit Gateway the account's VPC is
 * attached to (lower.c plans one attachment an account, for the first
 * such service). */
typedef struct HubUse {
    uint32_t acct;          /* its account's index: the key */
    const Object *svc;      /* the first service */
    const Object *hub;      /* the account holding its VPN */
} HubUse;

/* Account -> HubUse in one environment, sorted by the account's index (an
 * object's index is unique, so this is a map of accounts). It was a Table
 * keyed by the account: at 30,000 LAs a probe of it, one a VPN-only
 * service, was a miss into a table of every account. The walk over the
 * services meets the accounts in ascending order (an account's blocks are
 * created together, after it, and a kind's list is in creation order), so
 * the account asked for is the last entry or a new one past it, and a new
 * one is appended; any other order is still answered exactly, by a binary
 * search and an insertion. */
typedef struct HubMap {
    HubUse *u;              /* xrealloc'd */
    int n, cap;
    int first_cap;          /* the cap of the first allocation: the accounts, at most one
                               entry each, so that it is never copied to grow */
} HubMap;

/* Where account index acct is, or would be inserted, in map; *found. */
static int hub_find(const HubMap *map, uint32_t acct, bool *found)
{
    int lo = 0, hi = map->n;
    if (hi > 0 && map->u[hi - 1].acct <= acct)     /* the walk's case: no search */
        lo = hi - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (map->u[mid].acct < acct)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < map->n && map->u[lo].acct == acct;
    return lo;
}

static void hub_insert(HubMap *map, int at, HubUse u)
{
    if (map->n == map->cap) {
        map->cap = map->cap ? 2 * map->cap : map->first_cap > 0 ? map->first_cap : 64;
        map->u = xrealloc(map->u, (size_t)map->cap * sizeof *map->u);
    }
    memmove(&map->u[at + 1], &map->u[at], (size_t)(map->n - at) * sizeof *map->u);
    map->u[at] = u;
    map->n++;
}

/* For VPN-only service s reached through hub in one environment, the first
 * service of its account that uses another hub's VPN (E0808; valid until
 * the next call with first), else NULL after noting s's hub when it is
 * the account's first (first: the environment's HubMap). */
static const HubUse *second_hub(HubMap *first, const Object *s, const Object *hub)
{
    bool found;
    int at = hub_find(first, s->account->index, &found);
    if (found)
        return first->u[at].hub == hub ? NULL : &first->u[at];
    hub_insert(first, at, (HubUse){s->account->index, s, hub});
    return NULL;
}

static void report_unreachable(Model *m, DiagEngine *d, const Object *s, const Environment *env,
                               const char *why, const Object *hub)
{
    Site as = model_value_site(rctx_val(m, s, "access", env), model_site(m, s, "access"));
    Diag *g = diag_new(d, DIAG_ERROR, "E0807", as.src, as.span,
                       "VPN-only service `%s` cannot be reached from the VPN%s%s%s", s->path,
                       env ? ", in environment `" : "", env ? env->name : "", env ? "`" : "");
    diag_label(d, g, "%s", why);
    if (hub) {
        Site hs = model_obj_site(hub);
        diag_secondary(d, g, hs.src, hs.span, "the VPN of `%s`", hub->path);
    }
    diag_help(d, g, hub ? "give `%s` a `network` in the service's region and deploy it with the service: the "
                          "VPN ends in its VPC, whose Transit Gateway sfdc attaches the service's VPC to"
                        : "declare the range where the VPN ends, `vpn = CIDR` in that account, and write "
                          "`access = vpn(ACCOUNT.vpn)`%s",
              hub ? hub->path : "");
    diag_emit(d, g);
}

/* E0808: service s is reached through hub's VPN, but the first VPN-only
 * service of its account through first->hub's: the account's VPC gets one
 * attachment, so s would be unreachable though every route looks right. */
static void report_second_hub(Model *m, DiagEngine *d, const Object *s, const Environment *env,
                              const Object *hub, const HubUse *first)
{
    Site as = model_value_site(rctx_val(m, s, "access", env), model_site(m, s, "access"));
    Site fs = model_value_site(rctx_val(m, first->svc, "access", env),
                               model_site(m, first->svc, "access"));
    Diag *g = diag_new(d, DIAG_ERROR, "E0808", as.src, as.span,
                       "account `%s` reaches its VPN-only services through two VPNs, of `%s` and of "
                       "`%s`%s%s%s", s->account->path, first->hub->path, hub->path,
                       env ? ", in environment `" : "", env ? env->name : "", env ? "`" : "");
    diag_label(d, g, "`%s` through the VPN of `%s`", s->path, hub->path);
    diag_secondary(d, g, fs.src, fs.span, "`%s` through the VPN of `%s`, whose Transit Gateway `%s`'s "
                   "VPC is attached to", first->svc->path, first->hub->path, s->account->path);
    diag_help(d, g, "an account's VPC is attached to one VPN's Transit Gateway: use one VPN for "
                    "every VPN-only service of `%s` (`access = vpn(%s.vpn)`), or move `%s` to an "
                    "account of its own", s->account->path, first->hub->path, s->path);
    diag_emit(d, g);
}

/* E0807: a service `access = vpn(R)` is reached from the VPN through the
 * account whose `vpn` is R: its VPC, a Transit Gateway there, an attachment
 * of the service's VPC. Without that account, its network, or (in an
 * environment) its deployment, the load balancer admits a range from which
 * no packet can arrive. E0808: the services of one account that are reached
 * through another account's VPN all use the same one, as the account's one
 * attachment reaches one. One error per service, in the first environment. */
static void vpn_reach_of(Build *c, const Object *s)
{
    Model *m = c->m;
    const Object *hub = NULL;
    const char *why = NULL;
    const Environment *env = NULL;
    const HubUse *other = NULL;
    for (int k = m->nenvs ? 0 : -1; k < m->nenvs && !why && !other; k++) {
        env = k < 0 ? NULL : m->envs[k];
        /* whether env deploys the account is asked only of a VPN-only
           service (most are not): this runs for every service */
        const char *w = s->account ? unreachable(m, env, s, &hub) : NULL;
        if (!w && (!hub || hub == s->account))
            continue;
        if (!deploys(m, env, s->account))
            continue;
        why = w;
        if (!why)
            other = second_hub(&c->first[k < 0 ? 0 : k], s, hub);
    }
    if (why)
        report_unreachable(m, c->d, s, env, why, hub);
    else if (other)
        report_second_hub(m, c->d, s, env, hub, other);
}

/* The services of a block; c->first holds the accounts' first hubs from
 * block to block. */
static void vpn_reach_block(Build *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->svcs; rctx_more(k, b); k->i++) {
        rctx_prefetch_account(c->m, k->l, k->i);
        vpn_reach_of(c, k->l->items[k->i]);
    }
}

/* ---- E0802 unit directories ---------------------------------------------- */

/* The blocks that become a unit directory "<kind>-<label>" of their
 * account (lower.c; the lb-, capacity- units follow their service and
 * cluster, so they clash exactly when those do). */
static bool has_unit(const Kinds *K, const Object *o)
{
    const char *k = o->kind;
    return o->name && (k == K->ecr || k == K->aurora || k == K->rds || k == K->cluster ||
                       k == K->service || k == K->bucket);
}

/* A unit directory of one account and the block it comes from. */
typedef struct UnitDir {
    char dir[128];          /* names_unit_dir(), truncated like lower.c's */
    size_t len;             /* strlen(dir) */
    const Object *o;
} UnitDir;

/* The earliest block (in source order) whose directory is u's: u itself
 * when none before it has u's directory. */
static const UnitDir *first_of(const UnitDir *buf, int n, const UnitDir *u)
{
    const UnitDir *first = u;
    for (int j = 0; j < n; j++)
        if (buf[j].len == u->len && buf[j].o->index < first->o->index &&
            memcmp(buf[j].dir, u->dir, u->len) == 0)
            first = &buf[j];
    return first;
}

/* Whether a label is its own directory part: lower case, digits, `-`. */
static bool plain(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

static void clash(DiagEngine *d, const UnitDir *first, const UnitDir *u)
{
    Site s = label_site(u->o), f = label_site(first->o);
    Diag *g = diag_new(d, DIAG_ERROR, "E0802", s.src, s.span,
                       "%s `%s` and `%s` both become the unit directory `%s`", u->o->kind,
                       first->o->name, u->o->name, u->dir);
    diag_label(d, g, "this label");
    diag_secondary(d, g, f.src, f.span, "becomes `%s` too", u->dir);
    diag_note(d, g, "unit directories are the kind and label in lower case, `_` as `-`");
    diag_help(d, g, "rename one of them");
    diag_emit(d, g);
}

/* E0802 in account a (*bufp: a scratch of *cap entries, grown here).
 * Labels of one kind are unique in an account (E0302), so two directories
 * can only clash if a label changes on the way: accounts whose labels are
 * all plain cost one scan (this runs for every account of the platform). */
static void unit_dirs_of(DiagEngine *d, const Kinds *K, const Object *a, UnitDir **bufp, int *cap)
{
    bool any = false;
    for (int k = 0; k < a->nchildren && !any; k++)
        any = has_unit(K, a->children[k]) && !plain(a->children[k]->name);
    if (!any)
        return;
    if (a->nchildren > *cap) {
        *cap = a->nchildren;
        *bufp = xrealloc(*bufp, (size_t)*cap * sizeof **bufp);
    }
    UnitDir *buf = *bufp;
    int n = 0;
    for (int k = 0; k < a->nchildren; k++)
        if (has_unit(K, a->children[k])) {
            buf[n].len = strlen(a->children[k]->name);  /* the label's, for now */
            buf[n++].o = a->children[k];
        }
    /* a directory is "<kind>-<label>", byte for byte transformed and
       kinds have no `-`: two can be one only for one kind and labels of
       one length (or when both are cut at the buffer's size) */
    for (int k = 0; k < n; k++) {   /* dir[0]: whether it may clash */
        bool maybe = strlen(buf[k].o->kind) + 1 + buf[k].len >= sizeof buf[k].dir - 1;
        for (int j = 0; j < n && !maybe; j++)
            maybe = j != k && buf[j].o->kind == buf[k].o->kind && buf[j].len == buf[k].len;
        buf[k].dir[0] = maybe;
    }
    int kept = 0;
    for (int k = 0; k < n; k++)
        if (buf[k].dir[0])
            buf[kept++].o = buf[k].o;
    n = kept;
    for (int k = 0; k < n; k++) {
        names_unit_dir(buf[k].o->kind, buf[k].o->name, buf[k].dir, sizeof buf[k].dir);
        buf[k].len = strlen(buf[k].dir);
    }
    /* a handful of blocks an account: pairs by length first, no sort
       (each clash names the earliest block of its directory) */
    for (int k = 0; k < n; k++) {
        const UnitDir *first = first_of(buf, n, &buf[k]);
        if (first != &buf[k])
            clash(d, first, &buf[k]);
    }
}

/* The accounts of a block; c->buf is the scratch of every account's. */
static void unit_dirs_block(Build *c, const RctxBlocks *b)
{
    ShapeWalk *w = &c->dirs;
    if (w->skipped)
        return;
    unsigned long filed = rctx_filed();
    for (RctxCursor *k = &w->c; rctx_more(k, b); k->i++) {
        rctx_prefetch_children(k->l, k->i);
        /* labels and blocks only: the same in every environment */
        RctxOnce once;
        bool run = rctx_once(&once, c->m, RCTX_ONCE_UNIT_DIRS, k->l->items[k->i], NULL,
                             rctx_fixed_shape, NULL);
        if ((w->skipped = walk_done(w->rec, k->l, k->i == 0, run)))
            return;
        if (run) {
            unit_dirs_of(c->d, &c->K, k->l->items[k->i], &c->buf, &c->cap);
            rctx_once_done(&once);
        }
    }
    w->filed += rctx_filed() - filed;
}

/* ---- the pass -------------------------------------------------------------- */

static void build_init(Build *c, Model *m, DiagEngine *d)
{
    static const char *const label_kinds[] = {"service", "ecr", "bucket"};
    _Static_assert(sizeof label_kinds / sizeof *label_kinds == WALK_BUCKET + 1, "a CleanWalk a kind");
    *c = (Build){.m = m, .d = d, .K = kinds_of(m)};
    rctx_cursor_init(&c->plan_accts, m, "account");
    for (int k = 0; k < 3; k++)
        shape_init(&c->labels[k], m, label_kinds[k], &walks[WALK_SERVICE + k]);
    rctx_cursor_init(&c->net_accts, m, "account");
    rctx_cursor_init(&c->nets, m, "network");
    rctx_cursor_init(&c->svcs, m, "service");
    c->nfirst = m->nenvs ? m->nenvs : 1;
    c->first = xcalloc((size_t)c->nfirst, sizeof *c->first);
    for (int k = 0; k < c->nfirst; k++)
        c->first[k].first_cap = model_kind(m, "account")->n;
    shape_init(&c->dirs, m, "account", &walks[WALK_ACCOUNTS]);
}

/* After the last block: the CleanWalk records, the walks' memory. */
static void build_release(Build *c)
{
    for (int k = 0; k < 3; k++)
        shape_end(&c->labels[k], c->m);
    shape_end(&c->dirs, c->m);
    for (int k = 0; k < c->nfirst; k++)
        free(c->first[k].u);
    free(c->first);
    free(c->buf);
}

/* The walks of a block, in their original order. */
static void build_block(Build *c, const RctxBlocks *b)
{
    rctx_walk(&c->ph, W_PLAN_NAMES);
    plan_names_block(c, b);
    for (int k = 0; k < 3; k++) {
        rctx_walk(&c->ph, W_SERVICE_LABELS + k);
        step_labels_block(c, &c->labels[k], b, k == 2);     /* bucket: chars too */
    }
    rctx_walk(&c->ph, W_NETWORKS);
    networks_block(c, b);
    rctx_walk(&c->ph, W_EGRESS);
    egress_block(c, b);
    rctx_walk(&c->ph, W_VPN_REACH);
    vpn_reach_block(c, b);
    rctx_walk(&c->ph, W_UNIT_DIRS);
    unit_dirs_block(c, b);
}

/* The pass runs block by block (rulectx.h, RctxBlocks; rules_run takes
 * the blocked passes in turn over each block): every walk over the objects
 * of a block, then over the next, so that the later walks of a block find
 * its objects cached. Every walk over objects is blocked: none
 * reads another's results, and their codes differ but E0804's, which
 * plan_names and step_labels both file, each at a label of the kind it
 * walks (a span one block node has, so one kind's); the walks that keep
 * something from item to item (step_labels' last account, vpn_reach's
 * first hubs, unit_dirs' scratch, the CleanWalk counts) keep it in Build.
 * Two stay whole, before the blocks: plan_names' platform and
 * environments, and env_accounts, which walk the environments only and
 * share nothing with the other walks; their phases are still their own. */
struct BuildPass {
    Build c;
};

BuildPass *rules_build_begin(Model *m, DiagEngine *d)
{
    BuildPass *p = xcalloc(1, sizeof *p);
    build_init(&p->c, m, d);
    rctx_walks_begin(&p->c.ph, d, W_N);
    rctx_walk(&p->c.ph, W_PLAN_NAMES);
    plan_names_top(m, d);
    rctx_walk(&p->c.ph, W_ENV_ACCOUNTS);
    env_accounts(m, d);
    return p;
}

void rules_build_block(BuildPass *p, const RctxBlocks *b)
{
    build_block(&p->c, b);
}

void rules_build_end(BuildPass *p)
{
    build_release(&p->c);
    free(p);
}
