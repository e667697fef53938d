/* emit_hcl.c — the writer that lays HCL values (hcl.h) out in
 * `terraform fmt` canonical form (see emit_hcl.h for the rules).
 *
 * terraform fmt (hclwrite's format.go) aligns the `=` of consecutive lines
 * that each hold a whole `name = value` assignment; a line that opens a
 * bracket without closing it (`tags = {`), a blank line, a comment or a
 * block line breaks the chain. The writer mirrors that by keeping a run of
 * pending single-line attributes and writing it, aligned, as soon as
 * anything else comes. */
#include "emit_hcl.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "banned.h"

/* n spaces. */
static void indent_cols(HclBuf *b, int cols)
{
    static const char spaces[] = "                                                                ";
    size_t n = cols > 0 ? (size_t)cols : 0;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        hcl_buf_put(b, spaces, k);
        n -= k;
    }
}

static void indent(HclBuf *b, int depth)
{
    indent_cols(b, depth * 2);
}

/* ---- scalars ------------------------------------------------------------ */

/* Does the 8-byte word x hold a byte that stops a plain run: a control
 * (or the NUL), DEL, `\\`, `"`, `$` or `%`? Exact for "any" (the bit tricks
 * of "Bit Twiddling Hacks", as jsonw.c's word_stops), so a word that says
 * no is copied as it is. */
static inline bool word_stops(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t del = x ^ (ones * 0x7f), bs = x ^ (ones * '\\'), q = x ^ (ones * '"');
    uint64_t dollar = x ^ (ones * '$'), pct = x ^ (ones * '%');
    return (((x - ones * 0x20) & ~x) | ((del - ones) & ~del) | ((bs - ones) & ~bs) | ((q - ones) & ~q) |
            ((dollar - ones) & ~dollar) | ((pct - ones) & ~pct)) & highs;
}

static inline bool byte_stops(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '\\' || c == '"' || c == '$' || c == '%';
}

/* How many bytes of s (n long) come before the first that may need
 * escaping: eight at a time, the last eight overlapping, then byte by byte
 * from the word that said yes. Most strings (names, ARNs, ids) have none. */
static size_t plain_len(const char *s, size_t n)
{
    size_t i = 0;
    uint64_t x;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (word_stops(x))
            break;
    }
    if (n >= 8 && i + 8 > n) {
        memcpy(&x, s + n - 8, 8);
        if (!word_stops(x))
            return n;
        i = n - 8;
    }
    while (i < n && !byte_stops((unsigned char)s[i]))
        i++;
    return i;
}

/* The text of s (n bytes, the first k of them known plain) as the inside
 * of a string literal; room for n bytes is reserved. */
static void escape_rest(HclBuf *out, const char *s, size_t n, size_t k)
{
    for (size_t i = 0;;) {
        hcl_buf_put(out, s + i, k);
        i += k;
        if (i == n)
            return;
        unsigned char c = (unsigned char)s[i++];
        switch (c) {
        case '\\': hcl_buf_put(out, "\\\\", 2); break;
        case '"': hcl_buf_put(out, "\\\"", 2); break;
        case '\n': hcl_buf_put(out, "\\n", 2); break;
        case '\r': hcl_buf_put(out, "\\r", 2); break;
        case '\t': hcl_buf_put(out, "\\t", 2); break;
        case '$':
        case '%':
            /* `${` and `%{` open template sequences: double the sign */
            hcl_buf_put(out, (const char *)&c, 1);
            if (s[i] == '{')
                hcl_buf_put(out, (const char *)&c, 1);
            break;
        default:
            hcl_buf_printf(out, "\\u%04x", c);
        }
        k = plain_len(s + i, n - i);
    }
}

/* The text of a string literal without quotes. */
static void escape_into(HclBuf *out, const char *s)
{
    size_t n = strlen(s);
    if (out->n + n + 3 > out->cap)
        hcl_buf_reserve(out, n + 2);
    escape_rest(out, s, n, plain_len(s, n));
}

void hcl_escape(HclBuf *out, const char *s)
{
    escape_into(out, s);
}

/* Most strings (names, ARNs, ids) need no escape: quotes and bytes are
 * copied in one step. */
void hcl_quote(HclBuf *out, const char *s)
{
    size_t n = strlen(s);
    if (out->n + n + 3 > out->cap)
        hcl_buf_reserve(out, n + 2);
    size_t k = plain_len(s, n);
    if (k == n) {
        char *d = out->p + out->n;
        d[0] = '"';
        memcpy(d + 1, s, n);
        d[n + 1] = '"';
        d[n + 2] = '\0';
        out->n += n + 2;
        return;
    }
    hcl_buf_put(out, "\"", 1);
    escape_rest(out, s, n, k);
    hcl_buf_put(out, "\"", 1);
}

void hcl_format_num(HclBuf *out, double num)
{
    if (num == 0) {
        hcl_buf_put(out, "0", 1);
        return;
    }
    if (num == floor(num) && fabs(num) < 1e15) {     /* as "%.0f" prints it, without printf */
        char digits[SB_DIGITS_MAX + 1];
        long long v = (long long)num;
        char *p = sb_digits(digits + sizeof digits,
                            v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
        if (v < 0)
            *--p = '-';
        hcl_buf_put(out, p, (size_t)(digits + sizeof digits - p));
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, num);
        if (strtod(tmp, NULL) == num)
            break;
    }
    hcl_buf_puts(out, tmp);
}

/* 2: may start an identifier (letters, `_`); 1: may follow (digits, `-`). */
static const unsigned char ident_byte[256] = {
    ['_'] = 2, ['-'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 2, ['b'] = 2, ['c'] = 2, ['d'] = 2, ['e'] = 2, ['f'] = 2, ['g'] = 2, ['h'] = 2, ['i'] = 2,
    ['j'] = 2, ['k'] = 2, ['l'] = 2, ['m'] = 2, ['n'] = 2, ['o'] = 2, ['p'] = 2, ['q'] = 2, ['r'] = 2,
    ['s'] = 2, ['t'] = 2, ['u'] = 2, ['v'] = 2, ['w'] = 2, ['x'] = 2, ['y'] = 2, ['z'] = 2,
    ['A'] = 2, ['B'] = 2, ['C'] = 2, ['D'] = 2, ['E'] = 2, ['F'] = 2, ['G'] = 2, ['H'] = 2, ['I'] = 2,
    ['J'] = 2, ['K'] = 2, ['L'] = 2, ['M'] = 2, ['N'] = 2, ['O'] = 2, ['P'] = 2, ['Q'] = 2, ['R'] = 2,
    ['S'] = 2, ['T'] = 2, ['U'] = 2, ['V'] = 2, ['W'] = 2, ['X'] = 2, ['Y'] = 2, ['Z'] = 2,
};

/* hcl_is_ident, also giving s's length when it is one (an identifier is
 * ASCII: as many columns as bytes). */
static bool ident_len(const char *s, size_t *len)
{
    if (ident_byte[(unsigned char)*s] != 2)
        return false;
    const unsigned char *p = (const unsigned char *)s + 1;
    while (ident_byte[*p])
        p++;
    if (*p)
        return false;
    size_t n = (size_t)(p - (const unsigned char *)s);
    *len = n;
    switch (n) {    /* the keywords: true, false, null, for, in, if */
    case 2: return memcmp(s, "in", 2) != 0 && memcmp(s, "if", 2) != 0;
    case 3: return memcmp(s, "for", 3) != 0;
    case 4: return memcmp(s, "true", 4) != 0 && memcmp(s, "null", 4) != 0;
    case 5: return memcmp(s, "false", 5) != 0;
    default: return true;
    }
}

bool hcl_is_ident(const char *s)
{
    size_t n;
    return ident_len(s, &n);
}

static void key_into(HclBuf *out, const char *key)
{
    size_t n;
    if (ident_len(key, &n))
        hcl_buf_put(out, key, n);
    else
        hcl_quote(out, key);
}

/* Display columns of n bytes of UTF-8: code points. */
static int columns(const char *s, size_t n)
{
    size_t i = 0, cont = 0;
    for (uint64_t x; i + 8 <= n; i += 8) {    /* ASCII words: a column a byte */
        memcpy(&x, s + i, 8);
        if (x & 0x8080808080808080u)
            break;
    }
    for (size_t k = i; k < n; k++)
        cont += ((unsigned char)s[k] & 0xc0) == 0x80;
    return (int)(n - cont);
}

/* ---- one-line renderings ------------------------------------------------ */

/* True once the text from `start` is wider than `room` columns: a list or
 * object that cannot fit stops rendering there, instead of rendering every
 * nested value in full at each level it is tried (columns <= bytes, so the
 * code points are counted only past `room` bytes). */
static bool too_wide(const HclBuf *out, size_t start, int room)
{
    size_t n = out->n - start;
    return n > (size_t)room && columns(out->p + start, n) > room;
}

/* Writes v on one line; false if it cannot be (a heredoc inside) or, for a
 * list or object, once the text from `start` is wider than `room`. */
static bool inline_into(HclWriter *w, HclBuf *out, const HclVal *v, size_t start, int room)
{
    switch (v->kind) {
    case HCL_STR: hcl_quote(out, v->s); return true;
    case HCL_NUM: hcl_format_num(out, v->num); return true;
    case HCL_BOOL: hcl_buf_puts(out, v->b ? "true" : "false"); return true;
    case HCL_EXPR: hcl_buf_puts(out, v->s); return true;
    case HCL_REF: w->ref(w->ref_ctx, out, v); return true;
    case HCL_HEREDOC: return false;
    case HCL_TMPL:
        hcl_buf_put(out, "\"", 1);
        for (int i = 0; i < v->n; i++) {
            const HclVal *p = v->items[i];
            if (p->kind == HCL_STR) {
                escape_into(out, p->s);
            } else {
                hcl_buf_put(out, "${", 2);
                if (!inline_into(w, out, p, start, room))
                    return false;
                hcl_buf_put(out, "}", 1);
            }
        }
        hcl_buf_put(out, "\"", 1);
        return true;
    case HCL_LIST:
        hcl_buf_put(out, "[", 1);
        for (int i = 0; i < v->n; i++) {
            if (i)
                hcl_buf_put(out, ", ", 2);
            if (!inline_into(w, out, v->items[i], start, room) || too_wide(out, start, room))
                return false;
        }
        hcl_buf_put(out, "]", 1);
        return true;
    case HCL_OBJ:
        if (v->n == 0) {
            hcl_buf_put(out, "{}", 2);
            return true;
        }
        hcl_buf_put(out, "{ ", 2);
        for (int i = 0; i < v->n; i++) {
            if (i)
                hcl_buf_put(out, ", ", 2);
            key_into(out, v->keys[i]);
            hcl_buf_put(out, " = ", 3);
            if (!inline_into(w, out, v->items[i], start, room) || too_wide(out, start, room))
                return false;
        }
        hcl_buf_put(out, " }", 2);
        return true;
    }
    return false;
}

/* Appends v's one-line text to out if it fits in `room` columns; else
 * leaves out as it was and returns false. The text goes straight where it
 * is kept (the run, the output): no scratch copy. */
static bool try_inline(HclWriter *w, HclBuf *out, const HclVal *v, int room)
{
    if (v->multiline)
        return false;
    size_t start = out->n;
    bool scalar = v->kind != HCL_LIST && v->kind != HCL_OBJ;
    bool ok = scalar    /* a scalar goes on its line whatever its width */
                  ? inline_into(w, out, v, start, INT_MAX)
                  : inline_into(w, out, v, start, room) && columns(out->p + start, out->n - start) <= room;
    if (!ok && out->p) {
        out->n = start;
        out->p[start] = '\0';
    }
    return ok;
}

/* ---- the aligned run ---------------------------------------------------- */

static void blank_if_pending(HclWriter *w);

void hcl_flush(HclWriter *w)
{
    int width = 0;
    for (int i = 0; i < w->nrun; i++)
        if (w->run[i].cols > width)
            width = w->run[i].cols;
    HclBuf *out = w->out;
    size_t ind = 2 * (size_t)(w->depth > 0 ? w->depth : 0);
    for (int i = 0; i < w->nrun; i++) {    /* each line reserved once, then copied in */
        const HclRunItem *r = &w->run[i];
        size_t pad = (size_t)(width - r->cols);
        size_t need = ind + r->klen + pad + 3 + r->vlen + 1;
        if (out->n + need + 1 > out->cap)
            hcl_buf_reserve(out, need);
        char *d = out->p + out->n;
        memset(d, ' ', ind);
        d += ind;
        memcpy(d, w->run_text.p + r->key, r->klen);
        d += r->klen;
        memset(d, ' ', pad);
        d += pad;
        memcpy(d, " = ", 3);
        d += 3;
        memcpy(d, w->run_text.p + r->val, r->vlen);
        d += r->vlen;
        *d++ = '\n';
        *d = '\0';
        out->n = (size_t)(d - out->p);
    }
    w->nrun = 0;
    w->run_text.n = 0;
}

/* Adds to the run the name at run_text[key..key+klen) and the value from
 * there to the end of run_text, both already appended by the caller. */
static void run_push(HclWriter *w, size_t key, size_t klen, int cols)
{
    if (w->nrun == w->caprun) {
        w->caprun = w->caprun ? w->caprun * 2 : 16;
        w->run = xrealloc(w->run, (size_t)w->caprun * sizeof *w->run);
    }
    HclRunItem *r = &w->run[w->nrun++];
    r->key = key;
    r->klen = klen;
    r->val = key + klen;
    r->vlen = w->run_text.n - r->val;
    r->cols = cols;
}

/* ---- multi-line renderings ---------------------------------------------- */

static void attr_keyed(HclWriter *w, const char *keytext, size_t klen, int cols, const HclVal *v);

/* Writes v starting mid-line at w->depth, over several lines; leaves the
 * cursor after the closing bracket (no newline). */
static void multi_into(HclWriter *w, const HclVal *v)
{
    HclBuf *out = w->out;
    if (v->kind == HCL_OBJ) {
        hcl_buf_put(out, "{\n", 2);
        w->depth++;
        HclBuf key = {0};   /* a key that needs quotes; most are written as they are */
        for (int i = 0; i < v->n; i++) {
            const char *k = v->keys[i];
            size_t klen;
            if (ident_len(k, &klen)) {
                attr_keyed(w, k, klen, (int)klen, v->items[i]);
            } else {
                key.n = 0;
                hcl_quote(&key, k);
                attr_keyed(w, key.p, key.n, columns(key.p, key.n), v->items[i]);
            }
        }
        hcl_buf_release(&key);
        hcl_flush(w);
        w->depth--;
        indent(out, w->depth);
        hcl_buf_put(out, "}", 1);
    } else if (v->kind == HCL_LIST) {
        hcl_buf_put(out, "[\n", 2);
        w->depth++;
        for (int i = 0; i < v->n; i++) {
            indent(out, w->depth);
            if (!try_inline(w, out, v->items[i], HCL_WIDTH - 2 * w->depth - 1))
                multi_into(w, v->items[i]);
            hcl_buf_put(out, ",\n", 2);
        }
        w->depth--;
        indent(out, w->depth);
        hcl_buf_put(out, "]", 1);
    } else if (v->kind == HCL_HEREDOC) {
        hcl_buf_put(out, "<<-EOF\n", 7);
        for (const char *p = v->s; *p;) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n) {
                indent(out, w->depth + 1);
                hcl_buf_put(out, p, n);
            }
            hcl_buf_put(out, "\n", 1);
            p += n + (nl ? 1 : 0);
        }
        indent(out, w->depth);
        hcl_buf_put(out, "EOF", 3);
    } else {
        inline_into(w, out, v, out->n, INT_MAX);
    }
}

/* `keytext = v`: keytext is klen bytes, cols columns wide. */
static void attr_keyed(HclWriter *w, const char *keytext, size_t klen, int cols, const HclVal *v)
{
    blank_if_pending(w);
    w->at_start = false;
    size_t key = w->run_text.n;
    hcl_buf_put(&w->run_text, keytext, klen);
    if (v->kind == HCL_HEREDOC) {
        /* `name = <<-EOF` is a whole assignment to terraform fmt, and the
         * heredoc is one token: the run goes on through it. */
        HclBuf *saved = w->out;
        w->out = &w->run_text;
        multi_into(w, v);
        w->out = saved;
        run_push(w, key, klen, cols);
        return;
    }
    if (try_inline(w, &w->run_text, v, HCL_WIDTH - 2 * w->depth - cols - 3)) {
        run_push(w, key, klen, cols);
        return;
    }
    w->run_text.n = key;    /* the name goes out with the multi-line value */
    w->run_text.p[key] = '\0';
    hcl_flush(w);
    indent(w->out, w->depth);
    hcl_buf_put(w->out, keytext, klen);
    hcl_buf_put(w->out, " = ", 3);
    multi_into(w, v);
    hcl_buf_put(w->out, "\n", 1);
}

/* ---- the writer --------------------------------------------------------- */

/* A blank line requested by hcl_blank is written lazily, so that none is
 * ever written at the start or the end of a body. */
static void blank_if_pending(HclWriter *w)
{
    if (w->blank) {
        hcl_flush(w);
        hcl_buf_put(w->out, "\n", 1);
        w->blank = false;
    }
}

void hcl_writer_init(HclWriter *w, HclBuf *out, HclRefFn ref, void *ref_ctx)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->ref = ref;
    w->ref_ctx = ref_ctx;
    w->at_start = true;
}

void hcl_writer_release(HclWriter *w)
{
    hcl_flush(w);
    free(w->run);
    hcl_buf_release(&w->run_text);
    w->run = NULL;
    w->nrun = w->caprun = 0;
}

void hcl_writer_reset(HclWriter *w, HclBuf *out)
{
    hcl_flush(w);
    w->out = out;
    w->depth = 0;
    w->at_start = true;
    w->blank = false;
}

void hcl_attr(HclWriter *w, const char *name, const HclVal *v)
{
    size_t n = strlen(name);
    attr_keyed(w, name, n, columns(name, n), v);
}

void hcl_block_open(HclWriter *w, const char *type, const char *const *labels, int nlabels)
{
    blank_if_pending(w);
    hcl_flush(w);
    indent(w->out, w->depth);
    hcl_buf_puts(w->out, type);
    for (int i = 0; i < nlabels; i++) {
        hcl_buf_put(w->out, " ", 1);
        hcl_quote(w->out, labels[i]);
    }
    hcl_buf_put(w->out, " {\n", 3);
    w->depth++;
    w->at_start = true;
}

void hcl_block_close(HclWriter *w)
{
    hcl_flush(w);
    w->blank = false;
    w->depth--;
    indent(w->out, w->depth);
    hcl_buf_put(w->out, "}\n", 2);
    w->at_start = false;
}

void hcl_blank(HclWriter *w)
{
    hcl_flush(w);
    if (!w->at_start)
        w->blank = true;
}

void hcl_raw(HclWriter *w, const char *text, size_t n)
{
    blank_if_pending(w);
    hcl_flush(w);
    hcl_buf_put(w->out, text, n);
    w->at_start = false;
}

void hcl_comment(HclWriter *w, const char *text)
{
    blank_if_pending(w);
    hcl_flush(w);
    w->at_start = false;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        indent(w->out, w->depth);
        hcl_buf_put(w->out, n ? "# " : "#", n ? 2 : 1);
        hcl_buf_put(w->out, p, n);
        hcl_buf_put(w->out, "\n", 1);
        p += n + (nl ? 1 : 0);
    }
}
