/* fe_source.c — units for source files and the line table: \n, \r\n and
 * lone \r terminators, a last line without a newline, columns counted in
 * UTF-8 characters (a tab is one column), line spans, and src_load's
 * refusals (missing file, directory, file over 64 MiB). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "source.h"

static Source *mem(const char *text)
{
    return src_from_memory("t.sfd", text, strlen(text));
}

#define assert_lc(s, off, l, c)                          \
    do {                                                 \
        LineCol lc_ = src_linecol((s), (off));           \
        assert_int_equal(lc_.line, (l));                 \
        assert_int_equal(lc_.col, (c));                  \
    } while (0)

static void test_from_memory(void **state)
{
    (void)state;
    Source *s = src_from_memory("x.sfd", "ab\0cd", 5);
    assert_int_equal(s->len, 5);
    assert_string_equal(s->path, "x.sfd");
    assert_memory_equal(s->text, "ab\0cd", 5);
    assert_int_equal(s->text[5], '\0');   /* the lexer's sentinel */
    src_free(s);
    src_free(NULL);
}

static void test_lf(void **state)
{
    (void)state;
    Source *s = mem("ab\ncd\n\nx");
    assert_lc(s, 0, 1, 1);
    assert_lc(s, 1, 1, 2);
    assert_lc(s, 2, 1, 3);      /* the newline itself ends line 1 */
    assert_lc(s, 3, 2, 1);
    assert_lc(s, 4, 2, 2);
    assert_lc(s, 6, 3, 1);      /* the empty line */
    assert_lc(s, 7, 4, 1);
    assert_lc(s, 8, 4, 2);      /* end of file, no trailing newline */
    assert_int_equal(s->nlines, 4);
    src_free(s);
}

static void test_crlf(void **state)
{
    (void)state;
    Source *s = mem("ab\r\ncd\r\n");
    assert_lc(s, 2, 1, 3);      /* \r */
    assert_lc(s, 3, 1, 4);      /* \n of the same terminator: still line 1 */
    assert_lc(s, 4, 2, 1);
    assert_lc(s, 5, 2, 2);
    assert_lc(s, 8, 3, 1);
    assert_int_equal(s->nlines, 3);
    Span l1 = src_line_span(s, 1);
    assert_int_equal(l1.start, 0);
    assert_int_equal(l1.end, 2);  /* without the \r */
    Span l2 = src_line_span(s, 2);
    assert_int_equal(l2.start, 4);
    assert_int_equal(l2.end, 6);
    src_free(s);
}

static void test_lone_cr(void **state)
{
    (void)state;
    Source *s = mem("a\rb\r\rc");
    assert_lc(s, 0, 1, 1);
    assert_lc(s, 2, 2, 1);
    assert_lc(s, 4, 3, 1);
    assert_lc(s, 5, 4, 1);
    Span l2 = src_line_span(s, 2);
    assert_int_equal(l2.start, 2);
    assert_int_equal(l2.end, 3);
    src_free(s);
}

static void test_mixed_terminators(void **state)
{
    (void)state;
    Source *s = mem("a\n\r\nb\rc\n");
    assert_lc(s, 1, 1, 2);
    assert_lc(s, 2, 2, 1);      /* \r\n: an empty line 2 */
    assert_lc(s, 4, 3, 1);      /* b */
    assert_lc(s, 6, 4, 1);      /* c after a lone \r */
    assert_int_equal(s->nlines, 5);
    src_free(s);
}

static void test_no_trailing_newline(void **state)
{
    (void)state;
    Source *s = mem("x = 1");
    assert_int_equal(s->nlines, 0);   /* built lazily */
    assert_lc(s, 4, 1, 5);
    assert_lc(s, 5, 1, 6);
    assert_lc(s, 1000, 1, 6);         /* past the end: clamped */
    Span l = src_line_span(s, 1);
    assert_int_equal(l.start, 0);
    assert_int_equal(l.end, 5);
    Span none = src_line_span(s, 2);  /* no such line */
    assert_int_equal(none.start, 5);
    assert_int_equal(none.end, 5);
    none = src_line_span(s, 0);
    assert_int_equal(none.start, 5);
    src_free(s);
}

static void test_empty(void **state)
{
    (void)state;
    Source *s = mem("");
    assert_int_equal(s->len, 0);
    assert_lc(s, 0, 1, 1);
    Span l = src_line_span(s, 1);
    assert_int_equal(l.start, 0);
    assert_int_equal(l.end, 0);
    src_free(s);
}

static void test_utf8_columns(void **state)
{
    (void)state;
    /* é is 2 bytes, € 3, 😀 4: each one column. */
    Source *s = mem("é=€😀x\n  £y");
    assert_lc(s, 2, 1, 2);      /* = */
    assert_lc(s, 3, 1, 3);      /* € */
    assert_lc(s, 6, 1, 4);      /* 😀 */
    assert_lc(s, 10, 1, 5);     /* x */
    assert_lc(s, 14, 2, 3);     /* £ */
    assert_lc(s, 16, 2, 4);     /* y */
    src_free(s);
}

static void test_tabs(void **state)
{
    (void)state;
    Source *s = mem("\t\tx = 1\n\ty");
    assert_lc(s, 2, 1, 3);      /* a tab is one column */
    assert_lc(s, 9, 2, 2);
    src_free(s);
}

static void test_utf8_len(void **state)
{
    (void)state;
    assert_int_equal(src_utf8_len('a'), 1);
    assert_int_equal(src_utf8_len(0xC3), 2);
    assert_int_equal(src_utf8_len(0xE2), 3);
    assert_int_equal(src_utf8_len(0xF0), 4);
    assert_int_equal(src_utf8_len(0x80), 1);   /* continuation byte alone */
    assert_int_equal(src_utf8_len(0xFF), 1);
}

/* A truncated sequence at the end of the file does not read past it. */
static void test_truncated_utf8_column(void **state)
{
    (void)state;
    Source *s = src_from_memory("t.sfd", "ab\xF0", 3);
    LineCol lc = src_linecol(s, 3);
    assert_int_equal(lc.line, 1);
    assert_true(lc.col >= 3 && lc.col <= 4);
    src_free(s);
}

/* Bytes that do not form valid UTF-8 count one column each (the renderer
 * prints each as U+FFFD): a Latin-1 é (0xE9) must not swallow the next two
 * characters, or every later column on the line is off. */
static void test_invalid_utf8_columns(void **state)
{
    (void)state;
    Source *s = mem("x = 1 \xE9" "ab @");
    assert_lc(s, 6, 1, 7);      /* the bad byte */
    assert_lc(s, 7, 1, 8);      /* a */
    assert_lc(s, 10, 1, 11);    /* @ */
    src_free(s);
    s = mem("\x80\x80\x80z");
    assert_lc(s, 3, 1, 4);      /* stray continuation bytes: one column each */
    src_free(s);
}

static void test_many_lines(void **state)
{
    (void)state;
    enum { N = 100000 };
    char *text = malloc(N * 2 + 1);
    for (int i = 0; i < N; i++) {
        text[2 * i] = 'a';
        text[2 * i + 1] = '\n';
    }
    text[2 * N] = '\0';
    Source *s = mem(text);
    for (uint32_t i = 0; i < N; i += 997)
        assert_lc(s, 2 * i + 1, i + 1, 2);
    assert_lc(s, 2 * N, N + 1, 1);
    src_free(s);
    free(text);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fe_source.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/ok.sfd", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/big.sfd", tmpdir);
    unlink(p);
    return rmdir(tmpdir);
}

static void test_load(void **state)
{
    (void)state;
    char p[128];
    SrcError err = SRC_OK;
    snprintf(p, sizeof p, "%s/ok.sfd", tmpdir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs("a = 1\r\n", f);
    fclose(f);
    Source *s = src_load(p, &err);
    assert_non_null(s);
    assert_int_equal(s->len, 7);
    assert_memory_equal(s->text, "a = 1\r\n", 8);
    src_free(s);

    snprintf(p, sizeof p, "%s/missing.sfd", tmpdir);
    assert_null(src_load(p, &err));
    assert_int_equal(err, SRC_ENOENT);
    snprintf(p, sizeof p, "%s/ok.sfd/below", tmpdir);   /* ENOTDIR */
    assert_null(src_load(p, &err));
    assert_int_equal(err, SRC_ENOENT);
    assert_null(src_load(tmpdir, &err));
    assert_int_equal(err, SRC_EISDIR);

    /* A sparse file one byte over the limit is refused before reading. */
    snprintf(p, sizeof p, "%s/big.sfd", tmpdir);
    f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)SRC_MAX_BYTES + 1), 0);
    fclose(f);
    assert_null(src_load(p, &err));
    assert_int_equal(err, SRC_ETOOBIG);
    assert_string_equal(src_strerror(SRC_ETOOBIG), "file is larger than 64 MiB");
    assert_non_null(src_strerror(SRC_EIO));
    assert_non_null(src_strerror(SRC_EACCES));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_memory),
        cmocka_unit_test(test_lf),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lone_cr),
        cmocka_unit_test(test_mixed_terminators),
        cmocka_unit_test(test_no_trailing_newline),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_utf8_columns),
        cmocka_unit_test(test_tabs),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test(test_truncated_utf8_column),
        cmocka_unit_test(test_invalid_utf8_columns),
        cmocka_unit_test(test_many_lines),
        cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
