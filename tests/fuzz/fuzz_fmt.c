// fuzz: compiler
/* fuzz_fmt.c — the formatter on arbitrary bytes. Input that does not
 * parse must be refused (NULL). Input that parses must format into text
 * that parses again, is a fixed point (fmt(fmt(x)) == fmt(x)), and has the
 * same token stream — kinds and texts, comments included — as the input:
 * the formatter may only move whitespace (and squeeze the blanks inside a
 * quantity such as `2   GiB`, and after a line comment). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "lexer.h"
#include "parse.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A token's or comment's text with the formatter's permitted rewrites undone:
 * blanks and tabs dropped from quantities, trailing blanks from comments. */
static size_t norm(const char *s, size_t n, bool squeeze, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!squeeze || (s[i] != ' ' && s[i] != '\t'))
            out[k++] = s[i];
    while (!squeeze && k && (out[k - 1] == ' ' || out[k - 1] == '\t'))
        k--;
    return k;
}

/* The token stream of text as one byte string: for each token its kind
 * and normalised text, then every comment's text. malloc'd. */
static char *stream(const char *text, size_t len, size_t *out_len)
{
    Arena a;
    Interner in;
    DiagEngine d;
    Lexer lx;
    arena_init(&a);
    intern_init(&in, &a);
    diag_init(&d);
    Source *src = src_from_memory("fuzz.sfd", text, len);
    char *buf = malloc(4 * len + 16), *p = buf;
    lex_init(&lx, src, &a, &in, &d);
    for (;;) {
        YYSTYPE val;
        Span loc;
        int k = lex_next(&lx, &val, &loc);
        if (k == TOK_END)
            break;
        *p++ = (char)(k & 0x7f);
        p += norm(text + loc.start, loc.end - loc.start, k == TOK_QUANTITY, p);
        *p++ = '\0';
    }
    for (uint32_t i = 0; i < lx.ncomments; i++) {
        Span c = lx.comments[i].span;
        *p++ = '#';
        p += norm(text + c.start, c.end - c.start, false, p);
        *p++ = '\0';
    }
    if (d.errors)   /* the formatted text lexed with errors */
        __builtin_trap();
    lex_release(&lx);
    src_free(src);
    diag_release(&d);
    intern_release(&in);
    arena_release(&a);
    *out_len = (size_t)(p - buf);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n1, n2;
    char *once = fmt_text((const char *)data, size, &n1);
    if (!once)
        return 0;
    char *twice = fmt_text(once, n1, &n2);
    if (!twice || n1 != n2 || memcmp(once, twice, n1) != 0)
        __builtin_trap();
    size_t s1, s2;
    char *a = stream((const char *)data, size, &s1);
    char *b = stream(once, n1, &s2);
    if (s1 != s2 || memcmp(a, b, s1) != 0)
        __builtin_trap();
    free(a);
    free(b);
    free(once);
    free(twice);
    return 0;
}
