/* rules_cost.c — what is billed while the platform is "at zero" (W07xx):
 * every service scaled to 0 and Aurora paused, yet NAT gateways, interface
 * endpoints and an Aurora minimum above 0 still cost money by the hour, and
 * the alarms that start a service on demand by the month, and the Transit
 * Gateway attachments that carry the VPN to VPN-only services by the hour.
 *
 * Prices are vocabulary, not code: stdlib/aws/prices.json, per region,
 * approximate (the file says so). Each warning states the monthly figure
 * (hours_per_month x hourly price). A resource written once in a template
 * is one warning for all the accounts it expands into, with their total. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rulectx.h"
#include "banned.h"

/* The pass's walks, in the order they ran one after the other: their
 * charges' phases (rctx_walk) and the order flush() files them in. */
enum { WALK_NETWORK, WALK_AURORA, WALK_ON_DEMAND, WALK_ATTACHMENT, NWALKS };

/* Bits of Cost.attached: the account's attachment is charged already. */
enum { ATTACHED_HUB = 1, ATTACHED_SPOKE = 2 };

typedef struct Cost {
    Model *m;
    DiagEngine *d;
    cJSON *prices;          /* the parsed prices.json; owned, deleted at the end */
    double hours;           /* hours_per_month */
    Table groups;           /* site key -> Charge: one warning per written place */
    const Environment *own; /* the environment whose evaluation m is, or NULL */
    const Object *hub;      /* the last VPN account vpn_hub() judged... */
    bool hub_ok;            /* ...whether it has a network and is built... */
    const char *hub_region; /* ...and its region: every LA asks about the same one */
    int walk;               /* the walk charging now */
    bool tangled;           /* a key was charged by two walks (charge()) */
    struct Charges {
        struct Charge **order;  /* a walk's charges in first-seen order; malloc'd */
        int n, cap;
    } charges[NWALKS];
    /* the walks' places, kept from block to block */
    RctxCursor nets, dbs, starts, spokes;
    /* attachments()'s own, kept from block to block: */
    uint8_t *attached;      /* per object index, ATTACHED_* (xcalloc'd) */
    const char *region;     /* the region of the last price asked for... */
    double hourly;          /* ...and the price, or -1 */
} Cost;

/* One warning to be: everything billed through one place in the source. */
typedef struct Charge {
    int walk;               /* the walk that charged it first */
    const char *code;       /* "W0701" */
    Site site;              /* where to point */
    const Object *first;    /* the first object charged here */
    int count;              /* objects charged here */
    double monthly;         /* their total, USD per month */
    double each;            /* the first object's monthly figure */
    const char *label;      /* how the first object's figure is made up */
    const char *help;
    const char *what;       /* headline without the figure, for the first object */
} Charge;

static Arena *arena(const Cost *c)
{
    return &c->m->pg->arena;
}

/* ---- prices ---------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                buf = NULL;
                goto out;
            }
            buf = p;
        }
        size_t k = fread(buf + n, 1, cap - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    *len = n;
out:
    fclose(f);
    return buf;
}

static bool load_prices(Cost *c)
{
    char path[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/aws/prices.json", c->m->pg->stdlib_dir ? c->m->pg->stdlib_dir : "stdlib");
    char *text = read_file(path, &len);
    if (text)
        c->prices = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *h = c->prices ? cJSON_GetObjectItemCaseSensitive(c->prices, "hours_per_month") : NULL;
    if (!cJSON_IsNumber(h) || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c->prices, "regions"))) {
        diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read the price table `%s`", path);
        return false;
    }
    c->hours = h->valuedouble;
    return true;
}

/* The hourly price called name in the object's region, or -1 when the
 * table has none (no warning then: sfdc does not guess prices). */
/* An account's region: its own, else the platform's, else eu-west-2. */
static const char *region_of(const Cost *c, const Object *acct)
{
    const char *r = acct ? rctx_str(c->m, acct, "region", NULL, NULL) : NULL;
    if (!r && c->m->platform)
        r = rctx_str(c->m, c->m->platform, "region", NULL, NULL);
    return r ? r : "eu-west-2";
}

static double price(const Cost *c, const Object *o, const char *name, const char **region)
{
    *region = region_of(c, o->account);
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(c->prices, "regions");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(regions, *region),
                                                      name);
    return cJSON_IsNumber(p) ? p->valuedouble : -1;
}

/* ---- grouping ---------------------------------------------------------------- */

/* Files a charge under key (the node the figure hangs on: a template's
 * literal is one key for every account it expands into). A key charged by
 * two walks is noted (c->tangled): run block by block, which of them
 * charged it first, and the order of its sum, could differ from a run of
 * one walk after the other. */
static Charge *charge(Cost *c, const void *key, const char *code, Site site, const Object *o,
                      double monthly)
{
    Charge *g = table_get(&c->groups, key);
    if (g) {
        c->tangled |= g->walk != c->walk;
        g->count++;
        g->monthly += monthly;
        return NULL;
    }
    struct Charges *w = &c->charges[c->walk];
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 16;
        Charge **p = realloc(w->order, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        w->order = p;
        w->cap = cap;
    }
    g = arena_alloc(arena(c), sizeof *g);
    *g = (Charge){.walk = c->walk, .code = code, .site = site, .first = o, .count = 1,
                  .monthly = monthly, .each = monthly};
    table_put(&c->groups, key, g);
    w->order[w->n++] = g;
    return g;
}

/* The key of a field's place: its value's node when written, else the block. */
static const void *key_of(const Model *m, const Object *o, const char *field)
{
    const Value *v = rctx_val(m, o, field, NULL);
    if (rctx_written(m, o, field, NULL) && v && v->node)
        return v->node;
    return o->node;
}

/* A monthly figure as the warnings print it: whole dollars, or cents below
 * $10 (two alarms are $0.20, not "$0"). */
static const char *money(const Cost *c, double usd)
{
    return arena_printf(arena(c), usd < 10 ? "$%.2f" : "$%.0f", usd);
}

/* Files walk k's warnings, in first-seen order. */
static void flush(Cost *c, int k)
{
    for (int i = 0; i < c->charges[k].n; i++) {
        const Charge *g = c->charges[k].order[i];
        Diag *d = diag_new(c->d, DIAG_WARNING, g->code, g->site.src, g->site.span,
                           "%s: about %s/month", g->what, money(c, g->each));
        diag_label(c->d, d, "%s", g->label);
        if (g->count > 1)
            diag_note(c->d, d, "written once for %d accounts: about %s/month in all", g->count,
                      money(c, g->monthly));
        diag_help(c->d, d, "%s", g->help);
        diag_emit(c->d, d);
    }
}

/* ---- W0701, W0702 NAT gateways, W0703 endpoints --------------------------------- */

/* Services that need a route out: any service in the account. */
static bool has_services(const Object *account)
{
    for (int i = 0; account && i < account->nchildren; i++)
        if (strcmp(account->children[i]->kind, "service") == 0)
            return true;
    return false;
}

static void nat(Cost *c, const Object *net)
{
    const char *mode = rctx_str(c->m, net, "nat", NULL, "none"), *region;
    if (strcmp(mode, "none") == 0)
        return;
    double azs = rctx_num(c->m, net, "azs", NULL, 1), hourly = price(c, net, "nat_gateway_hour", &region);
    if (hourly < 0 || azs < 1)
        return;
    int n = strcmp(mode, "per_az") == 0 ? (int)azs : 1;
    double monthly = n * hourly * c->hours;
    bool routed = has_services(net->account);
    Charge *g = charge(c, key_of(c->m, net, "nat"), routed ? "W0701" : "W0702",
                       rctx_site(c->m, net, "nat", NULL), net, monthly);
    if (!g)
        return;
    const char *acct = net->account ? net->account->path : net->path;
    g->label = arena_printf(arena(c), "%d NAT gateway%s x $%.3f/h in %s, billed every hour", n,
                            n == 1 ? "" : "s", hourly, region);
    if (routed) {
        /* the other way out (E0806): ECR api + dkr, Logs, Secrets Manager
         * interface endpoints in every zone, plus the free S3 gateway */
        double ep = price(c, net, "interface_endpoint_hour_per_az", &region);
        double alt = ep < 0 ? -1 : 4 * azs * ep * c->hours;
        const char *cmp = alt < 0 ? "" : arena_printf(arena(c), " (about $%.0f/month for %g zones: %s)",
                                                      alt, azs, alt < monthly ? "less" : "more");
        g->what = arena_printf(arena(c), "`nat = %s` in `%s` is billed while every service is at zero",
                               mode, acct);
        g->help = n > 1 ? arena_printf(arena(c), "`nat = single` shares one gateway across the "
                                       "zones (about $%.0f/month); or `nat = none` with the "
                                       "interface endpoints for ECR, CloudWatch Logs and Secrets "
                                       "Manager%s and the free S3 gateway endpoint",
                                       hourly * c->hours, cmp)
                        : arena_printf(arena(c), "the other way out is `nat = none` with the interface "
                                       "endpoints for ECR, CloudWatch Logs and Secrets Manager%s and "
                                       "the free S3 gateway endpoint", cmp);
    } else {
        g->what = arena_printf(arena(c), "the NAT gateway of `%s` routes for nothing (no service runs "
                               "in the account) yet is billed", acct);
        g->help = "set `nat = none`: a NAT gateway only serves tasks in the private subnets";
    }
}

static void endpoints(Cost *c, const Object *net)
{
    const Value *l = rctx_val(c->m, net, "endpoints", NULL);
    const char *region;
    if (!l || l->kind != VAL_LIST || l->n == 0)
        return;
    double azs = rctx_num(c->m, net, "azs", NULL, 1), hourly = price(c, net, "interface_endpoint_hour_per_az", &region);
    if (hourly < 0 || azs < 1)
        return;
    double monthly = l->n * azs * hourly * c->hours;
    Charge *g = charge(c, key_of(c->m, net, "endpoints"), "W0703", rctx_site(c->m, net, "endpoints", NULL),
                       net, monthly);
    if (!g)
        return;
    g->what = arena_printf(arena(c), "%u interface endpoint%s in `%s` %s billed while every service is at zero",
                           l->n, l->n == 1 ? "" : "s", net->account ? net->account->path : net->path,
                           l->n == 1 ? "is" : "are");
    g->label = arena_printf(arena(c), "%u endpoint%s x %g AZs x $%.3f/h in %s", l->n, l->n == 1 ? "" : "s",
                            azs, hourly, region);
    double nat_h = price(c, net, "nat_gateway_hour", &region);
    g->help = nat_h < 0 ? "keep only the endpoints the tasks need (S3 is a free gateway endpoint)"
                        : arena_printf(arena(c), "keep only the endpoints the tasks need (S3 is a free "
                                       "gateway endpoint); `nat = single` instead would cost about "
                                       "$%.0f/month plus $%.3f/GB processed",
                                       nat_h * c->hours, price(c, net, "nat_gateway_gb", &region));
}

/* ---- W0704 Aurora minimum ---------------------------------------------------------- */

static void aurora_floor(Cost *c, const Object *o)
{
    double lo, hi;
    const char *region;
    RuleMsg rm;
    const Value *pause = rctx_val(c->m, o, "auto_pause", NULL);
    /* an invalid range (E0505) or a pause it cannot do (E0506) is one error, not two */
    if (!rctx_range(c->m, o, "capacity", NULL, &lo, &hi) || lo <= 0 || !awslim_aurora_capacity(lo, hi, &rm) ||
        (pause && pause->kind != VAL_NULL))
        return;
    double hourly = price(c, o, "aurora_serverless_v2_acu_hour", &region);
    if (hourly < 0)
        return;
    Charge *g = charge(c, key_of(c->m, o, "capacity"), "W0704", rctx_site(c->m, o, "capacity", NULL), o,
                       lo * hourly * c->hours);
    if (!g)
        return;
    g->what = arena_printf(arena(c), "Aurora `%s` is billed for %g ACU while idle", o->path, lo);
    g->label = arena_printf(arena(c), "%g ACU x $%.2f/h in %s, even with no connections", lo, hourly,
                            region);
    g->help = "start capacity at 0 and add `auto_pause = 30m` (aurora-postgresql 13.15, 14.12, 15.7, "
              "16.3 or later) to pay only for storage while idle";
}

/* ---- W0705 on-demand starts ---------------------------------------------------------- */

/* A service started by uploads (`starts = service`) gets, per bucket, the
 * ecs-on-demand module's two CloudWatch alarms (upload, idle), billed every
 * month whether or not anything is uploaded. The rest is free at rest: the
 * EventBridge rule (AWS service events), the metric filter's metric (billed
 * only in hours it is published, i.e. while uploads arrive) and the log
 * group (one day's retention of the upload events). `starts = task` keeps
 * nothing billed: a rule and a RunTask target. */
static void on_demand(Cost *c, const Object *svc)
{
    /* in an environment with `triggers = off` the build emits no on-demand
       unit, so nothing of W0705 is billed there */
    const Environment *env = c->m->env ? model_env(c->m, c->m->env) : NULL;
    const Value *on = rctx_val(c->m, svc, "starts_on", NULL);
    const char *region;
    if (!model_started_on_demand(c->m, svc, env) ||
        strcmp(rctx_str(c->m, svc, "starts", NULL, "service"), "service") != 0)
        return;
    double alarm = price(c, svc, "cloudwatch_alarm_month", &region);
    if (alarm < 0)
        return;
    unsigned alarms = 2 * on->n;
    Charge *g = charge(c, key_of(c->m, svc, "starts_on"), "W0705", rctx_site(c->m, svc, "starts_on", NULL),
                       svc, alarms * alarm);
    if (!g)
        return;
    g->what = arena_printf(arena(c), "`%s` starts on uploads through %u CloudWatch alarm%s, billed while "
                           "it is at zero", svc->path, alarms, alarms == 1 ? "" : "s");
    g->label = arena_printf(arena(c), "%u bucket%s x 2 alarms (upload, idle) x $%.2f/month in %s; the "
                            "rule, log group and metric cost nothing without uploads",
                            on->n, on->n == 1 ? "" : "s", alarm, region);
    g->help = "this is what an on-demand start costs at rest; `starts = task` (one task per upload, "
              "no alarms) keeps nothing billed, or say it is meant with `@allow(W0705, \"...\")`";
}

/* ---- W0706 Transit Gateway attachments ------------------------------------------------ */

/* Whether the deployment being checked builds account a: an environment's
 * own evaluation builds the accounts it selects; the base, all. */
static bool built(const Cost *c, const Object *a)
{
    return !c->own || rctx_env_has(c->m, c->own, a);
}

/* The account whose `vpn` is range r, or NULL. */
static const Object *vpn_owner(const Cost *c, Cidr r)
{
    const ObjList *accts = model_kind(c->m, "account");
    for (int i = 0; i < accts->n; i++) {
        const Value *v = rctx_val(c->m, accts->items[i], "vpn", NULL);
        if (v && v->kind == VAL_CIDR && v->u.cidr.addr == r.addr && v->u.cidr.prefix == r.prefix)
            return accts->items[i];
    }
    return NULL;
}

/* The account whose `vpn` is the range of a VPN-only service, when the
 * service is reached through it (another account, with a network, in the
 * service's region, built with it; E0807 reports the rest): lower.c
 * attaches the service's VPC to that account's Transit Gateway. */
static const Object *vpn_hub(Cost *c, const Object *svc)
{
    const Value *acc = rctx_val(c->m, svc, "access", NULL);
    if (!acc || acc->kind != VAL_CALL || strcmp(acc->u.str, "vpn") != 0 || acc->n == 0 ||
        acc->items[0]->kind != VAL_CIDR || !svc->account || !rctx_network(c->m, svc->account))
        return NULL;
    const Object *hub = vpn_owner(c, acc->items[0]->u.cidr);
    if (!hub || hub == svc->account || !built(c, svc->account))
        return NULL;
    if (hub != c->hub) {
        c->hub = hub;
        c->hub_ok = rctx_network(c->m, hub) && built(c, hub);
        c->hub_region = region_of(c, hub);
    }
    return c->hub_ok && strcmp(c->hub_region, region_of(c, svc->account)) == 0 ? hub : NULL;
}

/* One attachment of o's account's VPC (a spoke: o is its first service
 * reached through another account's VPN; the hub: o is the VPN's account),
 * billed by the hour whether or not a packet crosses it. */
static void attachment(Cost *c, const Object *o, const char *field, bool hub, double hourly,
                       const char *region)
{
    Charge *g = charge(c, key_of(c->m, o, field), "W0706", rctx_site(c->m, o, field, NULL), o,
                       hourly * c->hours);
    if (!g)
        return;
    const char *acct = hub ? o->path : o->account->path;
    g->what = hub ? arena_printf(arena(c), "the VPN of `%s` attaches its VPC to its Transit Gateway, "
                                 "billed while every service is at zero", acct)
                  : arena_printf(arena(c), "`%s` is reached through a Transit Gateway attachment of `%s`'s "
                                 "VPC, billed while every service is at zero", o->path, acct);
    g->label = arena_printf(arena(c), "1 attachment x $%.3f/h in %s, billed every hour it exists",
                            hourly, region);
    g->help = hub ? "each VPC attached to the gateway is billed: the VPN's own and one for every account "
                    "with a service reached through it"
                  : "one attachment an account, shared by all its VPN-only services; a service in the "
                    "VPN's own account needs none";
}

/* W0706: the hub's attachment and one for each account whose VPN-only
 * services are reached through another account's VPN (SPEC §13.3), for
 * the services of the block. An account's attachment is charged once
 * (c->attached, by object index: each object has its own). */
static void attachments(Cost *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->spokes; rctx_more(k, b); k->i++) {
        rctx_prefetch_account(c->m, k->l, k->i);
        const Object *s = k->l->items[k->i], *hub = vpn_hub(c, s);
        if (!hub)
            continue;
        const char *region = region_of(c, s->account);
        if (!c->region || strcmp(region, c->region) != 0)
            /* a platform has a region or two: not a table lookup a spoke */
            c->hourly = price(c, s, "transit_gateway_attachment_hour", &c->region);
        if (c->hourly < 0)
            continue;
        if (!(c->attached[hub->index] & ATTACHED_HUB)) {
            c->attached[hub->index] |= ATTACHED_HUB;
            attachment(c, hub, "vpn", true, c->hourly, c->region);
        }
        if (!(c->attached[s->account->index] & ATTACHED_SPOKE)) {
            c->attached[s->account->index] |= ATTACHED_SPOKE;
            attachment(c, s, "access", false, c->hourly, c->region);
        }
    }
}

/* ---- the pass ------------------------------------------------------------------------ */

static void networks(Cost *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->nets; rctx_more(k, b); k->i++) {
        rctx_prefetch_account(c->m, k->l, k->i);
        nat(c, k->l->items[k->i]);
        endpoints(c, k->l->items[k->i]);
    }
}

static void auroras(Cost *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->dbs; rctx_more(k, b); k->i++) {
        rctx_prefetch_account(c->m, k->l, k->i);
        aurora_floor(c, k->l->items[k->i]);
    }
}

static void on_demands(Cost *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->starts; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        on_demand(c, k->l->items[k->i]);
    }
}

/* Forgets every charge and starts every walk again at its first item. */
static void walks_begin(Cost *c)
{
    table_release(&c->groups);
    table_init(&c->groups);
    for (int k = 0; k < NWALKS; k++)
        c->charges[k].n = 0;
    memset(c->attached, 0, (size_t)c->m->nobjects + 1);
    c->region = NULL;
    c->hourly = -1;
    c->tangled = false;
    rctx_cursor_init(&c->nets, c->m, "network");
    rctx_cursor_init(&c->dbs, c->m, "aurora");
    rctx_cursor_init(&c->starts, c->m, "service");
    rctx_cursor_init(&c->spokes, c->m, "service");
}

/* Every walk over the objects of block b, in the walks' order. */
static void walks_block(Cost *c, const RctxBlocks *b)
{
    static void (*const walk[NWALKS])(Cost *, const RctxBlocks *) = {
        [WALK_NETWORK] = networks, [WALK_AURORA] = auroras, [WALK_ON_DEMAND] = on_demands,
        [WALK_ATTACHMENT] = attachments};
    for (c->walk = 0; c->walk < NWALKS; c->walk++)
        walk[c->walk](c, b);
}

/* The pass runs block by block (rulectx.h; rules_run takes the blocked
 * passes in turn over each block): its walks file nothing while
 * they run; they charge (c->groups), and every warning is filed after the
 * last block, walk by walk, each walk's in the order it charged them, as
 * one walk after the other did. The one state the walks share is the
 * table of keys: if a key was charged by two walks, the blocks may have
 * changed which charged it first and the order of its sum, so the walks
 * run again, whole, one after the other (no platform of the tests does
 * that: each walk's keys are fields of its own kind, or its own blocks). */
struct CostPass {
    Cost c;
    bool on;                /* something to price, and the prices read */
    RctxWalks ph;           /* the walks' phases */
};

CostPass *rules_cost_begin(Model *m, DiagEngine *d)
{
    CostPass *p = xcalloc(1, sizeof *p);
    Cost *c = &p->c;
    *c = (Cost){.m = m, .d = d};
    table_init(&c->groups);
    rctx_walks_begin(&p->ph, d, NWALKS);
    const ObjList *nets = model_kind(m, "network"), *dbs = model_kind(m, "aurora");
    const ObjList *svcs = model_kind(m, "service");
    if (nets->n == 0 && dbs->n == 0 && svcs->n == 0)
        return p;
    c->own = m->env ? model_env(m, m->env) : NULL;
    rctx_begin(m);
    rctx_walk(&p->ph, 0);   /* a price table that cannot be read: before every charge */
    if (!load_prices(c))
        return p;
    c->attached = xcalloc((size_t)m->nobjects + 1, 1);
    walks_begin(c);
    p->on = true;
    return p;
}

void rules_cost_block(CostPass *p, const RctxBlocks *b)
{
    if (p->on)
        walks_block(&p->c, b);
}

void rules_cost_end(CostPass *p)
{
    Cost *c = &p->c;
    if (p->on && c->tangled) {
        const RctxBlocks whole = {.bound = UINT32_MAX, .last = true};
        walks_begin(c);
        walks_block(c, &whole);         /* one walk after the other, each over every object */
    }
    for (int k = 0; p->on && k < NWALKS; k++) {
        rctx_walk(&p->ph, k);
        flush(c, k);
    }
    cJSON_Delete(c->prices);
    table_release(&c->groups);
    for (int k = 0; k < NWALKS; k++)
        free(c->charges[k].order);
    free(c->attached);
    free(p);
}
