/* fe_parse.c — units for the parser's error reporting: what a syntax error
 * says it expected, that hints fire only where they apply, that recovery
 * reports one error per mistake, and the tree built around errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

/* One parsed input and everything it reported. */
typedef struct Parsed {
    Arena arena;
    Interner in;
    DiagEngine diag;
    Source *src;
    File *file;
} Parsed;

static Parsed *parse(const char *text)
{
    Parsed *p = calloc(1, sizeof *p);
    arena_init(&p->arena);
    intern_init(&p->in, &p->arena);
    diag_init(&p->diag);
    p->src = src_from_memory("t.sfd", text, strlen(text));
    p->file = parse_file(p->src, &p->arena, &p->in, &p->diag);
    return p;
}

static void done(Parsed *p)
{
    diag_release(&p->diag);
    intern_release(&p->in);
    arena_release(&p->arena);
    src_free(p->src);
    free(p);
}

static void dump_diags(const Parsed *p)
{
    for (unsigned i = 0; i < p->diag.n; i++)
        print_message("  %s @%u: %s (help: %s)\n", p->diag.items[i]->code,
                      p->diag.items[i]->span.start, p->diag.items[i]->msg,
                      p->diag.items[i]->help ? p->diag.items[i]->help : "-");
}

static void test_valid_tree(void **state)
{
    (void)state;
    Parsed *p = parse("/// the core\naccount core { kind = core  cpu = 0.25 vcpu }\n"
                      "template la(code: name, n: int = 1) { account \"la-${code}\" { } }\n"
                      "use la(camden)\nlet xs = [1, 2, 3,]\n");
    assert_int_equal(p->diag.n, 0);
    assert_false(p->file->had_errors);
    Node *it = p->file->items;
    assert_int_equal(it->kind, NODE_BLOCK);
    assert_string_equal(it->name, "account");
    assert_string_equal(it->a->name, "core");
    assert_int_equal(ast_count(it->b), 2);
    it = it->next;
    assert_int_equal(it->kind, NODE_TEMPLATE);
    assert_int_equal(ast_count(it->a), 2);
    assert_int_equal(it->b->a->kind, NODE_INTERP);
    it = it->next;
    assert_int_equal(it->kind, NODE_USE);
    it = it->next;
    assert_int_equal(it->kind, NODE_LET);
    assert_int_equal(ast_count(it->b->a), 3);
    assert_null(it->next);
    assert_string_equal(ast_doc_before(p->file, &p->arena, p->file->items->span.start), "the core");
    done(p);
}

/* The expected-token list must name real tokens. Bison's
 * yypcontext_expected_tokens returns 0 when more tokens are possible than
 * the array holds, and the message degrades to "expected something else". */
static void test_expected_list_names_tokens(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "let x = 1 }\n",                            /* stray closer after an expression */
        "account core {\n  let x = 1\n",           /* end of file after an expression in a block */
        "let x = 1 ]\n",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        Parsed *p = parse(inputs[i]);
        assert_int_equal(p->diag.n, 1);
        if (strstr(p->diag.items[0]->msg, "something else")) {
            dump_diags(p);
            fail_msg("input %zu: the message names no expected token", i);
        }
        done(p);
    }
}

/* The "a block is `kind name { ... }`" hint is for `kind name = ...` at
 * item level, not for a doubled `=` in an expression. */
static void test_block_hint_only_for_blocks(void **state)
{
    (void)state;
    Parsed *p = parse("let a = = 1\n");
    assert_int_equal(p->diag.n, 1);
    const char *help = p->diag.items[0]->help;
    if (help && strstr(help, "a block is")) {
        dump_diags(p);
        fail_msg("block hint on a doubled `=` in an expression");
    }
    done(p);
    p = parse("account core { id = = \"1\" }\n");
    assert_int_equal(p->diag.n, 1);
    help = p->diag.items[0]->help;
    if (help && strstr(help, "a block is")) {
        dump_diags(p);
        fail_msg("block hint on a doubled `=` in an attribute");
    }
    done(p);
}

static void test_colon_hint(void **state)
{
    (void)state;
    Parsed *p = parse("account core {\n  kind: core\n}\n");
    assert_int_equal(p->diag.n, 1);
    assert_string_equal(p->diag.items[0]->code, "E0201");
    assert_int_equal(p->diag.items[0]->span.start, 21);
    assert_non_null(p->diag.items[0]->help);
    assert_non_null(strstr(p->diag.items[0]->help, "`=`"));
    done(p);
}

/* Recovery: one error per broken item, and the items around survive. */
static void test_recovery(void **state)
{
    (void)state;
    Parsed *p = parse("let a = 1\nlet b = = 2\nlet c = 3\naccount x { kind: y }\nlet d = [1 2]\nlet e = 5\n");
    assert_int_equal(p->diag.n, 3);
    int lets = 0;
    for (Node *it = p->file->items; it; it = it->next)
        lets += it->kind == NODE_LET;
    assert_true(lets >= 3);   /* a, c, e at least */
    done(p);
}

/* An interpolation cannot outlive its line any more than its string can:
 * `${` left open reports E0106 once, not also a syntax error about the
 * next line's first token. */
static void test_unterminated_interp_no_cascade(void **state)
{
    (void)state;
    Parsed *p = parse("let a = \"la-${code\nlet b = 2\n");
    if (p->diag.n != 1) {
        dump_diags(p);
        fail_msg("%u diagnostics for one unclosed `${`", p->diag.n);
    }
    assert_string_equal(p->diag.items[0]->code, "E0106");
    assert_int_equal(p->diag.items[0]->span.start, 12);
    done(p);
}

static void test_eof_points_at_opener(void **state)
{
    (void)state;
    Parsed *p = parse("account core {\n  network { cidr = 10.0.0.0/16 }\n");
    assert_int_equal(p->diag.n, 1);
    Diag *d = p->diag.items[0];
    assert_string_equal(d->code, "E0202");
    assert_int_equal(d->nlabels, 1);
    assert_int_equal(d->labels[0].span.start, 13);
    done(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_tree),
        cmocka_unit_test(test_expected_list_names_tokens),
        cmocka_unit_test(test_block_hint_only_for_blocks),
        cmocka_unit_test(test_colon_hint),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_unterminated_interp_no_cascade),
        cmocka_unit_test(test_eof_points_at_opener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
