/* schema.c — collecting `schema` and `enum` declarations (see schema.h). */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

void schema_init(Schemas *s, Arena *a, Interner *in)
{
    memset(s, 0, sizeof *s);
    s->arena = a;
    s->in = in;
    table_init(&s->schemas);
    table_init(&s->enums);
}

void schema_release(Schemas *s)
{
    for (int i = 0; i < s->nlist; i++)
        table_release(&s->list[i]->by_name);
    for (size_t i = 0; i < s->enums.cap; i++)
        if (table_key(&s->enums, i))
            table_release(&((EnumDecl *)table_val(&s->enums, i))->set);
    table_release(&s->schemas);
    table_release(&s->enums);
    free(s->list);
    memset(s, 0, sizeof *s);
}

static void duplicate(DiagEngine *d, const char *what, const char *name, File *f, Span at,
                      File *first_f, Span first)
{
    Diag *dg = diag_new(d, DIAG_ERROR, "E0302", f->src, at, "duplicate %s `%s`", what, name);
    diag_label(d, dg, "declared again here");
    diag_secondary(d, dg, first_f->src, first, "first declared here");
    diag_help(d, dg, "rename one of them or remove the copy");
    diag_emit(d, dg);
}

/* enum NAME { a, b, c } */
static void collect_enum(Schemas *s, File *f, const Node *n, DiagEngine *d)
{
    EnumDecl *prev = table_get(&s->enums, n->name);
    if (prev) {
        duplicate(d, "enum", n->name, f, n->name_span, prev->file, prev->node->name_span);
        return;
    }
    EnumDecl *e = arena_alloc(s->arena, sizeof *e);
    e->name = n->name;
    e->node = n;
    e->file = f;
    table_init(&e->set);
    e->members = arena_alloc(s->arena, (size_t)(ast_count(n->a) + 1) * sizeof *e->members);
    for (const Node *m = n->a; m; m = m->next) {
        const Node *first = table_get(&e->set, m->name);
        if (first) {
            duplicate(d, "enum member", m->name, f, m->span, f, first->span);
            continue;
        }
        table_put(&e->set, m->name, (void *)m);
        e->members[e->nmembers++] = m->name;
    }
    table_put(&s->enums, n->name, e);
}

/* schema KIND [in P, ...] { ... }: the name only; fields come later so
 * that `ref(KIND)` may name a schema declared further down. */
static void declare_schema(Schemas *s, File *f, const Node *n, DiagEngine *d)
{
    SchemaDecl *prev = table_get(&s->schemas, n->name);
    if (prev) {
        duplicate(d, "schema", n->name, f, n->name_span, prev->file, prev->node->name_span);
        return;
    }
    SchemaDecl *sc = arena_alloc(s->arena, sizeof *sc);
    sc->name = n->name;
    sc->node = n;
    sc->file = f;
    table_init(&sc->by_name);
    table_put(&s->schemas, n->name, sc);
    if (s->nlist % 16 == 0)
        s->list = xrealloc(s->list, (size_t)(s->nlist + 16) * sizeof *s->list);
    s->list[s->nlist++] = sc;
}

static void define_schema(Schemas *s, SchemaDecl *sc, DiagEngine *d)
{
    const Node *n = sc->node;
    File *f = sc->file;
    sc->parents = arena_alloc(s->arena, (size_t)(ast_count(n->a) + 1) * sizeof *sc->parents);
    for (const Node *p = n->a; p; p = p->next) {
        if (!table_get(&s->schemas, p->name)) {
            Diag *dg = diag_new(d, DIAG_ERROR, "E0305", f->src, p->span, "unknown block kind `%s`",
                                p->name);
            diag_label(d, dg, "no schema declares this kind");
            diag_emit(d, dg);
        }
        sc->parents[sc->nparents++] = p->name;
    }
    sc->fields = arena_alloc(s->arena, (size_t)(ast_count(n->b) + 1) * sizeof *sc->fields);
    for (const Node *fl = n->b; fl; fl = fl->next) {
        if (fl->kind != NODE_FIELD || !fl->name)
            continue;
        FieldDecl *prev = table_get(&sc->by_name, fl->name);
        if (prev) {
            duplicate(d, "field", fl->name, f, fl->name_span, f, prev->node->name_span);
            continue;
        }
        FieldDecl *fd = &sc->fields[sc->nfields];
        fd->name = fl->name;
        fd->node = fl;
        fd->def = fl->b;
        fd->file = f;
        fd->index = sc->nfields++;
        fd->type = types_parse(s, s->arena, d, f->src, fl->a);
        table_put(&sc->by_name, fl->name, fd);
    }
}

void schema_collect(Schemas *s, File **files, int nfiles, DiagEngine *d)
{
    for (int i = 0; i < nfiles; i++)
        for (const Node *n = files[i]->items; n; n = n->next)
            if (n->kind == NODE_ENUM && n->name)
                collect_enum(s, files[i], n, d);
    int first = s->nlist;
    for (int i = 0; i < nfiles; i++)
        for (const Node *n = files[i]->items; n; n = n->next)
            if (n->kind == NODE_SCHEMA && n->name)
                declare_schema(s, files[i], n, d);
    for (int i = first; i < s->nlist; i++)
        define_schema(s, s->list[i], d);
}

SchemaDecl *schema_find(const Schemas *s, const char *kind)
{
    return kind ? table_get(&s->schemas, kind) : NULL;
}

EnumDecl *schema_enum(const Schemas *s, const char *name)
{
    return name ? table_get(&s->enums, name) : NULL;
}

FieldDecl *schema_field(const SchemaDecl *sc, const char *name)
{
    return sc && name ? table_get(&sc->by_name, name) : NULL;
}

bool schema_enum_has(const EnumDecl *e, const char *member)
{
    return table_get(&e->set, member) != NULL;
}

bool schema_allowed_in(const SchemaDecl *sc, const char *parent)
{
    if (!parent)
        return sc->nparents == 0;
    for (int i = 0; i < sc->nparents; i++)
        if (sc->parents[i] == parent)
            return true;
    return false;
}

const char *schema_field_doc(const Schemas *s, const FieldDecl *f)
{
    return ast_doc_before(f->file, s->arena, f->node->span.start);
}

const char *schema_doc(const Schemas *s, const SchemaDecl *sc)
{
    return ast_doc_before(sc->file, s->arena, sc->node->span.start);
}
