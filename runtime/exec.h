/* exec.h — the executor: runs a plan's selected steps to completion.
 * One event loop drives everything: libcurl transfers (http.c), retry
 * timers, deploy processes and the scheduler (sched.c). Each call step is a
 * state machine: check (read) -> if the post-condition holds, done;
 * else mutate -> verify (read back until it holds). "Already exists"
 * errors count only after the read-back matches. Credentials: the base
 * chain (aws_creds_chain_resolve, with its role_arn hops), then one cached
 * STS AssumeRole session per account (renewed near expiry, the chain's
 * own session first); an account without a role is checked with
 * sts:GetCallerIdentity. Deploy runs get their account's session in the
 * environment and nothing else, die with sfdrun where the OS allows, and
 * hold a per-step run lock for their whole life. Every outcome is
 * journaled before the scheduler moves on. */
#ifndef SFDRUN_EXEC_H
#define SFDRUN_EXEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "journal.h"
#include "plan.h"

typedef enum StepOutcome {
    OUT_NONE,         /* not selected / not reached */
    OUT_UNCHANGED,    /* post-condition already held: no mutating call */
    OUT_CHANGED,      /* mutated and verified (or run exited 0) */
    OUT_EXISTS,       /* "already exists" and the read-back matched */
    OUT_DONE_EARLIER, /* recorded done in the journal: not looked at */
    OUT_WOULD_CHANGE, /* dry run: the post-condition does not hold */
    OUT_FAILED,       /* failed (error says why) */
    OUT_BLOCKED,      /* not run: a step it depends on failed */
    OUT_COUNT
} StepOutcome;

typedef struct ExecOptions {
    size_t jobs;            /* steps in progress at once (>= 1) */
    int dry_run;            /* reads only, no journal, no runs */
    long http_timeout_ms;   /* per-attempt HTTP timeout */
    const char *profile;    /* credentials profile or NULL */
    const char *run_logs;   /* directory for deploy runs' output */
    AwsGetenv *env;         /* environment (NULL: getenv) */
    int verbose;            /* log every HTTP transfer */
    unsigned long long seed;/* jitter seed (0: from the clock) */
} ExecOptions;

/* What happened to every step. */
typedef struct ExecReport {
    StepOutcome *outcome;   /* per plan step */
    char **error;           /* per plan step: failure text (owned) or NULL */
    long *blocked_by;       /* per plan step: failed step that blocked it, or -1 */
    size_t counts[OUT_COUNT]; /* steps per outcome */
    size_t http_requests;   /* HTTP transfers made */
    size_t mutating_calls;  /* mutating API calls sent */
    int interrupted;        /* a signal stopped the run early */
} ExecReport;

typedef struct Exec Exec;

/* NULL with err (AWS_ERR_MAX) on failure. plan and model must outlive it. */
Exec *exec_new(const Plan *plan, const AwsModel *model, const ExecOptions *opt, char *err);
void exec_free(Exec *ex);

/* Runs the steps with selected[i] != 0 (steps the journal records done are
 * skipped). journal may be NULL (dry run). Fills rep (release with
 * exec_report_release). Returns 0, or -1 on an internal error (err). */
int exec_apply(Exec *ex, const unsigned char *selected, Journal *journal, ExecReport *rep,
               char *err);
void exec_report_release(ExecReport *rep, size_t n_steps);

/* One API call in an account, synchronously (for `sfdrun scale`), with the
 * same sessions, retries and signing. Returns 0 and *result (caller
 * deletes), or 1 and fills *error (caller releases) for an AWS or
 * transport error, or -1 with err for an internal error. mutating counts
 * the call in the report totals. */
int exec_call(Exec *ex, size_t account, const char *region, const char *service,
              const char *op, const cJSON *args, cJSON **result, AwsError *error, char *err);

const char *exec_outcome_name(StepOutcome o);

/* Set by SIGINT/SIGTERM handlers (main.c installs them): stop starting
 * steps, let running ones finish. */
void exec_interrupt(void);

#endif
