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
 * a DFA per pattern.
 *
 * This file is the pass's driver: the walk table, begin, block and end,
 * and the constraints data every subject reads; the walks themselves are
 * in rules_aws_<subject>.c, one file a subject (rules_aws.h lists them). */
#include "rules_aws.h"

#include <stdlib.h>

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

/* ---- the pass ---------------------------------------------------------------- */

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
    rctx_each_block(c->m, &w->svcs, b, rules_aws_services_check, c);
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
    rules_aws_services_ec2_block(c, &w->ec2, b);
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
    rules_aws_services_ec2_finish(c, &w->ec2);
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
