/* names.h — every AWS name sfdc gives to what it creates, derived once.
 *
 * The checker validates these names (rules_aws*.c), lower.c passes them to
 * the modules, planemit.c addresses the same resources at run time and
 * graph.c draws them: all call this file, so the name a rule checked is the
 * name Terraform creates and the plan's steps and `sfdrun scale` reach.
 * Names a module derives from its `name` input (a task definition family,
 * a security group) are derived here by the same rule as in its main.tf,
 * cited beside each kind below; tests/tiers/58-consistency proves that the
 * modules still say so.
 *
 * Derivations (SPEC.md §13, "Names"), P = platform, A = account:
 *
 *   network             "P-A"                      (network `name`: VPC, subnets)
 *   cluster             "P-A-<cluster>", or "P-A" for the implicit cluster
 *   capacity provider   "<cluster>-ec2"            (also its Auto Scaling group)
 *   service             its label, as written
 *   task family         "<cluster>-<service>"      (ecs-service: family, security group)
 *   log group           "/ecs/<cluster>/<service>"
 *   IAM roles           "P-A-<service>-task", "-exec"; "<capacity>-ecs-instance"
 *   load balancer       "A-<service>", at most 32 (target group: the same)
 *   database            "P-A-<db>"                 (identifier, subnet group)
 *   bucket              its `name`, else "P-A-<bucket>"
 *   state bucket        platform `state { bucket }`, else "P-tfstate-<account id>"
 *   secret              "P/A/<secret>"
 *   ECR repository      its label
 *   on-demand rule      "<role prefix>-<bucket label>" (a service and a starts_on bucket)
 *
 * Derived names replace `_` with `-` (S3 forbids `_`; one rule for all keeps
 * names predictable); explicit names and labels AWS accepts as written (ECS
 * services, ECR repositories) are kept. Field values are read in the
 * context's environment.
 *
 * Every function writes into a caller's buffer and returns the length the
 * full name has (like snprintf), so a caller can tell truncation; 0 and ""
 * when the object has no such name (a non-ec2 cluster's capacity provider). */
#ifndef SFDC_NAMES_H
#define SFDC_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Names already derived in one context, so that a pass asking for a name
 * and for the names built on it (a service's cluster for its family, its
 * security group and its log group; a role prefix for the task and
 * execution roles) derives each once. Direct-mapped on (object, kind): a
 * collision derives again, which costs time, never a wrong name. The
 * owner zeroes it (calloc), keeps it for one context only and frees it
 * with names_memo_release. */
enum { NAMES_MEMO_SLOTS = 1024, NAMES_MEMO_TEXT = 96 };
typedef struct NameMemoSlot {
    const Object *o;            /* whose name, or NULL: an empty slot */
    int k;                      /* its NameKind */
    unsigned len;               /* strlen(text) */
    char text[NAMES_MEMO_TEXT]; /* the name (longer ones are not kept) */
} NameMemoSlot;
typedef struct NameMemo {
    NameMemoSlot slot[NAMES_MEMO_SLOTS];
    int clusters;           /* 0 not counted yet, 1 the model has no cluster block, 2 some */
    struct NameBase {       /* every account's "P-A", which starts most of its names
                             * (walks of accounts, then services, then databases
                             * each reach every account): */
        const Object *acct; /* the account, or NULL: an empty slot */
        uint32_t off, len;  /* its "P-A": btext[off, off + len) */
    } *bases;               /* open addressing, 2x the accounts; malloc'd, or NULL */
    size_t nbases;          /* slots (a power of two) */
    size_t bspan;           /* the model's objects when bases was made: an account
                             * of index i starts probing at i * nbases / bspan */
    char *btext;            /* the "P-A"s back to back; malloc'd */
    size_t btlen, btcap;
    const char *kinds[16];  /* object kinds seen (interned: one pointer a kind),
                             * direct-mapped by pointer... */
    unsigned kind_bits[16]; /* ...and their owner bits (names_applies) */
    struct {                /* the fields names.c reads, by (literal, schema): */
        const char *lit;    /* a field name literal of names.c, or NULL: empty */
        const SchemaDecl *schema;
        const FieldDecl *fd;    /* schema_field()'s answer (may be NULL) */
    } fields[64];
} NameMemo;

/* Frees the tables memo holds (not memo); zero it before another use. */
void names_memo_release(NameMemo *memo);

/* What a name is derived in. */
typedef struct NameCtx {
    const Model *m;
    const Environment *env; /* the environment built, or NULL: base values; fields
                             * are read in it. In an environment's own evaluation
                             * (m->env), an account several environments deploy
                             * has the segment "ENV-A" for "A", and its ECR
                             * repositories not declared shared are "ENV-<label>"
                             * (SPEC §7.5). */
    NameMemo *memo;         /* names derived in this context already, or NULL */
} NameCtx;

/* A context without a memo. */
NameCtx names_ctx(const Model *m, const Environment *env);
/* A context that remembers what it derives in memo (caller-owned, zeroed,
 * used with no other m or env). */
NameCtx names_ctx_memo(const Model *m, const Environment *env, NameMemo *memo);

/* The kinds of names. The comment says which object a kind is asked of and
 * which AWS API parameter the name ends up in. */
typedef enum NameKind {
    /* of an account */
    NAME_NETWORK,           /* network module `name`: VPC and subnet Name tags */
    NAME_ENDPOINT_SG,       /* "<network>-vpc-endpoints": ec2 CreateSecurityGroup GroupName */
    NAME_FLOW_LOG_GROUP,    /* "/vpc/<network>/flow-logs": logs CreateLogGroup logGroupName */
    NAME_FLOW_LOG_ROLE,     /* "<network>-vpc-flow-logs": iam CreateRole RoleName */
    NAME_STATE_BUCKET,      /* s3 CreateBucket Bucket (Terraform state) */
    NAME_LOCK_TABLE,        /* dynamodb CreateTable TableName; "" unless lock = dynamodb */
    NAME_SECRET_PREFIX,     /* "P/A/": the secrets module's name_prefix */
    NAME_ACCOUNT_ROLE,      /* the role sfdc assumes in the account (its `role`) */
    NAME_DEPLOYER_ROLE,     /* "<p>-deployer": the plan's handshake role (lower case) */
    NAME_VPN_HUB,           /* "<p>-vpn": the VPN account's Transit Gateway and RAM share
                             * name (ram CreateResourceShare name), per deployment */
    /* of a cluster block, or of an account for its implicit cluster */
    NAME_CLUSTER,           /* ecs CreateCluster clusterName */
    NAME_CAPACITY_PROVIDER, /* ecs CreateCapacityProvider name, autoscaling group name */
    NAME_INSTANCE_ROLE,     /* "<capacity>-ecs-instance": role and instance profile */
    NAME_INSTANCE_SG,       /* "<capacity>-instances": the instances' security group */
    /* of a service */
    NAME_SERVICE,           /* ecs CreateService serviceName */
    NAME_TASK_FAMILY,       /* ecs RegisterTaskDefinition family */
    NAME_SERVICE_SG,        /* the tasks' security group GroupName */
    NAME_LOG_GROUP,         /* logs CreateLogGroup logGroupName */
    NAME_ROLE_PREFIX,       /* ecs-service iam_role_name_prefix */
    NAME_TASK_ROLE,         /* iam CreateRole RoleName */
    NAME_EXEC_ROLE,         /* iam CreateRole RoleName */
    NAME_EXEC_POLICY,       /* iam PutRolePolicy PolicyName of the execution role */
    NAME_SCALING_POLICY,    /* "<service>-cpu": application-autoscaling PutScalingPolicy */
    NAME_LOAD_BALANCER,     /* elbv2 CreateLoadBalancer Name ("" without one) */
    NAME_TARGET_GROUP,      /* elbv2 CreateTargetGroup Name ("" without a load balancer) */
    NAME_LB_SG,             /* "<lb>-alb": the load balancer's security group */
    /* of an aurora or rds block */
    NAME_DB,                /* rds DBClusterIdentifier / DBInstanceIdentifier */
    NAME_DB_SUBNET_GROUP,   /* rds CreateDBSubnetGroup DBSubnetGroupName */
    NAME_DB_SG,             /* "<db>-db": the database's security group */
    NAME_DB_CLIENT_SG,      /* "<db>-db-clients": worn by the services that use it */
    NAME_DB_FINAL_SNAPSHOT, /* "<db>-final": FinalDBSnapshotIdentifier prefix (the modules
                             * add "-" and 12 hex digits drawn once per database) */
    /* of a bucket, ecr or secret block */
    NAME_BUCKET,            /* s3 CreateBucket Bucket */
    NAME_ECR,               /* ecr CreateRepository repositoryName */
    NAME_SECRET,            /* secretsmanager CreateSecret Name */
    /* of a service and one of its `starts_on` buckets: names_derive gives "",
     * the name is per pair (names_on_demand_rule) */
    NAME_ON_DEMAND_RULE,    /* "<role prefix>-<bucket>": events PutRule Name, and the
                             * ecs-on-demand alarms, policies and metric built on it */
    NAME_NKINDS
} NameKind;

/* A kind's spelling ("task-family") and the object kinds it applies to
 * ("service"; "account cluster" for NAME_CLUSTER...), for tables and tests. */
const char *names_kind_name(NameKind k);
bool names_applies(NameKind k, const Object *o);

/* Whether the name of kind k of an account depends on nothing but the
 * platform's name, the context's environment and the account's
 * multi_env (whether its deployment carries the environment's name):
 * the deployer role and the VPN hub, one a deployment. A rule may check
 * such a name once per multi_env value of a context. */
bool names_deployment_wide(NameKind k);

/* The name of kind k of object o (see NameKind for which objects). */
size_t names_derive(const NameCtx *c, NameKind k, const Object *o, char *buf, size_t cap);

/* The platform's name ("sfdata"), or "platform" when there is none. */
const char *names_platform(const Model *m);

/* The cluster block a service runs in: its `cluster`, else the account's
 * only cluster block; NULL for the account's implicit cluster. */
const Object *names_cluster_of(const NameCtx *c, const Object *service);

/* Whether an account has an implicit cluster: a service names no cluster
 * and the account has not exactly one cluster block. */
bool names_has_implicit_cluster(const NameCtx *c, const Object *account);

/* The cluster a service runs in, by name (NAME_CLUSTER of names_cluster_of,
 * or of the account). */
size_t names_service_cluster(const NameCtx *c, const Object *service, char *buf, size_t cap);

/* A scheduled action of a service: "<service>-on", or "<service>-on-K" when
 * the window switches it on `of` > 1 times a week (k is 1-based). */
size_t names_scheduled_action(const NameCtx *c, const Object *service, bool up, int k, int of,
                              char *buf, size_t cap);

/* The i-th (0-based) Availability Zone of a network in region: the region's
 * zones in stdlib/aws/regions.json, in order (awsc_zone, which E0516 checks
 * `azs` with): "ap-northeast-1c" for i = 1, as ap-northeast-1 has no b.
 * 0 and "" past the last zone one account may use. */
size_t names_zone(const NameCtx *c, const char *region, int i, char *buf, size_t cap);

/* The EventBridge rule that starts service on uploads to bucket (one of its
 * `starts_on`): "<role prefix>-<bucket label>" (NAME_ON_DEMAND_RULE), the
 * ecs-on-demand module's `name`. */
size_t names_on_demand_rule(const NameCtx *c, const Object *service, const Object *bucket, char *buf,
                            size_t cap);

/* The n-th (1-based) instance of an aurora cluster: "<db>-<n>". */
size_t names_db_instance(const NameCtx *c, const Object *db, int n, char *buf, size_t cap);

/* Directories of the tree, which the plan's deploy steps run in:
 * the environment's ("default" without one), an account's, and a unit's
 * ("<kind>[-<label>]", `_` -> `-`): lower case, [a-z0-9_-], "_" if empty. */
size_t names_env_dir(const NameCtx *c, char *buf, size_t cap);
size_t names_account_dir(const NameCtx *c, const Object *account, char *buf, size_t cap);
size_t names_unit_dir(const char *kind, const char *label, char *buf, size_t cap);
/* A unit directory's name as a Terraform identifier, in place: the
 * terraform target's `module "<label>"` block, which `sfdrun destroy`
 * targets by address ('-' becomes '_'). */
void names_unit_label(char *dir);

/* The Terraform state key of an account (unit NULL: the terraform target's
 * one root) or of one of its units (terragrunt):
 * "ENV/ACCOUNT[/UNIT]/terraform.tfstate". */
size_t names_state_key(const NameCtx *c, const Object *account, const char *unit, char *buf,
                       size_t cap);

/* Compatibility with the checker's callers: the same names as
 * names_derive(NAME_BUCKET / NAME_STATE_BUCKET / NAME_ECR). *explicit_name
 * tells whether the bucket's name was written in its `name` field. */
size_t names_bucket(const NameCtx *c, const Object *bucket, char *buf, size_t cap,
                    bool *explicit_name);
size_t names_state_bucket(const NameCtx *c, const Object *account, char *buf, size_t cap);
size_t names_ecr(const NameCtx *c, const Object *ecr, char *buf, size_t cap);

typedef enum NamesRole {
    NAMES_ROLE_TASK,        /* the task role: what the containers may do */
    NAMES_ROLE_EXEC,        /* the execution role: pull images, read secrets */
    NAMES_ROLE_INSTANCE,    /* the EC2 instance role of a cluster's Auto Scaling group */
} NamesRole;

/* An IAM role name for a service (TASK, EXEC) or a cluster (INSTANCE). */
size_t names_role(const NameCtx *c, const Object *owner, NamesRole kind, char *buf, size_t cap);

/* The IAM path of the deployer role (NAME_DEPLOYER_ROLE): the handshake
 * creates it there, and the tree's providers assume
 * arn:aws:iam::ID:role/sfdc/NAME. */
#define NAMES_DEPLOYER_PATH "/sfdc/"

/* The Name tag of an account's Transit Gateway attachment to a VPN hub:
 * "<network name>-vpn" (the account's VPC name, NAME_NETWORK). */
size_t names_vpn_attachment(const NameCtx *c, const Object *account, char *buf, size_t cap);

#endif
