/* scale.h — `sfdrun scale PLAN ACCOUNT/SERVICE --to N | --restore`: sets an
 * ECS service's desired count by hand (with its scalable target's min/max),
 * recording what it replaced in the service tag `sfdrun:restore` so that
 * --restore can put it back. See runtime/PLAN.md and runtime/README.md.
 *
 * The decisions (what to record, which calls a state needs) are pure
 * functions below, so they are unit-tested without AWS; scale_run reads the
 * service, decides, and makes the calls in order. */
#ifndef SFDRUN_SCALE_H
#define SFDRUN_SCALE_H

#include <stddef.h>

#include "aws.h"
#include "exec.h"
#include "plan.h"

/* ECS tag key holding the record; its value is a ScaleState in text. */
#define SCALE_RESTORE_TAG "sfdrun:restore"
/* Room for a record's text (ECS tag values are at most 256 bytes). */
#define SCALE_RECORD_MAX 96

/* What to do. */
typedef struct ScaleRequest {
    size_t service;   /* index into Plan.services */
    long to;          /* target count, or -1 for --restore */
    int dry_run;      /* reads only: report what would change */
} ScaleRequest;

/* A service's counts, as read or as recorded. */
typedef struct ScaleState {
    long desired;     /* ECS desiredCount */
    int has_target;   /* an App Auto Scaling target is registered (min/max valid) */
    long min;         /* its MinCapacity */
    long max;         /* its MaxCapacity */
} ScaleState;

/* The mutating calls a change needs, in the order they are made. */
typedef struct ScaleActions {
    int tag;                       /* 1: write `record` as the restore tag first */
    char record[SCALE_RECORD_MAX]; /* the record text (when tag) */
    int set_target;                /* 1: RegisterScalableTarget(min, max) */
    long min;                      /* MinCapacity to register */
    long max;                      /* MaxCapacity to register */
    int set_desired;               /* 1: UpdateService(desiredCount) */
    long desired;                  /* desiredCount to set */
    int untag;                     /* 1: remove the restore tag last */
} ScaleActions;

/* Writes s as "desired=D" or "desired=D min=M max=X" (ECS tag values allow
 * letters, digits, spaces and + - = . _ : / @, no commas). Returns 0, or -1
 * when it does not fit in n bytes. */
int scale_record_format(const ScaleState *s, char *buf, size_t n);

/* Parses a record written by scale_record_format, exactly (no other
 * spacing, no negative or out-of-range numbers). Returns 0 or -1. */
int scale_record_parse(const char *text, ScaleState *out);

/* `--to n` from cur. record: the restore tag's value, or NULL when the
 * service has none (then the current state is recorded first; an existing
 * record is kept, so repeated --to calls still restore to the state before
 * the first). With a scalable target, min = max = n (n = 0 is MaxCapacity 0,
 * which is what stops a service). No action at all when already there. */
void scale_decide_to(const ScaleState *cur, const char *record, long n, ScaleActions *act);

/* `--restore` from cur given the record (NULL: nothing recorded, no
 * action). Only the calls whose values differ are made; the tag is removed
 * last. A recorded min/max is restored only when a target is still
 * registered. Returns 0, or -1 when the record is unreadable. */
int scale_decide_restore(const ScaleState *cur, const char *record, ScaleActions *act);

/* 1 when act calls for no mutation. */
int scale_actions_empty(const ScaleActions *act);

/* Runs the scaling; returns the process exit code (0 ok, 1 failed). */
int scale_run(Exec *ex, const Plan *plan, const ScaleRequest *req);

#endif
