/* awslimits.h — AWS's own limits, the ones Terraform only meets at apply time.
 *
 * The layer beneath the rules: pure predicates over plain values (numbers,
 * strings), independent of the semantic model: the checker passes (rules_aws*.c) evaluate a resource,
 * call these, and turn a false answer into a diagnostic with the code named
 * beside each function. Nothing here prints. Each rule fills a RuleMsg with
 * a message (lowercase, no full stop, names in backticks) and a help line
 * that names the fix, and, for names, the byte range at fault.
 *
 * Data: Fargate task sizes are a formula of seven rows, kept here. EC2
 * instance types are vocabulary that grows, so they live in
 * stdlib/aws/ec2-instance-types.json, loaded once per run with cJSON
 * (65 types parse in well under a millisecond). */
#ifndef SFDC_AWSLIMITS_H
#define SFDC_AWSLIMITS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum RuleLevel {
    RULE_OK,        /* nothing to say */
    RULE_WARN,      /* allowed, but worth a warning or note (a bucket name with dots) */
    RULE_ERROR,     /* AWS would reject it */
} RuleLevel;

typedef struct RuleMsg {
    RuleLevel level;    /* RULE_OK when the value passes silently */
    size_t off, len;    /* bytes of the checked string at fault; len 0 = the whole value */
    char msg[256];      /* the headline, or "" */
    char help[384];     /* the fix, or "" */
} RuleMsg;

/* ---- ECS on Fargate ------------------------------------------------------- */

/* E0501: cpu (CPU units, 1024 = 1 vCPU) and memory (MiB) form a Fargate task
 * size. Help names the valid memory for that CPU and the smallest valid pair
 * that holds the request. */
bool awslim_fargate_pair(double cpu_units, double memory_mib, RuleMsg *m);

/* The smallest valid Fargate pair with at least this cpu and memory (CPU
 * first, then memory); false if the request exceeds 16 vCPU / 120 GiB. */
bool awslim_fargate_fit(double cpu_units, double memory_mib, int *cpu_out, int *mem_out);

/* ---- names ---------------------------------------------------------------- */

/* E0502: S3 general purpose bucket naming rules. Valid names with dots
 * return true with level RULE_WARN (TLS and Transfer Acceleration). */
bool awslim_s3_bucket_name(const char *name, size_t len, RuleMsg *m);

/* E0504: ECR repository name: 2..256 bytes matching
 * (?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)* */
bool awslim_ecr_repo_name(const char *name, size_t len, RuleMsg *m);

/* E0508: IAM role names (1..64) and policy names (1..128) of [\w+=,.@-]. */
bool awslim_iam_role_name(const char *name, size_t len, RuleMsg *m);
bool awslim_iam_policy_name(const char *name, size_t len, RuleMsg *m);

/* E0406: an AWS account id is exactly 12 ASCII digits. */
bool awslim_account_id(const char *id, size_t len, RuleMsg *m);

/* ---- databases ------------------------------------------------------------ */

typedef enum AwslimEngine {
    AWSLIM_ENGINE_UNKNOWN,
    AWSLIM_ENGINE_POSTGRES,   /* aurora-postgresql, postgres */
    AWSLIM_ENGINE_MYSQL,      /* aurora-mysql, mysql */
} AwslimEngine;

/* The family of an sfdc or AWS engine name: "postgres16", "aurora-postgresql",
 * "postgres", "mysql8", "aurora-mysql", "mysql". */
AwslimEngine awslim_engine_family(const char *name);

/* 5432 or 3306; 0 for an unknown engine. */
int awslim_engine_default_port(AwslimEngine e);

/* E0505: Aurora Serverless v2 capacity: 0..256 ACU in 0.5 steps, min <= max,
 * max >= 1 (AWS: "must be higher than 0.5 ACUs"). */
bool awslim_aurora_capacity(double min_acu, double max_acu, RuleMsg *m);

/* E0506: auto-pause. min_acu 0 needs an engine version that supports it
 * (aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later; aurora-mysql
 * 3.08.0 or later); an auto-pause delay needs min 0 and lies within
 * 300..86400 s. pause_seconds < 0 means none was written. */
bool awslim_aurora_auto_pause(AwslimEngine e, const char *version, double min_acu,
                            double pause_seconds, RuleMsg *m);

/* Whether this engine version supports min 0 ACU (auto-pause); versions as
 * AWS writes them ("16.4", "8.0.mysql_aurora.3.08.0") or "3.08.0". */
bool awslim_aurora_version_pauses(AwslimEngine e, const char *version);

/* E0505: the largest Serverless v2 capacity (ACU) this engine version can
 * scale to: 256 on recent versions, 128 on older ones. */
double awslim_aurora_max_acu(AwslimEngine e, const char *version);

/* E0505: max_acu fits the version's ceiling (awslim_aurora_max_acu). */
bool awslim_aurora_ceiling(AwslimEngine e, const char *version, double max_acu, RuleMsg *m);

/* E0523: a PostgreSQL engine's `version` is MAJOR.MINOR of the engine's
 * major (postgres16: "16.x"), and, for Aurora Serverless v2, at least
 * 13.6, 14.3, 15.2 or 16.1. Other engines pass (E0515 refuses them). */
bool awslim_engine_version(const char *engine, const char *version, bool serverless_v2, RuleMsg *m);

/* E0507: the port agrees with the engine: not the other engine's default
 * port (3306 on PostgreSQL), and within 1150..65535 (RDS's range). */
bool awslim_engine_port(AwslimEngine e, long port, RuleMsg *m);

/* ---- EC2 capacity for ECS --------------------------------------------------- */

/* Memory the ECS agent leaves for tasks: installed memory less the kernel's
 * share (estimated as 1/16, at least 128 MiB: AWS's m4.large example shows
 * 8192 MiB installed, 7985 MiB seen by the OS) less ECS_RESERVED_MEMORY. */
enum { AWSLIM_ECS_RESERVED_MIB = 256 };   /* what sfdc's modules set */

typedef struct AwslimEc2Type {
    char name[32];          /* "t3.medium" */
    int vcpu;               /* vCPUs; ECS registers 1024 CPU units each */
    int memory_mib;         /* installed memory */
    bool arm64;             /* Graviton: needs arm64 images */
} AwslimEc2Type;

typedef struct AwslimEc2Table {
    AwslimEc2Type *types;     /* malloc'd array, in file order */
    size_t n;               /* entries */
} AwslimEc2Table;

/* Reads stdlib/aws/ec2-instance-types.json (path) or a JSON text. Returns
 * 0, or -1 with a reason in err. The table owns its array: release it. */
int awslim_ec2_load(AwslimEc2Table *t, const char *path, char *err, size_t errcap);
int awslim_ec2_parse(AwslimEc2Table *t, const char *json, size_t len, char *err, size_t errcap);
void awslim_ec2_release(AwslimEc2Table *t);

/* The type named name[0..len), or NULL. */
const AwslimEc2Type *awslim_ec2_find(const AwslimEc2Table *t, const char *name, size_t len);

/* E0513: the type exists (with a did-you-mean, or the sizes of its family). */
bool awslim_ec2_known(const AwslimEc2Table *t, const char *name, size_t len, RuleMsg *m);

/* MiB a task can use on one instance of type x (see AWSLIM_ECS_RESERVED_MIB). */
int awslim_ec2_task_memory(const AwslimEc2Type *x, int reserved_mib);

/* E0513: one instance of x holds the largest task (cpu units, MiB). Help
 * names the smallest type of the same family and architecture that does. */
bool awslim_ec2_fits(const AwslimEc2Table *t, const AwslimEc2Type *x, double cpu_units,
                   double memory_mib, int reserved_mib, RuleMsg *m);

/* ---- Auto Scaling ------------------------------------------------------------ */

/* E0514: 0 <= min <= desired <= max; desired < 0 means not set. */
bool awslim_asg_sizes(long min, long desired, long max, RuleMsg *m);

#endif
