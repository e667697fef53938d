/* schema.h — the vocabulary the checker is driven by.
 *
 * `schema KIND [in PARENT, ...] { field: type [= default] }` and
 * `enum NAME { members }` declarations (the standard library's and the
 * user's) are collected here into hash tables before anything is
 * evaluated. The C checker knows no resource kind or field by name: a new
 * field in stdlib/resources.sfd is checked, defaulted, exported and
 * documented (hover) without a C change. */
#ifndef SFDC_SCHEMA_H
#define SFDC_SCHEMA_H

#include "ast.h"
#include "diag.h"
#include "intern.h"
#include "table.h"
#include "types.h"

typedef struct EnumDecl {
    const char *name;           /* interned */
    const Node *node;           /* the ENUM declaration */
    File *file;                 /* where it is declared */
    const char **members;       /* interned, in declaration order */
    int nmembers;
    Table set;                  /* member name -> member node */
} EnumDecl;

typedef struct FieldDecl {
    const char *name;           /* interned */
    const Type *type;
    const Node *node;           /* the FIELD declaration */
    const Node *def;            /* default expression, or NULL */
    File *file;                 /* the schema's file */
    int index;                  /* position in SchemaDecl.fields */
    Value *def_val;             /* default, evaluated once and shared; NULL until then */
    bool def_busy;              /* default being evaluated (cycle guard) */
} FieldDecl;

typedef struct SchemaDecl {
    const char *name;           /* the block kind, interned */
    const Node *node;           /* the SCHEMA declaration */
    File *file;
    FieldDecl *fields;          /* in declaration order */
    int nfields;
    Table by_name;              /* field name -> FieldDecl */
    const char **parents;       /* kinds it may appear in; none: top level only */
    int nparents;
} SchemaDecl;

typedef struct Schemas {
    Arena *arena;               /* the program arena */
    Interner *in;
    Table schemas;              /* kind -> SchemaDecl */
    Table enums;                /* name -> EnumDecl */
    SchemaDecl **list;          /* every schema, in declaration order; malloc'd */
    int nlist;
} Schemas;

void schema_init(Schemas *s, Arena *a, Interner *in);
void schema_release(Schemas *s);

/* Collects the declarations of every file (enums first, then schemas, so
 * field types may name any enum). Duplicates are E0302. */
void schema_collect(Schemas *s, File **files, int nfiles, DiagEngine *d);

SchemaDecl *schema_find(const Schemas *s, const char *kind);
EnumDecl *schema_enum(const Schemas *s, const char *name);
FieldDecl *schema_field(const SchemaDecl *sc, const char *name);
bool schema_enum_has(const EnumDecl *e, const char *member);
/* May a block of kind sc appear inside a block of kind parent (NULL: top level)? */
bool schema_allowed_in(const SchemaDecl *sc, const char *parent);

/* The `///` documentation of a field or schema (for hover), or NULL. */
const char *schema_field_doc(const Schemas *s, const FieldDecl *f);
const char *schema_doc(const Schemas *s, const SchemaDecl *sc);

#endif
