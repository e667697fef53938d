/* value.h — the values the checker computes, and their units.
 *
 * Every attribute of every object evaluates to a Value. Quantities keep
 * their number in the base unit of their dimension (cpu units, MiB, ACU,
 * seconds, percent) together with the unit they were written in, so that
 * `1 GiB` and `1024 MiB` compare equal while messages still print what the
 * user wrote. Values live in the program arena and are shared freely (a
 * field default is one Value for every object that uses it): never mutate
 * a Value after it has been handed out. */
#ifndef SFDC_VALUE_H
#define SFDC_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"

struct Object;

typedef enum ValKind {
    VAL_ERROR,      /* poison: an error was already reported; accepted everywhere */
    VAL_NULL,
    VAL_BOOL,       /* b */
    VAL_NUM,        /* num in the base unit of dim; unit: as written (or NULL) */
    VAL_STR,        /* str (NUL-terminated, arena) */
    VAL_SYM,        /* str: an enum member (or `all`), interned */
    VAL_CIDR,       /* cidr */
    VAL_RANGE,      /* items[0] .. items[1] */
    VAL_LIST,       /* items[0..n) */
    VAL_MAP,        /* keys[i] = items[i], i < n, keys interned, in source order */
    VAL_REF,        /* ref: another object of the platform */
    VAL_CALL,       /* str: constructor (vpn, private, public, secret, ssm); items: args */
    VAL_KINDSEL,    /* ref + unit (a kind): `core.ecr` on the way to `core.ecr.dagster` */
} ValKind;

/* Physical dimension of a number. */
typedef enum Dim {
    DIM_NONE,       /* a plain number */
    DIM_CPU,        /* base: cpu units (1 vcpu = 1024) */
    DIM_MEM,        /* base: MiB */
    DIM_ACU,        /* base: ACU */
    DIM_TIME,       /* base: seconds */
    DIM_PERCENT,    /* base: percent */
    DIM_COUNT
} Dim;

typedef struct Value Value;
struct Value {
    uint8_t kind;           /* ValKind */
    uint8_t dim;            /* Dim, for VAL_NUM */
    bool is_int : 1;        /* VAL_NUM written without a fraction (before conversion) */
    bool late : 1;          /* VAL_ERROR standing for a value bound per account later */
    uint8_t depth;          /* lists, records, ranges: 1 + the deepest item (bounded:
                               every walk over a value recurses at most this deep) */
    uint32_t n;             /* items (and keys) count */
    /* (anonymous unions keep a Value at 48 bytes: there are many) */
    union {
        union {
            bool b;         /* VAL_BOOL */
            double num;     /* VAL_NUM, in the base unit */
            const char *str;/* VAL_STR, VAL_SYM, VAL_CALL */
            Cidr cidr;      /* VAL_CIDR */
        } u;
        struct Object *ref; /* VAL_REF, VAL_KINDSEL */
    };
    union {
        const char *unit;   /* VAL_NUM: unit as written ("GiB"), NULL if none;
                               VAL_KINDSEL: the kind */
        const char **keys;  /* VAL_MAP: interned keys */
    };
    Value **items;          /* VAL_RANGE (2), VAL_LIST, VAL_MAP, VAL_CALL */
    const Node *node;       /* where the value was written, or NULL */
    Source *src;            /* the file of node */
};

/* One unit the language knows. */
typedef struct Unit {
    const char *name;       /* "GiB" */
    Dim dim;
    double factor;          /* base units per unit */
} Unit;

/* The unit called name, or NULL. */
const Unit *value_unit(const char *name);
/* A unit name the user probably meant by a name that is not a unit ("GB"
 * -> "GiB"), or NULL. */
const char *value_unit_alias(const char *name);
/* Every unit name, NULL-terminated, for did-you-mean. */
const char *const *value_unit_names(void);
/* The dimension's name as a type ("memory") and its units ("MiB, GiB, TiB"). */
const char *value_dim_name(Dim d);
const char *value_dim_units(Dim d);
/* The unit to print a base-unit number of dimension d in when none was written. */
const char *value_dim_base(Dim d);

Value *value_new(Arena *a, ValKind k, const Node *node, Source *src);
Value *value_num(Arena *a, double num, Dim dim, const char *unit, const Node *node, Source *src);
Value *value_str(Arena *a, const char *s, const Node *node, Source *src);
/* The sum of n lengths into *total; false if it does not fit a size_t
 * (the caller reports it: a string is never silently cut or emptied). */
bool value_join_size(const size_t *lens, size_t n, size_t *total);
/* parts[0..n) joined in one pass into one arena block of total bytes (from
 * value_join_size) plus a NUL. Linear: each byte is copied once. */
char *value_join(Arena *a, const char *const *parts, const size_t *lens, size_t n, size_t total);
/* The shared poison value (no span); late marks a per-account value. */
Value *value_error(void);
Value *value_late(void);
/* A shallow copy re-pointed at another source site. */
Value *value_at(Arena *a, const Value *v, const Node *node, Source *src);

/* Structural equality; numbers compare in base units (1 GiB == 1024 MiB). */
bool value_equal(const Value *a, const Value *b);
/* The number in unit u (a VAL_NUM of u's dimension). */
double value_in(const Value *v, const Unit *u);

/* Renders v as sfd source text: `1 GiB`, `"x"`, `[a, b]`, `core.ecr.dagster`.
 * Arena-allocated. */
const char *value_show(Arena *a, const Value *v);
/* Renders a string value's text, or value_show for others (interpolation). */
const char *value_text(Arena *a, const Value *v);
/* "a string", "a list", "a quantity in GiB": for "found ..." messages. */
const char *value_describe(Arena *a, const Value *v);

#endif
