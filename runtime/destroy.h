/* destroy.h — `sfdrun destroy`: the tear-down of the deployments one plan
 * makes (one environment), derived from that plan, never written in it.
 *
 * The destroy plan holds, with ids `destroy/...`:
 *  - each deploy run again with `destroy` in place of `apply` (init runs
 *    as they are), in the reverse of the apply order: a deploy that waited
 *    for another's (an LA's for core's) is destroyed before it;
 *  - after every destroy run of an account, the roles the handshake made
 *    there: each AttachRolePolicy undone (DetachRolePolicy), then each
 *    CreateRole (DeleteRole);
 *  - with delete_state, after those: each bootstrap CreateTable (the lock
 *    table, DeleteTable) and CreateBucket (the state bucket, DeleteBucket;
 *    the bucket is emptied first, destroy_empty_bucket).
 * Everything else the plan sets (bucket settings, repository and bucket
 * policies, schedules, desired counts) belongs to a resource Terraform
 * destroys or to the state bucket, and goes with it. Each delete is a call
 * step whose check holds when the read answers "gone" (PlanCheck.gone),
 * so the executor's check/mutate/verify, journal and resume apply as they
 * do to `sfdrun apply`. */
#ifndef SFDRUN_DESTROY_H
#define SFDRUN_DESTROY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "exec.h"
#include "plan.h"

/* Size of the err buffers of this module. */
#define DESTROY_ERR_MAX 512

/* The name `sfdrun destroy --confirm` must repeat: the plan's environment,
 * else its platform (borrowed from p). */
const char *destroy_confirm_name(const Plan *p);

/* The destroy plan of p as a JSON document (caller deletes), or NULL with
 * err (DESTROY_ERR_MAX): p has no deploy step (built with --target none),
 * or out of memory. */
cJSON *destroy_derive(const Plan *p, int delete_state, char *err);

/* Derives and loads the destroy plan of p into *out (release with
 * plan_release). Its sha256 is p's, so its journal belongs to p's file.
 * Returns 0, or -1 with err. */
int destroy_plan(const Plan *p, int delete_state, Plan *out, char *err);

/* 1 when step i of a destroy plan deletes state (DeleteBucket or
 * DeleteTable): those run only after everything else succeeded. */
int destroy_is_state_step(const Plan *d, size_t i);

/* Deletes every object version and delete marker of the state bucket of
 * step i (a DeleteBucket step of d), in the step's account and region,
 * ListObjectVersions then DeleteObjects, 1000 at a time. Refuses (deletes
 * nothing) when a key does not start with `prefix` (NULL: no restriction):
 * a state bucket holding another environment's state is not this
 * environment's to delete. A bucket already gone counts as empty.
 * Returns the number of versions deleted, or -1 with msg. */
long destroy_empty_bucket(Exec *ex, const Plan *d, size_t i, const char *prefix, char *msg,
                          size_t n);

#endif
