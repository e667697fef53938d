/* rt_sched.c — the scheduler: dependency order, the job limit, failure
 * stopping dependents only (transitively), unselected and already-done
 * steps. Plans are built in memory from JSON text through plan_parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "sched.h"

/* A plan whose steps are "id:dep,dep" items (run steps, no AWS). */
static void make_plan(Plan *p, const char *const *spec, size_t n)
{
    char buf[8192], err[PLAN_ERR_MAX];
    size_t o = (size_t)snprintf(buf, sizeof buf,
                                "{\"format\":\"sfdc-plan\",\"version\":1,\"source_hash\":"
                                "\"sha256:%064d\",\"platform\":\"t\",\"region\":\"eu-west-2\","
                                "\"accounts\":{\"a\":{\"id\":\"111111111111\"}},\"steps\":[",
                                0);
    for (size_t i = 0; i < n; i++) {
        char id[64], deps[256] = "";
        const char *colon = strchr(spec[i], ':');
        snprintf(id, sizeof id, "%.*s", (int)(colon ? colon - spec[i] : (long)strlen(spec[i])),
                 spec[i]);
        if (colon) {
            size_t d = 0;
            for (const char *q = colon + 1; *q;) {
                size_t k = strcspn(q, ",");
                d += (size_t)snprintf(deps + d, sizeof deps - d, "%s\"%.*s\"", d ? "," : "",
                                      (int)k, q);
                q += k + (q[k] == ',');
            }
        }
        o += (size_t)snprintf(buf + o, sizeof buf - o,
                              "%s{\"id\":\"%s\",\"phase\":\"deploy\",\"account\":\"a\","
                              "\"after\":[%s],\"run\":{\"argv\":[\"terraform\"]}}",
                              i ? "," : "", id, deps);
    }
    snprintf(buf + o, sizeof buf - o, "]}");
    if (plan_parse(buf, strlen(buf), ".", p, err) != 0)
        fail_msg("%s", err);
}

static long idx(const Plan *p, const char *id)
{
    return plan_find_step(p, id);
}

static void order_and_limit(void **state)
{
    (void)state;
    const char *spec[] = { "a", "b", "c:a,b", "d:c", "e" };
    Plan p;
    Sched s;
    unsigned char init[5];
    make_plan(&p, spec, 5);
    memset(init, SCHED_INIT_RUN, sizeof init);
    assert_int_equal(sched_init(&s, &p, init, 2), 0);
    long x = sched_next(&s), y = sched_next(&s);
    assert_int_equal(x, idx(&p, "a"));
    assert_int_equal(y, idx(&p, "b"));
    assert_int_equal(sched_next(&s), -1); /* job limit 2 */
    sched_done(&s, (size_t)x, 1, NULL);
    assert_int_equal(sched_next(&s), idx(&p, "e")); /* c still waits for b */
    assert_int_equal(sched_next(&s), -1);
    sched_done(&s, (size_t)y, 1, NULL);
    assert_int_equal(sched_next(&s), idx(&p, "c"));
    sched_done(&s, (size_t)idx(&p, "e"), 1, NULL);
    sched_done(&s, (size_t)idx(&p, "c"), 1, NULL);
    assert_false(sched_finished(&s));
    assert_int_equal(sched_next(&s), idx(&p, "d"));
    sched_done(&s, (size_t)idx(&p, "d"), 1, NULL);
    assert_true(sched_finished(&s));
    assert_int_equal(sched_next(&s), -1);
    sched_release(&s);
    plan_release(&p);
}

static void failure_blocks_dependents_only(void **state)
{
    (void)state;
    const char *spec[] = { "root", "mid:root", "leaf:mid", "other", "join:leaf,other", "free:other" };
    Plan p;
    Sched s;
    unsigned char init[6];
    size_t blocked[6];
    make_plan(&p, spec, 6);
    memset(init, SCHED_INIT_RUN, sizeof init);
    assert_int_equal(sched_init(&s, &p, init, 8), 0);
    assert_int_equal(sched_next(&s), idx(&p, "root"));
    assert_int_equal(sched_next(&s), idx(&p, "other"));
    size_t nb = sched_done(&s, (size_t)idx(&p, "root"), 0, blocked);
    assert_int_equal(nb, 3); /* mid, leaf, join: transitively */
    assert_int_equal(s.state[idx(&p, "mid")], SCHED_BLOCKED);
    assert_int_equal(s.state[idx(&p, "leaf")], SCHED_BLOCKED);
    assert_int_equal(s.state[idx(&p, "join")], SCHED_BLOCKED);
    sched_done(&s, (size_t)idx(&p, "other"), 1, NULL);
    assert_int_equal(sched_next(&s), idx(&p, "free")); /* independent work goes on */
    assert_int_equal(sched_next(&s), -1);
    sched_done(&s, (size_t)idx(&p, "free"), 1, NULL);
    assert_true(sched_finished(&s));
    sched_release(&s);
    plan_release(&p);
}

static void selection_and_journal(void **state)
{
    (void)state;
    const char *spec[] = { "a", "b:a", "c:b" };
    Plan p;
    Sched s;
    make_plan(&p, spec, 3);
    /* a done in an earlier run, b not selected: c runs at once */
    unsigned char init[3] = { SCHED_INIT_DONE, SCHED_INIT_SKIP, SCHED_INIT_RUN };
    assert_int_equal(sched_init(&s, &p, init, 1), 0);
    assert_int_equal(sched_next(&s), 2);
    assert_int_equal(sched_next(&s), -1);
    sched_done(&s, 2, 1, NULL);
    assert_true(sched_finished(&s));
    sched_release(&s);
    /* nothing selected: finished at once */
    memset(init, SCHED_INIT_SKIP, sizeof init);
    assert_int_equal(sched_init(&s, &p, init, 4), 0);
    assert_true(sched_finished(&s));
    assert_int_equal(sched_next(&s), -1);
    sched_release(&s);
    plan_release(&p);
}

static void wide_plan(void **state)
{
    (void)state;
    /* 40 independent steps with jobs 3: never more than 3 out, all done */
    char ids[40][8];
    const char *spec[40];
    for (int i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "s%d", i);
        spec[i] = ids[i];
    }
    Plan p;
    Sched s;
    unsigned char init[40];
    make_plan(&p, spec, 40);
    memset(init, SCHED_INIT_RUN, sizeof init);
    assert_int_equal(sched_init(&s, &p, init, 3), 0);
    size_t done = 0;
    long out[3];
    while (!sched_finished(&s)) {
        int k = 0;
        long i;
        while ((i = sched_next(&s)) >= 0)
            out[k++] = i;
        assert_true(k >= 1 && k <= 3);
        for (int j = 0; j < k; j++, done++)
            sched_done(&s, (size_t)out[j], 1, NULL);
    }
    assert_int_equal(done, 40);
    sched_release(&s);
    plan_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_limit),
        cmocka_unit_test(failure_blocks_dependents_only),
        cmocka_unit_test(selection_and_journal),
        cmocka_unit_test(wide_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
