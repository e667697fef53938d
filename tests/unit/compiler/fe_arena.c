/* fe_arena.c — units for the compiler's arena and checked allocators:
 * alignment, zeroing, allocations larger than a chunk, release and reuse,
 * arena_printf/strndup, and the out-of-memory path (exit 70), which is
 * proved in forked children through the arena_fail_after hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "diag.h"
#include "intern.h"
#include "parse.h"

static void test_alignment(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    for (size_t n = 0; n < 200; n++) {
        char *p = arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    arena_release(&a);
}

static void test_zeroed(void **state)
{
    (void)state;
    /* Dirty the heap first so a fresh chunk is likely to reuse it. */
    for (int round = 0; round < 3; round++) {
        Arena a;
        arena_init(&a);
        for (int i = 0; i < 64; i++) {
            unsigned char *p = arena_alloc(&a, 4000);
            for (int k = 0; k < 4000; k++)
                assert_int_equal(p[k], 0);
            memset(p, 0xAB, 4000);
        }
        arena_release(&a);
    }
}

/* Consecutive allocations never overlap. */
static void test_distinct(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    char *prev = arena_alloc(&a, 24);
    memset(prev, 1, 24);
    for (int i = 0; i < 100000; i++) {
        char *p = arena_alloc(&a, 24);
        assert_true(p >= prev + 24 || p + 24 <= prev);
        memset(p, 2, 24);
        assert_int_equal(prev[23], i == 0 ? 1 : 2);
        prev = p;
    }
    arena_release(&a);
}

static void test_big(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    char *small = arena_alloc(&a, 10);
    size_t big = (size_t)5 << 20;   /* larger than a chunk */
    unsigned char *p = arena_alloc(&a, big);
    assert_int_equal((uintptr_t)p % 16, 0);
    for (size_t i = 0; i < big; i += 4096)
        assert_int_equal(p[i], 0);
    assert_int_equal(p[big - 1], 0);
    memset(p, 0x5A, big);
    assert_true(a.total >= big);
    /* Later small allocations still work and do not overlap the big one. */
    char *q = arena_alloc(&a, 100);
    assert_true((unsigned char *)q + 100 <= p || (unsigned char *)q >= p + big);
    memset(q, 1, 100);
    memset(small, 1, 10);
    arena_release(&a);
}

static void test_release_reuse(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    arena_alloc(&a, 100);
    arena_alloc(&a, 3 << 20);
    assert_non_null(a.head);
    assert_true(a.total > 0);
    arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    /* Released arenas are empty ones: usable again, and releasing twice is fine. */
    char *p = arena_alloc(&a, 8);
    assert_non_null(p);
    arena_release(&a);
    arena_release(&a);
}

static void test_strings(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    char *s = arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(arena_strdup(&a, ""), "");
    assert_string_equal(arena_printf(&a, "%s-%d-%05.1f", "la", 42, 2.5), "la-42-002.5");
    assert_string_equal(arena_printf(&a, "%s", ""), "");
    /* A formatted string larger than a chunk. */
    char *big = arena_printf(&a, "%*s|", 3 << 20, "x");
    assert_int_equal(strlen(big), (3u << 20) + 1);
    assert_int_equal(big[(3 << 20) - 1], 'x');
    assert_int_equal(big[3 << 20], '|');
    arena_release(&a);
}

static void test_x_allocators(void **state)
{
    (void)state;
    char *p = xmalloc(0);
    assert_non_null(p);
    free(p);
    int *z = xcalloc(100, sizeof *z);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    z = xrealloc(z, 1000 * sizeof *z);
    z[999] = 7;
    free(z);
    char *d = xstrdup("eu-west-2");
    assert_string_equal(d, "eu-west-2");
    free(d);
}

/* Runs fn in a child with stderr silenced; returns its exit status, or
 * 128 + signal if it died. */
static int in_child(void (*fn)(long), long arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stderr);
        (void)devnull;
        fn(arg);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

static void oom_xmalloc(long n)
{
    arena_fail_after(n);
    for (int i = 0; i < 10; i++)
        free(xmalloc(16));
}

static void oom_arena(long n)
{
    Arena a;
    arena_init(&a);
    arena_fail_after(n);
    for (int i = 0; i < 4; i++)
        arena_alloc(&a, 2 << 20);
    arena_release(&a);
}

static void oom_calloc_overflow(long n)
{
    (void)n;
    free(xcalloc(SIZE_MAX / 2, 4));
}

static void oom_realloc(long n)
{
    char *p = xmalloc(8);
    arena_fail_after(n);
    p = xrealloc(p, 1 << 16);
    free(p);
}

static void test_oom_exits_70(void **state)
{
    (void)state;
    assert_int_equal(in_child(oom_xmalloc, 1), 70);
    assert_int_equal(in_child(oom_xmalloc, 5), 70);
    assert_int_equal(in_child(oom_xmalloc, 11), 0);    /* beyond the 10 allocations */
    assert_int_equal(in_child(oom_xmalloc, 0), 0);     /* 0 disables the hook */
    assert_int_equal(in_child(oom_arena, 1), 70);
    assert_int_equal(in_child(oom_arena, 3), 70);
    assert_int_equal(in_child(oom_calloc_overflow, 0), 70);
    assert_int_equal(in_child(oom_realloc, 1), 70);
}

static const char parse_input[] =
    "/// doc\n"
    "platform sfdata { region = eu-west-2 }\n"
    "template la(code: name) { account \"la-${code}\" { cpu = 0.25 vcpu  tags = [1, 2] } }\n"
    "use la(camden)\n"
    "bad = = 1\n";

static void parse_once(long n)
{
    DiagEngine d;
    diag_init(&d);
    Arena a;
    arena_init(&a);
    Interner in;
    intern_init(&in, &a);
    Source *s = src_from_memory("oom.sfd", parse_input, sizeof parse_input - 1);
    arena_fail_after(n);
    parse_file(s, &a, &in, &d);
    FILE *null = fopen("/dev/null", "w");
    diag_flush(&d, null);
    fclose(null);
    arena_fail_after(0);
    intern_release(&in);
    arena_release(&a);
    diag_release(&d);
    src_free(s);
}

/* Failing each allocation of a whole parse in turn: every run either
 * completes or exits 70 — never a crash. */
static void test_oom_during_parse(void **state)
{
    (void)state;
    int exits70 = 0, n;
    for (n = 1; n <= 200; n++) {
        int rc = in_child(parse_once, n);
        assert_true(rc == 0 || rc == 70);
        if (rc == 0)
            break;
        exits70++;
    }
    assert_true(exits70 >= 3);   /* the hook did reach the parse */
    assert_true(n <= 200);       /* and some N lets it finish */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_zeroed),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_release_reuse),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_x_allocators),
        cmocka_unit_test(test_oom_exits_70),
        cmocka_unit_test(test_oom_during_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
