/* fmt.c — the formatter: source text in, canonical layout out (fmt.h).
 *
 * It works on the token stream, not by printing the tree: the file is
 * parsed first (to refuse syntax errors and to learn where items start and
 * which `-` are unary), then scanned for its tokens, and every token and
 * comment is written back in order with only the whitespace between them
 * decided here. The tokens are the original bytes, so the output cannot
 * mean anything else (`2   GiB` becomes `2 GiB`, still one quantity).
 *
 * Line breaks are the author's (as gofmt does): where the source broke a
 * line, the output does, blank-line runs become one blank line, and none
 * survive just inside brackets or at the ends of the file. What is
 * canonical is the indentation (two spaces per line that opened a bracket)
 * and the spacing within a line. SPEC.md ("Formatting") lists the rules. */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "intern.h"
#include "lexer.h"
#include "parse.h"
#include "parser.h"
#include "strbuf.h"
#include "banned.h"

/* Token kinds of the formatter's own, beside the parser's: a whole string
 * (quotes, text and interpolations: written verbatim) and comments. */
enum { FK_STRING = -1, FK_LINE_COMMENT = -2, FK_BLOCK_COMMENT = -3 };

/* One token or comment, in source order. */
typedef struct FmtTok {
    uint32_t start, end;    /* its bytes in the source */
    int kind;               /* a parser token (parser.h) or FK_* */
} FmtTok;

/* A sorted set of offsets, queried with offsets that never decrease. */
typedef struct OffSet {
    uint32_t *v;            /* offsets, ascending; malloc'd */
    uint32_t n, cap;
    uint32_t at;            /* query cursor */
} OffSet;

/* An open bracket, for indentation. */
typedef struct Open {
    int kind;               /* '{', '[' or '(' */
    int indent;             /* indent of the line where it was opened */
} Open;

typedef struct Fmt {
    const char *text;       /* the source */
    uint32_t len;
    FmtTok *toks;           /* tokens and comments; malloc'd */
    uint32_t ntoks, cap;
    OffSet items;           /* where items, fields and record entries start */
    OffSet members;         /* enum members: may start a line without continuation indent */
    OffSet unary;           /* offsets of unary `-` and `!` */
    OffSet annots;          /* where annotations end: the item goes on after them */
    StrBuf out;
    uint32_t *outpos;       /* output offset of each token, or NULL when not wanted */
    Open opens[LEX_MAX_DEPTH + 1];
    int depth;              /* entries in opens */
    int line_indent;        /* indent of the output line being written */
} Fmt;

/* --- the tree: what the token stream does not say ----------------------- */

static void set_add(OffSet *s, uint32_t off)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = off;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The tree walk visits most offsets in order; sort only when it did not. */
static void set_sort(OffSet *s)
{
    for (uint32_t i = 1; i < s->n; i++)
        if (s->v[i - 1] > s->v[i]) {
            qsort(s->v, s->n, sizeof *s->v, cmp_u32);
            return;
        }
}

static bool set_has(OffSet *s, uint32_t off)
{
    while (s->at < s->n && s->v[s->at] < off)
        s->at++;
    return s->at < s->n && s->v[s->at] == off;
}

static void walk(Fmt *f, const Node *n);

static void walk_list(Fmt *f, const Node *n)
{
    for (; n; n = n->next)
        walk(f, n);
}

/* Items of a body (and fields, record entries): each may begin a line, and
 * two spaces separate items sharing a line. */
static void walk_items(Fmt *f, const Node *n)
{
    for (; n; n = n->next) {
        set_add(&f->items, n->span.start);
        walk(f, n);
    }
}

/* An IF's d is its else-items, or an IF for `else if` (whose span starts
 * at the `else`): only the former are items. */
static bool is_else_if(const Fmt *f, const Node *d)
{
    return d && d->kind == NODE_IF && !d->next && d->span.start + 4 <= f->len &&
           memcmp(f->text + d->span.start, "else", 4) == 0;
}

static void walk(Fmt *f, const Node *n)
{
    /* `@allow(...)` lines above an item are part of it: neither they nor
     * the item's own first line are continuation lines. */
    for (const Node *an = ast_annots(n); an; an = an->next) {
        set_add(&f->members, an->span.start);
        set_add(&f->annots, an->span.end);
    }
    walk_list(f, ast_annots(n));
    switch ((NodeKind)n->kind) {
    case NODE_BLOCK:
    case NODE_TEMPLATE:
    case NODE_FOR:
    case NODE_SCHEMA:
        walk_list(f, n->a);
        walk_items(f, n->b);
        return;
    case NODE_IF:
        walk(f, n->a);
        walk_items(f, n->b);
        if (is_else_if(f, ast_else(n)))
            walk(f, ast_else(n));
        else
            walk_items(f, ast_else(n));
        return;
    case NODE_RECORD:
        walk_items(f, n->a);
        return;
    case NODE_ENUM:
        for (const Node *m = n->a; m; m = m->next)
            set_add(&f->members, m->span.start);
        return;
    case NODE_UNARY:
        set_add(&f->unary, n->span.start);
        break;
    default:
        break;
    }
    walk_list(f, n->a);
    walk_list(f, n->b);
    walk_list(f, ast_else(n));
}

/* --- the token stream ------------------------------------------------------ */

static inline void add_tok(Fmt *f, uint32_t start, uint32_t end, int kind)
{
    if (f->ntoks == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 1024;
        f->toks = xrealloc(f->toks, f->cap * sizeof *f->toks);
    }
    f->toks[f->ntoks++] = (FmtTok){start, end, kind};
}

/* The token stream comes from a small scanner rather than a second run of
 * the lexer: the parse has already proved the text well formed, so token
 * boundaries are all that is needed — no diagnostics, no literal nodes, no
 * interning (lexing again cost a fifth of the time). It follows
 * lang/lexer.re's rules; tests/fuzz/fuzz_fmt.c checks, with the real
 * lexer, that the output keeps the input's tokens. One simplification:
 * `2 GiB` with spaces scans as a number and a name, which lay out exactly
 * as the quantity would (one space between). */

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_word(unsigned char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

/* digits "." digits "." digits "." digits ["/" digits]: the end, or 0. */
static uint32_t scan_cidr(const unsigned char *t, uint32_t i)
{
    for (int k = 0; k < 4; k++) {
        if (!is_digit(t[i]))
            return 0;
        while (is_digit(t[i]))
            i++;
        if (k < 3 && t[i++] != '.')
            return 0;
    }
    if (t[i] == '/' && is_digit(t[i + 1]))
        for (i++; is_digit(t[i]); i++)
            ;
    return i;
}

/* A number, and the letters (or `%`) of a unit attached to it. */
static uint32_t scan_number(const unsigned char *t, uint32_t i, int *kind)
{
    while (is_digit(t[i]))
        i++;
    if (t[i] == '.' && is_digit(t[i + 1]))
        for (i++; is_digit(t[i]); i++)
            ;
    if ((t[i] == 'e' || t[i] == 'E') &&
        (is_digit(t[i + 1]) || ((t[i + 1] == '+' || t[i + 1] == '-') && is_digit(t[i + 2]))))
        for (i += 2; is_digit(t[i]); i++)
            ;
    *kind = TOK_NUMBER;
    if (is_alpha(t[i]) || t[i] == '%') {
        *kind = TOK_QUANTITY;
        while (is_alpha(t[i]) || t[i] == '%')
            i++;
    }
    return i;
}

/* A string from its opening quote, with escapes and `${...}`: inside an
 * interpolation there is code again — braces, nested strings, block
 * comments. Returns the offset after the closing quote. */
static uint32_t scan_string(const unsigned char *t, uint32_t len, uint32_t i)
{
    unsigned char modes[LEX_MAX_DEPTH + 1];   /* 's' string, 'c' code, 'b' brace in code */
    int d = 0;
    modes[d++] = 's';
    for (i++; i < len && d > 0;) {
        unsigned char c = t[i];
        if (d > LEX_MAX_DEPTH)          /* the lexer refuses such nesting */
            return len;
        if (modes[d - 1] == 's') {
            if (c == '"')
                d--, i++;
            else if (c == '\\')
                i += 2;
            else if (c == '$' && t[i + 1] == '{')
                modes[d++] = 'c', i += 2;
            else
                i++;
        } else if (c == '"') {
            modes[d++] = 's', i++;
        } else if (c == '{') {
            modes[d++] = 'b', i++;
        } else if (c == '}') {
            d--, i++;
        } else if (c == '/' && t[i + 1] == '*') {
            for (i += 2; i + 1 < len && !(t[i] == '*' && t[i + 1] == '/'); i++)
                ;
            i += 2;
        } else {
            i++;
        }
    }
    return i < len ? i : len;
}

/* Keywords are few and short: compare only when the length matches (this
 * runs once per identifier). */
static int keyword(const unsigned char *w, uint32_t n)
{
    static const struct { const char *word; unsigned char len; int tok; } kw[] = {
        {"import", 6, TOK_IMPORT}, {"let", 3, TOK_LET}, {"template", 8, TOK_TEMPLATE},
        {"use", 3, TOK_USE}, {"for", 3, TOK_FOR}, {"in", 2, TOK_IN}, {"if", 2, TOK_IF},
        {"else", 4, TOK_ELSE}, {"true", 4, TOK_TRUE}, {"false", 5, TOK_FALSE},
        {"null", 4, TOK_NULL}, {"schema", 6, TOK_SCHEMA}, {"enum", 4, TOK_ENUM},
    };
    if (n <= 8)
        for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
            if (kw[k].len == n && kw[k].word[0] == w[0] && memcmp(kw[k].word, w, n) == 0)
                return kw[k].tok;
    return TOK_IDENT;
}

/* Two-character operators; 0 when the pair is not one. */
static int operator2(unsigned char a, unsigned char b)
{
    static const struct { char a, b; int tok; } ops[] = {
        {'.', '.', TOK_DOTDOT}, {'=', '=', TOK_EQ}, {'!', '=', TOK_NE}, {'<', '=', TOK_LE},
        {'>', '=', TOK_GE}, {'&', '&', TOK_AND}, {'|', '|', TOK_OR},
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (ops[k].a == a && ops[k].b == b)
            return ops[k].tok;
    return 0;
}

/* One token at i (not white space, not a comment): its end and kind. */
static uint32_t scan_token(const unsigned char *t, uint32_t len, uint32_t i, int *kind)
{
    unsigned char c = t[i];
    uint32_t e;
    if (is_digit(c)) {
        if ((e = scan_cidr(t, i)) != 0) {
            *kind = TOK_CIDR;
            return e;
        }
        return scan_number(t, i, kind);
    }
    if (is_alpha(c) || c == '_') {
        for (e = i + 1; is_word(t[e]) || (t[e] == '-' && is_word(t[e + 1])); e++)
            ;
        *kind = keyword(t + i, e - i);
        return e;
    }
    if (c == '"') {
        *kind = FK_STRING;
        return scan_string(t, len, i);
    }
    if (i + 1 < len && (*kind = operator2(c, t[i + 1])) != 0)
        return i + 2;
    *kind = c;
    return i + 1;
}

/* The tokens and comments of the (already parsed, error-free) source, in
 * order: comments come from the File, tokens from scan_token. */
static void collect_tokens(Fmt *f, const File *file)
{
    const unsigned char *t = (const unsigned char *)f->text;
    uint32_t len = f->len, ci = 0;
    uint32_t i = len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    while (i < len) {
        unsigned char c = t[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            i++;
            continue;
        }
        if (ci < file->ncomments && file->comments[ci].span.start == i) {
            Span sp = file->comments[ci++].span;
            bool line = c == '#' || t[i + 1] == '/';
            add_tok(f, sp.start, sp.end, line ? FK_LINE_COMMENT : FK_BLOCK_COMMENT);
            i = sp.end;
            continue;
        }
        int kind;
        uint32_t e = scan_token(t, len, i, &kind);
        add_tok(f, i, e, kind);
        /* comments inside a string's interpolations are part of its text */
        while (ci < file->ncomments && file->comments[ci].span.start < e)
            ci++;
        i = e;
    }
}

/* --- layout ---------------------------------------------------------------- */

static bool is_open(int k) { return k == '{' || k == '[' || k == '('; }
static bool is_close(int k) { return k == '}' || k == ']' || k == ')'; }
static bool is_comment(int k) { return k == FK_LINE_COMMENT || k == FK_BLOCK_COMMENT; }

/* Tokens after which `(` is a call and `[` an index, written without a space. */
static bool ends_value(int k)
{
    return k == TOK_IDENT || k == TOK_NUMBER || k == TOK_QUANTITY || k == TOK_CIDR ||
           k == FK_STRING || k == TOK_TRUE || k == TOK_FALSE || k == TOK_NULL || is_close(k);
}

/* Spaces between two tokens on one line. */
static int spacing(Fmt *f, const FmtTok *p, const FmtTok *c)
{
    if (is_comment(c->kind))
        return c->kind == FK_LINE_COMMENT ? 2 : 1;
    if (is_comment(p->kind))
        return 1;
    if (p->kind == '(' || p->kind == '[')
        return 0;
    if (p->kind == '{')
        return c->kind == '}' ? 0 : 1;
    if (c->kind == ')' || c->kind == ']')
        return 0;
    if (c->kind == '}')
        return 1;
    if (c->kind == ',' || c->kind == ';' || c->kind == ':' || c->kind == '?' || c->kind == '.' ||
        c->kind == TOK_DOTDOT)
        return 0;
    if (p->kind == '.' || p->kind == TOK_DOTDOT || p->kind == '@' || p->kind == '!' ||
        (p->kind == '-' && set_has(&f->unary, p->start)))
        return 0;
    if ((c->kind == '(' || c->kind == '[') && ends_value(p->kind))
        return 0;
    if (p->kind == ',')
        return 1;
    return set_has(&f->items, c->start) ? 2 : 1;
}

/* Whether the code token before token i ends an annotation. */
static bool after_annotation(Fmt *f, uint32_t i)
{
    while (i > 0 && is_comment(f->toks[i - 1].kind))
        i--;
    return i > 0 && set_has(&f->annots, f->toks[i - 1].end);
}

/* Indent of a line that starts with token i (not a comment). Inside braces
 * (and at top level) a line that does not start an item continues the
 * previous one and is indented once more. */
static int token_indent(Fmt *f, uint32_t i)
{
    const FmtTok *t = &f->toks[i];
    const Open *top = f->depth ? &f->opens[f->depth - 1] : NULL;
    if (is_close(t->kind))
        return top ? top->indent : 0;
    int base = top ? top->indent + 1 : 0;
    if (top && top->kind != '{')
        return base;
    bool starts = set_has(&f->items, t->start) || set_has(&f->members, t->start) ||
                  t->kind == TOK_ELSE || after_annotation(f, i);
    return starts ? base : base + 1;
}

/* A comment on its own line is indented like the token after it, or like
 * the bracket's contents when a closing bracket follows. */
static int line_indent(Fmt *f, uint32_t i)
{
    uint32_t j = i;
    while (j < f->ntoks && is_comment(f->toks[j].kind))
        j++;
    if (j == i)
        return token_indent(f, i);
    if (j == f->ntoks || is_close(f->toks[j].kind))
        return f->depth ? f->opens[f->depth - 1].indent + 1 : 0;
    return token_indent(f, j);
}

/* Line breaks in the whitespace between two tokens (CRLF and lone CR count
 * once); *odd is set when it holds a form feed or vertical tab. */
static int newlines(const Fmt *f, uint32_t from, uint32_t to, bool *odd)
{
    int nl = 0;
    *odd = false;
    for (uint32_t i = from; i < to; i++) {
        char ch = f->text[i];
        nl += ch == '\n' || (ch == '\r' && (i + 1 >= to || f->text[i + 1] != '\n'));
        *odd |= ch == '\f' || ch == '\v';
    }
    return nl;
}

/* Appends to the output: the buffer is sized for the usual case up front,
 * so this is mostly a memcpy (StrBuf grows it when a file needs more). */
static inline void put(StrBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 <= b->cap) {
        memcpy(b->p + b->n, s, n);
        b->n += n;
        b->p[b->n] = '\0';
    } else {
        sb_putn(b, s, n);
    }
}

static void put_spaces(StrBuf *b, int n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        int k = n < 32 ? n : 32;
        put(b, spaces, (size_t)k);
        n -= k;
    }
}

/* A token's text: verbatim, except a line comment's trailing blanks. */
static void put_token(Fmt *f, const FmtTok *t)
{
    const char *s = f->text + t->start;
    uint32_t n = t->end - t->start;
    if (t->kind == FK_LINE_COMMENT)
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
    put(&f->out, s, n);
}

static void track_brackets(Fmt *f, const FmtTok *t)
{
    if (is_open(t->kind) && f->depth <= LEX_MAX_DEPTH) {
        f->opens[f->depth++] = (Open){t->kind, f->line_indent};
    } else if (is_close(t->kind) && f->depth > 0) {
        f->depth--;
    }
}

/* The line breaks to write before token i: the author's, at most one
 * blank line, none just inside brackets. */
static int breaks_before(const Fmt *f, uint32_t i)
{
    const FmtTok *p = &f->toks[i - 1], *c = &f->toks[i];
    bool odd;
    int nl = newlines(f, p->end, c->start, &odd);
    if (nl > 2)
        nl = 2;
    if (nl > 1 && (is_open(p->kind) || is_close(c->kind)))
        nl = 1;
    /* `2 <FF> m` is a number and a name; `2 m` would lex as a quantity. */
    if (nl == 0 && odd && p->kind == TOK_NUMBER && c->kind == TOK_IDENT)
        nl = 1;
    return nl;
}

static void layout(Fmt *f)
{
    if (f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0)
        put(&f->out, f->text, 3);
    for (uint32_t i = 0; i < f->ntoks; i++) {
        const FmtTok *t = &f->toks[i];
        int nl = i ? breaks_before(f, i) : 1;
        if (nl) {
            for (int k = i ? 0 : 1; k < nl; k++)
                put(&f->out, "\n", 1);
            f->line_indent = line_indent(f, i);
            put_spaces(&f->out, 2 * f->line_indent);
        } else {
            put_spaces(&f->out, spacing(f, &f->toks[i - 1], t));
        }
        if (f->outpos)
            f->outpos[i] = (uint32_t)f->out.n;
        put_token(f, t);
        track_brackets(f, t);
    }
    if (f->ntoks)
        put(&f->out, "\n", 1);
}

/* --- entry points ------------------------------------------------------------ */

static void fmt_release(Fmt *f)
{
    free(f->toks);
    free(f->items.v);
    free(f->members.v);
    free(f->unary.v);
    free(f->annots.v);
    free(f->outpos);
    free(f->out.p);
}

/* Parses src into a (reporting to diag) and, if it has no syntax errors,
 * lays it out into f->out. Returns the File, or NULL on errors. */
static const File *run(Fmt *f, Source *src, Arena *a, Interner *in, DiagEngine *diag,
                       bool positions)
{
    memset(f, 0, sizeof *f);
    const File *file = parse_file(src, a, in, diag);
    if (file->had_errors)
        return NULL;
    f->text = src->text;
    f->len = src->len;
    walk_items(f, file->items);
    set_sort(&f->items);
    set_sort(&f->members);
    set_sort(&f->unary);
    set_sort(&f->annots);
    /* Sized for typical sources up front (one token per ~4 bytes, output a
     * little longer than input): untouched capacity costs nothing, while
     * growing by copying would show in the benchmark. */
    f->cap = src->len / 4 + 64;
    f->toks = xmalloc(f->cap * sizeof *f->toks);
    f->out.cap = (size_t)src->len + src->len / 8 + 64;
    f->out.p = xmalloc(f->out.cap);
    f->out.p[0] = '\0';
    collect_tokens(f, file);
    if (positions)
        f->outpos = xmalloc(((size_t)f->ntoks + 1) * sizeof *f->outpos);
    layout(f);
    return file;
}

char *fmt_source(Source *src, DiagEngine *diag, size_t *out_len)
{
    Arena a;
    Interner in;
    Fmt f;
    arena_init(&a);
    intern_init(&in, &a);
    char *res = NULL;
    if (run(&f, src, &a, &in, diag, false)) {
        *out_len = f.out.n;
        res = sb_finish(&f.out);
        f.out.p = NULL;     /* now the caller's */
    }
    fmt_release(&f);
    intern_release(&in);
    arena_release(&a);
    return res;
}

char *fmt_text(const char *text, size_t len, size_t *out_len)
{
    Source *src = src_from_memory("<input>", text, len);
    DiagEngine d;
    diag_init(&d);
    char *res = fmt_source(src, &d, out_len);
    diag_release(&d);
    src_free(src);
    return res;
}

/* Children items of an item, for range formatting (second list: else). */
static const Node *child_items(const Fmt *f, const Node *n, const Node **second)
{
    *second = NULL;
    switch ((NodeKind)n->kind) {
    case NODE_BLOCK:
    case NODE_TEMPLATE:
    case NODE_FOR:
    case NODE_SCHEMA:
        return n->b;
    case NODE_IF:
        *second = is_else_if(f, ast_else(n)) ? NULL : ast_else(n);
        return n->b;
    default:
        return NULL;
    }
}

/* The smallest run of sibling items covering r, searched from list down. */
static bool cover(const Fmt *f, const Node *list, Span r, Span *out)
{
    const Node *first = NULL, *last = NULL;
    for (const Node *it = list; it; it = it->next)
        if (it->span.end > r.start && it->span.start < r.end) {
            first = first ? first : it;
            last = it;
        }
    if (!first)
        return false;
    const Node *second;
    const Node *kids = child_items(f, first, &second);
    if (first == last && first->span.start <= r.start && r.end <= first->span.end &&
        (cover(f, kids, r, out) || cover(f, second, r, out)))
        return true;
    *out = (Span){first->span.start, last->span.end};
    return true;
}

static uint32_t line_start(const char *s, uint32_t at)
{
    while (at > 0 && s[at - 1] != '\n' && s[at - 1] != '\r')
        at--;
    return at;
}

static uint32_t line_end(const char *s, uint32_t len, uint32_t at)
{
    while (at < len && s[at] != '\n' && s[at] != '\r')
        at++;
    return at;
}

/* Index of the first token starting at or after off. */
static uint32_t tok_at(const Fmt *f, uint32_t off)
{
    uint32_t lo = 0, hi = f->ntoks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->toks[mid].start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int fmt_range(Source *src, Span range, DiagEngine *diag, FmtEdit *edit)
{
    memset(edit, 0, sizeof *edit);
    Arena a;
    Interner in;
    Fmt f;
    arena_init(&a);
    intern_init(&in, &a);
    const File *file = run(&f, src, &a, &in, diag, true);
    int rc = file ? 0 : -1;
    Span r = range, items;
    if (r.end <= r.start)
        r.end = r.start + 1;   /* a cursor: the item under it */
    if (file && f.ntoks && cover(&f, file->items, r, &items)) {
        uint32_t ia = tok_at(&f, items.start), ib = tok_at(&f, items.end) - 1;
        uint32_t oa = line_start(f.text, items.start);
        uint32_t ob = line_end(f.text, f.len, items.end);
        uint32_t na = line_start(f.out.p, f.outpos[ia]);
        uint32_t nb = line_end(f.out.p, (uint32_t)f.out.n, f.outpos[ib]);
        if (ob - oa != nb - na || memcmp(f.text + oa, f.out.p + na, ob - oa) != 0) {
            edit->span = (Span){oa, ob};
            edit->len = nb - na;
            edit->text = xmalloc(edit->len + 1);
            memcpy(edit->text, f.out.p + na, edit->len);
            edit->text[edit->len] = '\0';
            rc = 1;
        }
    }
    fmt_release(&f);
    intern_release(&in);
    arena_release(&a);
    return rc;
}

void fmt_edit_release(FmtEdit *edit)
{
    free(edit->text);
    memset(edit, 0, sizeof *edit);
}
