/* lower.h — the lowering phase of `sfdc build`: from the checked model to
 * the unit model both targets render. No I/O; nothing here knows HCL text.
 *
 * Per environment and account, lowering makes a list of Units: one call of
 * one of sfdc's Terraform modules (stdlib/modules/) with typed inputs, where
 * an input is a value or a reference to another unit's output. This is the
 * only place that knows what the platform means in Terraform terms.
 *
 * The pipeline of `sfdc build` (build.c drives it), each phase calling only
 * the ones before it:
 *   lower.c        lower_plan: environments and accounts (names, ids,
 *                  roles, state); lower_account: one account's units
 *   emit_tg.c      the Terragrunt target: root.hcl, account.hcl, one
 *   emit_tf.c      terragrunt.hcl per unit; or one main.tf per account
 *   emit_modules.c stdlib/modules copied into the tree
 *   planemit.c     ENV/plan.json, the runtime plan (from the model)
 *   outtree.c      writes (or, with --check, compares) what they render
 *
 * Memory: lower_plan keeps what every account needs (a few hundred bytes
 * each); lower_account lowers one account at a time into an arena that the
 * next call resets, so a build holds the units of one account, not of the
 * platform. Layout, naming and wiring are documented in SPEC.md, "Outputs:
 * the Terragrunt tree". */
#ifndef SFDC_LOWER_H
#define SFDC_LOWER_H

#include <stdbool.h>
#include <stdio.h>

#include "hcl.h"
#include "model.h"

/* One input of a unit: a module variable and its value. */
typedef struct LowerInput {
    const char *name;       /* the module variable */
    HclVal *val;            /* its value; HCL_REF nodes point at other units */
} LowerInput;

/* One call of one module in one account of one environment. */
typedef struct LowerUnit {
    const char *name;       /* directory name, kebab-case: "service-daemon" */
    const char *label;      /* HCL label (dependency/module), snake_case: "service_daemon" */
    const char *module;     /* directory under stdlib/modules: "ecs-service" */
    const Object *obj;      /* the object it stands for (header comment, source file) */
    LowerInput *inputs;      /* in a fixed, readable order; arena */
    int ninputs, cap;
    HclVal *mocks;          /* HCL_OBJ: a plausible value of each output others read */
    const char **after;     /* "ACCOUNT/UNIT" of other accounts to apply first; arena */
    int nafter, capafter;
} LowerUnit;

/* One account of one environment and its units, in apply order. */
typedef struct LowerAccount {
    const Object *account;
    const char *dir;        /* directory name (the sanitised account name) */
    const char *id;         /* 12-digit account id */
    const char *region;     /* the account's region, else the platform's */
    const char *role_arn;   /* the role sfdc assumes to deploy into it */
    const char *state_bucket;   /* its Terraform state bucket */
    const char *lock_table;     /* its state lock table (lock = dynamodb), else NULL */
    /* Its units, from lower_account until the next lower_account (then
     * NULL again): in LowerPlan.units; each stays where it is as more are
     * added. */
    LowerUnit **units;
    int nunits, cap;
} LowerAccount;

typedef struct LowerEnv {
    const Environment *env; /* NULL when the platform declares no environment */
    const Model *m;         /* the platform as this environment evaluates it */
    const char *dir;        /* directory name: the environment's name, or "default" */
    LowerAccount *accounts; /* in the model's account order; arena */
    int naccounts;
    const bool *selected;   /* by Object.index: deployed in this environment; arena */
} LowerEnv;

typedef struct LowerState LowerState;   /* lowering's working state (lower.c) */

typedef struct LowerPlan {
    Arena arena;            /* everything below, except units */
    Arena units;            /* the units of the account lowered last */
    LowerAccount *lowered;  /* that account, or NULL */
    LowerState *state;      /* malloc'd */
    const Model *m;
    const char *platform;   /* the platform's name */
    const char *platform_src;   /* its file, for headers (lower_src) */
    const char **src_names; /* by Source id: the file's name in headers */
    int nsrc;
    const char *region;     /* the platform's region */
    HclVal *tags;           /* the platform's tags (sorted HCL_OBJ; may be empty) */
    bool lock_dynamodb;     /* state lock: a DynamoDB table instead of lock files */
    const char *modules_dir;    /* stdlib/modules on disk */
    LowerEnv *envs;         /* selected environments in source order */
    int nenvs;
    bool internal;          /* planning met what the checker refuses: a bug of sfdc */
} LowerPlan;

/* The Terraform versions every root (required_version) and root.hcl
 * (terraform_version_constraint) accept: the modules' floor up to the next
 * major; and the Terragrunt versions root.hcl accepts (its 1.x syntax:
 * `run --all`, errors blocks). */
#define LOWER_TF_VERSIONS ">= 1.5.0, < 2.0.0"
#define LOWER_TG_VERSIONS ">= 1.0.0, < 2.0.0"

/* Lowers every environment (env_name NULL) or the one called env_name:
 * its accounts' names, ids, roles and state, not their units yet. Returns
 * false (with a message on err) when the model cannot be built: an unknown
 * environment, a name that sanitises to another's. On false, bp must still
 * be released. */
bool lower_plan(LowerPlan *bp, const Model *m, const char *env_name, FILE *err);
/* Lowers account a of environment e into a->units, releasing the units of
 * the account lowered before. False (message on the err of lower_plan, and
 * bp->internal set) when the account meets what the checker refuses. */
bool lower_account(LowerPlan *bp, const LowerEnv *e, LowerAccount *a);
/* Releases the units of the account lowered last (and the arena's chunk
 * kept for the next one: the core account's, listing every puller, is
 * megabytes), once no account is lowered any more; bp stays usable. */
void lower_units_release(LowerPlan *bp);
void lower_release(LowerPlan *bp);

/* Whether the service's unit registers an Application Auto Scaling target
 * in environment env: when its `scale` can reach one task (hi > 0). The
 * build (ecs-service `autoscaling`) and the plan (`scalable_target`) both
 * ask this, so sfdrun scales through the target exactly when one exists. */
bool lower_autoscaled(const Model *m, const Object *svc, const Environment *env);

/* The unit of an account called name, or NULL. */
const LowerUnit *lower_unit(const LowerAccount *a, const char *label);
/* The strings up to a NULL, concatenated in a: the ids, ARNs, paths and
 * comments made for every unit, where arena_printf's formatting cost a
 * tenth of the render. */
char *lower_cat(Arena *a, ...) __attribute__((sentinel));
/* The header comment of a generated file made from src. */
const char *lower_header(Arena *a, const char *src);
/* The name a source file has in headers: relative to the deepest directory
 * holding every user file (realpath'd), so independent of the current
 * directory and of how the path was typed. */
const char *lower_src(const LowerPlan *bp, const Source *src);

#endif
