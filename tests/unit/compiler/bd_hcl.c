/* bd_hcl.c — units for the HCL writer (emit_hcl.c): string escaping
 * (quotes, backslashes, control characters, `${` and `%{`), numbers,
 * keys that need quotes, and the layout terraform fmt wants: `=` aligned
 * in runs of single-line attributes, runs broken by blank lines, blocks
 * and multi-line values, heredocs joining the run before them, objects
 * and lists inline when they fit and one element per line when not. The
 * layouts pinned here were each checked with `terraform fmt -check -`;
 * tier 51 checks every emitted file the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit_hcl.h"

static void ref(void *ctx, HclBuf *out, const HclVal *r)
{
    (void)ctx;
    hcl_buf_printf(out, "dependency.%s.outputs.%s", r->unit, r->s);
}

static char *quoted(const char *s)
{
    HclBuf b = {0};
    hcl_quote(&b, s);
    return hcl_buf_take(&b, NULL);
}

static void test_escapes(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"plain", "\"plain\""},
        {"a \"q\" b", "\"a \\\"q\\\" b\""},
        {"back\\slash", "\"back\\\\slash\""},
        {"l1\nl2\tt\r", "\"l1\\nl2\\tt\\r\""},
        {"${var.x}", "\"$${var.x}\""},
        {"%{ if x }", "\"%%{ if x }\""},
        {"$${x}", "\"$$${x}\""},
        {"100% $5 {x}", "\"100% $5 {x}\""},
        {"\x01\x7f", "\"\\u0001\\u007f\""},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
        {"", "\"\""},
        {"end$", "\"end$\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *q = quoted(cases[i][0]);
        assert_string_equal(q, cases[i][1]);
        free(q);
    }
}

static void test_numbers_and_keys(void **state)
{
    (void)state;
    static const struct { double x; const char *s; } nums[] = {
        {0, "0"}, {-0.0, "0"}, {42, "42"}, {0.5, "0.5"}, {-3, "-3"}, {1800, "1800"},
        {0.1, "0.1"}, {2.25, "2.25"}, {1e20, "1e+20"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        HclBuf b = {0};
        hcl_format_num(&b, nums[i].x);
        assert_string_equal(b.p, nums[i].s);
        hcl_buf_release(&b);
    }
    assert_true(hcl_is_ident("vpc_id"));
    assert_true(hcl_is_ident("la-camden"));
    assert_true(hcl_is_ident("DAGSTER_HOME"));
    assert_false(hcl_is_ident("db.password"));
    assert_false(hcl_is_ident("1st"));
    assert_false(hcl_is_ident(""));
    assert_false(hcl_is_ident("null"));
    assert_false(hcl_is_ident("for"));
}

/* Renders a body built by fn and compares it with want. */
static void body_is(void (*fn)(HclWriter *, Arena *), const char *want)
{
    Arena a;
    arena_init(&a);
    HclBuf out = {0};
    HclWriter w;
    hcl_writer_init(&w, &out, ref, NULL);
    fn(&w, &a);
    hcl_writer_release(&w);
    assert_string_equal(out.p, want);
    hcl_buf_release(&out);
    arena_release(&a);
}

static void align_body(HclWriter *w, Arena *a)
{
    hcl_attr(w, "name", hcl_str(a, "x"));
    hcl_attr(w, "cluster_arn", hcl_ref(a, "cluster", "cluster_arn"));
    hcl_blank(w);
    hcl_attr(w, "cpu", hcl_num(a, 256));
    HclVal *tags = hcl_obj(a);
    tags->multiline = true;
    hcl_set(a, tags, "a", hcl_str(a, "1"));
    hcl_set(a, tags, "long_key", hcl_str(a, "2"));
    hcl_attr(w, "tags", tags);
    hcl_attr(w, "z", hcl_bool(a, false));
}

static void test_alignment(void **state)
{
    (void)state;
    body_is(align_body,
            "name        = \"x\"\n"
            "cluster_arn = dependency.cluster.outputs.cluster_arn\n"
            "\n"
            "cpu = 256\n"
            "tags = {\n"
            "  a        = \"1\"\n"
            "  long_key = \"2\"\n"
            "}\n"
            "z = false\n");
}

static void blocks_body(HclWriter *w, Arena *a)
{
    hcl_comment(w, "Generated.\n\nSecond paragraph.");
    hcl_blank(w);
    hcl_blank(w);
    static const char *const labels[] = {"network"};
    hcl_block_open(w, "dependency", labels, 1);
    hcl_blank(w);   /* never at the start of a body */
    hcl_attr(w, "config_path", hcl_str(a, "../network"));
    hcl_blank(w);   /* nor at its end */
    hcl_block_close(w);
    hcl_blank(w);
    hcl_block_open(w, "generate", labels, 1);
    hcl_attr(w, "path", hcl_str(a, "p.tf"));
    hcl_attr(w, "if_exists", hcl_str(a, "overwrite"));
    hcl_attr(w, "contents", hcl_heredoc(a, "x = 1\n\ny {\n  z = 2\n}\n"));
    hcl_attr(w, "after", hcl_num(a, 1));
    hcl_block_close(w);
}

static void test_blocks_and_heredoc(void **state)
{
    (void)state;
    body_is(blocks_body,
            "# Generated.\n"
            "#\n"
            "# Second paragraph.\n"
            "\n"
            "dependency \"network\" {\n"
            "  config_path = \"../network\"\n"
            "}\n"
            "\n"
            "generate \"network\" {\n"
            "  path      = \"p.tf\"\n"
            "  if_exists = \"overwrite\"\n"
            "  contents  = <<-EOF\n"
            "    x = 1\n"
            "\n"
            "    y {\n"
            "      z = 2\n"
            "    }\n"
            "  EOF\n"
            "  after     = 1\n"
            "}\n");
}

static void values_body(HclWriter *w, Arena *a)
{
    HclVal *l = hcl_list(a);
    hcl_push(a, l, hcl_str(a, "a"));
    hcl_push(a, l, hcl_ref(a, "lb", "sg"));
    hcl_attr(w, "short", l);
    HclVal *t = hcl_tmpl(a);
    hcl_push(a, t, hcl_ref(a, "ecr", "url"));
    hcl_push(a, t, hcl_str(a, ":v1 ${not}"));
    hcl_attr(w, "image", t);
    HclVal *o = hcl_obj(a);
    hcl_set(a, o, "db.password", hcl_str(a, "k"));
    hcl_set(a, o, "min", hcl_num(a, 0));
    hcl_attr(w, "obj", o);
    hcl_attr(w, "empty", hcl_list(a));
    HclVal *big = hcl_list(a);
    for (int i = 0; i < 2; i++) {
        HclVal *e = hcl_obj(a);
        hcl_set(a, e, "name", hcl_str(a, "a-rather-long-scheduled-action-name-for-the-daemon"));
        hcl_set(a, e, "max", hcl_num(a, i));
        hcl_push(a, big, e);
    }
    hcl_attr(w, "actions", big);
}

static void test_values(void **state)
{
    (void)state;
    body_is(values_body,
            "short = [\"a\", dependency.lb.outputs.sg]\n"
            "image = \"${dependency.ecr.outputs.url}:v1 $${not}\"\n"
            "obj   = { \"db.password\" = \"k\", min = 0 }\n"
            "empty = []\n"
            "actions = [\n"
            "  { name = \"a-rather-long-scheduled-action-name-for-the-daemon\", max = 0 },\n"
            "  { name = \"a-rather-long-scheduled-action-name-for-the-daemon\", max = 1 },\n"
            "]\n");
}

static void test_obj_sort_and_set(void **state)
{
    (void)state;
    Arena a;
    arena_init(&a);
    HclVal *o = hcl_obj(&a);
    const char *keys[] = {"b", "a", "c", "a2", "B"};
    for (int i = 0; i < 5; i++)
        hcl_set(&a, o, keys[i], hcl_num(&a, i));
    hcl_set(&a, o, "a", hcl_num(&a, 9));    /* replaces, keeps one */
    assert_int_equal(o->n, 5);
    hcl_obj_sort(o);
    const char *want[] = {"B", "a", "a2", "b", "c"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(o->keys[i], want[i]);
    assert_true(o->items[1]->num == 9);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_numbers_and_keys),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_blocks_and_heredoc),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_obj_sort_and_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
