/* rules_aws.c — AWS's own rules (E05xx), the ones Terraform meets only at
 * apply time: task sizes, names, database capacity, ports and versions,
 * CIDR blocks and subnet layouts, zones, EC2 capacity and Auto Scaling
 * sizes, tags, security group quotas, certificates, and every derived name
 * and field value against the constraints of the parameter it reaches.
 *
 * Each check reads the model (model.h, rulectx.h), calls a pure predicate
 * (awslimits.h, cidrset.h) or the constraints data (awsconstraints.h:
 * stdlib/aws/constraints.json, regions.json), and files the answer at the
 * smallest span: the literal the user wrote, or the block header when the
 * value is a default. Every pass is linear: names go through one hash
 * table, CIDR overlaps through one sort-and-sweep, derived names through
 * a DFA per pattern. */
#include "rules_aws.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "awsconstraints.h"
#include "awslimits.h"
#include "cidrset.h"
#include "intern.h"
#include "names.h"
#include "rulectx.h"
#include "banned.h"

/* The parameter constraints (loaded once; a missing file is reported once
 * and the checks that need it are skipped). */
const AwscParam *rules_aws_param(Aws *c, const char *name)
{
    char err[256];
    if (c->cons_state == 0) {
        const char *path = rules_aws_data(c, "constraints.json");
        c->cons = awsc_shared(path, err, sizeof err);
        c->cons_state = c->cons ? 1 : -1;
        if (c->cons_state < 0)
            diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path, err);
    }
    return c->cons_state > 0 ? awsc_find(c->cons, name) : NULL;
}

/* ---- E0501 Fargate task sizes --------------------------------------------- */

/* service = compute fargate: cpu and memory form a Fargate task size. */
static void fargate_size(Aws *c, Object *o, const Environment *env)
{
    if (strcmp(rctx_str(c->m, o, "compute", env, "fargate"), "fargate") != 0)
        return;
    double cpu = rctx_num(c->m, o, "cpu", env, -1), mem = rctx_num(c->m, o, "memory", env, -1);
    RuleMsg rm;
    if (cpu <= 0 || mem <= 0 || awslim_fargate_pair(cpu, mem, &rm))
        return;
    /* point at whichever of the two was written last: the override, else memory */
    bool cpu_moved = rctx_overridden(c->m, o, "cpu", env) && !rctx_overridden(c->m, o, "memory", env);
    const char *at = cpu_moved ? "cpu" : "memory", *other = cpu_moved ? "memory" : "cpu";
    Site s = rctx_site(c->m, o, at, env), t = rctx_site(c->m, o, other, env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0501", s.src, s.span, "%s", rm.msg);
    diag_label(c->d, g, "`%s` of `%s`%s%s", at, o->path, env ? " in environment " : "",
               env ? env->name : "");
    if (t.src && (t.src != s.src || t.span.start != s.span.start))
        diag_secondary(c->d, g, t.src, t.span, "with `%s = %s`", other,
                       value_show(rules_aws_arena(c), rctx_val(c->m, o, other, env)));
    if (rm.help[0])
        diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
}

/* ---- E0513, E0514 EC2 capacity -------------------------------------------- */

static bool ec2_table(Aws *c)
{
    if (c->ec2_state)
        return c->ec2_state > 0;
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/aws/ec2-instance-types.json",
             c->m->pg->stdlib_dir ? c->m->pg->stdlib_dir : "stdlib");
    if (awslim_ec2_load(&c->ec2, path, err, sizeof err) != 0) {
        diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path, err);
        c->ec2_state = -1;
        return false;
    }
    c->ec2_state = 1;
    return true;
}

/* The largest tasks placed on one EC2 cluster: by memory and by CPU. */
typedef struct Load {
    Object *by_mem, *by_cpu;    /* services; NULL if none */
} Load;

static void note_task(Aws *c, Table *loads, Object *svc)
{
    if (strcmp(rctx_str(c->m, svc, "compute", NULL, "fargate"), "ec2") != 0)
        return;
    Object *cl = rctx_cluster_of(c->m, svc);
    if (!cl)
        return;
    Load *l = table_get(loads, cl);
    if (!l) {
        l = arena_alloc(rules_aws_arena(c), sizeof *l);
        *l = (Load){NULL, NULL};
        table_put(loads, cl, l);
    }
    if (!l->by_mem || rctx_num(c->m, svc, "memory", NULL, 0) > rctx_num(c->m, l->by_mem, "memory", NULL, 0))
        l->by_mem = svc;
    if (!l->by_cpu || rctx_num(c->m, svc, "cpu", NULL, 0) > rctx_num(c->m, l->by_cpu, "cpu", NULL, 0))
        l->by_cpu = svc;
}

/* One instance type of a cluster: it exists, and holds the largest tasks. */
static void instance_type(Aws *c, const Value *t, Site s, const Load *l)
{
    RuleMsg rm;
    if (t->kind != VAL_STR)
        return;
    size_t len = strlen(t->u.str);
    if (!awslim_ec2_known(&c->ec2, t->u.str, len, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0513", t, s, &rm, NULL);
        return;
    }
    const AwslimEc2Type *x = awslim_ec2_find(&c->ec2, t->u.str, len);
    Object *tasks[2] = {l ? l->by_mem : NULL, l ? l->by_cpu : NULL};
    for (int k = 0; k < 2; k++) {
        Object *svc = tasks[k];
        if (!svc || (k == 1 && svc == tasks[0]))
            continue;
        if (awslim_ec2_fits(&c->ec2, x, rctx_num(c->m, svc, "cpu", NULL, 0), rctx_num(c->m, svc, "memory", NULL, 0),
                          AWSLIM_ECS_RESERVED_MIB, &rm))
            continue;
        Site ts = model_obj_site(svc);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0513", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "instance type of the cluster");
        diag_secondary(c->d, g, ts.src, ts.span, "the task of `%s`", svc->path);
        diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
        return;
    }
}

/* E0514: instances = min..max with an optional desired count. */
static void asg_sizes(Aws *c, Object *cl)
{
    double lo, hi;
    if (!rctx_range(c->m, cl, "instances", NULL, &lo, &hi))
        return;
    const Value *dv = rctx_val(c->m, cl, "desired", NULL);
    long desired = dv && dv->kind == VAL_NUM ? (long)dv->u.num : -1;
    RuleMsg rm;
    if (awslim_asg_sizes((long)lo, desired, (long)hi, &rm))
        return;
    bool at_desired = desired >= 0 && lo <= hi && lo >= 0;
    rctx_report(c->d, DIAG_ERROR, "E0514", NULL,
                rctx_site(c->m, cl, at_desired ? "desired" : "instances", NULL), &rm, NULL);
}

/* E0513 and E0514's walk: the services of each block are noted (the
 * largest task on each cluster); the clusters are checked after the last
 * block, when every service that may run on them has been seen. */
typedef struct Ec2Walk {
    Table loads;            /* cluster -> Load */
    RctxCursor svcs;
} Ec2Walk;

static void ec2_tasks_block(Aws *c, Ec2Walk *w, const RctxBlocks *b)
{
    for (RctxCursor *k = &w->svcs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        note_task(c, &w->loads, k->l->items[k->i]);
    }
}

static void ec2_clusters(Aws *c, Ec2Walk *w)
{
    const ObjList *cl = model_kind(c->m, "cluster");
    for (int i = 0; i < cl->n; i++) {
        Object *o = cl->items[i];
        asg_sizes(c, o);
        if (strcmp(rctx_str(c->m, o, "compute", NULL, "fargate"), "ec2") != 0)
            continue;
        const Value *types = rctx_val(c->m, o, "instance_types", NULL);
        if (!types || types->kind != VAL_LIST || !ec2_table(c))
            continue;
        Site whole = rctx_site(c->m, o, "instance_types", NULL);
        for (uint32_t k = 0; k < types->n; k++)
            instance_type(c, types->items[k], rctx_elem_site(types->items[k], whole),
                          table_get(&w->loads, o));
    }
    table_release(&w->loads);
}

/* A service is behind a load balancer when public, or VPN-only with a range
 * (lower.c's plan_lb). */
static bool behind_lb(const Aws *c, const Object *svc, const Environment *env)
{
    const Value *v = rctx_val(c->m, svc, "access", env);
    if (!v || v->kind != VAL_CALL)
        return false;
    if (strcmp(v->u.str, "public") == 0)
        return true;
    return strcmp(v->u.str, "vpn") == 0 && v->n > 0 && v->items[0]->kind == VAL_CIDR;
}

/* ---- E0520 security group quotas ---------------------------------------------------- */

/* E0520: a service's tasks carry their own security group and one client
 * group per database of the account (lower.c), at most 5 per network
 * interface; their group's inbound rules (one per `ingress` block, one from
 * the load balancer) are at most 60. */
static void sg_quotas(void *ctx, Object *svc, const Environment *env, bool lb)
{
    Aws *c = ctx;
    const Object *a = svc->account;
    if (a != c->db_acct) {      /* services of one account come together: count once */
        c->db_acct = a;
        c->db_count = 0;
        for (int i = 0; a && i < a->nchildren; i++)
            c->db_count += strcmp(a->children[i]->kind, "aurora") == 0 ||
                           strcmp(a->children[i]->kind, "rds") == 0;
    }
    int ndb = c->db_count;
    if (!c->eni_sgs && !c->sg_rules) {
        c->eni_sgs = rules_aws_param(
            c, "ecs.CreateService.networkConfiguration.awsvpcConfiguration.securityGroups");
        c->sg_rules = rules_aws_param(c, "ec2.AuthorizeSecurityGroupIngress.IpPermissions");
    }
    const AwscParam *eni = c->eni_sgs, *rules = c->sg_rules;
    RuleMsg rm;
    Site s = model_obj_site(svc);
    if (eni && !awsc_count(eni, "security groups", (size_t)(1 + ndb), &rm)) {
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0520", s.src, s.span,
                           "the tasks of `%s` would carry %d security groups, more than the %ld AWS "
                           "allows on a network interface", svc->path, 1 + ndb, eni->max);
        diag_label(c->d, g, "their own group and a client group for each of %d databases", ndb);
        diag_help(c->d, g, "keep at most %ld databases in an account that runs services", eni->max - 1);
        diag_emit(c->d, g);
    }
    const Value *in = rctx_val(c->m, svc, "ingress", env);
    size_t nrules = (in && in->kind == VAL_LIST ? in->n : 0) + (lb ? 1 : 0);
    if (rules && !awsc_count(rules, "inbound rules", nrules, &rm)) {
        Site is = rctx_site(c->m, svc, "ingress", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0520", is.src, is.span,
                           "the security group of `%s` would have %zu inbound rules, more than the "
                           "%ld AWS allows", svc->path, nrules, rules->max);
        diag_help(c->d, g, "merge the `ingress` blocks into fewer, larger ones");
        diag_emit(c->d, g);
    }
}

/* ---- E0521 EC2 capacity ------------------------------------------------------------ */

/* E0521: `compute = ec2` needs a cluster with EC2 capacity; otherwise
 * lower.c places the tasks on Fargate, silently. */
static void ec2_needs_capacity(void *ctx, Object *svc, const Environment *env)
{
    Aws *c = ctx;
    if (strcmp(rctx_str(c->m, svc, "compute", env, "fargate"), "ec2") != 0)
        return;
    Object *cl = rctx_cluster_of(c->m, svc);
    if (cl && strcmp(rctx_str(c->m, cl, "compute", env, "fargate"), "ec2") == 0)
        return;
    Site s = rctx_site(c->m, svc, "compute", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0521", s.src, s.span,
                       cl ? "`%s` runs on EC2, but cluster `%s` has no EC2 capacity"
                          : "`%s` runs on EC2, but its account has no cluster%s",
                       svc->path, cl ? cl->path : "");
    if (cl) {
        Site cs = model_obj_site(cl);
        diag_secondary(c->d, g, cs.src, cs.span, "a Fargate cluster");
        diag_help(c->d, g, "write `compute = ec2` in the cluster, or `compute = fargate` here");
    } else {
        diag_help(c->d, g, "add `cluster main { compute = ec2 }` to the account, or write "
                           "`compute = fargate` here");
    }
    diag_emit(c->d, g);
}

/* ---- E0522 load balancer certificates ---------------------------------------------- */

/* E0522: `certificate` is an ACM certificate ARN of the service's region
 * (an ALB listener takes certificates of its own region only), on a
 * service that has a load balancer to listen with it. */
static void certificate(void *ctx, Object *svc, const Environment *env, bool lb)
{
    Aws *c = ctx;
    const Value *v = rctx_val(c->m, svc, "certificate", env);
    if (!v || v->kind != VAL_STR)
        return;
    Site s = rctx_site(c->m, svc, "certificate", env);
    const char *region = rules_aws_account_region(c, svc->account);
    const char *arn = v->u.str;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "arn:aws:acm:%s:", region);
    const char *rest = strncmp(arn, prefix, strlen(prefix)) == 0 ? arn + strlen(prefix) : NULL;
    bool shaped = rest && strlen(rest) > 25 && strspn(rest, "0123456789") == 12 &&
                  strncmp(rest + 12, ":certificate/", 13) == 0;
    Diag *g = NULL;
    if (!lb) {
        g = diag_new(c->d, DIAG_ERROR, "E0522", s.src, s.span,
                     "`%s` has a certificate but no load balancer to use it", svc->path);
        diag_help(c->d, g, "sfdc puts a load balancer with an HTTPS listener in front of services "
                           "with `public()` or `vpn(...)` access; remove `certificate` or set `access`");
    } else if (!shaped) {
        g = diag_new(c->d, DIAG_ERROR, "E0522", s.src, s.span,
                     "`certificate` is not an ACM certificate ARN of %s", region);
        diag_label(c->d, g, "the HTTPS listener of `%s` needs one", svc->path);
        diag_help(c->d, g, "write `arn:aws:acm:%s:ACCOUNT:certificate/ID`: a load balancer takes "
                           "certificates of its own region only", region);
    }
    if (g)
        diag_emit(c->d, g);
}

/* ---- the pass ---------------------------------------------------------------- */

/* Whether every value service() reads for svc is the same in every
 * environment (an RctxFixed): its own, its account's and the platform's
 * region, its network's zones, its cluster's compute. Its account's blocks
 * (E0520's databases) are the model's shape, the same everywhere. The
 * account's part is asked once for its services, which come together. */
static bool service_fixed(const void *ctx, const Object *svc)
{
    Aws *c = (Aws *)ctx;
    const Model *m = c->m;
    const Object *a = svc->account;
    if (!a || a != c->fixed_acct) {
        c->fixed_acct = a;
        c->fixed_acct_ok = rctx_fixed_field(m, a, "region") &&
                           rctx_fixed_field(m, m->platform, "region") &&
                           rctx_fixed_field(m, rctx_network(m, a), "azs");
    }
    return c->fixed_acct_ok && rctx_fixed(m, svc) &&
           rctx_fixed_field(m, rctx_cluster_of(m, svc), "compute");
}

static void service(void *ctx, Object *o, const Environment *env)
{
    Aws *c = ctx;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_AWS_SERVICE, o, env, service_fixed, c))
        return;
    fargate_size(ctx, o, env);
    bool lb = behind_lb(ctx, o, env);
    if (lb)
        rules_aws_network_two_zones(ctx, o, env, "the load balancer");
    sg_quotas(ctx, o, env, lb);
    ec2_needs_capacity(ctx, o, env);
    certificate(ctx, o, env, lb);
    rctx_once_done(&once);
}

/* The walks of the pass, by their place in the order they ran in one
 * after the other: their diagnostics' phase (rctx_walk). */
enum {
    WALK_SERVICE, WALK_BUCKETS, WALK_ECR, WALK_AURORA, WALK_RDS, WALK_ROLES, WALK_CIDRS,
    WALK_EC2, WALK_NET_ZONES, WALK_AURORA_ZONES, WALK_RDS_ZONES, WALK_TAGS, WALK_NAMES,
    WALK_ON_DEMAND, WALK_FIELDS, WALK_RECOVERY, WALK_N
};

/* Every walk's state, kept from block to block. */
typedef struct AwsWalks {
    RctxEach svcs, auroras, nets;
    BucketWalk buckets;
    RctxCursor ecrs;
    RoleWalk roles;
    CidrWalk cidrs;
    Ec2Walk ec2;
    ZoneWalk aurora_zones, rds_zones;
    NamesWalk names;
    OnDemandWalk on_demand;
    FieldsWalk fields;
} AwsWalks;

static void walks_init(Aws *c, AwsWalks *w)
{
    rctx_each_init(&w->svcs, c->m, "service");
    rules_aws_buckets_init(c, &w->buckets);
    rctx_cursor_init(&w->ecrs, c->m, "ecr");
    rctx_each_init(&w->auroras, c->m, "aurora");
    rules_aws_names_roles_init(c, &w->roles);
    rules_aws_network_cidrs_init(c, &w->cidrs);
    table_init(&w->ec2.loads);
    rctx_cursor_init(&w->ec2.svcs, c->m, "service");
    rctx_each_init(&w->nets, c->m, "network");
    w->aurora_zones.c = w->rds_zones.c = c;
    rctx_each_init(&w->aurora_zones.each, c->m, "aurora");
    rctx_each_init(&w->rds_zones.each, c->m, "rds");
}

/* The pass between rules_aws_begin and rules_aws_end. */
struct AwsPass {
    Aws c;
    AwsWalks w;
    NameMemo *memo;         /* NULL: no memo, names as fast as before */
    RctxWalks ph;           /* the walks' phases */
};

/* Every walk that can take its objects a block at a time, in their order. */
static void walks_block(Aws *c, AwsWalks *w, const RctxWalks *ph, const RctxBlocks *b)
{
    rctx_walk(ph, WALK_SERVICE);
    rctx_each_block(c->m, &w->svcs, b, service, c);
    rctx_walk(ph, WALK_BUCKETS);
    rules_aws_buckets_block(c, &w->buckets, b);
    rctx_walk(ph, WALK_ECR);
    rules_aws_names_ecr_block(c, &w->ecrs, b);
    rctx_walk(ph, WALK_AURORA);
    rctx_each_block(c->m, &w->auroras, b, rules_aws_db_aurora, c);
    rctx_walk(ph, WALK_ROLES);
    rules_aws_names_roles_block(c, &w->roles, b);
    rctx_walk(ph, WALK_CIDRS);
    rules_aws_network_cidrs_block(c, &w->cidrs, b);
    rctx_walk(ph, WALK_EC2);
    ec2_tasks_block(c, &w->ec2, b);
    rctx_walk(ph, WALK_NET_ZONES);
    rctx_each_block(c->m, &w->nets, b, rules_aws_network_zones, c);
    rctx_walk(ph, WALK_AURORA_ZONES);
    rctx_each_block(c->m, &w->aurora_zones.each, b, rules_aws_network_db_zones, &w->aurora_zones);
    rctx_walk(ph, WALK_RDS_ZONES);
    rctx_each_block(c->m, &w->rds_zones.each, b, rules_aws_network_db_zones, &w->rds_zones);
    rctx_walk(ph, WALK_NAMES);
    rules_aws_names_derived_block(c, &w->names, b);
    rctx_walk(ph, WALK_ON_DEMAND);
    rules_aws_names_on_demand_block(c, &w->on_demand, b);
    rctx_walk(ph, WALK_FIELDS);
    rules_aws_values_fields_block(c, &w->fields, b);
}

/* After the last block: what needs every object seen, and the walks that
 * stay whole, each under its own phase. */
static void walks_finish(Aws *c, AwsWalks *w, const RctxWalks *ph)
{
    rctx_walk(ph, WALK_BUCKETS);
    rules_aws_buckets_finish(c, &w->buckets);
    rctx_walk(ph, WALK_RDS);
    rctx_each(c->m, "rds", rules_aws_db_rds, c);
    rctx_walk(ph, WALK_CIDRS);
    rules_aws_network_cidrs_finish(c, &w->cidrs);
    rctx_walk(ph, WALK_EC2);
    ec2_clusters(c, &w->ec2);
    rctx_walk(ph, WALK_AURORA_ZONES);
    rules_aws_network_db_zones_finish(&w->aurora_zones);
    rctx_walk(ph, WALK_RDS_ZONES);
    rules_aws_network_db_zones_finish(&w->rds_zones);
    rctx_walk(ph, WALK_TAGS);
    rules_aws_values_tags(c);
    rctx_walk(ph, WALK_ON_DEMAND);
    rules_aws_names_on_demand_finish(c, &w->on_demand);
    rctx_walk(ph, WALK_FIELDS);
    rules_aws_values_fields_finish(c, &w->fields);
    rctx_walk(ph, WALK_RECOVERY);
    rules_aws_values_recovery(c);
    free(w->names.acct_ok);
}

/* The pass runs its walks a block of objects at a time (rulectx.h;
 * rules_run takes the blocked passes in turn over each block), so that at
 * 30,000 LAs the later walks of a block find its objects cached.
 * What needs every object seen runs after the last block, under its
 * walk's phase: E0502/E0503's filing (which bucket E0503 names first was
 * decided by one set of every name, state buckets first), the VPN ranges
 * and E0512's sweep, the EC2 clusters (the largest task of all services),
 * and the filing of E0517 for databases, E0524 for on-demand rules and
 * E0525, at whose places another walk, or another entry, may have filed
 * the same code first (the engine keeps the first filed). The rds walk
 * stays whole after the blocks (E0507, E0515, E0523 may point at the
 * literal an aurora's do, and aurora's were filed first); so do the
 * platform's tags and the environments' recovery windows, a handful of
 * values. */
AwsPass *rules_aws_begin(Model *m, DiagEngine *d)
{
    AwsPass *p = xcalloc(1, sizeof *p);
    p->c = (Aws){.m = m, .d = d};
    p->memo = calloc(1, sizeof *p->memo);
    p->c.nc = names_ctx_memo(m, NULL, p->memo);
    rctx_begin(m);
    walks_init(&p->c, &p->w);
    rctx_walks_begin(&p->ph, d, WALK_N);
    return p;
}

void rules_aws_block(AwsPass *p, const RctxBlocks *b)
{
    walks_block(&p->c, &p->w, &p->ph, b);
}

void rules_aws_end(AwsPass *p)
{
    Aws *c = &p->c;
    walks_finish(c, &p->w, &p->ph);
    if (c->ec2_state > 0)
        awslim_ec2_release(&c->ec2);
    if (c->regions_state > 0)
        awsc_regions_release(&c->regions);
    awsc_json_free(c->engines);
    if (p->memo)
        names_memo_release(p->memo);
    free(p->memo);
    free(p);
}
