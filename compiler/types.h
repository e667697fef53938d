/* types.h — the types of schema fields and template parameters.
 *
 * A Type is read from a type expression in the source (`memory`,
 * `list(ref(account))`, `range(acu)`, `engine?`) by types_parse, and
 * values are checked against it by types_check, which also applies the
 * small conversions the language allows (a unitless 0 for any quantity, a
 * unitless range end taking the other end's unit). Types are arena-owned
 * and immutable. */
#ifndef SFDC_TYPES_H
#define SFDC_TYPES_H

#include <stdbool.h>

#include "diag.h"
#include "value.h"

struct Schemas;
struct EnumDecl;

typedef enum TypeKind {
    TY_ERROR,       /* an unknown type was reported; anything goes */
    TY_ANY,         /* no expectation (lets, conditions, iterables) */
    TY_INT, TY_NUMBER, TY_STRING, TY_BOOL,
    TY_NAME,        /* a bare identifier or a string; evaluates to a string */
    TY_CIDR,
    TY_ACCOUNT_ID,  /* a string of exactly 12 digits */
    TY_CPU, TY_MEMORY, TY_ACU, TY_DURATION, TY_PERCENT,   /* quantities */
    TY_SCHEDULE,    /* a weekly window string, parsed by the schedule rules */
    TY_ACCESS,      /* vpn(cidr), private(), public() */
    TY_SECRET_REF,  /* secret("name"), ssm("/path") or a reference to a secret */
    TY_ACCOUNTS,    /* `all` or a list of account references */
    TY_LIST,        /* elem */
    TY_MAP,         /* elem: a record literal's values */
    TY_RANGE,       /* elem: lo..hi */
    TY_REF,         /* ref_kind: a reference to a block of that kind */
    TY_ENUM,        /* en */
} TypeKind;

typedef struct Type Type;
struct Type {
    TypeKind kind;
    bool optional;              /* `T?`: may be absent or null */
    const Type *elem;           /* TY_LIST, TY_MAP, TY_RANGE */
    const char *ref_kind;       /* TY_REF: interned schema name */
    const struct EnumDecl *en;  /* TY_ENUM */
    /* Bounds of a number or quantity type, `int(1..65535)`, in base units
     * (MiB, CPU units, seconds...): every value of the type lies in them. */
    bool has_lo, has_hi;
    double lo, hi;
    const char *bounds;         /* the bounds as written ("1..65535"), or NULL */
};

/* Shared instances of the simple types. */
const Type *types_simple(TypeKind k);

/* Reads a type expression (IDENT, CALL of list/map/range/ref, a number
 * type with bounds as in `int(1..65535)` or `memory(1 MiB..)`, OPTIONAL).
 * Unknown names are reported (E0301, did-you-mean) and give TY_ERROR; bad
 * bounds (a unit of another dimension, low above high) are E0421. */
const Type *types_parse(struct Schemas *s, Arena *a, DiagEngine *d, Source *src, const Node *n);

/* The type as the user writes it: "list(ref(account))", "memory?". */
const char *types_name(Arena *a, const Type *t);
/* The dimension numbers of type t carry (DIM_NONE for non-quantities). */
Dim types_dim(const Type *t);
/* The type without its `?`. */
const Type *types_required(Arena *a, const Type *t);

/* Checks v against t. Returns v, a converted copy, or the poison value
 * after reporting (E0401 mismatch, E0402 unit, E0406 bad literal, E0420 a
 * number outside its type's bounds, E0421 a range whose low end is above
 * its high end). at is the span to blame when v has no node of its own in
 * src. */
Value *types_check(Arena *a, DiagEngine *d, Source *src, Span at, Value *v, const Type *t);

/* Did-you-mean: the candidate closest to word by edit distance, if it is
 * close enough to be a plausible typo (distance <= max(1, len/3)), else NULL.
 * Linear in the number of candidates; used only on error paths. */
const char *types_suggest(const char *word, const char *const *cands, int n);

#endif
