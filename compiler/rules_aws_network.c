/* rules_aws_network.c — the AWS rule pass's networks (rules_aws.h): VPC,
 * subnet and VPN CIDR blocks (E0510), subnets inside their VPC (E0511),
 * no two ranges of the platform overlapping (E0512, one sort-and-sweep
 * after the last block), the subnet layout the network module builds
 * (E0519), and Availability Zones: a network's zones exist in its region
 * (E0516, against stdlib/aws/regions.json) and what needs two zones has
 * them (E0517). */
#include "rules_aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- E0510, E0511 CIDR blocks ---------------------------------------------- */

/* Whether v is a valid block (what, "VPC" or "subnet", also checks the
 * size); rm says why not. */
static bool cidr_valid(const Value *v, const char *what, RuleMsg *rm)
{
    return cidr_check(v->u.cidr, rm) && (!what || cidr_check_size(v->u.cidr, what, rm));
}

/* E0510 on one block; what ("VPC", "subnet") also checks the size. */
static bool cidr_ok(Aws *c, const Value *v, Site s, const char *what)
{
    RuleMsg rm;
    if (!v || v->kind != VAL_CIDR)
        return false;
    if (!cidr_valid(v, what, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0510", NULL, s, &rm, NULL);
        return false;
    }
    return true;
}

/* cidr_ok on field of o, whose site is looked for on a failure only:
 * every network and account of every environment comes here. */
static bool cidr_field_ok(Aws *c, const Value *v, Object *o, const char *field, const char *what)
{
    RuleMsg rm;
    if (!v || v->kind != VAL_CIDR)
        return false;
    if (!cidr_valid(v, what, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0510", NULL, rctx_site(c->m, o, field, NULL), &rm, NULL);
        return false;
    }
    return true;
}

/* The network module's computed blocks: cidrsubnet(cidr, NEWBITS, slot),
 * public in slots 0-3, private 4-7, database 8-11; it takes VPCs of /16 to
 * /24 (stdlib/modules/network). */
enum { NET_NEWBITS = 4, NET_MAX_PREFIX = 24 };

static const char *const subnet_fields[] = {"public_subnets", "private_subnets", "database_subnets"};

/* Computed subnet i of tier t of the VPC. */
static Cidr computed_subnet(Cidr vpc, int t, int i)
{
    uint8_t prefix = (uint8_t)(vpc.prefix + NET_NEWBITS);
    return (Cidr){cidr_first(vpc) + ((uint32_t)(4 * t + i) << (32 - prefix)), prefix};
}

/* The blocks of the network that lie inside the VPC: the given ones and
 * those the module computes for tiers given none. *n is their count; room
 * is left for one more per given block (E0511's suggestions). */
static Cidr *subnets_taken(Aws *c, Object *net, Cidr vpc, size_t *n)
{
    int azs = (int)rctx_num(c->m, net, "azs", NULL, 2);
    const Value *ls[3];
    size_t cap = 3 * 6;
    for (int t = 0; t < 3; t++) {
        ls[t] = rctx_val(c->m, net, subnet_fields[t], NULL);
        if (ls[t] && ls[t]->kind == VAL_LIST)
            cap += 2 * ls[t]->n;
    }
    Cidr *out = arena_alloc(rules_aws_arena(c), cap * sizeof *out);
    *n = 0;
    for (int t = 0; t < 3; t++) {
        const Value *l = ls[t];
        if (l && l->kind == VAL_LIST && l->n > 0) {
            for (uint32_t i = 0; i < l->n; i++)
                if (l->items[i]->kind == VAL_CIDR && cidr_contains(vpc, l->items[i]->u.cidr))
                    out[(*n)++] = cidr_network(l->items[i]->u.cidr);
        } else if (vpc.prefix <= NET_MAX_PREFIX) {
            for (int i = 0; i < azs && i < 6; i++)
                out[(*n)++] = computed_subnet(vpc, t, i);
        }
    }
    return out;
}

/* Subnet lists of a network: valid blocks inside the VPC. The help of
 * E0511 proposes a block no other subnet of the network uses. */
static void subnets(Aws *c, Object *net, const Value *vpc, bool vpc_ok)
{
    size_t ntaken = 0;
    Cidr *taken = NULL;
    for (size_t f = 0; f < 3; f++) {
        const Value *l = rctx_val(c->m, net, subnet_fields[f], NULL);
        if (!l || l->kind != VAL_LIST || l->n == 0)
            continue;   /* most networks: the module divides the VPC */
        Site whole = rctx_site(c->m, net, subnet_fields[f], NULL);
        for (uint32_t i = 0; i < l->n; i++) {
            Site s = rctx_elem_site(l->items[i], whole);
            RuleMsg rm;
            if (!cidr_ok(c, l->items[i], s, "subnet") || !vpc_ok)
                continue;
            if (cidr_contains(vpc->u.cidr, l->items[i]->u.cidr))
                continue;
            if (!taken)
                taken = subnets_taken(c, net, vpc->u.cidr, &ntaken);
            Cidr fix = {0, 0};
            if (!cidr_check_inside(vpc->u.cidr, l->items[i]->u.cidr, taken, ntaken, &rm, &fix)) {
                if (fix.prefix)
                    taken[ntaken++] = fix;  /* the next suggestion differs */
                Site vs = rctx_site(c->m, net, "cidr", NULL);
                Diag *g = diag_new(c->d, DIAG_ERROR, "E0511", s.src, s.span, "%s", rm.msg);
                diag_label(c->d, g, "a subnet of `%s`", net->path);
                diag_secondary(c->d, g, vs.src, vs.span, "the VPC's range");
                if (rm.help[0])
                    diag_help(c->d, g, "%s", rm.help);
                diag_emit(c->d, g);
            }
        }
    }
}

static void subnet_layout(Aws *c, Object *net, Cidr vpc);

/* One block in the overlap sweep, with what to say about it. */
typedef struct Net {
    const char *path;       /* the account (or network) whose range it is */
    bool vpn;               /* the VPN's range, else a VPC */
    Object *obj;            /* the network or account whose field it is (its site is
                               looked for on an overlap only) */
} Net;

static Site net_site(Aws *c, const Net *n)
{
    return rctx_site(c->m, n->obj, n->vpn ? "vpn" : "cidr", NULL);
}

/* "the VPC of `la-camden`", formatted only for an overlap: every account
 * of the platform has a Net. */
static const char *net_what(Aws *c, const Net *n)
{
    return arena_printf(rules_aws_arena(c), n->vpn ? "the VPN range of `%s`" : "the VPC of `%s`", n->path);
}

/* E0512: every VPC of the platform talks to every other one through the VPN
 * and the cross-account links (image pulls, shared buckets), and the VPN
 * range reaches all of them: one group, one sort-and-sweep. */
static void overlaps(Aws *c, CidrEntry *e, Net *nets, size_t n)
{
    enum { CAP = 256 };
    CidrPair pairs[CAP];
    size_t np = 0;
    bool more = false;
    if (n < 2 || cidr_find_overlaps(e, n, pairs, CAP, &np, &more) != 0)
        return;
    for (size_t k = 0; k < np; k++) {
        const Net *a = &nets[pairs[k].a], *b = &nets[pairs[k].b];
        const char *awhat = net_what(c, a), *bwhat = net_what(c, b);
        Site as = net_site(c, a), bs = net_site(c, b);
        char ba[24], bb[24];
        cidr_format(e[pairs[k].a].cidr, ba, sizeof ba);
        cidr_format(e[pairs[k].b].cidr, bb, sizeof bb);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0512", bs.src, bs.span,
                           "%s (%s) overlaps %s (%s)", bwhat, bb, awhat, ba);
        diag_label(c->d, g, "%s", bwhat);
        diag_secondary(c->d, g, as.src, as.span, "%s", awhat);
        diag_help(c->d, g, "the accounts reach each other through the VPN and cross-account links: "
                           "give every VPC and the VPN their own range");
        if (more && k + 1 == np)
            diag_note(c->d, g, "more overlaps were found; only the first %d are shown", CAP);
        diag_emit(c->d, g);
    }
}

/* An account's VPN range, read in the blocks and checked after them. */
typedef struct VpnRange {
    Object *a;
    Cidr cidr;
} VpnRange;

void rules_aws_network_cidrs_init(const Aws *c, CidrWalk *w)
{
    rctx_cursor_init(&w->nets_c, c->m, "network");
    rctx_cursor_init(&w->accs, c->m, "account");
    size_t cap = (size_t)w->nets_c.l->n + (size_t)w->accs.l->n;
    w->e = malloc((cap ? cap : 1) * sizeof *w->e);
    w->nets = malloc((cap ? cap : 1) * sizeof *w->nets);
    w->vpns = malloc((cap ? cap : 1) * sizeof *w->vpns);
    w->n = w->nvpn = 0;
    if (!w->e || !w->nets || !w->vpns) {
        free(w->e);
        free(w->nets);
        free(w->vpns);
        w->e = NULL;
    }
}

static void cidrs_network(Aws *c, CidrWalk *w, Object *net)
{
    const Value *v = rctx_val(c->m, net, "cidr", NULL);
    bool ok = cidr_field_ok(c, v, net, "cidr", "VPC");
    subnets(c, net, v, ok);
    if (!ok)
        return;
    subnet_layout(c, net, cidr_network(v->u.cidr));
    w->e[w->n] = (CidrEntry){v->u.cidr, (uint32_t)w->n, 0};
    w->nets[w->n++] = (Net){net->account ? net->account->path : net->path, false, net};
}

void rules_aws_network_cidrs_block(Aws *c, CidrWalk *w, const RctxBlocks *b)
{
    if (!w->e)
        return;
    for (RctxCursor *k = &w->nets_c; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        cidrs_network(c, w, k->l->items[k->i]);
    }
    for (RctxCursor *k = &w->accs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        Object *a = k->l->items[k->i];
        const Value *v = rctx_val(c->m, a, "vpn", NULL);
        if (v && v->kind == VAL_CIDR)
            w->vpns[w->nvpn++] = (VpnRange){a, v->u.cidr};
    }
}

/* After the blocks: the VPN ranges (E0510), then the overlaps of all. */
void rules_aws_network_cidrs_finish(Aws *c, CidrWalk *w)
{
    if (!w->e)
        return;
    for (size_t i = 0; i < w->nvpn; i++) {
        const VpnRange *r = &w->vpns[i];
        RuleMsg rm;
        if (!cidr_check(r->cidr, &rm)) {
            rctx_report(c->d, DIAG_ERROR, "E0510", NULL, rctx_site(c->m, r->a, "vpn", NULL), &rm, NULL);
            continue;
        }
        w->e[w->n] = (CidrEntry){r->cidr, (uint32_t)w->n, CIDR_GROUP_ALL};
        w->nets[w->n++] = (Net){r->a->path, true, r->a};
    }
    overlaps(c, w->e, w->nets, w->n);
    free(w->e);
    free(w->nets);
    free(w->vpns);
}

/* ---- E0516, E0517 Availability Zones -------------------------------------------- */

/* The zones of region name in stdlib/aws/regions.json (loaded once; a
 * missing file is reported once), or NULL. */
static const AwscRegion *region_info(Aws *c, const char *name)
{
    char err[256];
    if (name == c->last_region && c->regions_state > 0)
        return c->last_info;    /* names are interned enum members: one lookup per region */
    if (c->regions_state == 0) {
        const char *path = rules_aws_data(c, "regions.json");
        c->regions_state = awsc_regions_load(&c->regions, path, err, sizeof err) == 0 ? 1 : -1;
        if (c->regions_state < 0)
            diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path, err);
    }
    c->last_region = name;
    c->last_info = c->regions_state > 0 ? awsc_region(&c->regions, name) : NULL;
    return c->last_info;
}

/* E0516: a network's zones are the region's first `azs` zones that one
 * account may use, in regions.json's order; awsc_zone names them for the
 * tree too (names_zone), so what is checked here is what build emits. */
static void network_zones_check(Aws *c, Object *net, const Environment *env)
{
    double azs = rctx_num(c->m, net, "azs", env, 2);
    const char *region = rules_aws_account_region(c, net->account);
    const AwscRegion *r = region_info(c, region);
    char zone[64];
    if (!r || azs < 1 || awsc_zone(r, region, (int)azs - 1, zone, sizeof zone))
        return;
    Site s = rctx_site(c->m, net, "azs", env);
    bool fewer = r->usable < (int)strlen(r->zones);
    const char *has = fewer ? arena_printf(rules_aws_arena(c), "one account can use only %d of %s's",
                                           r->usable, region)
                            : arena_printf(rules_aws_arena(c), "%s has %d", region, r->usable);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0516", s.src, s.span, "`azs = %g` needs %g zones, but %s",
                       azs, azs, has);
    char letters[48] = "", names[256] = "";
    for (size_t k = 0; r->zones[k]; k++)
        snprintf(letters + strlen(letters), sizeof letters - strlen(letters), "%s%c",
                 k ? ", " : "", r->zones[k]);
    for (int i = 0; awsc_zone(r, region, i, zone, sizeof zone); i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", zone);
    if (fewer)
        diag_label(c->d, g, "%s has the zones %s, of which an account uses %d", region, letters,
                   r->usable);
    else
        diag_label(c->d, g, "%s has %d zones: %s", region, r->usable, letters);
    diag_help(c->d, g, "write `azs = %d`: sfdc places subnets in %s, in that order", r->usable, names);
    diag_emit(c->d, g);
}

/* E0516 reads the network's zones and its account's (or the platform's)
 * region: an RctxFixed. */
static bool network_fixed(const void *ctx, const Object *net)
{
    const Model *m = ((const Aws *)ctx)->m;
    return rctx_fixed(m, net) && rctx_fixed_field(m, net->account, "region") &&
           rctx_fixed_field(m, m->platform, "region");
}

void rules_aws_network_zones(void *ctx, Object *net, const Environment *env)
{
    Aws *c = ctx;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_NETWORK_ZONES, net, env, network_fixed, c))
        return;
    network_zones_check(c, net, env);
    rctx_once_done(&once);
}

/* E0517: what needs subnets in two Availability Zones (a load balancer, a
 * DB subnet group) in an account whose network has fewer. */
void rules_aws_network_two_zones(Aws *c, Object *o, const Environment *env, const char *what)
{
    Object *net = rctx_network(c->m, o->account);
    if (!net)
        return;
    double azs = rctx_num(c->m, net, "azs", env, 2);
    if (azs >= 2)
        return;
    Site s = rctx_site(c->m, net, "azs", env), os = model_obj_site(o);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0517", s.src, s.span,
                       "%s of `%s` needs subnets in at least 2 Availability Zones, the network has %g",
                       what, o->path, azs);
    diag_label(c->d, g, "the network of `%s`", o->account ? o->account->path : "?");
    diag_secondary(c->d, g, os.src, os.span, "needs %s", what);
    diag_help(c->d, g, "write `azs = 2` or more");
    diag_emit(c->d, g);
}

/* E0517 of a database reads its account's network's zones: an RctxFixed. */
static bool db_zones_fixed(const void *ctx, const Object *o)
{
    const Model *m = ((const Aws *)ctx)->m;
    return rctx_fixed_field(m, rctx_network(m, o->account), "azs");
}

void rules_aws_network_db_zones(void *ctx, Object *o, const Environment *env)
{
    ZoneWalk *w = ctx;
    Aws *c = w->c;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_DB_ZONES, o, env, db_zones_fixed, c))
        return;
    Object *net = rctx_network(c->m, o->account);
    if (!net || rctx_num(c->m, net, "azs", env, 2) >= 2) {
        rctx_once_done(&once);      /* rules_aws_network_two_zones would file nothing */
        return;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        w->due = xrealloc(w->due, w->cap * sizeof *w->due);
    }
    w->due[w->n++] = (ZoneDue){o, env};
}

void rules_aws_network_db_zones_finish(ZoneWalk *w)
{
    for (size_t i = 0; i < w->n; i++)
        rules_aws_network_two_zones(w->c, w->due[i].o, w->due[i].env, "the DB subnet group");
    free(w->due);
}

/* ---- E0519 subnet layout ---------------------------------------------------------- */

/* One subnet block of a network, given or computed, for the overlap check. */
typedef struct Subnet {
    Cidr cidr;
    int tier, index;        /* "public subnet 2": tier 0, index 2 */
    bool computed;          /* by the network module, not written */
    const Value *elem;      /* the written block (its site is found on an error only), or NULL */
} Subnet;

static void subnet_error(Aws *c, Site s, Site vs, const char *help, const char *msg)
{
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0519", s.src, s.span, "%s", msg);
    if (vs.src && (vs.src != s.src || vs.span.start != s.span.start))
        diag_secondary(c->d, g, vs.src, vs.span, "the VPC's range");
    diag_help(c->d, g, "%s", help);
    diag_emit(c->d, g);
}

/* E0519: every tier has one block per zone, given or computed, and no two
 * blocks of the VPC overlap (computed ones included). */
static void subnet_layout(Aws *c, Object *net, Cidr vpc)
{
    static const char *const tiers[] = {"public", "private", "database"};
    int azs = (int)rctx_num(c->m, net, "azs", NULL, 2);
    Subnet all[3 * 6];
    int n = 0;
    char buf[24];
    if (vpc.prefix > NET_MAX_PREFIX) {
        Site vs = rctx_site(c->m, net, "cidr", NULL);
        cidr_format(vpc, buf, sizeof buf);
        subnet_error(c, vs, vs, "give the VPC a /24 or larger block",
                     arena_printf(rules_aws_arena(c), "VPC `%s` is smaller than sfdc's network module takes "
                                  "(/16 to /24)", buf));
        return;
    }
    for (int t = 0; t < 3 && azs >= 1 && azs <= 6; t++) {
        const Value *l = rctx_val(c->m, net, subnet_fields[t], NULL);
        if (l && l->kind == VAL_LIST && l->n > 0) {
            if ((int)l->n != azs) {
                subnet_error(c, rctx_site(c->m, net, subnet_fields[t], NULL), rctx_site(c->m, net, "cidr", NULL),
                             arena_printf(rules_aws_arena(c), "give one block per zone (azs = %d), "
                                          "or none to let sfdc divide the VPC", azs),
                             arena_printf(rules_aws_arena(c),
                                          "`%s` has %u block%s for the network's %d zones",
                                          subnet_fields[t], l->n, l->n == 1 ? "" : "s", azs));
                return;
            }
            for (uint32_t i = 0; i < l->n; i++)
                if (l->items[i]->kind == VAL_CIDR)
                    all[n++] = (Subnet){cidr_network(l->items[i]->u.cidr), t, (int)i + 1, false,
                                        l->items[i]};
            continue;
        }
        for (int i = 0; i < azs; i++)
            all[n++] = (Subnet){computed_subnet(vpc, t, i), t, i + 1, true, NULL};
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            if (!cidr_overlap(all[i].cidr, all[j].cidr))
                continue;
            char a[24], b[24];
            cidr_format(all[i].cidr, a, sizeof a);
            cidr_format(all[j].cidr, b, sizeof b);
            Site vs = rctx_site(c->m, net, "cidr", NULL);
            Site js = all[j].elem
                          ? rctx_elem_site(all[j].elem, rctx_site(c->m, net, subnet_fields[all[j].tier], NULL))
                          : vs;
            subnet_error(c, js, vs,
                         "give every tier's subnets explicitly, or none: computed blocks take slots "
                         "0-3 (public), 4-7 (private) and 8-11 (database) of the VPC divided by 16",
                         arena_printf(rules_aws_arena(c), "%s subnet %d (%s%s) overlaps %s subnet %d (%s%s)",
                                      tiers[all[j].tier], all[j].index, b, all[j].computed ? ", computed" : "",
                                      tiers[all[i].tier], all[i].index, a, all[i].computed ? ", computed" : ""));
            return;
        }
}
