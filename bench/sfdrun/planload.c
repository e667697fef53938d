/* planload.c — times plan_load alone (bench/sfdrun/planload.sh, tier 44):
 * loads the plan file given REPEAT times (default 1) and prints the best
 * wall and CPU time in ms and the peak RSS in KB:
 * "wall_ms=12.3 cpu_ms=11.0 rss_kb=45678 steps=N accounts=M". CPU time is
 * what the tier asserts on: on a shared machine wall time measures the
 * other tenants. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "plan.h"

static double now_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: planload PLAN [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 2 ? atoi(argv[2]) : 1;
    double best = 1e300, best_cpu = 1e300;
    size_t steps = 0, accounts = 0;
    for (int i = 0; i < repeat; i++) {
        char err[PLAN_ERR_MAX];
        Plan p;
        double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (plan_load(argv[1], &p, err) < 0) {
            fprintf(stderr, "planload: %s\n", err);
            return 1;
        }
        double t = now_ms(CLOCK_MONOTONIC) - t0, c = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (t < best)
            best = t;
        if (c < best_cpu)
            best_cpu = c;
        steps = p.n_steps;
        accounts = p.n_accounts;
        plan_release(&p);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("wall_ms=%.1f cpu_ms=%.1f rss_kb=%ld steps=%zu accounts=%zu\n", best, best_cpu,
           ru.ru_maxrss, steps, accounts);
    return 0;
}
