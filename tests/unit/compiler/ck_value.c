/* ck_value.c — units for values and units: the unit table and its
 * aliases, equality across units (1 GiB == 1024 MiB, never 1 vcpu),
 * tolerance on decimal arithmetic, and how values print (the unit as
 * written, or the largest whole unit; strings escaped; containers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "value.h"

static Value *qty(Arena *a, double n, const char *unit)
{
    const Unit *u = value_unit(unit);
    assert_non_null(u);
    return value_num(a, n * u->factor, u->dim, u->name, NULL, NULL);
}

static void test_unit_table(void **state)
{
    (void)state;
    const Unit *g = value_unit("GiB"), *v = value_unit("vcpu"), *d = value_unit("d");
    assert_int_equal(g->dim, DIM_MEM);
    assert_true(g->factor == 1024);
    assert_int_equal(v->dim, DIM_CPU);
    assert_true(v->factor == 1024);
    assert_true(value_unit("cpu")->factor == 1);
    assert_true(d->factor == 86400);
    assert_true(value_unit("ms")->factor == 0.001);
    assert_null(value_unit("GB"));
    assert_null(value_unit("gib"));
    assert_string_equal(value_unit_alias("GB"), "GiB");
    assert_string_equal(value_unit_alias("vCPU"), "vcpu");
    assert_string_equal(value_unit_alias("minutes"), "m");
    assert_null(value_unit_alias("parsec"));
    assert_string_equal(value_dim_name(DIM_TIME), "duration");
    assert_string_equal(value_dim_base(DIM_MEM), "MiB");
}

static void test_equal_across_units(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    assert_true(value_equal(qty(&a, 1, "GiB"), qty(&a, 1024, "MiB")));
    assert_true(value_equal(qty(&a, 0.25, "vcpu"), qty(&a, 256, "cpu")));
    assert_true(value_equal(qty(&a, 30, "m"), qty(&a, 0.5, "h")));
    assert_false(value_equal(qty(&a, 1, "GiB"), qty(&a, 1, "vcpu")));
    assert_false(value_equal(qty(&a, 1, "GiB"), qty(&a, 1000, "MiB")));
    /* 0.1 + 0.2 is not 0.3 in binary; numbers compare with a tolerance */
    Value *x = value_num(&a, 0.1 + 0.2, DIM_NONE, NULL, NULL, NULL);
    Value *y = value_num(&a, 0.3, DIM_NONE, NULL, NULL, NULL);
    assert_true(value_equal(x, y));
    assert_false(value_equal(value_str(&a, "a", NULL, NULL), value_str(&a, "b", NULL, NULL)));
    assert_false(value_equal(value_str(&a, "1", NULL, NULL), value_num(&a, 1, DIM_NONE, NULL, NULL, NULL)));
    arena_release(&a);
}

static void test_show_quantities(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    assert_string_equal(value_show(&a, qty(&a, 1, "GiB")), "1 GiB");
    assert_string_equal(value_show(&a, qty(&a, 1024, "MiB")), "1024 MiB");
    assert_string_equal(value_show(&a, qty(&a, 0.25, "vcpu")), "0.25 vcpu");
    assert_string_equal(value_show(&a, qty(&a, 50, "%")), "50%");
    /* no unit written (a converted 0, arithmetic): the largest whole unit */
    assert_string_equal(value_show(&a, value_num(&a, 2048, DIM_MEM, NULL, NULL, NULL)), "2 GiB");
    assert_string_equal(value_show(&a, value_num(&a, 1536, DIM_MEM, NULL, NULL, NULL)), "1536 MiB");
    assert_string_equal(value_show(&a, value_num(&a, 7200, DIM_TIME, NULL, NULL, NULL)), "2 h");
    assert_string_equal(value_show(&a, value_num(&a, 3, DIM_NONE, NULL, NULL, NULL)), "3");
    assert_string_equal(value_describe(&a, qty(&a, 1, "vcpu")), "cpu `1 vcpu`");
    arena_release(&a);
}

static void test_show_other(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    assert_string_equal(value_show(&a, value_str(&a, "a\"b\\c", NULL, NULL)), "\"a\\\"b\\\\c\"");
    Value *c = value_new(&a, VAL_CIDR, NULL, NULL);
    c->u.cidr = (Cidr){0x0A010000u, 16};
    assert_string_equal(value_show(&a, c), "10.1.0.0/16");
    Value *r = value_new(&a, VAL_RANGE, NULL, NULL);
    r->n = 2;
    r->items = arena_alloc(&a, 2 * sizeof *r->items);
    r->items[0] = value_num(&a, 0, DIM_ACU, NULL, NULL, NULL);
    r->items[1] = qty(&a, 4, "acu");
    assert_string_equal(value_show(&a, r), "0 acu..4 acu");
    Value *l = value_new(&a, VAL_LIST, NULL, NULL);
    l->n = 2;
    l->items = arena_alloc(&a, 2 * sizeof *l->items);
    l->items[0] = value_str(&a, "x", NULL, NULL);
    l->items[1] = c;
    assert_string_equal(value_show(&a, l), "[\"x\", 10.1.0.0/16]");
    Value *call = value_new(&a, VAL_CALL, NULL, NULL);
    call->u.str = "vpn";
    call->n = 1;
    call->items = &l->items[1];
    assert_string_equal(value_show(&a, call), "vpn(10.1.0.0/16)");
    assert_string_equal(value_show(&a, value_late()), "<per account>");
    assert_string_equal(value_text(&a, value_str(&a, "plain", NULL, NULL)), "plain");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_table),
        cmocka_unit_test(test_equal_across_units),
        cmocka_unit_test(test_show_quantities),
        cmocka_unit_test(test_show_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
