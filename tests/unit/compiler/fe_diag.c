/* fe_diag.c — units for the diagnostics engine: the exact human and gcc
 * renderings of a known diagnostic (tabs, UTF-8, labels, help, colour),
 * JSON lines and SARIF 2.1.0 that parse and carry the right fields, the
 * sort order (phases included), --max-errors, -Werror and the suppression
 * hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "diag.h"

/* Flushes e into a string (malloc'd), through a temporary file. */
static char *flush_str(DiagEngine *e)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    diag_flush(e, f);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static Source *mem(const char *path, const char *text)
{
    return src_from_memory(path, text, strlen(text));
}

/* The fixture: one file, one error with a label, a secondary label and help. */
static void file_known(DiagEngine *e, Source *s)
{
    /* "region" on line 2, opened `{` on line 1 */
    Diag *d = diag_new(e, DIAG_ERROR, "E0201", s, (Span){15, 21},
                       "expected `=`, found identifier `%s`", "region");
    diag_label(e, d, "unexpected here");
    diag_secondary(e, d, s, (Span){13, 14}, "unclosed `{` opened here");
    diag_help(e, d, "attributes are set with `=`");
    diag_emit(e, d);
}

static const char known_src[] = "account core {\nregion eu-west-2\n";

static void test_human_exact(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Source *s = mem("dir/t.sfd", known_src);
    file_known(&e, s);
    char *out = flush_str(&e);
    assert_string_equal(out,
        "error[E0201]: expected `=`, found identifier `region`\n"
        " --> dir/t.sfd:2:1\n"
        "  |\n"
        "1 | account core {\n"
        "  |              - unclosed `{` opened here\n"
        "2 | region eu-west-2\n"
        "  | ^^^^^^ unexpected here\n"
        "  = help: attributes are set with `=`\n"
        "\n"
        "error: 1 error\n");
    free(out);
    diag_release(&e);
    src_free(s);
}

static void test_human_color(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.color = true;
    Source *s = mem("t.sfd", known_src);
    file_known(&e, s);
    char *out = flush_str(&e);
    assert_non_null(strstr(out, "\033[1;31merror[E0201]\033[0m"));
    free(out);
    diag_release(&e);
    src_free(s);
}

/* Tabs expand to 4 columns in the snippet and the caret follows them;
 * the reported column counts characters (a tab is one). */
static void test_human_tabs_utf8(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Source *s = mem("t.sfd", "\tname = \"é\" ?\n");
    diag_error(&e, "E0101", s, (Span){13, 14}, "unexpected character");
    char *out = flush_str(&e);
    assert_string_equal(out,
        "error[E0101]: unexpected character\n"
        " --> t.sfd:1:13\n"
        "  |\n"
        "1 |     name = \"é\" ?\n"
        "  |                ^\n"
        "\n"
        "error: 1 error\n");
    free(out);
    diag_release(&e);
    src_free(s);
}

/* Control bytes in the source line are not sent to the terminal. */
static void test_human_control_bytes(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Source *s = src_from_memory("t.sfd", "a\033[2J\0b\n", 8);
    diag_error(&e, "E0103", s, (Span){5, 6}, "NUL byte in source");
    char *out = flush_str(&e);
    assert_null(strchr(out, '\033'));
    assert_non_null(strstr(out, "1 | a\xEF\xBF\xBD[2J\xEF\xBF\xBD" "b\n"));
    free(out);
    diag_release(&e);
    src_free(s);
}

static void test_human_no_file(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Diag *d = diag_new(&e, DIAG_ERROR, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s",
                       "x.sfd", "no such file or directory");
    diag_help(&e, d, "check the path");
    diag_emit(&e, d);
    char *out = flush_str(&e);
    assert_string_equal(out,
        "error[E0001]: cannot read `x.sfd`: no such file or directory\n"
        "  = help: check the path\n"
        "error: 1 error\n");
    free(out);
    e.format = DIAG_GCC;
    d = diag_new(&e, DIAG_ERROR, "E0001", NULL, (Span){0, 0}, "cannot read `x.sfd`");
    diag_emit(&e, d);
    out = flush_str(&e);
    assert_string_equal(out, "sfdc: error: cannot read `x.sfd` [E0001]\n");
    free(out);
    diag_release(&e);
}

static void test_gcc_exact(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_GCC;
    Source *s = mem("dir/t.sfd", known_src);
    file_known(&e, s);
    char *out = flush_str(&e);
    assert_string_equal(out,
        "dir/t.sfd:2:1: error: expected `=`, found identifier `region` [E0201]\n"
        "dir/t.sfd:1:14: note: unclosed `{` opened here\n"
        "dir/t.sfd:2:1: note: help: attributes are set with `=`\n");
    free(out);
    diag_release(&e);
    src_free(s);
}

static void test_json(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_JSON;
    Source *s = mem("t.sfd", known_src);
    file_known(&e, s);
    Diag *w = diag_new(&e, DIAG_WARNING, "E0007", s, (Span){0, 7}, "a \"quoted\" \\ message é");
    diag_note(&e, w, "a note");
    diag_emit(&e, w);
    char *out = flush_str(&e);
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    /* Sorted: the warning at offset 0 comes first. */
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "severity")->valuestring, "warning");
    assert_string_equal(cJSON_GetObjectItem(o, "message")->valuestring, "a \"quoted\" \\ message é");
    assert_string_equal(cJSON_GetObjectItem(o, "note")->valuestring, "a note");
    cJSON_Delete(o);
    char *second = nl + 1;
    nl = strchr(second, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, "");     /* exactly two lines */
    *nl = '\0';
    o = cJSON_Parse(second);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "severity")->valuestring, "error");
    assert_string_equal(cJSON_GetObjectItem(o, "code")->valuestring, "E0201");
    assert_string_equal(cJSON_GetObjectItem(o, "file")->valuestring, "t.sfd");
    assert_int_equal(cJSON_GetObjectItem(o, "line")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "col")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(o, "end_line")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "end_col")->valueint, 7);
    assert_string_equal(cJSON_GetObjectItem(o, "label")->valuestring, "unexpected here");
    assert_string_equal(cJSON_GetObjectItem(o, "help")->valuestring, "attributes are set with `=`");
    cJSON *labels = cJSON_GetObjectItem(o, "labels");
    assert_int_equal(cJSON_GetArraySize(labels), 1);
    cJSON *l = cJSON_GetArrayItem(labels, 0);
    assert_int_equal(cJSON_GetObjectItem(l, "line")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(l, "col")->valueint, 14);
    assert_string_equal(cJSON_GetObjectItem(l, "message")->valuestring, "unclosed `{` opened here");
    cJSON_Delete(o);
    free(out);
    diag_release(&e);
    src_free(s);
}

static void test_sarif(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_SARIF;
    Source *s = mem("t.sfd", known_src);
    file_known(&e, s);
    char *out = flush_str(&e);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    assert_string_equal(cJSON_GetObjectItem(root, "version")->valuestring, "2.1.0");
    assert_non_null(strstr(cJSON_GetObjectItem(root, "$schema")->valuestring, "sarif"));
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
    assert_non_null(run);
    cJSON *drv = cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver");
    assert_string_equal(cJSON_GetObjectItem(drv, "name")->valuestring, "sfdc");
    cJSON *rules = cJSON_GetObjectItem(drv, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), diag_code_count());
    for (int i = 0; i < diag_code_count(); i++) {
        const char *title, *code = diag_code_at(i, &title);
        cJSON *r = cJSON_GetArrayItem(rules, i);
        assert_string_equal(cJSON_GetObjectItem(r, "id")->valuestring, code);
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetObjectItem(r, "shortDescription"), "text")->valuestring,
            title);
    }
    cJSON *results = cJSON_GetObjectItem(run, "results");
    assert_int_equal(cJSON_GetArraySize(results), 1);
    cJSON *r = cJSON_GetArrayItem(results, 0);
    assert_string_equal(cJSON_GetObjectItem(r, "ruleId")->valuestring, "E0201");
    assert_string_equal(cJSON_GetObjectItem(r, "level")->valuestring, "error");
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "message"), "text")->valuestring,
                           "help: attributes"));
    cJSON *loc = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "locations"), 0);
    cJSON *phys = cJSON_GetObjectItem(loc, "physicalLocation");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(phys, "artifactLocation"), "uri")->valuestring, "t.sfd");
    cJSON *reg = cJSON_GetObjectItem(phys, "region");
    assert_int_equal(cJSON_GetObjectItem(reg, "startLine")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(reg, "startColumn")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(reg, "endColumn")->valueint, 7);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "relatedLocations")), 1);
    cJSON_Delete(root);
    free(out);
    diag_release(&e);
    src_free(s);
}

/* With no diagnostics SARIF is still a valid log with an empty results array. */
static void test_sarif_empty(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_SARIF;
    char *out = flush_str(&e);
    cJSON *root = cJSON_Parse(out);
    assert_non_null(root);
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "results")), 0);
    cJSON_Delete(root);
    free(out);
    diag_release(&e);
}

static void test_sorting(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_GCC;
    Source *a = mem("a.sfd", "x\ny\nz\n"), *b = mem("b.sfd", "p\nq\n");
    a->id = 0;
    b->id = 1;
    diag_error(&e, "E0201", b, (Span){2, 3}, "b2");
    diag_error(&e, "E0201", a, (Span){4, 5}, "a3");
    diag_error(&e, "E0201", a, (Span){0, 1}, "a1-first");
    diag_error(&e, "E0201", b, (Span){0, 1}, "b1");
    diag_error(&e, "E0201", a, (Span){0, 1}, "a1-second");
    diag_error(&e, "E0001", NULL, (Span){0, 0}, "nofile");
    char *out = flush_str(&e);
    assert_string_equal(out,
        "sfdc: error: nofile [E0001]\n"
        "a.sfd:1:1: error: a1-first [E0201]\n"
        "a.sfd:1:1: error: a1-second [E0201]\n"
        "a.sfd:3:1: error: a3 [E0201]\n"
        "b.sfd:1:1: error: b1 [E0201]\n"
        "b.sfd:2:1: error: b2 [E0201]\n");
    free(out);
    diag_release(&e);
    src_free(a);
    src_free(b);
}

/* Walks run a block at a time (rulectx.h) file their diagnostics
 * interleaved; at one position they print in the order of the walks'
 * phases, then of filing; elsewhere position decides, whatever the phase. */
static void test_sorting_phases(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    e.format = DIAG_GCC;
    Source *a = mem("a.sfd", "x\ny\nz\n");
    a->id = 0;
    e.phase = 1;    /* before the pass */
    diag_error(&e, "E0101", a, (Span){2, 3}, "before");
    e.phase = 3;    /* walk 1, block 1 */
    diag_error(&e, "E0201", a, (Span){0, 1}, "walk1-block1");
    e.phase = 2;    /* walk 0, block 2 */
    diag_error(&e, "E0202", a, (Span){0, 1}, "walk0-block2");
    diag_error(&e, "E0203", a, (Span){4, 5}, "walk0-late");
    e.phase = 3;    /* walk 1, block 2 */
    diag_error(&e, "E0204", a, (Span){0, 1}, "walk1-block2");
    diag_error(&e, "E0205", a, (Span){2, 3}, "walk1-line2");
    e.phase = 4;    /* after the pass */
    diag_error(&e, "E0301", a, (Span){0, 1}, "after");
    char *out = flush_str(&e);
    assert_string_equal(out,
        "a.sfd:1:1: error: walk0-block2 [E0202]\n"
        "a.sfd:1:1: error: walk1-block1 [E0201]\n"
        "a.sfd:1:1: error: walk1-block2 [E0204]\n"
        "a.sfd:1:1: error: after [E0301]\n"
        "a.sfd:2:1: error: before [E0101]\n"
        "a.sfd:2:1: error: walk1-line2 [E0205]\n"
        "a.sfd:3:1: error: walk0-late [E0203]\n");
    free(out);
    diag_release(&e);
    src_free(a);
}

static void test_max_errors(void **state)
{
    (void)state;
    Source *s = mem("t.sfd", "1\n2\n3\n4\n5\n");
    for (int fmt = DIAG_HUMAN; fmt <= DIAG_GCC; fmt++) {
        DiagEngine e;
        diag_init(&e);
        e.format = (DiagFormat)fmt;
        e.max_errors = 2;
        for (uint32_t i = 0; i < 5; i++)
            diag_error(&e, "E0201", s, (Span){2 * i, 2 * i + 1}, "error %u", i + 1);
        assert_int_equal(e.errors, 5);
        char *out = flush_str(&e);
        if (fmt == DIAG_GCC) {
            assert_string_equal(out, "t.sfd:1:1: error: error 1 [E0201]\n"
                                     "t.sfd:2:1: error: error 2 [E0201]\n");
        } else {
            assert_non_null(strstr(out, "error 2"));
            assert_null(strstr(out, "error 3"));
            assert_non_null(strstr(out, "note: 3 more errors not shown (--max-errors 2)\n"));
            assert_non_null(strstr(out, "error: 5 errors\n"));
        }
        free(out);
        diag_release(&e);
    }
    src_free(s);
}

static void test_warnings_werror(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Source *s = mem("t.sfd", "x\n");
    Diag *d = diag_new(&e, DIAG_WARNING, "E0007", s, (Span){0, 1}, "w");
    diag_emit(&e, d);
    assert_false(diag_failed(&e));
    assert_int_equal(e.warnings, 1);
    char *out = flush_str(&e);
    assert_non_null(strstr(out, "warning[E0007]: w\n"));
    assert_non_null(strstr(out, "warning: 1 warning\n"));
    free(out);
    diag_release(&e);
    diag_init(&e);
    e.werror = true;
    d = diag_new(&e, DIAG_WARNING, "E0007", s, (Span){0, 1}, "w");
    diag_emit(&e, d);
    assert_true(diag_failed(&e));
    diag_release(&e);
    src_free(s);
}

static bool drop_e0007(void *ctx, const Diag *d)
{
    ++*(int *)ctx;
    return strcmp(d->code, "E0007") == 0;
}

static void test_suppress(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    int calls = 0;
    e.suppress = drop_e0007;
    e.suppress_ctx = &calls;
    Source *s = mem("t.sfd", "x\n");
    diag_error(&e, "E0007", s, (Span){0, 1}, "dropped");
    diag_error(&e, "E0101", s, (Span){0, 1}, "kept");
    assert_int_equal(calls, 2);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.errors, 1);
    diag_release(&e);
    src_free(s);
}

static void test_label_cap_and_other_file(void **state)
{
    (void)state;
    DiagEngine e;
    diag_init(&e);
    Source *a = mem("a.sfd", "import \"b.sfd\"\n"), *b = mem("b.sfd", "import \"a.sfd\"\n");
    b->id = 1;
    Diag *d = diag_new(&e, DIAG_ERROR, "E0005", a, (Span){7, 14}, "import cycle");
    for (int i = 0; i < DIAG_MAX_LABELS + 2; i++)
        diag_secondary(&e, d, b, (Span){7, 14}, "label %d", i);
    diag_emit(&e, d);
    assert_int_equal(d->nlabels, DIAG_MAX_LABELS);
    char *out = flush_str(&e);
    assert_non_null(strstr(out, " ::: b.sfd:1:8\n"));
    assert_non_null(strstr(out, "label 3"));
    assert_null(strstr(out, "label 4"));
    free(out);
    diag_release(&e);
    src_free(a);
    src_free(b);
}

static void test_code_index(void **state)
{
    (void)state;
    assert_string_equal(diag_code_title("E0104"), "unterminated string");
    assert_string_equal(diag_code_title("E0110"), "nesting too deep");
    assert_null(diag_code_title("E9999"));
    assert_true(diag_code_count() >= 20);
    /* Codes are unique and ascending by number (an E or W prefix says only
     * the severity): SPEC.md's index is in that order. */
    const char *title, *prev = diag_code_at(0, &title);
    for (int i = 1; i < diag_code_count(); i++) {
        const char *c = diag_code_at(i, &title);
        assert_true(strcmp(prev + 1, c + 1) < 0);
        assert_non_null(title);
        prev = c;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_exact),
        cmocka_unit_test(test_human_color),
        cmocka_unit_test(test_human_tabs_utf8),
        cmocka_unit_test(test_human_control_bytes),
        cmocka_unit_test(test_human_no_file),
        cmocka_unit_test(test_gcc_exact),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_sarif),
        cmocka_unit_test(test_sarif_empty),
        cmocka_unit_test(test_sorting),
        cmocka_unit_test(test_sorting_phases),
        cmocka_unit_test(test_max_errors),
        cmocka_unit_test(test_warnings_werror),
        cmocka_unit_test(test_suppress),
        cmocka_unit_test(test_label_cap_and_other_file),
        cmocka_unit_test(test_code_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
