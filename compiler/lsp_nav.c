/* lsp_nav.c — what the language server knows about a program: hover,
 * definition, references, rename, symbols, completion, code actions,
 * inlay hints and semantic tokens, all read from the last check (lsp.h).
 *
 * Names are resolved the way the evaluator sees them: a bare name inside a
 * template is its parameter, else a global `let`, else an account; a dotted
 * chain (`core.ecr.dagster`) is the object at that path in the model, so a
 * resource made by a template resolves to the block inside the template. */
#include "lsp.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "types.h"
#include "banned.h"

/* ---- walking the syntax tree ------------------------------------------- */

/* What a name occurrence is. */
typedef enum Role {
    ROLE_NONE,
    ROLE_LET,       /* the name of a `let` */
    ROLE_TEMPLATE,  /* the name of a template */
    ROLE_PARAM,     /* a template parameter's declaration */
    ROLE_USE,       /* the template named by `use` */
    ROLE_ARG,       /* a named argument of `use` */
    ROLE_LABEL,     /* a block's label */
    ROLE_KIND,      /* a block's kind */
    ROLE_FIELD,     /* an attribute's field name */
    ROLE_IDENT,     /* a bare name in an expression */
    ROLE_GET,       /* `.name` in a dotted chain */
    ROLE_FORVAR,    /* a `for` loop's variable, where the loop declares it */
} Role;

/* What a name stands for: the place its definition names it. */
typedef struct Target {
    Role kind;          /* ROLE_LET, TEMPLATE, PARAM, LABEL or FORVAR; NONE: unresolved */
    Source *src;
    Span span;
    const Node *def;    /* the LET, TEMPLATE, PARAM, BLOCK or FOR */
    const Node *tmpl;   /* for a PARAM: its template; for a FORVAR: the enclosing one */
} Target;

/* The `for` loops around the node being walked, innermost first: their
 * variables hide template parameters and globals in the loop body, as
 * the evaluator's scopes do. */
typedef struct ForScope {
    const Node *loop;               /* a NODE_FOR */
    const struct ForScope *up;      /* the loop around it, or NULL */
} ForScope;

typedef struct Walk Walk;
struct Walk {
    Lsp *s;
    File *f;
    const Node *tmpl;   /* the enclosing template */
    const Node *block;  /* the enclosing block */
    const Node *use;    /* the enclosing `use` */
    const Node *attr;   /* the attribute whose value is being walked */
    const ForScope *fors;   /* the loops around it */
    void (*visit)(Walk *w, const Node *n, Role role, Span at);
    void *ctx;
};

static void walk_list(Walk *w, const Node *n);

static void walk_node(Walk *w, const Node *n)
{
    const Node *save_t = w->tmpl, *save_b = w->block, *save_u = w->use;
    switch (n->kind) {
    case NODE_LET:
        w->visit(w, n, ROLE_LET, n->name_span);
        walk_list(w, n->b);
        break;
    case NODE_TEMPLATE:
        w->visit(w, n, ROLE_TEMPLATE, n->name_span);
        w->tmpl = n;
        for (const Node *p = n->a; p; p = p->next) {
            w->visit(w, p, ROLE_PARAM, p->name_span);
            if (p->b)
                walk_list(w, p->b);
        }
        walk_list(w, n->b);
        break;
    case NODE_USE:
        w->visit(w, n, ROLE_USE, n->name_span);
        w->use = n;
        walk_list(w, n->a);
        break;
    case NODE_ARG:
        if (n->name && w->use)
            w->visit(w, n, ROLE_ARG, n->name_span);
        walk_list(w, n->a);
        break;
    case NODE_BLOCK:
        w->visit(w, n, ROLE_KIND, n->name_span);
        if (n->a && n->a->kind == NODE_IDENT)
            w->visit(w, n, ROLE_LABEL, n->a->span);
        else if (n->a)
            walk_list(w, n->a);
        w->block = n;
        walk_list(w, ast_annots(n));
        walk_list(w, n->b);
        break;
    case NODE_ATTR:
        if (!n->a)
            w->visit(w, n, ROLE_FIELD, n->name_span);
        else
            walk_node(w, n->a);
        w->attr = n;
        if (n->b)
            walk_node(w, n->b);
        break;
    case NODE_IDENT:
        w->visit(w, n, ROLE_IDENT, n->span);
        break;
    case NODE_GET:
        walk_node(w, n->a);
        w->visit(w, n, ROLE_GET, n->name_span);
        break;
    case NODE_FOR: {
        w->visit(w, n, ROLE_FORVAR, n->name_span);
        walk_list(w, n->a);         /* the iterable is outside the loop's scope */
        ForScope inner = {n, w->fors};
        w->fors = &inner;
        walk_list(w, n->b);
        w->fors = inner.up;
        break;
    }
    case NODE_SCHEMA: case NODE_ENUM: case NODE_FIELD: case NODE_IMPORT: case NODE_ANNOT:
        break;
    default:
        walk_list(w, n->a);
        walk_list(w, n->b);
        walk_list(w, ast_annots(n));
        walk_list(w, ast_else(n));
        break;
    }
    w->tmpl = save_t;
    w->block = save_b;
    w->use = save_u;
    if (n->kind == NODE_ATTR)
        w->attr = NULL;
}

static void walk_list(Walk *w, const Node *n)
{
    for (; n; n = n->next)
        walk_node(w, n);
}

/* ---- resolving names ---------------------------------------------------- */

static Model *model_of(Lsp *s) { return &s->check->model; }

/* A top-level item of kind k called name, in any file (names are interned). */
static const Node *global(Lsp *s, NodeKind k, const char *name, File **in)
{
    Program *pg = &s->check->pg;
    for (int i = 0; i < pg->nfiles; i++)
        for (const Node *it = pg->files[i]->items; it; it = it->next)
            if (it->kind == k && it->name == name) {
                *in = pg->files[i];
                return it;
            }
    return NULL;
}

static const Node *param_of(const Node *tmpl, const char *name)
{
    for (const Node *p = tmpl ? tmpl->a : NULL; p; p = p->next)
        if (p->name == name)
            return p;
    return NULL;
}

static Target object_target(const Object *o)
{
    Target t = {0};
    if (o && o->node && o->node->a) {
        t.kind = ROLE_LABEL;
        t.src = o->src;
        t.span = o->node->a->span;
        t.def = o->node;
    }
    return t;
}

/* The dotted text of an IDENT/GET chain into buf; false if it is not one. */
static bool chain_path(const Node *n, char *buf, size_t cap)
{
    if (n->kind == NODE_IDENT)
        return (size_t)snprintf(buf, cap, "%s", n->name) < cap;
    if (n->kind != NODE_GET || !n->name || !chain_path(n->a, buf, cap))
        return false;
    size_t len = strlen(buf);
    return (size_t)snprintf(buf + len, cap - len, ".%s", n->name) < cap - len;
}

/* The root name of a chain. */
static const Node *chain_root(const Node *n)
{
    while (n->kind == NODE_GET)
        n = n->a;
    return n;
}

/* The innermost loop around the walk whose variable is name, or NULL. */
static const Node *loop_of(const ForScope *fs, const char *name)
{
    for (; fs; fs = fs->up)
        if (fs->loop->name == name)
            return fs->loop;
    return NULL;
}

static Target resolve_name(Walk *w, const char *name)
{
    Target t = {0};
    File *in;
    const Node *loop = loop_of(w->fors, name);
    const Node *p = param_of(w->tmpl, name), *let;
    if (loop) {
        t = (Target){ROLE_FORVAR, w->f->src, loop->name_span, loop, w->tmpl};
    } else if (p) {
        t = (Target){ROLE_PARAM, w->f->src, p->name_span, p, w->tmpl};
    } else if ((let = global(w->s, NODE_LET, name, &in))) {
        t = (Target){ROLE_LET, in->src, let->name_span, let, NULL};
    } else {
        t = object_target(model_account(model_of(w->s), name));
    }
    return t;
}

/* Whether a bare name is a literal, not a reference: the value (or a list
 * element of the value) of a field whose type is a name, or an enum that
 * has it as a member (`kind = core` is the enum member, not the account). */
static bool literal_name(Walk *w, const Node *n)
{
    const Node *v = w->attr ? w->attr->b : NULL;
    if (!v || !w->block || !w->attr->name)
        return false;
    bool direct = v == n;
    for (const Node *e = v->kind == NODE_LIST ? v->a : NULL; e && !direct; e = e->next)
        direct = e == n;
    const SchemaDecl *sc = direct ? schema_find(&w->s->check->schemas, w->block->name) : NULL;
    const FieldDecl *fd = sc ? schema_field(sc, w->attr->name) : NULL;
    const Type *t = fd ? fd->type : NULL;
    while (t && t->kind == TY_LIST && t->elem)
        t = t->elem;
    if (t && t->kind == TY_ENUM)    /* the evaluator tries the members first */
        return t->en && schema_enum_has(t->en, n->name);
    /* a name-typed field reads a name as text only when nothing it could
     * mean is in scope: a loop variable or parameter comes first */
    return t && t->kind == TY_NAME && !loop_of(w->fors, n->name) && !param_of(w->tmpl, n->name);
}

static Target resolve(Walk *w, const Node *n, Role role)
{
    Target t = {0};
    File *in;
    const Node *d;
    char path[1024];
    switch (role) {
    case ROLE_LET: case ROLE_TEMPLATE:
        return (Target){role, w->f->src, n->name_span, n, NULL};
    case ROLE_PARAM: case ROLE_FORVAR:
        return (Target){role, w->f->src, n->name_span, n, w->tmpl};
    case ROLE_LABEL:
        return (Target){role, w->f->src, n->a->span, n, NULL};
    case ROLE_USE:
        if ((d = global(w->s, NODE_TEMPLATE, n->name, &in)))
            t = (Target){ROLE_TEMPLATE, in->src, d->name_span, d, NULL};
        return t;
    case ROLE_ARG:
        if ((d = global(w->s, NODE_TEMPLATE, w->use->name, &in)) && (d = param_of(d, n->name)))
            t = (Target){ROLE_PARAM, in->src, d->name_span, d, NULL};
        return t;
    case ROLE_IDENT:
        return literal_name(w, n) ? t : resolve_name(w, n->name);
    case ROLE_GET: {
        const Node *root = chain_root(n);
        if (root->kind != NODE_IDENT || param_of(w->tmpl, root->name) ||
            loop_of(w->fors, root->name) || !chain_path(n, path, sizeof path))
            return t;
        return object_target(model_find(model_of(w->s), path));
    }
    default:
        return t;
    }
}

/* ---- the occurrence under the cursor ------------------------------------ */

typedef struct Hit {
    uint32_t off;       /* the cursor */
    const Node *node;   /* the smallest occurrence holding it */
    Role role;
    Span at;
    Target target;
    const Node *block;  /* its enclosing block */
    const Node *tmpl;
} Hit;

static void visit_hit(Walk *w, const Node *n, Role role, Span at)
{
    Hit *h = w->ctx;
    if (at.start > h->off || at.end < h->off)
        return;
    if (h->node && at.end - at.start > h->at.end - h->at.start)
        return;
    h->node = n;
    h->role = role;
    h->at = at;
    h->block = role == ROLE_KIND || role == ROLE_LABEL ? n : w->block;
    h->tmpl = w->tmpl;
    h->target = resolve(w, n, role);
}

/* The File a request's `textDocument.uri` names (NULL if none is loaded);
 * *uri is that URI, or NULL. */
static File *request_file(Lsp *s, const cJSON *params, const char **uri)
{
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(td, "uri");
    *uri = cJSON_IsString(u) ? u->valuestring : NULL;
    return *uri ? lsp_file(s, *uri) : NULL;
}

/* The file, its text offset and the occurrence for textDocument+position. */
static File *locate(Lsp *s, const cJSON *params, Hit *h)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    memset(h, 0, sizeof *h);
    if (!f)
        return NULL;
    h->off = lsp_offset(f->src->text, f->src->len, cJSON_GetObjectItemCaseSensitive(params, "position"));
    Walk w = {.s = s, .f = f, .visit = visit_hit, .ctx = h};
    walk_list(&w, f->items);
    return f;
}

/* ---- hover --------------------------------------------------------------- */

/* What `sfdc explain PATH` prints, as a string; malloc'd, NULL on failure. */
static char *explain_text(Model *m, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    int rc = explain_run(m, path, NULL, f, f);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The objects made from block (one per template expansion or loop turn). */
static int objects_of(Model *m, const Node *block, Object **out, int max)
{
    int n = 0;
    for (int i = 0; i < m->nobjects; i++)
        if (m->objects[i]->node == block) {
            if (n < max)
                out[n] = m->objects[i];
            n++;
        }
    return n;
}

static cJSON *markdown(const char *text)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(r, "contents");
    cJSON_AddStringToObject(c, "kind", "markdown");
    cJSON_AddStringToObject(c, "value", text);
    return r;
}

/* acc (malloc'd or NULL) with printf(fmt, ...) appended; malloc'd. */
static char *append(char *acc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *append(char *acc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int add = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    size_t old = acc ? strlen(acc) : 0;
    acc = xrealloc(acc, old + (size_t)(add > 0 ? add : 0) + 1);
    acc[old] = '\0';
    va_start(ap, fmt);
    vsnprintf(acc + old, (size_t)(add > 0 ? add : 0) + 1, fmt, ap);
    va_end(ap);
    return acc;
}

/* A schema field with no object to show: type, default and documentation. */
static char *field_doc(Lsp *s, const SchemaDecl *sc, const FieldDecl *fd)
{
    Arena *a = &s->check->pg.arena;
    const char *def = "";
    if (fd->def) {
        Source *src = fd->file->src;
        def = arena_printf(a, " = %.*s", (int)(fd->def->span.end - fd->def->span.start),
                           src->text + fd->def->span.start);
    }
    const char *doc = schema_field_doc(&s->check->schemas, fd);
    char *head = arena_printf(a, "```sfd\n%s.%s: %s%s\n```\n", sc->name, fd->name,
                              types_name(a, fd->type), def);
    return append(NULL, "%s%s\n", head, doc ? doc : "");
}

static char *hover_objects(Model *m, Object **objs, int n, const char *field)
{
    char *t = NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s%s%s", objs[0]->path, field ? "." : "", field ? field : "");
    char *ex = explain_text(m, path);
    if (!ex)
        return NULL;
    t = append(t, "```text\n%s```\n", ex);
    free(ex);
    for (int e = 0; field && e < m->nenvs; e++) {   /* each environment's final value */
        const Override *ov = model_override(m, m->envs[e], objs[0], field);
        if (!ov)
            continue;
        LineCol lc = src_linecol(ov->src, ov->attr->span.start);
        t = append(t, "\n- in `%s`: `%s`, set by the override at %s:%u:%u", m->envs[e]->name,
                   value_show(&m->pg->arena, ov->val), ov->src->path, lc.line, lc.col);
    }
    if (n > 1) {
        char count[64];
        snprintf(count, sizeof count, "%d", n - 1);
        t = append(t, "\nThis block is expanded %s more time%s:", count, n > 2 ? "s" : "");
        for (int i = 1; i < n && i < 8; i++)
            t = append(t, " `%s`%s", objs[i]->path, i + 1 < n && i < 7 ? "," : "");
        t = append(t, "%s%s\n", n > 8 ? " …" : "", "");
    }
    return t;
}

/* An attribute's field: the objects its block made, or the schema's word. */
static char *hover_field(Lsp *s, const Hit *h)
{
    Object *objs[8];
    int n = objects_of(model_of(s), h->block, objs, 8);
    const SchemaDecl *sc = schema_find(&s->check->schemas, h->block->name);
    const FieldDecl *fd = sc ? schema_field(sc, h->node->name) : NULL;
    if (!fd)
        return NULL;
    return n ? hover_objects(model_of(s), objs, n, fd->name) : field_doc(s, sc, fd);
}

/* A block's kind or label: its objects, then the schema's documentation. */
static char *hover_block(Lsp *s, const Node *block)
{
    Object *objs[8];
    int n = objects_of(model_of(s), block, objs, 8);
    const SchemaDecl *sc = schema_find(&s->check->schemas, block->name);
    const char *doc = sc ? schema_doc(&s->check->schemas, sc) : NULL;
    char *text = n ? hover_objects(model_of(s), objs, n, NULL) : NULL;
    return doc ? append(text, "\n%s\n", doc) : text;
}

/* `a.b.field` (a dotted override or reference): the object's field with
 * each environment's value, else whatever explain says about the path. */
static char *hover_path(Lsp *s, char *path)
{
    Model *m = model_of(s);
    char *dot = strrchr(path, '.');
    *dot = '\0';
    Object *o = model_find(m, path);
    const char *field = intern_cstr(&s->check->pg.in, dot + 1);
    if (o && schema_field(o->schema, field))
        return hover_objects(m, &o, 1, field);
    *dot = '.';
    char *ex = explain_text(m, path), *text = ex ? append(NULL, "```text\n%s```\n", ex) : NULL;
    free(ex);
    return text;
}

/* A `let`, template, parameter or loop variable: its declaration's first
 * line (a template's or loop's up to its body). */
static char *hover_decl(const Target *t)
{
    const Node *d = t->def;
    const char *text = t->src->text;
    uint32_t end = d->span.start;
    bool to_body = t->kind == ROLE_TEMPLATE || t->kind == ROLE_FORVAR;
    while (end < d->span.end && text[end] != '\n' && !(to_body && text[end] == '{'))
        end++;
    while (end > d->span.start && text[end - 1] == ' ')
        end--;
    return append(NULL, "```sfd\n%s%.*s\n```\n", t->kind == ROLE_PARAM ? "parameter " : "",
                  (int)(end - d->span.start), text + d->span.start);
}

cJSON *lsp_hover(Lsp *s, const cJSON *params)
{
    Hit h;
    File *f = locate(s, params, &h);
    if (!f || !h.node)
        return NULL;
    char path[1024];
    char *text = NULL;
    if (h.role == ROLE_FIELD && h.block)
        text = hover_field(s, &h);
    else if (h.role == ROLE_KIND || h.role == ROLE_LABEL)
        text = hover_block(s, h.node);
    else if (h.role == ROLE_GET && chain_path(h.node, path, sizeof path))
        text = hover_path(s, path);
    else if (h.target.kind == ROLE_LABEL)
        text = hover_block(s, h.target.def);
    else if (h.target.kind == ROLE_PARAM || h.target.kind == ROLE_LET || h.target.kind == ROLE_TEMPLATE ||
             h.target.kind == ROLE_FORVAR)
        text = hover_decl(&h.target);
    if (!text)
        return NULL;
    cJSON *r = markdown(text);
    free(text);
    cJSON_AddItemToObject(r, "range", lsp_range(f->src, h.at));
    return r;
}

/* ---- definition, references, rename -------------------------------------- */

cJSON *lsp_definition(Lsp *s, const cJSON *params)
{
    Hit h;
    if (!locate(s, params, &h) || !h.target.kind)
        return NULL;
    return lsp_location(h.target.src, h.target.span);
}

static bool same_target(const Target *a, const Target *b)
{
    return a->kind && a->src == b->src && a->span.start == b->span.start;
}

/* Every occurrence in the user's files that resolves to one target. */
typedef struct Refs {
    Target want;
    struct { Source *src; Span at; } *items;   /* malloc'd */
    int n, cap;
} Refs;

static void visit_ref(Walk *w, const Node *n, Role role, Span at)
{
    Refs *r = w->ctx;
    Target t = resolve(w, n, role);
    if (!same_target(&t, &r->want))
        return;
    for (int i = 0; i < r->n; i++)      /* a template's label is seen once per file walk */
        if (r->items[i].src == w->f->src && r->items[i].at.start == at.start)
            return;
    if (r->n == r->cap)
        r->items = xrealloc(r->items, (size_t)(r->cap = r->cap ? r->cap * 2 : 16) * sizeof *r->items);
    r->items[r->n].src = w->f->src;
    r->items[r->n++].at = at;
}

static void find_refs(Lsp *s, Refs *r)
{
    Program *pg = &s->check->pg;
    for (int i = 0; i < pg->nfiles; i++) {
        if (pg->files[i]->is_std)
            continue;
        Walk w = {.s = s, .f = pg->files[i], .visit = visit_ref, .ctx = r};
        walk_list(&w, pg->files[i]->items);
    }
}

cJSON *lsp_references(Lsp *s, const cJSON *params)
{
    Hit h;
    if (!locate(s, params, &h) || !h.target.kind)
        return cJSON_CreateArray();
    Refs r = {.want = h.target};
    find_refs(s, &r);
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(params, "context");
    bool decl = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ctx, "includeDeclaration"));
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < r.n; i++)
        if (decl || r.items[i].src != h.target.src || r.items[i].at.start != h.target.span.start)
            cJSON_AddItemToArray(arr, lsp_location(r.items[i].src, r.items[i].at));
    free(r.items);
    return arr;
}

/* A name the lexer reads as one identifier: letters, digits, `_`, and
 * `-` between them; not a keyword. */
static bool is_ident(const char *t)
{
    static const char *const keywords[] = {"import", "let", "template", "use", "for", "in", "if",
                                           "else", "true", "false", "null", "schema", "enum"};
    for (size_t i = 0; t && i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(t, keywords[i]) == 0)
            return false;
    if (!t || !(isalpha((unsigned char)*t) || *t == '_'))
        return false;
    for (const char *p = t; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' &&
            !(*p == '-' && (isalnum((unsigned char)p[1]) || p[1] == '_')))
            return false;
    return true;
}

/* Why the name under the cursor cannot be renamed when its object is
 * labelled by a string (`account "la-${code}"`): the name is computed,
 * or at least not written as a name, so there is no one place to edit.
 * NULL when that is not the reason. Arena-allocated. */
static const char *string_label(Lsp *s, File *f, const Hit *h)
{
    const Target *t = &h->target;
    if (t->kind != ROLE_LABEL || !t->def->a || t->def->a->kind == NODE_IDENT)
        return NULL;
    Span l = t->def->a->span;
    LineCol lc = src_linecol(t->src, l.start);
    bool computed = t->def->a->kind == NODE_INTERP;
    return arena_printf(&s->check->pg.arena,
                        "`%.*s` is named by the label `%.*s` at %s:%u:%u, %s", (int)(h->at.end - h->at.start),
                        f->src->text + h->at.start, (int)(l.end - l.start), t->src->text + l.start,
                        t->src->path, lc.line, lc.col,
                        computed ? "which is computed: rename the template parameter it reads, or "
                                   "change the value passed for it"
                                 : "a string: edit the string, or write the label as a plain name "
                                   "to rename it everywhere");
}

/* A target the user may rename: written as a plain name in their files. */
static bool renamable(Lsp *s, const Target *t)
{
    if (!t->kind)
        return false;
    for (int i = 0; i < s->check->pg.nfiles; i++)
        if (s->check->pg.files[i]->src == t->src)
            return !s->check->pg.files[i]->is_std &&
                   (t->kind != ROLE_LABEL || t->def->a->kind == NODE_IDENT);
    return false;
}

cJSON *lsp_prepare_rename(Lsp *s, const cJSON *params, const char **err)
{
    Hit h;
    File *f = locate(s, params, &h);
    if (f && (*err = string_label(s, f, &h)))
        return NULL;
    if (!f || !renamable(s, &h.target))
        return NULL;
    return lsp_range(f->src, h.at);
}

/* Whether a loop around loop, or inside it, binds name (n: a list of
 * nodes, searched where it overlaps loop): renaming loop's variable to
 * name would hide one variable behind the other. */
static bool loop_near(const Node *n, const Node *loop, const char *name)
{
    for (; n; n = n->next) {
        if (n->span.start >= loop->span.end || loop->span.start >= n->span.end)
            continue;
        if ((n->kind == NODE_FOR && n != loop && n->name == name) || loop_near(n->a, loop, name) ||
            loop_near(n->b, loop, name) || loop_near(ast_annots(n), loop, name) ||
            loop_near(ast_else(n), loop, name))
            return true;
    }
    return false;
}

/* The user's file whose source is src, or NULL. */
static File *file_of(Lsp *s, const Source *src)
{
    for (int i = 0; i < s->check->pg.nfiles; i++)
        if (s->check->pg.files[i]->src == src)
            return s->check->pg.files[i];
    return NULL;
}

/* Why renaming t to name would change what some name means, or NULL. */
static const char *clash(Lsp *s, const Target *t, const char *name)
{
    Model *m = model_of(s);
    File *in;
    const char *iname = intern_cstr(&s->check->pg.in, name);
    switch (t->kind) {
    case ROLE_LET:
        if (global(s, NODE_LET, iname, &in) || model_account(m, name))
            return "a `let` or account of that name exists";
        break;
    case ROLE_TEMPLATE:
        if (global(s, NODE_TEMPLATE, iname, &in))
            return "a template of that name exists";
        break;
    case ROLE_PARAM:
        if (param_of(t->tmpl, iname) || global(s, NODE_LET, iname, &in) || model_account(m, name))
            return "the template already has a parameter, or sees a `let` or account, of that name";
        break;
    case ROLE_FORVAR:
        if (loop_near(file_of(s, t->src)->items, t->def, iname))
            return "a `for` loop around or inside this one has a variable of that name";
        if (param_of(t->tmpl, iname))
            return "the enclosing template has a parameter of that name: the loop would hide it";
        if (global(s, NODE_LET, iname, &in) || model_account(m, name) || strcmp(name, "env") == 0)
            return "a `let`, account or `env` of that name is visible in the loop: the loop would hide it";
        break;
    case ROLE_LABEL: {
        Object *objs[64];
        int n = objects_of(m, t->def, objs, 64);
        for (int i = 0; i < n && i < 64; i++) {
            const Object *o = objs[i];
            if (o->parent ? model_child(m, o->parent, o->kind, name) != NULL
                          : (model_account(m, name) || model_find(m, name) ||
                             global(s, NODE_LET, iname, &in)))
                return "a block of that kind and name exists beside it";
        }
        break;
    }
    default:
        break;
    }
    return NULL;
}

cJSON *lsp_rename(Lsp *s, const cJSON *params, const char **err)
{
    Hit h;
    const cJSON *nn = cJSON_GetObjectItemCaseSensitive(params, "newName");
    File *f = locate(s, params, &h);
    if (f && (*err = string_label(s, f, &h)))
        return NULL;
    if (!f || !renamable(s, &h.target)) {
        *err = "nothing renamable here";
        return NULL;
    }
    if (!cJSON_IsString(nn) || !is_ident(nn->valuestring)) {
        *err = "the new name is not an identifier (or is a keyword)";
        return NULL;
    }
    if ((*err = clash(s, &h.target, nn->valuestring)))
        return NULL;
    Refs r = {.want = h.target};
    find_refs(s, &r);
    cJSON *edit = cJSON_CreateObject();
    cJSON *changes = cJSON_AddObjectToObject(edit, "changes");
    for (int i = 0; i < r.n; i++) {
        char *uri = lsp_path_uri(r.items[i].src->path);
        cJSON *list = cJSON_GetObjectItemCaseSensitive(changes, uri);
        if (!list)
            list = cJSON_AddArrayToObject(changes, uri);
        cJSON *te = cJSON_CreateObject();
        cJSON_AddItemToObject(te, "range", lsp_range(r.items[i].src, r.items[i].at));
        cJSON_AddStringToObject(te, "newText", nn->valuestring);
        cJSON_AddItemToArray(list, te);
        free(uri);
    }
    free(r.items);
    return edit;
}

/* ---- symbols -------------------------------------------------------------- */

enum { SK_FUNCTION = 12, SK_VARIABLE = 13, SK_OBJECT = 19, SK_FIELD = 8, SK_MODULE = 2 };

static cJSON *doc_symbol(Source *src, const char *name, const char *detail, int kind,
                         Span all, Span sel)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "name", name && *name ? name : "?");
    if (detail)
        cJSON_AddStringToObject(d, "detail", detail);
    cJSON_AddNumberToObject(d, "kind", kind);
    cJSON_AddItemToObject(d, "range", lsp_range(src, all));
    cJSON_AddItemToObject(d, "selectionRange", lsp_range(src, sel));
    return d;
}

static void symbols_of(Source *src, const Node *items, cJSON *out)
{
    for (const Node *n = items; n; n = n->next) {
        cJSON *d = NULL;
        if (n->kind == NODE_BLOCK) {
            const char *label = n->a ? (n->a->kind == NODE_IDENT ? n->a->name : NULL) : NULL;
            char *text = NULL;
            if (n->a && !label) {
                text = xmalloc(n->a->span.end - n->a->span.start + 1);
                memcpy(text, src->text + n->a->span.start, n->a->span.end - n->a->span.start);
                text[n->a->span.end - n->a->span.start] = '\0';
            }
            d = doc_symbol(src, label ? label : text ? text : n->name, n->name,
                           n->a ? SK_OBJECT : SK_MODULE, n->span, n->a ? n->a->span : n->name_span);
            free(text);
            symbols_of(src, n->b, cJSON_AddArrayToObject(d, "children"));
        } else if (n->kind == NODE_TEMPLATE) {
            d = doc_symbol(src, n->name, "template", SK_FUNCTION, n->span, n->name_span);
            symbols_of(src, n->b, cJSON_AddArrayToObject(d, "children"));
        } else if (n->kind == NODE_LET) {
            d = doc_symbol(src, n->name, "let", SK_VARIABLE, n->span, n->name_span);
        } else if (n->kind == NODE_ATTR && n->name) {
            d = doc_symbol(src, n->name, NULL, SK_FIELD, n->span, n->name_span);
        } else if (n->kind == NODE_FOR || n->kind == NODE_IF) {
            symbols_of(src, n->b, out);
            symbols_of(src, ast_else(n), out);
        }
        if (d)
            cJSON_AddItemToArray(out, d);
    }
}

cJSON *lsp_document_symbols(Lsp *s, const cJSON *params)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    cJSON *arr = cJSON_CreateArray();
    if (f)
        symbols_of(f->src, f->items, arr);
    return arr;
}

static bool matches(const char *name, const char *query)
{
    for (; *query; query++) {          /* the query's letters in order, any case */
        while (*name && tolower((unsigned char)*name) != tolower((unsigned char)*query))
            name++;
        if (!*name++)
            return false;
    }
    return true;
}

static void add_wsym(cJSON *arr, const char *name, const char *container, int kind, Source *src, Span sp)
{
    cJSON *w = cJSON_CreateObject();
    cJSON_AddStringToObject(w, "name", name);
    cJSON_AddNumberToObject(w, "kind", kind);
    if (container)
        cJSON_AddStringToObject(w, "containerName", container);
    cJSON_AddItemToObject(w, "location", lsp_location(src, sp));
    cJSON_AddItemToArray(arr, w);
}

/* Objects of the model by path (template expansions included), and every
 * template and `let` of the user's files. */
cJSON *lsp_workspace_symbols(Lsp *s, const cJSON *params)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(params, "query");
    const char *query = cJSON_IsString(q) ? q->valuestring : "";
    cJSON *arr = cJSON_CreateArray();
    Model *m = model_of(s);
    for (int i = 0; i < m->nobjects && cJSON_GetArraySize(arr) < 500; i++) {
        Object *o = m->objects[i];
        if (o->site && o->site->is_std)
            continue;
        Site site = model_obj_site(o);
        if (site.src && matches(o->path, query))
            add_wsym(arr, o->path, o->kind, SK_OBJECT, site.src, site.span);
    }
    Program *pg = &s->check->pg;
    for (int i = 0; i < pg->nfiles; i++)
        for (const Node *n = pg->files[i]->is_std ? NULL : pg->files[i]->items; n; n = n->next)
            if ((n->kind == NODE_TEMPLATE || n->kind == NODE_LET) && matches(n->name, query))
                add_wsym(arr, n->name, n->kind == NODE_LET ? "let" : "template",
                         n->kind == NODE_LET ? SK_VARIABLE : SK_FUNCTION, pg->files[i]->src, n->name_span);
    return arr;
}

/* ---- completion ------------------------------------------------------------ */

enum { CK_FIELD = 5, CK_MODULE = 9, CK_UNIT = 11, CK_VALUE = 12, CK_ENUM_MEMBER = 20,
       CK_KEYWORD = 14, CK_SNIPPET = 15, CK_REFERENCE = 18, CK_CLASS = 7 };

static cJSON *item(cJSON *arr, const char *label, int kind, const char *detail, const char *doc)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "label", label);
    cJSON_AddNumberToObject(c, "kind", kind);
    if (detail)
        cJSON_AddStringToObject(c, "detail", detail);
    if (doc) {
        cJSON *d = cJSON_AddObjectToObject(c, "documentation");
        cJSON_AddStringToObject(d, "kind", "markdown");
        cJSON_AddStringToObject(d, "value", doc);
    }
    cJSON_AddItemToArray(arr, c);
    return c;
}

/* The innermost block holding off. */
static const Node *block_at(const Node *items, uint32_t off)
{
    for (const Node *n = items; n; n = n->next) {
        if (off <= n->span.start || off >= n->span.end)
            continue;
        if (n->kind == NODE_BLOCK) {
            const Node *in = block_at(n->b, off);
            return in ? in : n;
        }
        if (n->kind == NODE_TEMPLATE || n->kind == NODE_FOR || n->kind == NODE_IF) {
            const Node *in = block_at(n->b, off);
            return in ? in : block_at(ast_else(n), off);
        }
    }
    return NULL;
}

/* `core.ecr.` → the next path segments of the model's objects below
 * `core.ecr` (kinds and names). */
static void complete_path(Lsp *s, const char *prefix, size_t plen, cJSON *arr)
{
    Model *m = model_of(s);
    const char **seen = xmalloc((size_t)(m->nobjects + 1) * sizeof *seen);
    int nseen = 0;
    for (int i = 0; i < m->nobjects; i++) {
        const char *p = m->objects[i]->path;
        if (strncmp(p, prefix, plen) != 0 || p[plen] != '.')
            continue;
        const char *seg = p + plen + 1, *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        char *name = arena_strndup(&s->check->pg.arena, seg, n);
        const char *iname = intern_cstr(&s->check->pg.in, name);
        bool dup = false;
        for (int k = 0; k < nseen && !dup; k++)
            dup = seen[k] == iname;
        if (dup)
            continue;
        seen[nseen++] = iname;
        Object *o = dot ? NULL : m->objects[i];
        item(arr, iname, o ? CK_REFERENCE : CK_MODULE, o ? o->path : "kind", NULL);
    }
    free(seen);
}

static void complete_units(const FieldDecl *fd, cJSON *arr)
{
    Dim want = fd ? types_dim(fd->type) : DIM_NONE;
    for (const char *const *u = value_unit_names(); *u; u++) {
        const Unit *unit = value_unit(*u);
        if (want == DIM_NONE || (unit && unit->dim == want))
            item(arr, *u, CK_UNIT, unit ? value_dim_name(unit->dim) : NULL, NULL);
    }
}

/* Values for a field: enum members, booleans, objects of a referenced kind. */
static void complete_values(Lsp *s, const FieldDecl *fd, cJSON *arr)
{
    const Type *t = fd->type;
    while (t && (t->kind == TY_LIST || t->kind == TY_RANGE) && t->elem)
        t = t->elem;
    if (!t)
        return;
    if (t->kind == TY_ENUM && t->en)
        for (int i = 0; i < t->en->nmembers; i++)
            item(arr, t->en->members[i], CK_ENUM_MEMBER, t->en->name, NULL);
    else if (t->kind == TY_BOOL) {
        item(arr, "true", CK_VALUE, "bool", NULL);
        item(arr, "false", CK_VALUE, "bool", NULL);
    } else if (t->kind == TY_REF) {
        const ObjList *l = model_kind(model_of(s), t->ref_kind);
        for (int i = 0; i < l->n && i < 200; i++)
            item(arr, l->items[i]->path, CK_REFERENCE, t->ref_kind, NULL);
    }
}

/* Fields of the block's schema and the kinds of block allowed inside it
 * (as snippets); at the top level, the top-level kinds and keywords. */
static void complete_items(Lsp *s, const Node *block, cJSON *arr)
{
    Schemas *sch = &s->check->schemas;
    const SchemaDecl *sc = block ? schema_find(sch, block->name) : NULL;
    Arena *a = &s->check->pg.arena;
    for (int i = 0; sc && i < sc->nfields; i++) {
        const FieldDecl *fd = &sc->fields[i];
        const char *doc = schema_field_doc(sch, fd);
        const char *def = fd->def ? arena_printf(a, "default: `%.*s`", (int)(fd->def->span.end - fd->def->span.start),
                                                 fd->file->src->text + fd->def->span.start)
                                  : "no default";
        cJSON *c = item(arr, fd->name, CK_FIELD, types_name(a, fd->type),
                        doc ? arena_printf(a, "%s\n\n%s", doc, def) : def);
        cJSON_AddStringToObject(c, "insertText", arena_printf(a, "%s = ", fd->name));
    }
    for (int i = 0; i < sch->nlist; i++) {
        const SchemaDecl *k = sch->list[i];
        if (block ? !sc || !schema_allowed_in(k, block->name) : k->nparents > 0)
            continue;
        cJSON *c = item(arr, k->name, CK_CLASS, "block", schema_doc(sch, k));
        cJSON_AddStringToObject(c, "insertText", arena_printf(a, "%s ${1:name} {\n\t$0\n}", k->name));
        cJSON_AddNumberToObject(c, "insertTextFormat", 2);
    }
    if (!block) {
        static const char *const kw[] = {"let", "template", "use", "import", "for", "if", "environment"};
        for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
            item(arr, kw[i], CK_KEYWORD, NULL, NULL);
    }
}

cJSON *lsp_completion(Lsp *s, const cJSON *params)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    cJSON *arr = cJSON_CreateArray();
    if (!f)
        return arr;
    const char *t = f->src->text;
    uint32_t off = lsp_offset(t, f->src->len, cJSON_GetObjectItemCaseSensitive(params, "position"));
    uint32_t ls = off;
    while (ls > 0 && t[ls - 1] != '\n' && t[ls - 1] != '\r')
        ls--;
    uint32_t w = off;                   /* the word being typed */
    while (w > ls && (isalnum((unsigned char)t[w - 1]) || t[w - 1] == '_' || t[w - 1] == '-'))
        w--;
    const Node *block = block_at(f->items, off);
    const SchemaDecl *sc = block ? schema_find(&s->check->schemas, block->name) : NULL;
    /* the field of `field = ...` on this line, if any */
    uint32_t i = ls;
    while (i < w && (t[i] == ' ' || t[i] == '\t'))
        i++;
    uint32_t fs = i;
    while (i < w && (isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '-'))
        i++;
    const FieldDecl *fd = NULL;
    if (sc && i > fs) {
        char *name = arena_strndup(&s->check->pg.arena, t + fs, i - fs);
        fd = schema_field(sc, intern_cstr(&s->check->pg.in, name));
    }
    uint32_t p = w;
    while (p > ls && t[p - 1] == ' ')
        p--;
    if (w > ls && t[w - 1] == '.') {                      /* a dotted reference */
        uint32_t r = w - 1;
        while (r > ls && (isalnum((unsigned char)t[r - 1]) || strchr("_-.", t[r - 1])))
            r--;
        char *prefix = arena_strndup(&s->check->pg.arena, t + r, w - 1 - r);
        complete_path(s, prefix, strlen(prefix), arr);
    } else if (p > ls && isdigit((unsigned char)t[p - 1])) { /* a number: its unit */
        complete_units(fd, arr);
    } else if (fd && p > ls && t[p - 1] == '=') {            /* a value */
        complete_values(s, fd, arr);
    } else if (w == fs) {                                   /* an item */
        complete_items(s, block, arr);
    }
    return arr;
}

/* ---- code actions ------------------------------------------------------------ */

static cJSON *text_edit(Source *src, Span sp, const char *text)
{
    cJSON *te = cJSON_CreateObject();
    cJSON_AddItemToObject(te, "range", lsp_range(src, sp));
    cJSON_AddStringToObject(te, "newText", text);
    return te;
}

static void add_action(cJSON *arr, const char *title, const char *uri, const Diag *d, cJSON *edit,
                       bool preferred)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "title", title);
    cJSON_AddStringToObject(a, "kind", "quickfix");
    if (preferred)
        cJSON_AddBoolToObject(a, "isPreferred", 1);
    cJSON *diags = cJSON_AddArrayToObject(a, "diagnostics");
    cJSON *dj = cJSON_CreateObject();
    cJSON_AddStringToObject(dj, "code", d->code);
    cJSON_AddItemToObject(dj, "range", lsp_range(d->src, d->span));
    cJSON_AddStringToObject(dj, "message", d->msg);
    cJSON_AddItemToArray(diags, dj);
    cJSON *we = cJSON_AddObjectToObject(a, "edit");
    cJSON *ch = cJSON_AddObjectToObject(we, "changes");
    cJSON *list = cJSON_AddArrayToObject(ch, uri);
    cJSON_AddItemToArray(list, edit);
    cJSON_AddItemToArray(arr, a);
}

/* The `X` of a help text "... `X` ..." after lead, copied into buf. */
static bool quoted_after(const char *help, const char *lead, char *buf, size_t cap)
{
    const char *p = help ? strstr(help, lead) : NULL;
    if (!p)
        return false;
    p += strlen(lead);
    const char *e = strchr(p, '`');
    if (!e || (size_t)(e - p) >= cap)
        return false;
    memcpy(buf, p, (size_t)(e - p));
    buf[e - p] = '\0';
    return true;
}

/* The innermost item (attribute, block, use, let...) holding sp. */
static const Node *item_at(const Node *items, Span sp)
{
    for (const Node *n = items; n; n = n->next) {
        if (sp.start < n->span.start || sp.end > n->span.end)
            continue;
        const Node *in = NULL;
        if (n->kind == NODE_BLOCK || n->kind == NODE_TEMPLATE || n->kind == NODE_FOR ||
            n->kind == NODE_IF)
            in = item_at(n->b, sp);
        if (!in && n->kind == NODE_IF)
            in = item_at(ast_else(n), sp);
        return in ? in : n;
    }
    return NULL;
}

static bool span_has(const Source *src, Span sp, char c)
{
    return memchr(src->text + sp.start, c, sp.end - sp.start) != NULL;
}

/* "write `X`": X replaces the span (the value after ` = ` when X is an
 * attribute). Not when X is a pattern (`NAME`, `...`, `N`), one of
 * several choices (`true` or `false`), or would drop a string's quotes. */
static bool write_fix(const Diag *d, char *x, size_t cap)
{
    const char *p = d->help ? strstr(d->help, "write `") : NULL;
    if (!p || !quoted_after(p, "write `", x, cap))
        return false;
    const char *after = p + 7 + strlen(x) + 1;
    if (strncmp(after, " or", 3) == 0 || strstr(x, "NAME") || strstr(x, "...") || strstr(x, " N") ||
        strstr(x, "N ") || span_has(d->src, d->span, '\n'))
        return false;
    char *eq = strstr(x, " = ");
    if (eq) {
        if (span_has(d->src, d->span, '='))
            return false;
        memmove(x, eq + 3, strlen(eq + 3) + 1);
    }
    return d->src->text[d->span.start] != '"' || x[0] == '"';
}

/* A help naming settings (`cpu = 0.5 vcpu` with `memory = 1 GiB`) fixes
 * the primary span (its label names the field first: "`memory` of ...")
 * and each secondary label "with `cpu = ...`" in the same file. */
static cJSON *pair_fix(const Diag *d, char *title, size_t cap)
{
    char field[64], val[128];
    if (!d->label || !quoted_after(d->label, "`", field, sizeof field))
        return NULL;
    cJSON *edits = cJSON_CreateArray();
    for (const char *p = d->help; p && (p = strchr(p, '`')); p++) {
        char pair[200];
        if (!quoted_after(p, "`", pair, sizeof pair))
            break;
        p = strchr(p + 1, '`');
        char *eq = strstr(pair, " = ");
        if (!eq)
            continue;
        *eq = '\0';
        snprintf(val, sizeof val, "%s", eq + 3);
        if (strcmp(pair, field) == 0)
            cJSON_AddItemToArray(edits, text_edit(d->src, d->span, val));
        for (int i = 0; i < d->nlabels; i++) {
            char want[256];
            snprintf(want, sizeof want, "with `%s = ", pair);
            if (d->labels[i].src == d->src && d->labels[i].msg && strncmp(d->labels[i].msg, want, strlen(want)) == 0)
                cJSON_AddItemToArray(edits, text_edit(d->src, d->labels[i].span, val));
        }
        size_t tl = strlen(title);
        snprintf(title + tl, cap - tl, "%s`%s = %s`", tl ? " with " : "Use ", pair, val);
    }
    if (cJSON_GetArraySize(edits) < 2) {   /* fixes one side only: not a fix */
        cJSON_Delete(edits);
        return NULL;
    }
    return edits;
}

/* One quick fix made of several edits in d's file (edits is consumed). */
static void add_multi_action(cJSON *arr, const char *title, const char *uri, const Diag *d, cJSON *edits)
{
    add_action(arr, title, uri, d, cJSON_DetachItemFromArray(edits, 0), true);
    cJSON *act = cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
    cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(act, "edit"), "changes"), uri);
    cJSON *e;
    while ((e = cJSON_DetachItemFromArray(edits, 0)))
        cJSON_AddItemToArray(list, e);
    cJSON_Delete(edits);
}

/* "did you mean `x`?" replaces the misspelt name; "add `import "f"`"
 * inserts the import; an intent or cost finding (E06xx, W07xx) can be
 * waived with `@allow(CODE, "…")` on the item that reports it. */
static void actions_for(Lsp *s, File *f, const char *uri, const Diag *d, cJSON *arr)
{
    (void)s;
    char want[256], title[400];
    Source *src = f->src;
    Span sp = d->span;
    bool word = sp.end > sp.start && sp.end - sp.start < 128;
    for (uint32_t i = sp.start; word && i < sp.end; i++)
        word = isalnum((unsigned char)src->text[i]) || strchr("_-.", src->text[i]);
    if (word && quoted_after(d->help, "did you mean `", want, sizeof want)) {
        snprintf(title, sizeof title, "Replace `%.*s` with `%s`", (int)(sp.end - sp.start),
                 src->text + sp.start, want);
        add_action(arr, title, uri, d, text_edit(src, sp, want), true);
    }
    if (quoted_after(d->help, "attributes are set with `", want, sizeof want) && sp.end == sp.start + 1 &&
        src->text[sp.start] == ':')
        add_action(arr, "Replace `:` with `=`", uri, d,
                   text_edit(src, sp, sp.start && src->text[sp.start - 1] != ' ' ? " =" : "="), true);
    else if (!strstr(d->help ? d->help : "", "did you mean") && write_fix(d, want, sizeof want)) {
        snprintf(title, sizeof title, "Write `%s`", want);
        add_action(arr, title, uri, d, text_edit(src, sp, want), true);
    }
    title[0] = '\0';
    cJSON *pairs = pair_fix(d, title, sizeof title);
    if (pairs)
        add_multi_action(arr, title, uri, d, pairs);
    if (quoted_after(d->help, "add `import ", want + 7, sizeof want - 8)) {
        memcpy(want, "import ", 7);
        size_t wl = strlen(want);
        want[wl] = '\n';
        want[wl + 1] = '\0';
        snprintf(title, sizeof title, "Add `%.*s`", (int)strlen(want) - 1, want);
        add_action(arr, title, uri, d, text_edit(src, (Span){0, 0}, want), true);
    }
    bool waivable = (d->code[0] == 'E' && strncmp(d->code + 1, "06", 2) == 0) ||
                    (d->code[0] == 'W' && strncmp(d->code + 1, "07", 2) == 0);
    const Node *it = waivable ? item_at(f->items, sp) : NULL;
    if (it) {
        uint32_t ls = it->span.start, e;
        while (ls > 0 && src->text[ls - 1] != '\n')
            ls--;
        for (e = ls; e < it->span.start && (src->text[e] == ' ' || src->text[e] == '\t'); e++)
            ;
        char *text = xmalloc(e - ls + 64);
        snprintf(text, e - ls + 64, "@allow(%s, \"reason\")\n%.*s", d->code, (int)(e - ls), src->text + ls);
        snprintf(title, sizeof title, "Add `@allow(%s, \"…\")` waiver", d->code);
        add_action(arr, title, uri, d, text_edit(src, (Span){e, e}, text), false);
        free(text);
    }
}

cJSON *lsp_code_actions(Lsp *s, const cJSON *params)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    cJSON *arr = cJSON_CreateArray();
    if (!f)
        return arr;
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(params, "range");
    uint32_t a = lsp_offset(f->src->text, f->src->len, cJSON_GetObjectItemCaseSensitive(range, "start"));
    uint32_t b = lsp_offset(f->src->text, f->src->len, cJSON_GetObjectItemCaseSensitive(range, "end"));
    DiagEngine *de = &s->check->diag;
    for (unsigned i = 0; i < de->n; i++) {
        const Diag *d = de->items[i];
        if (d->src == f->src && d->span.start <= b && d->span.end >= a)
            actions_for(s, f, uri, d, arr);
    }
    return arr;
}

/* ---- inlay hints ---------------------------------------------------------------- */

typedef struct HintAcc {
    const Node *attr;   /* the attribute hinted */
    char *text;         /* malloc'd */
} HintAcc;

static void hint_add(HintAcc **hs, int *n, int *cap, const Node *attr, const char *piece)
{
    for (int i = 0; i < *n; i++)
        if ((*hs)[i].attr == attr) {
            if (strlen((*hs)[i].text) > 120)
                return;
            if (strstr((*hs)[i].text, piece))
                return;
            (*hs)[i].text = append((*hs)[i].text, "%s%s", ", ", piece);
            return;
        }
    if (*n == *cap)
        *hs = xrealloc(*hs, (size_t)(*cap = *cap ? *cap * 2 : 16) * sizeof **hs);
    (*hs)[*n].attr = attr;
    (*hs)[(*n)++].text = append(NULL, "%s%s", piece, "");
}

/* A template argument's value v, set by as; one that reads `env` has none in the base
 * evaluation (SPEC §7.5), so each environment's value is shown instead. */
static void hint_argument(Model *m, Arena *a, const Object *o, const char *name, const Value *v,
                          const Assign *as, HintAcc **hs, int *n, int *cap)
{
    if (!(v && v->kind == VAL_ERROR && v->late) || m->nenvs == 0) {
        hint_add(hs, n, cap, as->attr, value_show(a, v));
        return;
    }
    for (int e = 0; e < m->nenvs; e++) {
        const Environment *env = NULL;
        const Model *em = model_for_env(m, m->envs[e]->name, &env);
        const Object *eo = em ? model_find(em, o->path) : NULL;
        if (eo)
            hint_add(hs, n, cap, as->attr,
                     arena_printf(a, "%s: %s", m->envs[e]->name, value_show(a, model_get(em, eo, name))));
    }
}

/* After an attribute whose value is a template parameter: the values the
 * uses give it; after one an environment overrides: `prod: 1 vcpu`. */
cJSON *lsp_inlay_hints(Lsp *s, const cJSON *params)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    cJSON *arr = cJSON_CreateArray();
    if (!f)
        return arr;
    Model *m = model_of(s);
    Arena *a = &s->check->pg.arena;
    HintAcc *hs = NULL;
    int n = 0, cap = 0;
    for (int i = 0; i < m->nobjects; i++) {
        Object *o = m->objects[i];
        if (o->src != f->src)
            continue;
        for (int k = 0; k < o->schema->nfields; k++) {
            const Assign *as = model_assigns(m, o)[k];
            const char *name = o->schema->fields[k].name;
            if (as && model_origin(m, o, name) == ORIGIN_ARGUMENT)
                hint_argument(m, a, o, name, model_fields(m, o)[k].val, as, &hs, &n, &cap);
            for (int e = 0; as && e < m->nenvs; e++) {
                const Override *ov = model_override(m, m->envs[e], o, name);
                if (ov)
                    hint_add(&hs, &n, &cap, as->attr,
                             arena_printf(a, "%s: %s", m->envs[e]->name, value_show(a, ov->val)));
            }
        }
    }
    for (int i = 0; i < n; i++) {
        cJSON *h = cJSON_CreateObject();
        cJSON *r = lsp_range(f->src, hs[i].attr->span);
        cJSON_AddItemToObject(h, "position", cJSON_DetachItemFromObject(r, "end"));
        cJSON_Delete(r);
        char *label = append(NULL, "← %s%s", hs[i].text, "");
        cJSON_AddStringToObject(h, "label", label);
        cJSON_AddBoolToObject(h, "paddingLeft", 1);
        cJSON_AddItemToArray(arr, h);
        free(label);
        free(hs[i].text);
    }
    free(hs);
    return arr;
}

/* ---- semantic tokens -------------------------------------------------------------- */

static const char *const token_types[] = {
    "type", "variable", "property", "function", "parameter", "number", "string", "comment",
    "decorator", "namespace", "enumMember",
};
enum { TT_TYPE, TT_VARIABLE, TT_PROPERTY, TT_FUNCTION, TT_PARAMETER, TT_NUMBER, TT_STRING,
       TT_COMMENT, TT_DECORATOR, TT_NAMESPACE, TT_ENUM_MEMBER };

cJSON *lsp_semantic_legend(void)
{
    cJSON *l = cJSON_CreateObject();
    cJSON *types = cJSON_AddArrayToObject(l, "tokenTypes");
    for (size_t i = 0; i < sizeof token_types / sizeof token_types[0]; i++)
        cJSON_AddItemToArray(types, cJSON_CreateString(token_types[i]));
    cJSON_AddArrayToObject(l, "tokenModifiers");
    return l;
}

typedef struct Tok {
    Span at;
    int type;
} Tok;

typedef struct Toks {
    Tok *items;
    int n, cap;
} Toks;

static void tok_add(Toks *t, Span at, int type)
{
    if (at.end <= at.start)
        return;
    if (t->n == t->cap)
        t->items = xrealloc(t->items, (size_t)(t->cap = t->cap ? t->cap * 2 : 256) * sizeof *t->items);
    t->items[t->n++] = (Tok){at, type};
}

static void visit_tok(Walk *w, const Node *n, Role role, Span at)
{
    static const int types[] = {
        [ROLE_LET] = TT_VARIABLE, [ROLE_TEMPLATE] = TT_FUNCTION, [ROLE_PARAM] = TT_PARAMETER,
        [ROLE_USE] = TT_FUNCTION, [ROLE_ARG] = TT_PARAMETER, [ROLE_LABEL] = TT_NAMESPACE,
        [ROLE_KIND] = TT_TYPE, [ROLE_FIELD] = TT_PROPERTY, [ROLE_GET] = TT_PROPERTY,
        [ROLE_FORVAR] = TT_VARIABLE,
    };
    int type = types[role];
    if (role == ROLE_IDENT) {
        Target t = resolve(w, n, role);
        type = t.kind == ROLE_PARAM ? TT_PARAMETER : t.kind == ROLE_LABEL ? TT_NAMESPACE :
               literal_name(w, n) ? TT_ENUM_MEMBER : TT_VARIABLE;
    }
    tok_add(w->ctx, at, type);
}

/* Literals: numbers and quantities, plain strings. */
static void literal_toks(const Node *n, Toks *t)
{
    for (; n; n = n->next) {
        if (n->kind == NODE_NUM || n->kind == NODE_QTY)
            tok_add(t, n->span, TT_NUMBER);
        else if (n->kind == NODE_STR)
            tok_add(t, n->span, TT_STRING);
        else if (n->kind == NODE_ANNOT)
            tok_add(t, (Span){n->span.start, n->name_span.end}, TT_DECORATOR);
        if (n->kind != NODE_INTERP && n->kind != NODE_SCHEMA && n->kind != NODE_ENUM) {
            literal_toks(n->a, t);
            literal_toks(n->b, t);
            literal_toks(ast_annots(n), t);
            literal_toks(ast_else(n), t);
        }
    }
}

static int by_start(const void *a, const void *b)
{
    const Tok *x = a, *y = b;
    return x->at.start < y->at.start ? -1 : x->at.start > y->at.start;
}

/* LSP's relative encoding: per token, line delta, start (relative on the
 * same line), length, type, modifiers. Tokens are sorted by start;
 * overlapping and multi-line ones (block comments) are left out. */
static void encode_tokens(Source *src, const Toks *t, cJSON *data)
{
    uint32_t pline = 0, pcol = 0, last_end = 0;
    for (int i = 0; i < t->n; i++) {
        Span at = t->items[i].at;
        LineCol a = src_linecol(src, at.start), b = src_linecol(src, at.end);
        if (at.start < last_end || a.line != b.line)
            continue;
        uint32_t col = lsp_utf16(src->text, src_line_span(src, a.line).start, at.start);
        uint32_t dl = a.line - 1 - pline;
        const double row[5] = {dl, dl ? col : col - pcol, lsp_utf16(src->text, at.start, at.end),
                               t->items[i].type, 0};
        for (int k = 0; k < 5; k++)
            cJSON_AddItemToArray(data, cJSON_CreateNumber(row[k]));
        pline = a.line - 1;
        pcol = col;
        last_end = at.end;
    }
}

cJSON *lsp_semantic_tokens(Lsp *s, const cJSON *params)
{
    const char *uri;
    File *f = request_file(s, params, &uri);
    cJSON *r = cJSON_CreateObject();
    cJSON *data = cJSON_AddArrayToObject(r, "data");
    if (!f)
        return r;
    Toks t = {0};
    Walk w = {.s = s, .f = f, .visit = visit_tok, .ctx = &t};
    walk_list(&w, f->items);
    literal_toks(f->items, &t);
    for (uint32_t i = 0; i < f->ncomments; i++)
        tok_add(&t, f->comments[i].span, TT_COMMENT);
    if (t.n > 1)
        qsort(t.items, (size_t)t.n, sizeof *t.items, by_start);
    encode_tokens(f->src, &t, data);
    free(t.items);
    return r;
}
