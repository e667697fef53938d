/* fe_fmt.c — units for the formatter's API (fmt.h), as the language
 * server uses it: whole-buffer formatting, refusal of syntax errors with a
 * diagnostic in the caller's engine, and range formatting (the smallest
 * whole items covering a range, widened to lines, as one edit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fmt.h"

static const char messy[] =
    "account a {\n"
    "kind=core\n"
    "  network{cidr=10.0.0.0/16}\n"
    "}\n"
    "account b {\n"
    "    kind = la\n"
    "}\n";

static Source *mem(const char *text)
{
    return src_from_memory("t.sfd", text, strlen(text));
}

static void test_source(void **state)
{
    (void)state;
    Source *s = mem(messy);
    DiagEngine d;
    diag_init(&d);
    size_t n = 0;
    char *out = fmt_source(s, &d, &n);
    assert_non_null(out);
    assert_string_equal(out, "account a {\n  kind = core\n  network { cidr = 10.0.0.0/16 }\n}\n"
                             "account b {\n  kind = la\n}\n");
    assert_int_equal(n, strlen(out));
    assert_int_equal(d.n, 0);
    free(out);
    diag_release(&d);
    src_free(s);
}

static void test_refuses_syntax_errors(void **state)
{
    (void)state;
    Source *s = mem("account a { kind = = core }\n");
    DiagEngine d;
    diag_init(&d);
    size_t n = 7;
    assert_null(fmt_source(s, &d, &n));
    assert_true(d.errors >= 1);
    assert_string_equal(d.items[0]->code, "E0201");
    FmtEdit e;
    assert_int_equal(fmt_range(s, (Span){0, 5}, &d, &e), -1);
    assert_null(e.text);
    diag_release(&d);
    src_free(s);
    assert_null(fmt_text("let = 1", 7, &n));
}

static void test_text(void **state)
{
    (void)state;
    size_t n;
    char *out = fmt_text("let  x=[1 ,2]", 13, &n);
    assert_string_equal(out, "let x = [1, 2]\n");
    free(out);
}

/* A range inside `network` of account a: the smallest whole item is the
 * network block, widened to its line. */
static void test_range_inner_item(void **state)
{
    (void)state;
    Source *s = mem(messy);
    DiagEngine d;
    diag_init(&d);
    uint32_t at = (uint32_t)(strstr(messy, "cidr") - messy);
    FmtEdit e;
    assert_int_equal(fmt_range(s, (Span){at, at + 4}, &d, &e), 1);
    uint32_t line = (uint32_t)(strstr(messy, "  network") - messy);
    assert_int_equal(e.span.start, line);
    assert_int_equal(e.span.end, line + strlen("  network{cidr=10.0.0.0/16}"));
    assert_string_equal(e.text, "  network { cidr = 10.0.0.0/16 }");
    assert_int_equal(e.len, strlen(e.text));
    fmt_edit_release(&e);
    assert_null(e.text);
    diag_release(&d);
    src_free(s);
}

/* A range over two top-level items: both, whole. */
static void test_range_siblings(void **state)
{
    (void)state;
    Source *s = mem(messy);
    DiagEngine d;
    diag_init(&d);
    uint32_t a = (uint32_t)(strstr(messy, "kind=core") - messy);
    uint32_t b = (uint32_t)(strstr(messy, "kind = la") - messy);
    FmtEdit e;
    assert_int_equal(fmt_range(s, (Span){a, b}, &d, &e), 1);
    assert_int_equal(e.span.start, 0);
    assert_int_equal(e.span.end, strlen(messy) - 1);
    assert_string_equal(e.text, "account a {\n  kind = core\n  network { cidr = 10.0.0.0/16 }\n}\n"
                                "account b {\n  kind = la\n}");
    fmt_edit_release(&e);
    diag_release(&d);
    src_free(s);
}

/* Already formatted, or a range that covers no item: nothing to do. */
static void test_range_nothing(void **state)
{
    (void)state;
    const char *clean = "account a {\n  kind = core\n}\n\n# tail\n";
    Source *s = mem(clean);
    DiagEngine d;
    diag_init(&d);
    FmtEdit e;
    assert_int_equal(fmt_range(s, (Span){14, 18}, &d, &e), 0);
    assert_null(e.text);
    uint32_t tail = (uint32_t)(strstr(clean, "# tail") - clean);
    assert_int_equal(fmt_range(s, (Span){tail, tail + 3}, &d, &e), 0);
    diag_release(&d);
    src_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source),
        cmocka_unit_test(test_refuses_syntax_errors),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_range_inner_item),
        cmocka_unit_test(test_range_siblings),
        cmocka_unit_test(test_range_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
