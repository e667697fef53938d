/* ck_budget.c — units for the evaluation budgets (budget.c, eval.c) and
 * the checked size arithmetic of string building (value.c): counts
 * saturate instead of wrapping, a size sum that would overflow is refused
 * (never a short or empty string), budget flags parse strictly, and a
 * program over a budget gets one E0314 and stops expanding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eval.h"
#include "rules.h"

static char stdlib_dir[4096];

static void test_add_saturates(void **state)
{
    (void)state;
    assert_true(budget_add(1, 2) == 3);
    assert_true(budget_add(UINT64_MAX - 1, 1) == UINT64_MAX);
    assert_true(budget_add(UINT64_MAX - 1, 5) == UINT64_MAX);
    assert_true(budget_add(UINT64_MAX, UINT64_MAX) == UINT64_MAX);
}

static int opt(Budget *b, const char *a, const char *next)
{
    static char prog[] = "sfdc";
    char *argv[] = {prog, (char *)a, (char *)next, NULL};
    int i = 1;
    return budget_option(b, next ? 3 : 2, argv, &i);
}

static void test_flags(void **state)
{
    (void)state;
    Budget b;
    budget_init(&b);
    assert_true(b.limit[BUDGET_STEPS] >= 4500000);   /* room for 100,000 accounts */
    assert_int_equal(opt(&b, "--max-steps=5", NULL), 1);
    assert_true(b.limit[BUDGET_STEPS] == 5);
    assert_int_equal(opt(&b, "--max-uses", "7"), 1);
    assert_true(b.limit[BUDGET_USES] == 7);
    assert_int_equal(opt(&b, "--max-string-total=18446744073709551615", NULL), 1);
    assert_true(b.limit[BUDGET_STRING_TOTAL] == UINT64_MAX);
    assert_int_equal(opt(&b, "--max-steps-x=5", NULL), 0);   /* not a budget flag */
    assert_int_equal(opt(&b, "--stdlib=x", NULL), 0);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    assert_int_equal(opt(&b, "--max-steps=0", NULL), -1);
    assert_int_equal(opt(&b, "--max-steps=-1", NULL), -1);
    assert_int_equal(opt(&b, "--max-steps=12ab", NULL), -1);
    assert_int_equal(opt(&b, "--max-steps=18446744073709551616", NULL), -1);   /* 2^64 */
    assert_int_equal(opt(&b, "--max-files", NULL), -1);
    assert_int_equal(opt(&b, "--max-string=268435456", NULL), 1);   /* 256 MiB: the most */
    assert_int_equal(opt(&b, "--max-string=268435457", NULL), -1);
    fclose(stderr);
    stderr = saved;
}

static void test_join_sizes(void **state)
{
    (void)state;
    size_t total = 0;
    size_t ok[] = {3, 0, 4};
    assert_true(value_join_size(ok, 3, &total));
    assert_true(total == 7);
    size_t big[] = {SIZE_MAX / 2, SIZE_MAX / 2, 2};
    assert_false(value_join_size(big, 3, &total));
    size_t edge[] = {SIZE_MAX - 1, 1};   /* no room for the NUL */
    assert_false(value_join_size(edge, 2, &total));
    Arena a;
    arena_init(&a);
    const char *parts[] = {"ab", "", "cde"};
    size_t lens[] = {2, 0, 3};
    char *s = value_join(&a, parts, lens, 3, 5);
    assert_string_equal(s, "abcde");
    arena_release(&a);
}

/* Checks text (beside the standard library) with budget b; returns how
 * many diagnostics of code it got, and the number of accounts in *accounts. */
static unsigned check(const char *text, const Budget *b, const char *code, int *accounts)
{
    DiagEngine d;
    diag_init(&d);
    Program pg;
    load_init(&pg, &d, stdlib_dir);
    pg.budget = *b;
    load_program(&pg, NULL, 0);
    load_memory(&pg, "/nonexistent-ck-budget/main.sfd", text, strlen(text));
    Schemas s;
    Model m;
    schema_init(&s, &pg.arena, &pg.in);
    model_init(&m, &pg, &s);
    Eval *e = eval_new(&pg, &s, &m);
    eval_run(e);
    rules_run(&m, &d);
    eval_finish(e);
    unsigned n = 0;
    for (unsigned i = 0; i < d.n; i++)
        n += strcmp(d.items[i]->code, code) == 0;
    *accounts = model_kind(&m, "account")->n;
    eval_free(e);
    model_release(&m);
    schema_release(&s);
    load_release(&pg);
    diag_release(&d);
    return n;
}

static void test_program_over_budget(void **state)
{
    (void)state;
    static const char text[] =
        "platform p {}\n"
        "template la(i: int) { account \"la-${i}\" { kind = la  id = \"222222222222\" } }\n"
        "for i in 1..10 { use la(i) }\n";
    Budget b;
    budget_init(&b);
    int n;
    /* within: ten accounts (duplicate ids are another check's business) */
    assert_int_equal(check(text, &b, "E0314", &n), 0);
    assert_int_equal(n, 10);
    /* four uses allowed: one E0314, expansion stops after four accounts */
    b.limit[BUDGET_USES] = 4;
    assert_int_equal(check(text, &b, "E0314", &n), 1);
    assert_int_equal(n, 4);
    /* the `for` is counted whole, before it runs: no account at all */
    budget_init(&b);
    b.limit[BUDGET_ITERATIONS] = 9;
    assert_int_equal(check(text, &b, "E0314", &n), 1);
    assert_int_equal(n, 0);
    /* a label longer than the largest string */
    budget_init(&b);
    b.limit[BUDGET_STRING] = 3;
    assert_int_equal(check(text, &b, "E0314", &n), 1);
    /* and an exponential template, at the defaults, ends */
    budget_init(&b);
    assert_int_equal(check("platform p {}\ntemplate t() { use t() use t() }\nuse t()\n", &b, "E0314", &n),
                     1);
}

int main(void)
{
    const char *root = getenv("SFDC_ROOT");
    snprintf(stdlib_dir, sizeof stdlib_dir, "%s/stdlib", root && *root ? root : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_saturates),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_join_sizes),
        cmocka_unit_test(test_program_over_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
