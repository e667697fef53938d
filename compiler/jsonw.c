/* jsonw.c — the streaming JSON writer (see jsonw.h).
 *
 * It replaced cJSON trees in the plan back end: a 1,000-LA plan was ~1.5
 * million nodes built, printed and dropped, about a third of `sfdc
 * build`'s instructions. Here a value costs its bytes: each append
 * reserves room once for its separator, indentation, quotes and text and
 * copies them; strings are searched for bytes needing escapes eight at a
 * time and copied whole when there are none (runs between escapes
 * otherwise); integers are formatted without printf; separator and
 * indentation are one copy from a row of blanks. */
#include "jsonw.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "strbuf.h"
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

/* ---- the buffer ---------------------------------------------------------- */

/* Grows b to hold n more bytes and the NUL; false when out of memory (oom
 * is set then, and the text is abandoned). */
static bool grow(StrBuf *b, size_t n)
{
    if (b->oom || n > SIZE_MAX / 4 - b->n) {
        b->oom = true;
        return false;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Where the next n bytes go, room made; NULL when out of memory. Every
 * append reserves its whole piece (separator, indentation, quotes, text)
 * once, then copies without further checks. */
static inline char *room(StrBuf *b, size_t n)
{
    if (b->n + n >= b->cap && !grow(b, n))
        return NULL;
    return b->p + b->n;
}

/* Ends an append at end (inside the room reserved). */
static inline void commit(StrBuf *b, char *end)
{
    *end = '\0';
    b->n = (size_t)(end - b->p);
}

static inline char *copy(char *d, const char *s, size_t n)
{
    memcpy(d, s, n);
    return d + n;
}

/* ---- separators and indentation ----------------------------------------- */

/* Separators and indentation are copied from these rows: ",\n" and then
 * blanks for ROW_LEVELS levels; deeper, they are put a level at a time. */
enum { ROW_LEVELS = 64 };
#define SP8 "        "
#define SP64 SP8 SP8 SP8 SP8 SP8 SP8 SP8 SP8
#define TAB8 "\t\t\t\t\t\t\t\t"
static const char pretty_row[] = ",\n" SP64 SP64;
static const char cjson_row[] = ",\n" TAB8 TAB8 TAB8 TAB8 TAB8 TAB8 TAB8 TAB8;

/* A piece of a row: what goes before an item or a closing bracket. */
typedef struct Lead {
    const char *p;
    size_t n;
} Lead;

/* Blanks for levels levels, deeper than the rows: one level at a time. */
static void deep_indent(JsonWriter *w, int levels)
{
    bool pretty = w->layout == JW_PRETTY;
    for (int i = 0; i < levels; i++) {
        char *d = room(w->out, 2);
        if (!d)
            return;
        commit(w->out, copy(d, pretty ? "  " : "\t", pretty ? 2 : 1));
    }
}

/* The newline and blanks of line (below) deeper than the rows reach: put
 * here, a level at a time; the piece returned is empty. */
static Lead deep_line(JsonWriter *w, int from, int depth)
{
    const char *row = w->layout == JW_PRETTY ? pretty_row : cjson_row;
    char *d = room(w->out, 2);
    if (d)
        commit(w->out, copy(d, row + from, (size_t)(2 - from)));
    deep_indent(w, depth);
    return (Lead){"", 0};
}

/* The row piece from `from` (0: ",\n", 1: "\n", 2: no line break) with
 * depth levels of blanks. */
static inline Lead line(JsonWriter *w, int from, int depth)
{
    if (depth > ROW_LEVELS)
        return deep_line(w, from, depth);
    if (w->layout == JW_PRETTY)
        return (Lead){pretty_row + from, (size_t)(2 - from) + 2 * (size_t)depth};
    return (Lead){cjson_row + from, (size_t)(2 - from) + (size_t)depth};
}

/* What goes before a value or a key: nothing after a key or at the top;
 * else the separator and indentation of the container it is in. */
static inline Lead lead(JsonWriter *w)
{
    if (w->keyed) {
        w->keyed = false;
        return (Lead){"", 0};
    }
    if (w->depth == 0)
        return (Lead){"", 0};
    uint8_t *f = &w->open[w->depth - 1];
    bool more = *f & JW_F_ITEMS;
    *f |= JW_F_ITEMS;
    if (w->layout == JW_PRETTY)
        return line(w, more ? 0 : 1, w->depth);
    if (*f & JW_F_ARRAY)                    /* cJSON: `[a, b]` */
        return more ? (Lead){", ", 2} : (Lead){"", 0};
    /* cJSON: `{\n` came with the brace, the newline of a member ends it */
    return line(w, more ? 0 : 2, w->depth);
}

/* lead, then the n bytes of s. */
static void piece(JsonWriter *w, const char *s, size_t n)
{
    Lead l = lead(w);
    char *d = room(w->out, l.n + n);
    if (d)
        commit(w->out, copy(copy(d, l.p, l.n), s, n));
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
    /* cJSON_Print breaks the line after `{` even when nothing follows */
    piece(w, "{\n", w->layout == JW_CJSON ? 2 : 1);
    push(w, 0);
}

void jw_array(JsonWriter *w)
{
    piece(w, "[", 1);
    push(w, JW_F_ARRAY);
}

/* Closes the innermost container with `}` or `]`. */
static void close_with(JsonWriter *w, char closer)
{
    uint8_t f = w->open[--w->depth];
    bool items = f & JW_F_ITEMS;
    Lead l = {"", 0};
    if (w->layout == JW_PRETTY) {
        if (items)
            l = line(w, 1, w->depth);
    } else if (!(f & JW_F_ARRAY)) {
        l = line(w, items ? 1 : 2, w->depth);   /* empty: `{\n` came with the brace */
    }
    char *d = room(w->out, l.n + 1);
    if (d) {
        d = copy(d, l.p, l.n);
        *d++ = closer;
        commit(w->out, d);
    }
}

void jw_object_end(JsonWriter *w) { close_with(w, '}'); }

void jw_array_end(JsonWriter *w) { close_with(w, ']'); }

/* ---- strings ------------------------------------------------------------ */

/* The bytes that need escaping: the controls (and the NUL), `"`, `\`. */
static const bool stop[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
    [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
    ['"'] = 1, ['\\'] = 1,
};

/* Does the 8-byte word x hold a byte needing escaping? Exact for "any"
 * (the bit tricks of "Bit Twiddling Hacks": a byte below 0x20, or equal
 * to `"` or `\`), so a word that says no is copied as it is. */
static inline bool word_stops(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    return ((x - ones * 0x20) & ~x & highs) | ((q - ones) & ~q & highs) | ((bs - ones) & ~bs & highs);
}

/* How many bytes of s (n long) come before the first that needs escaping:
 * eight at a time, the last eight overlapping, then byte by byte from the
 * word that said yes. */
static size_t plain_len(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 8) {
        uint64_t x;
        for (; i + 8 <= n; i += 8) {
            memcpy(&x, s + i, 8);
            if (word_stops(x))
                break;
        }
        if (i + 8 > n) {
            memcpy(&x, s + n - 8, 8);
            if (!word_stops(x))
                return n;
            i = n - 8;
        }
    }
    while (i < n && !stop[(unsigned char)s[i]])
        i++;
    return i;
}

/* The escape of byte c (one that needs it) into esc; returns its length. */
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

/* l, then s (n bytes, the first plain of them plain) quoted and escaped,
 * then the tail bytes of tail (a key's `: `). */
static void put_quoted(StrBuf *b, Lead l, const char *s, size_t n, size_t plain,
                       const char *tail, size_t ntail)
{
    /* an escape is at most 6 bytes: reserve for the worst case */
    size_t most = plain == n ? n : plain + 6 * (n - plain);
    char *d = room(b, l.n + most + 2 + ntail);
    if (!d)
        return;
    d = copy(d, l.p, l.n);
    *d++ = '"';
    d = copy(d, s, plain);
    for (size_t i = plain; i < n;) {
        char esc[6];
        d = copy(d, esc, escape_byte((unsigned char)s[i++], esc));
        size_t k = plain_len(s + i, n - i);
        d = copy(d, s + i, k);
        i += k;
    }
    *d++ = '"';
    commit(b, copy(d, tail, ntail));
}

void jw_escape(StrBuf *b, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    put_quoted(b, (Lead){"", 0}, s, n, plain_len(s, n), "", 0);
}

/* The separator between a key and its value. */
static const char *key_sep(const JsonWriter *w)
{
    return w->layout == JW_PRETTY ? ": " : ":\t";
}

void jw_key(JsonWriter *w, const char *k)
{
    if (!k)
        k = "";
    size_t n = strlen(k);
    put_quoted(w->out, lead(w), k, n, plain_len(k, n), key_sep(w), 2);
    w->keyed = true;
}

void jw_key_plain(JsonWriter *w, const char *k, size_t n)
{
    put_quoted(w->out, lead(w), k, n, n, key_sep(w), 2);
    w->keyed = true;
}

void jw_string(JsonWriter *w, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    put_quoted(w->out, lead(w), s, n, plain_len(s, n), "", 0);
}

void jw_string_plain(JsonWriter *w, const char *s, size_t n)
{
    put_quoted(w->out, lead(w), s, n, n, "", 0);
}

void jw_member_plain(JsonWriter *w, const char *k, size_t kn, const char *v)
{
    if (!v)
        v = "";
    size_t n = strlen(v), plain = plain_len(v, n);
    Lead l = lead(w);
    if (plain < n) {                        /* the rare string with escapes */
        put_quoted(w->out, l, k, kn, kn, key_sep(w), 2);
        put_quoted(w->out, (Lead){"", 0}, v, n, plain, "", 0);
        return;
    }
    char *d = room(w->out, l.n + kn + n + 6);
    if (!d)
        return;
    d = copy(d, l.p, l.n);
    *d++ = '"';
    d = copy(d, k, kn);
    d = copy(d, "\"", 1);
    d = copy(d, key_sep(w), 2);
    *d++ = '"';
    d = copy(d, v, n);
    *d++ = '"';
    commit(w->out, d);
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
    char buf[SB_DIGITS_MAX + 1];
    /* through unsigned, so LLONG_MIN negates without overflow */
    char *p = sb_digits(buf + sizeof buf, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    if (v < 0)
        *--p = '-';
    piece(w, p, (size_t)(buf + sizeof buf - p));
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
    /* what %1.15g prints for an integer below 1e15 (all of them but -0) */
    if (d > -1e15 && d < 1e15 && d == (double)(long long)d && !(d == 0 && signbit(d))) {
        jw_int(w, (long long)d);
        return;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%1.15g", d);
    if (!same_double(strtod(buf, NULL), d))
        snprintf(buf, sizeof buf, "%1.17g", d);
    piece(w, buf, strlen(buf));
}

void jw_bool(JsonWriter *w, bool b)
{
    piece(w, b ? "true" : "false", b ? 4 : 5);
}

void jw_null(JsonWriter *w)
{
    piece(w, "null", 4);
}
