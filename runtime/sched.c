/* sched.c — ready queue and failure propagation over the step DAG. */
#include "sched.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

static void push_ready(Sched *s, size_t i)
{
    s->queue[(s->q_head + s->q_len) % s->n] = i;
    s->q_len++;
    s->state[i] = SCHED_READY;
}

int sched_init(Sched *s, const Plan *p, const unsigned char *init, size_t jobs)
{
    memset(s, 0, sizeof *s);
    s->n = p->n_steps;
    s->jobs = jobs ? jobs : 1;
    if (s->n == 0)
        return 0;
    s->state = calloc(s->n, 1);
    s->pending = calloc(s->n, sizeof *s->pending);
    s->dependents = calloc(s->n, sizeof *s->dependents);
    s->n_dependents = calloc(s->n, sizeof *s->n_dependents);
    s->queue = calloc(s->n, sizeof *s->queue);
    s->work = calloc(s->n, sizeof *s->work);
    if (!s->state || !s->pending || !s->dependents || !s->n_dependents || !s->queue ||
        !s->work)
        goto oom;
    /* count, then fill, the reverse edges */
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < p->steps[i].n_after; k++)
            s->n_dependents[p->steps[i].after[k]]++;
    for (size_t i = 0; i < s->n; i++) {
        if (s->n_dependents[i] &&
            !(s->dependents[i] = calloc(s->n_dependents[i], sizeof **s->dependents)))
            goto oom;
        s->n_dependents[i] = 0;
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < p->steps[i].n_after; k++) {
            size_t d = p->steps[i].after[k];
            s->dependents[d][s->n_dependents[d]++] = i;
        }
    for (size_t i = 0; i < s->n; i++)
        s->state[i] = init[i] == SCHED_INIT_SKIP ? SCHED_IGNORED
                      : init[i] == SCHED_INIT_DONE ? SCHED_OK : SCHED_WAITING;
    /* only selected, unfinished predecessors hold a step back */
    for (size_t i = 0; i < s->n; i++) {
        if (s->state[i] != SCHED_WAITING)
            continue;
        s->unfinished++;
        for (size_t k = 0; k < p->steps[i].n_after; k++)
            if (s->state[p->steps[i].after[k]] == SCHED_WAITING)
                s->pending[i]++;
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == SCHED_WAITING && s->pending[i] == 0)
            push_ready(s, i);
    return 0;
oom:
    sched_release(s);
    return -1;
}

void sched_release(Sched *s)
{
    if (s->dependents)
        for (size_t i = 0; i < s->n; i++)
            free(s->dependents[i]);
    free(s->dependents);
    free(s->n_dependents);
    free(s->state);
    free(s->pending);
    free(s->queue);
    free(s->work);
    memset(s, 0, sizeof *s);
}

long sched_next(Sched *s)
{
    if (s->q_len == 0 || s->running >= s->jobs)
        return -1;
    size_t i = s->queue[s->q_head];
    s->q_head = (s->q_head + 1) % s->n;
    s->q_len--;
    s->state[i] = SCHED_RUNNING;
    s->running++;
    return (long)i;
}

/* Marks every WAITING dependent of i (transitively) BLOCKED, with an
 * explicit stack (work): a failed first step of a million-step chain
 * would overflow the C stack if this recursed. Each step is pushed at most
 * once, when it turns BLOCKED, so n slots suffice. */
static size_t block_from(Sched *s, size_t i, size_t *blocked)
{
    size_t nb = 0, top = 0;
    s->work[top++] = i;
    while (top > 0) {
        size_t u = s->work[--top];
        for (size_t k = 0; k < s->n_dependents[u]; k++) {
            size_t d = s->dependents[u][k];
            if (s->state[d] != SCHED_WAITING)
                continue;
            s->state[d] = SCHED_BLOCKED;
            s->unfinished--;
            if (blocked)
                blocked[nb] = d;
            nb++;
            s->work[top++] = d;
        }
    }
    return nb;
}

size_t sched_done(Sched *s, size_t step, int ok, size_t *blocked)
{
    if (step >= s->n || s->state[step] != SCHED_RUNNING)
        return 0;
    s->running--;
    s->unfinished--;
    if (!ok) {
        s->state[step] = SCHED_FAILED;
        return block_from(s, step, blocked);
    }
    s->state[step] = SCHED_OK;
    for (size_t k = 0; k < s->n_dependents[step]; k++) {
        size_t d = s->dependents[step][k];
        if (s->state[d] == SCHED_WAITING && --s->pending[d] == 0)
            push_ready(s, d);
    }
    return 0;
}

int sched_finished(const Sched *s)
{
    return s->unfinished == 0;
}
