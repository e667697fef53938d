/* scale.h — `sfdrun scale PLAN ACCOUNT/SERVICE --to N | --restore`: sets an
 * ECS service's desired count by hand (with its scalable target's min/max),
 * recording what it replaced in the service tag `sfdrun:restore` so that
 * --restore can put it back. See runtime/PLAN.md. */
#ifndef SFDRUN_SCALE_H
#define SFDRUN_SCALE_H

#include "aws.h"
#include "exec.h"
#include "plan.h"

/* What to do. */
typedef struct ScaleRequest {
    size_t service;   /* index into Plan.services */
    long to;          /* target count, or -1 for --restore */
    int dry_run;      /* report only */
} ScaleRequest;

/* Runs the scaling; returns the process exit code (0 ok, 1 failed). */
int scale_run(Exec *ex, const Plan *plan, const ScaleRequest *req);

#endif
