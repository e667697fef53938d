/* eval.c — declarations, expansion and evaluation (see eval.h).
 *
 * Scopes are immutable linked lists in the arena, so an attribute can keep
 * the scope it was written in and be evaluated later, lazily. Name lookup
 * for a bare identifier: an enum member when the expected type is that
 * enum (so `kind = core` is the member, not the account), then local
 * bindings (template parameters, `for` variables, block lets), then global
 * lets, then accounts. Every lookup is a hash-table probe or a walk up a
 * short scope chain: nothing here is quadratic in the size of the platform. */
#include "eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

typedef enum BindKind { B_LET, B_PARAM, B_FOR, B_LATE } BindKind;

/* A name bound in a scope. Lets are evaluated on first use. */
typedef struct Binding Binding;
struct Binding {
    const char *name;           /* interned */
    BindKind kind;
    const Node *decl;           /* LET, PARAM or FOR node: what "defined here" points at */
    const Node *expr;           /* let: its value; param: the argument (or default) */
    Source *src;                /* file of expr */
    Scope *scope;               /* let: where expr is evaluated */
    File *file;                 /* global lets: the defining file (visibility) */
    Value *val;                 /* the value once known */
    uint8_t state;              /* 0 pending, 1 evaluating, 2 done */
    Binding *next;
};

struct Scope {
    Scope *up;                  /* enclosing scope; NULL: globals come next */
    Binding *binds;             /* names bound here */
    File *file;                 /* the file whose text this scope belongs to */
};

typedef struct Template {
    const Node *node;           /* the TEMPLATE */
    File *file;
    const Type **types;         /* parameter types, parsed once */
    int nparams;
} Template;

/* An `@allow(CODE, "reason")` on an item. */
typedef struct Waiver {
    const char *code;           /* interned */
    Source *src;
    Span span;                  /* the annotated item */
    const Node *annot;
    bool used;
    struct Waiver *next;        /* next waiver of the same code */
} Waiver;

/* A diagnostic already filed, for (code, file, span) de-duplication. */
typedef struct Seen {
    uint32_t hash;              /* 0: empty slot */
    const char *code;
    int src;
    Span span;
} Seen;

/* An environment's dotted attribute, resolved once every object exists. */
typedef struct Pending {
    Environment *env;
    const Node *attr;
    Scope *scope;
    struct Pending *next;
} Pending;

struct Eval {
    Program *pg;
    Arena *a;
    DiagEngine *d;
    Schemas *s;
    Model *m;
    Interner *in;
    Table lets;                 /* global let name -> Binding */
    Table templates;            /* name -> Template */
    Scope **file_scope;         /* per file index */
    unsigned char *vis;         /* vis[from * nfiles + to]: from sees to */
    int nfiles;
    int depth;                  /* template expansions in progress */
    int expr_depth;             /* nested evaluations in progress */
    File *site;                 /* file of the top-level item being expanded */
    const Node *use;            /* innermost `use` being expanded */
    Source *use_src;
    Object *late_account;       /* what `account` means inside platform.state */
    Table waivers;              /* interned code -> Waiver list */
    Table cache;                /* Node -> Value: literals and references, which a
                                   template expanded N times would otherwise
                                   allocate N times (values are immutable) */
    Waiver **wlist;             /* every waiver, in collection order; malloc'd */
    int nw, capw;
    Seen *seen;                 /* open-addressed set; malloc'd */
    size_t seen_cap, seen_n;
    Pending *pending, **pending_tail;
    /* interned names the language gives meaning to */
    const char *k_account, *k_platform, *k_environment, *k_state, *k_all, *k_allow;
};

static Value *eval(Eval *e, Scope *sc, const Node *n, const Type *want);

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

/* Returns true if an equal diagnostic was filed before; records it if not. */
static bool seen_before(Eval *e, const Diag *d)
{
    if ((e->seen_n + 1) * 2 > e->seen_cap) {
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
    uint32_t h = seen_hash(d);
    size_t i = h & (e->seen_cap - 1);
    for (; e->seen[i].hash; i = (i + 1) & (e->seen_cap - 1))
        if (e->seen[i].hash == h && seen_same(&e->seen[i], d))
            return true;
    e->seen[i] = (Seen){h, d->code, d->src->id, d->span};
    e->seen_n++;
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
    if (waived(e, d))
        return true;
    return seen_before(e, d);
}

/* ---- small helpers ----------------------------------------------------- */

static Source *scope_src(const Scope *sc) { return sc->file->src; }

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

static Diag *err(Eval *e, const char *code, Source *src, Span sp, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static Diag *err(Eval *e, const char *code, Source *src, Span sp, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return diag_new(e->d, DIAG_ERROR, code, src, sp, "%s", buf);
}

/* "did you mean `x`?" as help, when a candidate is close. */
static void suggest(Eval *e, Diag *d, const char *word, const char *const *cands, int n)
{
    const char *best = word ? types_suggest(word, cands, n) : NULL;
    if (best)
        diag_help(e->d, d, "did you mean `%s`?", best);
}

/* Candidate names from a table's keys (interned strings). */
static int table_names(const Table *t, const char **out, int n, int max)
{
    for (size_t i = 0; i < t->cap && n < max; i++)
        if (t->keys[i])
            out[n++] = t->keys[i];
    return n;
}

/* ---- visibility across files ------------------------------------------- */

static void mark_visible(Eval *e, int from, int f)
{
    if (e->vis[from * e->nfiles + f])
        return;
    e->vis[from * e->nfiles + f] = 1;
    File *file = e->pg->files[f];
    for (int i = 0; i < file->nimports; i++)
        mark_visible(e, from, file->imports[i]);
}

static void compute_visibility(Eval *e)
{
    int n = e->nfiles;
    e->vis = xcalloc((size_t)n * (size_t)n + 1, 1);
    for (int i = 0; i < n; i++)
        mark_visible(e, i, i);
}

static bool visible(const Eval *e, const File *from, const File *def)
{
    if (!from || !def || def->is_std)
        return true;
    return e->vis[from->src->id * e->nfiles + def->src->id] != 0;
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

static void not_visible(Eval *e, Source *src, Span at, const char *name, const File *from,
                        const File *def)
{
    const char *base = strrchr(def->src->path, '/');
    Diag *d = err(e, "E0309", src, at, "`%s` is defined in `%s`, which this file does not import",
                  name, base ? base + 1 : def->src->path);
    diag_label(e->d, d, "not visible here");
    diag_help(e->d, d, "add `import \"%s\"` at the top of this file", import_path(e, from, def));
    diag_emit(e->d, d);
}

/* ---- pass 1: declarations ---------------------------------------------- */

static void duplicate(Eval *e, const char *what, const char *name, Source *src, Span at,
                      Source *first_src, Span first)
{
    Diag *d = err(e, "E0302", src, at, "duplicate %s `%s`", what, name);
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
        Diag *d = err(e, "E0301", f->src, an->name_span, "unknown annotation `@%s`", an->name);
        diag_help(e->d, d, "the annotation is `@allow(CODE, \"reason\")`");
        diag_emit(e->d, d);
        return;
    }
    const Node *code = an->a ? an->a->a : NULL;
    const Node *why = an->a && an->a->next ? an->a->next->a : NULL;
    if (!code || code->kind != NODE_IDENT || !diag_code_title(code->name)) {
        Diag *d = err(e, "E0301", f->src, code ? code->span : an->span,
                      "`@allow` needs a diagnostic code, as in `@allow(E0601, \"why\")`");
        if (code && code->kind == NODE_IDENT) {
            d->msg = arena_printf(&e->d->arena, "unknown diagnostic code `%s`", code->name);
            const char *cands[256];
            int nc = 0;
            for (int i = 0; i < diag_code_count() && nc < 256; i++) {
                const char *title;
                cands[nc++] = diag_code_at(i, &title);
            }
            suggest(e, d, code->name, cands, nc);
        }
        diag_emit(e->d, d);
        return;
    }
    bool blank = true;
    if (why && why->kind == NODE_STR)
        for (const char *p = why->v.str; *p && blank; p++)
            blank = *p == ' ' || *p == '\t';
    if (!why || why->kind != NODE_STR || blank) {
        Diag *d = err(e, "E0310", f->src, why ? why->span : an->span,
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
        for (const Node *an = n->c; an; an = an->next)
            if (an->kind == NODE_ANNOT)
                collect_annot(e, f, n, an);
        switch (n->kind) {
        case NODE_BLOCK: case NODE_TEMPLATE: case NODE_FOR:
            collect_waivers(e, f, n->b);
            break;
        case NODE_IF:
            collect_waivers(e, f, n->b);
            collect_waivers(e, f, n->d);
            break;
        default:
            break;
        }
    }
}

/* ---- expressions -------------------------------------------------------- */

static Value *too_deep(Eval *e, Scope *sc, const Node *n)
{
    Diag *d = err(e, "E0304", scope_src(sc), n->span, "evaluation nested too deeply");
    diag_label(e->d, d, "more than %d nested references evaluating this", EVAL_MAX_EXPR);
    diag_help(e->d, d, "shorten the chain of lets and references");
    diag_emit(e->d, d);
    return value_error();
}

static Value *force_binding(Eval *e, Binding *b, Source *src, Span at)
{
    if (b->state == 2)
        return b->val;
    if (b->state == 1) {
        Diag *d = err(e, "E0303", src, at, "`%s` refers to itself", b->name);
        diag_label(e->d, d, "used here while `%s` is being evaluated", b->name);
        diag_secondary(e->d, d, b->src, b->decl->name_span, "`%s` defined here", b->name);
        diag_help(e->d, d, "break the cycle: one of the values must not depend on the other");
        diag_emit(e->d, d);
        return value_error();
    }
    b->state = 1;
    Value *v = eval(e, b->scope, b->expr, types_simple(TY_ANY));
    b->val = v;
    b->state = 2;
    return v;
}

static Value *force_field(Eval *e, Object *o, const FieldDecl *fd, Source *src, Span at);

/* Every name a bare identifier could have meant here, for did-you-mean. */
static int ident_candidates(Eval *e, Scope *sc, const Type *want, const char **out, int max)
{
    int n = 0;
    for (Scope *s = sc; s; s = s->up)
        for (Binding *b = s->binds; b && n < max; b = b->next)
            out[n++] = b->name;
    n = table_names(&e->lets, out, n, max);
    n = table_names(&e->m->accounts, out, n, max);
    if (want->kind == TY_ENUM)
        for (int i = 0; i < want->en->nmembers && n < max; i++)
            out[n++] = want->en->members[i];
    return n;
}

static Value *unknown_ident(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    enum { MAXC = 4096 };
    const char **cands = xmalloc(MAXC * sizeof *cands);
    int nc = ident_candidates(e, sc, want, cands, MAXC);
    Diag *d;
    if (want->kind == TY_ENUM) {
        d = err(e, "E0405", scope_src(sc), n->span, "`%s` is not a member of enum `%s`", n->name,
                want->en->name);
        diag_label(e->d, d, "expected one of the members of `%s`", want->en->name);
        const char *list = "";
        for (int i = 0; i < want->en->nmembers && i < 16; i++)
            list = arena_printf(e->a, "%s%s`%s`", list, i ? ", " : "", want->en->members[i]);
        diag_note(e->d, d, "`%s` is one of %s%s", want->en->name, list,
                  want->en->nmembers > 16 ? ", ..." : "");
    } else {
        d = err(e, "E0301", scope_src(sc), n->span, "unknown name `%s`", n->name);
        diag_label(e->d, d, "not defined in this scope");
    }
    suggest(e, d, n->name, cands, nc);
    free(cands);
    diag_emit(e->d, d);
    return value_error();
}

/* A reference (or kind selector) written at n: the one made at n before
 * when it meant the same thing, else a new one remembered for next time. */
static Value *cached_ref(Eval *e, Scope *sc, const Node *n, ValKind k, Object *o, const char *kind)
{
    Value *v = table_get(&e->cache, n);
    if (v && v->kind == k && v->ref == o && v->unit == kind)
        return v;
    v = value_new(e->a, k, n, scope_src(sc));
    v->ref = o;
    v->unit = kind;
    table_put(&e->cache, n, v);
    return v;
}

static Value *ref_value(Eval *e, Scope *sc, const Node *n, Object *o)
{
    return cached_ref(e, sc, n, VAL_REF, o, NULL);
}

static Value *ident(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    if (want->kind == TY_ENUM && schema_enum_has(want->en, n->name)) {
        Value *v = table_get(&e->cache, n);
        if (v && v->kind == VAL_SYM)
            return v;
        v = value_new(e->a, VAL_SYM, n, scope_src(sc));
        v->u.str = n->name;
        table_put(&e->cache, n, v);
        return v;
    }
    if (want->kind == TY_ACCOUNTS && n->name == e->k_all) {
        Value *v = value_new(e->a, VAL_SYM, n, scope_src(sc));
        v->u.str = n->name;
        return v;
    }
    for (Scope *s = sc; s; s = s->up) {
        for (Binding *b = s->binds; b; b = b->next) {
            if (b->name != n->name)
                continue;
            if (b->kind == B_LATE)
                return e->late_account ? ref_value(e, sc, n, e->late_account) : value_late();
            if (b->kind == B_LET)
                return force_binding(e, b, scope_src(sc), n->span);
            return b->val;
        }
    }
    Binding *g = table_get(&e->lets, n->name);
    if (g) {
        if (!visible(e, sc->file, g->file))
            not_visible(e, scope_src(sc), n->span, n->name, sc->file, g->file);
        return force_binding(e, g, scope_src(sc), n->span);
    }
    Object *acc = table_get(&e->m->accounts, n->name);
    if (acc) {
        if (!visible(e, sc->file, acc->site))
            not_visible(e, scope_src(sc), n->span, n->name, sc->file, acc->site);
        return ref_value(e, sc, n, acc);
    }
    if (want->kind == TY_NAME)
        return value_str(e->a, n->name, n, scope_src(sc));
    return unknown_ident(e, sc, n, want);
}

/* `obj.name`: a field, a singleton child block, or the blocks of a kind. */
static Value *get_member(Eval *e, Scope *sc, const Node *n, Object *o)
{
    const FieldDecl *fd = schema_field(o->schema, n->name);
    if (fd)
        return force_field(e, o, fd, scope_src(sc), n->name_span);
    const SchemaDecl *kind = schema_find(e->s, n->name);
    if (kind && schema_allowed_in(kind, o->kind)) {
        for (int i = 0; i < o->nchildren; i++)
            if (o->children[i]->kind == kind->name && !o->children[i]->name)
                return ref_value(e, sc, n, o->children[i]);
        return cached_ref(e, sc, n, VAL_KINDSEL, o, kind->name);
    }
    const char *cands[128];
    int nc = 0;
    for (int i = 0; i < o->schema->nfields && nc < 64; i++)
        cands[nc++] = o->schema->fields[i].name;
    for (int i = 0; i < e->s->nlist && nc < 128; i++)
        if (schema_allowed_in(e->s->list[i], o->kind))
            cands[nc++] = e->s->list[i]->name;
    Diag *d = err(e, "E0306", scope_src(sc), n->name_span, "`%s` has no field or block kind `%s`",
                  o->path, n->name);
    diag_label(e->d, d, "not a field of `%s`", o->kind);
    suggest(e, d, n->name, cands, nc);
    diag_emit(e->d, d);
    return value_error();
}

/* `core.ecr` then `.dagster`: the child of that kind and name. */
static Value *get_child(Eval *e, Scope *sc, const Node *n, Object *o, const char *kind)
{
    for (int i = 0; i < o->nchildren; i++) {
        Object *c = o->children[i];
        if (c->kind == kind && c->name == n->name)
            return ref_value(e, sc, n, c);
    }
    const char *cands[128];
    int nc = 0;
    for (int i = 0; i < o->nchildren && nc < 128; i++)
        if (o->children[i]->kind == kind)
            cands[nc++] = o->children[i]->name;
    Diag *d = err(e, "E0301", scope_src(sc), n->name_span, "no `%s` named `%s` in `%s`", kind,
                  n->name, o->path);
    diag_label(e->d, d, "unknown %s", kind);
    suggest(e, d, n->name, cands, nc);
    diag_emit(e->d, d);
    return value_error();
}

static Value *get(Eval *e, Scope *sc, const Node *n)
{
    Value *base = eval(e, sc, n->a, types_simple(TY_ANY));
    if (base->kind == VAL_ERROR)
        return base;
    if (base->kind == VAL_REF)
        return get_member(e, sc, n, base->ref);
    if (base->kind == VAL_KINDSEL)
        return get_child(e, sc, n, base->ref, base->unit);
    if (base->kind == VAL_MAP) {
        for (uint32_t i = 0; i < base->n; i++)
            if (base->keys[i] == n->name)
                return base->items[i];
        Diag *d = err(e, "E0306", scope_src(sc), n->name_span, "the record has no key `%s`", n->name);
        suggest(e, d, n->name, base->keys, (int)base->n);
        diag_emit(e->d, d);
        return value_error();
    }
    Diag *d = err(e, "E0401", scope_src(sc), n->name_span, "`.%s` on %s, which has no fields",
                  n->name, value_describe(e->a, base));
    diag_emit(e->d, d);
    return value_error();
}

static Value *quantity(Eval *e, Scope *sc, const Node *n)
{
    const Unit *u = value_unit(n->name);
    if (u)
        return value_num(e->a, n->v.num * u->factor, u->dim, u->name, n, scope_src(sc));
    Diag *d = err(e, "E0403", scope_src(sc), n->name_span, "unknown unit `%s`", n->name);
    diag_label(e->d, d, "not a unit");
    const char *alias = value_unit_alias(n->name);
    if (alias)
        diag_help(e->d, d, "did you mean `%s`? (memory is in binary units: 1 GiB = 1024 MiB)", alias);
    else {
        const char *const *names = value_unit_names();
        int nn = 0;
        while (names[nn])
            nn++;
        suggest(e, d, n->name, names, nn);
    }
    diag_note(e->d, d, "units are vcpu, cpu, MiB, GiB, TiB, acu, ms, s, m, h, d and %%");
    diag_emit(e->d, d);
    return value_error();
}

/* "a-${x}-b": each part rendered as text. */
static Value *interp(Eval *e, Scope *sc, const Node *n)
{
    const char *out = "";
    for (const Node *p = n->a; p; p = p->next) {
        if (p->kind == NODE_STR) {
            out = arena_printf(e->a, "%s%s", out, p->v.str);
            continue;
        }
        Value *v = eval(e, sc, p, types_simple(TY_ANY));
        if (v->kind == VAL_ERROR)
            return v;
        if (v->kind == VAL_LIST || v->kind == VAL_MAP || v->kind == VAL_RANGE ||
            v->kind == VAL_NULL || v->kind == VAL_CALL || v->kind == VAL_KINDSEL) {
            Diag *d = err(e, "E0401", scope_src(sc), p->span, "cannot put %s into a string",
                          value_describe(e->a, v));
            diag_label(e->d, d, "interpolated here");
            diag_emit(e->d, d);
            return value_error();
        }
        out = arena_printf(e->a, "%s%s", out, value_text(e->a, v));
    }
    return value_str(e->a, out, n, scope_src(sc));
}

static Value *list(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    const Type *elem = want->kind == TY_LIST ? want->elem : types_simple(TY_ANY);
    Value *v = value_new(e->a, VAL_LIST, n, scope_src(sc));
    v->n = (uint32_t)ast_count(n->a);
    v->items = arena_alloc(e->a, (v->n ? v->n : 1) * sizeof *v->items);
    uint32_t i = 0;
    for (const Node *x = n->a; x; x = x->next)
        v->items[i++] = eval(e, sc, x, elem);
    return v;
}

static Value *record(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    const Type *elem = want->kind == TY_MAP ? want->elem : types_simple(TY_ANY);
    Value *v = value_new(e->a, VAL_MAP, n, scope_src(sc));
    uint32_t cap = (uint32_t)ast_count(n->a);
    v->items = arena_alloc(e->a, (cap ? cap : 1) * sizeof *v->items);
    v->keys = arena_alloc(e->a, (cap ? cap : 1) * sizeof *v->keys);
    for (const Node *x = n->a; x; x = x->next) {
        uint32_t j = 0;
        while (j < v->n && v->keys[j] != x->name)
            j++;
        if (j < v->n) {
            Diag *d = err(e, "E0302", scope_src(sc), x->name_span, "duplicate key `%s`", x->name);
            diag_label(e->d, d, "set again here");
            diag_emit(e->d, d);
            continue;
        }
        v->keys[v->n] = x->name;
        v->items[v->n++] = eval(e, sc, x->b, elem);
    }
    return v;
}

static Value *range(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    const Type *elem = want->kind == TY_RANGE ? want->elem : types_simple(TY_ANY);
    Value *lo = eval(e, sc, n->a, elem), *hi = eval(e, sc, n->b, elem);
    if (lo->kind == VAL_ERROR)
        return lo;
    if (hi->kind == VAL_ERROR)
        return hi;
    Value *v = value_new(e->a, VAL_RANGE, n, scope_src(sc));
    v->n = 2;
    v->items = arena_alloc(e->a, 2 * sizeof *v->items);
    v->items[0] = lo;
    v->items[1] = hi;
    return v;
}

/* vpn(cidr), private(), public(), secret("name"), ssm("/path"). */
static Value *call(Eval *e, Scope *sc, const Node *n)
{
    static const struct { const char *name; int nargs; TypeKind arg; const char *usage; } fns[] = {
        {"vpn", 1, TY_CIDR, "vpn(10.100.0.0/16)"}, {"private", 0, TY_ERROR, "private()"},
        {"public", 0, TY_ERROR, "public()"}, {"secret", 1, TY_STRING, "secret(\"name\")"},
        {"ssm", 1, TY_STRING, "ssm(\"/path\")"},
    };
    const Node *callee = n->a;
    const char *name = callee && callee->kind == NODE_IDENT ? callee->name : NULL;
    for (size_t i = 0; name && i < sizeof fns / sizeof fns[0]; i++) {
        if (strcmp(name, fns[i].name) != 0)
            continue;
        int na = ast_count(n->b);
        if (na != fns[i].nargs) {
            Diag *d = err(e, "E0401", scope_src(sc), n->span, "`%s` takes %d argument%s, not %d",
                          name, fns[i].nargs, fns[i].nargs == 1 ? "" : "s", na);
            diag_help(e->d, d, "write `%s`", fns[i].usage);
            diag_emit(e->d, d);
            return value_error();
        }
        Value *v = value_new(e->a, VAL_CALL, n, scope_src(sc));
        v->u.str = callee->name;
        v->n = (uint32_t)na;
        v->items = arena_alloc(e->a, (size_t)(na ? na : 1) * sizeof *v->items);
        if (na) {
            const Type *t = types_simple(fns[i].arg);
            Value *a = eval(e, sc, n->b->a, t);
            a = types_check(e->a, e->d, scope_src(sc), n->b->span, a, t);
            if (a->kind == VAL_ERROR)
                return a;
            v->items[0] = a;
        }
        return v;
    }
    const char *cands[] = {"vpn", "private", "public", "secret", "ssm"};
    Diag *d = err(e, "E0301", scope_src(sc), callee ? callee->span : n->span, "unknown function `%s`",
                  name ? name : "?");
    diag_label(e->d, d, "not a function");
    if (name)
        suggest(e, d, name, cands, 5);
    diag_note(e->d, d, "the functions are vpn(cidr), private(), public(), secret(name), ssm(path)");
    diag_emit(e->d, d);
    return value_error();
}

static Value *arith_error(Eval *e, Scope *sc, const Node *n, const char *msg, const Value *a,
                          const Value *b)
{
    Diag *d = err(e, "E0407", scope_src(sc), n->span, "%s", msg);
    diag_label(e->d, d, "%s and %s", value_describe(e->a, a), b ? value_describe(e->a, b) : "");
    diag_emit(e->d, d);
    return value_error();
}

static Value *num_result(Eval *e, Scope *sc, const Node *n, double x, Dim dim, const char *unit)
{
    return value_num(e->a, x, dim, unit, n, scope_src(sc));
}

static Value *boolean(Eval *e, Scope *sc, const Node *n, bool b)
{
    Value *v = value_new(e->a, VAL_BOOL, n, scope_src(sc));
    v->u.b = b;
    return v;
}

static Value *arith(Eval *e, Scope *sc, const Node *n, Value *a, Value *b)
{
    BinOp op = (BinOp)n->op;
    if (op == OP_ADD && a->kind == VAL_STR && b->kind == VAL_STR)
        return value_str(e->a, arena_printf(e->a, "%s%s", a->u.str, b->u.str), n, scope_src(sc));
    if (a->kind != VAL_NUM || b->kind != VAL_NUM)
        return arith_error(e, sc, n, arena_printf(e->a, "`%s` needs numbers", ast_op_name(op)), a, b);
    double x = a->u.num, y = b->u.num;
    const char *unit = a->unit ? a->unit : b->unit;
    switch (op) {
    case OP_ADD: case OP_SUB:
        if (a->dim != b->dim && x != 0 && y != 0)
            return arith_error(e, sc, n, "cannot add or subtract quantities of different units", a, b);
        return num_result(e, sc, n, op == OP_ADD ? x + y : x - y, a->dim ? a->dim : b->dim, unit);
    case OP_MUL:
        if (a->dim && b->dim)
            return arith_error(e, sc, n, "cannot multiply two quantities", a, b);
        return num_result(e, sc, n, x * y, a->dim ? a->dim : b->dim, unit);
    case OP_DIV: case OP_MOD:
        if (y == 0)
            return arith_error(e, sc, n, "division by zero", a, b);
        if (op == OP_MOD) {
            if (a->dim || b->dim || x != floor(x) || y != floor(y))
                return arith_error(e, sc, n, "`%` needs whole numbers without units", a, b);
            return num_result(e, sc, n, fmod(x, y), DIM_NONE, NULL);
        }
        if (b->dim && b->dim != a->dim)
            return arith_error(e, sc, n, "cannot divide by a quantity of another unit", a, b);
        return num_result(e, sc, n, x / y, b->dim ? DIM_NONE : a->dim, b->dim ? NULL : a->unit);
    default:
        if (a->dim != b->dim && x != 0 && y != 0)
            return arith_error(e, sc, n, "cannot compare quantities of different units", a, b);
        return boolean(e, sc, n, op == OP_LT ? x < y : op == OP_LE ? x <= y : op == OP_GT ? x > y
                                                                              : x >= y);
    }
}

static Value *binary(Eval *e, Scope *sc, const Node *n)
{
    BinOp op = (BinOp)n->op;
    const Type *any = types_simple(TY_ANY);
    Value *a = eval(e, sc, n->a, any);
    if (a->kind == VAL_ERROR)
        return a;
    if ((op == OP_AND || op == OP_OR) && a->kind == VAL_BOOL && a->u.b == (op == OP_OR))
        return a;
    Value *b = eval(e, sc, n->b, any);
    if (b->kind == VAL_ERROR)
        return b;
    switch (op) {
    case OP_AND: case OP_OR:
        if (a->kind != VAL_BOOL || b->kind != VAL_BOOL)
            return arith_error(e, sc, n, arena_printf(e->a, "`%s` needs bools", ast_op_name(op)), a, b);
        return b;
    case OP_EQ: return boolean(e, sc, n, value_equal(a, b));
    case OP_NE: return boolean(e, sc, n, !value_equal(a, b));
    default: return arith(e, sc, n, a, b);
    }
}

static Value *unary(Eval *e, Scope *sc, const Node *n)
{
    Value *a = eval(e, sc, n->a, types_simple(TY_ANY));
    if (a->kind == VAL_ERROR)
        return a;
    if (n->op == OP_NOT) {
        if (a->kind != VAL_BOOL)
            return arith_error(e, sc, n, "`!` needs a bool", a, NULL);
        return boolean(e, sc, n, !a->u.b);
    }
    if (a->kind != VAL_NUM)
        return arith_error(e, sc, n, "`-` needs a number", a, NULL);
    return num_result(e, sc, n, -a->u.num, (Dim)a->dim, a->unit);
}

static Value *index_(Eval *e, Scope *sc, const Node *n)
{
    const Type *any = types_simple(TY_ANY);
    Value *a = eval(e, sc, n->a, any), *i = eval(e, sc, n->b, any);
    if (a->kind == VAL_ERROR)
        return a;
    if (i->kind == VAL_ERROR)
        return i;
    if (a->kind == VAL_LIST && i->kind == VAL_NUM && i->dim == DIM_NONE && i->u.num == floor(i->u.num)) {
        if (i->u.num < 0 || i->u.num >= a->n)
            return arith_error(e, sc, n->b, arena_printf(e->a, "index %g is out of range (the list "
                                                          "has %u elements)", i->u.num, a->n), i, NULL);
        return a->items[(uint32_t)i->u.num];
    }
    if (a->kind == VAL_MAP && i->kind == VAL_STR) {
        for (uint32_t k = 0; k < a->n; k++)
            if (strcmp(a->keys[k], i->u.str) == 0)
                return a->items[k];
        Diag *d = err(e, "E0306", scope_src(sc), n->b->span, "the record has no key \"%s\"", i->u.str);
        diag_emit(e->d, d);
        return value_error();
    }
    return arith_error(e, sc, n, "cannot index this", a, i);
}

static Value *eval_node(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    Source *src = scope_src(sc);
    switch (n->kind) {
    case NODE_NUM: {
        Value *v = value_num(e->a, n->v.num, DIM_NONE, NULL, n, src);
        v->is_int = (n->flags & NF_INT) != 0;
        return v;
    }
    case NODE_QTY: return quantity(e, sc, n);
    case NODE_STR: return value_str(e->a, n->v.str, n, src);
    case NODE_INTERP: return interp(e, sc, n);
    case NODE_CIDR: {
        Value *v = value_new(e->a, VAL_CIDR, n, src);
        v->u.cidr = n->v.cidr;
        return v;
    }
    case NODE_BOOL: return boolean(e, sc, n, (n->flags & NF_TRUE) != 0);
    case NODE_NULL: return value_new(e->a, VAL_NULL, n, src);
    case NODE_IDENT: return ident(e, sc, n, want);
    case NODE_GET: return get(e, sc, n);
    case NODE_INDEX: return index_(e, sc, n);
    case NODE_CALL: return call(e, sc, n);
    case NODE_LIST: return list(e, sc, n, want);
    case NODE_RECORD: return record(e, sc, n, want);
    case NODE_RANGE: return range(e, sc, n, want);
    case NODE_BINARY: return binary(e, sc, n);
    case NODE_UNARY: return unary(e, sc, n);
    default: return value_error();   /* NODE_ERROR: the parser reported it */
    }
}

static bool is_literal(const Node *n)
{
    return n->kind == NODE_NUM || n->kind == NODE_QTY || n->kind == NODE_STR ||
           n->kind == NODE_CIDR || n->kind == NODE_BOOL || n->kind == NODE_NULL;
}

static Value *eval(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    if (!n)
        return value_error();
    if (is_literal(n)) {
        Value *v = table_get(&e->cache, n);
        if (!v) {
            v = eval_node(e, sc, n, want);
            table_put(&e->cache, n, v);
        }
        return v;
    }
    if (e->expr_depth >= EVAL_MAX_EXPR)
        return too_deep(e, sc, n);
    e->expr_depth++;
    Value *v = eval_node(e, sc, n, want);
    e->expr_depth--;
    return v;
}

/* Evaluates and checks against a type, blaming n when the value has no
 * span of its own. */
static Value *eval_typed(Eval *e, Scope *sc, const Node *n, const Type *t)
{
    Value *v = eval(e, sc, n, t);
    return types_check(e->a, e->d, scope_src(sc), n ? n->span : (Span){0, 0}, v, t);
}

/* ---- fields -------------------------------------------------------------- */

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
    Value *v = eval_typed(e, e->file_scope[fd->file->src->id], fd->def, fd->type);
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
    Diag *d = err(e, "E0307", s.src, s.span, "missing required field `%s`", fd->name);
    diag_label(e->d, d, "this `%s` has no `%s`", o->kind, fd->name);
    diag_help(e->d, d, "add `%s = ...` (%s)", fd->name, types_name(e->a, fd->type));
    diag_emit(e->d, d);
    return value_error();
}

static Value *compute_field(Eval *e, Object *o, FieldDecl *fd)
{
    Field *f = &o->fields[fd->index];
    if (f->set)
        return eval_typed(e, f->set->scope, f->set->attr->b, fd->type);
    if (fd->def)
        return default_of(e, fd);
    if (fd->type->optional || fd->type->kind == TY_ERROR || o->incomplete)
        return null_value();
    return missing(e, o, fd);
}

static Value *force_field(Eval *e, Object *o, const FieldDecl *cfd, Source *src, Span at)
{
    FieldDecl *fd = &((SchemaDecl *)o->schema)->fields[cfd->index];
    Field *f = &o->fields[fd->index];
    static Value busy = {.kind = VAL_ERROR};   /* marks a field being evaluated */
    if (f->val && f->val != &busy)
        return f->val;
    if (f->val == &busy) {
        Diag *d = err(e, "E0303", src, at, "`%s.%s` depends on itself", o->path, fd->name);
        diag_label(e->d, d, "used here while `%s.%s` is being evaluated", o->path, fd->name);
        if (f->set)
            diag_secondary(e->d, d, eval_scope_src(f->set->scope), f->set->attr->span,
                           "`%s` is set here", fd->name);
        diag_help(e->d, d, "break the cycle: one of the values must not depend on the other");
        diag_emit(e->d, d);
        return value_error();
    }
    f->val = &busy;
    Value *v = compute_field(e, o, fd);
    f->val = v;
    return v;
}

/* ---- pass 2: expansion --------------------------------------------------- */

static void expand_items(Eval *e, Scope *sc, Object *parent, const Node *items, bool top);

static void misplaced(Eval *e, Scope *sc, const Node *n, const char *what)
{
    Diag *d = err(e, "E0312", scope_src(sc), n->span, "`%s` must be at the top level of a file", what);
    diag_label(e->d, d, "declared inside another item");
    diag_help(e->d, d, "move this `%s` out of the enclosing block, template, `for` or `if`", what);
    diag_emit(e->d, d);
}

/* name = value inside a block; dotted targets only in environments. */
static void attr(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Source *src = scope_src(sc);
    if (!parent) {
        Diag *d = err(e, "E0308", src, n->a ? n->a->span : n->span, "attribute outside of any block");
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
        Diag *d = err(e, "E0306", src, n->a ? n->a->span : n->span,
                      "a dotted attribute is an override, allowed only in an `environment`");
        diag_help(e->d, d, "set the field inside its own block, or override it in an environment");
        diag_emit(e->d, d);
        return;
    }
    const FieldDecl *fd = schema_field(parent->schema, n->name);
    if (!fd) {
        const char *cands[64];
        int nc = 0;
        for (int i = 0; i < parent->schema->nfields && nc < 64; i++)
            cands[nc++] = parent->schema->fields[i].name;
        Diag *d = err(e, "E0306", src, n->name_span, "unknown field `%s` in `%s`", n->name,
                      parent->kind);
        diag_label(e->d, d, "`%s` has no field `%s`", parent->kind, n->name);
        suggest(e, d, n->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    Field *f = &parent->fields[fd->index];
    if (f->set) {
        Diag *d = err(e, "E0302", src, n->name_span, "`%s` is set twice in `%s`", n->name, parent->path);
        diag_label(e->d, d, "set again here");
        diag_secondary(e->d, d, eval_scope_src(f->set->scope), f->set->attr->name_span,
                       "first set here");
        diag_emit(e->d, d);
        return;
    }
    Assign *as = arena_alloc(e->a, sizeof *as);
    as->attr = n;
    as->scope = sc;
    f->set = as;
}

/* A block's label: an identifier, or a string (interpolation allowed). */
static const char *label_of(Eval *e, Scope *sc, const Node *l)
{
    if (l->kind == NODE_IDENT)
        return l->name;
    Value *v = eval_typed(e, sc, l, types_simple(TY_STRING));
    if (v->kind != VAL_STR)
        return NULL;
    if (!*v->u.str) {
        Diag *d = err(e, "E0406", scope_src(sc), l->span, "a block name cannot be empty");
        diag_emit(e->d, d);
        return NULL;
    }
    return intern_cstr(e->in, v->u.str);
}

static const char *object_path(Eval *e, Object *parent, const char *kind, const char *name)
{
    char buf[512];
    int n;
    if (parent)
        n = name ? snprintf(buf, sizeof buf, "%s.%s.%s", parent->path, kind, name)
                 : snprintf(buf, sizeof buf, "%s.%s", parent->path, kind);
    else if (kind == e->k_account)
        n = snprintf(buf, sizeof buf, "%s", name);
    else
        n = name ? snprintf(buf, sizeof buf, "%s.%s", kind, name) : snprintf(buf, sizeof buf, "%s", kind);
    if (n >= 0 && (size_t)n < sizeof buf)
        return intern(e->in, buf, (size_t)n);
    const char *p = parent ? arena_printf(e->a, "%s.%s.%s", parent->path, kind, name ? name : "")
                           : arena_printf(e->a, "%s.%s", kind, name ? name : "");
    return intern_cstr(e->in, p);
}

static bool check_placement(Eval *e, Scope *sc, Object *parent, const Node *n, const SchemaDecl *k)
{
    if (schema_allowed_in(k, parent ? parent->kind : NULL))
        return true;
    Diag *d = err(e, "E0308", scope_src(sc), n->name_span, "a `%s` block is not allowed %s%s%s",
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
    Source *src = scope_src(sc);
    Span at = n->a ? n->a->span : n->name_span;
    Diag *d = err(e, "E0302", src, at, "duplicate %s `%s`", n->name, path);
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

/* kind [label] { items } */
static void block(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    SchemaDecl *k = schema_find(e->s, n->name);
    if (!k) {
        const char *cands[128];
        int nc = 0;
        for (int i = 0; i < e->s->nlist && nc < 128; i++)
            cands[nc++] = e->s->list[i]->name;
        Diag *d = err(e, "E0305", scope_src(sc), n->name_span, "unknown block kind `%s`", n->name);
        diag_label(e->d, d, "no schema declares this kind");
        suggest(e, d, n->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    if (!check_placement(e, sc, parent, n, k))
        return;
    const char *name = NULL;
    if (n->a && n->a->kind != NODE_ERROR) {
        name = label_of(e, sc, n->a);
        if (!name)
            return;
    } else if (k->name == e->k_account || k->name == e->k_environment || n->a) {
        if (!n->a) {
            Diag *d = err(e, "E0307", scope_src(sc), n->name_span, "`%s` block without a name",
                          k->name);
            diag_help(e->d, d, "write `%s NAME { ... }`", k->name);
            diag_emit(e->d, d);
        }
        return;
    }
    const char *path = object_path(e, parent, k->name, name);
    Object *prev = table_get(&e->m->by_path, path);
    if (prev) {
        dup_object(e, sc, n, prev, path);
        return;
    }
    Object *o = model_add(e->m, k, name, path, parent, n, scope_src(sc));
    o->site = e->site;
    o->use = e->use;
    o->use_src = e->use_src;
    for (const Node *it = n->b; it; it = it->next)
        o->incomplete |= it->kind == NODE_ERROR;
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
                Diag *d = err(e, "E0404", scope_src(sc), a->span,
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
            Diag *d = err(e, "E0404", scope_src(sc), a->name_span, "`%s` has no parameter `%s`",
                          t->node->name, a->name);
            suggest(e, d, a->name, cands, nc);
            diag_emit(e->d, d);
            ok = false;
            continue;
        }
        if (bound[idx]) {
            Diag *d = err(e, "E0404", scope_src(sc), a->span, "parameter `%s` is given twice",
                          nth_param(params, idx)->name);
            diag_secondary(e->d, d, scope_src(sc), bound[idx]->span, "first given here");
            diag_emit(e->d, d);
            ok = false;
            continue;
        }
        bound[idx] = a;
    }
    return ok;
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
        if (bound[i]) {
            b->expr = bound[i]->a;
            b->src = scope_src(sc);
            b->val = eval_typed(e, sc, bound[i]->a, t->types[i]);
        } else if (p->b) {
            b->expr = p->b;
            b->src = t->file->src;
            b->val = eval_typed(e, e->file_scope[t->file->src->id], p->b, t->types[i]);
        } else if (t->types[i]->optional) {
            b->val = null_value();
        } else if (!args_ok) {
            b->val = value_error();   /* a misnamed argument was reported: no second error */
        } else {
            Diag *d = err(e, "E0404", scope_src(sc), use->name_span,
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
        const char *cands[256];
        int nc = table_names(&e->templates, cands, 0, 256);
        Diag *d = err(e, "E0301", scope_src(sc), n->name_span, "unknown template `%s`", n->name);
        diag_label(e->d, d, "no template of this name");
        suggest(e, d, n->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    if (!visible(e, sc->file, t->file))
        not_visible(e, scope_src(sc), n->name_span, n->name, sc->file, t->file);
    if (e->depth >= EVAL_MAX_DEPTH) {
        Diag *d = err(e, "E0304", scope_src(sc), n->span, "template expansion too deep");
        diag_label(e->d, d, "expanding `%s` here, %d levels deep", n->name, e->depth);
        diag_note(e->d, d, "a template that uses itself, directly or through others, never stops");
        diag_emit(e->d, d);
        return;
    }
    const Node **bound = arena_alloc(e->a, (size_t)(t->nparams + 1) * sizeof *bound);
    bool ok = match_args(e, sc, t, n, bound);
    Scope *ts = bind_params(e, sc, t, n, bound, ok);
    const Node *saved = e->use;
    Source *saved_src = e->use_src;
    e->use = n;
    e->use_src = scope_src(sc);
    e->depth++;
    expand_items(e, ts, parent, t->node->b, false);
    e->depth--;
    e->use = saved;
    e->use_src = saved_src;
}

/* for x in list { items } — also over an integer range lo..hi (inclusive). */
static void for_(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Value *it = eval(e, sc, n->a, types_simple(TY_ANY));
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
        Diag *d = err(e, "E0401", scope_src(sc), n->a->span, "expected a list to iterate over, found %s",
                      value_describe(e->a, it));
        diag_emit(e->d, d);
        return;
    }
    if (count > EVAL_MAX_ITER) {
        Diag *d = err(e, "E0304", scope_src(sc), n->a->span, "`for` over %.0f elements", count);
        diag_label(e->d, d, "more than %d elements", EVAL_MAX_ITER);
        diag_emit(e->d, d);
        return;
    }
    for (uint32_t i = 0; (double)i < count; i++) {
        Scope *s2 = scope_new(e, sc, sc->file);
        Binding *b = bind(e, s2, n->name, B_FOR, n);
        b->state = 2;
        b->expr = n->a;
        b->src = scope_src(sc);
        b->val = it->kind == VAL_LIST ? it->items[i]
                                      : value_num(e->a, lo + i, DIM_NONE, NULL, n->a, scope_src(sc));
        expand_items(e, s2, parent, n->b, false);
    }
}

static void if_(Eval *e, Scope *sc, Object *parent, const Node *n)
{
    Value *c = eval_typed(e, sc, n->a, types_simple(TY_BOOL));
    if (c->kind != VAL_BOOL)
        return;
    expand_items(e, sc, parent, c->u.b ? n->b : n->d, false);
}

static void expand_item(Eval *e, Scope *sc, Object *parent, const Node *n, bool top)
{
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
            duplicate(e, "let", n->name, scope_src(sc), n->name_span, prev->src, prev->decl->name_span);
            continue;
        }
        Binding *b = bind(e, s, n->name, B_LET, n);
        b->expr = n->b;
        b->src = scope_src(sc);
        b->scope = s;
    }
    return s ? s : sc;
}

static void expand_items(Eval *e, Scope *sc, Object *parent, const Node *items, bool top)
{
    if (!top)
        sc = hoist_lets(e, sc, items);
    for (const Node *n = items; n; n = n->next)
        expand_item(e, sc, parent, n, top);
}

/* ---- pass 3: environments and the per-account state ---------------------- */

/* Follows `account.kind[.name]...` to an object; NULL after reporting. */
static Object *override_target(Eval *e, Scope *sc, const Node **segs, int ns)
{
    Source *src = scope_src(sc);
    Object *o = table_get(&e->m->accounts, segs[0]->name);
    if (!o) {
        const char *cands[4096];
        int nc = table_names(&e->m->accounts, cands, 0, 4096);
        Diag *d = err(e, "E0301", src, segs[0]->span, "unknown account `%s`", segs[0]->name);
        diag_label(e->d, d, "overrides start with an account name");
        suggest(e, d, segs[0]->name, cands, nc);
        diag_emit(e->d, d);
        return NULL;
    }
    if (!visible(e, sc->file, o->site))
        not_visible(e, src, segs[0]->span, o->name, sc->file, o->site);
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
            Diag *d = err(e, "E0301", src, bad->name_span.end ? bad->name_span : bad->span,
                          "`%s` has no `%s` block%s%s", o->path, kind,
                          i + 1 < ns - 1 ? " named " : "", i + 1 < ns - 1 ? segs[i + 1]->name : "");
            suggest(e, d, bad->name, cands, nc);
            diag_emit(e->d, d);
            return NULL;
        }
        o = next;
    }
    return o;
}

static void resolve_override(Eval *e, Pending *p)
{
    enum { MAXSEG = 32 };
    const Node *segs[MAXSEG];
    int ns = 0;
    Source *src = scope_src(p->scope);
    for (const Node *t = p->attr->a; t && ns < MAXSEG; t = t->kind == NODE_GET ? t->a : NULL)
        segs[ns++] = t;
    for (int i = 0; i < ns / 2; i++) {
        const Node *tmp = segs[i];
        segs[i] = segs[ns - 1 - i];
        segs[ns - 1 - i] = tmp;
    }
    if (ns < 2 || segs[0]->kind != NODE_IDENT || !p->env)
        return;
    Object *o = override_target(e, p->scope, segs, ns);
    if (!o)
        return;
    const Node *last = segs[ns - 1];
    const FieldDecl *fd = schema_field(o->schema, last->name);
    if (!fd) {
        const char *cands[64];
        int nc = 0;
        for (int i = 0; i < o->schema->nfields && nc < 64; i++)
            cands[nc++] = o->schema->fields[i].name;
        Diag *d = err(e, "E0306", src, last->name_span, "unknown field `%s` in `%s`", last->name, o->kind);
        diag_label(e->d, d, "`%s` has no field `%s`", o->kind, last->name);
        suggest(e, d, last->name, cands, nc);
        diag_emit(e->d, d);
        return;
    }
    const Override *prev = table_get(&p->env->by_field, &o->fields[fd->index]);
    if (prev) {
        Diag *d = err(e, "E0302", src, p->attr->a->span, "`%s.%s` is overridden twice in `%s`",
                      o->path, fd->name, p->env->name);
        diag_secondary(e->d, d, prev->src, prev->attr->a->span, "first overridden here");
        diag_emit(e->d, d);
        return;
    }
    Override ov = {o, fd, eval_typed(e, p->scope, p->attr->b, fd->type), p->attr, src};
    model_add_override(e->m, p->env, &ov);
}

static void evaluate_state(Eval *e)
{
    Object *st = e->m->state;
    if (!st)
        return;
    const ObjList *accs = model_kind(e->m, "account");
    int nf = st->schema->nfields;
    for (int i = 0; i < accs->n; i++) {
        Object *acc = accs->items[i];
        acc->state = arena_alloc(e->a, (size_t)(nf ? nf : 1) * sizeof *acc->state);
        e->late_account = acc;
        for (int k = 0; k < nf; k++) {
            Field *sf = &st->fields[k];
            acc->state[k] = *sf;
            if (sf->val && sf->val->kind == VAL_ERROR && sf->val->late && sf->set)
                acc->state[k].val = eval_typed(e, sf->set->scope, sf->set->attr->b,
                                               st->schema->fields[k].type);
        }
    }
    e->late_account = NULL;
}

/* Imports before importers, so a file's accounts exist when files that
 * import it are expanded. */
static void topo(Eval *e, int f, unsigned char *done, int *order, int *n)
{
    if (done[f])
        return;
    done[f] = 1;
    File *file = e->pg->files[f];
    for (int i = 0; i < file->nimports; i++)
        topo(e, file->imports[i], done, order, n);
    order[(*n)++] = f;
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
    e->pending_tail = &e->pending;
    e->k_account = intern_cstr(e->in, "account");
    e->k_platform = intern_cstr(e->in, "platform");
    e->k_environment = intern_cstr(e->in, "environment");
    e->k_state = intern_cstr(e->in, "state");
    e->k_all = intern_cstr(e->in, "all");
    e->k_allow = intern_cstr(e->in, "allow");
    e->d->suppress = suppress;
    e->d->suppress_ctx = e;
    return e;
}

static void check_params(Eval *e)
{
    for (size_t i = 0; i < e->templates.cap; i++) {
        if (!e->templates.keys[i])
            continue;
        Template *t = e->templates.vals[i];
        for (const Node *p = t->node->a; p; p = p->next)
            for (const Node *q = p->next; q; q = q->next)
                if (q->name == p->name)
                    duplicate(e, "parameter", q->name, t->file->src, q->name_span, t->file->src,
                              p->name_span);
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
    compute_visibility(e);
    for (int i = 0; i < pg->nfiles; i++) {
        collect_globals(e, i);
        collect_waivers(e, pg->files[i], pg->files[i]->items);
    }
    check_params(e);
    unsigned char *done = xcalloc((size_t)pg->nfiles + 1, 1);
    int *order = xcalloc((size_t)pg->nfiles + 1, sizeof *order), norder = 0;
    for (int i = 0; i < pg->nfiles; i++)
        topo(e, i, done, order, &norder);
    for (int i = 0; i < norder; i++) {
        File *f = pg->files[order[i]];
        e->site = f;
        e->use = NULL;
        expand_items(e, e->file_scope[order[i]], NULL, f->items, true);
    }
    free(done);
    free(order);
    for (int i = 0; i < e->m->nobjects; i++) {
        Object *o = e->m->objects[i];
        for (int k = 0; k < o->schema->nfields; k++)
            force_field(e, o, &o->schema->fields[k], o->src, o->node->name_span);
    }
    for (Pending *p = e->pending; p; p = p->next)
        resolve_override(e, p);
    evaluate_state(e);
    /* global lets nobody used are still checked */
    for (size_t i = 0; i < e->lets.cap; i++)
        if (e->lets.keys[i]) {
            Binding *b = e->lets.vals[i];
            force_binding(e, b, b->src, b->decl->name_span);
        }
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
    free(e->wlist);
    free(e->seen);
    free(e->vis);
    free(e);
}
