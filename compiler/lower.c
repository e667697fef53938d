/* lower.c — the lowering phase of `sfdc build` (see lower.h): the unit
 * model, made from the checked platform one account at a time and rendered
 * by either target (emit_tg.c, emit_tf.c).
 *
 * Per environment and account, one LowerUnit per resource group, in the apply
 * order of stdlib/modules/README.md: network, ecr, secrets, databases, EC2
 * capacity, cluster, load balancers, services, buckets. Inputs follow the
 * modules' contract exactly; nulls and empty lists/maps are left out so the
 * module defaults apply. Within an account, a unit reads another's outputs
 * (a dependency); across accounts, every value sfdc needs is known at
 * compile time (account ids, names, ARNs built from them), so no unit reads
 * another account's state — a Terragrunt unit only orders itself after the
 * other account's unit. */
#include "lower.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cidrset.h"
#include "names.h"
#include "schedule.h"
#include "strbuf.h"
#include "banned.h"

/* The builder's state (LowerPlan.state): of the environment and account
 * being lowered, and what lowering keeps from one account to the next. */
typedef struct LowerState {
    LowerPlan *bp;
    Arena *a;               /* bp->arena; bp->units while lowering an account */
    const Model *m;
    const Environment *env; /* NULL: base values */
    LowerAccount *acct;     /* the account being planned */
    const bool *selected;   /* by Object.index: account deployed in this environment */
    FILE *err;
    bool ok;                /* false once an error was reported */
    /* The last window parsed and its actions: every LA of a template has
     * the same window, and parsing one reads the time zone database. */
    const char *win_text;   /* NULL until the first window */
    SchedAction win_acts[64];
    int win_n;              /* actions, 0 if it never switches off */
    char win_zone[SCHED_ZONE_MAX];
    /* The last VPN range looked up and the account holding it: every
     * spoke asks for the same hub, and finding it scans every account. */
    const char *vpn_text;   /* in bp->arena; NULL until the first lookup */
    const bool *vpn_sel;    /* the environment's selection it was found in */
    const Object *vpn_hit;  /* the account, or NULL */
} LowerState;

typedef LowerState B;       /* the short name every lowering function takes */

/* A condition the checker refuses (rules_build.c, rules_aws*.c) met here
 * anyway: a bug of sfdc, not of the program. Reported once (not per
 * account and environment); planning stops, and build exits 70. */
static void internal(B *b, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void internal(B *b, const char *code, const char *fmt, ...)
{
    if (!b->ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(b->err, "sfdc: internal error: build: ");
    vfprintf(b->err, fmt, ap);
    fprintf(b->err, " (`sfdc check` should have reported %s)\n", code);
    va_end(ap);
    b->ok = false;
    b->bp->internal = true;
}

/* ---- model access ------------------------------------------------------- */

/* A field's value in the current environment; NULL when null or poison. */
static const Value *get(B *b, const Object *o, const char *f)
{
    const Value *v = model_get_env(b->m, o, f, b->env);
    return v && v->kind != VAL_ERROR && v->kind != VAL_NULL ? v : NULL;
}

static const char *get_str(B *b, const Object *o, const char *f)
{
    const Value *v = get(b, o, f);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : NULL;
}

static double get_num(B *b, const Object *o, const char *f, double fallback)
{
    const Value *v = get(b, o, f);
    return v && v->kind == VAL_NUM ? v->u.num : fallback;
}

static bool get_bool(B *b, const Object *o, const char *f, bool fallback)
{
    const Value *v = get(b, o, f);
    return v && v->kind == VAL_BOOL ? v->u.b : fallback;
}

static bool get_range(B *b, const Object *o, const char *f, double *lo, double *hi)
{
    const Value *v = get(b, o, f);
    if (!v || v->kind != VAL_RANGE || v->items[0]->kind != VAL_NUM || v->items[1]->kind != VAL_NUM)
        return false;
    *lo = v->items[0]->u.num;
    *hi = v->items[1]->u.num;
    return true;
}

static const Object *get_ref(B *b, const Object *o, const char *f)
{
    const Value *v = get(b, o, f);
    return v && v->kind == VAL_REF ? v->ref : NULL;
}

static const char *cidr_text(B *b, const Value *v)
{
    char buf[24];
    size_t n = cidr_format(v->u.cidr, buf, sizeof buf);
    return arena_strndup(b->a, buf, n);
}

/* ---- names: every AWS name comes from names.h ----------------------------- */

/* The name of kind k of o in the environment being planned, in the arena. */
static const char *name_of(B *b, NameKind k, const Object *o)
{
    NameCtx nc = names_ctx(b->m, b->env);
    char buf[512];
    names_derive(&nc, k, o, buf, sizeof buf);
    return arena_strdup(b->a, buf);
}

static const char *acct_region(B *b, const Object *acct)
{
    const char *r = get_str(b, acct, "region");
    return r ? r : b->bp->region;
}

static const char *acct_id(B *b, const Object *acct)
{
    const char *id = get_str(b, acct, "id");
    return id ? id : "000000000000";
}

/* ---- units -------------------------------------------------------------- */

/* A new unit KIND[-NAME] of the current account. */
static LowerUnit *unit_add(B *b, const char *kind, const char *name, const char *module, const Object *obj)
{
    LowerAccount *ac = b->acct;
    char dir[128];
    names_unit_dir(kind, name, dir, sizeof dir);
    for (int i = 0; i < ac->nunits; i++)
        if (strcmp(ac->units[i]->name, dir) == 0)
            internal(b, "E0802", "`%s` and `%s` both become the unit directory %s/%s",
                     ac->units[i]->obj->path, obj->path, ac->dir, dir);
    if (ac->nunits == ac->cap) {
        int cap = ac->cap ? ac->cap * 2 : 16;
        LowerUnit **x = arena_alloc(b->a, (size_t)cap * sizeof *x);
        if (ac->nunits)
            memcpy(x, ac->units, (size_t)ac->nunits * sizeof *x);
        ac->units = x;
        ac->cap = cap;
    }
    LowerUnit *u = arena_alloc(b->a, sizeof *u);
    ac->units[ac->nunits++] = u;
    u->name = arena_strdup(b->a, dir);
    char *label = arena_strdup(b->a, dir);
    names_unit_label(label);
    u->label = label;
    u->module = module;
    u->obj = obj;
    u->mocks = hcl_obj(b->a);
    return u;
}

/* Sets an input; a NULL value is left out (the module default applies). */
static void in(B *b, LowerUnit *u, const char *name, HclVal *v)
{
    if (!v)
        return;
    if (u->ninputs == u->cap) {
        int cap = u->cap ? u->cap * 2 : 16;
        LowerInput *x = arena_alloc(b->a, (size_t)cap * sizeof *x);
        if (u->ninputs)
            memcpy(x, u->inputs, (size_t)u->ninputs * sizeof *x);
        u->inputs = x;
        u->cap = cap;
    }
    u->inputs[u->ninputs++] = (LowerInput){name, v};
}

static void mock(B *b, LowerUnit *u, const char *output, HclVal *v)
{
    hcl_set(b->a, u->mocks, output, v);
}

static void after(B *b, LowerUnit *u, const char *acct_dir, const char *unit)
{
    const char *p = lower_cat(b->a, acct_dir, "/", unit, NULL);
    for (int i = 0; i < u->nafter; i++)
        if (strcmp(u->after[i], p) == 0)
            return;
    if (u->nafter == u->capafter) {
        int cap = u->capafter ? u->capafter * 2 : 4;
        const char **x = arena_alloc(b->a, (size_t)cap * sizeof *x);
        if (u->nafter)
            memcpy(x, u->after, (size_t)u->nafter * sizeof *x);
        u->after = x;
        u->capafter = cap;
    }
    u->after[u->nafter++] = p;
}

const LowerUnit *lower_unit(const LowerAccount *a, const char *label)
{
    for (int i = 0; i < a->nunits; i++)
        if (strcmp(a->units[i]->label, label) == 0)
            return a->units[i];
    return NULL;
}

/* Value helpers. */
static HclVal *S(B *b, const char *s) { return s ? hcl_str(b->a, s) : NULL; }
static HclVal *N(B *b, double x) { return hcl_num(b->a, x); }
static HclVal *T(B *b, bool x) { return hcl_bool(b->a, x); }
static HclVal *R(B *b, const LowerUnit *u, const char *output) { return hcl_ref(b->a, u->label, output); }

static HclVal *list1(B *b, HclVal *x)
{
    HclVal *l = hcl_list(b->a);
    hcl_push(b->a, l, x);
    return l;
}

/* A list of strings; NULL when empty (left out). */
static HclVal *str_list(B *b, const Value *v)
{
    if (!v || v->kind != VAL_LIST || v->n == 0)
        return NULL;
    HclVal *l = hcl_list(b->a);
    for (uint32_t i = 0; i < v->n; i++) {
        const Value *x = v->items[i];
        if (x->kind == VAL_STR || x->kind == VAL_SYM)
            hcl_push(b->a, l, hcl_str(b->a, x->u.str));
        else if (x->kind == VAL_CIDR)
            hcl_push(b->a, l, hcl_str(b->a, cidr_text(b, x)));
    }
    return l->n ? l : NULL;
}

/* PREFIX0 .. PREFIX(n-1) (n is at most 6 zones: one digit). */
static HclVal *mock_list(B *b, const char *prefix, int n)
{
    HclVal *l = hcl_list(b->a);
    size_t len = strlen(prefix);
    for (int i = 0; i < n; i++) {
        char *s = arena_alloc_raw(b->a, len + 2);
        memcpy(s, prefix, len);
        s[len] = (char)('0' + i);
        s[len + 1] = '\0';
        hcl_push(b->a, l, hcl_str(b->a, s));
    }
    return l;
}

static int cmp_strp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_hcl_str(const void *x, const void *y)
{
    return strcmp((*(HclVal *const *)x)->s, (*(HclVal *const *)y)->s);
}

/* ---- resources ---------------------------------------------------------- */

/* The unit names an account's resources get, found again by later units. */
typedef struct Acct {
    const Object *obj;
    LowerUnit *network;          /* NULL without a network block */
    LowerUnit *secrets;          /* NULL without secret blocks */
    int azs;                /* availability zones of the network */
} Acct;

static void plan_network(B *b, Acct *ac, const Object *net)
{
    LowerUnit *u = unit_add(b, "network", NULL, "network", net);
    ac->network = u;
    const char *region = acct_region(b, ac->obj);
    int azs = (int)get_num(b, net, "azs", 2);
    if (azs < 1 || azs > 6)
        azs = 2;
    ac->azs = azs;
    in(b, u, "name", S(b, name_of(b, NAME_NETWORK, ac->obj)));
    const Value *cidr = get(b, net, "cidr");
    const char *ctext = cidr && cidr->kind == VAL_CIDR ? cidr_text(b, cidr) : "10.0.0.0/16";
    in(b, u, "cidr", S(b, ctext));
    HclVal *zones = hcl_list(b->a);
    NameCtx nc = names_ctx(b->m, b->env);
    for (int i = 0; i < azs; i++) {
        char zone[64];
        names_zone(&nc, region, i, zone, sizeof zone);
        hcl_push(b->a, zones, hcl_str(b->a, arena_strdup(b->a, zone)));
    }
    in(b, u, "azs", zones);
    in(b, u, "public_subnet_cidrs", str_list(b, get(b, net, "public_subnets")));
    in(b, u, "private_subnet_cidrs", str_list(b, get(b, net, "private_subnets")));
    in(b, u, "database_subnet_cidrs", str_list(b, get(b, net, "database_subnets")));
    const char *nat = get_str(b, net, "nat");
    if (nat && strcmp(nat, "none") != 0) {
        in(b, u, "enable_nat_gateway", T(b, true));
        in(b, u, "single_nat_gateway", T(b, strcmp(nat, "single") == 0));
    }
    in(b, u, "gateway_endpoints", str_list(b, get(b, net, "gateway_endpoints")));
    in(b, u, "interface_endpoints", str_list(b, get(b, net, "endpoints")));
    mock(b, u, "vpc_id", S(b, "vpc-00000000000000000"));
    mock(b, u, "vpc_cidr", S(b, ctext));
    mock(b, u, "public_subnet_ids", mock_list(b, "subnet-0000000000000000", azs));
    mock(b, u, "private_subnet_ids", mock_list(b, "subnet-1111111111111111", azs));
    mock(b, u, "database_subnet_ids", mock_list(b, "subnet-2222222222222222", azs));
    mock(b, u, "private_route_table_ids", mock_list(b, "rtb-1111111111111111", azs));
}

/* Whether the n strings are in strcmp order. */
static bool strs_sorted(const char **s, int n)
{
    for (int i = 1; i < n; i++)
        if (strcmp(s[i - 1], s[i]) > 0)
            return false;
    return true;
}

/* Ids of the selected accounts (other than the owner) whose services pull
 * from this repository, sorted and unique. */
static HclVal *pull_accounts(B *b, const Object *ecr)
{
    const ObjList *svcs = model_kind(b->m, "service");
    const char **ids = xcalloc((size_t)svcs->n + 1, sizeof *ids);
    int n = 0;
    static const ObjList none = {0};
    if (model_shared(b->m, ecr)) {     /* every environment's pullers (SPEC §7.5) */
        free(ids);
        n = model_shared_pullers(b->m, ecr, &ids);
        svcs = &none;
    }
    const Object *last = NULL;     /* the account whose id was taken last */
    for (int i = 0; i < svcs->n; i++) {
        const Object *s = svcs->items[i];
        if (s->account == ecr->account || s->account == last || !b->selected[s->account->index])
            continue;
        /* an account's services come together: its id once, not per
         * service (three times fewer ids to look up and sort) */
        if (get_ref(b, s, "image") == ecr) {
            ids[n++] = acct_id(b, s->account);
            last = s->account;
        }
    }
    if (!strs_sorted(ids, n))  /* accounts mostly come in the order of their ids */
        qsort(ids, (size_t)n, sizeof *ids, cmp_strp);
    HclVal *l = hcl_list(b->a);
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
            hcl_push(b->a, l, hcl_str(b->a, ids[i]));
    free(ids);
    return l->n ? l : NULL;
}

static void plan_ecr(B *b, const Object *e)
{
    LowerUnit *u = unit_add(b, "ecr", e->name, "ecr", e);
    const char *region = acct_region(b, e->account), *id = acct_id(b, e->account);
    const char *repo = name_of(b, NAME_ECR, e);
    in(b, u, "name", S(b, repo));
    in(b, u, "scan_on_push", T(b, get_bool(b, e, "scan_on_push", true)));
    in(b, u, "immutable_tags", T(b, get_bool(b, e, "immutable", true)));
    in(b, u, "keep_images", N(b, get_num(b, e, "keep", 30)));
    in(b, u, "pull_account_ids", pull_accounts(b, e));
    HclVal *push = str_list(b, get(b, e, "push"));
    if (push)
        qsort(push->items, (size_t)push->n, sizeof *push->items, cmp_hcl_str);
    in(b, u, "push_principal_arns", push);
    mock(b, u, "repository_arn", S(b, lower_cat(b->a, "arn:aws:ecr:", region, ":", id, ":repository/", repo, NULL)));
    mock(b, u, "repository_url", S(b, lower_cat(b->a, id, ".dkr.ecr.", region, ".amazonaws.com/", repo, NULL)));
}

/* The environment's secret_recovery in days: 0 deletes a secret at once
 * (a destroyed stage can be re-created under the same names), else 7..30
 * (E0420); 30, AWS's default, without an environment. */
static double recovery_days(B *b)
{
    const Value *v = b->env ? model_get_env(b->m, b->env->obj, "secret_recovery", NULL) : NULL;
    return v && v->kind == VAL_NUM ? ceil(v->u.num / 86400) : 30;
}

static void plan_secrets(B *b, Acct *ac)
{
    HclVal *secrets = hcl_obj(b->a), *arns = hcl_obj(b->a);
    const Object *first = NULL;
    const char *region = acct_region(b, ac->obj), *id = acct_id(b, ac->obj);
    const char *prefix = name_of(b, NAME_SECRET_PREFIX, ac->obj);
    for (int i = 0; i < ac->obj->nchildren; i++) {
        const Object *c = ac->obj->children[i];
        if (strcmp(c->kind, "secret") != 0 || !c->name)
            continue;
        first = first ? first : c;
        HclVal *spec = hcl_obj(b->a);
        const char *d = get_str(b, c, "description");
        if (d && *d)
            hcl_set(b->a, spec, "description", S(b, d));
        hcl_set(b->a, spec, "recovery_window_in_days", N(b, recovery_days(b)));
        hcl_set(b->a, secrets, c->name, spec);
        hcl_set(b->a, arns, c->name,
                S(b, lower_cat(b->a, "arn:aws:secretsmanager:", region, ":", id, ":secret:", name_of(b, NAME_SECRET, c), "-AbCdEf", NULL)));
    }
    if (!first)
        return;
    hcl_obj_sort(secrets);
    hcl_obj_sort(arns);
    LowerUnit *u = unit_add(b, "secrets", NULL, "secrets", first);
    ac->secrets = u;
    in(b, u, "name_prefix", S(b, prefix));
    in(b, u, "secrets", secrets);
    mock(b, u, "secret_arns", arns);
}

/* A cluster of the account: explicit (a `cluster` block) or the implicit
 * one services without `cluster` run in. */
typedef struct Cluster {
    const Object *obj;      /* the block, or NULL for the implicit cluster */
    LowerUnit *unit;             /* its ecs-cluster unit */
    LowerUnit *capacity;         /* its ec2-spot-capacity unit (compute = ec2), or NULL */
} Cluster;

static void plan_cluster(B *b, Acct *ac, Cluster *cl)
{
    const Object *co = cl->obj;
    const char *name = name_of(b, NAME_CLUSTER, co ? co : ac->obj);
    const char *ec2 = co ? get_str(b, co, "compute") : NULL;
    if (ec2 && strcmp(ec2, "ec2") == 0) {
        LowerUnit *cap = unit_add(b, "capacity", co->name, "ec2-spot-capacity", co);
        cl->capacity = cap;
        const char *cpname = name_of(b, NAME_CAPACITY_PROVIDER, co);
        double lo = 0, hi = 2;
        get_range(b, co, "instances", &lo, &hi);
        in(b, cap, "name", S(b, cpname));
        in(b, cap, "cluster_name", S(b, name));
        in(b, cap, "subnet_ids", ac->network ? R(b, ac->network, "private_subnet_ids") : NULL);
        in(b, cap, "vpc_id", ac->network ? R(b, ac->network, "vpc_id") : NULL);
        in(b, cap, "instance_types", str_list(b, get(b, co, "instance_types")));
        in(b, cap, "min_size", N(b, lo));
        in(b, cap, "max_size", N(b, hi));
        const Value *d = get(b, co, "desired");
        in(b, cap, "desired_capacity", d && d->kind == VAL_NUM ? N(b, d->u.num) : NULL);
        in(b, cap, "on_demand_percentage_above_base", N(b, get_bool(b, co, "spot", true) ? 0 : 100));
        mock(b, cap, "capacity_provider_name", S(b, cpname));
    }
    LowerUnit *u = unit_add(b, "cluster", co ? co->name : NULL, "ecs-cluster", co ? co : ac->obj);
    cl->unit = u;
    in(b, u, "name", S(b, name));
    in(b, u, "container_insights", S(b, co && get_bool(b, co, "insights", false) ? "enabled" : "disabled"));
    if (cl->capacity) {
        in(b, u, "ec2_capacity_providers", list1(b, R(b, cl->capacity, "capacity_provider_name")));
        HclVal *e = hcl_obj(b->a);
        hcl_set(b->a, e, "capacity_provider", R(b, cl->capacity, "capacity_provider_name"));
        hcl_set(b->a, e, "weight", N(b, 1));
        in(b, u, "default_capacity_provider_strategy", list1(b, e));
    }
    mock(b, u, "cluster_name", S(b, name));
    mock(b, u, "cluster_arn", S(b, lower_cat(b->a, "arn:aws:ecs:", acct_region(b, ac->obj), ":", acct_id(b, ac->obj), ":cluster/", name, NULL)));
}

/* access = vpn(cidr) | private() | public(): the constructor's name and,
 * for vpn, its CIDR. */
static const char *access_of(B *b, const Object *s, const char **cidr)
{
    const Value *v = get(b, s, "access");
    *cidr = NULL;
    if (!v || v->kind != VAL_CALL)
        return "private";
    if (v->n > 0 && v->items[0]->kind == VAL_CIDR)
        *cidr = cidr_text(b, v->items[0]);
    return v->u.str;
}

static LowerUnit *plan_lb(B *b, Acct *ac, const Object *s)
{
    const char *cidr, *access = access_of(b, s, &cidr);
    bool pub = strcmp(access, "public") == 0;
    if (!pub && !(strcmp(access, "vpn") == 0 && cidr))
        return NULL;
    LowerUnit *u = unit_add(b, "lb", s->name, "load-balancer", s);
    const char *name = name_of(b, NAME_LOAD_BALANCER, s);
    in(b, u, "name", S(b, name));
    in(b, u, "public", pub ? T(b, true) : NULL);
    in(b, u, "vpc_id", ac->network ? R(b, ac->network, "vpc_id") : NULL);
    in(b, u, "vpc_cidr", ac->network ? R(b, ac->network, "vpc_cidr") : NULL);
    in(b, u, "subnet_ids", ac->network ? R(b, ac->network, pub ? "public_subnet_ids" : "private_subnet_ids") : NULL);
    in(b, u, "ingress_cidrs", list1(b, S(b, pub ? "0.0.0.0/0" : cidr)));
    in(b, u, "certificate_arn", S(b, get_str(b, s, "certificate")));
    in(b, u, "target_port", N(b, get_num(b, s, "port", 3000)));
    const char *region = acct_region(b, ac->obj), *id = acct_id(b, ac->obj);
    mock(b, u, "security_group_id", S(b, "sg-00000000000000000"));
    mock(b, u, "target_group_arn", S(b, lower_cat(b->a, "arn:aws:elasticloadbalancing:", region, ":", id, ":targetgroup/", name, "/0000000000000000", NULL)));
    return u;
}

/* The container image: from the same account through the ecr unit's
 * outputs; from another account as a value known now, ordered after it. */
static void plan_image(B *b, Acct *ac, LowerUnit *u, const Object *s)
{
    const Object *e = get_ref(b, s, "image");
    if (!e)
        return;
    const char *tag = get_str(b, s, "tag");
    tag = tag ? tag : "latest";
    const char *region = acct_region(b, e->account), *id = acct_id(b, e->account);
    if (e->account == ac->obj) {
        char label[128];
        names_unit_dir("ecr", e->name, label, sizeof label);
        for (char *p = label; *p; p++)
            *p = *p == '-' ? '_' : *p;
        const LowerUnit *eu = lower_unit(b->acct, label);
        if (eu) {
            HclVal *t = hcl_tmpl(b->a);
            hcl_push(b->a, t, R(b, eu, "repository_url"));
            hcl_push(b->a, t, S(b, lower_cat(b->a, ":", tag, NULL)));
            in(b, u, "image", t);
            in(b, u, "image_repository_arns", list1(b, R(b, eu, "repository_arn")));
            return;
        }
    }
    const char *repo = name_of(b, NAME_ECR, e);
    in(b, u, "image", S(b, lower_cat(b->a, id, ".dkr.ecr.", region, ".amazonaws.com/", repo, ":", tag, NULL)));
    in(b, u, "image_repository_arns",
       list1(b, S(b, lower_cat(b->a, "arn:aws:ecr:", region, ":", id, ":repository/", repo, NULL))));
    if (e->account != ac->obj && b->selected[e->account->index] && model_creates(b->m, e)) {
        char dir[128], unit[128];
        NameCtx nc = names_ctx(b->m, b->env);
        names_account_dir(&nc, e->account, dir, sizeof dir);
        names_unit_dir("ecr", e->name, unit, sizeof unit);
        after(b, u, arena_strdup(b->a, dir), arena_strdup(b->a, unit));
    }
}

/* secrets = { NAME = secret("x") | ssm("/p") | a secret block }: valueFrom. */
static HclVal *plan_secret_refs(B *b, Acct *ac, const Object *s)
{
    const Value *v = get(b, s, "secrets");
    if (!v || v->kind != VAL_MAP || v->n == 0)
        return NULL;
    const char *region = acct_region(b, ac->obj), *id = acct_id(b, ac->obj);
    HclVal *o = hcl_obj(b->a);
    for (uint32_t i = 0; i < v->n; i++) {
        const Value *x = v->items[i];
        const char *name = NULL;
        HclVal *val = NULL;
        if (x->kind == VAL_REF && x->ref->name) {
            name = x->ref->name;
        } else if (x->kind == VAL_CALL && x->n > 0 && x->items[0]->kind == VAL_STR) {
            const char *arg = x->items[0]->u.str;
            if (strcmp(x->u.str, "ssm") == 0)
                val = S(b, lower_cat(b->a, "arn:aws:ssm:", region, ":", id, ":parameter", arg[0] == '/' ? "" : "/", arg, NULL));
            else if (model_child(b->m, ac->obj, "secret", arg))
                name = arg;
            else
                val = S(b, lower_cat(b->a, "arn:aws:secretsmanager:", region, ":", id, ":secret:", arg, NULL));
        }
        if (name && ac->secrets) {
            val = R(b, ac->secrets, "secret_arns");
            val->key = name;
        }
        if (val)
            hcl_set(b->a, o, v->keys[i], val);
    }
    hcl_obj_sort(o);
    return o->n ? o : NULL;
}

static HclVal *env_map(B *b, const Object *s)
{
    const Value *v = get(b, s, "env");
    HclVal *o = hcl_obj(b->a);
    for (uint32_t i = 0; v && v->kind == VAL_MAP && i < v->n; i++)
        if (v->items[i]->kind == VAL_STR)
            hcl_set(b->a, o, v->keys[i], S(b, v->items[i]->u.str));
    return o;
}

static bool has_key(const HclVal *o, const char *key)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return true;
    return false;
}

/* Sets key unless the program set it in `env` or `secrets` itself (its
 * own value wins; the module refuses a name in both maps). */
static void set_default(B *b, HclVal *o, const HclVal *other, const char *key, HclVal *v)
{
    if (!has_key(o, key) && !(other && has_key(other, key)))
        hcl_set(b->a, o, key, v);
}

/* The initial database of a database block: its name, when PostgreSQL
 * takes it as one (the module's rule: a letter, then letters, digits, _). */
static const char *db_name(const Object *d)
{
    const char *n = d->name;
    if (!n || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) || strlen(n) > 63)
        return NULL;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return NULL;
    return n;
}

/* "%.0f" of a port: the checker has made it a whole number, printed here
 * without printf (each service of each account wires its databases);
 * anything else takes printf's rounding. */
static const char *port_text(B *b, double port)
{
    if (!(port >= 0 && port < 1e9 && port == (double)(long)port))
        return arena_printf(b->a, "%.0f", port);
    char buf[SB_DIGITS_MAX], *p = sb_digits(buf + sizeof buf, (unsigned long long)port);
    return arena_strndup(b->a, p, (size_t)(buf + sizeof buf - p));
}

/* The account's databases, wired into a service (SPEC 13.3): for database
 * NAME, NAME_DB_HOST (the writer endpoint), NAME_DB_PORT and NAME_DB_NAME
 * as plain environment, and NAME_DB_USER, NAME_DB_PASSWORD from the
 * RDS-managed master secret, whose ARN the module also grants the
 * execution role. NAME is the block's name in upper case. */
static void wire_databases(B *b, LowerUnit **dbs, int ndbs, HclVal *env, HclVal *secrets)
{
    for (int i = 0; i < ndbs; i++) {
        const Object *d = dbs[i]->obj;
        char up[128];
        const char *name = d->name ? d->name : "db";
        size_t n = strlen(name) < sizeof up - 1 ? strlen(name) : sizeof up - 1;
        memcpy(up, name, n);
        up[n] = '\0';
        for (char *p = up; *p; p++)
            *p = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p == '-' ? '_' : *p;
        const char *k = lower_cat(b->a, up, "_DB_", NULL);
        set_default(b, env, secrets, lower_cat(b->a, k, "HOST", NULL), R(b, dbs[i], "endpoint"));
        set_default(b, env, secrets, lower_cat(b->a, k, "PORT", NULL),
                    S(b, port_text(b, get_num(b, d, "port", 5432))));
        if (db_name(d))
            set_default(b, env, secrets, lower_cat(b->a, k, "NAME", NULL), S(b, db_name(d)));
        static const char *const fields[][2] = {{"USER", ":username::"}, {"PASSWORD", ":password::"}};
        for (int f = 0; f < 2; f++) {
            HclVal *t = hcl_tmpl(b->a);
            hcl_push(b->a, t, R(b, dbs[i], "master_user_secret_arn"));
            hcl_push(b->a, t, S(b, fields[f][1]));
            set_default(b, secrets, env, lower_cat(b->a, k, fields[f][0], NULL), t);
        }
    }
}

/* Scaling: `scale = lo..hi` are the bounds when on. A `window` switches the
 * service on inside it (min max(lo,1), max hi) and off outside it (min 0,
 * max 0: a max of 0 is what stops tasks) — for a service off by default,
 * only in environments with `scheduled_on`; without a window, `default`
 * decides whether it starts on. Off, it starts at 0 tasks with a minimum of
 * 0, so scale-to-zero is never undone by the autoscaling minimum. */
static void plan_scaling(B *b, LowerUnit *u, const Object *s)
{
    double lo = 0, hi = 1;
    get_range(b, s, "scale", &lo, &hi);
    double on_min = lo > 0 ? lo : (hi >= 1 ? 1 : 0);
    const char *def = get_str(b, s, "default");
    bool on = !def || strcmp(def, "off") != 0;
    const char *window = get_str(b, s, "window");
    if (window && (!b->win_text || strcmp(window, b->win_text) != 0)) {
        Schedule *sc = xmalloc(sizeof *sc);
        SchedError err;
        b->win_n = sched_parse(window, strlen(window), sc, &err) ? sched_actions(sc, b->win_acts, 64) : 0;
        if (b->win_n < 0)
            b->win_n = 0;
        snprintf(b->win_zone, sizeof b->win_zone, "%s", sc->zone);
        b->win_text = window;
        free(sc);
    }
    const SchedAction *acts = b->win_acts;
    int nacts = window ? b->win_n : 0;
    /* A service that is off by default is switched on by its window only
     * where the environment allows it (`scheduled_on`), as in the plan's
     * operate phase: otherwise it stays at 0 and no action is emitted. */
    if (!on && !(b->env && get_bool(b, b->env->obj, "scheduled_on", false)))
        nacts = 0;
    bool starts_off = nacts > 0 || !on;
    in(b, u, "desired_count", N(b, starts_off ? 0 : on_min));
    /* the plan's `scalable_target` says the same (lower_autoscaled) */
    if (!lower_autoscaled(b->m, s, b->env))
        return;
    HclVal *as = hcl_obj(b->a);
    hcl_set(b->a, as, "min_capacity", N(b, starts_off ? 0 : lo));
    hcl_set(b->a, as, "max_capacity", N(b, hi));
    in(b, u, "autoscaling", as);
    if (nacts > 0) {
        int nup = 0, ndown = 0;
        for (int i = 0; i < nacts; i++)
            acts[i].up ? nup++ : ndown++;
        HclVal *l = hcl_list(b->a);
        int kup = 0, kdown = 0;
        NameCtx nc = names_ctx(b->m, b->env);
        for (int i = 0; i < nacts; i++) {
            bool up = acts[i].up;
            int k = up ? ++kup : ++kdown, of = up ? nup : ndown;
            HclVal *a = hcl_obj(b->a);
            char name[512];
            names_scheduled_action(&nc, s, up, k, of, name, sizeof name);
            hcl_set(b->a, a, "name", S(b, arena_strdup(b->a, name)));
            hcl_set(b->a, a, "schedule", S(b, arena_strdup(b->a, acts[i].cron)));
            hcl_set(b->a, a, "timezone", S(b, arena_strdup(b->a, b->win_zone)));
            hcl_set(b->a, a, "min", N(b, up ? on_min : 0));
            hcl_set(b->a, a, "max", N(b, up ? hi : 0));
            hcl_push(b->a, l, a);
        }
        in(b, u, "scheduled_actions", l);
    }
}

static LowerUnit *plan_service(B *b, Acct *ac, const Object *s, const Cluster *cl, LowerUnit *lb,
                              LowerUnit **dbs, int ndbs)
{
    LowerUnit *u = unit_add(b, "service", s->name, "ecs-service", s);
    const char *compute = get_str(b, s, "compute");
    bool ec2 = cl->capacity && compute && strcmp(compute, "ec2") == 0;
    bool public_ip = get_bool(b, s, "public_ip", false);
    in(b, u, "name", S(b, s->name));
    in(b, u, "cluster_name", R(b, cl->unit, "cluster_name"));
    in(b, u, "cluster_arn", R(b, cl->unit, "cluster_arn"));
    in(b, u, "compatibility", S(b, ec2 ? "EC2" : "FARGATE"));
    HclVal *e = hcl_obj(b->a);
    hcl_set(b->a, e, "capacity_provider",
            ec2 ? R(b, cl->capacity, "capacity_provider_name")
                : S(b, get_bool(b, s, "spot", true) ? "FARGATE_SPOT" : "FARGATE"));
    hcl_set(b->a, e, "weight", N(b, 1));
    in(b, u, "capacity_provider_strategy", list1(b, e));
    in(b, u, "vpc_id", R(b, ac->network, "vpc_id"));
    in(b, u, "subnet_ids", R(b, ac->network, public_ip ? "public_subnet_ids" : "private_subnet_ids"));
    in(b, u, "assign_public_ip", public_ip ? T(b, true) : NULL);
    if (ndbs > 0) {
        HclVal *l = hcl_list(b->a);
        for (int i = 0; i < ndbs; i++)
            hcl_push(b->a, l, R(b, dbs[i], "client_security_group_id"));
        in(b, u, "security_group_ids", l);
    }
    in(b, u, "ingress_security_group_ids", lb ? list1(b, R(b, lb, "security_group_id")) : NULL);
    HclVal *ingress = str_list(b, get(b, s, "ingress"));
    in(b, u, "ingress_cidrs", ingress);
    plan_image(b, ac, u, s);
    in(b, u, "cpu", N(b, get_num(b, s, "cpu", 256)));
    in(b, u, "memory", N(b, get_num(b, s, "memory", 512)));
    in(b, u, "container_port", lb || ingress ? N(b, get_num(b, s, "port", 3000)) : NULL);
    HclVal *env = env_map(b, s), *secrets = plan_secret_refs(b, ac, s);
    if (!secrets)
        secrets = hcl_obj(b->a);
    wire_databases(b, dbs, ndbs, env, secrets);
    hcl_obj_sort(env);
    hcl_obj_sort(secrets);
    in(b, u, "environment", env->n ? env : NULL);
    in(b, u, "secrets", secrets->n ? secrets : NULL);
    in(b, u, "iam_role_name_prefix", S(b, name_of(b, NAME_ROLE_PREFIX, s)));
    in(b, u, "target_group_arn", lb ? R(b, lb, "target_group_arn") : NULL);
    plan_scaling(b, u, s);
    mock(b, u, "security_group_id", S(b, "sg-11111111111111111"));
    mock(b, u, "task_role_arn", S(b, lower_cat(b->a, "arn:aws:iam::", acct_id(b, ac->obj), ":role/", name_of(b, NAME_TASK_ROLE, s), NULL)));
    return u;
}

/* Deletion protection: the database's own setting, else the environment's
 * or the account's (either turns it on). */
static bool deletion_protection(B *b, const Object *db)
{
    const Value *v = get(b, db, "deletion_protection");
    if (v && v->kind == VAL_BOOL)
        return v->u.b;
    bool envp = b->env ? model_bool(b->m, b->env->obj, "deletion_protection", false) : false;
    return envp || get_bool(b, db->account, "deletion_protection", false);
}

/* Databases come before the services: a service reaches its account's
 * databases by wearing their client security group (modules README). */
static LowerUnit *plan_database(B *b, Acct *ac, const Object *d)
{
    bool aurora = strcmp(d->kind, "aurora") == 0;
    const char *engine = get_str(b, d, "engine");
    if (engine && strncmp(engine, "postgres", 8) != 0) {
        internal(b, "E0515", "`%s`: engine `%s` is not supported by stdlib/modules/%s (PostgreSQL only)",
                 d->path, engine, d->kind);
        return NULL;
    }
    LowerUnit *u = unit_add(b, d->kind, d->name, aurora ? "aurora" : "rds", d);
    in(b, u, "name", S(b, name_of(b, NAME_DB, d)));
    in(b, u, "engine_version", S(b, get_str(b, d, "version")));
    if (aurora) {
        double lo = 0.5, hi = 2;
        get_range(b, d, "capacity", &lo, &hi);
        in(b, u, "min_capacity", N(b, lo));
        in(b, u, "max_capacity", N(b, hi));
        const Value *p = get(b, d, "auto_pause");
        in(b, u, "seconds_until_auto_pause", p && p->kind == VAL_NUM && lo == 0 ? N(b, p->u.num) : NULL);
    } else {
        in(b, u, "instance_class", S(b, get_str(b, d, "class")));
        in(b, u, "allocated_storage", N(b, ceil(get_num(b, d, "storage", 20 * 1024) / 1024)));
    }
    in(b, u, "vpc_id", R(b, ac->network, "vpc_id"));
    in(b, u, "subnet_ids", R(b, ac->network, "database_subnet_ids"));
    in(b, u, "port", N(b, get_num(b, d, "port", 5432)));
    in(b, u, "database_name", S(b, db_name(d)));
    in(b, u, "deletion_protection", T(b, deletion_protection(b, d)));
    const char *name = name_of(b, NAME_DB, d), *region = acct_region(b, ac->obj);
    mock(b, u, "client_security_group_id", S(b, "sg-22222222222222222"));
    mock(b, u, "endpoint", S(b, lower_cat(b->a, name, ".", aurora ? "cluster-" : "", "000000000000.", region, ".rds.amazonaws.com", NULL)));
    mock(b, u, "master_user_secret_arn",
         S(b, lower_cat(b->a, "arn:aws:secretsmanager:", region, ":", acct_id(b, ac->obj), ":secret:rds!", aurora ? "cluster" : "db", "-00000000-0000-0000-0000-000000000000-AbCdEf", NULL)));
    return u;
}

static LowerUnit *plan_bucket(B *b, const Object *k)
{
    LowerUnit *u = unit_add(b, "bucket", k->name, "s3-bucket", k);
    in(b, u, "name", S(b, name_of(b, NAME_BUCKET, k)));
    in(b, u, "versioning", T(b, get_bool(b, k, "versioned", true)));
    in(b, u, "tls_only", T(b, get_bool(b, k, "tls_only", true)));
    in(b, u, "eventbridge", get_bool(b, k, "events", false) ? T(b, true) : NULL);
    const Value *x = get(b, k, "expire");
    HclVal *days = x && x->kind == VAL_NUM ? N(b, ceil(x->u.num / 86400)) : NULL;
    in(b, u, "expire_days", days);
    /* On a versioned bucket, expiring the current version only hides it
     * behind a delete marker: the data stays as a non-current version
     * unless that expires too, the same number of days later. */
    in(b, u, "noncurrent_expire_days", get_bool(b, k, "versioned", true) ? days : NULL);
    const Value *r = get(b, k, "readers");
    if (r && r->kind == VAL_LIST && r->n > 0) {
        const char **ids = xcalloc(r->n, sizeof *ids);
        int n = 0;
        for (uint32_t i = 0; i < r->n; i++)
            if (r->items[i]->kind == VAL_REF)
                ids[n++] = acct_id(b, r->items[i]->ref);
        qsort(ids, (size_t)n, sizeof *ids, cmp_strp);
        HclVal *l = hcl_list(b->a);
        for (int i = 0; i < n; i++)
            if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
                hcl_push(b->a, l, S(b, ids[i]));
        free(ids);
        in(b, u, "reader_account_ids", l->n ? l : NULL);
    }
    return u;
}

/* ---- accounts and environments ------------------------------------------ */

static bool is_kind(const Object *o, const char *kind)
{
    return strcmp(o->kind, kind) == 0;
}

/* Clusters of an account: every `cluster` block, then the implicit one if
 * names.h says the account has one (a service names no cluster and the
 * account has not exactly one block). cl has room for nchildren + 1. */
static int collect_clusters(B *b, const Object *acct, Cluster *cl)
{
    int n = 0;
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "cluster"))
            cl[n++] = (Cluster){acct->children[i], NULL, NULL};
    NameCtx nc = names_ctx(b->m, b->env);
    if (names_has_implicit_cluster(&nc, acct))
        cl[n++] = (Cluster){NULL, NULL, NULL};
    return n;
}

/* The cluster a service runs in, as names.h decides it (the plan's
 * operate steps and the graph ask the same question). */
static const Cluster *cluster_of(B *b, const Object *s, const Cluster *cl, int n)
{
    NameCtx nc = names_ctx(b->m, b->env);
    const Object *c = names_cluster_of(&nc, s);
    for (int i = 0; i < n; i++)
        if (cl[i].obj == c)
            return &cl[i];
    return &cl[n - 1];
}

/* On-demand starts and service discovery (SPEC 13.4). */

/* The unit input named name, or NULL. */
static LowerInput *input_of(LowerUnit *u, const char *name)
{
    for (int i = 0; i < u->ninputs; i++)
        if (strcmp(u->inputs[i].name, name) == 0)
            return &u->inputs[i];
    return NULL;
}

/* Appends x to the list input name, creating it. */
static void in_push(B *b, LowerUnit *u, const char *name, HclVal *x)
{
    LowerInput *p = input_of(u, name);
    if (p && p->val->kind == HCL_LIST)
        hcl_push(b->a, p->val, x);
    else if (!p)
        in(b, u, name, list1(b, x));
}

/* The unit of object o among units[0..n), or NULL. */
static LowerUnit *unit_of(LowerUnit **units, int n, const Object *o)
{
    for (int i = 0; i < n; i++)
        if (units[i] && units[i]->obj == o)
            return units[i];
    return NULL;
}

/* A service joins its cluster's Service Connect namespace, which the
 * cluster then creates (named as the cluster). */
static void join_namespace(B *b, LowerUnit *su, const Cluster *cl)
{
    if (input_of(su, "service_connect_namespace"))
        return;
    if (!input_of(cl->unit, "service_connect_namespace")) {
        const LowerInput *name = input_of(cl->unit, "name");
        in(b, cl->unit, "service_connect_namespace", name ? name->val : NULL);
        mock(b, cl->unit, "service_connect_namespace_arn",
             S(b, "arn:aws:servicediscovery:eu-west-2:000000000000:namespace/ns-0000000000000000"));
    }
    in(b, su, "service_connect_namespace", R(b, cl->unit, "service_connect_namespace_arn"));
}

/* `connects = [t]`: t serves its port by name and owns a client security
 * group, which s wears (as services wear a database's client group), so s
 * depends on t and never the reverse. */
static void plan_connects(B *b, const Object *s, LowerUnit **su, int nsu, const Cluster *cl, int ncl)
{
    const Value *v = get(b, s, "connects");
    LowerUnit *u = unit_of(su, nsu, s);
    if (!v || v->kind != VAL_LIST || v->n == 0 || !u)
        return;
    join_namespace(b, u, cluster_of(b, s, cl, ncl));
    for (uint32_t i = 0; i < v->n; i++) {
        const Object *t = v->items[i]->kind == VAL_REF ? v->items[i]->ref : NULL;
        LowerUnit *tu = t ? unit_of(su, nsu, t) : NULL;
        if (!tu)
            continue;
        join_namespace(b, tu, cluster_of(b, t, cl, ncl));
        if (!input_of(tu, "discoverable")) {
            in(b, tu, "discoverable", T(b, true));
            if (!input_of(tu, "container_port"))
                in(b, tu, "container_port", N(b, get_num(b, t, "port", 3000)));
            mock(b, tu, "client_security_group_id", S(b, "sg-33333333333333333"));
        }
        in_push(b, u, "security_group_ids", R(b, tu, "client_security_group_id"));
    }
}

/* `starts_on = [k]`: one ecs-on-demand unit per bucket, after the service
 * (whose scalable target it adds policies to) and the bucket (whose
 * EventBridge notifications it needs). None where `triggers = off`. */
static void plan_on_demand(B *b, Acct *ac, const Object *s, LowerUnit *su, const Cluster *cl,
                           LowerUnit **bk, int nbk)
{
    if (!su || !model_started_on_demand(b->m, s, b->env))
        return;
    const Value *v = get(b, s, "starts_on");
    const char *mode = get_str(b, s, "starts");
    bool task = mode && strcmp(mode, "task") == 0;
    double lo = 0, hi = 1;
    get_range(b, s, "scale", &lo, &hi);
    for (uint32_t i = 0; i < v->n; i++) {
        const Object *k = v->items[i]->kind == VAL_REF ? v->items[i]->ref : NULL;
        LowerUnit *ku = k ? unit_of(bk, nbk, k) : NULL;
        if (!ku)
            continue;
        mock(b, ku, "bucket", S(b, name_of(b, NAME_BUCKET, k)));
        mock(b, su, "service_name", S(b, s->name));
        const char *label = lower_cat(b->a, s->name, "-", k->name, NULL);
        LowerUnit *u = unit_add(b, "on-demand", label, "ecs-on-demand", s);
        char rule[512];
        NameCtx nc = names_ctx(b->m, b->env);
        names_on_demand_rule(&nc, s, k, rule, sizeof rule);
        in(b, u, "name", S(b, arena_strdup(b->a, rule)));
        in(b, u, "bucket_name", R(b, ku, "bucket"));
        in(b, u, "key_prefix", S(b, get_str(b, s, "starts_prefix")));
        in(b, u, "mode", S(b, task ? "task" : "service"));
        in(b, u, "cluster_name", R(b, cl->unit, "cluster_name"));
        in(b, u, "cluster_arn", R(b, cl->unit, "cluster_arn"));
        in(b, u, "service_name", R(b, su, "service_name"));
        if (task) {
            in(b, u, "task_definition_arn", R(b, su, "task_definition_arn"));
            in(b, u, "task_definition_family", R(b, su, "task_definition_family"));
            HclVal *roles = list1(b, R(b, su, "execution_role_arn"));
            hcl_push(b->a, roles, R(b, su, "task_role_arn"));
            in(b, u, "pass_role_arns", roles);
            const LowerInput *cps = input_of(su, "capacity_provider_strategy");
            in(b, u, "capacity_provider_strategy", cps ? cps->val : NULL);
            in(b, u, "subnet_ids", R(b, ac->network, "private_subnet_ids"));
            in(b, u, "security_group_ids", list1(b, R(b, su, "security_group_id")));
            in(b, u, "iam_role_name_prefix", S(b, name_of(b, NAME_ROLE_PREFIX, s)));
            mock(b, su, "execution_role_arn", S(b, lower_cat(b->a, "arn:aws:iam::", acct_id(b, ac->obj), ":role/", name_of(b, NAME_EXEC_ROLE, s), NULL)));
        } else {
            const Value *idle = get(b, s, "idle");
            in(b, u, "min_capacity", N(b, lo));
            in(b, u, "max_capacity", N(b, hi));
            in(b, u, "idle_minutes", idle && idle->kind == VAL_NUM ? N(b, ceil(idle->u.num / 60)) : NULL);
        }
    }
}

/* ---- VPN reachability (SPEC §13.2, "VPN hub") --------------------------- */

/* The deployed account whose `vpn` is the range CIDR (a text), or NULL. */
static const Object *vpn_account(B *b, const char *cidr)
{
    if (b->vpn_text && b->vpn_sel == b->selected && strcmp(b->vpn_text, cidr) == 0)
        return b->vpn_hit;
    const ObjList *accts = model_kind(b->m, "account");
    const Object *hit = NULL;
    for (int i = 0; i < accts->n && !hit; i++) {
        const Object *a = accts->items[i];
        const Value *v = get(b, a, "vpn");
        if (b->selected[a->index] && v && v->kind == VAL_CIDR && strcmp(cidr_text(b, v), cidr) == 0)
            hit = a;
    }
    b->vpn_text = arena_strdup(&b->bp->arena, cidr);
    b->vpn_sel = b->selected;
    b->vpn_hit = hit;
    return hit;
}

/* The account a VPN-only service is reached from when that is another
 * account (the service's `vpn(CIDR)` is the other account's `vpn`), else
 * NULL; *cidr is the VPN's range. Rule E0807 makes sure the account exists
 * and has a network. */
static const Object *vpn_hub_of(B *b, const Object *s, const char **cidr)
{
    if (strcmp(access_of(b, s, cidr), "vpn") != 0 || !*cidr)
        return NULL;
    const Object *h = vpn_account(b, *cidr);
    return h && h != s->account ? h : NULL;
}

static const char *net_cidr(B *b, const Object *acct)
{
    const Object *net = model_child(b->m, acct, "network", NULL);
    const Value *v = net ? get(b, net, "cidr") : NULL;
    return v && v->kind == VAL_CIDR ? cidr_text(b, v) : NULL;
}

/* Sorts a list of strings and drops repeats: once, after the pushes (the
 * hub gathers one entry per spoke service, thousands of them). */
static void sort_unique(HclVal *l)
{
    qsort(l->items, (size_t)l->n, sizeof *l->items, cmp_hcl_str);
    int k = 0;
    for (int i = 0; i < l->n; i++)
        if (k == 0 || strcmp(l->items[i]->s, l->items[k - 1]->s) != 0)
            l->items[k++] = l->items[i];
    l->n = k;
}

/* The hub, in the account holding the VPN: a Transit Gateway shared with
 * every account of the deployment that has a VPN-only service reached
 * through it (the spokes), routes to their VPCs, the VPN's range back to
 * the hub VPC. No unit without a spoke. */
static void plan_vpn_hub(B *b, Acct *ac)
{
    const Value *own = get(b, ac->obj, "vpn");
    if (!own || own->kind != VAL_CIDR)
        return;                 /* only the account holding a VPN is a hub */
    const ObjList *svcs = model_kind(b->m, "service");
    HclVal *ids = hcl_list(b->a), *cidrs = hcl_list(b->a);
    const char *vpn = NULL;
    const Object *last = NULL;     /* the spoke pushed last */
    for (int i = 0; i < svcs->n; i++) {
        const Object *s = svcs->items[i];
        const char *cidr, *spoke = NULL;
        if (!b->selected[s->account->index] || vpn_hub_of(b, s, &cidr) != ac->obj)
            continue;
        vpn = cidr;
        if (s->account == last)
            continue;   /* its services come together: the same id and range */
        last = s->account;
        hcl_push(b->a, ids, hcl_str(b->a, acct_id(b, s->account)));
        if ((spoke = net_cidr(b, s->account)))
            hcl_push(b->a, cidrs, hcl_str(b->a, spoke));
    }
    if (!vpn || !ac->network)
        return;
    sort_unique(ids);
    sort_unique(cidrs);
    LowerUnit *u = unit_add(b, "vpn-hub", NULL, "transit-gateway", ac->network->obj);
    in(b, u, "name", S(b, name_of(b, NAME_VPN_HUB, ac->obj)));
    in(b, u, "vpc_id", R(b, ac->network, "vpc_id"));
    in(b, u, "subnet_ids", R(b, ac->network, "private_subnet_ids"));
    in(b, u, "route_table_ids", R(b, ac->network, "private_route_table_ids"));
    in(b, u, "spoke_account_ids", ids);
    in(b, u, "spoke_cidrs", cidrs->n ? cidrs : NULL);
    in(b, u, "vpn_cidrs", list1(b, S(b, vpn)));
}

/* A spoke: the account's VPC attached to the hub's gateway, found by the
 * share's name (both units derive it), routes to the VPN's range and the
 * hub VPC; applied after the hub. */
static void plan_vpn_spoke(B *b, Acct *ac)
{
    const Object *hub = NULL;
    const char *vpn = NULL;
    for (int i = 0; i < ac->obj->nchildren && !hub; i++)
        if (is_kind(ac->obj->children[i], "service"))
            hub = vpn_hub_of(b, ac->obj->children[i], &vpn);
    const char *hub_cidr = hub ? net_cidr(b, hub) : NULL;
    if (!hub || !hub_cidr || !ac->network)
        return;
    LowerUnit *u = unit_add(b, "vpn-attachment", NULL, "transit-gateway-attachment", ac->network->obj);
    char name[512];
    NameCtx nc = names_ctx(b->m, b->env);
    names_vpn_attachment(&nc, ac->obj, name, sizeof name);
    in(b, u, "name", S(b, arena_strdup(b->a, name)));
    in(b, u, "share_name", S(b, name_of(b, NAME_VPN_HUB, hub)));
    in(b, u, "hub_account_id", S(b, acct_id(b, hub)));
    in(b, u, "vpc_id", R(b, ac->network, "vpc_id"));
    in(b, u, "subnet_ids", R(b, ac->network, "private_subnet_ids"));
    in(b, u, "route_table_ids", R(b, ac->network, "private_route_table_ids"));
    HclVal *dst = hcl_list(b->a);
    hcl_push(b->a, dst, hcl_str(b->a, vpn));
    hcl_push(b->a, dst, hcl_str(b->a, hub_cidr));
    sort_unique(dst);
    in(b, u, "destination_cidrs", dst);
    char dir[128];
    names_account_dir(&nc, hub, dir, sizeof dir);
    after(b, u, arena_strdup(b->a, dir), "vpn-hub");
}

static void plan_account(B *b, const Object *acct)
{
    Acct ac = {acct, NULL, NULL, 2};
    const Object *net = model_child(b->m, acct, "network", NULL);
    if (net) {
        plan_network(b, &ac, net);
        plan_vpn_hub(b, &ac);
        plan_vpn_spoke(b, &ac);
    }
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "ecr"))
            if (model_creates(b->m, acct->children[i]))
                plan_ecr(b, acct->children[i]);
    plan_secrets(b, &ac);
    int nsvc = 0, ndb = 0;
    for (int i = 0; i < acct->nchildren; i++) {
        nsvc += is_kind(acct->children[i], "service");
        ndb += is_kind(acct->children[i], "aurora") || is_kind(acct->children[i], "rds");
    }
    if ((nsvc > 0 || ndb > 0) && !ac.network) {
        internal(b, "E0801", "account `%s` has %s but no `network` block to run them in", acct->name,
                 nsvc ? "services" : "databases");
        return;
    }
    LowerUnit **dbs = xcalloc((size_t)acct->nchildren + 1, sizeof *dbs);
    int ndbs = 0;
    for (int i = 0; i < acct->nchildren; i++) {
        const Object *d = acct->children[i];
        LowerUnit *u = is_kind(d, "aurora") || is_kind(d, "rds") ? plan_database(b, &ac, d) : NULL;
        if (u)
            dbs[ndbs++] = u;
    }
    Cluster *cl = xcalloc((size_t)acct->nchildren + 1, sizeof *cl);
    int ncl = collect_clusters(b, acct, cl);
    for (int i = 0; i < ncl; i++)
        plan_cluster(b, &ac, &cl[i]);
    LowerUnit **lbs = xcalloc((size_t)nsvc + 1, sizeof *lbs);
    int k = 0;
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "service"))
            lbs[k++] = plan_lb(b, &ac, acct->children[i]);
    k = 0;
    LowerUnit **su = xcalloc((size_t)acct->nchildren + 1, sizeof *su);
    for (int i = 0; i < acct->nchildren; i++) {
        const Object *s = acct->children[i];
        if (is_kind(s, "service"))
            su[i] = plan_service(b, &ac, s, cluster_of(b, s, cl, ncl), lbs[k++], dbs, ndbs);
    }
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "bucket"))
            su[i] = plan_bucket(b, acct->children[i]);
    for (int i = 0; i < acct->nchildren; i++)
        if (is_kind(acct->children[i], "service")) {
            const Object *s = acct->children[i];
            plan_connects(b, s, su, acct->nchildren, cl, ncl);
            plan_on_demand(b, &ac, s, su[i], cluster_of(b, s, cl, ncl), su, acct->nchildren);
        }
    free(su);
    free(cl);
    free(lbs);
    free(dbs);
}

/* Marks the accounts an environment deploys (`all` or a list). */
static void select_accounts(B *b, bool *sel)
{
    const ObjList *accts = model_kind(b->m, "account");
    const Value *v = b->env ? model_get(b->m, b->env->obj, "accounts") : NULL;
    bool all = !v || v->kind != VAL_LIST;
    for (int i = 0; i < accts->n; i++)
        sel[accts->items[i]->index] = all;
    if (!all)
        for (uint32_t i = 0; i < v->n; i++)
            if (v->items[i]->kind == VAL_REF)
                sel[v->items[i]->ref->index] = true;
}

static void plan_env(B *b, LowerEnv *e)
{
    b->m = e->m;
    const ObjList *accts = model_kind(b->m, "account");
    bool *sel = arena_alloc(b->a, ((size_t)b->m->nobjects + 1) * sizeof *sel);
    b->env = e->env;
    b->selected = sel;
    e->selected = sel;
    select_accounts(b, sel);
    e->accounts = arena_alloc(b->a, ((size_t)accts->n + 1) * sizeof *e->accounts);
    Table dirs;     /* interned directory name -> account, for collisions */
    table_init(&dirs);
    for (int i = 0; i < accts->n; i++) {
        const Object *acct = accts->items[i];
        if (!sel[acct->index])
            continue;
        LowerAccount *ba = &e->accounts[e->naccounts++];
        char buf[128];
        NameCtx nc = names_ctx(b->m, b->env);
        names_account_dir(&nc, acct, buf, sizeof buf);
        const char *dir = intern_cstr(&b->m->pg->in, buf);
        const Object *other = table_put(&dirs, dir, (void *)acct);
        if (other) {
            internal(b, "E0804", "accounts `%s` and `%s` both become the directory %s/%s", other->name,
                     acct->name, e->dir, dir);
        }
        ba->account = acct;
        ba->dir = dir;
        ba->id = acct_id(b, acct);
        ba->region = acct_region(b, acct);
        /* the role the handshake creates for deploys (planemit.c), not the
         * account's `role`, which sfdrun assumes for its own steps */
        ba->role_arn = lower_cat(b->a, "arn:aws:iam::", ba->id, ":role", NAMES_DEPLOYER_PATH, name_of(b, NAME_DEPLOYER_ROLE, acct), NULL);
        ba->state_bucket = name_of(b, NAME_STATE_BUCKET, acct);
        const char *table = name_of(b, NAME_LOCK_TABLE, acct);
        ba->lock_table = *table ? table : NULL;
    }
    table_release(&dirs);
    b->selected = NULL;
}

/* Whether the directory prefix dir ("/a/b") holds path ("/a/b/c.sfd"). */
static size_t common_dir(const char *dir, size_t n, const char *path)
{
    while (n > 0 && !(strncmp(dir, path, n) == 0 && path[n] == '/'))
        do
            n--;
        while (n > 0 && dir[n] != '/');
    return n;
}

/* The user's files named relative to the deepest directory holding them all,
 * resolved with realpath: a header then reads the same whatever directory
 * sfdc ran in and however the path was typed (no build machine's absolute
 * path lands in a committed tree, and --check agrees from anywhere). */
static void name_sources(LowerPlan *bp, const Program *pg)
{
    bp->nsrc = pg->nfiles;
    bp->src_names = arena_alloc(&bp->arena, ((size_t)pg->nfiles + 1) * sizeof *bp->src_names);
    const char *root = NULL;
    size_t rn = 0;
    for (int i = 0; i < pg->nfiles; i++) {
        char buf[PATH_MAX];
        const char *path = pg->sources[i]->path;
        bool real = !pg->files[i]->is_std && realpath(path, buf);
        bp->src_names[i] = arena_strdup(&bp->arena, real ? buf : path);
        if (!real)
            continue;
        if (!root) {
            root = bp->src_names[i];
            rn = (size_t)(strrchr(root, '/') - root);
        } else {
            rn = common_dir(root, rn, bp->src_names[i]);
        }
    }
    for (int i = 0; root && i < pg->nfiles; i++)
        if (!pg->files[i]->is_std && bp->src_names[i][0] == '/' && strncmp(bp->src_names[i], root, rn) == 0)
            bp->src_names[i] += rn + 1;
}

const char *lower_src(const LowerPlan *bp, const Source *src)
{
    return src && src->id >= 0 && src->id < bp->nsrc ? bp->src_names[src->id] : src ? src->path : "";
}

bool lower_plan(LowerPlan *bp, const Model *m, const char *env_name, FILE *err)
{
    memset(bp, 0, sizeof *bp);
    arena_init(&bp->arena);
    arena_init(&bp->units);
    bp->m = m;
    bp->state = xcalloc(1, sizeof *bp->state);
    B *st = bp->state;
    *st = (B){.bp = bp, .a = &bp->arena, .m = m, .err = err, .ok = true};
    const Object *pl = m->platform;
    bp->platform = pl && pl->name ? pl->name : "platform";
    name_sources(bp, m->pg);
    bp->platform_src = pl ? lower_src(bp, pl->src) : "";
    const char *region = pl ? get_str(st, pl, "region") : NULL;
    bp->region = region ? region : "eu-west-2";
    bp->tags = hcl_obj(&bp->arena);
    const Value *tags = pl ? get(st, pl, "tags") : NULL;
    for (uint32_t i = 0; tags && tags->kind == VAL_MAP && i < tags->n; i++)
        if (tags->items[i]->kind == VAL_STR)
            hcl_set(&bp->arena, bp->tags, tags->keys[i], hcl_str(&bp->arena, tags->items[i]->u.str));
    hcl_obj_sort(bp->tags);
    if (m->state) {
        const char *lock = get_str(st, m->state, "lock");
        bp->lock_dynamodb = lock && strcmp(lock, "dynamodb") == 0;
    }
    bp->modules_dir = lower_cat(&bp->arena, m->pg->stdlib_dir ? m->pg->stdlib_dir : "stdlib", "/modules", NULL);
    if (env_name && !model_env(m, env_name)) {
        fprintf(err, "sfdc: build: no environment `%s`\n", env_name);
        return false;
    }
    int n = m->nenvs ? m->nenvs : 1;
    bp->envs = arena_alloc(&bp->arena, (size_t)n * sizeof *bp->envs);
    for (int i = 0; i < n; i++) {
        const Environment *env = m->nenvs ? m->envs[i] : NULL;
        if (env_name && env && strcmp(env->name, env_name) != 0)
            continue;
        LowerEnv *e = &bp->envs[bp->nenvs++];
        char dir[128];
        NameCtx nc = names_ctx(m, env);
        names_env_dir(&nc, dir, sizeof dir);
        e->m = env ? model_for_env(m, env->name, &e->env) : m;
        e->dir = arena_strdup(&bp->arena, dir);
        if (strcmp(dir, "modules") == 0)
            internal(st, "E0804", "an environment may not be called `modules` (the directory of the modules)");
        if (st->ok)
            plan_env(st, e);
    }
    return st->ok;
}

bool lower_account(LowerPlan *bp, const LowerEnv *e, LowerAccount *a)
{
    B *b = bp->state;
    if (bp->lowered) {
        bp->lowered->units = NULL;
        bp->lowered->nunits = bp->lowered->cap = 0;
    }
    arena_reset(&bp->units, (ArenaMark){NULL, NULL});
    bp->lowered = a;
    b->a = &bp->units;
    b->m = e->m;
    b->env = e->env;
    b->selected = e->selected;
    b->acct = a;
    if (b->ok)
        plan_account(b, a->account);
    b->a = &bp->arena;
    return b->ok;
}

void lower_units_release(LowerPlan *bp)
{
    if (bp->lowered) {
        bp->lowered->units = NULL;
        bp->lowered->nunits = bp->lowered->cap = 0;
        bp->lowered = NULL;
    }
    arena_release(&bp->units);
}

void lower_release(LowerPlan *bp)
{
    arena_release(&bp->arena);
    arena_release(&bp->units);
    free(bp->state);
    bp->state = NULL;
}

bool lower_autoscaled(const Model *m, const Object *svc, const Environment *env)
{
    const Value *scale = model_get_env(m, svc, "scale", env);
    if (!scale || scale->kind != VAL_RANGE || scale->items[1]->kind != VAL_NUM)
        return true;    /* the schema's default, 0..1 */
    return scale->items[1]->u.num > 0;
}

char *lower_cat(Arena *a, ...)
{
    /* the parts and their lengths are kept from the first pass (up to
     * MAXPARTS; more are measured again): ~25,000 calls at 1,000 LAs */
    enum { MAXPARTS = 16 };
    const char *part[MAXPARTS];
    size_t len[MAXPARTS], n = 0;
    int np = 0;
    va_list ap;
    va_start(ap, a);
    for (const char *s; (s = va_arg(ap, const char *)); np++) {
        size_t k = strlen(s);
        if (np < MAXPARTS) {
            part[np] = s;
            len[np] = k;
        }
        n += k;
    }
    va_end(ap);
    char *p = arena_alloc_raw(a, n + 1), *q = p;
    if (np <= MAXPARTS) {
        for (int i = 0; i < np; i++) {
            memcpy(q, part[i], len[i]);
            q += len[i];
        }
    } else {
        va_start(ap, a);
        for (const char *s; (s = va_arg(ap, const char *));) {
            size_t k = strlen(s);
            memcpy(q, s, k);
            q += k;
        }
        va_end(ap);
    }
    *q = '\0';
    return p;
}

const char *lower_header(Arena *a, const char *src)
{
    return lower_cat(a, "Generated by sfdc ", SFDC_VERSION, " from ", src, " \xe2\x80\x94 do not edit.", NULL);
}

