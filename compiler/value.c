/* value.c — values, units and their printing (see value.h). */
#include "value.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "banned.h"

static const Unit units[] = {
    {"vcpu", DIM_CPU, 1024}, {"cpu", DIM_CPU, 1},
    {"MiB", DIM_MEM, 1}, {"GiB", DIM_MEM, 1024}, {"TiB", DIM_MEM, 1024.0 * 1024},
    {"acu", DIM_ACU, 1},
    {"ms", DIM_TIME, 0.001}, {"s", DIM_TIME, 1}, {"m", DIM_TIME, 60}, {"h", DIM_TIME, 3600},
    {"d", DIM_TIME, 86400},
    {"%", DIM_PERCENT, 1},
};

static const char *const unit_names[] = {"vcpu", "cpu", "MiB", "GiB", "TiB", "acu", "ms", "s",
                                         "m", "h", "d", "%", NULL};

/* What people write instead: decimal and AWS-console spellings. */
static const struct { const char *wrong, *right; } aliases[] = {
    {"GB", "GiB"}, {"Gb", "GiB"}, {"G", "GiB"}, {"Gi", "GiB"}, {"gib", "GiB"}, {"gb", "GiB"},
    {"MB", "MiB"}, {"Mb", "MiB"}, {"M", "MiB"}, {"Mi", "MiB"}, {"mib", "MiB"}, {"mb", "MiB"},
    {"TB", "TiB"}, {"Ti", "TiB"}, {"tib", "TiB"}, {"tb", "TiB"},
    {"vCPU", "vcpu"}, {"VCPU", "vcpu"}, {"vcpus", "vcpu"}, {"cpus", "cpu"},
    {"ACU", "acu"}, {"ACUs", "acu"}, {"acus", "acu"},
    {"sec", "s"}, {"secs", "s"}, {"second", "s"}, {"seconds", "s"},
    {"min", "m"}, {"mins", "m"}, {"minute", "m"}, {"minutes", "m"},
    {"hr", "h"}, {"hrs", "h"}, {"hour", "h"}, {"hours", "h"},
    {"day", "d"}, {"days", "d"}, {"msec", "ms"},
};

const Unit *value_unit(const char *name)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(units[i].name, name) == 0)
            return &units[i];
    return NULL;
}

const char *value_unit_alias(const char *name)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].wrong, name) == 0)
            return aliases[i].right;
    return NULL;
}

const char *const *value_unit_names(void) { return unit_names; }

const char *value_dim_name(Dim d)
{
    static const char *const names[] = {"number", "cpu", "memory", "acu", "duration", "percent"};
    return (unsigned)d < DIM_COUNT ? names[d] : "?";
}

const char *value_dim_units(Dim d)
{
    static const char *const names[] = {"no unit", "vcpu, cpu", "MiB, GiB, TiB", "acu",
                                        "ms, s, m, h, d", "%"};
    return (unsigned)d < DIM_COUNT ? names[d] : "?";
}

const char *value_dim_base(Dim d)
{
    static const char *const names[] = {NULL, "cpu", "MiB", "acu", "s", "%"};
    return (unsigned)d < DIM_COUNT ? names[d] : NULL;
}

Value *value_new(Arena *a, ValKind k, const Node *node, Source *src)
{
    Value *v = arena_alloc(a, sizeof *v);
    v->kind = (uint8_t)k;
    v->node = node;
    v->src = src;
    return v;
}

Value *value_num(Arena *a, double num, Dim dim, const char *unit, const Node *node, Source *src)
{
    Value *v = value_new(a, VAL_NUM, node, src);
    v->u.num = num;
    v->dim = (uint8_t)dim;
    v->unit = unit;
    v->is_int = num == floor(num);
    return v;
}

Value *value_str(Arena *a, const char *s, const Node *node, Source *src)
{
    Value *v = value_new(a, VAL_STR, node, src);
    v->u.str = s;
    return v;
}

bool value_join_size(const size_t *lens, size_t n, size_t *total)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] > SIZE_MAX - 1 - sum)
            return false;
        sum += lens[i];
    }
    *total = sum;
    return true;
}

char *value_join(Arena *a, const char *const *parts, const size_t *lens, size_t n, size_t total)
{
    char *out = arena_alloc(a, total + 1), *p = out;
    for (size_t i = 0; i < n; i++) {
        memcpy(p, parts[i], lens[i]);
        p += lens[i];
    }
    *p = '\0';
    return out;
}

Value *value_error(void)
{
    static Value poison = {.kind = VAL_ERROR};
    return &poison;
}

Value *value_late(void)
{
    static Value late = {.kind = VAL_ERROR, .late = true};
    return &late;
}

Value *value_at(Arena *a, const Value *v, const Node *node, Source *src)
{
    if (v->kind == VAL_ERROR)
        return (Value *)v;
    Value *c = arena_alloc(a, sizeof *c);
    *c = *v;
    c->node = node;
    c->src = src;
    return c;
}

/* Numbers compare with a tolerance relative to their size: unit
 * conversions (0.25 vcpu = 256 cpu) are exact in binary, but arithmetic
 * on decimals (0.1 + 0.2) is not. */
static bool num_equal(double a, double b)
{
    double scale = fmax(1.0, fmax(fabs(a), fabs(b)));
    return fabs(a - b) <= 1e-9 * scale;
}

bool value_equal(const Value *a, const Value *b)
{
    if (a->kind != b->kind)
        return false;
    switch ((ValKind)a->kind) {
    case VAL_ERROR: case VAL_NULL: return true;
    case VAL_BOOL: return a->u.b == b->u.b;
    case VAL_NUM: return a->dim == b->dim && num_equal(a->u.num, b->u.num);
    case VAL_STR: case VAL_SYM: return strcmp(a->u.str, b->u.str) == 0;
    case VAL_CIDR: return a->u.cidr.addr == b->u.cidr.addr && a->u.cidr.prefix == b->u.cidr.prefix;
    case VAL_REF: return a->ref == b->ref;
    case VAL_KINDSEL: return a->ref == b->ref && a->unit == b->unit;
    case VAL_CALL:
        if (strcmp(a->u.str, b->u.str) != 0)
            return false;
        break;
    case VAL_RANGE: case VAL_LIST: case VAL_MAP: break;
    }
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        if (a->kind == VAL_MAP && strcmp(a->keys[i], b->keys[i]) != 0)
            return false;
        if (!value_equal(a->items[i], b->items[i]))
            return false;
    }
    return true;
}

double value_in(const Value *v, const Unit *u) { return v->u.num / u->factor; }

/* A small growable string in the arena (old copies are abandoned: values
 * are printed rarely, for messages, explain and export). */
typedef struct Buf {
    Arena *a;
    char *s;
    size_t n, cap;
} Buf;

static void put(Buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *ns = arena_alloc(b->a, cap);
        if (b->n)
            memcpy(ns, b->s, b->n);
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(Buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_num(Buf *b, double x)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", x);
    puts_(b, tmp);
}

/* Chooses the unit a base-unit number prints in when none was written:
 * the largest unit that gives a whole number (2048 MiB -> 2 GiB). */
static const Unit *best_unit(Dim d, double num)
{
    const Unit *best = NULL;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        const Unit *u = &units[i];
        if (u->dim != d || u->factor < 1)
            continue;
        double x = num / u->factor;
        if (x == floor(x) && (!best || u->factor > best->factor))
            best = u;
    }
    return best ? best : value_unit(value_dim_base(d));
}

static void put_cidr(Buf *b, Cidr c)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%u.%u.%u.%u/%u", c.addr >> 24, c.addr >> 16 & 255u,
             c.addr >> 8 & 255u, c.addr & 255u, c.prefix);
    puts_(b, tmp);
}

static void put_string(Buf *b, const char *s)
{
    put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(b, "\\", 1);
        if (*s == '\n')
            puts_(b, "\\n");
        else
            put(b, s, 1);
    }
    put(b, "\"", 1);
}

static void show(Buf *b, const Value *v)
{
    switch ((ValKind)v->kind) {
    case VAL_ERROR: puts_(b, v->late ? "<per account>" : "<error>"); return;
    case VAL_NULL: puts_(b, "null"); return;
    case VAL_BOOL: puts_(b, v->u.b ? "true" : "false"); return;
    case VAL_NUM: {
        if (v->dim == DIM_NONE) {
            put_num(b, v->u.num);
            return;
        }
        const Unit *u = v->unit ? value_unit(v->unit) : NULL;
        if (!u || u->dim != v->dim)
            u = best_unit((Dim)v->dim, v->u.num);
        put_num(b, v->u.num / u->factor);
        if (u->dim != DIM_PERCENT)
            put(b, " ", 1);
        puts_(b, u->name);
        return;
    }
    case VAL_STR: put_string(b, v->u.str); return;
    case VAL_SYM: puts_(b, v->u.str); return;
    case VAL_CIDR: put_cidr(b, v->u.cidr); return;
    case VAL_REF: puts_(b, v->ref ? v->ref->path : "?"); return;
    case VAL_KINDSEL:
        puts_(b, v->ref ? v->ref->path : "?");
        put(b, ".", 1);
        puts_(b, v->unit);
        return;
    case VAL_RANGE:
        show(b, v->items[0]);
        puts_(b, "..");
        show(b, v->items[1]);
        return;
    case VAL_LIST: case VAL_CALL:
        if (v->kind == VAL_CALL)
            puts_(b, v->u.str);
        puts_(b, v->kind == VAL_CALL ? "(" : "[");
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                puts_(b, ", ");
            show(b, v->items[i]);
        }
        puts_(b, v->kind == VAL_CALL ? ")" : "]");
        return;
    case VAL_MAP:
        if (v->n == 0) {
            puts_(b, "{}");
            return;
        }
        puts_(b, "{ ");
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                puts_(b, ", ");
            puts_(b, v->keys[i]);
            puts_(b, " = ");
            show(b, v->items[i]);
        }
        puts_(b, " }");
        return;
    }
}

const char *value_show(Arena *a, const Value *v)
{
    Buf b = {.a = a};
    put(&b, "", 0);
    show(&b, v);
    return b.s;
}

const char *value_text(Arena *a, const Value *v)
{
    if (v->kind == VAL_STR || v->kind == VAL_SYM)
        return v->u.str;
    if (v->kind == VAL_NUM && v->dim == DIM_NONE) {
        Buf b = {.a = a};
        put(&b, "", 0);
        put_num(&b, v->u.num);
        return b.s;
    }
    if (v->kind == VAL_REF && v->ref)
        return v->ref->name ? v->ref->name : v->ref->path;
    return value_show(a, v);
}

const char *value_describe(Arena *a, const Value *v)
{
    switch ((ValKind)v->kind) {
    case VAL_ERROR: return "an invalid value";
    case VAL_NULL: return "`null`";
    case VAL_BOOL: return "a bool";
    case VAL_NUM:
        if (v->dim == DIM_NONE)
            return arena_printf(a, "the number `%s`", value_show(a, v));
        return arena_printf(a, "%s `%s`", value_dim_name((Dim)v->dim), value_show(a, v));
    case VAL_STR: return "a string";
    case VAL_SYM: return arena_printf(a, "`%s`", v->u.str);
    case VAL_CIDR: return "a CIDR";
    case VAL_RANGE: return "a range";
    case VAL_LIST: return "a list";
    case VAL_MAP: return "a record";
    case VAL_REF:
        return v->ref ? arena_printf(a, "a reference to %s `%s`", v->ref->kind, v->ref->path)
                      : "a reference";
    case VAL_KINDSEL: return arena_printf(a, "the `%s` blocks of `%s`", v->unit,
                                          v->ref ? v->ref->path : "?");
    case VAL_CALL: return arena_printf(a, "`%s(...)`", v->u.str);
    }
    return "a value";
}
