/* sched.h — the DAG scheduler: which step may start next. Pure bookkeeping
 * (no I/O, no clock): the executor asks for ready steps up to the job
 * limit and reports each outcome; a failure marks the failed step's
 * transitive dependents BLOCKED and leaves independent steps alone. */
#ifndef SFDRUN_SCHED_H
#define SFDRUN_SCHED_H

#include <stddef.h>

#include "plan.h"

typedef enum SchedState {
    SCHED_IGNORED, /* not selected: neither run nor waited for */
    SCHED_WAITING, /* selected, some `after` step not finished yet */
    SCHED_READY,   /* in the ready queue */
    SCHED_RUNNING, /* handed out by sched_next */
    SCHED_OK,      /* succeeded (now or in an earlier run) */
    SCHED_FAILED,  /* failed */
    SCHED_BLOCKED, /* a step it depends on failed or was blocked */
} SchedState;

/* What the caller knows about a step before the run. */
typedef enum SchedInit {
    SCHED_INIT_SKIP, /* not selected */
    SCHED_INIT_RUN,  /* selected */
    SCHED_INIT_DONE, /* selected but already done (journal) */
} SchedInit;

typedef struct Sched {
    size_t n;              /* number of steps */
    unsigned char *state;  /* SchedState per step */
    size_t *pending;       /* per step: selected `after` steps not yet OK */
    size_t **dependents;   /* per step: steps that wait for it */
    size_t *n_dependents;  /* lengths of dependents[i] */
    size_t *queue;         /* ready queue (ring of n slots) */
    size_t *work;          /* scratch stack of n slots for failure propagation */
    size_t q_head;         /* index of the first ready step in queue */
    size_t q_len;          /* number of ready steps */
    size_t jobs;           /* most steps running at once */
    size_t running;        /* steps handed out and not finished */
    size_t unfinished;     /* selected steps not yet OK/FAILED/BLOCKED */
} Sched;

/* Builds the graph from the plan's `after` edges. init[i] says what to do
 * with step i. jobs >= 1. Returns -1 on OOM. */
int sched_init(Sched *s, const Plan *p, const unsigned char *init, size_t jobs);
void sched_release(Sched *s);

/* The next step to start (marked RUNNING), or -1 when none is ready or the
 * job limit is reached. Ready steps come out in plan order of readiness. */
long sched_next(Sched *s);
/* Reports a RUNNING step's outcome. On failure, every selected transitive
 * dependent becomes BLOCKED; blocked[] (if non-NULL, room for n) receives
 * their indexes and the return value is how many. */
size_t sched_done(Sched *s, size_t step, int ok, size_t *blocked);
/* 1 when every selected step has finished. */
int sched_finished(const Sched *s);

#endif
