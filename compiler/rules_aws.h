/* rules_aws.h — what the files of the AWS rule pass share; private to
 * them (rules.h declares the pass to rules_run).
 *
 * The pass (rules_aws_begin, _block, _end) is a driver and its walks, a
 * file a subject, in the order the driver's walk table first runs them:
 *
 *   rules_aws.c           the driver: the walk table, begin, block, end;
 *                         the constraints data (rules_aws_param)
 *   rules_aws_services.c  services and the clusters they run on: task
 *                         sizes, security groups, EC2 capacity,
 *                         certificates (E0501, E0513, E0514, E0520..E0522)
 *   rules_aws_buckets.c   S3 bucket names (E0502, E0503)
 *   rules_aws_names.c     repository, role and derived names (E0504,
 *                         E0508, E0524)
 *   rules_aws_db.c        aurora and rds engines, versions, ports,
 *                         capacity (E0505..E0507, E0515, E0523, E0526)
 *   rules_aws_network.c   CIDR blocks, subnet layouts, Availability Zones
 *                         (E0510..E0512, E0516, E0517, E0519)
 *   rules_aws_values.c    tags, values that reach AWS as written, secret
 *                         recovery windows (E0518, E0525, E0420)
 *
 * Every walk keeps its state from block to block in the driver's
 * AwsWalks (no allocation a block), so the walks' state structs are here;
 * what one file alone reads stays static in it. */
#ifndef SFDC_RULES_AWS_H
#define SFDC_RULES_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "awsconstraints.h"
#include "awslimits.h"
#include "cidrset.h"
#include "names.h"
#include "rulectx.h"
#include "table.h"

/* ---- the pass's context ---------------------------------------------------- */

typedef struct Aws {
    Model *m;
    DiagEngine *d;
    AwslimEc2Table ec2;       /* instance types, loaded on first use */
    int ec2_state;          /* 0 not loaded, 1 loaded, -1 failed (reported once) */
    const AwscTable *cons;  /* stdlib/aws/constraints.json (awsc_shared), on first use */
    int cons_state;         /* as ec2_state */
    AwscRegions regions;    /* stdlib/aws/regions.json, loaded on first use */
    int regions_state;      /* as ec2_state */
    struct cJSON *engines;  /* stdlib/aws/engine-versions.json, loaded on first use */
    int engines_state;      /* as ec2_state */
    const AwscParam *eni_sgs, *sg_rules;    /* E0520's quotas, looked up once */
    const char *last_region;            /* region_info's last question... */
    const AwscRegion *last_info;        /* ...and answer */
    const char *ok_engine, *ok_version; /* the last engine and version engine_version() */
    bool ok_serverless;                 /* passed, and for which mode: most databases of a
                                         * platform share them, and the answer costs a
                                         * scan of AWS's version list */
    const Object *db_acct;  /* the account db_count was counted for */
    int db_count;           /* its aurora and rds blocks */
    const Object *fixed_acct;   /* the account service_fixed last asked about... */
    bool fixed_acct_ok;         /* ...and whether its part of the answer is fixed */
    NameCtx nc;             /* names in the base values of m, with a memo: a
                             * name is derived once a pass for every rule that
                             * checks it or a name built on it */
} Aws;

static inline Arena *rules_aws_arena(const Aws *c)
{
    return &c->m->pg->arena;
}

/* The path of a file of stdlib/aws/. */
static inline const char *rules_aws_data(const Aws *c, const char *file)
{
    return arena_printf(rules_aws_arena(c), "%s/aws/%s",
                        c->m->pg->stdlib_dir ? c->m->pg->stdlib_dir : "stdlib", file);
}

/* The region of an account: its own, else the platform's (as lower.c reads it). */
static inline const char *rules_aws_account_region(const Aws *c, const Object *a)
{
    const char *r = a ? rctx_str(c->m, a, "region", NULL, NULL) : NULL;
    if (!r && c->m->platform)
        r = rctx_str(c->m, c->m->platform, "region", NULL, NULL);
    return r ? r : "eu-west-2";
}

/* The parameter constraints (loaded once; a missing file is reported once
 * and the checks that need it are skipped): the entry name of
 * stdlib/aws/constraints.json, or NULL. */
const AwscParam *rules_aws_param(Aws *c, const char *name);

/* The most parameters a derived name or a field is checked against. */
enum { NAME_MAX_PARAMS = 4 };

/* ---- rules_aws_services.c ---------------------------------------------------- */

/* E0501, E0517 (a load balancer's), E0520, E0521, E0522 of one service
 * (an RctxEach function; ctx is the Aws). */
void rules_aws_services_check(void *ctx, Object *o, const Environment *env);

/* E0513 and E0514's walk: the services of each block are noted (the
 * largest task on each cluster); the clusters are checked after the last
 * block, when every service that may run on them has been seen. */
typedef struct Ec2Walk {
    Table loads;            /* cluster -> Load */
    RctxCursor svcs;
} Ec2Walk;

void rules_aws_services_ec2_block(Aws *c, Ec2Walk *w, const RctxBlocks *b);
/* After the last block: the clusters; frees w's table. */
void rules_aws_services_ec2_finish(Aws *c, Ec2Walk *w);

/* ---- rules_aws_buckets.c ----------------------------------------------------- */

typedef struct Bucket Bucket;
typedef struct StateBucket StateBucket;

/* Every bucket name of the platform, in a string-keyed open-addressing set:
 * one probe per name, no interning (names are mostly unique). A slot holds
 * the name's hash and the bucket's index, so that a probe compares hashes
 * in the table itself: at 30,000 LAs the table (4 MB) and the Buckets are
 * out of cache, and reading a Bucket to learn its hash was a second miss
 * per name. */
typedef struct BucketSlot {
    uint32_t hash;          /* name_hash of the bucket's name */
    uint32_t at;            /* 1 + the bucket's index in all, 0: empty */
} BucketSlot;

typedef struct BucketSet {
    BucketSlot *slots;      /* cap slots; xcalloc'd */
    size_t cap;
    Bucket *all;            /* the buckets, in the order they are checked */
} BucketSet;

/* The state buckets, or the bucket blocks, of the platform: each name is
 * judged and claimed in its block, against the names of its own list
 * before it. */
typedef struct BucketList {
    BucketSet set;          /* all[0, n): the list's buckets in order; slots: their names */
    uint32_t n;
    uint32_t *due;          /* the buckets with a diagnostic of their own list (a bad
                               name, or one taken), in order */
    uint32_t ndue;
    uint32_t *hashes;       /* each bucket's hash: read after the blocks without
                               the Buckets, which are out of cache by then */
} BucketList;

/* E0502 and E0503's walk. One set of every name, the state bucket of each
 * account before every bucket block, decided which bucket E0503 names
 * first: here each list claims its own names in its blocks, and after
 * the last block a bucket block's name is also looked for among the state
 * buckets, which would have held it first. The diagnostics are filed
 * after the last block, in the order of that one set's claims. */
typedef struct BucketWalk {
    BucketList state, blocks;
    RctxStrSet ids;         /* account ids seen */
    StateBucket *st;        /* per account (list index), read a block at a time */
    RctxCursor accs, bs;
    Site state_site;        /* where the platform's state bucket is written */
} BucketWalk;

void rules_aws_buckets_init(Aws *c, BucketWalk *w);
void rules_aws_buckets_block(Aws *c, BucketWalk *w, const RctxBlocks *b);
/* After the last block: E0502 and E0503, then w freed. */
void rules_aws_buckets_finish(Aws *c, BucketWalk *w);

/* ---- rules_aws_names.c ------------------------------------------------------- */

/* E0504: the repositories of a block (k: the walk's place in the list of ecr). */
void rules_aws_names_ecr_block(Aws *c, RctxCursor *k, const RctxBlocks *b);

/* E0508's walk: the services, clusters and accounts of a block, each
 * list in its order. Its diagnostics point at a service's or a cluster's
 * header or at an account's `role`: no two of the lists can meet at one
 * place, so the three may take turns block by block. */
typedef struct RoleWalk {
    RctxCursor svcs, clusters, accs;
} RoleWalk;

void rules_aws_names_roles_init(const Aws *c, RoleWalk *w);
void rules_aws_names_roles_block(Aws *c, RoleWalk *w, const RctxBlocks *b);

/* The last names of one kind that passed its checks. A name's checks are
 * a function of its text (the same parameters for every object of the
 * kind), so a name equal to one that passed passes: names that do not
 * depend on the account are checked once, not once an account. A
 * service's name is its label, and the services of every account are
 * written by one template: the last PASSED_RING of them are kept; other
 * kinds keep the last one (their names carry the account: comparing
 * with more would cost more than it saves). */
enum { PASSED_RING = 4 };
typedef struct Passed {
    size_t len[PASSED_RING];    /* 0: none yet */
    char text[PASSED_RING][96];
    int next;                   /* where the next one goes */
} Passed;

/* The owner kinds of derived names (name_owners in rules_aws_names.c). */
enum { NAME_NOWNERS = 8 };

/* E0524's walk of the objects names are derived for: each owner kind
 * keeps its place in its list, its parameters and the names that passed
 * (a memo: a name equal to one that passed passes) from block to block.
 * Its diagnostics point at an object's header, which no two kinds share. */
typedef struct NameOwner {
    RctxCursor k;
    const AwscParam *ps[NAME_NKINDS][NAME_MAX_PARAMS];
    int np[NAME_NKINDS];
    int ks[NAME_NKINDS], nks;   /* the kinds to derive, in order: a few of the 35 */
    Passed passed[NAME_NKINDS];
} NameOwner;

typedef struct NamesWalk {
    bool begun;             /* names_walk_begin ran (in the first block) */
    bool on;                /* the table was read and the platform's name is one the plan takes */
    uint8_t *acct_ok;       /* account_ok's memo, or NULL */
    bool wide_passed[NAME_NKINDS][2];   /* a deployment-wide name passed, by multi_env */
    NameOwner owners[NAME_NOWNERS];
} NamesWalk;

void rules_aws_names_derived_block(Aws *c, NamesWalk *w, const RctxBlocks *b);

/* E0524 for the names derived per pair, not per object: the EventBridge
 * rule of each service and `starts_on` bucket (names_on_demand_rule), as
 * build names the ecs-on-demand unit's rule. Such a name is blamed on the
 * service's header, where rules_aws_names_derived_block may have filed E0524 too,
 * and the engine keeps the first filed: the services are picked out in
 * the blocks and their names checked after the last, after every name of
 * that walk, as when the walks ran one after the other. */
typedef struct OnDemandWalk {
    bool begun;
    RctxCursor svcs;
    const AwscParam *ps[NAME_MAX_PARAMS];
    int np;
    const Object **due;     /* the services with a `starts_on` list, in order; xrealloc'd */
    size_t n, cap;
} OnDemandWalk;

void rules_aws_names_on_demand_block(Aws *c, OnDemandWalk *w, const RctxBlocks *b);
/* After the last block: the rule names, then w's list freed. */
void rules_aws_names_on_demand_finish(Aws *c, OnDemandWalk *w);

/* ---- rules_aws_db.c ---------------------------------------------------------- */

/* The checks of one aurora and of one rds (RctxEach functions; ctx is the Aws). */
void rules_aws_db_aurora(void *ctx, Object *o, const Environment *env);
void rules_aws_db_rds(void *ctx, Object *o, const Environment *env);

/* ---- rules_aws_network.c ----------------------------------------------------- */

typedef struct Net Net;
typedef struct VpnRange VpnRange;

/* E0510, E0511, E0512 and E0519's walk. Each network is checked in its
 * block; the accounts' VPN ranges are read in theirs and checked after the
 * last (E0510 could point at one literal for a network and an account,
 * and the network's was filed first); E0512 sweeps all ranges at the end. */
typedef struct CidrWalk {
    CidrEntry *e;           /* the networks' VPCs, then the VPN ranges; NULL: no memory */
    Net *nets;              /* what each entry of e is */
    size_t n;
    VpnRange *vpns;         /* the accounts' VPN ranges, in list order */
    size_t nvpn;
    RctxCursor nets_c, accs;
} CidrWalk;

void rules_aws_network_cidrs_init(const Aws *c, CidrWalk *w);
void rules_aws_network_cidrs_block(Aws *c, CidrWalk *w, const RctxBlocks *b);
/* After the last block: the VPN ranges and E0512; frees w's arrays. */
void rules_aws_network_cidrs_finish(Aws *c, CidrWalk *w);

/* E0516 of one network (an RctxEach function; ctx is the Aws). */
void rules_aws_network_zones(void *ctx, Object *net, const Environment *env);

/* E0517 on o (what: the thing that needs two zones) when its account's
 * network has fewer than two. */
void rules_aws_network_two_zones(Aws *c, Object *o, const Environment *env, const char *what);

/* E0517's walks of the databases (aurora, then rds). The service walk
 * files E0517 at the same place (a network's `azs`), and the engine keeps
 * the first filed of two: a database's is filed after the blocks, after
 * every service's, as when the walks ran one after the other. In the
 * blocks each database is only judged; one that will file is not
 * remembered clean (rctx_once), as a run that filed would not be. */
typedef struct ZoneDue {
    Object *o;
    const Environment *env;
} ZoneDue;

typedef struct ZoneWalk {
    Aws *c;
    RctxEach each;
    ZoneDue *due;           /* the databases to file E0517 for, in walk order; xrealloc'd */
    size_t n, cap;
} ZoneWalk;

/* One database of a ZoneWalk (an RctxEach function; ctx is the ZoneWalk). */
void rules_aws_network_db_zones(void *ctx, Object *o, const Environment *env);
/* After the last block: E0517 for the databases noted, then w's list freed. */
void rules_aws_network_db_zones_finish(ZoneWalk *w);

/* ---- rules_aws_values.c ------------------------------------------------------ */

typedef struct FieldCheck FieldCheck;

/* E0525's walks, one per `fields` entry of constraints.json. */
typedef struct FieldsWalk {
    bool begun;             /* fields_begin ran (in the first block) */
    size_t n;               /* entries in fs */
    FieldCheck *fs;         /* calloc'd, or NULL */
} FieldsWalk;

/* E0518: the platform's tags. */
void rules_aws_values_tags(Aws *c);
void rules_aws_values_fields_block(Aws *c, FieldsWalk *w, const RctxBlocks *b);
/* After the last block: E0525's failures, entry after entry; then w freed. */
void rules_aws_values_fields_finish(Aws *c, FieldsWalk *w);
/* E0420: the environments' secret recovery windows. */
void rules_aws_values_recovery(Aws *c);

#endif
