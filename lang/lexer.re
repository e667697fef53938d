/* lexer.re — the .sfd lexer (re2c, UTF-8, NUL sentinel).
 *
 * The whole file is in memory with a NUL after it; re2c's `$` rule fires
 * only at that NUL, so a NUL inside the file is an ordinary (bad) byte.
 * Code tokens are matched by re2c; comments and string bodies are scanned
 * by small C loops, because they are where invalid UTF-8 and unterminated
 * input must be reported once, at the opening delimiter, without cascades.
 * SPEC.md ("Lexical structure") is the normative description. */

#include "lexer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"
#include "banned.h"

static uint32_t off(const Lexer *lx, const unsigned char *p);
static Diag *lex_error(Lexer *lx, const char *code, Span sp, const char *msg);

static int utf8_valid(const unsigned char *p, const unsigned char *lim, uint32_t *cp);

/* Without a NUL, a file whose first 4 KiB are mostly not UTF-8 text
 * (invalid sequences, control characters) is not an sfd source either:
 * one error instead of one per bad run. */
static void refuse_non_text(Lexer *lx)
{
    const unsigned char *p = lx->cur, *end = lx->lim;
    if (end - p > 4096)
        end = p + 4096;
    unsigned bad = 0, total = 0;
    while (p < end) {
        int n = utf8_valid(p, lx->lim, NULL);
        bool ok = n > 1 || (n == 1 && (*p >= 0x20 || *p == '\n' || *p == '\r' || *p == '\t'));
        bad += !ok;
        total++;
        p += n ? n : 1;
    }
    if (total < 64 || bad * 4 < total)   /* a few pasted escapes are errors, not binary */
        return;
    Span sp = {off(lx, lx->cur), off(lx, lx->cur) + 1};
    Diag *d = lex_error(lx, "E0102", sp, "file is not UTF-8 text");
    diag_label(lx->diag, d, "%u of the first %u characters are not text", bad, total);
    diag_help(lx->diag, d, "check the path: sfd sources are UTF-8 text files");
    diag_emit(lx->diag, d);
    lx->too_deep = true;
    lx->error_at = lx->src->len + 1;
}

/* A NUL byte means the file is not text (git uses the same test): one
 * error at the first NUL, and the file is not lexed further, rather than
 * hundreds of errors about binary garbage. */
static void refuse_binary(Lexer *lx)
{
    const unsigned char *nul = memchr(lx->cur, 0, (size_t)(lx->lim - lx->cur));
    if (!nul) {
        refuse_non_text(lx);
        return;
    }
    Span sp = {off(lx, nul), off(lx, nul) + 1};
    Diag *d = lex_error(lx, "E0103", sp, "NUL byte in source");
    diag_label(lx->diag, d, "sfd sources are UTF-8 text");
    diag_help(lx->diag, d, "this looks like a binary file; check the path, or remove the NUL byte");
    diag_emit(lx->diag, d);
    lx->too_deep = true;        /* stops the lexer: return end of file */
    lx->error_at = lx->src->len + 1;
}

void lex_init(Lexer *lx, Source *src, Arena *a, Interner *in, DiagEngine *d)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->cur = (const unsigned char *)src->text;
    lx->lim = lx->cur + src->len;
    lx->arena = a;
    lx->in = in;
    lx->diag = d;
    /* A UTF-8 byte order mark is allowed and skipped. */
    if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0)
        lx->cur += 3;
    refuse_binary(lx);
}

void lex_release(Lexer *lx)
{
    free(lx->comments);
    lx->comments = NULL;
}

static uint32_t off(const Lexer *lx, const unsigned char *p)
{
    return (uint32_t)(p - (const unsigned char *)lx->src->text);
}

/* Reports a lexical error and remembers its token, so the parser does not
 * report a second error for the same place. */
static Diag *lex_error(Lexer *lx, const char *code, Span sp, const char *msg)
{
    lx->errors++;
    lx->error_at = sp.start + 1;
    return diag_new(lx->diag, DIAG_ERROR, code, lx->src, sp, "%s", msg);
}

static void add_comment(Lexer *lx, Span sp, bool doc)
{
    if (lx->ncomments == lx->ccap) {
        lx->ccap = lx->ccap ? lx->ccap * 2 : 64;
        lx->comments = xrealloc(lx->comments, lx->ccap * sizeof *lx->comments);
    }
    lx->comments[lx->ncomments++] = (Comment){sp, doc};
    if (lx->sink)
        lx->sink(lx->sink_ctx, LEX_COMMENT, sp);
}

/* Length of a valid UTF-8 sequence at p (not past lim), or 0 if invalid:
 * overlong forms, surrogates and values above U+10FFFF are invalid. */
static int utf8_valid(const unsigned char *p, const unsigned char *lim, uint32_t *cp)
{
    unsigned char c = p[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || p + n > lim)
        return 0;
    uint32_t v = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if (cp)
        *cp = v;
    return n;
}

/* Checks text[from, to) for invalid UTF-8 and reports the first bad byte
 * (one error per comment or string run, not per byte). */
static void check_utf8(Lexer *lx, const unsigned char *p, const unsigned char *end)
{
    while (p < end) {
        if (*p - 1u < 0x7Fu) {      /* ASCII other than NUL: the common case */
            p++;
            continue;
        }
        int n = utf8_valid(p, end, NULL);
        if (n == 0) {
            Diag *d = lex_error(lx, "E0102", (Span){off(lx, p), off(lx, p) + 1},
                                "invalid UTF-8 in source");
            diag_label(lx->diag, d, "byte 0x%02X is not valid UTF-8", *p);
            diag_help(lx->diag, d, "save the file as UTF-8");
            diag_emit(lx->diag, d);
            return;
        }
        if (*p == 0) {
            Diag *d = lex_error(lx, "E0103", (Span){off(lx, p), off(lx, p) + 1},
                                "NUL byte in source");
            diag_emit(lx->diag, d);
            return;
        }
        p += n;
    }
}

/* What ends a run of plain text in a comment or a string, one table load
 * per byte: CH_EOL line breaks, CH_ODD NUL and non-ASCII bytes (which
 * need a UTF-8 check; the NUL after the text stops every scan), CH_STR
 * `"`, `$` and backslash (which matter in strings only). */
enum { CH_EOL = 1, CH_ODD = 2, CH_STR = 4 };
static const unsigned char char_class[256] = {
    2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 4, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* `#`, `//` and `///` comments run to the end of the line. */
static void line_comment(Lexer *lx, bool doc)
{
    const unsigned char *p = lx->cur;
    unsigned odd = 0;           /* nonzero if a byte was NUL or not ASCII */
    for (;;) {
        while (!(char_class[*p] & (CH_EOL | CH_ODD)))
            p++;
        if (p >= lx->lim || char_class[*p] & CH_EOL)
            break;
        odd = 1;
        p++;
    }
    if (odd)
        check_utf8(lx, lx->cur, p);
    add_comment(lx, (Span){off(lx, lx->tok), off(lx, p)}, doc);
    lx->cur = p;
}

/* Block comments do not nest; an unterminated one is reported at its opening. */
static void block_comment(Lexer *lx)
{
    const unsigned char *p = lx->cur;
    while (p + 1 < lx->lim && !(p[0] == '*' && p[1] == '/'))
        p++;
    if (p + 1 >= lx->lim) {
        Diag *d = lex_error(lx, "E0105", (Span){off(lx, lx->tok), off(lx, lx->tok) + 2},
                            "unterminated block comment");
        diag_label(lx->diag, d, "comment opened here is never closed");
        diag_help(lx->diag, d, "close it with `*/`");
        diag_emit(lx->diag, d);
        lx->error_at = off(lx, lx->lim) + 1;   /* and no "unexpected end of file" */
        lx->cur = lx->lim;
        return;
    }
    check_utf8(lx, lx->cur, p);
    add_comment(lx, (Span){off(lx, lx->tok), off(lx, p + 2)}, false);
    lx->cur = p + 2;
}

/* Pushes an open delimiter; past LEX_MAX_DEPTH the file is refused (the
 * parser and every later phase recurse over nesting). */
static bool push(Lexer *lx, LexMode m, uint32_t at)
{
    if (lx->depth == LEX_MAX_DEPTH) {
        Diag *d = lex_error(lx, "E0110", (Span){at, at + 1}, "nesting too deep");
        diag_label(lx->diag, d, "more than %d levels of brackets, braces and strings",
                   LEX_MAX_DEPTH);
        diag_help(lx->diag, d, "flatten the structure with `let` bindings or templates");
        diag_emit(lx->diag, d);
        lx->too_deep = true;
        return false;
    }
    lx->modes[lx->depth] = m;
    lx->opens[lx->depth++] = at;
    return true;
}

/* Pops the innermost delimiter if it is of kind m (a stray closer is left
 * for the parser to report). */
static void pop(Lexer *lx, LexMode m)
{
    if (lx->depth > 0 && lx->modes[lx->depth - 1] == m)
        lx->depth--;
}

static int open_tok(Lexer *lx, LexMode m, int tok)
{
    return push(lx, m, off(lx, lx->tok)) ? tok : TOK_END;
}

static Node *literal(Lexer *lx, NodeKind k, Span sp)
{
    return ast_new(lx->arena, k, sp);
}

/* Units that may follow a number after spaces ("0.25 vcpu"); directly
 * attached, any letters form a unit and the checker validates them. The
 * list also holds common wrong spellings (`1 GB`, `30 min`), so that they
 * lex as one quantity and the checker can say "did you mean `GiB`" instead
 * of a syntax error. */
static bool is_spaced_unit(const unsigned char *p, size_t n)
{
    static const char *const units[] = {
        "vcpu", "cpu", "MiB", "GiB", "TiB", "acu", "ms", "s", "m", "h", "d",
        "vCPU", "VCPU", "ACU", "KB", "MB", "GB", "TB", "KiB", "Mi", "Gi", "mb", "gb",
        "min", "mins", "sec", "secs", "hr", "hrs", "hours", "days", NULL};
    for (int i = 0; units[i]; i++)
        if (strlen(units[i]) == n && memcmp(units[i], p, n) == 0)
            return true;
    return false;
}

/* The value of the number text [p, end): digits, an optional fraction and
 * exponent. Up to 15 digits without an exponent, the value is an exact
 * integer divided by an exact power of ten, which IEEE division rounds
 * correctly, so it equals strtod's; anything else goes to strtod. */
static double decimal(const unsigned char *p, const unsigned char *end)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    uint64_t mant = 0;
    int digits = 0, frac = -1;
    for (const unsigned char *q = p; q < end; q++) {
        if (*q == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*q < '0' || *q > '9' || ++digits > 15)
            goto slow;
        mant = mant * 10 + (uint64_t)(*q - '0');
        frac += frac >= 0;
    }
    return frac > 0 ? (double)mant / pow10[frac] : (double)mant;
slow:;
    char buf[64];
    size_t n = (size_t)(end - p);
    if (n >= sizeof buf)
        return INFINITY;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

/* NUMBER or QUANTITY: digits [. digits] [e[+-]digits], then a unit either
 * attached (`30m`, `1GiB`, `50%`) or after spaces when it is a known unit. */
static int number(Lexer *lx, YYSTYPE *val)
{
    const unsigned char *p = lx->tok;
    bool is_int = true;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        is_int = false;
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    }
    if ((*p == 'e' || *p == 'E') &&
        ((p[1] >= '0' && p[1] <= '9') || ((p[1] == '+' || p[1] == '-') && p[2] >= '0' && p[2] <= '9'))) {
        is_int = false;
        for (p += 2; *p >= '0' && *p <= '9'; p++)
            ;
    }
    const unsigned char *num_end = p;
    const unsigned char *u = p, *ue = p;
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '%') {
        while ((*ue >= 'A' && *ue <= 'Z') || (*ue >= 'a' && *ue <= 'z') || *ue == '%')
            ue++;
    } else {
        const unsigned char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        const unsigned char *w = q;
        while ((*w >= 'A' && *w <= 'Z') || (*w >= 'a' && *w <= 'z'))
            w++;
        bool word_ends = !((*w >= '0' && *w <= '9') || *w == '_' || *w == '-');
        if (q > p && w > q && word_ends && is_spaced_unit(q, (size_t)(w - q))) {
            u = q;
            ue = w;
        }
    }
    double v = decimal(lx->tok, num_end);
    lx->cur = ue > u ? ue : num_end;
    Span sp = {off(lx, lx->tok), off(lx, lx->cur)};
    if (!isfinite(v)) {
        Diag *d = lex_error(lx, "E0109", sp, "number is too large");
        diag_emit(lx->diag, d);
        v = 0;
    }
    Node *nd = literal(lx, ue > u ? NODE_QTY : NODE_NUM, sp);
    nd->v.num = v;
    nd->flags = is_int ? NF_INT : 0;
    if (ue > u) {
        nd->name = intern(lx->in, (const char *)u, (size_t)(ue - u));
        nd->name_span = (Span){off(lx, u), off(lx, ue)};
    }
    val->node = nd;
    return ue > u ? TOK_QUANTITY : TOK_NUMBER;
}

/* a.b.c.d or a.b.c.d/n; octets <= 255 and prefix <= 32 are checked here. */
static int cidr(Lexer *lx, YYSTYPE *val)
{
    const unsigned char *p = lx->tok;
    uint32_t addr = 0;
    bool ok = true;
    for (int i = 0; i < 4; i++) {
        unsigned octet = 0;
        int nd = 0;
        for (; *p >= '0' && *p <= '9'; p++, nd++)
            octet = octet * 10 + (unsigned)(*p - '0');
        ok &= nd <= 3 && octet <= 255;
        addr = addr << 8 | (octet & 0xFF);
        if (i < 3)
            p++;   /* the dot */
    }
    unsigned prefix = 32;
    bool bare = *p != '/';
    if (!bare) {
        prefix = 0;
        int nd = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, nd++)
            prefix = prefix * 10 + (unsigned)(*p - '0');
        ok &= nd >= 1 && nd <= 2 && prefix <= 32;
    }
    Span sp = {off(lx, lx->tok), off(lx, lx->cur)};
    if (!ok) {
        Diag *d = lex_error(lx, "E0108", sp, bare ? "invalid IP address" : "invalid CIDR block");
        diag_label(lx->diag, d, "octets are 0 to 255 and the prefix length 0 to 32");
        diag_emit(lx->diag, d);
    }
    Node *n = literal(lx, NODE_CIDR, sp);
    n->v.cidr = (Cidr){addr, (uint8_t)(prefix > 32 ? 32 : prefix)};
    n->flags = bare ? NF_ADDR : 0;
    val->node = n;
    return TOK_CIDR;
}

/* “smart quotes” (pasted from a document) around text: after the E0101
 * for the opening one, the quoted text is taken as a string, so that the
 * words inside are not reported again as unknown names. Returns the first
 * of three tokens (string, text, end), or 0 if there is no closing quote
 * on the line. */
static int smart_string(Lexer *lx, YYSTYPE *val, Span *loc)
{
    const unsigned char *open = lx->tok, *p = open + 3, *q = p;
    while (q + 2 < lx->lim && *q != '\n' && *q != '\r' &&
           !(q[0] == 0xE2 && q[1] == 0x80 && q[2] == 0x9D))
        q++;
    if (!(q + 2 < lx->lim && q[0] == 0xE2 && q[1] == 0x80 && q[2] == 0x9D))
        return 0;
    Node *text = literal(lx, NODE_STR, (Span){off(lx, p), off(lx, q)});
    text->v.str = arena_strndup(lx->arena, (const char *)p, (size_t)(q - p));
    text->len = (uint32_t)(q - p);
    lx->cur = q + 3;
    lx->pending[0] = TOK_STR_TEXT;
    lx->pending_val[0] = text;
    lx->pending_loc[0] = text->span;
    lx->pending[1] = TOK_STR_END;
    lx->pending_val[1] = NULL;
    lx->pending_loc[1] = (Span){off(lx, q), off(lx, q + 3)};
    lx->npending = 2;
    val->node = NULL;
    *loc = (Span){off(lx, open), off(lx, open) + 3};
    return TOK_STR_BEGIN;
}

/* The character at tok is not part of any token: name it (or its byte,
 * if it is not UTF-8) and skip the whole run of such characters. */
static void bad_char(Lexer *lx)
{
    uint32_t cp = 0;
    const unsigned char *p = lx->tok;
    int n = utf8_valid(p, lx->lim, &cp);
    Span sp = {off(lx, p), off(lx, p) + (uint32_t)(n ? n : 1)};
    Diag *d;
    if (n == 0) {
        d = lex_error(lx, "E0102", sp, "invalid UTF-8 in source");
        diag_label(lx->diag, d, "byte 0x%02X is not valid UTF-8", *p);
        diag_help(lx->diag, d, "save the file as UTF-8; binary files are not sfd sources");
    } else if (cp == 0) {
        d = lex_error(lx, "E0103", sp, "NUL byte in source");
        diag_help(lx->diag, d, "sfd sources are text; remove the NUL byte");
    } else {
        d = lex_error(lx, "E0101", sp, "unexpected character");
        if (cp >= 0x20 && cp < 0x7f)
            diag_label(lx->diag, d, "`%c` is not used in sfd", (int)cp);
        else
            diag_label(lx->diag, d, "U+%04X is not used in sfd outside strings and comments", cp);
        if (cp == 0x201C || cp == 0x201D)
            diag_help(lx->diag, d, "use straight quotes `\"...\"`");
    }
    diag_emit(lx->diag, d);
    if (cp == 0x201C) {
        lx->cur = p + n;    /* the caller tries smart_string from here */
        return;
    }
    /* Skip the run of bad input (binary garbage, a pasted non-ASCII word):
     * one mistake, one error. It ends at the next ASCII character. */
    p += n ? n : 1;
    while (p < lx->lim && (*p >= 0x7f || (*p < 0x20 && !strchr(" \t\r\n", *p))))
        p++;
    lx->cur = p;
}

/* Appends one code point as UTF-8. */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after a backslash at p; writes its text to out and returns the
 * bytes written, advancing *pp. Invalid escapes are reported and kept. */
static size_t escape(Lexer *lx, const unsigned char **pp, char *out)
{
    const unsigned char *p = *pp;   /* at the backslash */
    unsigned char c = p[1];
    const char *simple = c == 'n' ? "\n" : c == 't' ? "\t" : c == 'r' ? "\r" : c == '\\' ? "\\"
                       : c == '"' ? "\"" : c == '$' ? "$" : NULL;
    if (simple) {
        *pp = p + 2;
        out[0] = simple[0];
        return 1;
    }
    if (c == 'u' && p[2] == '{') {
        const unsigned char *q = p + 3;
        uint32_t cp = 0;
        int nd = 0;
        for (; nd < 7 && ((*q >= '0' && *q <= '9') || ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')); q++, nd++)
            cp = cp * 16 + (uint32_t)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
        if (*q == '}' && nd >= 1 && nd <= 6 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp) {
            *pp = q + 1;
            return put_utf8(out, cp);
        }
    }
    Span sp = {off(lx, p), off(lx, p) + (c && c != '\n' && c != '\r' ? 2u : 1u)};
    Diag *d = lex_error(lx, "E0107", sp, "invalid escape sequence");
    diag_help(lx->diag, d, "escapes are \\n \\t \\r \\\\ \\\" \\$ and \\u{XXXX}; write `\\\\` for a backslash");
    diag_emit(lx->diag, d);
    *pp = p + (sp.end - sp.start);
    out[0] = '\\';
    if (sp.end - sp.start == 2) {
        out[1] = (char)c;
        return 2;
    }
    return 1;
}

/* Inside a string: text up to `"`, `${` or the end of the line. A string
 * left open at the end of a line (or file) is reported at its opening quote
 * and closed there, so the rest of the file still parses. */
static int string_part(Lexer *lx, YYSTYPE *val, Span *loc)
{
    const unsigned char *p = lx->cur;
    lx->tok = p;
    uint32_t open_at = lx->opens[lx->depth - 1];
    if (*p == '"' && p < lx->lim) {
        lx->cur = p + 1;
        lx->depth--;
        *loc = (Span){off(lx, p), off(lx, p) + 1};
        return TOK_STR_END;
    }
    if (p[0] == '$' && p[1] == '{' && p + 1 < lx->lim) {
        lx->cur = p + 2;
        *loc = (Span){off(lx, p), off(lx, p) + 2};
        if (!push(lx, LEX_INTERP, off(lx, p)))
            return TOK_END;
        return TOK_INTERP_BEGIN;
    }
    if (p >= lx->lim || *p == '\n' || *p == '\r') {
        Diag *d = lex_error(lx, "E0104", (Span){open_at, open_at + 1}, "unterminated string");
        diag_label(lx->diag, d, "this string is never closed");
        diag_help(lx->diag, d, "add a closing `\"` on the same line; strings cannot span lines");
        diag_emit(lx->diag, d);
        lx->error_at = off(lx, p) + 1;
        lx->depth--;
        *loc = (Span){off(lx, p), off(lx, p)};
        return TOK_STR_END;
    }
    /* Text: up to `"`, a line break, `${` or the end; a backslash takes
     * the next byte with it (unless it is a line break). */
    const unsigned char *end = p;
    unsigned odd = 0;           /* nonzero if a byte was NUL or not ASCII */
    bool escapes = false;
    for (;;) {
        while (!char_class[*end])
            end++;
        unsigned char c = *end;
        if (end >= lx->lim || c == '"' || c == '\n' || c == '\r' || (c == '$' && end[1] == '{'))
            break;
        if (c == '\\') {
            escapes = true;
            bool pair = end + 1 < lx->lim && end[1] != '\n' && end[1] != '\r';
            odd |= pair && end[1] - 1u >= 0x7Fu;
            end += pair ? 2 : 1;
            continue;
        }
        odd |= c != '$';
        end++;
    }
    if (end > lx->lim)
        end = lx->lim;
    if (odd)
        check_utf8(lx, p, end);
    /* Decoded into an arena buffer no longer than the source run. */
    char *buf = arena_alloc_raw(lx->arena, (size_t)(end - p) + 1);
    size_t n = 0;
    if (!escapes) {
        n = (size_t)(end - p);
        memcpy(buf, p, n);
        p = end;
    }
    while (p < end) {
        if (*p == '\\') {
            char tmp[8];
            size_t k = escape(lx, &p, tmp);
            memcpy(buf + n, tmp, k);
            n += k;
        } else {
            buf[n++] = (char)*p++;
        }
    }
    buf[n] = '\0';
    lx->cur = end;
    Node *s = literal(lx, NODE_STR, (Span){off(lx, lx->tok), off(lx, end)});
    s->v.str = buf;
    s->len = (uint32_t)n;
    val->node = s;
    *loc = s->span;
    return TOK_STR_TEXT;
}

/* Called at the end of input while delimiters are open inside strings:
 * the innermost unterminated `${` is reported at its opening. */
static int end_of_input(Lexer *lx, Span *loc)
{
    *loc = (Span){off(lx, lx->lim), off(lx, lx->lim)};
    for (int i = lx->depth - 1; i >= 0; i--) {
        if (lx->modes[i] != LEX_INTERP)
            continue;
        Diag *d = lex_error(lx, "E0106", (Span){lx->opens[i], lx->opens[i] + 2},
                            "unterminated interpolation");
        diag_label(lx->diag, d, "this `${` is never closed");
        diag_help(lx->diag, d, "close it with `}` and the string with `\"`");
        diag_emit(lx->diag, d);
        lx->error_at = loc->start + 1;
        break;
    }
    return TOK_END;
}

/* Strings are single-line, but `${` opens ordinary token mode, which would
 * run on to the next lines: at a line break inside an interpolation inside
 * a string, report the `${` (E0106), drop back to before the string, and
 * hand the parser `}` and `"` so it can finish the item without a second
 * error. Returns 0 when there is nothing to do. */
static int interp_at_newline(Lexer *lx, Span *loc)
{
    /* The open delimiters are checked first: this runs for every run of
     * white space inside braces, and an open `${` is rare. */
    int i = lx->depth - 1;
    while (i > 0 && lx->modes[i] != LEX_INTERP)
        i--;
    if (i <= 0 || lx->modes[i] != LEX_INTERP || lx->modes[i - 1] != LEX_STRING)
        return 0;
    if (!memchr(lx->tok, '\n', (size_t)(lx->cur - lx->tok)) &&
        !memchr(lx->tok, '\r', (size_t)(lx->cur - lx->tok)))
        return 0;
    Diag *d = lex_error(lx, "E0106", (Span){lx->opens[i], lx->opens[i] + 2},
                        "unterminated interpolation");
    diag_label(lx->diag, d, "this `${` is not closed before the end of the line");
    diag_help(lx->diag, d, "close it with `}` and the string with `\"`; strings cannot span lines");
    diag_emit(lx->diag, d);
    uint32_t at = off(lx, lx->tok);
    lx->depth = i - 1;
    lx->pending[0] = TOK_STR_END;
    lx->pending_loc[0] = (Span){at, at};
    lx->npending = 1;
    lx->error_at = at + 1;
    lx->cur = lx->tok;          /* the line break is lexed again afterwards */
    *loc = (Span){at, at};
    return TOK_INTERP_END;
}

static int ident(Lexer *lx, YYSTYPE *val)
{
    val->name = intern(lx->in, (const char *)lx->tok, (size_t)(lx->cur - lx->tok));
    return TOK_IDENT;
}

/*!re2c
    re2c:api:style = free-form;
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "lx->cur";
    re2c:define:YYMARKER = "lx->mar";
    re2c:define:YYLIMIT = "lx->lim";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;

    digit = [0-9];
    ident = [A-Za-z_] ([A-Za-z0-9_] | "-" [A-Za-z0-9_])*;
    octet = digit+;
    ws    = [ \t\f\v\r\n]+;
*/

static int lex_scan(Lexer *lx, YYSTYPE *val, Span *loc)
{
    int tok;
    if (lx->npending) {
        tok = lx->pending[0];
        val->node = lx->pending_val[0];
        *loc = lx->pending_loc[0];
        lx->pending[0] = lx->pending[1];
        lx->pending_val[0] = lx->pending_val[1];
        lx->pending_loc[0] = lx->pending_loc[1];
        lx->npending--;
        return tok;
    }
    for (;;) {
        if (lx->too_deep)
            return *loc = (Span){off(lx, lx->lim), off(lx, lx->lim)}, TOK_END;
        if (lx->depth > 0 && lx->modes[lx->depth - 1] == LEX_STRING)
            return string_part(lx, val, loc);
    /* White space and comments change neither the mode nor too_deep, so
     * after them the next token is matched straight away. */
    next_token:
        lx->tok = lx->cur;
        /*!re2c
            $       { return end_of_input(lx, loc); }
            ws      {
                if (lx->depth > 0 && (tok = interp_at_newline(lx, loc)) != 0)
                    return tok;
                goto next_token;
            }
            "//" | "#" {
                line_comment(lx, lx->tok[0] == '/' && lx->cur[0] == '/' && lx->cur[1] != '/');
                goto next_token;
            }
            "/*"    { block_comment(lx); goto next_token; }

            octet "." octet "." octet "." octet ("/" digit+)? { tok = cidr(lx, val); break; }
            digit+  { tok = number(lx, val); break; }
            /* Keywords are matched by the automaton, not looked up per
               identifier: on a tie in length the earlier rule wins, and a
               longer identifier (`imports`, `use-x`) is still an ident. */
            "import"   { tok = TOK_IMPORT; break; }
            "let"      { tok = TOK_LET; break; }
            "template" { tok = TOK_TEMPLATE; break; }
            "use"      { tok = TOK_USE; break; }
            "for"      { tok = TOK_FOR; break; }
            "in"       { tok = TOK_IN; break; }
            "if"       { tok = TOK_IF; break; }
            "else"     { tok = TOK_ELSE; break; }
            "true"     { tok = TOK_TRUE; break; }
            "false"    { tok = TOK_FALSE; break; }
            "null"     { tok = TOK_NULL; break; }
            "schema"   { tok = TOK_SCHEMA; break; }
            "enum"     { tok = TOK_ENUM; break; }
            ident   { tok = ident(lx, val); break; }

            "\""    { tok = open_tok(lx, LEX_STRING, TOK_STR_BEGIN); break; }
            "{"     { tok = open_tok(lx, LEX_BRACE, '{'); break; }
            "["     { tok = open_tok(lx, LEX_BRACKET, '['); break; }
            "("     { tok = open_tok(lx, LEX_PAREN, '('); break; }
            "}"     {
                if (lx->depth > 0 && lx->modes[lx->depth - 1] == LEX_INTERP) {
                    lx->depth--;
                    tok = TOK_INTERP_END;
                } else {
                    pop(lx, LEX_BRACE);
                    tok = '}';
                }
                break;
            }
            "]"     { pop(lx, LEX_BRACKET); tok = ']'; break; }
            ")"     { pop(lx, LEX_PAREN); tok = ')'; break; }

            ".."    { tok = TOK_DOTDOT; break; }
            "=="    { tok = TOK_EQ; break; }
            "!="    { tok = TOK_NE; break; }
            "<="    { tok = TOK_LE; break; }
            ">="    { tok = TOK_GE; break; }
            "&&"    { tok = TOK_AND; break; }
            "||"    { tok = TOK_OR; break; }
            [=,.:;?@+\-*/%!<>] { tok = lx->tok[0]; break; }

            *       {
                bad_char(lx);
                if (lx->cur == lx->tok + 3 && lx->tok[0] == 0xE2 && lx->tok[1] == 0x80 &&
                    lx->tok[2] == 0x9C && (tok = smart_string(lx, val, loc)) != 0)
                    return tok;
                continue;
            }
        */
    }
    *loc = (Span){off(lx, lx->tok), off(lx, lx->cur)};
    return tok;
}

/* The one definition of token boundaries: the parser and, through the
 * sink, the formatter see the same tokens. */
int lex_next(Lexer *lx, YYSTYPE *val, Span *loc)
{
    int tok = lex_scan(lx, val, loc);
    if (lx->sink)
        lx->sink(lx->sink_ctx, tok, *loc);
    return tok;
}
