/* diag.c — filing, sorting and printing diagnostics (see diag.h). */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "banned.h"

typedef struct CodeInfo {
    const char *code;   /* "E0104" */
    const char *title;  /* "unterminated string" */
} CodeInfo;

static const CodeInfo codes[] = {
#define X(c, t) {c, t},
#include "codes.def"
#undef X
};

const char *diag_code_title(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].code, code) == 0)
            return codes[i].title;
    return NULL;
}

int diag_code_count(void) { return (int)(sizeof codes / sizeof codes[0]); }

const char *diag_code_at(int i, const char **title)
{
    *title = codes[i].title;
    return codes[i].code;
}

void diag_init(DiagEngine *e)
{
    memset(e, 0, sizeof *e);
    arena_init(&e->arena);
}

void diag_release(DiagEngine *e)
{
    free(e->items);
    arena_release(&e->arena);
    memset(e, 0, sizeof *e);
}

static char *vformat(Arena *a, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static char *vformat(Arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n > 0)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

Diag *diag_new(DiagEngine *e, DiagLevel lv, const char *code, Source *src, Span sp,
               const char *fmt, ...)
{
    Diag *d = arena_alloc(&e->arena, sizeof *d);
    d->level = lv;
    d->code = code;
    d->src = src;
    d->span = sp;
    va_list ap;
    va_start(ap, fmt);
    d->msg = vformat(&e->arena, fmt, ap);
    va_end(ap);
    return d;
}

void diag_label(DiagEngine *e, Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->label = vformat(&e->arena, fmt, ap);
    va_end(ap);
}

void diag_secondary(DiagEngine *e, Diag *d, Source *src, Span sp, const char *fmt, ...)
{
    if (d->nlabels == DIAG_MAX_LABELS)
        return;
    DiagLabel *l = &d->labels[d->nlabels++];
    l->src = src;
    l->span = sp;
    va_list ap;
    va_start(ap, fmt);
    l->msg = vformat(&e->arena, fmt, ap);
    va_end(ap);
}

void diag_help(DiagEngine *e, Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->help = vformat(&e->arena, fmt, ap);
    va_end(ap);
}

void diag_note(DiagEngine *e, Diag *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    d->note = vformat(&e->arena, fmt, ap);
    va_end(ap);
}

/* Messages quote user input (names, strings); they reach terminals, JSON
 * and SARIF, so control characters and invalid UTF-8 are replaced here, at
 * the choke point, with U+FFFD. */
static const char *sanitize(Arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    bool clean = true;
    for (size_t i = 0; i < n && clean;) {
        unsigned char c = (unsigned char)s[i];
        int k = src_char_len(s, (uint32_t)i, (uint32_t)n);
        clean = (c >= 0x20 && c != 0x7f) && (c < 0x80 || k > 1);
        i += (size_t)k;
    }
    if (clean)
        return s;
    char *out = arena_alloc(a, n * 3 + 1), *w = out;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        int k = src_char_len(s, (uint32_t)i, (uint32_t)n);
        if ((c >= 0x20 && c != 0x7f) && (c < 0x80 || k > 1)) {
            memcpy(w, s + i, (size_t)k);
            w += k;
        } else {
            memcpy(w, "\xEF\xBF\xBD", 3);
            w += 3;
        }
        i += (size_t)k;
    }
    *w = '\0';
    return out;
}

void diag_emit(DiagEngine *e, Diag *d)
{
    d->msg = sanitize(&e->arena, d->msg);
    d->label = sanitize(&e->arena, d->label);
    d->help = sanitize(&e->arena, d->help);
    d->note = sanitize(&e->arena, d->note);
    for (int i = 0; i < d->nlabels; i++)
        d->labels[i].msg = sanitize(&e->arena, d->labels[i].msg);
    if (d->level == DIAG_WARNING && e->werror)
        d->level = DIAG_ERROR;
    if (e->suppress && e->suppress(e->suppress_ctx, d))
        return;
    if (e->context)
        d->msg = arena_printf(&e->arena, "%s, %s", d->msg, e->context);
    if (d->level == DIAG_ERROR)
        e->errors++;
    else if (d->level == DIAG_WARNING)
        e->warnings++;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 32;
        e->items = xrealloc(e->items, e->cap * sizeof *e->items);
    }
    d->seq = e->n;
    d->phase = e->phase;
    e->items[e->n++] = d;
}

void diag_error(DiagEngine *e, const char *code, Source *src, Span sp, const char *fmt, ...)
{
    Diag *d = diag_new(e, DIAG_ERROR, code, src, sp, "%s", "");
    va_list ap;
    va_start(ap, fmt);
    d->msg = vformat(&e->arena, fmt, ap);
    va_end(ap);
    diag_emit(e, d);
}

bool diag_failed(const DiagEngine *e) { return e->errors > 0; }

/* Order: by file (load order), then position, then phase, then emission. */
static int by_position(const void *pa, const void *pb)
{
    const Diag *a = *(const Diag *const *)pa, *b = *(const Diag *const *)pb;
    int fa = a->src ? a->src->id : -1, fb = b->src ? b->src->id : -1;
    if (fa != fb)
        return fa < fb ? -1 : 1;
    if (a->span.start != b->span.start)
        return a->span.start < b->span.start ? -1 : 1;
    if (a->phase != b->phase)
        return a->phase < b->phase ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const char *level_name(DiagLevel lv)
{
    return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

/* ---- human output ------------------------------------------------------ */

enum { TAB_WIDTH = 4 };

typedef struct Style {
    const char *err, *warn, *note, *bold, *blue, *reset;  /* ANSI or "" */
} Style;

static Style style_for(bool color)
{
    if (!color)
        return (Style){"", "", "", "", "", ""};
    return (Style){"\033[1;31m", "\033[1;33m", "\033[1;36m", "\033[1m", "\033[1;34m",
                   "\033[0m"};
}

/* Display width of text[from, to) on one line: tabs expand, a UTF-8
 * sequence counts one column, control bytes are shown as one. */
static unsigned display_width(const Source *s, uint32_t from, uint32_t to)
{
    unsigned w = 0;
    for (uint32_t i = from; i < to;) {
        unsigned char c = (unsigned char)s->text[i];
        if (c == '\t') {
            w += TAB_WIDTH - w % TAB_WIDTH;
            i++;
            continue;
        }
        i += (uint32_t)src_char_len(s->text, i, to);
        w++;
    }
    return w;
}

/* Prints a source line with tabs expanded and control bytes made visible,
 * so a NUL or an escape sequence in the input cannot reach the terminal. */
static void print_line_text(FILE *out, const Source *s, Span line, bool more)
{
    unsigned col = 0;
    for (uint32_t i = line.start; i < line.end;) {
        unsigned char c = (unsigned char)s->text[i];
        if (c == '\t') {
            do
                fputc(' ', out);
            while (++col % TAB_WIDTH);
            i++;
            continue;
        }
        int n = src_utf8_len(c);
        bool valid = c >= 0x20 && c != 0x7f;
        if (c >= 0x80) {
            valid = n > 1 && i + (uint32_t)n <= line.end;
            for (int k = 1; valid && k < n; k++)
                valid = ((unsigned char)s->text[i + (uint32_t)k] & 0xC0) == 0x80;
        }
        if (valid)
            fwrite(s->text + i, 1, (size_t)n, out);
        else {
            fputs("\xEF\xBF\xBD", out);   /* U+FFFD */
            n = 1;
        }
        i += (uint32_t)n;
        col++;
    }
    fputs(more ? "...\n" : "\n", out);
}

static unsigned digits(unsigned n)
{
    unsigned d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

enum { SNIPPET_WIDTH = 100, SNIPPET_BEFORE = 40 };

/* Advances from p over up to n display columns; returns the new offset. */
static uint32_t skip_cols(const Source *s, uint32_t p, uint32_t limit, unsigned n)
{
    while (p < limit && n > 0) {
        p += (uint32_t)src_char_len(s->text, p, limit);
        n--;
    }
    return p < limit ? p : limit;
}

/* Long lines (minified or generated input) are shown as a window around
 * the span, with "..." marking what was cut. */
static Span snippet_window(const Source *s, Span line, Span sp, bool *cut_left, bool *cut_right)
{
    *cut_left = *cut_right = false;
    if (display_width(s, line.start, line.end) <= SNIPPET_WIDTH)
        return line;
    Span w = line;
    if (display_width(s, line.start, sp.start) > SNIPPET_BEFORE) {
        uint32_t back = sp.start;
        for (unsigned n = 0; back > line.start && n < SNIPPET_BEFORE; n++) {
            back--;
            while (back > line.start && ((unsigned char)s->text[back] & 0xC0) == 0x80)
                back--;
        }
        w.start = back;
        *cut_left = true;
    }
    uint32_t end = skip_cols(s, w.start, line.end, SNIPPET_WIDTH);
    if (end < line.end) {
        w.end = end;
        *cut_right = true;
    }
    return w;
}

/* One annotated line: the text, then a marker run under the span. */
static void print_snippet(FILE *out, Style st, Source *s, Span sp, char mark,
                          const char *label, const char *markcol, unsigned gutter)
{
    LineCol lc = src_linecol(s, sp.start);
    bool cut_left, cut_right;
    Span line = snippet_window(s, src_line_span(s, lc.line), sp, &cut_left, &cut_right);
    uint32_t end = sp.end < line.end ? sp.end : line.end;
    if (end < sp.start)
        end = sp.start;
    unsigned pad = display_width(s, line.start, sp.start) + (cut_left ? 3 : 0);
    unsigned len = display_width(s, sp.start, end);
    if (len == 0)
        len = 1;
    fprintf(out, "%s%*u |%s %s", st.blue, (int)gutter, lc.line, st.reset, cut_left ? "..." : "");
    print_line_text(out, s, line, cut_right);
    fprintf(out, "%s%*s |%s %*s%s", st.blue, (int)gutter, "", st.reset, (int)pad, "", markcol);
    for (unsigned i = 0; i < len; i++)
        fputc(mark, out);
    if (label && *label)
        fprintf(out, " %s", label);
    fprintf(out, "%s\n", st.reset);
}

static void print_human(FILE *out, Style st, Diag *d)
{
    const char *lc = d->level == DIAG_ERROR ? st.err : d->level == DIAG_WARNING ? st.warn : st.note;
    fprintf(out, "%s%s[%s]%s%s: %s%s\n", lc, level_name(d->level), d->code, st.reset, st.bold,
            d->msg, st.reset);
    if (!d->src) {
        if (d->help)
            fprintf(out, "  = %shelp%s: %s\n", st.bold, st.reset, d->help);
        return;
    }
    LineCol pos = src_linecol(d->src, d->span.start);
    unsigned maxline = pos.line;
    for (int i = 0; i < d->nlabels; i++) {
        LineCol l = src_linecol(d->labels[i].src, d->labels[i].span.start);
        if (l.line > maxline)
            maxline = l.line;
    }
    unsigned g = digits(maxline);
    fprintf(out, "%*s%s-->%s %s:%u:%u\n", (int)g, "", st.blue, st.reset, d->src->path, pos.line,
            pos.col);
    fprintf(out, "%s%*s |%s\n", st.blue, (int)g, "", st.reset);
    /* Secondary labels in this file that come earlier print first. */
    for (int i = 0; i < d->nlabels; i++) {
        DiagLabel *l = &d->labels[i];
        if (l->src == d->src && l->span.start < d->span.start)
            print_snippet(out, st, l->src, l->span, '-', l->msg, st.blue, g);
    }
    print_snippet(out, st, d->src, d->span, '^', d->label, lc, g);
    for (int i = 0; i < d->nlabels; i++) {
        DiagLabel *l = &d->labels[i];
        if (l->src == d->src && l->span.start >= d->span.start)
            print_snippet(out, st, l->src, l->span, '-', l->msg, st.blue, g);
    }
    for (int i = 0; i < d->nlabels; i++) {
        DiagLabel *l = &d->labels[i];
        if (l->src == d->src)
            continue;
        LineCol p = src_linecol(l->src, l->span.start);
        fprintf(out, "%*s%s:::%s %s:%u:%u\n", (int)g, "", st.blue, st.reset, l->src->path, p.line,
                p.col);
        print_snippet(out, st, l->src, l->span, '-', l->msg, st.blue, g);
    }
    if (d->note)
        fprintf(out, "%*s %s=%s %snote%s: %s\n", (int)g, "", st.blue, st.reset, st.bold, st.reset,
                d->note);
    if (d->help)
        fprintf(out, "%*s %s=%s %shelp%s: %s\n", (int)g, "", st.blue, st.reset, st.bold, st.reset,
                d->help);
    fputc('\n', out);
}

/* ---- gcc output -------------------------------------------------------- */

static void print_gcc(FILE *out, Diag *d)
{
    if (!d->src) {
        fprintf(out, "sfdc: %s: %s [%s]\n", level_name(d->level), d->msg, d->code);
        return;
    }
    LineCol p = src_linecol(d->src, d->span.start);
    fprintf(out, "%s:%u:%u: %s: %s [%s]\n", d->src->path, p.line, p.col, level_name(d->level),
            d->msg, d->code);
    for (int i = 0; i < d->nlabels; i++) {
        DiagLabel *l = &d->labels[i];
        LineCol q = src_linecol(l->src, l->span.start);
        fprintf(out, "%s:%u:%u: note: %s\n", l->src->path, q.line, q.col, l->msg);
    }
    if (d->help)
        fprintf(out, "%s:%u:%u: note: help: %s\n", d->src->path, p.line, p.col, d->help);
}

/* ---- json and sarif ---------------------------------------------------- */

static void add_range(cJSON *o, Source *s, Span sp)
{
    LineCol a = src_linecol(s, sp.start), b = src_linecol(s, sp.end);
    cJSON_AddStringToObject(o, "file", s->path);
    cJSON_AddNumberToObject(o, "line", a.line);
    cJSON_AddNumberToObject(o, "col", a.col);
    cJSON_AddNumberToObject(o, "end_line", b.line);
    cJSON_AddNumberToObject(o, "end_col", b.col);
}

static void print_json(FILE *out, Diag *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "severity", level_name(d->level));
    cJSON_AddStringToObject(o, "code", d->code);
    cJSON_AddStringToObject(o, "message", d->msg);
    if (d->src)
        add_range(o, d->src, d->span);
    if (d->label)
        cJSON_AddStringToObject(o, "label", d->label);
    cJSON *labels = cJSON_AddArrayToObject(o, "labels");
    for (int i = 0; i < d->nlabels; i++) {
        cJSON *l = cJSON_CreateObject();
        add_range(l, d->labels[i].src, d->labels[i].span);
        cJSON_AddStringToObject(l, "message", d->labels[i].msg);
        cJSON_AddItemToArray(labels, l);
    }
    if (d->help)
        cJSON_AddStringToObject(o, "help", d->help);
    if (d->note)
        cJSON_AddStringToObject(o, "note", d->note);
    char *s = cJSON_PrintUnformatted(o);
    fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}

static cJSON *sarif_location(Source *s, Span sp, const char *msg)
{
    LineCol a = src_linecol(s, sp.start), b = src_linecol(s, sp.end);
    cJSON *loc = cJSON_CreateObject();
    cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
    cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
    cJSON_AddStringToObject(art, "uri", s->path);
    cJSON *reg = cJSON_AddObjectToObject(phys, "region");
    cJSON_AddNumberToObject(reg, "startLine", a.line);
    cJSON_AddNumberToObject(reg, "startColumn", a.col);
    cJSON_AddNumberToObject(reg, "endLine", b.line);
    cJSON_AddNumberToObject(reg, "endColumn", b.col > a.col || b.line > a.line ? b.col : a.col + 1);
    if (msg)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(loc, "message"), "text", msg);
    return loc;
}

static cJSON *sarif_result(Diag *d)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "ruleId", d->code);
    cJSON_AddStringToObject(r, "level", level_name(d->level));
    const char *text = d->msg;
    char *joined = NULL;
    if (d->help) {
        size_t n = strlen(d->msg) + strlen(d->help) + 16;
        joined = xmalloc(n);
        snprintf(joined, n, "%s (help: %s)", d->msg, d->help);
        text = joined;
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "message"), "text", text);
    free(joined);
    cJSON *locs = cJSON_AddArrayToObject(r, "locations");
    if (d->src)
        cJSON_AddItemToArray(locs, sarif_location(d->src, d->span, NULL));
    if (d->nlabels) {
        cJSON *rel = cJSON_AddArrayToObject(r, "relatedLocations");
        for (int i = 0; i < d->nlabels; i++) {
            cJSON *l = sarif_location(d->labels[i].src, d->labels[i].span, d->labels[i].msg);
            cJSON_AddNumberToObject(l, "id", i);
            cJSON_AddItemToArray(rel, l);
        }
    }
    return r;
}

static void print_sarif(FILE *out, DiagEngine *e, unsigned n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "version", "2.1.0");
    cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "runs"), run);
    cJSON *drv = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(drv, "name", "sfdc");
    cJSON_AddStringToObject(drv, "version", SFDC_VERSION);
    cJSON *rules = cJSON_AddArrayToObject(drv, "rules");
    for (int i = 0; i < diag_code_count(); i++) {
        const char *title, *code = diag_code_at(i, &title);
        cJSON *rule = cJSON_CreateObject();
        cJSON_AddStringToObject(rule, "id", code);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "shortDescription"), "text", title);
        cJSON_AddItemToArray(rules, rule);
    }
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (unsigned i = 0; i < n; i++)
        cJSON_AddItemToArray(results, sarif_result(e->items[i]));
    char *s = cJSON_Print(root);
    fprintf(out, "%s\n", s);
    free(s);
    cJSON_Delete(root);
}

/* How many diagnostics to print: all warnings and notes before the cap,
 * and errors up to max_errors. */
static unsigned printable(DiagEngine *e)
{
    if (!e->max_errors)
        return e->n;
    unsigned errs = 0;
    for (unsigned i = 0; i < e->n; i++)
        if (e->items[i]->level == DIAG_ERROR && ++errs > e->max_errors)
            return i;
    return e->n;
}

void diag_flush(DiagEngine *e, FILE *out)
{
    if (e->n > 1)
        qsort(e->items, e->n, sizeof *e->items, by_position);
    unsigned n = printable(e);
    Style st = style_for(e->color);
    if (e->format == DIAG_SARIF)
        print_sarif(out, e, n);
    for (unsigned i = 0; e->format != DIAG_SARIF && i < n; i++) {
        if (e->format == DIAG_HUMAN)
            print_human(out, st, e->items[i]);
        else if (e->format == DIAG_GCC)
            print_gcc(out, e->items[i]);
        else
            print_json(out, e->items[i]);
    }
    if (e->format == DIAG_HUMAN && n < e->n)
        fprintf(out, "%snote%s: %u more errors not shown (--max-errors %u)\n", st.note, st.reset,
                e->errors - e->max_errors, e->max_errors);
    if (e->format == DIAG_HUMAN && (e->errors || e->warnings)) {
        if (e->errors)
            fprintf(out, "%serror%s: %u error%s", st.err, st.reset, e->errors,
                    e->errors == 1 ? "" : "s");
        else
            fprintf(out, "%swarning%s: ", st.warn, st.reset);
        if (e->warnings)
            fprintf(out, "%s%u warning%s", e->errors ? ", " : "", e->warnings,
                    e->warnings == 1 ? "" : "s");
        fputc('\n', out);
    }
    e->n = 0;
}
