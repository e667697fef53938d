/* jsonw.c — the streaming JSON writer (see jsonw.h).
 *
 * It replaced cJSON trees in the plan back end: a 1,000-LA plan was ~1.5
 * million nodes built, printed and dropped, about a third of `sfdc
 * build`'s instructions. Here a value costs its bytes: appends are inline
 * while the buffer has room, strings are copied in runs between the bytes
 * that need escaping (found through a table), integers are formatted
 * without printf, indentation is one copy from a row of blanks. */
#include "jsonw.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "banned.h"

/* Flags of an open container (JsonWriter.open). */
enum {
    JW_F_ARRAY = 1,             /* an array, not an object */
    JW_F_ITEMS = 2,             /* something was written in it */
};

void jw_init(JsonWriter *w, StrBuf *out, JsonLayout layout)
{
    *w = (JsonWriter){.out = out, .layout = layout};
}

void jw_release(JsonWriter *w)
{
    free(w->open);
    w->open = NULL;
    w->cap = w->depth = 0;
}

/* Appends n bytes: inline while there is room, as the writer appends
 * millions of pieces of a few bytes; sb_putn grows the buffer otherwise. */
static inline void put(StrBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap || b->oom) {
        sb_putn(b, s, n);
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* n copies of the blank of the layout (two spaces, or one tab, a level). */
static void indent(JsonWriter *w, int levels)
{
    static const char spaces[] = "                                                                ";
    static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    bool pretty = w->layout == JW_PRETTY;
    const char *row = pretty ? spaces : tabs;
    size_t rowlen = pretty ? sizeof spaces - 1 : sizeof tabs - 1;
    for (size_t n = (size_t)levels * (pretty ? 2 : 1); n > 0;) {
        size_t k = n < rowlen ? n : rowlen;
        put(w->out, row, k);
        n -= k;
    }
}

/* What goes before a value or a key: nothing after a key or at the top;
 * else the separator and indentation of the container it is in. */
static void item(JsonWriter *w)
{
    if (w->keyed) {
        w->keyed = false;
        return;
    }
    if (w->depth == 0)
        return;
    uint8_t *f = &w->open[w->depth - 1];
    bool more = *f & JW_F_ITEMS;
    *f |= JW_F_ITEMS;
    if (w->layout == JW_PRETTY) {
        if (more)
            put(w->out, ",\n", 2);
        else
            put(w->out, "\n", 1);
        indent(w, w->depth);
    } else if (*f & JW_F_ARRAY) {
        if (more)
            put(w->out, ", ", 2);
    } else {
        if (more)
            put(w->out, ",\n", 2);
        indent(w, w->depth);
    }
}

static void push(JsonWriter *w, uint8_t flags)
{
    if (w->depth == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->open = xrealloc(w->open, (size_t)w->cap);
    }
    w->open[w->depth++] = flags;
}

void jw_object(JsonWriter *w)
{
    item(w);
    /* cJSON_Print breaks the line after `{` even when nothing follows */
    put(w->out, "{\n", w->layout == JW_CJSON ? 2 : 1);
    push(w, 0);
}

void jw_array(JsonWriter *w)
{
    item(w);
    put(w->out, "[", 1);
    push(w, JW_F_ARRAY);
}

/* Closes the innermost container with `}` or `]`. */
static void close_with(JsonWriter *w, const char *closer)
{
    uint8_t f = w->open[--w->depth];
    bool items = f & JW_F_ITEMS;
    if (w->layout == JW_PRETTY) {
        if (items) {
            put(w->out, "\n", 1);
            indent(w, w->depth);
        }
    } else if (!(f & JW_F_ARRAY)) {
        if (items)
            put(w->out, "\n", 1);
        indent(w, w->depth);
    }
    put(w->out, closer, 1);
}

void jw_object_end(JsonWriter *w) { close_with(w, "}"); }

void jw_array_end(JsonWriter *w) { close_with(w, "]"); }

/* ---- strings ------------------------------------------------------------ */

/* The bytes that end a plain run: the controls (and the NUL), `"`, `\`. */
static const bool stop[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
    ['"'] = 1, ['\\'] = 1,
};

/* The escape of byte c (one that stops a run, not the NUL) into esc;
 * returns its length. */
static size_t escape_byte(unsigned char c, char esc[6])
{
    static const char hex[] = "0123456789abcdef";
    esc[0] = '\\';
    switch (c) {
    case '"': esc[1] = '"'; return 2;
    case '\\': esc[1] = '\\'; return 2;
    case '\b': esc[1] = 'b'; return 2;
    case '\f': esc[1] = 'f'; return 2;
    case '\n': esc[1] = 'n'; return 2;
    case '\r': esc[1] = 'r'; return 2;
    case '\t': esc[1] = 't'; return 2;
    default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return 6;
    }
}

void jw_escape(StrBuf *b, const char *s)
{
    if (!s)
        s = "";
    const char *p = s;
    while (!stop[(unsigned char)*p])
        p++;
    if (!*p) {                          /* the usual case: nothing to escape */
        size_t n = (size_t)(p - s);
        if (b->n + n + 3 <= b->cap && !b->oom) {
            char *d = b->p + b->n;
            d[0] = '"';
            memcpy(d + 1, s, n);
            d[n + 1] = '"';
            d[n + 2] = '\0';
            b->n += n + 2;
            return;
        }
        put(b, "\"", 1);
        put(b, s, n);
        put(b, "\"", 1);
        return;
    }
    put(b, "\"", 1);
    const char *run = s;
    for (;; p++) {
        while (!stop[(unsigned char)*p])
            p++;
        if (!*p)
            break;
        put(b, run, (size_t)(p - run));
        char esc[6];
        put(b, esc, escape_byte((unsigned char)*p, esc));
        run = p + 1;
    }
    put(b, run, (size_t)(p - run));
    put(b, "\"", 1);
}

/* "s" of n plain bytes, then sep (the key's `: `) of m bytes, in one append. */
static void quoted(StrBuf *b, const char *s, size_t n, const char *sep, size_t m)
{
    if (b->n + n + m + 3 <= b->cap && !b->oom) {
        char *d = b->p + b->n;
        d[0] = '"';
        memcpy(d + 1, s, n);
        d[n + 1] = '"';
        memcpy(d + n + 2, sep, m);
        d[n + 2 + m] = '\0';
        b->n += n + m + 2;
        return;
    }
    put(b, "\"", 1);
    put(b, s, n);
    put(b, "\"", 1);
    put(b, sep, m);
}

/* The separator between a key and its value. */
static void key_sep(JsonWriter *w)
{
    put(w->out, w->layout == JW_PRETTY ? ": " : ":\t", 2);
    w->keyed = true;
}

void jw_key(JsonWriter *w, const char *k)
{
    item(w);
    jw_escape(w->out, k);
    key_sep(w);
}

void jw_key_plain(JsonWriter *w, const char *k, size_t n)
{
    item(w);
    quoted(w->out, k, n, w->layout == JW_PRETTY ? ": " : ":\t", 2);
    w->keyed = true;
}

void jw_string(JsonWriter *w, const char *s)
{
    item(w);
    jw_escape(w->out, s);
}

void jw_string_plain(JsonWriter *w, const char *s, size_t n)
{
    item(w);
    quoted(w->out, s, n, "", 0);
}

void jw_strings(JsonWriter *w, const char *const *items, int n)
{
    jw_array(w);
    for (int i = 0; i < n; i++)
        jw_string(w, items[i]);
    jw_array_end(w);
}

/* ---- numbers and the rest ----------------------------------------------- */

void jw_int(JsonWriter *w, long long v)
{
    char buf[24];
    char *p = buf + sizeof buf;
    /* through unsigned, so LLONG_MIN negates without overflow */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    item(w);
    put(w->out, p, (size_t)(buf + sizeof buf - p));
}

/* cJSON's test that a printed number read back as the same value. */
static bool same_double(double a, double b)
{
    double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= max * DBL_EPSILON;
}

void jw_number(JsonWriter *w, double d)
{
    if (isnan(d) || isinf(d)) {
        jw_null(w);
        return;
    }
    /* cJSON keeps an int beside the double, saturated at int's limits */
    int i = d >= (double)INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    if (d == (double)i) {
        jw_int(w, i);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%1.15g", d);
    if (!same_double(strtod(buf, NULL), d))
        snprintf(buf, sizeof buf, "%1.17g", d);
    item(w);
    put(w->out, buf, strlen(buf));
}

void jw_bool(JsonWriter *w, bool b)
{
    item(w);
    put(w->out, b ? "true" : "false", b ? 4 : 5);
}

void jw_null(JsonWriter *w)
{
    item(w);
    put(w->out, "null", 4);
}
