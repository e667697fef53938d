/* rt_plandeep.c — deep and big plans: every graph walk is iterative and the
 * size limits of runtime/PLAN.md are enforced with an error naming them.
 * Generated plans: a valid 100,000-step chain listed last-first (loads),
 * a 100,000-step cycle (refused at load, the cycle named), a 1,000,000-step
 * chain whose first step fails (every dependent blocked, no stack
 * overflow), and one plan per limit. Run it under ASan too (make asan). */
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

/* A growable text buffer for generated plans. */
typedef struct Text {
    char *s;    /* the text (malloc'd) */
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
} Text;

static void put(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (t->s && t->len + (size_t)k < t->cap) {
            t->len += (size_t)k;
            return;
        }
        t->cap = t->cap ? t->cap * 2 : 1 << 16;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
}

static void header(Text *t)
{
    put(t, "{\"format\":\"sfdc-plan\",\"version\":1,\"source_hash\":\"sha256:%064d\","
        "\"platform\":\"p\",\"region\":\"eu-west-2\","
        "\"accounts\":{\"core\":{\"id\":\"111111111111\"}},\"steps\":[", 0);
}

/* One run step s<i>, after s<after> when after >= 0. */
static void step(Text *t, long i, long after, int comma)
{
    put(t, "%s{\"id\":\"s%ld\",\"phase\":\"deploy\",\"account\":\"core\",", comma ? "," : "", i);
    if (after >= 0)
        put(t, "\"after\":[\"s%ld\"],", after);
    put(t, "\"run\":{\"argv\":[\"terraform\",\"apply\"]}}");
}

static int parse(const Text *t, Plan *p, char *err)
{
    return plan_parse(t->s, t->len, ".", p, err);
}

enum { DEEP = 100000 };

/* s0 <- s1 <- ... <- s99999, listed from s99999 down to s0: the cycle
 * search starts at the end of the chain and walks it all. */
static void chain_last_first_loads(void **state)
{
    (void)state;
    Text t = { 0 };
    header(&t);
    for (long i = DEEP - 1; i >= 0; i--)
        step(&t, i, i > 0 ? i - 1 : -1, i != DEEP - 1);
    put(&t, "]}");
    Plan p;
    char err[PLAN_ERR_MAX];
    if (parse(&t, &p, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(p.n_steps, DEEP);
    assert_int_equal(p.steps[0].after[0], 1); /* s99999 after s99998 */
    plan_release(&p);
    free(t.s);
}

/* s_i after s_(i+1), and the last after s0. */
static void long_cycle_refused(void **state)
{
    (void)state;
    Text t = { 0 };
    header(&t);
    for (long i = 0; i < DEEP; i++)
        step(&t, i, (i + 1) % DEEP, i != 0);
    put(&t, "]}");
    Plan p;
    char err[PLAN_ERR_MAX];
    assert_int_equal(parse(&t, &p, err), -1);
    if (!strstr(err, "steps: dependency cycle: \"s0\" after \"s1\" after \"s2\""))
        fail_msg("%s", err);
    free(t.s);
}

/* A short cycle keeps its exact message (the walk visits in plan order). */
static void short_cycle_named(void **state)
{
    (void)state;
    Text t = { 0 };
    header(&t);
    step(&t, 0, -1, 0);
    step(&t, 1, 2, 1);
    step(&t, 2, 3, 1);
    step(&t, 3, 1, 1);
    put(&t, "]}");
    Plan p;
    char err[PLAN_ERR_MAX];
    assert_int_equal(parse(&t, &p, err), -1);
    assert_string_equal(err, "steps: dependency cycle: \"s1\" after \"s2\" after \"s3\" "
                             "after \"s1\"");
    free(t.s);
}

/* The scheduler over a million-step chain built in memory: the first step
 * fails, every other one is blocked, the run is finished. */
static void million_chain_first_fails(void **state)
{
    (void)state;
    enum { N = 1000000 };
    Plan p;
    memset(&p, 0, sizeof p);
    p.n_steps = N;
    p.steps = calloc(N, sizeof *p.steps);
    size_t *edges = calloc(N, sizeof *edges);
    unsigned char *init = malloc(N);
    size_t *blocked = calloc(N, sizeof *blocked);
    assert_true(p.steps && edges && init && blocked);
    for (size_t i = 1; i < N; i++) {
        edges[i] = i - 1;
        p.steps[i].after = &edges[i];
        p.steps[i].n_after = 1;
    }
    memset(init, SCHED_INIT_RUN, N);
    Sched s;
    assert_int_equal(sched_init(&s, &p, init, 8), 0);
    assert_int_equal(sched_next(&s), 0);
    assert_int_equal(sched_next(&s), -1);
    assert_int_equal(sched_done(&s, 0, 0, blocked), N - 1);
    assert_int_equal(blocked[0], 1);
    assert_int_equal(blocked[N - 2], N - 1);
    assert_int_equal(s.state[N - 1], SCHED_BLOCKED);
    assert_true(sched_finished(&s));
    sched_release(&s);
    free(p.steps);
    free(edges);
    free(init);
    free(blocked);
}

/* A plan whose one step has `after` n entries naming distinct steps. */
static void wide_after(Text *t, long n)
{
    header(t);
    for (long i = 0; i < n; i++)
        step(t, i, -1, i != 0);
    put(t, ",{\"id\":\"wide\",\"phase\":\"deploy\",\"account\":\"core\",\"after\":[");
    for (long i = 0; i < n; i++)
        put(t, "%s\"s%ld\"", i ? "," : "", i);
    put(t, "],\"run\":{\"argv\":[\"terraform\"]}}]}");
}

/* PLAN_MAX_AFTER distinct entries load (duplicates are found in linear
 * time); one more is refused naming the limit. */
static void after_limit(void **state)
{
    (void)state;
    Plan p;
    char err[PLAN_ERR_MAX];
    Text t = { 0 };
    wide_after(&t, PLAN_MAX_AFTER);
    if (parse(&t, &p, err) != 0)
        fail_msg("%s", err);
    assert_int_equal(p.steps[PLAN_MAX_AFTER].n_after, PLAN_MAX_AFTER);
    plan_release(&p);
    t.len = 0;
    wide_after(&t, PLAN_MAX_AFTER + 1);
    assert_int_equal(parse(&t, &p, err), -1);
    assert_non_null(strstr(err, "`after` lists 100001 steps, more than the limit of 100000"));
    free(t.s);
}

/* Nesting and string sizes: refused with the limit named. */
static void document_limits(void **state)
{
    (void)state;
    Plan p;
    char err[PLAN_ERR_MAX];
    Text t = { 0 };
    header(&t);
    put(&t, "{\"id\":\"a\",\"phase\":\"deploy\",\"account\":\"core\",\"call\":{\"service\":\"s3\","
        "\"operation\":\"PutBucketPolicy\",\"args\":{\"x\":");
    for (int i = 0; i < PLAN_MAX_DEPTH; i++)
        put(&t, "[");
    for (int i = 0; i < PLAN_MAX_DEPTH; i++)
        put(&t, "]");
    put(&t, "}},\"check\":{\"operation\":\"GetBucketPolicy\",\"expect\":[]}}]}");
    assert_int_equal(parse(&t, &p, err), -1);
    assert_non_null(strstr(err, "nested deeper than the limit of 64 levels"));

    t.len = 0;
    header(&t);
    put(&t, "{\"id\":\"a\",\"phase\":\"deploy\",\"account\":\"core\",\"title\":\"");
    for (int i = 0; i <= PLAN_MAX_STRING; i++)
        put(&t, "x");
    put(&t, "\",\"run\":{\"argv\":[\"terraform\"]}}]}");
    assert_int_equal(parse(&t, &p, err), -1);
    assert_non_null(strstr(err, "a string of 262145 bytes, more than the limit of 262144"));
    free(t.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_last_first_loads),
        cmocka_unit_test(long_cycle_refused),
        cmocka_unit_test(short_cycle_named),
        cmocka_unit_test(million_chain_first_fails),
        cmocka_unit_test(after_limit),
        cmocka_unit_test(document_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
