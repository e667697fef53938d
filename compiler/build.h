/* build.h — `sfdc build`: from the checked model to an output tree.
 *
 * The back end runs in three steps:
 *   1. build_plan() turns the model, per environment and account, into a
 *      list of Units: one call of one of sfdc's Terraform modules
 *      (stdlib/modules/) with typed inputs, where an input is a value or a
 *      reference to another unit's output. This is the only place that
 *      knows what the platform means in Terraform terms.
 *   2. A target renders the same Units: emit_tg_tree() as a Terragrunt tree
 *      (root.hcl, account.hcl, one terragrunt.hcl per unit, dependency
 *      blocks), emit_tf_tree() as plain Terraform root modules (one main.tf
 *      per environment and account, module blocks wired by outputs). Both
 *      copy the modules into the tree, so both share modules and inputs.
 *   3. outtree.c writes (or, with --check, compares) the rendered tree.
 * Layout, naming and wiring are documented in SPEC.md, "Outputs: the
 * Terragrunt tree". */
#ifndef SFDC_BUILD_H
#define SFDC_BUILD_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "emit_hcl.h"
#include "model.h"
#include "outtree.h"

typedef enum BuildTarget { BUILD_TERRAGRUNT, BUILD_TERRAFORM } BuildTarget;

typedef struct BuildOptions {
    const char *outdir;     /* -o DIR (default "out") */
    BuildTarget target;     /* --target */
    const char *env;        /* --env NAME, or NULL for every environment */
    bool check;             /* --check: compare, never write */
    DiagFormat format;      /* --diag-format, for build's own errors (I/O) */
    bool matrix;            /* --matrix: print the deployments as a CI matrix (matrix.c) */
    const char *since;      /* --affected-since REV: only those changed since REV */
} BuildOptions;

/* One input of a unit: a module variable and its value. */
typedef struct BuildInput {
    const char *name;       /* the module variable */
    HclVal *val;            /* its value; HCL_REF nodes point at other units */
} BuildInput;

/* One call of one module in one account of one environment. */
typedef struct BuildUnit {
    const char *name;       /* directory name, kebab-case: "service-daemon" */
    const char *label;      /* HCL label (dependency/module), snake_case: "service_daemon" */
    const char *module;     /* directory under stdlib/modules: "ecs-service" */
    const Object *obj;      /* the object it stands for (header comment, source file) */
    BuildInput *inputs;      /* in a fixed, readable order; arena */
    int ninputs, cap;
    HclVal *mocks;          /* HCL_OBJ: a plausible value of each output others read */
    const char **after;     /* "ACCOUNT/UNIT" of other accounts to apply first; arena */
    int nafter, capafter;
} BuildUnit;

/* One account of one environment and its units, in apply order. */
typedef struct BuildAccount {
    const Object *account;
    const char *dir;        /* directory name (the sanitised account name) */
    const char *id;         /* 12-digit account id */
    const char *region;     /* the account's region, else the platform's */
    const char *role_arn;   /* the role sfdc assumes to deploy into it */
    const char *state_bucket;   /* its Terraform state bucket */
    const char *lock_table;     /* its state lock table (lock = dynamodb), else NULL */
    BuildUnit **units;           /* arena; each BuildUnit stays where it is as more are added */
    int nunits, cap;
} BuildAccount;

typedef struct BuildEnv {
    const Environment *env; /* NULL when the platform declares no environment */
    const Model *m;         /* the platform as this environment evaluates it */
    const char *dir;        /* directory name: the environment's name, or "default" */
    BuildAccount *accounts; /* in the model's account order; arena */
    int naccounts;
} BuildEnv;

typedef struct BuildPlan {
    Arena arena;            /* everything below */
    const Model *m;
    const char *platform;   /* the platform's name */
    const char *platform_src;   /* its file, for headers */
    const char *region;     /* the platform's region */
    HclVal *tags;           /* the platform's tags (sorted HCL_OBJ; may be empty) */
    bool lock_dynamodb;     /* state lock: a DynamoDB table instead of lock files */
    const char *modules_dir;    /* stdlib/modules on disk */
    BuildEnv *envs;         /* selected environments in source order */
    int nenvs;
    bool internal;          /* planning met what the checker refuses: a bug of sfdc */
    DiagEngine *diag;       /* where I/O errors go (code, --diag-format); NULL: err */
} BuildPlan;

/* `sfdc build`: plans, renders and writes (or checks) the tree. The model
 * must be free of errors. Messages go to err, the list of stale files with
 * --check to out. Returns the exit status (0, 1 stale or refused, 2 usage). */
int build_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err);

/* Parses one build option at argv[*i] (-o, --target, --env, --check).
 * Returns 1 if it was one, 0 if not a build option, -1 on a usage error
 * (already reported on stderr). */
int build_option(BuildOptions *o, int argc, char **argv, int *i);

extern const char build_help[];

/* Plans every selected environment. Returns false (with a message on err)
 * when the model cannot be built: an unknown --env, a name that sanitises to
 * another's, a service in an account without a network. */
bool build_plan(BuildPlan *bp, const Model *m, const BuildOptions *o, FILE *err);
void build_plan_release(BuildPlan *bp);

/* The unit of an account called name, or NULL. */
const BuildUnit *build_unit(const BuildAccount *a, const char *label);
/* The header comment of a generated file made from src. */
const char *build_header(Arena *a, const char *src);

/* Renderers: add every file of the target to t. */
void emit_tg_tree(const BuildPlan *bp, OutTree *t);
void emit_tf_tree(const BuildPlan *bp, OutTree *t);
/* Both: copies stdlib/modules into modules/ of the tree, each file with a
 * header line. False (message on err) if the directory cannot be read. */
bool emit_copy_modules(const BuildPlan *bp, OutTree *t, FILE *err);

#endif
