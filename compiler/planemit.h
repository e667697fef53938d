/* planemit.h — the runtime plan back end: the evaluated platform of one
 * environment as the JSON plan `sfdrun` executes (format `sfdc-plan`
 * version 1, SPEC.md "Outputs: the runtime plan", runtime/PLAN.md,
 * runtime/plan.schema.json).
 *
 * The plan holds what Terraform cannot do for itself, in the order of the
 * team's notes, as one dependency graph of steps with stable ids:
 *
 *   bootstrap  per account: the state bucket (create, versioning,
 *              encryption, public access block, TLS-only policy) and, with
 *              `state { lock = dynamodb }`, the lock table
 *   handshake  per sub account: the deployment role trusting its parent
 *              (core) account; per core repository: the ECR policy letting
 *              exactly the accounts whose services use it as `image` pull;
 *              per bucket with `readers`: the policy granting them read
 *   deploy     per account: one `terragrunt`/`terraform` run step, core
 *              first, each sub account after its bootstrap and handshake
 *   operate    per scheduled service: its scalable target and the scheduled
 *              actions derived from `window` (schedule.h); services off by
 *              default are set to zero
 *
 * Output is deterministic: the same model gives byte-identical text. */
#ifndef SFDC_PLANEMIT_H
#define SFDC_PLANEMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "load.h"
#include "model.h"

/* Which program the deploy steps run. */
typedef enum PlanDeploy {
    PLAN_DEPLOY_TERRAGRUNT,     /* `terragrunt run --all ... apply` per account (default) */
    PLAN_DEPLOY_TERRAFORM,      /* `terraform init` + `terraform apply` per account root */
    PLAN_DEPLOY_NONE,           /* no deploy steps: bootstrap, handshake, operate only */
} PlanDeploy;

typedef struct PlanEmitOptions {
    PlanDeploy deploy;          /* the deploy target */
    /* Directory of an account's units (terragrunt) or root module
     * (terraform), relative to the directory plan.json is written to, as
     * a prefix: run steps get `cwd` = deploy_dir + account name. NULL or
     * "": the account's directory sits beside plan.json (ENV/ACCOUNT). */
    const char *deploy_dir;
    /* Free text for the plan's "generator" member; NULL: "sfdc VERSION". */
    const char *generator;
    /* planemit_write: when set, the text goes to take instead of the sink,
     * in malloc'd pieces take owns from then on (no copy on the way to a
     * writer that queues them, outtree's out_put_take). */
    void (*take)(void *ctx, char *text, size_t len);
} PlanEmitOptions;

/* Receives the plan's text piece by piece, in order. */
typedef void (*PlanSink)(void *ctx, const char *text, size_t len);

/* Streams the plan of environment env (as planemit_render) to sink, in
 * memory bounded by one account's steps. Returns false when out of memory
 * (the text handed over so far is then incomplete). */
bool planemit_write(const Model *m, const Environment *env, const PlanEmitOptions *o, PlanSink sink,
                    void *ctx);

/* The plan of environment env (NULL: the base platform with every
 * account, and no "environment" member) as JSON text ending in a newline.
 * Call it only on a model without errors (diag_failed false): poison
 * values are skipped, not reported. Returns malloc'd text the caller
 * frees (the build driver writes it as ENV/plan.json), or NULL when out of
 * memory. o may be NULL (all defaults). */
char *planemit_render(const Model *m, const Environment *env, const PlanEmitOptions *o);

/* `sfdc plan`: prints the plan of environment env_name (NULL: base) to
 * out. Returns an exit status: 0, 1 for an unknown environment (said on
 * err), 70 when out of memory. */
int planemit_run(const Model *m, const char *env_name, const PlanEmitOptions *o, FILE *out,
                 FILE *err);

/* "sha256:" + 64 lower-case hex digits over the program's user source
 * files (every non-stdlib file, imports included) in load order: for each
 * file its length as 8 little-endian bytes, then its bytes. Paths are left
 * out on purpose, so the hash does not depend on where the checkout is or
 * how the files were named on the command line. out must hold 72 bytes. */
void planemit_source_hash(const Program *pg, char out[72]);

#endif
