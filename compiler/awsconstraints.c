/* awsconstraints.c — AWS parameter constraints as data (see awsconstraints.h):
 * a small regular-expression matcher, the loader of constraints.json, and
 * the checks the rule passes call. */
#include "awsconstraints.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- the matcher: parse to a tree, compile to a Thompson NFA -------------- */

enum { RE_MAX_NODES = 512, RE_MAX_PROG = 1024 };

typedef enum RnKind { RN_EMPTY, RN_CLASS, RN_CAT, RN_ALT, RN_REP } RnKind;

/* A node of the parsed expression; children are indices into the array. */
typedef struct Rn {
    RnKind kind;
    int a, b;                   /* CAT, ALT: both; REP: a */
    int min, max;               /* REP: counts; max -1 = unbounded */
    uint8_t cls[32];            /* CLASS: the bytes it matches, a bit each */
} Rn;

typedef struct ReParse {
    const char *p;              /* the expression, NUL-terminated */
    size_t at;                  /* next byte */
    Rn *nodes;                  /* RE_MAX_NODES of them */
    int n;
    const char *err;            /* first error, or NULL */
} ReParse;

typedef enum ReOp { OP_CLASS, OP_SPLIT, OP_JMP, OP_MATCH } ReOp;

typedef struct ReInst {
    ReOp op;
    int x, y;                   /* JMP: x; SPLIT: x and y */
    uint8_t cls[32];            /* CLASS */
} ReInst;

/* A lazily built DFA over the program: each state is a set of program
 * counters; a transition is computed the first time a byte is read in a
 * state, so matching costs one table lookup a byte once the names of a
 * platform have been seen (the NFA alone costs ~100 instructions a byte). */
enum { DFA_MAX_STATES = 64, DFA_UNKNOWN = -1, DFA_DEAD = -2, DFA_LAST = 128 };

typedef struct Dfa {
    int nstates;
    int start[DFA_MAX_STATES + 1];      /* state s's pcs: pcs[start[s] .. start[s+1]) */
    int *pcs;                           /* malloc'd, grows */
    int pcs_cap;
    bool accept[DFA_MAX_STATES];        /* the set holds OP_MATCH */
    int16_t next[DFA_MAX_STATES][256];  /* DFA_UNKNOWN, DFA_DEAD or a state */
    /* The names matched one after another share most of their bytes (an
     * account's "P-A", a service's "P-A-svc-", an account number's first
     * digits): the last name's first bytes and the state after each, so
     * that the next name is read from where the two part. */
    size_t nlast;                       /* last[0, nlast) and state_at[0 .. nlast] hold */
    char last[DFA_LAST];
    int8_t state_at[DFA_LAST + 1];      /* state_at[i]: after last[0, i) */
} Dfa;

struct AwscRe {
    ReInst *prog;               /* malloc'd */
    int n;
    Dfa *dfa;                   /* malloc'd on first match; NULL after it overflowed */
    bool dfa_failed;            /* too many states: match with the NFA */
};

static int re_node(ReParse *r, RnKind k, int a, int b)
{
    if (r->n >= RE_MAX_NODES) {
        r->err = r->err ? r->err : "pattern too long";
        return 0;
    }
    Rn *x = &r->nodes[r->n];
    memset(x, 0, sizeof *x);
    x->kind = k;
    x->a = a;
    x->b = b;
    return r->n++;
}

static void cls_set(uint8_t *cls, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        cls[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int re_alt(ReParse *r);

/* class = "[" [ "^" ] item { item } "]" ; item = char [ "-" char ] */
static int re_class(ReParse *r)
{
    int k = re_node(r, RN_CLASS, 0, 0);
    uint8_t *cls = r->nodes[k].cls;
    bool neg = r->p[r->at] == '^';
    r->at += neg;
    bool first = true;
    while (r->p[r->at] && (r->p[r->at] != ']' || first)) {
        unsigned lo = (unsigned char)r->p[r->at++];
        if (lo == '[' && (r->p[r->at] == ':' || r->p[r->at] == '=' || r->p[r->at] == '.'))
            r->err = "character class names are not supported";
        unsigned hi = lo;
        if (r->p[r->at] == '-' && r->p[r->at + 1] && r->p[r->at + 1] != ']') {
            hi = (unsigned char)r->p[r->at + 1];
            r->at += 2;
            if (hi < lo)
                r->err = "inverted range in a bracket expression";
        }
        if (hi >= lo)
            cls_set(cls, lo, hi);
        first = false;
    }
    if (r->p[r->at] != ']') {
        r->err = "unterminated bracket expression";
        return k;
    }
    r->at++;
    if (neg)
        for (int i = 0; i < 32; i++)
            cls[i] = (uint8_t)~cls[i];
    cls[0] &= (uint8_t)~1u;     /* never NUL */
    return k;
}

/* atom = "(" alt ")" | class | "." | "\" char | char */
static int re_atom(ReParse *r)
{
    unsigned char c = (unsigned char)r->p[r->at];
    if (c == '(') {
        r->at++;
        int k = re_alt(r);
        if (r->p[r->at] != ')')
            r->err = r->err ? r->err : "unclosed group";
        else
            r->at++;
        return k;
    }
    if (c == '[') {
        r->at++;
        return re_class(r);
    }
    if (strchr("*+?{})|^$", c)) {
        r->err = r->err ? r->err : "unsupported or misplaced operator";
        r->at++;
        return re_node(r, RN_EMPTY, 0, 0);
    }
    int k = re_node(r, RN_CLASS, 0, 0);
    r->at++;
    if (c == '.')
        cls_set(r->nodes[k].cls, 1, 255);
    else {
        if (c == '\\') {
            c = (unsigned char)r->p[r->at];
            if (!c) {
                r->err = "trailing backslash";
                return k;
            }
            r->at++;
        }
        cls_set(r->nodes[k].cls, c, c);
    }
    return k;
}

static bool re_count(ReParse *r, int *out)
{
    if (r->p[r->at] < '0' || r->p[r->at] > '9')
        return false;
    long v = 0;
    while (r->p[r->at] >= '0' && r->p[r->at] <= '9' && v < 1000)
        v = v * 10 + (r->p[r->at++] - '0');
    *out = (int)v;
    return v < 1000;
}

/* repeat = atom { "*" | "+" | "?" | "{" n [ "," [ m ] ] "}" } */
static int re_repeat(ReParse *r)
{
    int k = re_atom(r);
    for (;;) {
        char c = r->p[r->at];
        int min, max;
        if (c == '*' || c == '+' || c == '?') {
            r->at++;
            min = c == '+';
            max = c == '?' ? 1 : -1;
        } else if (c == '{') {
            r->at++;
            if (!re_count(r, &min)) {
                r->err = "bad repetition count";
                return k;
            }
            max = min;
            if (r->p[r->at] == ',') {
                r->at++;
                max = -1;
                if (r->p[r->at] != '}' && !re_count(r, &max)) {
                    r->err = "bad repetition count";
                    return k;
                }
            }
            if (r->p[r->at] != '}' || (max >= 0 && max < min)) {
                r->err = "bad repetition count";
                return k;
            }
            r->at++;
        } else {
            return k;
        }
        k = re_node(r, RN_REP, k, 0);
        r->nodes[k].min = min;
        r->nodes[k].max = max;
    }
}

/* seq = { repeat } */
static int re_seq(ReParse *r)
{
    int k = -1;
    while (r->p[r->at] && r->p[r->at] != '|' && r->p[r->at] != ')' && !r->err) {
        int x = re_repeat(r);
        k = k < 0 ? x : re_node(r, RN_CAT, k, x);
    }
    return k < 0 ? re_node(r, RN_EMPTY, 0, 0) : k;
}

/* alt = seq { "|" seq } */
static int re_alt(ReParse *r)
{
    int k = re_seq(r);
    while (r->p[r->at] == '|' && !r->err) {
        r->at++;
        k = re_node(r, RN_ALT, k, re_seq(r));
    }
    return k;
}

typedef struct ReGen {
    const Rn *nodes;
    ReInst *prog;               /* RE_MAX_PROG of them */
    int n;
    bool overflow;
} ReGen;

static int re_emit(ReGen *g, ReOp op)
{
    if (g->n >= RE_MAX_PROG) {
        g->overflow = true;
        return RE_MAX_PROG - 1;
    }
    memset(&g->prog[g->n], 0, sizeof g->prog[g->n]);
    g->prog[g->n].op = op;
    return g->n++;
}

static void re_gen(ReGen *g, int k);

/* e? as SPLIT L1 L2; L1: e; L2: */
static void re_gen_opt(ReGen *g, int k)
{
    int s = re_emit(g, OP_SPLIT);
    g->prog[s].x = g->n;
    re_gen(g, k);
    g->prog[s].y = g->n;
}

/* e* as L1: SPLIT L2 L3; L2: e; JMP L1; L3: */
static void re_gen_star(ReGen *g, int k)
{
    int s = re_emit(g, OP_SPLIT);
    g->prog[s].x = g->n;
    re_gen(g, k);
    int j = re_emit(g, OP_JMP);
    g->prog[j].x = s;
    g->prog[s].y = g->n;
}

static void re_gen(ReGen *g, int k)
{
    const Rn *x = &g->nodes[k];
    switch (x->kind) {
    case RN_EMPTY:
        break;
    case RN_CLASS:
        memcpy(g->prog[re_emit(g, OP_CLASS)].cls, x->cls, sizeof x->cls);
        break;
    case RN_CAT:
        re_gen(g, x->a);
        re_gen(g, x->b);
        break;
    case RN_ALT: {
        int s = re_emit(g, OP_SPLIT);
        g->prog[s].x = g->n;
        re_gen(g, x->a);
        int j = re_emit(g, OP_JMP);
        g->prog[s].y = g->n;
        re_gen(g, x->b);
        g->prog[j].x = g->n;
        break;
    }
    case RN_REP:
        for (int i = 0; i < x->min && !g->overflow; i++)
            re_gen(g, x->a);
        if (x->max < 0)
            re_gen_star(g, x->a);
        for (int i = x->min; x->max >= 0 && i < x->max && !g->overflow; i++)
            re_gen_opt(g, x->a);
        break;
    }
}

static void set_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    if (!err || !cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

AwscRe *awsc_re_compile(const char *ere, char *err, size_t errcap)
{
    Rn *nodes = malloc(RE_MAX_NODES * sizeof *nodes);
    ReInst *prog = malloc(RE_MAX_PROG * sizeof *prog);
    AwscRe *re = malloc(sizeof *re);
    if (!nodes || !prog || !re) {
        set_err(err, errcap, "out of memory");
        goto fail;
    }
    ReParse r = {ere, 0, nodes, 0, NULL};
    int root = re_alt(&r);
    if (!r.err && r.p[r.at])
        r.err = "unbalanced `)`";
    if (r.err) {
        set_err(err, errcap, "pattern `%s`: %s at byte %zu", ere, r.err, r.at);
        goto fail;
    }
    ReGen g = {nodes, prog, 0, false};
    re_gen(&g, root);
    re_emit(&g, OP_MATCH);
    if (g.overflow) {
        set_err(err, errcap, "pattern `%s`: too large", ere);
        goto fail;
    }
    free(nodes);
    re->prog = prog;
    re->n = g.n;
    re->dfa = NULL;
    re->dfa_failed = false;
    return re;
fail:
    free(nodes);
    free(prog);
    free(re);
    return NULL;
}

void awsc_re_free(AwscRe *re)
{
    if (re) {
        free(re->prog);
        if (re->dfa)
            free(re->dfa->pcs);
        free(re->dfa);
    }
    free(re);
}

/* Adds pc and what it reaches without reading a byte to list (once per step). */
static void re_add(const AwscRe *re, int *list, int *n, uint32_t *mark, uint32_t gen, int pc)
{
    int stack[RE_MAX_PROG];
    int sp = 0;
    stack[sp++] = pc;
    while (sp > 0) {
        int i = stack[--sp];
        if (mark[i] == gen)
            continue;
        mark[i] = gen;
        const ReInst *in = &re->prog[i];
        if (in->op == OP_JMP)
            stack[sp++] = in->x;
        else if (in->op == OP_SPLIT) {
            stack[sp++] = in->y;
            stack[sp++] = in->x;
        } else
            list[(*n)++] = i;
    }
}

/* -1 when s matches as a whole; else the offset of the first byte no
 * prefix of a match can continue with (len when s stops too early). */
static long re_fail_at(const AwscRe *re, const char *s, size_t len)
{
    int a[RE_MAX_PROG], b[RE_MAX_PROG];
    uint32_t mark[RE_MAX_PROG];
    memset(mark, 0, (size_t)re->n * sizeof *mark);
    int *cur = a, *next = b, nc = 0, nn;
    uint32_t gen = 1;
    re_add(re, cur, &nc, mark, gen, 0);
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        nn = 0;
        gen++;
        for (int k = 0; k < nc; k++) {
            const ReInst *in = &re->prog[cur[k]];
            if (in->op == OP_CLASS && (in->cls[c >> 3] & (1u << (c & 7))))
                re_add(re, next, &nn, mark, gen, cur[k] + 1);
        }
        if (nn == 0)
            return (long)i;
        int *t = cur;
        cur = next;
        next = t;
        nc = nn;
    }
    for (int k = 0; k < nc; k++)
        if (re->prog[cur[k]].op == OP_MATCH)
            return -1;
    return (long)len;
}

static void sort_ints(int *a, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
            int t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/* The DFA state holding exactly set[0..n) (sorted), added if new; -1 when
 * the DFA is full. */
static int dfa_state(const AwscRe *re, Dfa *d, const int *set, int n)
{
    for (int s = 0; s < d->nstates; s++)
        if (d->start[s + 1] - d->start[s] == n &&
            memcmp(d->pcs + d->start[s], set, (size_t)n * sizeof *set) == 0)
            return s;
    if (d->nstates == DFA_MAX_STATES)
        return -1;
    int s = d->nstates, at = d->start[s];
    if (at + n > d->pcs_cap) {
        int cap = 2 * (at + n) + 16;
        int *np = realloc(d->pcs, (size_t)cap * sizeof *np);
        if (!np)
            return -1;
        d->pcs = np;
        d->pcs_cap = cap;
    }
    memcpy(d->pcs + at, set, (size_t)n * sizeof *set);
    d->start[s + 1] = at + n;
    d->accept[s] = false;
    for (int i = 0; i < n; i++)
        d->accept[s] |= re->prog[set[i]].op == OP_MATCH;
    memset(d->next[s], 0xff, sizeof d->next[s]);    /* DFA_UNKNOWN */
    d->nstates++;
    return s;
}

/* The state after reading c in state s: DFA_DEAD, or -1 when full. */
static int dfa_step(const AwscRe *re, Dfa *d, int s, unsigned c)
{
    int set[RE_MAX_PROG], n = 0;
    uint32_t mark[RE_MAX_PROG];
    memset(mark, 0, (size_t)re->n * sizeof *mark);
    for (int i = d->start[s]; i < d->start[s + 1]; i++) {
        const ReInst *in = &re->prog[d->pcs[i]];
        if (in->op == OP_CLASS && (in->cls[c >> 3] & (1u << (c & 7))))
            re_add(re, set, &n, mark, 1, d->pcs[i] + 1);
    }
    int t = n == 0 ? DFA_DEAD : (sort_ints(set, n), dfa_state(re, d, set, n));
    if (t != -1)
        d->next[s][c] = (int16_t)t;
    return t;
}

/* re_fail_at through the DFA; -2 when the DFA cannot hold the expression. */
static long dfa_fail_at(AwscRe *re, const char *s, size_t len)
{
    Dfa *d = re->dfa;
    if (!d) {
        int set[RE_MAX_PROG], n = 0;
        uint32_t mark[RE_MAX_PROG];
        if (!(d = re->dfa = calloc(1, sizeof *d)))
            return -2;
        memset(mark, 0, (size_t)re->n * sizeof *mark);
        re_add(re, set, &n, mark, 1, 0);
        sort_ints(set, n);
        if (dfa_state(re, d, set, n) != 0)
            return -2;
    }
    /* where s parts from the last name: 8 bytes a step, then bytes */
    size_t i = 0, keep = d->nlast < len ? d->nlast : len;
    for (uint64_t a, b; i + 8 <= keep; i += 8) {
        memcpy(&a, s + i, 8);
        memcpy(&b, d->last + i, 8);
        if (a != b)
            break;
    }
    while (i < keep && s[i] == d->last[i])
        i++;
    /* the hot loop: one load and one test a byte once the DFA has seen the
       platform's names (every derived name of every account comes here),
       and the byte and the state kept for the next name */
    int st = d->state_at[i];
    for (; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        int t = d->next[st][c];
        if (t < 0) {
            if (t == DFA_UNKNOWN)
                t = dfa_step(re, d, st, c);
            if (t < 0) {
                d->nlast = i < DFA_LAST ? i : DFA_LAST;
                return t == DFA_DEAD ? (long)i : -2;
            }
        }
        st = t;
        if (i < DFA_LAST) {
            d->last[i] = (char)c;
            d->state_at[i + 1] = (int8_t)st;
        }
    }
    d->nlast = len < DFA_LAST ? len : DFA_LAST;
    return d->accept[st] ? -1 : (long)len;
}

/* The DFA when it holds the expression, else the NFA. */
static long re_fail(AwscRe *re, const char *s, size_t len)
{
    if (!re->dfa_failed) {
        long r = dfa_fail_at(re, s, len);
        if (r != -2)
            return r;
        re->dfa_failed = true;
    }
    return re_fail_at(re, s, len);
}

bool awsc_re_match(AwscRe *re, const char *s, size_t len)
{
    return re_fail(re, s, len) < 0;
}

/* ---- loading constraints.json ------------------------------------------------ */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void param_release(AwscParam *p)
{
    free(p->name);
    free(p->ere);
    awsc_re_free(p->re);
    for (int i = 0; i < p->nenums; i++)
        free(p->enums[i]);
    free(p->enums);
    free(p->source);
}

static bool num_field(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return false;
    *out = v->valuedouble;
    return true;
}

static int read_enums(AwscParam *p, const cJSON *arr)
{
    int n = cJSON_GetArraySize(arr);
    p->enums = calloc((size_t)(n ? n : 1), sizeof *p->enums);
    if (!p->enums)
        return -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        char num[40];
        if (cJSON_IsNumber(e))
            snprintf(num, sizeof num, "%.15g", e->valuedouble);
        const char *text = cJSON_IsString(e) ? e->valuestring : cJSON_IsNumber(e) ? num : NULL;
        if (!text || !(p->enums[p->nenums] = dup_str(text)))
            return -1;
        p->nenums++;
    }
    return 0;
}

static int read_param(AwscParam *p, const cJSON *o, char *err, size_t errcap)
{
    double v;
    if (!(p->name = dup_str(o->string)))
        return set_err(err, errcap, "out of memory"), -1;
    if ((p->has_min = num_field(o, "min", &v)))
        p->min = (long)v;
    if ((p->has_max = num_field(o, "max", &v)))
        p->max = (long)v;
    p->has_rmin = num_field(o, "range_min", &p->rmin);
    p->has_rmax = num_field(o, "range_max", &p->rmax);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "_source");
    if (cJSON_IsString(s) && !(p->source = dup_str(s->valuestring)))
        return set_err(err, errcap, "out of memory"), -1;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(o, "enum");
    if (cJSON_IsArray(en) && read_enums(p, en) != 0)
        return set_err(err, errcap, "%s: bad enum", p->name), -1;
    const cJSON *ere = cJSON_GetObjectItemCaseSensitive(o, "ere");
    if (cJSON_IsString(ere)) {
        char why[256];
        if (!(p->ere = dup_str(ere->valuestring)))
            return set_err(err, errcap, "out of memory"), -1;
        if (!(p->re = awsc_re_compile(p->ere, why, sizeof why)))
            return set_err(err, errcap, "%s: %s", p->name, why), -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const AwscParam *)a)->name, ((const AwscParam *)b)->name);
}

/* A section of kind -> [parameters] (`names`, `fields`) into *out. */
static int read_rules(AwscNameRule **out, size_t *nout, const cJSON *names)
{
    int n = cJSON_GetArraySize(names);
    *out = calloc((size_t)(n ? n : 1), sizeof **out);
    if (!*out)
        return -1;
    const cJSON *o;
    cJSON_ArrayForEach(o, names) {
        if (!cJSON_IsArray(o))
            continue;
        AwscNameRule *r = &(*out)[(*nout)++];
        int np = cJSON_GetArraySize(o);
        if (!(r->kind = dup_str(o->string)) || !(r->params = calloc((size_t)(np ? np : 1), sizeof *r->params)))
            return -1;
        const cJSON *e;
        cJSON_ArrayForEach(e, o)
            if (cJSON_IsString(e) && !(r->params[r->nparams++] = dup_str(e->valuestring)))
                return -1;
    }
    return 0;
}

int awsc_parse(AwscTable *t, const char *json, size_t len, char *err, size_t errcap)
{
    memset(t, 0, sizeof *t);
    cJSON *root = cJSON_ParseWithLength(json, len);
    int rc = -1;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (!cJSON_IsObject(params)) {
        set_err(err, errcap, "not a constraints file: no `params` object");
        goto out;
    }
    size_t n = (size_t)cJSON_GetArraySize(params);
    t->params = calloc(n ? n : 1, sizeof *t->params);
    if (!t->params) {
        set_err(err, errcap, "out of memory");
        goto out;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, params) {
        if (!cJSON_IsObject(o))
            continue;
        if (read_param(&t->params[t->n++], o, err, errcap) != 0)
            goto out;
    }
    qsort(t->params, t->n, sizeof *t->params, by_name);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(root, "names");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(root, "fields");
    if ((cJSON_IsObject(names) && read_rules(&t->names, &t->nnames, names) != 0) ||
        (cJSON_IsObject(fields) && read_rules(&t->fields, &t->nfields, fields) != 0)) {
        set_err(err, errcap, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc != 0)
        awsc_release(t);
    return rc;
}

/* The whole file at path, NUL-terminated, in *out (malloc'd); 0 or -1. */
static int read_all(const char *path, char **out, size_t *outlen, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return set_err(err, errcap, "%s: %s", path, strerror(errno)), -1;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        return set_err(err, errcap, "%s: cannot read", path), -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

int awsc_load(AwscTable *t, const char *path, char *err, size_t errcap)
{
    memset(t, 0, sizeof *t);
    char *buf;
    size_t len;
    if (read_all(path, &buf, &len, err, errcap) != 0)
        return -1;
    int rc = awsc_parse(t, buf, len, err, errcap);
    free(buf);
    return rc;
}

static void rules_release(AwscNameRule *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++) {
        for (int k = 0; k < r[i].nparams; k++)
            free(r[i].params[k]);
        free(r[i].params);
        free(r[i].kind);
    }
    free(r);
}

void awsc_release(AwscTable *t)
{
    for (size_t i = 0; i < t->n; i++)
        param_release(&t->params[i]);
    free(t->params);
    rules_release(t->names, t->nnames);
    rules_release(t->fields, t->nfields);
    memset(t, 0, sizeof *t);
}

const AwscParam *awsc_find(const AwscTable *t, const char *name)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, t->params[mid].name);
        if (c == 0)
            return &t->params[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const AwscNameRule *name_rule(const AwscTable *t, const char *key)
{
    for (size_t i = 0; i < t->nnames; i++)
        if (strcmp(t->names[i].kind, key) == 0)
            return &t->names[i];
    return NULL;
}

int awsc_name_params(const AwscTable *t, const char *kind, const char *object,
                     const AwscParam **out, int cap)
{
    char key[128];
    snprintf(key, sizeof key, "%s@%s", kind, object);
    const AwscNameRule *r = name_rule(t, key);
    if (!r)
        r = name_rule(t, kind);
    int n = 0;
    for (int i = 0; r && i < r->nparams && n < cap; i++) {
        const AwscParam *p = awsc_find(t, r->params[i]);
        if (p)
            out[n++] = p;
    }
    return n;
}

/* ---- checks ----------------------------------------------------------------- */

static bool fail(RuleMsg *m, size_t off, size_t len, const char *help, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool fail(RuleMsg *m, size_t off, size_t len, const char *help, const char *fmt, ...)
{
    va_list ap;
    m->level = RULE_ERROR;
    m->off = off;
    m->len = len;
    va_start(ap, fmt);
    vsnprintf(m->msg, sizeof m->msg, fmt, ap);
    va_end(ap);
    snprintf(m->help, sizeof m->help, "%s", help ? help : "");
    return false;
}

/* Passing: only the fields a caller reads (clearing the whole RuleMsg is
 * 650 bytes a check, measurable at 10,000 accounts). */
static bool ok(RuleMsg *m)
{
    m->level = RULE_OK;
    m->off = m->len = 0;
    m->msg[0] = m->help[0] = '\0';
    return true;
}

/* Who sets a parameter's rule: AWS, or one of sfdc's modules' validations. */
static const char *rule_owner(const AwscParam *p)
{
    if (strncmp(p->name, "module.", 7) == 0)
        return "sfdc's module";
    return strncmp(p->name, "docker.", 7) == 0 ? "Docker" : "AWS";
}

bool awsc_string(const AwscParam *p, const char *what, const char *s, size_t len, RuleMsg *m)
{
    char help[384];
    /* rule_owner(p) is asked on a failure only: most names pass */
    if (p->has_max && len > (size_t)p->max) {
        snprintf(help, sizeof help, "%s allows at most %ld characters (%s): shorten it by %zu",
                 rule_owner(p), p->max, p->name, len - (size_t)p->max);
        return fail(m, (size_t)p->max, len - (size_t)p->max, help, "%s `%.*s%s` is %zu characters long",
                    what, len > 48 ? 45 : (int)len, s, len > 48 ? "..." : "", len);
    }
    if (p->has_min && len < (size_t)p->min) {
        snprintf(help, sizeof help, "%s needs at least %ld characters (%s)", rule_owner(p), p->min, p->name);
        return fail(m, 0, 0, help, "%s `%.*s` is too short", what, (int)len, s);
    }
    if (p->re) {
        long at = re_fail(p->re, s, len);
        if (at >= 0) {
            snprintf(help, sizeof help, "%s requires names matching `%s` (%s)", rule_owner(p), p->ere, p->name);
            if ((size_t)at >= len)
                return fail(m, len ? len - 1 : 0, len ? 1 : 0, help,
                            "%s `%.*s` cannot end with `%c`", what, (int)len, s, len ? s[len - 1] : ' ');
            if ((unsigned char)s[at] >= 0x80) {     /* the whole UTF-8 sequence */
                size_t n = 1;
                while ((size_t)at + n < len && ((unsigned char)s[at + n] & 0xC0) == 0x80)
                    n++;
                return fail(m, (size_t)at, n, help, "%s `%.*s` cannot have the non-ASCII `%.*s`", what,
                            (int)len, s, (int)n, s + at);
            }
            return fail(m, (size_t)at, 1, help, "%s `%.*s` cannot have `%c` at position %ld", what,
                        (int)len, s, s[at], at + 1);
        }
    }
    for (int i = 0; i < p->nenums; i++)
        if (strlen(p->enums[i]) == len && memcmp(p->enums[i], s, len) == 0)
            return ok(m);
    if (p->nenums > 0) {
        snprintf(help, sizeof help, "AWS accepts %s%s%s (%s)", p->enums[0],
                 p->nenums > 1 ? " ... " : "", p->nenums > 1 ? p->enums[p->nenums - 1] : "", p->name);
        return fail(m, 0, 0, help, "%s `%.*s` is not a value AWS accepts", what, (int)len, s);
    }
    return ok(m);
}

bool awsc_number(const AwscParam *p, const char *what, double v, RuleMsg *m)
{
    char help[384];
    if ((p->has_rmin && v < p->rmin) || (p->has_rmax && v > p->rmax)) {
        snprintf(help, sizeof help, "AWS accepts %.15g to %.15g (%s)", p->has_rmin ? p->rmin : -1e308,
                 p->has_rmax ? p->rmax : 1e308, p->name);
        return fail(m, 0, 0, help, "%s %.15g is out of range", what, v);
    }
    if (p->nenums == 0)
        return ok(m);
    char text[40];
    snprintf(text, sizeof text, "%.15g", v);
    for (int i = 0; i < p->nenums; i++)
        if (strcmp(p->enums[i], text) == 0)
            return ok(m);
    size_t k = 0;
    help[0] = '\0';
    for (int i = 0; i < p->nenums && k < sizeof help - 40; i++)
        k += (size_t)snprintf(help + k, sizeof help - k, "%s%s", i ? ", " : "AWS accepts ", p->enums[i]);
    return fail(m, 0, 0, help, "%s %.15g is not a value AWS accepts", what, v);
}

bool awsc_count(const AwscParam *p, const char *what, size_t n, RuleMsg *m)
{
    char help[384];
    if (p->has_max && n > (size_t)p->max) {
        snprintf(help, sizeof help, "AWS allows at most %ld (%s)", p->max, p->name);
        return fail(m, 0, 0, help, "%zu %s, more than AWS allows", n, what);
    }
    if (p->has_min && n < (size_t)p->min) {
        snprintf(help, sizeof help, "AWS needs at least %ld (%s)", p->min, p->name);
        return fail(m, 0, 0, help, "%zu %s, fewer than AWS needs", n, what);
    }
    return ok(m);
}

/* ---- regions ----------------------------------------------------------------- */

int awsc_regions_parse(AwscRegions *t, const char *json, size_t len, char *err, size_t errcap)
{
    memset(t, 0, sizeof *t);
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *regions = cJSON_GetObjectItemCaseSensitive(root, "regions");
    int rc = -1;
    if (!cJSON_IsObject(regions)) {
        set_err(err, errcap, "not a regions file: no `regions` object");
        goto out;
    }
    int n = cJSON_GetArraySize(regions);
    t->r = calloc((size_t)(n ? n : 1), sizeof *t->r);
    if (!t->r) {
        set_err(err, errcap, "out of memory");
        goto out;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, regions) {
        const cJSON *z = cJSON_GetObjectItemCaseSensitive(o, "zones");
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, "usable");
        AwscRegion *r = &t->r[t->n];
        if (!cJSON_IsString(z) || strlen(o->string) >= sizeof r->name ||
            strlen(z->valuestring) >= sizeof r->zones) {
            set_err(err, errcap, "region `%s`: bad entry", o->string);
            goto out;
        }
        snprintf(r->name, sizeof r->name, "%s", o->string);
        snprintf(r->zones, sizeof r->zones, "%s", z->valuestring);
        r->usable = cJSON_IsNumber(u) ? u->valueint : (int)strlen(r->zones);
        t->n++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc != 0)
        awsc_regions_release(t);
    return rc;
}

int awsc_regions_load(AwscRegions *t, const char *path, char *err, size_t errcap)
{
    memset(t, 0, sizeof *t);
    char *buf;
    size_t len;
    if (read_all(path, &buf, &len, err, errcap) != 0)
        return -1;
    int rc = awsc_regions_parse(t, buf, len, err, errcap);
    free(buf);
    return rc;
}

void awsc_regions_release(AwscRegions *t)
{
    free(t->r);
    memset(t, 0, sizeof *t);
}

const AwscRegion *awsc_region(const AwscRegions *t, const char *name)
{
    for (size_t i = 0; t && name && i < t->n; i++)
        if (strcmp(t->r[i].name, name) == 0)
            return &t->r[i];
    return NULL;
}

/* ---- other data files ----------------------------------------------------------- */

cJSON *awsc_json_load(const char *path, char *err, size_t errcap)
{
    char *buf;
    size_t len;
    if (read_all(path, &buf, &len, err, errcap) != 0)
        return NULL;
    cJSON *root = cJSON_ParseWithLength(buf, len);
    free(buf);
    if (!cJSON_IsObject(root)) {
        set_err(err, errcap, "not a JSON object");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

void awsc_json_free(cJSON *tree)
{
    cJSON_Delete(tree);
}

bool awsc_json_has(const cJSON *arr, const char *s)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
            return true;
    return false;
}

const AwscTable *awsc_shared(const char *path, char *err, size_t errcap)
{
    static AwscTable table;
    static char loaded_from[4096];
    static bool loaded;
    if (loaded && strcmp(loaded_from, path) == 0)
        return &table;
    if (loaded)
        awsc_release(&table);
    loaded = awsc_load(&table, path, err, errcap) == 0;
    snprintf(loaded_from, sizeof loaded_from, "%s", path);
    return loaded ? &table : NULL;
}

const AwscRegions *awsc_regions_shared(const char *stdlib_dir)
{
    /* One table per process, reloaded only if another stdlib is asked for;
     * never freed (it lives as long as the process that names zones). */
    static AwscRegions table;
    static char loaded_from[4096];
    static int state;       /* 0 not loaded, 1 loaded, -1 unreadable */
    const char *dir = stdlib_dir ? stdlib_dir : "stdlib";
    if (state != 0 && strcmp(loaded_from, dir) == 0)
        return state > 0 ? &table : NULL;
    char path[4200], err[256];
    snprintf(path, sizeof path, "%s/aws/regions.json", dir);
    snprintf(loaded_from, sizeof loaded_from, "%s", dir);
    awsc_regions_release(&table);
    state = awsc_regions_load(&table, path, err, sizeof err) == 0 ? 1 : -1;
    return state > 0 ? &table : NULL;
}

bool awsc_zone(const AwscRegion *r, const char *region, int i, char *out, size_t cap)
{
    char letter = 0;
    if (!r && i >= 0 && i < 26)
        letter = (char)('a' + i);
    else if (r && i >= 0 && i < r->usable && i < (int)strlen(r->zones))
        letter = r->zones[i];
    if (!letter) {
        if (cap)
            out[0] = '\0';
        return false;
    }
    snprintf(out, cap, "%s%c", region, letter);
    return true;
}
