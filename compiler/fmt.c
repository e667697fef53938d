/* fmt.c — the formatter: source text in, canonical layout out (fmt.h).
 *
 * It works on the token stream, not by printing the tree: the file is
 * parsed (to refuse syntax errors and to learn where items start) while
 * the lexer hands over each token it reads, and every token and comment
 * is written back in order with only the whitespace between them decided
 * here. The tokens are the original bytes, so the output cannot mean
 * anything else (`2   GiB` becomes `2 GiB`, still one quantity).
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
 * (quotes, text and interpolations: written verbatim), comments, and a
 * unary `-` (written against its operand). */
enum { FK_STRING = -2, FK_LINE_COMMENT = -3, FK_BLOCK_COMMENT = -4, FK_NEG = -5 };

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
    OffSet annots;          /* where annotations end: the item goes on after them */
    OffSet braces;          /* offsets of every `{` outside strings, ascending */
    StrBuf out;
    uint32_t *outpos;       /* output offset of each token, or NULL when not wanted */
    Open opens[LEX_MAX_DEPTH + 1];
    int depth;              /* entries in opens */
    int line_indent;        /* indent of the output line being written */
    int in_string;          /* strings open while collecting tokens (nested in `${}`) */
    uint32_t string_start;  /* where the outermost open string began */
    int last_code;          /* kind of the last token not a comment, or 0 */
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

/* A node without children (most are literals and names) adds nothing,
 * and is not visited. */
static void walk_list(Fmt *f, const Node *n)
{
    for (; n; n = n->next)
        if (n->a || n->b || ast_annots(n) || ast_else(n))
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

/* Whether a `{` token (outside strings) lies in sp. Only a node that
 * holds one can hold items (a body, a record's entries, enum members),
 * so the walk skips the rest: most of a large file is values, whose
 * nodes it would otherwise read from memory for nothing. The walk asks in
 * source order, so a cursor answers; a step back (annotations come before
 * their item's start) searches again. */
static bool has_brace(Fmt *f, Span sp)
{
    OffSet *b = &f->braces;
    if (b->at > 0 && b->v[b->at - 1] >= sp.start) {
        uint32_t lo = 0, hi = b->at;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (b->v[mid] < sp.start)
                lo = mid + 1;
            else
                hi = mid;
        }
        b->at = lo;
    }
    while (b->at < b->n && b->v[b->at] < sp.start)
        b->at++;
    return b->at < b->n && b->v[b->at] < sp.end;
}

static void walk(Fmt *f, const Node *n)
{
    if (!ast_annots(n) && !has_brace(f, n->span))
        return;
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

static bool is_open(int k) { return k == '{' || k == '[' || k == '('; }
static bool is_close(int k) { return k == '}' || k == ']' || k == ')'; }
static bool is_comment(int k) { return k == FK_LINE_COMMENT || k == FK_BLOCK_COMMENT; }

/* Tokens after which `(` is a call and `[` an index, written without a space. */
static bool ends_value(int k)
{
    return k == TOK_IDENT || k == TOK_NUMBER || k == TOK_QUANTITY || k == TOK_CIDR ||
           k == FK_STRING || k == TOK_TRUE || k == TOK_FALSE || k == TOK_NULL || is_close(k);
}

/* The tokens are the lexer's own (lang/lexer.re is the one definition of
 * where a token begins and ends), handed over with the comments, in
 * order, by the parse that must run anyway (LexSink): no second scan. A
 * string arrives in parts (quote, text, `${`, code, `}`, quote) and is
 * kept as one token, written verbatim; tests/fuzz/fuzz_fmt.c checks that
 * the output lexes to the input's tokens. */
static void on_token(void *ctx, int tok, Span loc)
{
    Fmt *f = ctx;
    if (tok == TOK_STR_BEGIN) {
        if (f->in_string++ == 0)
            f->string_start = loc.start;
    } else if (tok == TOK_STR_END) {
        if (f->in_string > 0 && --f->in_string == 0) {
            add_tok(f, f->string_start, loc.end, FK_STRING);
            f->last_code = FK_STRING;
        }
    } else if (f->in_string || tok == TOK_END) {
        return;     /* part of a string (a comment in `${}` too), or the end */
    } else if (tok == LEX_COMMENT) {
        bool block = f->text[loc.start] == '/' && f->text[loc.start + 1] == '*';
        add_tok(f, loc.start, loc.end, block ? FK_BLOCK_COMMENT : FK_LINE_COMMENT);
    } else {
        /* A `-` with no value before it is unary: the parser reads it so
         * too, since no item or element starts with `-`. */
        if (tok == '-' && !ends_value(f->last_code))
            tok = FK_NEG;
        if (tok == '{')
            set_add(&f->braces, loc.start);
        add_tok(f, loc.start, loc.end, tok);
        f->last_code = tok;
    }
}

/* --- layout ---------------------------------------------------------------- */

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
        p->kind == FK_NEG)
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

/* A token's text: verbatim, except a line comment's trailing blanks and
 * the blanks between a number and its unit (`2   GiB` is one quantity
 * token; it is written `2 GiB`). */
static void put_token(Fmt *f, const FmtTok *t)
{
    const char *s = f->text + t->start;
    uint32_t n = t->end - t->start;
    if (t->kind == FK_LINE_COMMENT)
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
    if (t->kind == TOK_QUANTITY) {
        const char *gap = memchr(s, ' ', n), *tab = memchr(s, '\t', n);
        if (!gap || (tab && tab < gap))
            gap = tab;
        if (gap) {
            const char *unit = gap;
            while (*unit == ' ' || *unit == '\t')
                unit++;
            put(&f->out, s, (size_t)(gap - s));
            put(&f->out, " ", 1);
            put(&f->out, unit, (size_t)(s + n - unit));
            return;
        }
    }
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

/* Whether a token is written as its source bytes (put_token changes only
 * a line comment's trailing blanks and a quantity's inner blanks). */
static bool verbatim(const Fmt *f, const FmtTok *t)
{
    const char *s = f->text + t->start;
    uint32_t n = t->end - t->start;
    if (t->kind == FK_LINE_COMMENT)
        return n == 0 || (s[n - 1] != ' ' && s[n - 1] != '\t');
    if (t->kind != TOK_QUANTITY)
        return true;
    for (uint32_t k = 0; k < n; k++)
        if (s[k] == '\t' || (s[k] == ' ' && (k + 1 == n || s[k + 1] == ' ' || s[k + 1] == '\t')))
            return false;
    return true;
}

/* Whether the source already has exactly sp spaces in [from, to). */
static bool same_gap(const Fmt *f, uint32_t from, uint32_t to, int sp)
{
    if (to - from != (uint32_t)sp)
        return false;
    for (uint32_t k = from; k < to; k++)
        if (f->text[k] != ' ')
            return false;
    return true;
}

/* Writes the pending source run [*run, upto) and starts the next at next. */
static void flush(Fmt *f, uint32_t *run, uint32_t upto, uint32_t next)
{
    if (upto > *run)
        put(&f->out, f->text + *run, upto - *run);
    *run = next;
}

/* The output is written in runs of source text: while the source already
 * has what the layout wants between two tokens (most often one space, or
 * nothing) the run grows, and it is copied when it ends, at a line break
 * or where the spacing changes: about one copy a line rather than one a
 * token. */
static void layout(Fmt *f)
{
    uint32_t run = 0;       /* start of the source run not yet written */
    if (f->len >= 3 && memcmp(f->text, "\xEF\xBB\xBF", 3) == 0)
        put(&f->out, f->text, 3);
    for (uint32_t i = 0; i < f->ntoks; i++) {
        const FmtTok *t = &f->toks[i], *p = i ? t - 1 : NULL;
        int nl = i ? breaks_before(f, i) : 1;
        if (nl) {
            flush(f, &run, p ? p->end : 0, t->start);
            for (int k = i ? 0 : 1; k < nl; k++)
                put(&f->out, "\n", 1);
            f->line_indent = line_indent(f, i);
            put_spaces(&f->out, 2 * f->line_indent);
        } else {
            int sp = spacing(f, p, t);
            if (!same_gap(f, p->end, t->start, sp)) {
                flush(f, &run, p->end, t->start);
                put_spaces(&f->out, sp);
            }
        }
        if (f->outpos)
            f->outpos[i] = (uint32_t)(f->out.n + (t->start - run));
        if (!verbatim(f, t)) {
            flush(f, &run, t->start, t->end);
            put_token(f, t);
        }
        track_brackets(f, t);
    }
    if (f->ntoks) {
        flush(f, &run, f->toks[f->ntoks - 1].end, 0);
        put(&f->out, "\n", 1);
    }
}

/* --- entry points ------------------------------------------------------------ */

static void fmt_release(Fmt *f)
{
    free(f->toks);
    free(f->items.v);
    free(f->members.v);
    free(f->annots.v);
    free(f->braces.v);
    free(f->outpos);
    free(f->out.p);
}

/* Parses src into a (reporting to diag) and, if it has no syntax errors,
 * lays it out into f->out. Returns the File, or NULL on errors. */
static const File *run(Fmt *f, Source *src, Arena *a, Interner *in, DiagEngine *diag,
                       bool positions)
{
    memset(f, 0, sizeof *f);
    f->text = src->text;
    f->len = src->len;
    /* Sized for typical sources up front (one token per ~4 bytes, output a
     * little longer than input): untouched capacity costs nothing, while
     * growing by copying would show in the benchmark. Huge pages: 11,063
     * page faults for the 10 MB bench file with 4 KiB pages, 4,132 now. */
    f->cap = src->len / 4 + 64;
    f->toks = xmalloc_big(f->cap * sizeof *f->toks);
    const File *file = parse_file_sink(src, a, in, diag, on_token, f);
    if (file->had_errors)
        return NULL;
    walk_items(f, file->items);
    set_sort(&f->items);
    set_sort(&f->members);
    set_sort(&f->annots);
    f->out.cap = (size_t)src->len + src->len / 8 + 64;
    f->out.p = xmalloc_big(f->out.cap);
    f->out.p[0] = '\0';
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
