/* types.c — type expressions, type checking of values and unit rules
 * (see types.h). */
#include "types.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "schema.h"
#include "distance.h"
#include "banned.h"

/* The built-in type names, and the kinds they stand for. */
static const struct { const char *name; TypeKind kind; } builtin[] = {
    {"int", TY_INT}, {"number", TY_NUMBER}, {"string", TY_STRING}, {"bool", TY_BOOL},
    {"name", TY_NAME}, {"cidr", TY_CIDR}, {"account_id", TY_ACCOUNT_ID}, {"cpu", TY_CPU},
    {"memory", TY_MEMORY}, {"acu", TY_ACU}, {"duration", TY_DURATION},
    {"percent", TY_PERCENT}, {"schedule", TY_SCHEDULE}, {"access", TY_ACCESS},
    {"secret_ref", TY_SECRET_REF}, {"accounts", TY_ACCOUNTS}, {"any", TY_ANY},
};

/* Type constructors taking one type argument. */
static const struct { const char *name; TypeKind kind; } ctors[] = {
    {"list", TY_LIST}, {"map", TY_MAP}, {"range", TY_RANGE}, {"ref", TY_REF},
};

const Type *types_simple(TypeKind k)
{
    static Type simple[TY_ENUM + 1];
    simple[k].kind = k;
    return &simple[k];
}

/* ---- did-you-mean ---------------------------------------------------- */

const char *types_suggest(const char *word, const char *const *cands, int n)
{
    int limit = (int)strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    int bestd = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i] || strcmp(cands[i], word) == 0)
            continue;
        int dd = text_distance(word, strlen(word), cands[i], strlen(cands[i]), true);
        /* a tie goes to the first in byte order: candidates often come
           from a pointer-keyed table, whose order changes from run to run */
        if (dd < bestd || (dd == bestd && best && strcmp(cands[i], best) < 0)) {
            bestd = dd;
            best = cands[i];
        }
    }
    return best;
}

/* ---- type expressions ------------------------------------------------ */

static const Type *unknown_type(Schemas *s, DiagEngine *d, Source *src, const Node *n)
{
    const char *cands[64];
    int nc = 0;
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        cands[nc++] = builtin[i].name;
    for (size_t i = 0; i < sizeof ctors / sizeof ctors[0]; i++)
        cands[nc++] = ctors[i].name;
    for (size_t i = 0; i < s->enums.cap && nc < 64; i++)
        if (table_key(&s->enums, i))
            cands[nc++] = table_key(&s->enums, i);
    Diag *dg = diag_new(d, DIAG_ERROR, "E0301", src, n->name_span.end ? n->name_span : n->span,
                        "unknown type `%s`", n->name ? n->name : "?");
    diag_label(d, dg, "not a type or enum");
    const char *best = n->name ? types_suggest(n->name, cands, nc) : NULL;
    if (best)
        diag_help(d, dg, "did you mean `%s`?", best);
    diag_emit(d, dg);
    return types_simple(TY_ERROR);
}

/* Whether values of kind k are numbers that bounds may limit. */
static bool numeric(TypeKind k)
{
    return k == TY_INT || k == TY_NUMBER || k == TY_CPU || k == TY_MEMORY || k == TY_ACU ||
           k == TY_DURATION || k == TY_PERCENT;
}

/* One end of a type's bounds in base units; false (after E0402) when its
 * unit is of another dimension than the type's. */
static bool bound_value(DiagEngine *d, Source *src, const Node *b, Dim want, double *out)
{
    const Unit *u = b->kind == NODE_QTY ? value_unit(b->name) : NULL;
    if (b->kind == NODE_QTY && (!u || u->dim != want)) {
        diag_error(d, "E0402", src, b->span, "bound `%.*s` is not in the type's unit",
                   (int)(b->span.end - b->span.start), src->text + b->span.start);
        return false;
    }
    *out = u ? b->v.num * u->factor : b->v.num;
    return true;
}

/* KIND(lo..hi), KIND(lo..): a number type whose values lie in the bounds. */
static const Type *parse_bounded(Arena *a, DiagEngine *d, Source *src, TypeKind k, const Node *r)
{
    Type *t = arena_alloc(a, sizeof *t);
    t->kind = k;
    Dim want = types_dim(t);
    if (!bound_value(d, src, r->a, want, &t->lo) || (r->b && !bound_value(d, src, r->b, want, &t->hi)))
        return types_simple(TY_ERROR);
    t->has_lo = true;
    t->has_hi = r->b != NULL;
    t->bounds = arena_strndup(a, src->text + r->span.start, r->span.end - r->span.start);
    if (t->has_hi && t->lo > t->hi) {
        Diag *dg = diag_new(d, DIAG_ERROR, "E0421", src, r->span, "inverted range `%s`: the low "
                            "end is above the high end", t->bounds);
        diag_help(d, dg, "write the low end first");
        diag_emit(d, dg);
        return types_simple(TY_ERROR);
    }
    return t;
}

static const Type *parse_call(Schemas *s, Arena *a, DiagEngine *d, Source *src, const Node *n)
{
    const Node *callee = n->a;
    const Node *arg0 = n->b ? n->b->a : NULL;
    if (callee && arg0 && arg0->kind == NODE_RANGE) {
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
            if (strcmp(callee->name, builtin[i].name) == 0 && numeric(builtin[i].kind))
                return parse_bounded(a, d, src, builtin[i].kind, arg0);
        diag_error(d, "E0401", src, n->span, "`%s` takes no bounds: only numbers and quantities do",
                   callee->name);
        return types_simple(TY_ERROR);
    }
    for (size_t i = 0; callee && i < sizeof ctors / sizeof ctors[0]; i++) {
        if (strcmp(callee->name, ctors[i].name) != 0)
            continue;
        if (ast_count(n->b) != 1 || !n->b->a) {
            diag_error(d, "E0401", src, n->span, "`%s` takes exactly one type argument",
                       ctors[i].name);
            return types_simple(TY_ERROR);
        }
        Type *t = arena_alloc(a, sizeof *t);
        t->kind = ctors[i].kind;
        const Node *arg = n->b->a;
        if (t->kind == TY_REF) {
            if (arg->kind != NODE_IDENT || !arg->name) {
                diag_error(d, "E0401", src, arg->span, "`ref` takes a block kind, as in `ref(ecr)`");
                return types_simple(TY_ERROR);
            }
            t->ref_kind = arg->name;
            if (!schema_find(s, arg->name)) {
                Diag *dg = diag_new(d, DIAG_ERROR, "E0305", src, arg->span,
                                    "unknown block kind `%s`", arg->name);
                diag_label(d, dg, "no schema declares this kind");
                diag_emit(d, dg);
                return types_simple(TY_ERROR);
            }
            return t;
        }
        t->elem = types_parse(s, a, d, src, arg);
        return t;
    }
    return unknown_type(s, d, src, callee ? callee : n);
}

const Type *types_parse(Schemas *s, Arena *a, DiagEngine *d, Source *src, const Node *n)
{
    if (!n || n->kind == NODE_ERROR)
        return types_simple(TY_ERROR);
    if (n->kind == NODE_OPTIONAL) {
        const Type *inner = types_parse(s, a, d, src, n->a);
        Type *t = arena_alloc(a, sizeof *t);
        *t = *inner;
        t->optional = true;
        return t;
    }
    if (n->kind == NODE_CALL)
        return parse_call(s, a, d, src, n);
    if (n->kind != NODE_IDENT)
        return unknown_type(s, d, src, n);
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        if (strcmp(n->name, builtin[i].name) == 0)
            return types_simple(builtin[i].kind);
    EnumDecl *e = schema_enum(s, n->name);
    if (e) {
        Type *t = arena_alloc(a, sizeof *t);
        t->kind = TY_ENUM;
        t->en = e;
        return t;
    }
    return unknown_type(s, d, src, n);
}

const char *types_name(Arena *a, const Type *t)
{
    const char *base = NULL;
    switch (t->kind) {
    case TY_ERROR: base = "<error>"; break;
    case TY_LIST: base = arena_printf(a, "list(%s)", types_name(a, t->elem)); break;
    case TY_MAP: base = arena_printf(a, "map(%s)", types_name(a, t->elem)); break;
    case TY_RANGE: base = arena_printf(a, "range(%s)", types_name(a, t->elem)); break;
    case TY_REF: base = arena_printf(a, "ref(%s)", t->ref_kind); break;
    case TY_ENUM: base = t->en->name; break;
    default:
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
            if (builtin[i].kind == t->kind)
                base = builtin[i].name;
        break;
    }
    if (!base)
        base = "?";
    if (t->bounds)
        base = arena_printf(a, "%s(%s)", base, t->bounds);
    return t->optional ? arena_printf(a, "%s?", base) : base;
}

Dim types_dim(const Type *t)
{
    switch (t->kind) {
    case TY_CPU: return DIM_CPU;
    case TY_MEMORY: return DIM_MEM;
    case TY_ACU: return DIM_ACU;
    case TY_DURATION: return DIM_TIME;
    case TY_PERCENT: return DIM_PERCENT;
    default: return DIM_NONE;
    }
}

const Type *types_required(Arena *a, const Type *t)
{
    if (!t->optional)
        return t;
    Type *c = arena_alloc(a, sizeof *c);
    *c = *t;
    c->optional = false;
    return c;
}

/* ---- checking values -------------------------------------------------- */

/* Context of one check: where to report. */
typedef struct Check {
    Arena *a;
    DiagEngine *d;
    Source *src;
    Span at;
} Check;

/* The span to blame for v: its own node when it was written in this file. */
static Span blame(const Check *c, const Value *v, Source **src)
{
    if (v->node && v->src) {
        *src = v->src;
        return v->node->span;
    }
    *src = c->src;
    return c->at;
}

static Value *mismatch(const Check *c, Value *v, const Type *t, const char *help)
{
    Source *src;
    Span sp = blame(c, v, &src);
    Diag *dg = diag_new(c->d, DIAG_ERROR, "E0401", src, sp, "expected %s, found %s",
                        types_name(c->a, t), value_describe(c->a, v));
    diag_label(c->d, dg, "this is %s", value_describe(c->a, v));
    if (help)
        diag_help(c->d, dg, "%s", help);
    diag_emit(c->d, dg);
    return value_error();
}

static Value *bad_literal(const Check *c, Value *v, const char *msg, const char *help)
{
    Source *src;
    Span sp = blame(c, v, &src);
    Diag *dg = diag_new(c->d, DIAG_ERROR, "E0406", src, sp, "%s", msg);
    if (help)
        diag_help(c->d, dg, "%s", help);
    diag_emit(c->d, dg);
    return value_error();
}

static Value *check(const Check *c, Value *v, const Type *t);

/* Integers print exactly (value.c writes %.15g) only below 10^15: larger
 * ones come out as 1e+23, which no AWS integer parameter accepts. */
#define TYPES_INT_MAX 999999999999999.0

/* E0420: a number within its type's bounds (and an int within
 * TYPES_INT_MAX), else the poison value. */
static Value *check_bounds(const Check *c, Value *v, const Type *t)
{
    double x = v->u.num;
    bool low = t->has_lo && x < t->lo, high = t->has_hi && x > t->hi;
    bool huge = t->kind == TY_INT && fabs(x) > TYPES_INT_MAX;
    if (!low && !high && !huge)
        return v;
    Source *src;
    Span sp = blame(c, v, &src);
    const char *shown = x == 0 ? "0" : value_show(c->a, v);
    Diag *dg = diag_new(c->d, DIAG_ERROR, "E0420", src, sp, "%s is out of range for %s", shown,
                        types_name(c->a, types_required(c->a, t)));
    if (huge && !low && !high)
        diag_label(c->d, dg, "integers are at most %.0f", TYPES_INT_MAX);
    else if (low)
        diag_label(c->d, dg, "below the lowest value this field accepts");
    else
        diag_label(c->d, dg, "above the highest value this field accepts");
    if (t->bounds && t->has_hi)
        diag_help(c->d, dg, "write a value in %s", t->bounds);
    else if (t->bounds)
        diag_help(c->d, dg, "write a value of at least %.*s", (int)(strlen(t->bounds) - 2), t->bounds);
    diag_emit(c->d, dg);
    return value_error();
}

/* A quantity of the type's dimension; a unitless 0 is accepted for any. */
static Value *check_quantity(const Check *c, Value *v, const Type *t)
{
    Dim want = types_dim(t);
    if (v->kind != VAL_NUM)
        return mismatch(c, v, t, NULL);
    if (v->dim == want)
        return check_bounds(c, v, t);
    Source *src;
    Span sp = blame(c, v, &src);
    if (v->dim == DIM_NONE) {
        if (v->u.num == 0)
            return check_bounds(c, value_num(c->a, 0, want, NULL, v->node, v->src), t);
        const char *example = value_show(c->a, v);
        const char *unit = value_dim_base(want);
        if (want == DIM_CPU)
            unit = "vcpu";
        Diag *dg = diag_new(c->d, DIAG_ERROR, "E0402", src, sp, "missing unit: expected %s",
                            value_dim_name(want));
        diag_label(c->d, dg, "a plain number has no unit");
        diag_help(c->d, dg, "write `%s%s%s` (units: %s)", example,
                  want == DIM_PERCENT ? "" : " ", unit, value_dim_units(want));
        diag_emit(c->d, dg);
        return value_error();
    }
    Diag *dg = diag_new(c->d, DIAG_ERROR, "E0402", src, sp, "unit mismatch: expected %s, found %s",
                        value_dim_name(want), value_describe(c->a, v));
    diag_label(c->d, dg, "this is %s, not %s", value_dim_name((Dim)v->dim), value_dim_name(want));
    diag_help(c->d, dg, "%s is written in %s", value_dim_name(want), value_dim_units(want));
    diag_emit(c->d, dg);
    return value_error();
}

static bool all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static Value *check_account_id(const Check *c, Value *v, const Type *t)
{
    if (v->kind == VAL_NUM && v->dim == DIM_NONE)
        return mismatch(c, v, t, "account ids are strings of 12 digits: write them in quotes");
    if (v->kind != VAL_STR)
        return mismatch(c, v, t, NULL);
    if (!all_digits(v->u.str, 12))
        return bad_literal(c, v,
                           arena_printf(c->a, "invalid account id \"%s\": expected exactly 12 digits",
                                        v->u.str),
                           "AWS account ids are 12 digits, with leading zeros: \"012345678901\"");
    return v;
}

/* A container: each element checked; a new value only if one changed. */
static Value *check_items(const Check *c, Value *v, const Type *elem)
{
    Value **out = NULL;
    for (uint32_t i = 0; i < v->n; i++) {
        Value *e = check(c, v->items[i], elem);
        if (e == v->items[i] && !out)
            continue;
        if (!out) {
            out = arena_alloc(c->a, v->n * sizeof *out);
            memcpy(out, v->items, i * sizeof *out);
        }
        out[i] = e;
    }
    if (!out)
        return v;
    Value *nv = value_at(c->a, v, v->node, v->src);
    nv->items = out;
    return nv;
}

/* E0421: lo..hi with lo above hi; every rule on ranges assumes lo <= hi. */
static Value *inverted(const Check *c, Value *v, Value *lo, Value *hi)
{
    Source *src;
    Span sp = blame(c, v, &src);
    Diag *dg = diag_new(c->d, DIAG_ERROR, "E0421", src, sp, "inverted range `%s..%s`: the low end "
                        "is above the high end", value_show(c->a, lo), value_show(c->a, hi));
    diag_label(c->d, dg, "from %s down to %s", value_show(c->a, lo), value_show(c->a, hi));
    diag_help(c->d, dg, "write `%s..%s`", value_show(c->a, hi), value_show(c->a, lo));
    diag_emit(c->d, dg);
    return value_error();
}

/* lo..hi of elem; a unitless end takes the other end's unit (`0..4 acu`). */
static Value *check_range(const Check *c, Value *v, const Type *t)
{
    if (v->kind != VAL_RANGE)
        return mismatch(c, v, t, "write a range as `low..high`");
    Value *lo = v->items[0], *hi = v->items[1];
    Dim want = types_dim(t->elem);
    if (want != DIM_NONE && lo->kind == VAL_NUM && hi->kind == VAL_NUM) {
        if (lo->dim == DIM_NONE && hi->dim == want)
            lo = value_num(c->a, lo->u.num * (hi->unit ? value_unit(hi->unit)->factor : 1), want,
                           hi->unit, lo->node, lo->src);
        else if (hi->dim == DIM_NONE && lo->dim == want)
            hi = value_num(c->a, hi->u.num * (lo->unit ? value_unit(lo->unit)->factor : 1), want,
                           lo->unit, hi->node, hi->src);
    }
    Value *clo = check(c, lo, t->elem), *chi = check(c, hi, t->elem);
    if (clo->kind == VAL_ERROR || chi->kind == VAL_ERROR)
        return value_error();
    if (clo->kind == VAL_NUM && chi->kind == VAL_NUM && clo->u.num > chi->u.num)
        return inverted(c, v, clo, chi);
    if (clo == v->items[0] && chi == v->items[1])
        return v;
    Value *nv = value_at(c->a, v, v->node, v->src);
    nv->items = arena_alloc(c->a, 2 * sizeof *nv->items);
    nv->items[0] = clo;
    nv->items[1] = chi;
    return nv;
}

static Value *check_call(const Check *c, Value *v, const Type *t, const char *const *names,
                         const char *help)
{
    if (v->kind == VAL_CALL)
        for (int i = 0; names[i]; i++)
            if (strcmp(v->u.str, names[i]) == 0)
                return v;
    return mismatch(c, v, t, help);
}

static Value *check_ref(const Check *c, Value *v, const Type *t)
{
    if (v->kind == VAL_REF && v->ref && v->ref->kind == t->ref_kind)
        return v;
    if (v->kind == VAL_STR)
        return mismatch(c, v, t, arena_printf(c->a, "refer to the %s by name, without quotes",
                                              t->ref_kind));
    if (v->kind == VAL_KINDSEL)
        return mismatch(c, v, t, arena_printf(c->a, "name one of them: `%s.%s.NAME`",
                                              v->ref ? v->ref->path : "?", v->unit));
    return mismatch(c, v, t, NULL);
}

/* Member lookup by text (strings are not interned): error path only. */
static bool enum_has_text(const EnumDecl *e, const char *s)
{
    for (int i = 0; i < e->nmembers; i++)
        if (strcmp(e->members[i], s) == 0)
            return true;
    return false;
}

static Value *check(const Check *c, Value *v, const Type *t)
{
    if (v->kind == VAL_ERROR || t->kind == TY_ERROR || t->kind == TY_ANY)
        return v;
    if (v->kind == VAL_NULL)
        return t->optional ? v : mismatch(c, v, t, NULL);
    switch (t->kind) {
    case TY_INT:
        if (v->kind == VAL_NUM && v->dim == DIM_NONE && v->u.num == floor(v->u.num))
            return check_bounds(c, v, t);
        return mismatch(c, v, t, v->kind == VAL_NUM && v->dim != DIM_NONE
                                     ? "a count has no unit" : NULL);
    case TY_NUMBER:
        return v->kind == VAL_NUM && v->dim == DIM_NONE ? check_bounds(c, v, t) : mismatch(c, v, t, NULL);
    case TY_STRING: case TY_SCHEDULE:
        return v->kind == VAL_STR ? v : mismatch(c, v, t, v->kind == VAL_SYM
                                     ? arena_printf(c->a, "write it as a string: \"%s\"", v->u.str) : NULL);
    case TY_NAME:
        return v->kind == VAL_STR ? v : mismatch(c, v, t, NULL);
    case TY_BOOL:
        return v->kind == VAL_BOOL ? v : mismatch(c, v, t, "write `true` or `false`");
    case TY_CIDR:
        return v->kind == VAL_CIDR ? v : mismatch(c, v, t, v->kind == VAL_STR
                                     ? "write the CIDR without quotes: 10.0.0.0/16" : NULL);
    case TY_ACCOUNT_ID:
        return check_account_id(c, v, t);
    case TY_CPU: case TY_MEMORY: case TY_ACU: case TY_DURATION: case TY_PERCENT:
        return check_quantity(c, v, t);
    case TY_ACCESS: {
        static const char *const ok[] = {"vpn", "private", "public", NULL};
        return check_call(c, v, t, ok, "write `vpn(CIDR)`, `private()` or `public()`");
    }
    case TY_SECRET_REF: {
        static const char *const ok[] = {"secret", "ssm", NULL};
        if (v->kind == VAL_REF && v->ref && strcmp(v->ref->kind, "secret") == 0)
            return v;
        return check_call(c, v, t, ok, v->kind == VAL_STR
                              ? "secrets are references, never values: write `secret(\"name\")` or `ssm(\"/path\")`"
                              : "write `secret(\"name\")`, `ssm(\"/path\")` or name a secret block");
    }
    case TY_ACCOUNTS:
        if (v->kind == VAL_SYM && strcmp(v->u.str, "all") == 0)
            return v;
        if (v->kind == VAL_LIST) {
            for (uint32_t i = 0; i < v->n; i++) {
                Value *e = v->items[i];
                if (e->kind != VAL_ERROR && !(e->kind == VAL_REF && e->ref &&
                                              strcmp(e->ref->kind, "account") == 0))
                    return mismatch(c, e, types_simple(TY_ACCOUNTS), "list accounts by name");
            }
            return v;
        }
        return mismatch(c, v, t, "write `all` or a list of accounts: `[core, la-camden]`");
    case TY_LIST:
        return v->kind == VAL_LIST ? check_items(c, v, t->elem) : mismatch(c, v, t, NULL);
    case TY_MAP:
        return v->kind == VAL_MAP ? check_items(c, v, t->elem)
                                  : mismatch(c, v, t, "write a record: `{ key = value }`");
    case TY_RANGE:
        return check_range(c, v, t);
    case TY_REF:
        return check_ref(c, v, t);
    case TY_ENUM:
        if (v->kind == VAL_SYM && schema_enum_has(t->en, v->u.str))
            return v;
        if (v->kind == VAL_STR && enum_has_text(t->en, v->u.str))
            return mismatch(c, v, t, arena_printf(c->a, "write `%s` without quotes", v->u.str));
        return mismatch(c, v, t, NULL);
    case TY_ERROR: case TY_ANY:
        break;
    }
    return v;
}

Value *types_check(Arena *a, DiagEngine *d, Source *src, Span at, Value *v, const Type *t)
{
    Check c = {a, d, src, at};
    return check(&c, v, t);
}
