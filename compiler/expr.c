/* expr.c — evaluating expressions (see expr.h): names, member access,
 * literals and units, interpolation, lists, records, ranges, the
 * constructors vpn() private() public() secret() ssm(), and arithmetic
 * with units. Name lookup for a bare identifier: an enum member when the
 * expected type is that enum (so `kind = core` is the member, not the
 * account), then local bindings (template parameters, `for` variables,
 * block lets), then global lets, then accounts, then (for a ref(K)) a K
 * block of the account being evaluated. */
#include "expr.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- expressions -------------------------------------------------------- */

static Value *too_deep(Eval *e, Scope *sc, const Node *n)
{
    /* one chain too long is one mistake, whichever let it is entered from */
    if (e->too_deep)
        return value_error();
    e->too_deep = true;
    Diag *d = eval_err(e, "E0304", eval_src(sc), n->span, "evaluation nested too deeply");
    diag_label(e->d, d, "more than %d nested references evaluating this", EVAL_MAX_EXPR);
    diag_help(e->d, d, "shorten the chain of lets and references");
    diag_emit(e->d, d);
    return value_error();
}

Value *expr_force_binding(Eval *e, Binding *b, Source *src, Span at)
{
    if (b->state == 2) {
        e->taint |= b->taint;
        return b->val;
    }
    if (b->state == 1) {
        e->taint = true;    /* as a field's cycle (eval_force_field): never shared */
        Diag *d = eval_err(e, "E0303", src, at, "`%s` refers to itself", b->name);
        diag_label(e->d, d, "used here while `%s` is being evaluated", b->name);
        diag_secondary(e->d, d, b->src, b->decl->name_span, "`%s` defined here", b->name);
        diag_help(e->d, d, "break the cycle: one of the values must not depend on the other");
        diag_emit(e->d, d);
        return value_error();
    }
    b->state = 1;
    bool outer = e->taint;
    e->taint = false;
    Value *v = expr_eval(e, b->scope, b->expr, types_simple(TY_ANY));
    b->taint = e->taint;
    e->taint = outer || b->taint;
    b->val = v;
    b->state = 2;
    return v;
}

/* Every name a bare identifier could have meant here, for did-you-mean. */
static int ident_candidates(Eval *e, Scope *sc, const Type *want, const char **out, int max)
{
    int n = 0;
    for (Scope *s = sc; s; s = s->up)
        for (Binding *b = s->binds; b && n < max; b = b->next)
            out[n++] = b->name;
    n = eval_names(&e->lets, out, n, max);
    n = eval_names(&e->m->accounts, out, n, max);
    if (want->kind == TY_ENUM)
        for (int i = 0; i < want->en->nmembers && n < max; i++)
            out[n++] = want->en->members[i];
    return n;
}

static Value *unknown_ident(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    /* room for every candidate: a cut taken in a table's (run-dependent)
       order would make the suggestion vary from run to run */
    size_t max = e->lets.count + e->m->accounts.count + 1;
    for (Scope *s = sc; s; s = s->up)
        for (Binding *b = s->binds; b; b = b->next)
            max++;
    if (want->kind == TY_ENUM)
        max += (size_t)want->en->nmembers;
    const char **cands = xmalloc(max * sizeof *cands);
    int nc = ident_candidates(e, sc, want, cands, max > INT_MAX ? INT_MAX : (int)max);
    Diag *d;
    if (want->kind == TY_ENUM) {
        d = eval_err(e, "E0405", eval_src(sc), n->span, "`%s` is not a member of enum `%s`", n->name,
                want->en->name);
        diag_label(e->d, d, "expected one of the members of `%s`", want->en->name);
        const char *list = "";
        for (int i = 0; i < want->en->nmembers && i < 16; i++)
            list = arena_printf(e->a, "%s%s`%s`", list, i ? ", " : "", want->en->members[i]);
        diag_note(e->d, d, "`%s` is one of %s%s", want->en->name, list,
                  want->en->nmembers > 16 ? ", ..." : "");
    } else {
        d = eval_err(e, "E0301", eval_src(sc), n->span, "unknown name `%s`", n->name);
        diag_label(e->d, d, "not defined in this scope");
    }
    eval_suggest(e, d, n->name, cands, nc);
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
    v = value_new(e->a, k, n, eval_src(sc));
    v->ref = o;
    v->unit = kind;
    table_put(&e->cache, n, v);
    return v;
}

static Value *ref_value(Eval *e, Scope *sc, const Node *n, Object *o)
{
    return cached_ref(e, sc, n, VAL_REF, o, NULL);
}

/* A block of kind want->ref_kind named name in the account of the block
 * being evaluated: inside a template, `starts_on = [ingress]` names the
 * expanded account's own bucket, which has no path the template could
 * write. Tried last, so it never changes what a name meant before. */
static Object *sibling(const Eval *e, const Type *want, const char *name)
{
    if (want->kind != TY_REF || !e->self || !e->self->account)
        return NULL;
    const Object *acc = e->self->account;
    for (int i = 0; i < acc->nchildren; i++) {
        Object *c = acc->children[i];
        if (c->name == name && strcmp(c->kind, want->ref_kind) == 0)
            return c;
    }
    return NULL;
}

static Value *ident(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    if (want->kind == TY_ENUM && schema_enum_has(want->en, n->name)) {
        Value *v = table_get(&e->cache, n);
        if (v && v->kind == VAL_SYM)
            return v;
        v = value_new(e->a, VAL_SYM, n, eval_src(sc));
        v->u.str = n->name;
        table_put(&e->cache, n, v);
        return v;
    }
    if (want->kind == TY_ACCOUNTS && n->name == e->k_all) {
        Value *v = value_new(e->a, VAL_SYM, n, eval_src(sc));
        v->u.str = n->name;
        return v;
    }
    for (Scope *s = sc; s; s = s->up) {
        for (Binding *b = s->binds; b; b = b->next) {
            if (b->name != n->name)
                continue;
            if (b->kind == B_LATE) {
                e->taint = true;    /* per account, in every evaluation */
                return e->late_account ? ref_value(e, sc, n, e->late_account) : value_late();
            }
            if (b->kind == B_LET)
                return expr_force_binding(e, b, eval_src(sc), n->span);
            e->taint |= b->taint;
            return b->val;
        }
    }
    Binding *g = table_get(&e->lets, n->name);
    if (g) {
        if (!eval_visible(e, sc->file, g->file))
            eval_not_visible(e, eval_src(sc), n->span, n->name, sc->file, g->file);
        return expr_force_binding(e, g, eval_src(sc), n->span);
    }
    if (n->name == e->k_env)
        return eval_env_value(e, sc, n);
    Object *acc = table_get(&e->m->accounts, n->name);
    if (acc) {
        if (!eval_visible(e, sc->file, acc->site))
            eval_not_visible(e, eval_src(sc), n->span, n->name, sc->file, acc->site);
        return ref_value(e, sc, n, acc);
    }
    if (want->kind == TY_NAME)
        return value_str(e->a, n->name, n, eval_src(sc));
    Object *sib = sibling(e, want, n->name);
    if (sib)
        return ref_value(e, sc, n, sib);
    return unknown_ident(e, sc, n, want);
}

/* `obj.name`: a field, a singleton child block, or the blocks of a kind. */
static Value *get_member(Eval *e, Scope *sc, const Node *n, Object *o)
{
    const FieldDecl *fd = schema_field(o->schema, n->name);
    if (fd)
        return eval_force_field(e, o, fd, eval_src(sc), n->name_span);
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
    Diag *d = eval_err(e, "E0306", eval_src(sc), n->name_span, "`%s` has no field or block kind `%s`",
                  o->path, n->name);
    diag_label(e->d, d, "not a field of `%s`", o->kind);
    eval_suggest(e, d, n->name, cands, nc);
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
    Diag *d = eval_err(e, "E0301", eval_src(sc), n->name_span, "no `%s` named `%s` in `%s`", kind,
                  n->name, o->path);
    diag_label(e->d, d, "unknown %s", kind);
    eval_suggest(e, d, n->name, cands, nc);
    diag_emit(e->d, d);
    return value_error();
}

/* Whether name, looked up from sc as ident() does, is the late-bound
 * `account` of platform.state. */
static bool names_late(const Scope *sc, const char *name)
{
    for (const Scope *s = sc; s; s = s->up)
        for (const Binding *b = s->binds; b; b = b->next)
            if (b->name == name)
                return b->kind == B_LATE;
    return false;
}

static Value *get(Eval *e, Scope *sc, const Node *n)
{
    /* `account.id` in platform.state, evaluated once an account per
       evaluation: the account's field, without a reference made for each
       (30,000 at 10,000 LAs, each kept to the end) */
    if (e->late_account && n->a->kind == NODE_IDENT && e->expr_depth < EVAL_MAX_EXPR &&
        names_late(sc, n->a->name)) {
        e->taint = true;    /* as ident(): per account, in every evaluation */
        return get_member(e, sc, n, e->late_account);
    }
    Value *base = expr_eval(e, sc, n->a, types_simple(TY_ANY));
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
        Diag *d = eval_err(e, "E0306", eval_src(sc), n->name_span, "the record has no key `%s`", n->name);
        eval_suggest(e, d, n->name, base->keys, (int)base->n);
        diag_emit(e->d, d);
        return value_error();
    }
    Diag *d = eval_err(e, "E0401", eval_src(sc), n->name_span, "`.%s` on %s, which has no fields",
                  n->name, value_describe(e->a, base));
    diag_emit(e->d, d);
    return value_error();
}

static Value *quantity(Eval *e, Scope *sc, const Node *n)
{
    const Unit *u = value_unit(n->name);
    if (u)
        return value_num(e->a, n->v.num * u->factor, u->dim, u->name, n, eval_src(sc));
    Diag *d = eval_err(e, "E0403", eval_src(sc), n->name_span, "unknown unit `%s`", n->name);
    diag_label(e->d, d, "not a unit");
    const char *alias = value_unit_alias(n->name);
    if (alias)
        diag_help(e->d, d, "did you mean `%s`? (memory is in binary units: 1 GiB = 1024 MiB)", alias);
    else {
        const char *const *names = value_unit_names();
        int nn = 0;
        while (names[nn])
            nn++;
        eval_suggest(e, d, n->name, names, nn);
    }
    diag_note(e->d, d, "units are vcpu, cpu, MiB, GiB, TiB, acu, ms, s, m, h, d and %%");
    diag_emit(e->d, d);
    return value_error();
}

/* A string built from parts at n: its size is known (and checked against
 * the string budgets) before one allocation and one copy of each part, so
 * building is linear however many parts there are. */
static Value *build_string(Eval *e, Scope *sc, const Node *n, const char *const *parts,
                           const size_t *lens, size_t np)
{
    size_t total;
    if (!value_join_size(lens, np, &total)) {
        eval_spend_string(e, SIZE_MAX, eval_src(sc), n->span);
        return value_error();
    }
    if (!eval_spend_string(e, total, eval_src(sc), n->span))
        return value_error();
    return value_str(e->a, value_join(e->a, parts, lens, np, total), n, eval_src(sc));
}

/* "a-${x}-b": each part rendered as text, then joined once. The part
 * arrays are scratch, on the stack for the usual few parts: in the arena
 * they were 2.6 MB at 10,000 LAs, kept to the end. */
static Value *interp(Eval *e, Scope *sc, const Node *n)
{
    enum { FEW_PARTS = 16 };
    const char *few_parts[FEW_PARTS];
    size_t few_lens[FEW_PARTS];
    size_t np = (size_t)ast_count(n->a), i = 0;
    const char **parts = few_parts;
    size_t *lens = few_lens;
    if (np > FEW_PARTS) {
        parts = arena_alloc(e->a, np * sizeof *parts);
        lens = arena_alloc(e->a, np * sizeof *lens);
    }
    for (const Node *p = n->a; p; p = p->next, i++) {
        if (p->kind == NODE_STR) {
            parts[i] = p->v.str;
            lens[i] = strlen(p->v.str);
            continue;
        }
        Value *v = expr_eval(e, sc, p, types_simple(TY_ANY));
        if (v->kind == VAL_ERROR)
            return v;
        if (v->kind == VAL_LIST || v->kind == VAL_MAP || v->kind == VAL_RANGE ||
            v->kind == VAL_NULL || v->kind == VAL_CALL || v->kind == VAL_KINDSEL) {
            Diag *d = eval_err(e, "E0401", eval_src(sc), p->span, "cannot put %s into a string",
                          value_describe(e->a, v));
            diag_label(e->d, d, "interpolated here");
            diag_emit(e->d, d);
            return value_error();
        }
        parts[i] = value_text(e->a, v);
        lens[i] = strlen(parts[i]);
    }
    return build_string(e, sc, n, parts, lens, i);
}

/* A list, record or range is one deeper than its deepest item; past
 * EVAL_MAX_VALUE_DEPTH it is E0304 (a literal cannot nest that deep, §2.8,
 * but lets that wrap each other can). */
static Value *nested(Eval *e, Scope *sc, const Node *n, Value *v)
{
    unsigned depth = 0;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i] && v->items[i]->depth > depth)
            depth = v->items[i]->depth;
    if (depth + 1 > EVAL_MAX_VALUE_DEPTH) {
        /* one mistake, one error: every value built on it is as deep */
        if (e->too_nested)
            return value_error();
        e->too_nested = true;
        Diag *d = eval_err(e, "E0304", eval_src(sc), n->span, "value nested too deeply");
        diag_label(e->d, d, "lists and records more than %d deep inside each other",
                    EVAL_MAX_VALUE_DEPTH);
        diag_help(e->d, d, "flatten the value");
        diag_emit(e->d, d);
        return value_error();
    }
    v->depth = (uint8_t)(depth + 1);
    return v;
}

/* The list made at n before, if it holds the same count items (values
 * are immutable, so the same items make the same list). */
static Value *same_list(Eval *e, Scope *sc, const Node *n, Value *const *items, uint32_t count)
{
    Value *v = table_get(&e->cache, n);
    if (!v || v->kind != VAL_LIST || v->n != count || v->src != eval_src(sc))
        return NULL;
    for (uint32_t i = 0; i < count; i++)
        if (v->items[i] != items[i])
            return NULL;
    return v;
}

/* `readers = [org]` in a template: each expansion evaluates the same
 * (cached) reference, so a short list whose items are the ones made last
 * time at n is that list. The items are gathered on the stack first. */
static Value *list(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    enum { FEW = 8 };
    const Type *elem = want->kind == TY_LIST ? want->elem : types_simple(TY_ANY);
    uint32_t count = (uint32_t)ast_count(n->a), i = 0;
    Value *few[FEW];
    Value **items = count <= FEW ? few : arena_alloc(e->a, count * sizeof *items);
    for (const Node *x = n->a; x; x = x->next)
        items[i++] = expr_eval(e, sc, x, elem);
    Value *v = count <= FEW ? same_list(e, sc, n, items, count) : NULL;
    if (v)
        return v;
    v = value_new(e->a, VAL_LIST, n, eval_src(sc));
    v->n = count;
    v->items = items;
    if (items == few) {
        v->items = arena_alloc(e->a, (count ? count : 1) * sizeof *v->items);
        memcpy(v->items, few, count * sizeof *few);
    }
    v = nested(e, sc, n, v);
    if (v->kind == VAL_LIST && count <= FEW)
        table_put(&e->cache, n, v);
    return v;
}

static Value *record(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    const Type *elem = want->kind == TY_MAP ? want->elem : types_simple(TY_ANY);
    Value *v = value_new(e->a, VAL_MAP, n, eval_src(sc));
    uint32_t cap = (uint32_t)ast_count(n->a);
    v->items = arena_alloc(e->a, (cap ? cap : 1) * sizeof *v->items);
    v->keys = arena_alloc(e->a, (cap ? cap : 1) * sizeof *v->keys);
    for (const Node *x = n->a; x; x = x->next) {
        uint32_t j = 0;
        while (j < v->n && v->keys[j] != x->name)
            j++;
        if (j < v->n) {
            Diag *d = eval_err(e, "E0302", eval_src(sc), x->name_span, "duplicate key `%s`", x->name);
            diag_label(e->d, d, "set again here");
            diag_emit(e->d, d);
            continue;
        }
        v->keys[v->n] = x->name;
        v->items[v->n++] = expr_eval(e, sc, x->b, elem);
    }
    return nested(e, sc, n, v);
}

static Value *range(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    const Type *elem = want->kind == TY_RANGE ? want->elem : types_simple(TY_ANY);
    Value *lo = expr_eval(e, sc, n->a, elem), *hi = expr_eval(e, sc, n->b, elem);
    if (lo->kind == VAL_ERROR)
        return lo;
    if (hi->kind == VAL_ERROR)
        return hi;
    /* `scale = 0..1` in a template: every expansion evaluates the same two
       (cached) literals, so the range made last time at n is this one */
    Value *v = table_get(&e->cache, n);
    if (v && v->kind == VAL_RANGE && v->items[0] == lo && v->items[1] == hi &&
        v->src == eval_src(sc))
        return v;
    v = value_new(e->a, VAL_RANGE, n, eval_src(sc));
    v->n = 2;
    v->items = arena_alloc(e->a, 2 * sizeof *v->items);
    v->items[0] = lo;
    v->items[1] = hi;
    v = nested(e, sc, n, v);
    if (v->kind == VAL_RANGE)
        table_put(&e->cache, n, v);
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
            Diag *d = eval_err(e, "E0401", eval_src(sc), n->span, "`%s` takes %d argument%s, not %d",
                          name, fns[i].nargs, fns[i].nargs == 1 ? "" : "s", na);
            diag_help(e->d, d, "write `%s`", fns[i].usage);
            diag_emit(e->d, d);
            return value_error();
        }
        Value *a = NULL;
        if (na) {
            const Type *t = types_simple(fns[i].arg);
            a = expr_eval(e, sc, n->b->a, t);
            a = types_check(e->a, e->d, eval_src(sc), n->b->span, a, t);
            if (a->kind == VAL_ERROR)
                return a;
        }
        /* `access = vpn(core.vpn)` in a template: the same argument makes
           the same call, as made at n last time */
        Value *v = table_get(&e->cache, n);
        if (v && v->kind == VAL_CALL && v->src == eval_src(sc) && (na ? v->items[0] == a : !v->n))
            return v;
        v = value_new(e->a, VAL_CALL, n, eval_src(sc));
        v->u.str = callee->name;
        v->n = (uint32_t)na;
        v->items = arena_alloc(e->a, (size_t)(na ? na : 1) * sizeof *v->items);
        v->items[0] = a;
        table_put(&e->cache, n, v);
        return v;
    }
    const char *cands[] = {"vpn", "private", "public", "secret", "ssm"};
    Diag *d = eval_err(e, "E0301", eval_src(sc), callee ? callee->span : n->span, "unknown function `%s`",
                  name ? name : "?");
    diag_label(e->d, d, "not a function");
    if (name)
        eval_suggest(e, d, name, cands, 5);
    diag_note(e->d, d, "the functions are vpn(cidr), private(), public(), secret(name), ssm(path)");
    diag_emit(e->d, d);
    return value_error();
}

static Value *arith_error(Eval *e, Scope *sc, const Node *n, const char *msg, const Value *a,
                          const Value *b)
{
    Diag *d = eval_err(e, "E0407", eval_src(sc), n->span, "%s", msg);
    diag_label(e->d, d, "%s and %s", value_describe(e->a, a), b ? value_describe(e->a, b) : "");
    diag_emit(e->d, d);
    return value_error();
}

static Value *num_result(Eval *e, Scope *sc, const Node *n, double x, Dim dim, const char *unit)
{
    return value_num(e->a, x, dim, unit, n, eval_src(sc));
}

static Value *boolean(Eval *e, Scope *sc, const Node *n, bool b)
{
    Value *v = value_new(e->a, VAL_BOOL, n, eval_src(sc));
    v->u.b = b;
    return v;
}

static Value *arith(Eval *e, Scope *sc, const Node *n, Value *a, Value *b)
{
    BinOp op = (BinOp)n->op;
    if (op == OP_ADD && a->kind == VAL_STR && b->kind == VAL_STR) {
        const char *parts[2] = {a->u.str, b->u.str};
        size_t lens[2] = {strlen(a->u.str), strlen(b->u.str)};
        return build_string(e, sc, n, parts, lens, 2);
    }
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
    Value *a = expr_eval(e, sc, n->a, any);
    if (a->kind == VAL_ERROR)
        return a;
    if ((op == OP_AND || op == OP_OR) && a->kind == VAL_BOOL && a->u.b == (op == OP_OR))
        return a;
    Value *b = expr_eval(e, sc, n->b, any);
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
    Value *a = expr_eval(e, sc, n->a, types_simple(TY_ANY));
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
    Value *a = expr_eval(e, sc, n->a, any), *i = expr_eval(e, sc, n->b, any);
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
        Diag *d = eval_err(e, "E0306", eval_src(sc), n->b->span, "the record has no key \"%s\"", i->u.str);
        diag_emit(e->d, d);
        return value_error();
    }
    return arith_error(e, sc, n, "cannot index this", a, i);
}

static Value *eval_node(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    Source *src = eval_src(sc);
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

Value *expr_eval(Eval *e, Scope *sc, const Node *n, const Type *want)
{
    if (!n)
        return value_error();
    if (is_literal(n)) {
        /* written in a file's own scope (a global let, a top-level block
           or `use`), a literal is evaluated once: caching it would only
           grow the table, by 40,000 entries for the list of LAs at 10,000 */
        if (sc == e->file_scope[sc->file->src->id])
            return eval_node(e, sc, n, want);
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

/* Whether name is bound anywhere up sc's chain. */
static bool bound(const Scope *sc, const char *name)
{
    for (const Scope *s = sc; s; s = s->up)
        for (const Binding *b = s->binds; b; b = b->next)
            if (b->name == name)
                return true;
    return false;
}

bool expr_constant(const Scope *sc, const Node *n, const Type *want)
{
    if (!n)
        return false;
    if (is_literal(n))
        return true;
    if (n->kind == NODE_RANGE)
        return n->a && n->b && is_literal(n->a) && is_literal(n->b);
    /* ident() takes a member of the enum before any binding, but a bound
       name would make provenance point at the binding's argument */
    return n->kind == NODE_IDENT && want->kind == TY_ENUM && schema_enum_has(want->en, n->name) &&
           !bound(sc, n->name);
}

/* Evaluates and checks against a type, blaming n when the value has no
 * span of its own. */
Value *expr_typed(Eval *e, Scope *sc, const Node *n, const Type *t)
{
    Value *v = expr_eval(e, sc, n, t);
    return types_check(e->a, e->d, eval_src(sc), n ? n->span : (Span){0, 0}, v, t);
}
