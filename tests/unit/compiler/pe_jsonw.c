/* pe_jsonw.c — units for the streaming JSON writer (jsonw.c), checked
 * against cJSON, whose printing it replaced byte for byte: string
 * escaping (every byte value, controls, quotes, backslash, UTF-8 and
 * invalid UTF-8 passed through, an escape at every position of strings
 * long enough for the word-at-a-time search), numbers, and both layouts
 * (the plan's two-space one; cJSON_Print's) including empty containers
 * and nesting deeper than the writer's rows of blanks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <math.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "jsonw.h"

/* jw_escape(s) as a malloc'd string. */
static char *escaped(const char *s)
{
    StrBuf b = {0};
    jw_escape(&b, s);
    return sb_finish(&b);
}

/* cJSON's printing of the string s. */
static char *cjson_escaped(const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

static void check_escape(const char *s)
{
    char *ours = escaped(s), *theirs = cjson_escaped(s);
    assert_non_null(ours);
    assert_non_null(theirs);
    assert_string_equal(ours, theirs);
    free(ours);
    cJSON_free(theirs);
}

static void test_escape_every_byte(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char s[4] = {'a', (char)c, 'b', 0};
        check_escape(s);
        check_escape(s + 1);
    }
}

static void test_escape_known(void **state)
{
    (void)state;
    char *e = escaped("a\"b\\c\b\f\n\r\t\x01\x1f\x7f");
    assert_string_equal(e, "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
    free(e);
    e = escaped("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");      /* UTF-8 as it is */
    assert_string_equal(e, "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\"");
    free(e);
    e = escaped("\xff\xfe\xc3 \xed\xa0\x80");                  /* invalid UTF-8 too */
    assert_string_equal(e, "\"\xff\xfe\xc3 \xed\xa0\x80\"");
    free(e);
    e = escaped("");
    assert_string_equal(e, "\"\"");
    free(e);
    e = escaped(NULL);                                          /* as cJSON prints NULL */
    assert_string_equal(e, "\"\"");
    free(e);
    const char *mixed[] = {"arn:aws:s3:::bucket/*", "\"\"\"\"\"\"\"\"\"", "\\\\\\\\\\\\\\\\\\",
                           "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89", "tab\there and\nthere"};
    for (size_t i = 0; i < sizeof mixed / sizeof *mixed; i++)
        check_escape(mixed[i]);
}

/* Strings of 0..40 plain bytes with one byte needing an escape at each
 * position (and UTF-8 around it): the word search, its overlapping last
 * word and the byte-by-byte tail all see it. */
static void test_escape_positions(void **state)
{
    (void)state;
    const char bad[] = {'"', '\\', '\n', '\x01', '\x1f'};
    char s[64];
    for (int n = 0; n <= 40; n++) {
        for (int i = 0; i < n; i++)
            s[i] = (char)(i % 3 == 0 ? '\xc3' : 'a' + i % 26);
        s[n] = 0;
        check_escape(s);
        for (int at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof bad; k++) {
                char keep = s[at];
                s[at] = bad[k];
                check_escape(s);
                s[at] = keep;
            }
    }
}

/* A number printed by the writer, at the top level. */
static char *number(double d)
{
    StrBuf b = {0};
    JsonWriter w;
    jw_init(&w, &b, JW_CJSON);
    jw_number(&w, d);
    jw_release(&w);
    return sb_finish(&b);
}

static void test_numbers_like_cjson(void **state)
{
    (void)state;
    const double v[] = {0, -0.0, 1, -1, 3600, 0.5, 0.1, 2.5, -1e-7, 1.0 / 3, 123456789.123,
                        1e15, 1e21, 1e300, -1e300, 5e-324, 4503599627370497.0, 9007199254740993.0,
                        (double)INT_MAX, (double)INT_MIN, (double)INT_MAX + 1, (double)INT_MIN - 1,
                        3e9, -3e9, 999999999999999.0, -999999999999999.0, 1e16, 0.30000000000000004,
                        NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        cJSON *j = cJSON_CreateNumber(v[i]);
        char *theirs = cJSON_PrintUnformatted(j), *ours = number(v[i]);
        assert_non_null(theirs);
        assert_non_null(ours);
        assert_string_equal(ours, theirs);
        free(ours);
        cJSON_free(theirs);
        cJSON_Delete(j);
    }
}

static void test_integers(void **state)
{
    (void)state;
    const long long v[] = {0, 1, -1, 9, 10, -10, 3600, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        StrBuf b = {0};
        JsonWriter w;
        jw_init(&w, &b, JW_PRETTY);
        jw_int(&w, v[i]);
        jw_release(&w);
        char *ours = sb_finish(&b), want[32];
        snprintf(want, sizeof want, "%lld", v[i]);
        assert_string_equal(ours, want);
        free(ours);
    }
}

/* The same document twice: through the writer, and as a cJSON tree. The
 * tree is what cJSON_Print printed for `sfdc export`. depth: how deep the
 * nested objects at the end go (past the writer's rows at 64). */
static void write_doc(JsonWriter *w, int depth)
{
    jw_object(w);
    JW_MEMBER(w, "format", "sfdc-export/1");
    jw_key(w, "na\"me");
    jw_string(w, "caf\xc3\xa9\n");
    JW_KEY(w, "empty_object");
    jw_object(w);
    jw_object_end(w);
    JW_KEY(w, "empty_array");
    jw_array(w);
    jw_array_end(w);
    JW_KEY(w, "list");
    jw_array(w);
    jw_int(w, 1);
    jw_number(w, 2.5);
    jw_bool(w, true);
    jw_bool(w, false);
    jw_null(w);
    jw_object(w);
    JW_MEMBER(w, "ref", "core.ecr.dagster");
    jw_object_end(w);
    jw_array(w);
    jw_array_end(w);
    jw_object(w);
    jw_object_end(w);
    jw_array_end(w);
    JW_KEY(w, "deep");
    for (int i = 0; i < depth; i++) {
        jw_object(w);
        JW_KEY(w, "d");
    }
    jw_array(w);
    JW_STR(w, "x");
    jw_array_end(w);
    for (int i = 0; i < depth; i++)
        jw_object_end(w);
    jw_object_end(w);
}

static cJSON *cjson_doc(int depth)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "sfdc-export/1");
    cJSON_AddStringToObject(root, "na\"me", "caf\xc3\xa9\n");
    cJSON_AddObjectToObject(root, "empty_object");
    cJSON_AddArrayToObject(root, "empty_array");
    cJSON *list = cJSON_AddArrayToObject(root, "list");
    cJSON_AddItemToArray(list, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(list, cJSON_CreateNumber(2.5));
    cJSON_AddItemToArray(list, cJSON_CreateTrue());
    cJSON_AddItemToArray(list, cJSON_CreateFalse());
    cJSON_AddItemToArray(list, cJSON_CreateNull());
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddStringToObject(ref, "ref", "core.ecr.dagster");
    cJSON_AddItemToArray(list, ref);
    cJSON_AddItemToArray(list, cJSON_CreateArray());
    cJSON_AddItemToArray(list, cJSON_CreateObject());
    cJSON *at = root;
    const char *key = "deep";
    for (int i = 0; i < depth; i++) {
        at = cJSON_AddObjectToObject(at, key);
        key = "d";
    }
    cJSON *x = cJSON_AddArrayToObject(at, key);
    cJSON_AddItemToArray(x, cJSON_CreateString("x"));
    return root;
}

static void test_cjson_layout(void **state)
{
    (void)state;
    const int depths[] = {0, 1, 3, 63, 64, 65, 70};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        StrBuf b = {0};
        JsonWriter w;
        jw_init(&w, &b, JW_CJSON);
        write_doc(&w, depths[i]);
        jw_release(&w);
        char *ours = sb_finish(&b);
        cJSON *root = cjson_doc(depths[i]);
        char *theirs = cJSON_Print(root);
        assert_string_equal(ours, theirs);
        free(ours);
        cJSON_free(theirs);
        cJSON_Delete(root);
    }
}

/* The plan's layout, by the rule planemit's old printer followed: two
 * spaces a level, one element a line, `{}` and `[]` when empty. */
static void pretty_ref(StrBuf *b, const cJSON *j, int depth)
{
    char pad[512];
    bool obj = cJSON_IsObject(j);
    if (!obj && !cJSON_IsArray(j)) {
        char *s = cJSON_PrintUnformatted(j);
        sb_puts(b, s);
        cJSON_free(s);
        return;
    }
    if (!j->child) {
        sb_puts(b, obj ? "{}" : "[]");
        return;
    }
    sb_puts(b, obj ? "{\n" : "[\n");
    for (const cJSON *c = j->child; c; c = c->next) {
        memset(pad, ' ', (size_t)(depth + 1) * 2);
        sb_putn(b, pad, (size_t)(depth + 1) * 2);
        if (obj) {
            char *k = escaped(c->string);
            sb_puts(b, k);
            free(k);
            sb_puts(b, ": ");
        }
        pretty_ref(b, c, depth + 1);
        sb_puts(b, c->next ? ",\n" : "\n");
    }
    memset(pad, ' ', (size_t)depth * 2);
    sb_putn(b, pad, (size_t)depth * 2);
    sb_puts(b, obj ? "}" : "]");
}

static void test_pretty_layout(void **state)
{
    (void)state;
    StrBuf b = {0};
    JsonWriter w;
    jw_init(&w, &b, JW_PRETTY);
    jw_object(&w);
    JW_KEY(&w, "steps");
    jw_array(&w);
    jw_array_end(&w);
    JW_KEY(&w, "after");
    const char *ids[] = {"a", "b"};
    jw_strings(&w, ids, 2);
    jw_object_end(&w);
    jw_release(&w);
    char *s = sb_finish(&b);
    assert_string_equal(s, "{\n  \"steps\": [],\n  \"after\": [\n    \"a\",\n    \"b\"\n  ]\n}");
    free(s);
    const int depths[] = {0, 2, 63, 64, 65, 70};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        StrBuf ours = {0}, ref = {0};
        jw_init(&w, &ours, JW_PRETTY);
        write_doc(&w, depths[i]);
        jw_release(&w);
        cJSON *root = cjson_doc(depths[i]);
        pretty_ref(&ref, root, 0);
        cJSON_Delete(root);
        char *o = sb_finish(&ours), *r = sb_finish(&ref);
        assert_string_equal(o, r);
        free(o);
        free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_every_byte),
        cmocka_unit_test(test_escape_known),
        cmocka_unit_test(test_escape_positions),
        cmocka_unit_test(test_numbers_like_cjson),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_cjson_layout),
        cmocka_unit_test(test_pretty_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
