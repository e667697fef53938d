/* fe_table.c — units for the pointer-keyed hash map (table.c) and the
 * string interner (intern.c): identity, replacement, growth far past the
 * initial sizes, and names that share prefixes or hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intern.h"
#include "table.h"

static void test_table_basic(void **state)
{
    (void)state;
    Table t;
    table_init(&t);
    int k1, k2, v1, v2;
    assert_null(table_get(&t, &k1));          /* empty, never allocated */
    assert_null(table_put(&t, &k1, &v1));
    assert_ptr_equal(table_get(&t, &k1), &v1);
    assert_null(table_get(&t, &k2));
    assert_ptr_equal(table_put(&t, &k1, &v2), &v1);   /* replace returns the old value */
    assert_ptr_equal(table_get(&t, &k1), &v2);
    assert_int_equal(t.count, 1);
    table_release(&t);
    assert_null(table_get(&t, &k1));
    table_release(&t);
}

static void test_table_growth(void **state)
{
    (void)state;
    enum { N = 50000 };
    char *keys = malloc(N);
    Table t;
    table_init(&t);
    for (size_t i = 0; i < N; i++)
        table_put(&t, keys + i, (void *)(i + 1));
    assert_int_equal(t.count, N);
    assert_true(t.cap >= 2 * N);   /* at most half full */
    for (size_t i = 0; i < N; i++)
        assert_ptr_equal(table_get(&t, keys + i), (void *)(i + 1));
    int other;
    assert_null(table_get(&t, &other));
    table_release(&t);
    free(keys);
}

static void test_intern_identity(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    Interner in;
    intern_init(&in, &a);
    char buf[] = "eu-west-2";
    const char *x = intern_cstr(&in, "eu-west-2");
    const char *y = intern(&in, buf, strlen(buf));
    assert_ptr_equal(x, y);
    assert_ptr_not_equal(x, buf);
    assert_string_equal(x, "eu-west-2");
    /* Prefixes and extensions are different names. */
    const char *p = intern(&in, "eu-west-2x", 7);
    assert_string_equal(p, "eu-west");
    assert_ptr_not_equal(p, x);
    assert_ptr_equal(intern_cstr(&in, "eu-west"), p);
    assert_ptr_not_equal(intern_cstr(&in, "eu-west-20"), x);
    const char *e = intern(&in, "", 0);
    assert_string_equal(e, "");
    assert_ptr_equal(intern(&in, "abc", 0), e);
    intern_release(&in);
    arena_release(&a);
}

static void test_intern_growth(void **state)
{
    (void)state;
    enum { N = 20000 };
    Arena a;
    arena_init(&a);
    Interner in;
    intern_init(&in, &a);
    const char **first = malloc(N * sizeof *first);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "la-%d", i);
        first[i] = intern_cstr(&in, name);
    }
    assert_int_equal(in.count, N);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "la-%d", i);
        assert_ptr_equal(intern_cstr(&in, name), first[i]);   /* survives rehashing */
        assert_string_equal(first[i], name);
    }
    assert_int_equal(in.count, N);
    free(first);
    intern_release(&in);
    arena_release(&a);
}

static void test_intern_hash(void **state)
{
    (void)state;
    /* FNV-1a 32-bit reference values. */
    assert_int_equal(intern_hash("", 0), 0x811c9dc5u);
    assert_int_equal(intern_hash("a", 1), 0xe40c292cu);
    assert_int_equal(intern_hash("foobar", 6), 0xbf9cf968u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_basic),
        cmocka_unit_test(test_table_growth),
        cmocka_unit_test(test_intern_identity),
        cmocka_unit_test(test_intern_growth),
        cmocka_unit_test(test_intern_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
