/* expr.h — the evaluator's private interface, shared by eval.c (passes,
 * expansion, fields) and expr.c (expressions). Nothing outside those two
 * files includes it: the rest of the compiler sees eval.h and model.h. */
#ifndef SFDC_EXPR_H
#define SFDC_EXPR_H

#include "eval.h"

typedef enum BindKind { B_LET, B_PARAM, B_FOR, B_LATE } BindKind;

/* A name bound in a scope. Lets are evaluated on first use. */
typedef struct Binding Binding;
struct Binding {
    const char *name;           /* interned */
    uint8_t kind;               /* BindKind */
    uint8_t state;              /* 0 pending, 1 evaluating, 2 done */
    bool taint;                 /* val read `env` or an overridden field (Eval.taint) */
    const Node *decl;           /* LET, PARAM or FOR node: what "defined here" points at */
    const Node *expr;           /* let: its value; param: the argument (or default) */
    Source *src;                /* file of expr */
    Scope *scope;               /* let: where expr is evaluated */
    File *file;                 /* global lets: the defining file (visibility) */
    Value *val;                 /* the value once known */
    const Type *type;           /* param: its type, to evaluate expr again in an
                                   environment (scope: where the argument is written) */
    Binding *next;
};
/* 80 bytes: four an LA (three parameters and the loop's variable). */
_Static_assert(sizeof(Binding) <= 80, "Binding grew");

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
    const Diag *diag;           /* the diagnostic filed */
    uint64_t envs;              /* bit i: environment i's evaluation or checks found it
                                   (eval_diag_env); 0: filed outside them */
} Seen;

/* An environment's dotted attribute, resolved once every object exists. */
typedef struct Pending {
    Environment *env;
    const Node *attr;
    Scope *scope;
    struct Pending *next;
} Pending;

/* One evaluation's spending against the program's budgets (budget.h);
 * zeroed when an evaluation starts, so each evaluation has the whole
 * budget. */
typedef struct EvalSpend {
    uint64_t used[BUDGET_N];    /* counted so far, per budget */
    bool over;                  /* a budget ran out (reported): expansion stops */
} EvalSpend;

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
    uint64_t *vis;              /* bit `to` of row `from` (vis_words each): from sees to */
    size_t vis_words;
    int nfiles;
    int depth;                  /* template expansions in progress */
    int expr_depth;             /* nested evaluations in progress */
    bool too_deep;              /* E0304 for evaluation depth was reported */
    bool too_nested;            /* E0304 for value nesting was reported */
    File *site;                 /* file of the top-level item being expanded */
    const Node *use;            /* innermost `use` being expanded */
    Source *use_src;
    const Node *uses[EVAL_MAX_DEPTH];   /* the `use`s being expanded, outermost first */
    Source *use_srcs[EVAL_MAX_DEPTH];   /* the file of each */
    EvalSpend spend;            /* work done against pg->budget */
    Object *late_account;       /* what `account` means inside platform.state */
    Object *self;               /* the block whose field is being evaluated, or NULL:
                                   a bare name of type ref(K) may be its account's K block */
    const char *env_name;       /* the environment being evaluated (eval_run_env),
                                   interned; NULL in the base evaluation */
    bool has_envs;              /* the program declares an `environment` */
    Table waivers;              /* interned code -> Waiver list */
    Table cache;                /* Node -> Value: literals and references, which a
                                   template expanded N times would otherwise
                                   allocate N times (values are immutable) */
    Table constants;            /* ATTR node -> SharedAssign: attributes whose value
                                   is a constant of the source, set once for every
                                   expansion of their block (eval.c) */
    Waiver **wlist;             /* every waiver, in collection order; malloc'd */
    int nw, capw;
    Seen *seen;                 /* open-addressed set; malloc'd */
    size_t seen_cap, seen_n;
    int diag_env;               /* the environment whose diagnostics are being filed
                                   (eval_diag_env), or -1 */
    Pending *pending, **pending_tail;
    /* Sharing the base's expansion with the environments (SPEC §7.5: they
       differ only by overrides and `env`). Each memoised value — field,
       let, parameter — records whether computing it read `env`, a field
       some environment overrides, or another such value; an environment
       that shares the base's objects computes only those again. */
    bool taint;                 /* the value being computed read such a thing */
    bool structural;            /* expansion (a label, a `for` list, an `if`) read one,
                                   or forced a field an environment overrides: the
                                   environments expand again (eval_run_env) */
    bool share;                 /* environments share the base's expansion */
    bool quiet;                 /* diagnostics are dropped (a look-ahead that the
                                   real pass repeats) */
    Binding **rebind;           /* lets, and tainted parameters, in creation order:
                                   what an environment evaluates again (an environment's
                                   own expansion appends its lets for the time it runs:
                                   forget_expanded); malloc'd */
    int nrebind, caprebind;
    uint32_t *changing;         /* Object.index of every object whose `tainted` became
                                   non-zero, in that order: what an environment that
                                   shares the base's objects evaluates again, without
                                   visiting the others (share_and_evaluate); malloc'd */
    int nchanging, capchanging;
    /* interned names the language gives meaning to */
    const char *k_account, *k_platform, *k_environment, *k_state, *k_network, *k_all, *k_allow,
        *k_env;
};

/* expr.c: evaluates n in sc, expecting want (TY_ANY: no expectation; an
 * enum type makes bare identifiers its members). Never returns NULL; after
 * an error, the poison value. */
Value *expr_eval(Eval *e, Scope *sc, const Node *n, const Type *want);
/* Whether n, the value of an attribute of type want written in scope sc,
 * is a constant of the source: a literal, a range of two, or a member of
 * want's enum that no binding in sc shadows. It evaluates to the same
 * value in every expansion of a template, reads nothing (no `env`, no
 * field, no parameter) and has no argument to point back to. */
bool expr_constant(const Scope *sc, const Node *n, const Type *want);
/* expr_eval, then types_check against t. */
Value *expr_typed(Eval *e, Scope *sc, const Node *n, const Type *t);
/* The value of a let (evaluated on first use; a cycle is E0303). */
Value *expr_force_binding(Eval *e, Binding *b, Source *src, Span at);

/* eval.c: helpers expressions use. */
Source *eval_src(const Scope *sc);
Diag *eval_err(Eval *e, const char *code, Source *src, Span sp, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void eval_suggest(Eval *e, Diag *d, const char *word, const char *const *cands, int n);
int eval_names(const Table *t, const char **out, int n, int max);
bool eval_visible(const Eval *e, const File *from, const File *def);
void eval_not_visible(Eval *e, Source *src, Span at, const char *name, const File *from,
                      const File *def);
/* The value of the built-in name `env` (SPEC §7.5): the environment being
 * evaluated; "default" in a program without environments; in the base
 * evaluation of a program with environments, the late poison (no error:
 * the value exists only per environment). */
Value *eval_env_value(Eval *e, Scope *sc, const Node *at);
/* Counts n more of budget k, spent by the construct at (src, at). Returns
 * false, after reporting E0314 with the chain of `use`s that led there,
 * when that goes over the limit; after any budget ran out, always false
 * (one report). */
bool eval_spend(Eval *e, BudgetKind k, uint64_t n, Source *src, Span at);
/* A string of len bytes built at (src, at): checked against the largest
 * string and counted against all strings built (eval_spend). */
bool eval_spend_string(Eval *e, size_t len, Source *src, Span at);
/* The value of obj's field fd, evaluated on first use (a cycle is E0303). */
Value *eval_force_field(Eval *e, Object *o, const FieldDecl *fd, Source *src, Span at);

#endif
