/* eval.c — declarations, expansion, fields, environments (see eval.h);
 * expressions are in expr.c.
 *
 * Scopes are immutable linked lists in the arena, so an attribute keeps
 * the scope it was written in and is evaluated later, lazily, in any
 * order. Every lookup is a hash-table probe or a walk up a short scope
 * chain: nothing here is quadratic in the size of the platform. */
#include "eval.h"

#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "banned.h"

/* ---- diagnostics: de-duplication and waivers --------------------------- */

static uint32_t seen_hash(const Diag *d)
{
    uint32_t h = intern_hash(d->code, strlen(d->code));
    h ^= (uint32_t)d->src->id * 0x9E3779B1u;
    h ^= d->span.start * 0x85EBCA77u + d->span.end * 0xC2B2AE3Du;
    return h ? h : 1;
}

static bool seen_same(const Seen *s, const Diag *d)
{
    return s->src == d->src->id && s->span.start == d->span.start && s->span.end == d->span.end &&
           strcmp(s->code, d->code) == 0;
}

static void seen_grow(Eval *e)
{
    size_t cap = e->seen_cap ? e->seen_cap * 2 : 256;
    Seen *ns = xcalloc(cap, sizeof *ns);
    for (size_t i = 0; i < e->seen_cap; i++) {
        if (!e->seen[i].hash)
            continue;
        size_t j = e->seen[i].hash & (cap - 1);
        while (ns[j].hash)
            j = (j + 1) & (cap - 1);
        ns[j] = e->seen[i];
    }
    free(e->seen);
    e->seen = ns;
    e->seen_cap = cap;
}

/* Returns true if an equal diagnostic was filed before; records it if not.
 * In an environment's phase (eval_diag_env), equal also means the same
 * message, and the environment is added to the one filed. */
static bool seen_before(Eval *e, const Diag *d)
{
    if ((e->seen_n + 1) * 2 > e->seen_cap)
        seen_grow(e);
    uint64_t bit = e->diag_env >= 0 ? (uint64_t)1 << e->diag_env : 0;
    uint32_t h = seen_hash(d);
    size_t i = h & (e->seen_cap - 1);
    for (; e->seen[i].hash; i = (i + 1) & (e->seen_cap - 1)) {
        Seen *s = &e->seen[i];
        if (s->hash != h || !seen_same(s, d))
            continue;
        if (!bit || !s->envs || (s->envs & bit))
            return true;    /* one mistake, one error (per environment) */
        if (strcmp(s->diag->msg, d->msg) == 0) {
            s->envs |= bit;
            return true;
        }
    }
    e->seen[i] = (Seen){h, d->code, d->src->id, d->span, d, bit};
    e->seen_n++;
    return false;
}

void eval_diag_env(Eval *e, int i)
{
    e->diag_env = i >= 0 && i < EVAL_MAX_DIAG_ENVS ? i : -1;
}

/* ", in environment `a`", ", in environments `a`, `b` and `c`". */
static const char *env_suffix(Arena *a, uint64_t envs, const char *const *names, int n)
{
    int count = 0, last = -1;
    for (int k = 0; k < n && k < EVAL_MAX_DIAG_ENVS; k++)
        if (envs >> k & 1)
            count++, last = k;
    const char *list = "";
    for (int k = 0, listed = 0; k < last; k++)
        if (envs >> k & 1)
            list = arena_printf(a, "%s%s`%s`", list, listed++ ? ", " : "", names[k]);
    return count == 1 ? arena_printf(a, ", in environment `%s`", names[last])
                      : arena_printf(a, ", in environments %s and `%s`", list, names[last]);
}

void eval_diag_envs_done(Eval *e, const char *const *names, int n)
{
    if (n <= 0)
        return;
    /* past the limit, the environments beyond it named themselves: a
       diagnostic every merged one found still lists them */
    uint64_t all = n > EVAL_MAX_DIAG_ENVS ? 0 : n == EVAL_MAX_DIAG_ENVS ? ~(uint64_t)0
                                                                      : ((uint64_t)1 << n) - 1;
    Table found;    /* Diag filed in an environment's phase -> its Seen */
    table_init(&found);
    for (size_t i = 0; i < e->seen_cap; i++)
        if (e->seen[i].hash && e->seen[i].envs && e->seen[i].envs != all)
            table_put(&found, e->seen[i].diag, &e->seen[i]);
    Arena *a = &e->d->arena;
    for (unsigned i = 0; found.count && i < e->d->n; i++) {
        Diag *g = e->d->items[i];
        const Seen *s = table_get(&found, g);
        if (!s)
            continue;
        const char *suffix = env_suffix(a, s->envs, names, n);
        /* a check of an override may name its environment itself */
        if (!strstr(g->msg, suffix + 2))
            g->msg = arena_printf(a, "%s%s", g->msg, suffix);
    }
    table_release(&found);
}

/* Whether (code, src, at) was filed already: a check before building a
 * diagnostic that a runaway expansion would otherwise build millions of
 * times only to drop. */
static bool reported(Eval *e, const char *code, Source *src, Span at)
{
    if (!e->seen_cap || !src)
        return false;
    Diag probe = {.code = code, .src = src, .span = at};
    uint32_t h = seen_hash(&probe);
    for (size_t i = h & (e->seen_cap - 1); e->seen[i].hash; i = (i + 1) & (e->seen_cap - 1))
        if (e->seen[i].hash == h && seen_same(&e->seen[i], &probe))
            return true;
    return false;
}

static bool waived(Eval *e, const Diag *d)
{
    if (d->level == DIAG_NOTE || strcmp(d->code, "W0311") == 0 || strcmp(d->code, "E0310") == 0)
        return false;
    for (Waiver *w = table_get(&e->waivers, intern_cstr(e->in, d->code)); w; w = w->next) {
        if (w->src == d->src && d->span.start >= w->span.start && d->span.end <= w->span.end) {
            w->used = true;
            return true;
        }
    }
    return false;
}

static bool suppress(void *ctx, const Diag *d)
{
    Eval *e = ctx;
    if (!d->src)
        return false;
    if (e->quiet)
        return true;
    if (waived(e, d))
        return true;
    return seen_before(e, d);
}

/* ---- small helpers ----------------------------------------------------- */

Source *eval_src(const Scope *sc) { return sc->file->src; }

Source *eval_scope_src(const Scope *sc) { return sc ? sc->file->src : NULL; }

static Scope *scope_new(Eval *e, Scope *up, File *f)
{
    Scope *s = arena_alloc(e->a, sizeof *s);
    s->up = up;
    s->file = f;
    return s;
}

static Binding *bind(Eval *e, Scope *sc, const char *name, BindKind k, const Node *decl)
{
    Binding *b = arena_alloc(e->a, sizeof *b);
    b->name = name;
    b->kind = k;
    b->decl = decl;
    b->next = sc->binds;
    sc->binds = b;
    return b;
}

Diag *eval_err(Eval *e, const char *code, Source *src, Span sp, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return diag_new(e->d, DIAG_ERROR, code, src, sp, "%s", buf);
}

/* "did you mean `x`?" as help, when a candidate is close. */
void eval_suggest(Eval *e, Diag *d, const char *word, const char *const *cands, int n)
{
    const char *best = word ? types_suggest(word, cands, n) : NULL;
    if (best)
        diag_help(e->d, d, "did you mean `%s`?", best);
}

/* Candidate names from a table's keys (interned strings). */
int eval_names(const Table *t, const char **out, int n, int max)
{
    for (size_t i = 0; i < t->cap && n < max; i++)
        if (table_key(t, i))
            out[n++] = table_key(t, i);
    return n;
}

/* ---- visibility across files ------------------------------------------- */

/* Imports before importers, so a file's accounts exist when files that
 * import it are expanded. Iterative (an import chain may be as long as the
 * import-depth budget): each stack entry is a file and how many of its
 * imports were visited. Fills order (nfiles entries); returns the count. */
static int topo_order(Eval *e, int *order)
{
    int n = e->nfiles, norder = 0;
    unsigned char *done = xcalloc((size_t)n + 1, 1);
    int *stack = xcalloc((size_t)n + 1, sizeof *stack);
    int *next = xcalloc((size_t)n + 1, sizeof *next);
    for (int root = 0; root < n; root++) {
        if (done[root])
            continue;
        int depth = 0;
        next[0] = 0;
        stack[depth++] = root;
        done[root] = 1;
        while (depth > 0) {
            File *f = e->pg->files[stack[depth - 1]];
            int i = next[depth - 1]++;
            if (i < f->nimports) {
                int t = f->imports[i];
                if (!done[t]) {
                    done[t] = 1;
                    next[depth] = 0;
                    stack[depth++] = t;
                }
            } else {
                order[norder++] = stack[--depth];
            }
        }
    }
    free(done);
    free(stack);
    free(next);
    return norder;
}

/* Which files each file sees: itself and everything it imports,
 * transitively. One bit per pair, rows filled in import order, so a row
 * is the union of its imports' rows; size arithmetic in size_t (the file
 * budget bounds n, and so the n * n bits). */
static void compute_visibility(Eval *e, const int *order, int norder)
{
    size_t n = (size_t)e->nfiles, words = (n + 63) / 64;
    e->vis_words = words;
    e->vis = xcalloc(n * words + 1, sizeof *e->vis);
    for (int k = 0; k < norder; k++) {
        int f = order[k];
        uint64_t *row = e->vis + (size_t)f * words;
        row[f / 64] |= UINT64_C(1) << (f % 64);
        File *file = e->pg->files[f];
        for (int i = 0; i < file->nimports; i++) {
            const uint64_t *imp = e->vis + (size_t)file->imports[i] * words;
            for (size_t w = 0; w < words; w++)
                row[w] |= imp[w];
        }
    }
}

bool eval_visible(const Eval *e, const File *from, const File *def)
{
    if (!from || !def || def->is_std)
        return true;
    size_t f = (size_t)def->src->id;
    return (e->vis[(size_t)from->src->id * e->vis_words + f / 64] >> (f % 64)) & 1;
}

/* The import path that would make `to` visible from `from`: relative when
 * both live in one directory tree. */
static const char *import_path(Eval *e, const File *from, const File *to)
{
    const char *a = from->key, *b = to->key;
    size_t common = 0;
    for (size_t i = 0; a[i] && a[i] == b[i]; i++)
        if (a[i] == '/')
            common = i + 1;
    const char *rest = b + common;
    int ups = 0;
    for (const char *p = a + common; *p; p++)
        ups += *p == '/';
    char *out = arena_strdup(e->a, ups ? "" : "./");
    for (int i = 0; i < ups; i++)
        out = arena_printf(e->a, "%s../", out);
    return arena_printf(e->a, "%s%s", out, rest);
}

void eval_not_visible(Eval *e, Source *src, Span at, const char *name, const File *from,
                        const File *def)
{
    const char *base = strrchr(def->src->path, '/');
    Diag *d = eval_err(e, "E0309", src, at, "`%s` is defined in `%s`, which this file does not import",
                  name, base ? base + 1 : def->src->path);
    diag_label(e->d, d, "not visible here");
    diag_help(e->d, d, "add `import \"%s\"` at the top of this file", import_path(e, from, def));
    diag_emit(e->d, d);
}

/* ---- budgets ------------------------------------------------------------ */

/* The `use`s that led to the construct, innermost first: the chain a
 * reader follows to see why it ran so often. A run of uses from one site
 * (a template that uses itself) is shown once, and at most as many sites
 * as a diagnostic has labels. */
static void use_chain(Eval *e, Diag *d)
{
    enum { SHOW = DIAG_MAX_LABELS };
    int shown = 0;
    for (int i = e->depth - 1; i >= 0; i--) {
        int j = i;
        while (j > 0 && e->uses[j - 1] == e->uses[i])
            j--;
        if (shown++ == SHOW)
            return;
        if (j < i)
            diag_secondary(e->d, d, e->use_srcs[i], e->uses[i]->span,
                           "expanded from this `use`, %d times nested", i - j + 1);
        else
            diag_secondary(e->d, d, e->use_srcs[i], e->uses[i]->span, "expanded from this `use`");
        i = j;
    }
}

static void over_budget(Eval *e, BudgetKind k, uint64_t want, Source *src, Span at)
{
    uint64_t limit = e->pg->budget.limit[k];
    if (src && src->id >= 0 && src->id < e->pg->nfiles)
        e->pg->files[src->id]->had_errors = true;   /* cut short: later checks see it incomplete */
    Diag *d = eval_err(e, "E0314", src, at, "evaluation budget exceeded: more than %llu %s",
                       (unsigned long long)limit, budget_what(k));
    diag_label(e->d, d, "this would make %llu", (unsigned long long)want);
    use_chain(e, d);
    if (e->depth)
        diag_note(e->d, d, "expansion stops here, %d `use`%s deep; what was expanded is still checked",
                  e->depth, e->depth == 1 ? "" : "s");
    else
        diag_note(e->d, d, "expansion stops here; what was expanded is still checked");
    diag_help(e->d, d, "if the platform really is this large, raise the limit with %s=N",
              budget_flag(k));
    diag_emit(e->d, d);
}

bool eval_spend(Eval *e, BudgetKind k, uint64_t n, Source *src, Span at)
{
    if (e->spend.over)
        return false;
    uint64_t want = budget_add(e->spend.used[k], n);
    if (want > e->pg->budget.limit[k]) {
        e->spend.over = true;
        over_budget(e, k, want, src, at);
        return false;
    }
    e->spend.used[k] = want;
    return true;
}

bool eval_spend_string(Eval *e, size_t len, Source *src, Span at)
{
    if (e->spend.over)
        return false;
    if (len > e->pg->budget.limit[BUDGET_STRING]) {
        e->spend.over = true;
        over_budget(e, BUDGET_STRING, len, src, at);
        return false;
    }
    return eval_spend(e, BUDGET_STRING_TOTAL, len, src, at);
}

/* ---- pass 1: declarations ---------------------------------------------- */

static void duplicate(Eval *e, const char *what, const char *name, Source *src, Span at,
                      Source *first_src, Span first)
{
    Diag *d = eval_err(e, "E0302", src, at, "duplicate %s `%s`", what, name);
    diag_label(e->d, d, "declared again here");
    diag_secondary(e->d, d, first_src, first, "first declared here");
    diag_emit(e->d, d);
}

static void collect_globals(Eval *e, int fi)
{
    File *f = e->pg->files[fi];
    Scope *fs = e->file_scope[fi];
    for (const Node *n = f->items; n; n = n->next) {
        if (n->kind == NODE_LET && n->name) {
            Binding *prev = table_get(&e->lets, n->name);
            if (prev) {
                duplicate(e, "let", n->name, f->src, n->name_span, prev->src, prev->decl->name_span);
                continue;
            }
            Binding *b = arena_alloc(e->a, sizeof *b);
            *b = (Binding){.name = n->name, .kind = B_LET, .decl = n, .expr = n->b, .src = f->src,
                           .scope = fs, .file = f};
            table_put(&e->lets, n->name, b);
        } else if (n->kind == NODE_TEMPLATE && n->name) {
            Template *prev = table_get(&e->templates, n->name);
            if (prev) {
                duplicate(e, "template", n->name, f->src, n->name_span, prev->file->src,
                          prev->node->name_span);
                continue;
            }
            Template *t = arena_alloc(e->a, sizeof *t);
            t->node = n;
            t->file = f;
            t->nparams = ast_count(n->a);
            t->types = arena_alloc(e->a, (size_t)(t->nparams + 1) * sizeof *t->types);
            int i = 0;
            for (const Node *p = n->a; p; p = p->next, i++)
                t->types[i] = types_parse(e->s, e->a, e->d, f->src, p->a);
            table_put(&e->templates, n->name, t);
        }
    }
}

/* @allow(CODE, "reason") — the reason is mandatory (E0310). */
static void collect_annot(Eval *e, File *f, const Node *item, const Node *an)
{
    if (an->name != e->k_allow) {
        Diag *d = eval_err(e, "E0301", f->src, an->name_span, "unknown annotation `@%s`", an->name);
        diag_help(e->d, d, "the annotation is `@allow(CODE, \"reason\")`");
        diag_emit(e->d, d);
        return;
    }
    const Node *code = an->a ? an->a->a : NULL;
    const Node *why = an->a && an->a->next ? an->a->next->a : NULL;
    if (!code || code->kind != NODE_IDENT || !diag_code_title(code->name)) {
        Diag *d = eval_err(e, "E0301", f->src, code ? code->span : an->span,
                      "`@allow` needs a diagnostic code, as in `@allow(E0601, \"why\")`");
        if (code && code->kind == NODE_IDENT) {
            d->msg = arena_printf(&e->d->arena, "unknown diagnostic code `%s`", code->name);
            const char *cands[256];
            int nc = 0;
            for (int i = 0; i < diag_code_count() && nc < 256; i++) {
                const char *title;
                cands[nc++] = diag_code_at(i, &title);
            }
            eval_suggest(e, d, code->name, cands, nc);
        }
        diag_emit(e->d, d);
        return;
    }
    bool blank = true;
    if (why && why->kind == NODE_STR)
        for (const char *p = why->v.str; *p && blank; p++)
            blank = *p == ' ' || *p == '\t';
    if (!why || why->kind != NODE_STR || blank) {
        Diag *d = eval_err(e, "E0310", f->src, why ? why->span : an->span,
                      "waiver of `%s` without a reason", code->name);
        diag_label(e->d, d, why ? "the reason is empty" : "no reason given");
        diag_help(e->d, d, "say why this is fine: `@allow(%s, \"the reason\")`", code->name);
        diag_emit(e->d, d);
        return;
    }
    Waiver *w = arena_alloc(e->a, sizeof *w);
    w->code = intern_cstr(e->in, code->name);
    w->src = f->src;
    w->span = item->span;
    w->annot = an;
    w->next = table_get(&e->waivers, w->code);
    table_put(&e->waivers, w->code, w);
    if (e->nw == e->capw) {
        e->capw = e->capw ? e->capw * 2 : 16;
        e->wlist = xrealloc(e->wlist, (size_t)e->capw * sizeof *e->wlist);
    }
    e->wlist[e->nw++] = w;
}

static void collect_waivers(Eval *e, File *f, const Node *items)
{
    for (const Node *n = items; n; n = n->next) {
        for (const Node *an = ast_annots(n); an; an = an->next)
            if (an->kind == NODE_ANNOT)
                collect_annot(e, f, n, an);
        switch (n->kind) {
        case NODE_BLOCK: case NODE_TEMPLATE: case NODE_FOR:
            collect_waivers(e, f, n->b);
            break;
        case NODE_IF:
            collect_waivers(e, f, n->b);
            collect_waivers(e, f, ast_else(n));
            break;
        default:
            break;
        }
    }
}

/* ---- fields -------------------------------------------------------------- */

/* Expansion just computed something that decides which objects exist: if
 * it read `env` or an overridden value, the environments' objects may not
 * be the base's. */
static void shapes_expansion(Eval *e)
{
    e->structural |= e->taint;
    e->taint = false;
}

static Value *null_value(void)
{
    static Value null = {.kind = VAL_NULL};
    return &null;
}

/* A schema default: evaluated once, in the schema's file, and shared by
 * every object that does not set the field. */
static Value *default_of(Eval *e, FieldDecl *fd)
{
    if (fd->def_val)
        return fd->def_val;
    if (fd->def_busy)
        return value_error();
    fd->def_busy = true;
    Value *v = expr_typed(e, e->file_scope[fd->file->src->id], fd->def, fd->type);
    fd->def_busy = false;
    fd->def_val = v;
    return v;
}

/* Is expr a bare template parameter of scope sc? */
static Binding *param_of(const Scope *sc, const Node *expr)
{
    if (!expr || expr->kind != NODE_IDENT)
        return NULL;
    for (const Scope *s = sc; s; s = s->up)
        for (Binding *b = s->binds; b; b = b->next)
            if (b->name == expr->name)
                return b->kind == B_PARAM ? b : NULL;
    return NULL;
}

bool eval_param_site(const Scope *sc, const Node *expr, Site *out)
{
    Binding *b = param_of(sc, expr);
    if (!b || !b->expr || !b->src)
        return false;
    *out = (Site){b->src, b->expr->span};
    return true;
}

static Value *missing(Eval *e, Object *o, const FieldDecl *fd)
{
    Site s = model_obj_site(o);
    Diag *d = eval_err(e, "E0307", s.src, s.span, "missing required field `%s`", fd->name);
    diag_label(e->d, d, "this `%s` has no `%s`", o->kind, fd->name);
    diag_help(e->d, d, "add `%s = ...` (%s)", fd->name, types_name(e->a, fd->type));
    diag_emit(e->d, d);
    return value_error();
}

/* A field's bit in Object.tainted; fields past the 64th have none (the
 * environments then expand again: eval_run). */
static uint64_t taint_bit(int index)
{
    return index < 64 ? (uint64_t)1 << index : 0;
}

/* Sets o's taint bit, remembering o (Eval.changing) the first time. */
static void taint_field(Eval *e, Object *o, uint64_t bit)
{
    if (!bit || (o->tainted & bit))
        return;
    if (!o->tainted) {
        if (e->nchanging == e->capchanging) {
            e->capchanging = e->capchanging ? e->capchanging * 2 : 256;
            e->changing = xrealloc(e->changing, (size_t)e->capchanging * sizeof *e->changing);
        }
        e->changing[e->nchanging++] = o->index;
    }
    o->tainted |= bit;
}

/* An attribute whose value is a constant of the source (expr_constant):
 * `cpu = 0.25 vcpu` in a template used 10,000 times is one Assign, and one
 * value checked against the field's type, for all the blocks it sets
 * (23 of an LA's 31 attributes; each was 16 bytes and a type check). The
 * scope is the first expansion's, which has the same file and, for a
 * constant, nothing else that matters. */
typedef struct SharedAssign {
    Assign as;                  /* first: the field's origin (model_assigns) points here */
    const SchemaDecl *schema;   /* the kind of block it sets a field of */
    const FieldDecl *fd;        /* that field, whose type val is checked against */
    Value *val;                 /* the typed value once computed, or NULL */
} SharedAssign;

/* The Assign for attribute n of field fd of a block of kind sd, written
 * in scope sc; sa is n's SharedAssign if it has one. */
static const Assign *assign_for(Eval *e, Scope *sc, const Node *n, SharedAssign *sa,
                                const SchemaDecl *sd, const FieldDecl *fd)
{
    if (expr_constant(sc, n->b, fd->type)) {
        if (sa && sa->schema == sd)
            return &sa->as;
        if (!sa) {
            sa = arena_alloc(e->a, sizeof *sa);
            *sa = (SharedAssign){{n, sc}, sd, fd, NULL};
            table_put(&e->constants, n, sa);
            return &sa->as;
        }
    }
    Assign *as = arena_alloc(e->a, sizeof *as);
    *as = (Assign){n, sc};
    return as;
}

/* The SharedAssign as is, or NULL. */
static SharedAssign *shared_assign(Eval *e, const Assign *as)
{
    SharedAssign *sa = model_assign_is_override(as) ? NULL : table_get(&e->constants, as->attr);
    return sa && &sa->as == as ? sa : NULL;
}

static Value *compute_field(Eval *e, Object *o, FieldDecl *fd)
{
    const Assign *as = model_assigns(e->m, o)[fd->index];
    if (as) {
        SharedAssign *sa = shared_assign(e, as);
        if (sa && sa->val)
            return sa->val;
        Object *outer = e->self;
        e->self = o;
        Value *v = expr_typed(e, as->scope, as->attr->b, fd->type);
        e->self = outer;
        /* an error may come from where it was asked (nested too deeply) */
        if (sa && v->kind != VAL_ERROR)
            sa->val = v;
        return v;
    }
    if (fd->def)
        return default_of(e, fd);
    if (fd->type->optional || fd->type->kind == TY_ERROR || o->incomplete)
        return null_value();
    return missing(e, o, fd);
}

Value *eval_force_field(Eval *e, Object *o, const FieldDecl *cfd, Source *src, Span at)
{
    FieldDecl *fd = &((SchemaDecl *)o->schema)->fields[cfd->index];
    Field *f = &model_fields(e->m, o)[fd->index];
    uint64_t bit = taint_bit(fd->index);
    static Value busy = {.kind = VAL_ERROR};   /* marks a field being evaluated */
    if (f->val && f->val != &busy) {
        e->taint |= (o->tainted & bit) != 0;
        return f->val;
    }
    if (f->val == &busy) {
        /* what a cycle yields depends on where it was entered, which an
           override can move: never shared */
        e->taint = true;
        Diag *d = eval_err(e, "E0303", src, at, "`%s.%s` depends on itself", o->path, fd->name);
        diag_label(e->d, d, "used here while `%s.%s` is being evaluated", o->path, fd->name);
        const Assign *as = model_assigns(e->m, o)[fd->index];
        if (as)
            diag_secondary(e->d, d, eval_scope_src(as->scope), as->attr->span,
                           "`%s` is set here", fd->name);
        diag_help(e->d, d, "break the cycle: one of the values must not depend on the other");
        diag_emit(e->d, d);
        return value_error();
    }
    f->val = &busy;
    bool outer = e->taint;
    e->taint = false;
    Value *v = compute_field(e, o, fd);
    if (e->taint)
        taint_field(e, o, bit);
    e->taint = outer || (o->tainted & bit);
    f->val = v;
    return v;
}

/* What compute_field would make of field fd of o, set by as (NULL: not
 * set), when that needs no evaluation (and so reads nothing that taints):
 * the default evaluated already, null for an optional field never set, a
 * constant attribute's value computed for another block. NULL: evaluate
 * it. */
static Value *settled(Eval *e, const Object *o, const FieldDecl *fd, const Assign *as)
{
    if (as) {
        const SharedAssign *sa = shared_assign(e, as);
        return sa ? sa->val : NULL;
    }
    if (fd->def)
        return fd->def_val;
    if (fd->type->optional || fd->type->kind == TY_ERROR || o->incomplete)
        return null_value();
    return NULL;
}

/* Every field of o, in schema order, as the evaluation's last pass asks
 * for them. Most (120 of an LA's 130) are defaults, optional and unset,
 * constants or were forced already through a reference: those are settled
 * here, inline, with the taint eval_force_field would record; only the
 * rest pay for its frame. */
static void force_fields(Eval *e, Object *o)
{
    const FieldDecl *fds = o->schema->fields;
    Field *fs = model_fields(e->m, o);
    const Assign **set = model_assigns(e->m, o);
    for (int k = 0; k < o->schema->nfields; k++) {
        Field *f = &fs[k];
        if (!f->val)
            f->val = settled(e, o, &fds[k], set[k]);
        if (f->val)
            e->taint |= (o->tainted & taint_bit(k)) != 0;
        else
            eval_force_field(e, o, &fds[k], o->src, o->node->name_span);
    }
}

/* ---- pass 2: expansion --------------------------------------------------- */

static void expand_items(Eval *e, Scope *sc, Object *parent, const Node *items, bool top);

static void misplaced(Eval *e, Scope *sc, const Node *n, const char *what)
{
    Diag *d = eval_err(e, "E0312", eval_src(sc), n->span, "`%s` must be at the top level of a file", what);
    diag_label(e->d, d, "declared inside another item");
    diag_help(e->d, d, "move this `%s` out of the enclosing block, template, `for` or `if`", what);
    diag_emit(e->d, d);
}

/* name = value inside a block; dotted targets only in environments. */
static void attr(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Source *src = eval_src(sc);
    if (!parent) {
        Diag *d = eval_err(e, "E0308", src, n->a ? n->a->span : n->name_span, "attribute outside of any block");
        diag_help(e->d, d, "to name a value, write `let %s = ...`", n->name ? n->name : "x");
        diag_emit(e->d, d);
        return;
    }
    if (!n->name) {
        if (parent->kind == e->k_environment) {
            Pending *p = arena_alloc(e->a, sizeof *p);
            Environment *env = NULL;
            for (int i = 0; i < e->m->nenvs; i++)
                if (e->m->envs[i]->obj == parent)
                    env = e->m->envs[i];
            *p = (Pending){env, n, sc, NULL};
            *e->pending_tail = p;
            e->pending_tail = &p->next;
            return;
        }
        Diag *d = eval_err(e, "E0306", src, n->a ? n->a->span : n->span,
                      "a dotted attribute is an override, allowed only in an `environment`");
        diag_help(e->d, d, "set the field inside its own block, or override it in an environment");
        diag_emit(e->d, d);
        return;
    }
    /* a constant attribute remembers its field: no lookup by name */
    SharedAssign *sa = table_get(&e->constants, n);
    const FieldDecl *fd = sa && sa->schema == parent->schema ? sa->fd
                                                             : schema_field(parent->schema, n->name);
    if (!fd) {
        const char *cands[64];
        int nc = 0;
        for (int i = 0; i < parent->schema->nfields && nc < 64; i++)
            cands[nc++] = parent->schema->fields[i].name;
        Diag *d = eval_err(e, "E0306", src, n->name_span, "unknown field `%s` in `%s`", n->name,
                      parent->kind);
        diag_label(e->d, d, "`%s` has no field `%s`", parent->kind, n->name);
        eval_suggest(e, d, n->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    const Assign **set = &model_assigns(e->m, parent)[fd->index];
    if (*set) {
        Diag *d = eval_err(e, "E0302", src, n->name_span, "`%s` is set twice in `%s`", n->name, parent->path);
        diag_label(e->d, d, "set again here");
        diag_secondary(e->d, d, eval_scope_src((*set)->scope), (*set)->attr->name_span,
                       "first set here");
        diag_emit(e->d, d);
        return;
    }
    *set = assign_for(e, sc, n, sa, parent->schema, fd);
}

/* A block's label: an identifier, or a string (interpolation allowed). */
static const char *label_of(Eval *e, Scope *sc, const Node *l)
{
    if (l->kind == NODE_IDENT)
        return l->name;
    Value *v = expr_typed(e, sc, l, types_simple(TY_STRING));
    shapes_expansion(e);
    if (v->kind != VAL_STR)
        return NULL;
    if (!*v->u.str) {
        Diag *d = eval_err(e, "E0406", eval_src(sc), l->span, "a block name cannot be empty");
        diag_emit(e->d, d);
        return NULL;
    }
    return intern_cstr(e->in, v->u.str);
}

/* Appends the n bytes of s at *w if they fit before end. */
static bool path_put(char **w, const char *end, const char *s, size_t n)
{
    if ((size_t)(end - *w) < n)
        return false;
    memcpy(*w, s, n);
    *w += n;
    return true;
}

/* PARENT.KIND[.NAME], KIND[.NAME], or an account's NAME (SPEC §7.1),
 * written into buf (512 bytes); its length, or -1 when it does not fit.
 * Built with memcpy: every object of every evaluation asks. */
static int path_build(const Eval *e, const Object *parent, const char *kind, const char *name,
                      char *buf)
{
    char *w = buf;
    const char *end = buf + 512;
    bool ok = true;
    if (parent)
        ok = path_put(&w, end, parent->path, strlen(parent->path)) && path_put(&w, end, ".", 1);
    if (ok && (parent || kind != e->k_account || !name)) {
        ok = path_put(&w, end, kind, strlen(kind));
        if (ok && name)
            ok = path_put(&w, end, ".", 1);
    }
    if (ok && name)
        ok = path_put(&w, end, name, strlen(name));
    return ok ? (int)(w - buf) : -1;
}

/* The interned path of a block; *fresh: no object can have it yet (it
 * was never a path: intern_mark), so the duplicate check needs no lookup
 * and the by-path index is not built (model_at). */
static const char *object_path(Eval *e, Object *parent, const char *kind, const char *name,
                               bool *fresh)
{
    char buf[512];
    int len = path_build(e, parent, kind, name, buf);
    if (len >= 0)
        return intern_mark(e->in, buf, (size_t)len, fresh);
    *fresh = false;
    const char *p = parent ? arena_printf(e->a, "%s.%s.%s", parent->path, kind, name ? name : "")
                           : arena_printf(e->a, "%s.%s", kind, name ? name : "");
    return intern_cstr(e->in, p);
}

/* Before parent's items expand: the interner's slots for the paths of
 * the blocks written directly in them with a plain label (an LA's nine),
 * fetched all at once. Each path is new, so each insert would otherwise
 * wait for a slot of a table far larger than the cache, one at a time. */
static void prefetch_paths(Eval *e, const Object *parent, const Node *items)
{
    char buf[512];
    for (const Node *n = items; n; n = n->next) {
        if (n->kind != NODE_BLOCK || (n->a && n->a->kind != NODE_IDENT))
            continue;
        int len = path_build(e, parent, n->name, n->a ? n->a->name : NULL, buf);
        if (len >= 0)
            intern_prefetch(e->in, buf, (size_t)len);
    }
}

static bool check_placement(Eval *e, Scope *sc, Object *parent, const Node *n, const SchemaDecl *k)
{
    if (schema_allowed_in(k, parent ? parent->kind : NULL))
        return true;
    Diag *d = eval_err(e, "E0308", eval_src(sc), n->name_span, "a `%s` block is not allowed %s%s%s",
                  k->name, parent ? "inside `" : "at the top level", parent ? parent->kind : "",
                  parent ? "`" : "");
    if (k->nparents) {
        const char *where = "";
        for (int i = 0; i < k->nparents; i++)
            where = arena_printf(e->a, "%s%s`%s`", where, i ? " or " : "", k->parents[i]);
        diag_help(e->d, d, "`%s` blocks belong inside %s", k->name, where);
    } else {
        diag_help(e->d, d, "`%s` blocks are declared at the top level of a file", k->name);
    }
    diag_emit(e->d, d);
    return false;
}

static void dup_object(Eval *e, Scope *sc, const Node *n, Object *prev, const char *path)
{
    Source *src = eval_src(sc);
    Span at = n->a ? n->a->span : n->name_span;
    Diag *d = eval_err(e, "E0302", src, at, "duplicate %s `%s`", n->name, path);
    diag_label(e->d, d, "declared again here");
    Site first = model_obj_site(prev);
    if (prev->node->a)
        first.span = prev->node->a->span;
    if (first.src == src && first.span.start == at.start && e->use && prev->use) {
        /* both copies come from one template body: show the uses */
        if (prev->use == e->use) {
            diag_secondary(e->d, d, e->use_src, e->use->span,
                           "this `use` runs more than once with the same name");
        } else {
            diag_secondary(e->d, d, e->use_src, e->use->span, "this expansion makes the second");
            diag_secondary(e->d, d, prev->use_src, prev->use->span, "first made by this expansion");
        }
    } else {
        diag_secondary(e->d, d, first.src, first.span, "first declared here");
    }
    diag_emit(e->d, d);
}

/* Kinds that exist once per parent take no label; every other kind must
 * have one (SPEC §4.1), so the back ends never meet a nameless object. */
static bool single_kind(const Eval *e, const SchemaDecl *k)
{
    return k->name == e->k_network || k->name == e->k_state;
}

/* E0315 for a missing label (the block is dropped) or one on a kind that
 * takes none (the block is kept, without it). False: drop the block. */
static bool label_ok(Eval *e, Scope *sc, const Node *n, const SchemaDecl *k)
{
    if (!n->a && !single_kind(e, k)) {
        Diag *d = eval_err(e, "E0315", eval_src(sc), n->name_span, "`%s` block without a name",
                           k->name);
        diag_label(e->d, d, "every `%s` needs a name", k->name);
        diag_help(e->d, d, "write `%s NAME { ... }`", k->name);
        diag_emit(e->d, d);
        return false;
    }
    if (n->a && single_kind(e, k)) {
        Diag *d = eval_err(e, "E0315", eval_src(sc), n->a->span, "a `%s` block takes no name", k->name);
        diag_label(e->d, d, "there is one `%s` per parent, named by its kind", k->name);
        diag_help(e->d, d, "write `%s { ... }`", k->name);
        diag_emit(e->d, d);
    }
    return true;
}

/* kind [label] { items } */
static void block(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    SchemaDecl *k = schema_find(e->s, n->name);
    if (!k) {
        const char *cands[128];
        int nc = 0;
        for (int i = 0; i < e->s->nlist && nc < 128; i++)
            cands[nc++] = e->s->list[i]->name;
        Diag *d = eval_err(e, "E0305", eval_src(sc), n->name_span, "unknown block kind `%s`", n->name);
        diag_label(e->d, d, "no schema declares this kind");
        eval_suggest(e, d, n->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    if (!check_placement(e, sc, parent, n, k))
        return;
    const char *name = NULL;
    if (n->a && n->a->kind == NODE_ERROR)
        return;   /* the parser reported it */
    if (!label_ok(e, sc, n, k))
        return;
    if (n->a && !single_kind(e, k)) {
        name = label_of(e, sc, n->a);
        if (!name)
            return;
    }
    bool fresh;
    const char *path = object_path(e, parent, k->name, name, &fresh);
    Object *prev = fresh ? NULL : model_at(e->m, path);
    if (prev) {
        dup_object(e, sc, n, prev, path);
        return;
    }
    Object *o = model_add(e->m, k, name, path, parent, n, eval_src(sc));
    o->site = e->site;
    o->use = e->use;
    o->use_src = e->use_src;
    int nblocks = 0;
    for (const Node *it = n->b; it; it = it->next) {
        o->incomplete |= it->kind == NODE_ERROR;
        nblocks += it->kind == NODE_BLOCK;
    }
    /* room for the nested blocks written here (a loop inside grows it):
       an LA's 10 children in an array of 10, not 8 then 16 */
    if (nblocks) {
        o->children = arena_alloc_raw(e->a, (size_t)nblocks * sizeof *o->children);
        o->cap_children = nblocks;
    }
    Scope *body = sc;
    if (k->name == e->k_platform && !e->m->platform)
        e->m->platform = o;
    else if (k->name == e->k_environment)
        model_add_env(e->m, o);
    else if (k->name == e->k_state && parent && parent->kind == e->k_platform) {
        if (!e->m->state)
            e->m->state = o;
        body = scope_new(e, sc, sc->file);
        bind(e, body, e->k_account, B_LATE, n);
    }
    expand_items(e, body, o, n->b, false);
}

static const Node *nth_param(const Node *params, int i)
{
    while (params && i-- > 0)
        params = params->next;
    return params;
}

static int param_index(const Node *params, const char *name)
{
    int i = 0;
    for (const Node *p = params; p; p = p->next, i++)
        if (p->name == name)
            return i;
    return -1;
}

/* Matches use-site arguments to parameters: positional first, then
 * named. Returns false after reporting E0404. */
static bool match_args(Eval *e, Scope *sc, const Template *t, const Node *use, const Node **bound)
{
    const Node *params = t->node->a;
    bool ok = true;
    int pos = 0;
    for (const Node *a = use->a; a; a = a->next) {
        int idx;
        if (!a->name) {
            if (pos >= t->nparams) {
                Diag *d = eval_err(e, "E0404", eval_src(sc), a->span,
                              "too many arguments: `%s` takes %d", t->node->name, t->nparams);
                diag_secondary(e->d, d, t->file->src, t->node->name_span, "template declared here");
                diag_emit(e->d, d);
                ok = false;
                continue;
            }
            idx = pos++;
        } else if ((idx = param_index(params, a->name)) < 0) {
            const char *cands[64];
            int nc = 0;
            for (const Node *p = params; p && nc < 64; p = p->next)
                cands[nc++] = p->name;
            Diag *d = eval_err(e, "E0404", eval_src(sc), a->name_span, "`%s` has no parameter `%s`",
                          t->node->name, a->name);
            eval_suggest(e, d, a->name, cands, nc);
            diag_emit(e->d, d);
            ok = false;
            continue;
        }
        if (bound[idx]) {
            Diag *d = eval_err(e, "E0404", eval_src(sc), a->span, "parameter `%s` is given twice",
                          nth_param(params, idx)->name);
            diag_secondary(e->d, d, eval_src(sc), bound[idx]->span, "first given here");
            diag_emit(e->d, d);
            ok = false;
            continue;
        }
        bound[idx] = a;
    }
    return ok;
}

/* Remembers b for the environments to evaluate again (Eval.rebind). */
static void rebind(Eval *e, Binding *b)
{
    if (e->nrebind == e->caprebind) {
        e->caprebind = e->caprebind ? e->caprebind * 2 : 64;
        e->rebind = xrealloc(e->rebind, (size_t)e->caprebind * sizeof *e->rebind);
    }
    e->rebind[e->nrebind++] = b;
}

/* A parameter's argument (or default), evaluated and type-checked; one
 * that read `env` or an overridden field is evaluated again per
 * environment. */
static Value *param_value(Eval *e, Binding *b)
{
    e->taint = false;
    Value *v = expr_typed(e, b->scope, b->expr, b->type);
    b->taint = e->taint;
    e->taint = false;
    if (b->taint && !e->env_name)
        rebind(e, b);
    return v;
}

/* Binds parameters to evaluated, type-checked arguments (or defaults). */
static Scope *bind_params(Eval *e, Scope *sc, const Template *t, const Node *use, const Node **bound,
                          bool args_ok)
{
    Scope *ts = scope_new(e, NULL, t->file);
    int i = 0;
    for (const Node *p = t->node->a; p; p = p->next, i++) {
        Binding *b = bind(e, ts, p->name, B_PARAM, p);
        b->state = 2;
        b->type = t->types[i];
        if (bound[i]) {
            b->expr = bound[i]->a;
            b->src = eval_src(sc);
            b->scope = sc;
            b->val = param_value(e, b);
        } else if (p->b) {
            b->expr = p->b;
            b->src = t->file->src;
            b->scope = e->file_scope[t->file->src->id];
            b->val = param_value(e, b);
        } else if (t->types[i]->optional) {
            b->val = null_value();
        } else if (!args_ok) {
            b->val = value_error();   /* a misnamed argument was reported: no second error */
        } else {
            Diag *d = eval_err(e, "E0404", eval_src(sc), use->name_span,
                          "missing argument `%s` of template `%s`", p->name, t->node->name);
            diag_label(e->d, d, "no value for `%s`", p->name);
            diag_secondary(e->d, d, t->file->src, p->span, "parameter declared here");
            diag_help(e->d, d, "pass `%s = ...` (%s)", p->name, types_name(e->a, t->types[i]));
            diag_emit(e->d, d);
            b->val = value_error();
        }
    }
    return ts;
}

/* use T(args): the template's items expand into the enclosing block. */
static void use(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Template *t = table_get(&e->templates, n->name);
    if (!t) {
        size_t max = e->templates.count + 1;     /* all: see override_target */
        const char **cands = xmalloc(max * sizeof *cands);
        int nc = eval_names(&e->templates, cands, 0, max > INT_MAX ? INT_MAX : (int)max);
        Diag *d = eval_err(e, "E0301", eval_src(sc), n->name_span, "unknown template `%s`", n->name);
        diag_label(e->d, d, "no template of this name");
        eval_suggest(e, d, n->name, cands, nc);
        free(cands);
        diag_emit(e->d, d);
        return;
    }
    if (!eval_visible(e, sc->file, t->file))
        eval_not_visible(e, eval_src(sc), n->name_span, n->name, sc->file, t->file);
    if (e->depth >= EVAL_MAX_DEPTH) {
        if (reported(e, "E0304", eval_src(sc), n->span))
            return;
        Diag *d = eval_err(e, "E0304", eval_src(sc), n->span, "template expansion too deep");
        diag_label(e->d, d, "expanding `%s` here, %d levels deep", n->name, e->depth);
        diag_note(e->d, d, "a template that uses itself, directly or through others, never stops");
        diag_emit(e->d, d);
        return;
    }
    if (!eval_spend(e, BUDGET_USES, 1, eval_src(sc), n->span))
        return;
    const Node **bound = arena_alloc(e->a, (size_t)(t->nparams + 1) * sizeof *bound);
    bool ok = match_args(e, sc, t, n, bound);
    Scope *ts = bind_params(e, sc, t, n, bound, ok);
    const Node *saved = e->use;
    Source *saved_src = e->use_src;
    e->use = n;
    e->use_src = eval_src(sc);
    e->uses[e->depth] = n;
    e->use_srcs[e->depth] = e->use_src;
    e->depth++;
    expand_items(e, ts, parent, t->node->b, false);
    e->depth--;
    e->use = saved;
    e->use_src = saved_src;
}

/* for x in list { items } — also over an integer range lo..hi (inclusive). */
static void for_(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Value *it = expr_eval(e, sc, n->a, types_simple(TY_ANY));
    shapes_expansion(e);
    if (it->kind == VAL_ERROR)
        return;
    double lo = 0, count;
    if (it->kind == VAL_LIST) {
        count = it->n;
    } else if (it->kind == VAL_RANGE && it->items[0]->kind == VAL_NUM && it->items[1]->kind == VAL_NUM &&
               it->items[0]->dim == DIM_NONE && it->items[0]->is_int && it->items[1]->is_int) {
        lo = it->items[0]->u.num;
        count = it->items[1]->u.num - lo + 1;
    } else {
        Diag *d = eval_err(e, "E0401", eval_src(sc), n->a->span, "expected a list to iterate over, found %s",
                      value_describe(e->a, it));
        diag_emit(e->d, d);
        return;
    }
    if (count > EVAL_MAX_ITER) {
        Diag *d = eval_err(e, "E0304", eval_src(sc), n->a->span, "`for` over %.0f elements", count);
        diag_label(e->d, d, "more than %d elements", EVAL_MAX_ITER);
        diag_emit(e->d, d);
        return;
    }
    /* the whole loop is counted up front: a nest of loops is stopped at
       the `for` that would go over, before any of its iterations run */
    if (!eval_spend(e, BUDGET_ITERATIONS, count > 0 ? (uint64_t)count : 0, eval_src(sc), n->a->span))
        return;
    for (uint32_t i = 0; (double)i < count && !e->spend.over; i++) {
        Scope *s2 = scope_new(e, sc, sc->file);
        Binding *b = bind(e, s2, n->name, B_FOR, n);
        b->state = 2;
        b->expr = n->a;
        b->src = eval_src(sc);
        b->val = it->kind == VAL_LIST ? it->items[i]
                                      : value_num(e->a, lo + i, DIM_NONE, NULL, n->a, eval_src(sc));
        expand_items(e, s2, parent, n->b, false);
    }
}

static void if_(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Value *c = expr_typed(e, sc, n->a, types_simple(TY_BOOL));
    shapes_expansion(e);
    if (c->kind != VAL_BOOL)
        return;
    expand_items(e, sc, parent, c->u.b ? n->b : ast_else(n), false);
}

static void expand_item(Eval *e, Scope *sc, Object *parent, const Node *n, bool top)
{
    /* the standard library's own items are not the user's to budget */
    if (!sc->file->is_std && !eval_spend(e, BUDGET_STEPS, 1, eval_src(sc), n->span))
        return;
    switch (n->kind) {
    case NODE_IMPORT: if (!top) misplaced(e, sc, n, "import"); break;
    case NODE_TEMPLATE: if (!top) misplaced(e, sc, n, "template"); break;
    case NODE_SCHEMA: if (!top) misplaced(e, sc, n, "schema"); break;
    case NODE_ENUM: if (!top) misplaced(e, sc, n, "enum"); break;
    case NODE_LET: break;   /* global: collected; local: hoisted by expand_items */
    case NODE_ATTR: attr(e, sc, parent, n); break;
    case NODE_BLOCK: block(e, sc, parent, n); break;
    case NODE_USE: use(e, sc, parent, n); break;
    case NODE_FOR: for_(e, sc, parent, n); break;
    case NODE_IF: if_(e, sc, parent, n); break;
    default: break;   /* NODE_ERROR: reported by the parser */
    }
}

/* Local lets are visible to the whole body they are declared in. */
static Scope *hoist_lets(Eval *e, Scope *sc, const Node *items)
{
    Scope *s = NULL;
    for (const Node *n = items; n; n = n->next) {
        if (n->kind != NODE_LET || !n->name)
            continue;
        if (!s)
            s = scope_new(e, sc, sc->file);
        Binding *prev = NULL;
        for (Binding *b = s->binds; b && !prev; b = b->next)
            prev = b->name == n->name ? b : NULL;
        if (prev) {
            duplicate(e, "let", n->name, eval_src(sc), n->name_span, prev->src, prev->decl->name_span);
            continue;
        }
        Binding *b = bind(e, s, n->name, B_LET, n);
        b->expr = n->b;
        b->src = eval_src(sc);
        b->scope = s;
        rebind(e, b);   /* in an environment: see forget_expanded */
    }
    return s ? s : sc;
}

static void expand_items(Eval *e, Scope *sc, Object *parent, const Node *items, bool top)
{
    if (!top)
        sc = hoist_lets(e, sc, items);
    if (parent)
        prefetch_paths(e, parent, items);
    for (const Node *n = items; n && !e->spend.over; n = n->next)
        expand_item(e, sc, parent, n, top);
}

/* ---- pass 3: environments and the per-account state ---------------------- */

/* Follows `account.kind[.name]...` to an object; NULL after reporting. */
static Object *override_target(Eval *e, Scope *sc, const Node **segs, int ns)
{
    Source *src = eval_src(sc);
    Object *o = table_get(&e->m->accounts, segs[0]->name);
    if (!o) {
        /* every account: a cut in the table's order would vary by run */
        size_t max = e->m->accounts.count + 1;
        const char **cands = xmalloc(max * sizeof *cands);
        int nc = eval_names(&e->m->accounts, cands, 0, max > INT_MAX ? INT_MAX : (int)max);
        Diag *d = eval_err(e, "E0301", src, segs[0]->span, "unknown account `%s`", segs[0]->name);
        diag_label(e->d, d, "overrides start with an account name");
        eval_suggest(e, d, segs[0]->name, cands, nc);
        free(cands);
        diag_emit(e->d, d);
        return NULL;
    }
    if (!eval_visible(e, sc->file, o->site))
        eval_not_visible(e, src, segs[0]->span, o->name, sc->file, o->site);
    for (int i = 1; i < ns - 1; i++) {
        const char *kind = segs[i]->name;
        Object *next = NULL;
        for (int c = 0; c < o->nchildren && !next; c++)
            if (o->children[c]->kind == kind && !o->children[c]->name)
                next = o->children[c];
        if (!next && i + 1 < ns - 1) {
            for (int c = 0; c < o->nchildren && !next; c++)
                if (o->children[c]->kind == kind && o->children[c]->name == segs[i + 1]->name)
                    next = o->children[c];
            if (next)
                i++;
        }
        if (!next) {
            const char *cands[128];
            int nc = 0;
            for (int c = 0; c < o->nchildren && nc < 128; c++)
                cands[nc++] = o->children[c]->name ? o->children[c]->name : o->children[c]->kind;
            const Node *bad = i + 1 < ns - 1 ? segs[i + 1] : segs[i];
            Diag *d = eval_err(e, "E0301", src, bad->name_span.end ? bad->name_span : bad->span,
                          "`%s` has no `%s` block%s%s", o->path, kind,
                          i + 1 < ns - 1 ? " named " : "", i + 1 < ns - 1 ? segs[i + 1]->name : "");
            eval_suggest(e, d, bad->name, cands, nc);
            diag_emit(e->d, d);
            return NULL;
        }
        o = next;
    }
    return o;
}

/* The object and field an override names; NULL after reporting. */
static Object *override_field(Eval *e, Pending *p, const FieldDecl **out)
{
    enum { MAXSEG = 32 };
    const Node *segs[MAXSEG];
    int ns = 0;
    Source *src = eval_src(p->scope);
    for (const Node *t = p->attr->a; t && ns < MAXSEG; t = t->kind == NODE_GET ? t->a : NULL)
        segs[ns++] = t;
    for (int i = 0; i < ns / 2; i++) {
        const Node *tmp = segs[i];
        segs[i] = segs[ns - 1 - i];
        segs[ns - 1 - i] = tmp;
    }
    if (ns < 2 || segs[0]->kind != NODE_IDENT || !p->env)
        return NULL;
    Object *o = override_target(e, p->scope, segs, ns);
    if (!o)
        return NULL;
    const Node *last = segs[ns - 1];
    const FieldDecl *fd = schema_field(o->schema, last->name);
    if (!fd) {
        const char *cands[64];
        int nc = 0;
        for (int i = 0; i < o->schema->nfields && nc < 64; i++)
            cands[nc++] = o->schema->fields[i].name;
        Diag *d = eval_err(e, "E0306", src, last->name_span, "unknown field `%s` in `%s`", last->name, o->kind);
        diag_label(e->d, d, "`%s` has no field `%s`", o->kind, last->name);
        eval_suggest(e, d, last->name, cands, nc);
        diag_emit(e->d, d);
        return NULL;
    }
    *out = fd;
    return o;
}

static void resolve_override(Eval *e, Pending *p)
{
    const FieldDecl *fd = NULL;
    Object *o = override_field(e, p, &fd);
    if (!o)
        return;
    Source *src = eval_src(p->scope);
    /* the pending overrides may be the base's, shared with this evaluation */
    Environment *env = model_env(e->m, p->env->name);
    const Override *prev = table_get(&env->by_field, &model_fields(e->m, o)[fd->index]);
    if (prev) {
        Diag *d = eval_err(e, "E0302", src, p->attr->a->span, "`%s.%s` is overridden twice in `%s`",
                      o->path, fd->name, env->name);
        diag_secondary(e->d, d, prev->src, prev->attr->a->span, "first overridden here");
        diag_emit(e->d, d);
        return;
    }
    Override ov = {o, fd, expr_typed(e, p->scope, p->attr->b, fd->type), p->attr, src};
    model_add_override(e->m, env, &ov);
}

/* In an environment's own evaluation its overrides replace the attributes
 * before any field is evaluated, so whatever is computed from an
 * overridden field (a `let`, a name, the state bucket) sees the override.
 * Returns whether expansion already read an overridden field. */
static bool install_overrides(Eval *e)
{
    bool read = false;
    for (Pending *p = e->pending; p; p = p->next) {
        if (!p->env || p->env->name != e->env_name)
            continue;
        const FieldDecl *fd = NULL;
        Object *o = override_field(e, p, &fd);
        if (!o)
            continue;
        Assign *as = arena_alloc(e->a, sizeof *as);
        *as = (Assign){p->attr, p->scope};
        read |= model_fields(e->m, o)[fd->index].val != NULL;
        model_assigns(e->m, o)[fd->index] = as;
    }
    return read;
}

/* A label, `for` list or `if` of an environment's own expansion that read
 * an overridden field read it as it is before the override (SPEC §7.5),
 * and so did every field and `let` computed on the way. Once expansion is
 * done those values are forgotten, so that the fields themselves and all
 * that is computed from them follow the override; the labels keep what
 * they read. Parameters keep their expansion-time values, as they do when
 * environments share the base's expansion (rebind_env). The lets this
 * expansion made are e->rebind[first_let...]. */
static void forget_expanded(Eval *e, int first_let)
{
    for (int i = 0; i < e->m->nobjects; i++) {
        Object *o = e->m->objects[i];
        Field *f = model_fields(e->m, o);
        for (int k = 0; k < o->schema->nfields; k++)
            f[k].val = NULL;
    }
    for (size_t i = 0; i < e->lets.cap; i++)
        if (table_key(&e->lets, i)) {
            Binding *b = table_val(&e->lets, i);
            b->state = 0, b->val = NULL;
        }
    for (int i = first_let; i < e->nrebind; i++)
        if (e->rebind[i]->kind == B_LET)
            e->rebind[i]->state = 0, e->rebind[i]->val = NULL;
}

/* In the base: every field some environment overrides is where taint
 * starts (Eval.taint). One that expansion already read keeps its value
 * from before the override in that environment's own expansion, which
 * sharing would not reproduce: then the environments expand again. Errors
 * in the overrides are reported later, by resolve_override. */
static void mark_overridden(Eval *e)
{
    e->quiet = true;
    for (Pending *p = e->pending; p; p = p->next) {
        const FieldDecl *fd = NULL;
        Object *o = override_field(e, p, &fd);
        if (!o)
            continue;
        uint64_t bit = taint_bit(fd->index);
        if (!bit || o->fields[fd->index].val)
            e->structural = true;
        taint_field(e, o, bit);
    }
    e->quiet = false;
}

static bool pending_applies(const Eval *e, const Pending *p)
{
    return !e->env_name || (p->env && p->env->name == e->env_name);
}

Value *eval_env_value(Eval *e, Scope *sc, const Node *at)
{
    static const char dflt[] = "default";
    e->taint = true;
    if (!e->env_name && e->has_envs)
        return value_late();
    /* `la.id[env]` in a loop over 10,000 LAs: one value for the node */
    const char *name = e->env_name ? e->env_name : dflt;
    Value *v = table_get(&e->cache, at);
    if (v && v->kind == VAL_STR && v->u.str == name && v->src == eval_src(sc))
        return v;
    v = value_str(e->a, name, at, eval_src(sc));
    table_put(&e->cache, at, v);
    return v;
}

static void evaluate_state(Eval *e)
{
    Object *st = e->m->state;
    if (!st)
        return;
    const ObjList *accs = model_kind(e->m, "account");
    int nf = st->schema->nfields;
    const Field *sfs = model_fields(e->m, st);
    const Assign **set = model_assigns(e->m, st);
    for (int i = 0; i < accs->n; i++) {
        Object *acc = accs->items[i];
        /* values only: the origins are the state block's (set) */
        Field *mine = arena_alloc(e->a, (size_t)(nf ? nf : 1) * sizeof *mine);
        if (e->m->states)
            e->m->states[acc->index] = mine;
        else
            acc->state = mine;
        e->late_account = acc;
        for (int k = 0; k < nf; k++) {
            const Field *sf = &sfs[k];
            mine[k] = *sf;
            if (sf->val && sf->val->kind == VAL_ERROR && sf->val->late && set[k])
                mine[k].val = expr_typed(e, set[k]->scope, set[k]->attr->b,
                                         st->schema->fields[k].type);
        }
    }
    e->late_account = NULL;
}

/* ---- the driver -------------------------------------------------------- */

Eval *eval_new(Program *pg, Schemas *s, Model *m)
{
    Eval *e = xcalloc(1, sizeof *e);
    e->pg = pg;
    e->a = &pg->arena;
    e->d = pg->diag;
    e->s = s;
    e->m = m;
    e->in = &pg->in;
    table_init(&e->lets);
    table_init(&e->templates);
    table_init(&e->waivers);
    table_init(&e->cache);
    table_init(&e->constants);
    e->pending_tail = &e->pending;
    e->k_account = intern_cstr(e->in, "account");
    e->k_platform = intern_cstr(e->in, "platform");
    e->k_environment = intern_cstr(e->in, "environment");
    e->k_state = intern_cstr(e->in, "state");
    e->k_network = intern_cstr(e->in, "network");
    e->k_all = intern_cstr(e->in, "all");
    e->k_allow = intern_cstr(e->in, "allow");
    e->k_env = intern_cstr(e->in, "env");
    e->d->suppress = suppress;
    e->d->suppress_ctx = e;
    e->diag_env = -1;
    return e;
}

static void check_params(Eval *e)
{
    for (size_t i = 0; i < e->templates.cap; i++) {
        if (!table_key(&e->templates, i))
            continue;
        Template *t = table_val(&e->templates, i);
        for (const Node *p = t->node->a; p; p = p->next)
            for (const Node *q = p->next; q; q = q->next)
                if (q->name == p->name)
                    duplicate(e, "parameter", q->name, t->file->src, q->name_span, t->file->src,
                              p->name_span);
    }
}

/* Does any file declare an environment at its top level? */
static bool declares_envs(Eval *e)
{
    for (int i = 0; i < e->pg->nfiles; i++)
        for (const Node *n = e->pg->files[i]->items; n; n = n->next)
            if (n->kind == NODE_BLOCK && n->name == e->k_environment)
                return true;
    return false;
}

/* Passes 2 and 3 into e->m: expansion, overrides (in an environment's own
 * evaluation), every field, the per-account state, unused lets. */
static void expand_and_evaluate(Eval *e)
{
    Program *pg = e->pg;
    int *order = xcalloc((size_t)pg->nfiles + 1, sizeof *order);
    int norder = topo_order(e, order);
    /* each evaluation (the base, every environment) has the whole budget */
    memset(&e->spend, 0, sizeof e->spend);
    int first_let = e->nrebind;
    for (int i = 0; i < norder && !e->spend.over; i++) {
        File *f = pg->files[order[i]];
        e->site = f;
        e->use = NULL;
        expand_items(e, e->file_scope[order[i]], NULL, f->items, true);
    }
    free(order);
    /* an expansion cut short by a budget leaves objects half-filled: their
       missing fields are not more mistakes (one mistake, one error) */
    for (int i = 0; e->spend.over && i < e->m->nobjects; i++)
        e->m->objects[i]->incomplete = true;
    if (e->env_name) {
        if (install_overrides(e))
            forget_expanded(e, first_let);
        e->nrebind = first_let;   /* the base's list, for rebind_env */
    } else if (e->has_envs)
        mark_overridden(e);
    for (int i = 0; i < e->m->nobjects; i++)
        force_fields(e, e->m->objects[i]);
    for (Pending *p = e->pending; p; p = p->next)
        if (pending_applies(e, p))
            resolve_override(e, p);
    evaluate_state(e);
    /* global lets nobody used are still checked */
    for (size_t i = 0; i < e->lets.cap; i++)
        if (table_key(&e->lets, i)) {
            Binding *b = table_val(&e->lets, i);
            expr_force_binding(e, b, b->src, b->decl->name_span);
        }
}

void eval_run(Eval *e)
{
    Program *pg = e->pg;
    e->nfiles = pg->nfiles;
    schema_collect(e->s, pg->files, pg->nfiles, e->d);
    e->file_scope = arena_alloc(e->a, (size_t)(pg->nfiles + 1) * sizeof *e->file_scope);
    for (int i = 0; i < pg->nfiles; i++)
        e->file_scope[i] = scope_new(e, NULL, pg->files[i]);
    int *order = xcalloc((size_t)pg->nfiles + 1, sizeof *order);
    int norder = topo_order(e, order);
    compute_visibility(e, order, norder);
    for (int i = 0; i < pg->nfiles; i++) {
        collect_globals(e, i);
        collect_waivers(e, pg->files[i], pg->files[i]->items);
    }
    check_params(e);
    e->has_envs = declares_envs(e);
    free(order);
    expand_and_evaluate(e);
    e->share = e->has_envs && !e->structural && !e->spend.over && !e->too_deep &&
               !e->too_nested && !getenv("SFDC_ENV_FULL");
    for (int i = 0; e->share && i < e->s->nlist; i++)
        e->share = e->s->list[i]->nfields <= 64;
}

/* Forgets what belongs to the model evaluated last: cached references to
 * its objects, its pending overrides, the values of global lets. */
static void forget_model(Eval *e, Model *m, const char *env)
{
    e->m = m;
    e->env_name = env ? intern_cstr(e->in, env) : NULL;
    table_release(&e->cache);
    table_init(&e->cache);
    table_release(&e->constants);
    table_init(&e->constants);
    e->pending = NULL;
    e->pending_tail = &e->pending;
    for (size_t i = 0; i < e->lets.cap; i++)
        if (table_key(&e->lets, i)) {
            Binding *b = table_val(&e->lets, i);
            b->state = 0;
            b->val = NULL;
        }
}

/* Before an environment shares the base's objects: the lets that read
 * `env` or an override are forgotten, then the parameters that did are
 * evaluated again, in expansion order and before the overrides are
 * installed, as the environment's own expansion would. */
static void rebind_env(Eval *e)
{
    for (int i = 0; i < e->nrebind; i++) {
        Binding *b = e->rebind[i];
        if (b->kind == B_LET && b->taint)
            b->state = 0, b->val = NULL;
    }
    for (size_t i = 0; i < e->lets.cap; i++) {
        Binding *b = table_key(&e->lets, i) ? table_val(&e->lets, i) : NULL;
        if (b && b->taint)
            b->state = 0, b->val = NULL;
    }
    for (int i = 0; i < e->nrebind; i++) {
        Binding *b = e->rebind[i];
        if (b->kind == B_PARAM)
            b->val = param_value(e, b);
    }
}

static bool sorted_u32(const uint32_t *v, int n)
{
    for (int i = 1; i < n; i++)
        if (v[i - 1] > v[i])
            return false;
    return true;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* An environment's evaluation on the base's objects (model_share): only
 * the values the base marked tainted are evaluated again, with the
 * environment's overrides and `env`, in the order expand_and_evaluate
 * would; every other value is the base's, which this environment would
 * have computed the same. */
static void share_and_evaluate(Eval *e, const Model *base)
{
    /* in index order, as a walk over every object would meet them; a
       tenth of an LA's objects, so the other nine are never visited */
    if (!sorted_u32(e->changing, e->nchanging))
        qsort(e->changing, (size_t)e->nchanging, sizeof *e->changing, by_u32);
    model_share(e->m, base, e->changing, e->nchanging);
    for (int i = 0; i < e->nchanging; i++) {
        const Object *o = base->objects[e->changing[i]];
        Field *f = model_fields(e->m, o);
        for (int k = 0; k < o->schema->nfields; k++)
            if (o->tainted & taint_bit(k))
                f[k].val = NULL;
    }
    memset(&e->spend, 0, sizeof e->spend);
    rebind_env(e);
    install_overrides(e);
    for (int i = 0; i < e->nchanging; i++)
        force_fields(e, base->objects[e->changing[i]]);
    for (Pending *p = e->pending; p; p = p->next)
        if (pending_applies(e, p))
            resolve_override(e, p);
    evaluate_state(e);
    for (size_t i = 0; i < e->lets.cap; i++) {
        Binding *b = table_key(&e->lets, i) ? table_val(&e->lets, i) : NULL;
        if (b && b->taint)
            expr_force_binding(e, b, b->src, b->decl->name_span);
    }
}

void eval_run_env(Eval *e, Model *m, const char *env)
{
    Model *base = e->m;
    if (e->share) {
        e->m = m;
        e->env_name = intern_cstr(e->in, env);
        share_and_evaluate(e, base);
        e->m = base;
        e->env_name = NULL;
        return;
    }
    forget_model(e, m, env);
    expand_and_evaluate(e);
    forget_model(e, base, NULL);
}

void eval_finish(Eval *e)
{
    for (int i = 0; i < e->nw; i++) {
        Waiver *w = e->wlist[i];
        if (w->used)
            continue;
        Diag *d = diag_new(e->d, DIAG_WARNING, "W0311", w->src, w->annot->span,
                           "`@allow(%s)` waives nothing", w->code);
        diag_label(e->d, d, "no `%s` is reported inside the item it annotates", w->code);
        diag_help(e->d, d, "remove the waiver, or move it onto the item that reports `%s`", w->code);
        diag_emit(e->d, d);
    }
}

void eval_free(Eval *e)
{
    if (!e)
        return;
    if (e->d->suppress_ctx == e) {
        e->d->suppress = NULL;
        e->d->suppress_ctx = NULL;
    }
    table_release(&e->lets);
    table_release(&e->templates);
    table_release(&e->waivers);
    table_release(&e->cache);
    table_release(&e->constants);
    free(e->rebind);
    free(e->changing);
    free(e->wlist);
    free(e->seen);
    free(e->vis);
    free(e);
}
