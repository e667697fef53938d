/* rules_aws_services.c — the AWS rule pass's checks of services and of
 * the clusters they run on (rules_aws.h): a Fargate task's size (E0501),
 * an EC2 cluster's instance types and Auto Scaling sizes (E0513, E0514),
 * a service's security groups (E0520), EC2 capacity (E0521) and load
 * balancer certificate (E0522). One walk takes every service check of a
 * service, once for the environments that share its values (rctx_once);
 * the clusters are checked after the last block, when every task that
 * may run on them has been seen. */
#include "rules_aws.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

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

void rules_aws_services_ec2_block(Aws *c, Ec2Walk *w, const RctxBlocks *b)
{
    for (RctxCursor *k = &w->svcs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        note_task(c, &w->loads, k->l->items[k->i]);
    }
}

void rules_aws_services_ec2_finish(Aws *c, Ec2Walk *w)
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

/* ---- the service walk ---------------------------------------------------------- */

/* Whether every value rules_aws_services_check reads for svc is the same
 * in every environment (an RctxFixed): its own, its account's and the
 * platform's region, its network's zones, its cluster's compute. Its
 * account's blocks (E0520's databases) are the model's shape, the same
 * everywhere. The account's part is asked once for its services, which
 * come together. */
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

void rules_aws_services_check(void *ctx, Object *o, const Environment *env)
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
