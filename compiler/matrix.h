/* matrix.h — `sfdc build --matrix [--affected-since REV]`: the
 * (environment, account) deployments of a planned tree and their order, as
 * a JSON matrix for CI runners (see matrix.c, SPEC §13.8). */
#ifndef SFDC_MATRIX_H
#define SFDC_MATRIX_H

#include <stdio.h>

#include "build.h"
#include "lower.h"

/* Prints {"include": [{environment, account, account_id, region, role_arn,
 * dir, wave}, ...]} on one line to out, deployments in wave order; with
 * since (a git revision), only those whose files under dir changed since.
 * Returns 0, 1 when git cannot compare (said on err), 70 out of memory. */
int matrix_print(LowerPlan *bp, const char *dir, const char *since, FILE *out, FILE *err);

/* `sfdc build --matrix`: lowers the tree of m (lower_plan, lower_account)
 * and prints its matrix. Returns the exit status. */
int matrix_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err);

#endif
