/* ck_types.c — units for type expressions and type checking: parsing
 * (list/map/range/ref, enums, `?`), printing, the did-you-mean distance,
 * and types_check's rules for units (a unitless 0 is any quantity, a
 * unitless number is E0402, a wrong dimension E0402), account ids (E0406),
 * enums given as strings (E0401), optional null, and unit adoption in
 * ranges (`0..4 acu`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "load.h"
#include "schema.h"
#include "types.h"

typedef struct Fix {
    DiagEngine d;
    Program pg;
    Schemas s;
    SchemaDecl *thing;
} Fix;

static const char src[] =
    "enum size { small, large }\n"
    "schema thing {\n"
    "  a: list(ref(thing))\n  b: range(acu)\n  c: size?\n  d: memory\n"
    "  e: map(string)\n  f: account_id\n  g: cpu\n  h: range(int)\n  i: bool?\n"
    "}\n";

static int setup(void **state)
{
    Fix *f = calloc(1, sizeof *f);
    diag_init(&f->d);
    load_init(&f->pg, &f->d, NULL);
    load_memory(&f->pg, "t.sfd", src, strlen(src));
    schema_init(&f->s, &f->pg.arena, &f->pg.in);
    schema_collect(&f->s, f->pg.files, f->pg.nfiles, &f->d);
    f->thing = schema_find(&f->s, intern_cstr(&f->pg.in, "thing"));
    *state = f;
    return f->thing ? 0 : -1;
}

static int teardown(void **state)
{
    Fix *f = *state;
    schema_release(&f->s);
    load_release(&f->pg);
    diag_release(&f->d);
    free(f);
    return 0;
}

static const Type *field_type(Fix *f, const char *name)
{
    FieldDecl *fd = schema_field(f->thing, intern_cstr(&f->pg.in, name));
    assert_non_null(fd);
    return fd->type;
}

static void test_parse_and_name(void **state)
{
    Fix *f = *state;
    Arena *a = &f->pg.arena;
    assert_int_equal(f->d.errors, 0);
    assert_string_equal(types_name(a, field_type(f, "a")), "list(ref(thing))");
    assert_string_equal(types_name(a, field_type(f, "b")), "range(acu)");
    assert_string_equal(types_name(a, field_type(f, "c")), "size?");
    assert_string_equal(types_name(a, field_type(f, "e")), "map(string)");
    assert_int_equal(field_type(f, "c")->kind, TY_ENUM);
    assert_true(field_type(f, "c")->optional);
    assert_int_equal(types_dim(field_type(f, "d")), DIM_MEM);
    assert_false(types_required(a, field_type(f, "c"))->optional);
}

static void test_unknown_type(void **state)
{
    (void)state;
    DiagEngine d;
    Program pg;
    Schemas s;
    diag_init(&d);
    load_init(&pg, &d, NULL);
    const char *t = "schema x { a: memroy  b: lst(int)  c: ref(nothing) }\n";
    load_memory(&pg, "u.sfd", t, strlen(t));
    schema_init(&s, &pg.arena, &pg.in);
    schema_collect(&s, pg.files, pg.nfiles, &d);
    assert_int_equal(d.errors, 3);
    assert_string_equal(d.items[0]->code, "E0301");
    assert_string_equal(d.items[0]->help, "did you mean `memory`?");
    assert_string_equal(d.items[2]->code, "E0305");
    schema_release(&s);
    load_release(&pg);
    diag_release(&d);
}

static void test_suggest(void **state)
{
    (void)state;
    const char *c[] = {"scan_on_push", "keep", "immutable", "push"};
    assert_string_equal(types_suggest("scan_on_pus", c, 4), "scan_on_push");
    assert_string_equal(types_suggest("kep", c, 4), "keep");
    assert_string_equal(types_suggest("Keep", c, 4), "keep");
    assert_null(types_suggest("region", c, 4));
    assert_null(types_suggest("keep", c, 4));   /* the word itself is no suggestion */
    /* a tie is decided by byte order, not by the candidates' order (which
       follows a pointer-keyed table's, different from run to run) */
    const char *t1[] = {"k", "c", "r"}, *t2[] = {"r", "k", "c"};
    assert_string_equal(types_suggest("a", t1, 3), "c");
    assert_string_equal(types_suggest("a", t2, 3), "c");
}

/* Checks v against a field's type; returns the result and the codes filed. */
static Value *check(Fix *f, Value *v, const char *field, const char **code)
{
    unsigned before = f->d.n;
    Value *r = types_check(&f->pg.arena, &f->d, NULL, (Span){0, 1}, v, field_type(f, field));
    *code = f->d.n > before ? f->d.items[f->d.n - 1]->code : NULL;
    return r;
}

static Value *num(Fix *f, double n, const char *unit)
{
    const Unit *u = unit ? value_unit(unit) : NULL;
    return value_num(&f->pg.arena, u ? n * u->factor : n, u ? u->dim : DIM_NONE, unit, NULL, NULL);
}

static void test_check_units(void **state)
{
    Fix *f = *state;
    const char *code;
    Value *v = check(f, num(f, 0, NULL), "d", &code);
    assert_null(code);
    assert_int_equal(v->dim, DIM_MEM);
    v = check(f, num(f, 2, "GiB"), "d", &code);
    assert_null(code);
    assert_true(v->u.num == 2048);
    v = check(f, num(f, 0.5, NULL), "g", &code);
    assert_string_equal(code, "E0402");
    assert_int_equal(v->kind, VAL_ERROR);
    assert_string_equal(f->d.items[f->d.n - 1]->help, "write `0.5 vcpu` (units: vcpu, cpu)");
    check(f, num(f, 1, "vcpu"), "d", &code);
    assert_string_equal(code, "E0402");
}

static Value *range(Fix *f, Value *lo, Value *hi)
{
    Value *r = value_new(&f->pg.arena, VAL_RANGE, NULL, NULL);
    r->n = 2;
    r->items = arena_alloc(&f->pg.arena, 2 * sizeof *r->items);
    r->items[0] = lo;
    r->items[1] = hi;
    return r;
}

static void test_check_ranges(void **state)
{
    Fix *f = *state;
    const char *code;
    Value *v = check(f, range(f, num(f, 0.5, NULL), num(f, 4, "acu")), "b", &code);
    assert_null(code);
    assert_int_equal(v->items[0]->dim, DIM_ACU);
    assert_true(v->items[0]->u.num == 0.5);
    v = check(f, range(f, num(f, 0, NULL), num(f, 2, NULL)), "h", &code);
    assert_null(code);
    check(f, range(f, num(f, 1, "GiB"), num(f, 4, "acu")), "b", &code);
    assert_string_equal(code, "E0402");
}

static void test_check_literals(void **state)
{
    Fix *f = *state;
    Arena *a = &f->pg.arena;
    const char *code;
    check(f, value_str(a, "123456789012", NULL, NULL), "f", &code);
    assert_null(code);
    check(f, value_str(a, "12345678901", NULL, NULL), "f", &code);
    assert_string_equal(code, "E0406");
    check(f, value_str(a, "12345678901x", NULL, NULL), "f", &code);
    assert_string_equal(code, "E0406");
    check(f, num(f, 123456789012.0, NULL), "f", &code);
    assert_string_equal(code, "E0401");
    check(f, value_str(a, "small", NULL, NULL), "c", &code);
    assert_string_equal(code, "E0401");
    assert_string_equal(f->d.items[f->d.n - 1]->help, "write `small` without quotes");
    Value *sym = value_new(a, VAL_SYM, NULL, NULL);
    sym->u.str = intern_cstr(&f->pg.in, "large");
    check(f, sym, "c", &code);
    assert_null(code);
    check(f, value_new(a, VAL_NULL, NULL, NULL), "i", &code);
    assert_null(code);
    check(f, value_new(a, VAL_NULL, NULL, NULL), "d", &code);
    assert_string_equal(code, "E0401");
    /* poison is accepted silently: no cascades */
    check(f, value_error(), "d", &code);
    assert_null(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_and_name, setup, teardown),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test_setup_teardown(test_check_units, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_literals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
