/* fe_lexer.c — units for the re2c lexer: token kinds, spans and values
 * (hyphenated identifiers, numbers, quantities, CIDRs, strings, escapes,
 * interpolation), comments, the token sink the formatter reads, and the
 * lexical errors: each reported once, at the right place (unterminated
 * input at its opening delimiter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lexer.h"
#include "parse.h"
#include "parser.h"

enum { MAX_TOKS = 512 };

/* One lexed input: the tokens, their spans and values, and what the
 * lexer reported. */
typedef struct Lexed {
    Arena arena;
    Interner in;
    DiagEngine diag;
    Source *src;
    Lexer lx;
    int kind[MAX_TOKS];
    Span span[MAX_TOKS];
    YYSTYPE val[MAX_TOKS];
    int n;
} Lexed;

static Lexed *lex_len(const char *text, size_t len)
{
    Lexed *L = calloc(1, sizeof *L);
    arena_init(&L->arena);
    intern_init(&L->in, &L->arena);
    diag_init(&L->diag);
    L->src = src_from_memory("t.sfd", text, len);
    lex_init(&L->lx, L->src, &L->arena, &L->in, &L->diag);
    for (;;) {
        assert_true(L->n < MAX_TOKS);
        int k = lex_next(&L->lx, &L->val[L->n], &L->span[L->n]);
        L->kind[L->n++] = k;
        if (k == TOK_END)
            break;
    }
    return L;
}

static Lexed *lex(const char *text) { return lex_len(text, strlen(text)); }

static void done(Lexed *L)
{
    lex_release(&L->lx);
    diag_release(&L->diag);
    intern_release(&L->in);
    arena_release(&L->arena);
    src_free(L->src);
    free(L);
}

/* The kinds, END included, must be exactly the list (terminated by -1). */
static void expect_kinds(const Lexed *L, const int *kinds)
{
    int i = 0;
    for (; kinds[i] != -1; i++) {
        assert_true(i < L->n);
        if (L->kind[i] != kinds[i])
            fail_msg("token %d: kind %d, expected %d", i, L->kind[i], kinds[i]);
    }
    assert_int_equal(i, L->n);
}

#define KINDS(L, ...) expect_kinds((L), (const int[]){__VA_ARGS__, -1})

static void expect_span(const Lexed *L, int i, uint32_t start, uint32_t end)
{
    assert_int_equal(L->span[i].start, start);
    assert_int_equal(L->span[i].end, end);
}

/* The diagnostics filed, in order: exactly these codes. */
static void expect_codes(const Lexed *L, const char *const *codes)
{
    unsigned i = 0;
    for (; codes[i]; i++) {
        if (i >= L->diag.n)
            fail_msg("missing diagnostic %s", codes[i]);
        assert_string_equal(L->diag.items[i]->code, codes[i]);
    }
    if (L->diag.n != i)
        fail_msg("%u diagnostics, expected %u (first extra: %s %s)", L->diag.n, i,
                 L->diag.items[i]->code, L->diag.items[i]->msg);
}

#define CODES(L, ...) expect_codes((L), (const char *const[]){__VA_ARGS__, NULL})
#define NO_CODES(L) assert_int_equal((L)->diag.n, 0)

static void expect_diag_at(const Lexed *L, unsigned i, uint32_t start, uint32_t end)
{
    assert_true(i < L->diag.n);
    assert_int_equal(L->diag.items[i]->span.start, start);
    assert_int_equal(L->diag.items[i]->span.end, end);
}

static void test_identifiers(void **state)
{
    (void)state;
    Lexed *L = lex("region = eu-west-2 la-camden _x a_b-c9");
    KINDS(L, TOK_IDENT, '=', TOK_IDENT, TOK_IDENT, TOK_IDENT, TOK_IDENT, TOK_END);
    assert_string_equal(L->val[0].name, "region");
    assert_string_equal(L->val[2].name, "eu-west-2");
    expect_span(L, 2, 9, 18);
    assert_string_equal(L->val[3].name, "la-camden");
    assert_string_equal(L->val[5].name, "a_b-c9");
    /* Interned: the same name is the same pointer. */
    Lexed *M = lex("la-camden");
    assert_string_equal(M->val[0].name, "la-camden");
    done(M);
    NO_CODES(L);
    done(L);
}

static void test_hyphen_vs_minus(void **state)
{
    (void)state;
    /* A hyphen joins only when a letter or digit follows; spaced, it is minus. */
    Lexed *L = lex("a - b a- c-");
    KINDS(L, TOK_IDENT, '-', TOK_IDENT, TOK_IDENT, '-', TOK_IDENT, '-', TOK_END);
    done(L);
}

static void test_keywords(void **state)
{
    (void)state;
    Lexed *L = lex("import let template use for in if else true false null schema enum imports");
    KINDS(L, TOK_IMPORT, TOK_LET, TOK_TEMPLATE, TOK_USE, TOK_FOR, TOK_IN, TOK_IF, TOK_ELSE,
          TOK_TRUE, TOK_FALSE, TOK_NULL, TOK_SCHEMA, TOK_ENUM, TOK_IDENT, TOK_END);
    done(L);
}

static void test_numbers(void **state)
{
    (void)state;
    Lexed *L = lex("42 3.5 1e3 2.5E-1 0 1.");
    KINDS(L, TOK_NUMBER, TOK_NUMBER, TOK_NUMBER, TOK_NUMBER, TOK_NUMBER, TOK_NUMBER, '.',
          TOK_END);
    assert_true(L->val[0].node->v.num == 42.0);
    assert_true(L->val[0].node->flags & NF_INT);
    assert_true(L->val[1].node->v.num == 3.5);
    assert_false(L->val[1].node->flags & NF_INT);
    assert_true(L->val[2].node->v.num == 1000.0);
    assert_false(L->val[2].node->flags & NF_INT);
    assert_true(L->val[3].node->v.num == 0.25);
    expect_span(L, 3, 11, 17);
    assert_int_equal(L->val[0].node->kind, NODE_NUM);
    NO_CODES(L);
    done(L);
}

static void test_number_too_large(void **state)
{
    (void)state;
    Lexed *L = lex("x = 1e999");
    KINDS(L, TOK_IDENT, '=', TOK_NUMBER, TOK_END);
    CODES(L, "E0109");
    expect_diag_at(L, 0, 4, 9);
    done(L);
}

static void test_quantities(void **state)
{
    (void)state;
    Lexed *L = lex("0.25 vcpu 1GiB 30m 50% 1024 MiB 2 foo 0..4 acu 3 d2");
    KINDS(L, TOK_QUANTITY, TOK_QUANTITY, TOK_QUANTITY, TOK_QUANTITY, TOK_QUANTITY, TOK_NUMBER,
          TOK_IDENT, TOK_NUMBER, TOK_DOTDOT, TOK_QUANTITY, TOK_NUMBER, TOK_IDENT, TOK_END);
    Node *q = L->val[0].node;
    assert_int_equal(q->kind, NODE_QTY);
    assert_true(q->v.num == 0.25);
    assert_string_equal(q->name, "vcpu");
    expect_span(L, 0, 0, 9);                /* the unit is part of the token */
    assert_int_equal(q->name_span.start, 5);
    assert_string_equal(L->val[1].node->name, "GiB");
    assert_true(L->val[1].node->v.num == 1.0);
    assert_string_equal(L->val[2].node->name, "m");
    assert_string_equal(L->val[3].node->name, "%");
    assert_true(L->val[3].node->v.num == 50.0);
    assert_string_equal(L->val[4].node->name, "MiB");
    assert_string_equal(L->val[6].name, "foo");  /* not a unit when spaced */
    assert_true(L->val[7].node->v.num == 0.0);
    assert_string_equal(L->val[9].node->name, "acu");
    assert_string_equal(L->val[11].name, "d2"); /* a unit word must end there */
    NO_CODES(L);
    done(L);
}

static void test_cidrs(void **state)
{
    (void)state;
    Lexed *L = lex("10.100.0.0/16 192.168.1.20 0.0.0.0/0");
    KINDS(L, TOK_CIDR, TOK_CIDR, TOK_CIDR, TOK_END);
    Node *c = L->val[0].node;
    assert_int_equal(c->kind, NODE_CIDR);
    assert_int_equal(c->v.cidr.addr, (10u << 24) | (100u << 16));
    assert_int_equal(c->v.cidr.prefix, 16);
    assert_false(c->flags & NF_ADDR);
    expect_span(L, 0, 0, 13);
    assert_true(L->val[1].node->flags & NF_ADDR);
    assert_int_equal(L->val[1].node->v.cidr.prefix, 32);
    assert_int_equal(L->val[1].node->v.cidr.addr, (192u << 24) | (168u << 16) | (1u << 8) | 20u);
    assert_int_equal(L->val[2].node->v.cidr.prefix, 0);
    NO_CODES(L);
    done(L);
}

static void test_bad_cidrs(void **state)
{
    (void)state;
    Lexed *L = lex("256.0.0.0/8 10.0.0.0/33 1234.1.1.1 10.0.0.1/123");
    KINDS(L, TOK_CIDR, TOK_CIDR, TOK_CIDR, TOK_CIDR, TOK_END);
    CODES(L, "E0108", "E0108", "E0108", "E0108");
    expect_diag_at(L, 0, 0, 11);
    expect_diag_at(L, 1, 12, 23);
    expect_diag_at(L, 2, 24, 34);
    assert_string_equal(L->diag.items[2]->msg, "invalid IP address");
    assert_string_equal(L->diag.items[1]->msg, "invalid CIDR block");
    done(L);
}

static void test_cidr_trailing_slash(void **state)
{
    (void)state;
    Lexed *L = lex("10.0.0.0/ 1.2.3");
    KINDS(L, TOK_CIDR, '/', TOK_NUMBER, '.', TOK_NUMBER, TOK_END);
    done(L);
}

static void test_string_escapes(void **state)
{
    (void)state;
    Lexed *L = lex("\"a\\nb\\t\\\\\\\"\\$x\\u{1F600}\\u{e9}\"");
    KINDS(L, TOK_STR_BEGIN, TOK_STR_TEXT, TOK_STR_END, TOK_END);
    Node *s = L->val[1].node;
    const char want[] = "a\nb\t\\\"$x\xF0\x9F\x98\x80\xC3\xA9";
    assert_int_equal(s->len, sizeof want - 1);
    assert_memory_equal(s->v.str, want, sizeof want);
    expect_span(L, 0, 0, 1);
    expect_span(L, 2, 29, 30);
    NO_CODES(L);
    done(L);
}

static void test_bad_escapes(void **state)
{
    (void)state;
    Lexed *L = lex("\"a\\qb\" \"\\u{D800}\" \"\\u{110000}\" \"\\u{}\" \"\\u{0}\"");
    CODES(L, "E0107", "E0107", "E0107", "E0107", "E0107");
    expect_diag_at(L, 0, 2, 4);      /* at the backslash, with the next char */
    Node *s = L->val[1].node;
    assert_string_equal(s->v.str, "a\\qb");   /* kept as written */
    done(L);
}

static void test_empty_string(void **state)
{
    (void)state;
    Lexed *L = lex("\"\"");
    KINDS(L, TOK_STR_BEGIN, TOK_STR_END, TOK_END);
    done(L);
}

static void test_interpolation(void **state)
{
    (void)state;
    Lexed *L = lex("\"x-${a.b}-y\"");
    KINDS(L, TOK_STR_BEGIN, TOK_STR_TEXT, TOK_INTERP_BEGIN, TOK_IDENT, '.', TOK_IDENT,
          TOK_INTERP_END, TOK_STR_TEXT, TOK_STR_END, TOK_END);
    assert_string_equal(L->val[1].node->v.str, "x-");
    expect_span(L, 2, 3, 5);
    expect_span(L, 6, 8, 9);
    assert_string_equal(L->val[7].node->v.str, "-y");
    NO_CODES(L);
    done(L);
}

static void test_nested_interpolation(void **state)
{
    (void)state;
    /* A string inside an interpolation, and a record's braces inside one. */
    Lexed *L = lex("\"${f(\"${x}\")}${ {a = 1}.a }\"");
    KINDS(L, TOK_STR_BEGIN, TOK_INTERP_BEGIN, TOK_IDENT, '(', TOK_STR_BEGIN, TOK_INTERP_BEGIN,
          TOK_IDENT, TOK_INTERP_END, TOK_STR_END, ')', TOK_INTERP_END, TOK_INTERP_BEGIN, '{',
          TOK_IDENT, '=', TOK_NUMBER, '}', '.', TOK_IDENT, TOK_INTERP_END, TOK_STR_END, TOK_END);
    NO_CODES(L);
    done(L);
}

static void test_dollar_without_brace(void **state)
{
    (void)state;
    Lexed *L = lex("\"$x $ \\${y}\"");
    KINDS(L, TOK_STR_BEGIN, TOK_STR_TEXT, TOK_STR_END, TOK_END);
    assert_string_equal(L->val[1].node->v.str, "$x $ ${y}");
    NO_CODES(L);
    done(L);
}

static void test_operators(void **state)
{
    (void)state;
    Lexed *L = lex(".. == != <= >= && || = , . : ; ? @ + - * / % ! < > ( ) [ ] { }");
    KINDS(L, TOK_DOTDOT, TOK_EQ, TOK_NE, TOK_LE, TOK_GE, TOK_AND, TOK_OR, '=', ',', '.', ':',
          ';', '?', '@', '+', '-', '*', '/', '%', '!', '<', '>', '(', ')', '[', ']', '{', '}',
          TOK_END);
    NO_CODES(L);
    done(L);
}

static void test_comments(void **state)
{
    (void)state;
    Lexed *L = lex("# hash\n// line\n/// doc\n//// not doc\n/* block\n */ a // end");
    KINDS(L, TOK_IDENT, TOK_END);
    assert_int_equal(L->lx.ncomments, 6);
    bool doc[] = {false, false, true, false, false, false};
    for (int i = 0; i < 6; i++)
        assert_int_equal(L->lx.comments[i].doc, doc[i]);
    assert_int_equal(L->lx.comments[0].span.start, 0);
    assert_int_equal(L->lx.comments[0].span.end, 6);
    assert_int_equal(L->lx.comments[2].span.start, 15);
    assert_int_equal(L->lx.comments[2].span.end, 22);
    assert_int_equal(L->lx.comments[4].span.start, 36);
    assert_int_equal(L->lx.comments[4].span.end, 48);   /* includes the delimiters */
    NO_CODES(L);
    done(L);
}

/* What a LexSink was told, in order. */
typedef struct Sunk {
    int kind[64];
    Span span[64];
    int n;
} Sunk;

static void sink(void *ctx, int tok, Span loc)
{
    Sunk *k = ctx;
    assert_true(k->n < 64);
    k->kind[k->n] = tok;
    k->span[k->n++] = loc;
}

/* The sink sees every token the parser gets, and each comment where it
 * lies among them (the formatter's token stream). */
static void test_sink(void **state)
{
    (void)state;
    const char *text = "let a = \"x${b}\" // c\n/* d */ let e = 1\n";
    Arena a;
    Interner in;
    DiagEngine d;
    arena_init(&a);
    intern_init(&in, &a);
    diag_init(&d);
    Source *src = src_from_memory("t.sfd", text, strlen(text));
    Sunk k = {0};
    File *f = parse_file_sink(src, &a, &in, &d, sink, &k);
    assert_false(f->had_errors);
    const int want[] = {TOK_LET, TOK_IDENT, '=', TOK_STR_BEGIN, TOK_STR_TEXT, TOK_INTERP_BEGIN,
                        TOK_IDENT, TOK_INTERP_END, TOK_STR_END, LEX_COMMENT, LEX_COMMENT, TOK_LET,
                        TOK_IDENT, '=', TOK_NUMBER, TOK_END};
    assert_int_equal(k.n, (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < k.n; i++)
        assert_int_equal(k.kind[i], want[i]);
    assert_int_equal(k.span[9].start, 16);      /* `// c` */
    assert_int_equal(k.span[9].end, 20);
    assert_int_equal(k.span[10].start, 21);     /* the block comment */
    assert_int_equal(k.span[10].end, 28);
    for (int i = 1; i < k.n; i++)               /* in source order */
        assert_true(k.span[i].start >= k.span[i - 1].start);
    diag_release(&d);
    intern_release(&in);
    arena_release(&a);
    src_free(src);
}

static void test_bom(void **state)
{
    (void)state;
    Lexed *L = lex("\xEF\xBB\xBFx");
    KINDS(L, TOK_IDENT, TOK_END);
    expect_span(L, 0, 3, 4);
    NO_CODES(L);
    done(L);
}

static void test_unterminated_string(void **state)
{
    (void)state;
    Lexed *L = lex("a = \"abc\nb = 1");
    KINDS(L, TOK_IDENT, '=', TOK_STR_BEGIN, TOK_STR_TEXT, TOK_STR_END, TOK_IDENT, '=',
          TOK_NUMBER, TOK_END);
    CODES(L, "E0104");
    expect_diag_at(L, 0, 4, 5);      /* the opening quote */
    done(L);
    L = lex("a = \"abc");             /* at end of file */
    CODES(L, "E0104");
    expect_diag_at(L, 0, 4, 5);
    done(L);
}

static void test_unterminated_comment(void **state)
{
    (void)state;
    Lexed *L = lex("a = 1\n  /* never\n closed");
    KINDS(L, TOK_IDENT, '=', TOK_NUMBER, TOK_END);
    CODES(L, "E0105");
    expect_diag_at(L, 0, 8, 10);
    done(L);
    L = lex("/*/");
    CODES(L, "E0105");
    done(L);
}

static void test_unterminated_interp(void **state)
{
    (void)state;
    Lexed *L = lex("a = \"x${b\nc = 1\n");
    CODES(L, "E0106");
    expect_diag_at(L, 0, 6, 8);      /* the `${` */
    done(L);
    L = lex("a = \"${");
    CODES(L, "E0106");
    expect_diag_at(L, 0, 5, 7);
    done(L);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    Lexed *L = lex("a \xFF\xFE b");
    KINDS(L, TOK_IDENT, TOK_IDENT, TOK_END);
    CODES(L, "E0102");                 /* one error for the whole run */
    expect_diag_at(L, 0, 2, 3);
    done(L);
    L = lex("\"ok \xC3( bad\" /* \xE2\x82 */ // \xC0\xAF");
    CODES(L, "E0102", "E0102", "E0102");
    expect_diag_at(L, 0, 4, 5);
    expect_diag_at(L, 1, 15, 16);
    expect_diag_at(L, 2, 24, 25);      /* overlong encoding */
    done(L);
    L = lex("\"\xED\xA0\x80\"");      /* a UTF-16 surrogate */
    CODES(L, "E0102");
    done(L);
}

/* A NUL byte marks a binary file: one E0103 at the first NUL, and the
 * lexer stops there (no error per garbage byte). */
static void test_nul_byte(void **state)
{
    (void)state;
    Lexed *L = lex_len("a \0 b \0", 7);
    KINDS(L, TOK_END);
    CODES(L, "E0103");
    expect_diag_at(L, 0, 2, 3);
    done(L);
    L = lex_len("\"x\0y\"", 5);
    CODES(L, "E0103");
    expect_diag_at(L, 0, 2, 3);
    done(L);
    L = lex_len("# \0\nz \xFF", 7);
    CODES(L, "E0103");
    done(L);
}

static void test_unexpected_char(void **state)
{
    (void)state;
    Lexed *L = lex("a ^ b \xE2\x80\x9C");
    CODES(L, "E0101", "E0101");
    expect_diag_at(L, 0, 2, 3);
    expect_diag_at(L, 1, 6, 9);
    assert_non_null(L->diag.items[1]->help);   /* "use a straight quote" */
    done(L);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char buf[LEX_MAX_DEPTH + 10];
    memset(buf, '[', sizeof buf);
    Lexed *L = lex_len(buf, LEX_MAX_DEPTH);   /* exactly the limit: fine */
    NO_CODES(L);
    done(L);
    L = lex_len(buf, sizeof buf);
    CODES(L, "E0110");
    expect_diag_at(L, 0, LEX_MAX_DEPTH, LEX_MAX_DEPTH + 1);
    assert_int_equal(L->kind[L->n - 1], TOK_END);
    assert_int_equal(L->n, LEX_MAX_DEPTH + 1);    /* and it stops there */
    done(L);
}

static void test_nesting_mixed(void **state)
{
    (void)state;
    /* Strings and interpolations count too. */
    char buf[8 * LEX_MAX_DEPTH];
    size_t n = 0;
    for (int i = 0; i < LEX_MAX_DEPTH; i++) {
        memcpy(buf + n, "\"${", 3);
        n += 3;
    }
    Lexed *L = lex_len(buf, n);
    CODES(L, "E0110");
    done(L);
}

/* Through the parser: a lexical error is the only error for its mistake. */
static unsigned parse_codes(const char *text, size_t len, const char **first)
{
    Arena a;
    arena_init(&a);
    Interner in;
    intern_init(&in, &a);
    DiagEngine d;
    diag_init(&d);
    Source *src = src_from_memory("t.sfd", text, len);
    parse_file(src, &a, &in, &d);
    unsigned n = d.n;
    static char code[8];
    snprintf(code, sizeof code, "%s", n ? d.items[0]->code : "");
    *first = code;
    diag_release(&d);
    intern_release(&in);
    arena_release(&a);
    src_free(src);
    return n;
}

static void test_parse_no_cascade(void **state)
{
    (void)state;
    static const struct { const char *text, *code; } cases[] = {
        {"a = \"abc", "E0104"},
        {"a = \"abc\nb = 1\n", "E0104"},
        {"a { b = 1 /* open", "E0105"},
        {"a = \"x${b", "E0106"},
        {"a = \"x${b\n", "E0106"},
        {"a = 1\n\xFF\xFE\xFD\n", "E0102"},
        {"a = 256.1.1.1/8\n", "E0108"},
        {"a = \"\\q\"\n", "E0107"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *first;
        unsigned n = parse_codes(cases[i].text, strlen(cases[i].text), &first);
        if (n != 1 || strcmp(first, cases[i].code) != 0)
            fail_msg("case %zu (%s): %u diagnostics, first %s", i, cases[i].code, n, first);
    }
}

/* 1,000-deep blocks and lists: one E0110, no stack overflow. */
static void test_parse_deep(void **state)
{
    (void)state;
    enum { DEPTH = 1000 };
    static char buf[DEPTH * 4 + 16];
    const char *first;
    size_t n = 0;
    for (int i = 0; i < DEPTH; i++) {
        memcpy(buf + n, "a {", 3);
        n += 3;
    }
    assert_int_equal(parse_codes(buf, n, &first), 1);
    assert_string_equal(first, "E0110");
    n = 0;
    memcpy(buf, "x = ", 4);
    n = 4;
    for (int i = 0; i < DEPTH; i++)
        buf[n++] = '[';
    for (int i = 0; i < DEPTH; i++)
        buf[n++] = ']';
    assert_int_equal(parse_codes(buf, n, &first), 1);
    assert_string_equal(first, "E0110");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_hyphen_vs_minus),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_number_too_large),
        cmocka_unit_test(test_quantities),
        cmocka_unit_test(test_cidrs),
        cmocka_unit_test(test_bad_cidrs),
        cmocka_unit_test(test_cidr_trailing_slash),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_bad_escapes),
        cmocka_unit_test(test_empty_string),
        cmocka_unit_test(test_interpolation),
        cmocka_unit_test(test_nested_interpolation),
        cmocka_unit_test(test_dollar_without_brace),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_sink),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_unterminated_string),
        cmocka_unit_test(test_unterminated_comment),
        cmocka_unit_test(test_unterminated_interp),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_unexpected_char),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_nesting_mixed),
        cmocka_unit_test(test_parse_no_cascade),
        cmocka_unit_test(test_parse_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
