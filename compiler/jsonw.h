/* jsonw.h — a streaming JSON writer for the JSON back ends (the runtime
 * plan, planemit.c; `sfdc export`, export.c): values are printed as they
 * are made, straight into a StrBuf, with no tree of nodes in between.
 *
 * Two layouts, each byte-identical to what it replaces:
 *   JW_PRETTY  two-space indentation, `"key": value`, one element a line,
 *              `{}` / `[]` when empty: the plan's layout (SPEC.md
 *              "Outputs: the runtime plan"), read like hand-written JSON
 *   JW_CJSON   cJSON_Print's layout: tab indentation, `"key":\tvalue`,
 *              arrays on one line (`[a, b]`), an empty object as `{`,
 *              newline, indentation, `}`: what `sfdc export` printed
 * Members come out in the order they are written; nothing is sorted or
 * checked for duplicates. Strings are escaped as cJSON escapes them: `"`,
 * `\`, the control characters (`\b \f \n \r \t`, others `\u00XX` in lower
 * case); every other byte, UTF-8 or not, is copied as it is.
 *
 * The writer checks nothing about the sequence of calls (a key outside an
 * object is printed all the same): its callers are ours and the goldens
 * pin their output. Out of memory is the StrBuf's: it stops growing and
 * sets oom, which the caller checks once at the end. */
#ifndef SFDC_JSONW_H
#define SFDC_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

typedef enum JsonLayout {
    JW_PRETTY,                  /* two spaces, `": "`, arrays one element a line */
    JW_CJSON,                   /* cJSON_Print: tabs, `":\t"`, arrays on one line */
} JsonLayout;

typedef struct JsonWriter {
    StrBuf *out;                /* where the text goes (not owned) */
    JsonLayout layout;          /* how it is laid out */
    int depth;                  /* containers open */
    uint8_t *open;              /* per open container, JW_F_* flags; malloc'd */
    int cap;                    /* entries allocated in open */
    bool keyed;                 /* a key was just written: the value follows it */
} JsonWriter;

void jw_init(JsonWriter *w, StrBuf *out, JsonLayout layout);
void jw_release(JsonWriter *w);

void jw_object(JsonWriter *w);              /* `{`: members follow */
void jw_object_end(JsonWriter *w);
void jw_array(JsonWriter *w);               /* `[`: elements follow */
void jw_array_end(JsonWriter *w);

/* A member's key; its value is the next value written. */
void jw_key(JsonWriter *w, const char *k);
/* A key of n bytes known to need no escaping (one of our C literals). */
void jw_key_plain(JsonWriter *w, const char *k, size_t n);

/* A string value; NULL prints as "" (as cJSON prints a NULL string). */
void jw_string(JsonWriter *w, const char *s);
/* A string value of n bytes known to need no escaping. */
void jw_string_plain(JsonWriter *w, const char *s, size_t n);
void jw_int(JsonWriter *w, long long v);
/* A number as cJSON (1.7.15) prints it: with 15 significant digits when
 * they read back (within cJSON's tolerance), else 17; NaN and infinities
 * as null. */
void jw_number(JsonWriter *w, double d);
void jw_bool(JsonWriter *w, bool b);
void jw_null(JsonWriter *w);

/* A member whose key is k (kn bytes needing no escaping) and value the
 * string v: the plan's commonest line, in one append. */
void jw_member_plain(JsonWriter *w, const char *k, size_t kn, const char *v);

/* An array of n strings. */
void jw_strings(JsonWriter *w, const char *const *items, int n);

/* Literal keys and strings, their length counted by the compiler:
 * JW_KEY(w, "id"), JW_STR(w, "bootstrap"), JW_MEMBER(w, "id", id). Only
 * for literals that need
 * no escaping (no `"`, `\` or control characters). */
#define JW_KEY(w, lit) jw_key_plain((w), "" lit, sizeof(lit) - 1)
#define JW_STR(w, lit) jw_string_plain((w), "" lit, sizeof(lit) - 1)
#define JW_MEMBER(w, lit, v) jw_member_plain((w), "" lit, sizeof(lit) - 1, (v))

/* s escaped as a JSON string, quotes included, appended to b. */
void jw_escape(StrBuf *b, const char *s);

#endif
