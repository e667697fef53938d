/* model.h — the evaluated platform: what rule passes, emitters, `explain`
 * and `export` consume.
 *
 * eval_program() (eval.h) expands templates, loops and conditionals into
 * concrete Objects — one per block instance — and evaluates every field of
 * every object against its schema. What remains is this model:
 *
 *   Model
 *    ├─ objects[]          every object, in creation order (deterministic)
 *    ├─ by kind            model_kind(m, "service") → every service
 *    ├─ by path            model_find(m, "la-camden.service.daemon")
 *    ├─ platform           the one `platform` block (NULL if none)
 *    ├─ envs[]             environments, each with its dotted overrides
 *    └─ per account        the `platform { state {} }` fields evaluated for it
 *
 * Paths: an account is its name ("la-camden"); a block inside an object is
 * PARENT.KIND.NAME ("la-camden.service.daemon"), or PARENT.KIND when it has
 * no label ("la-camden.network"); other top-level blocks are KIND.NAME
 * ("platform.sfdata", "environment.prod").
 *
 * Every field of an object has a value: set in source, a template
 * argument, or the schema default; an optional field never set is VAL_NULL.
 * A field whose evaluation failed holds the poison VAL_ERROR (its error is
 * already reported): rule passes should skip poison silently — the
 * model_* getters below return their fallback for it.
 *
 * Everything here lives in the program arena (Program.arena) and is freed
 * with it; the Tables are released by model_release. Names passed to the
 * lookups are plain C strings (they are interned internally). */
#ifndef SFDC_MODEL_H
#define SFDC_MODEL_H

#include <stdbool.h>

#include "load.h"
#include "schema.h"
#include "table.h"
#include "value.h"

struct Scope;

/* Where a field's value came from. */
typedef enum Origin {
    ORIGIN_UNSET,       /* optional, never set: the value is null */
    ORIGIN_DEFAULT,     /* the schema's default */
    ORIGIN_SOURCE,      /* an attribute in a block */
    ORIGIN_ARGUMENT,    /* an attribute whose value is a template parameter */
    ORIGIN_OVERRIDE,    /* an environment's dotted override */
} Origin;

/* An attribute that set a field: allocated only for fields set in source
 * (~30 an LA), so 16 bytes. An environment's override installed in its own
 * evaluation (eval_run_env) is the dotted ATTR, which has no name: see
 * model_assign_is_override. */
typedef struct Assign {
    const Node *attr;           /* the ATTR */
    struct Scope *scope;        /* the scope it is evaluated in (eval's business) */
} Assign;

/* Whether as is an environment's override rather than a block's attribute. */
static inline bool model_assign_is_override(const Assign *as) { return as->attr->name == NULL; }

/* One field's value slot: 8 bytes, as there are many (~13 an object,
 * 100,000 objects at 10,000 LAs). An object's fields are one block:
 * nfields origins (model_assigns), then nfields value slots, so a walk
 * that reads values only (the rule passes) touches half the bytes. */
typedef struct Field {
    Value *val;                 /* the value; never NULL after eval_run */
} Field;
_Static_assert(sizeof(Field) == sizeof(const Assign *), "a block's two halves are alike");

/* The bytes of an object's fields block for nf fields (at least one slot). */
static inline size_t model_block_size(int nf)
{
    return (size_t)(nf ? 2 * nf : 1) * sizeof(Field);
}

typedef struct Object Object;
struct Object {
    /* what the rule passes read of nearly every object they visit, in its
       first 64 bytes: its kind and values (model_fields reads index in an
       environment's evaluation), whether they are shared, its account */
    const char *kind;           /* schema name, interned: "service" */
    const SchemaDecl *schema;
    Field *fields;              /* schema->nfields value slots, in schema order, with
                                   their origins before them: the block of the model
                                   that created it (model_fields), allocated just
                                   before the object */
    uint32_t index;             /* position in Model.objects */
    bool incomplete;            /* its block had a syntax error: no E0307 for it */
    /* accounts in an environment's own evaluation (model_mark_deployments): */
    bool multi_env;             /* deployed by more than one environment, so the
                                   names sfdc derives in it carry the environment */
    uint64_t tainted;           /* bit k: field k's base value read `env` or a field some
                                   environment overrides (eval.c), so an environment that
                                   shares the base's objects evaluates it again */
    Object *account;            /* the account it belongs to (itself for an account) */
    const char *name;           /* label, interned ("daemon"), or NULL if unlabelled */
    const char *path;           /* dotted path, interned: "la-camden.service.daemon" */
    Object *parent;             /* enclosing object, NULL at top level */
    Field *state;               /* accounts only: platform.state values for this account,
                                   in the model that created it (model_state_fields);
                                   values only, no origins (those are the state
                                   block's own) */
    Object **children;          /* nested blocks in creation order; arena */
    int nchildren, cap_children;
    const Node *node;           /* the BLOCK */
    Source *src;                /* file of node */
    File *site;                 /* file whose top-level item created it (visibility) */
    const Node *use;            /* innermost `use` that expanded it, or NULL */
    Source *use_src;            /* file of use */
    const char *first_env;      /* accounts in an environment's own evaluation: the first
                                   environment, in source order, that deploys it: the
                                   owner of its shared resources */
};
/* 144 bytes (a multiple of the arena's 16-byte alignment): one an object,
 * 100,000 at 10,000 LAs; the small members sit together (2 bytes of
 * padding). */
_Static_assert(sizeof(Object) <= 144, "Object grew: the model's memory depends on its size");

/* One dotted override of an environment: `la-camden.service.daemon.cpu = 1 vcpu`. */
typedef struct Override {
    Object *obj;                /* the object overridden */
    const FieldDecl *field;     /* which field */
    Value *val;                 /* the value in this environment (type-checked) */
    const Node *attr;           /* the ATTR in the environment block */
    Source *src;                /* its file */
} Override;

typedef struct Environment {
    Object *obj;                /* the environment block (fields: accounts, ...) */
    const char *name;           /* "prod" */
    Override *ov;               /* overrides in source order; arena */
    int nov, cap;
    Table by_field;             /* Field* (the overridden object's value slot, in the
                                   model that holds the environment) -> Override* */
    struct Model *eval;         /* the platform evaluated again in this environment
                                   (SPEC §7.5); owned; NULL inside such a model */
} Environment;

/* All objects of one kind, in creation order. */
typedef struct ObjList {
    Object **items;             /* malloc'd, unless borrowed */
    int n, cap;
    bool borrowed;              /* items are the base model's (model_share), until
                                   model_keep_deployed drops one and copies them */
} ObjList;

typedef struct Model {
    Program *pg;                /* files, arena, interner */
    Schemas *schemas;           /* the vocabulary */
    Object **objects;           /* every object in creation order; malloc'd */
    Field **own_fields;         /* per object index, its Object.fields block, so that
                                   model_share copies them all without visiting every
                                   object; malloc'd (NULL when borrowed) */
    int nobjects, cap;
    struct ModelPaths *paths;   /* interned path -> Object, filled at the first lookup
                                   (model_find): a check rarely asks, and each entry is
                                   a cache miss at 30,000 LAs; malloc'd */
    Table by_kind;              /* interned kind -> ObjList (malloc'd) */
    Table accounts;             /* interned account name -> Object */
    Object *platform;           /* the first platform block, or NULL */
    Object *state;              /* platform's `state` block, or NULL */
    Environment **envs;         /* in source order; malloc'd */
    int nenvs, cap_envs;
    const char *env;            /* the environment this is the own evaluation of
                                   (SPEC §7.5), interned; NULL for the base */
    const struct Model *base;   /* with env: the base, whose envs[] hold the other
                                   environments' evaluations */
    struct ModelKeys *keys;     /* field and kind names asked for, by address, and
                                   their interned copies (model.c); malloc'd */
    /* An environment's evaluation whose expansion the base's is (SPEC §7.5:
       only overrides and `env` differ) shares the base's objects, paths and
       accounts, and keeps only its own values (model_share): */
    bool borrowed;              /* objects, paths and accounts are the base's */
    Field **fields;             /* per object index, its fields block here (the base's when
                                   none is tainted); NULL: Object.fields; malloc'd,
                                   the copies in the arena */
    Field **states;             /* per object index, an account's state fields here;
                                   NULL: Object.state; malloc'd */
} Model;

/* obj's fields as m evaluated them. */
static inline Field *model_fields(const Model *m, const Object *obj)
{
    return m->fields ? m->fields[obj->index] : obj->fields;
}

/* How obj's fields were set in m, in schema order: the cold half of its
 * block, before the values; each the Assign, or NULL (default or unset). */
static inline const Assign **model_assigns(const Model *m, const Object *obj)
{
    return (const Assign **)(model_fields(m, obj) - obj->schema->nfields);
}

/* An account's `platform { state {} }` fields as m evaluated them, or NULL. */
static inline Field *model_state_fields(const Model *m, const Object *acc)
{
    return m->states ? m->states[acc->index] : acc->state;
}

void model_init(Model *m, Program *pg, Schemas *s);
void model_release(Model *m);

/* ---- lookups (all O(1) hash lookups) ---------------------------------- */

/* Every object of a kind ("account", "service", ...); never NULL (an empty
 * list for a kind with no objects). */
const ObjList *model_kind(const Model *m, const char *kind);
/* The object at a dotted path, or NULL. */
Object *model_find(const Model *m, const char *path);
/* model_find for an interned path. */
Object *model_at(const Model *m, const char *path);
/* An account by name, or NULL. */
Object *model_account(const Model *m, const char *name);
/* A direct child of obj by kind and name (name NULL: the unlabelled one). */
Object *model_child(const Model *m, const Object *obj, const char *kind, const char *name);
/* An environment by name, or NULL. */
Environment *model_env(const Model *m, const char *name);
/* The model and environment a consumer reads for environment name (NULL:
 * none): the environment's own evaluation when there is one, so values
 * derived from an override follow it. Sets *env (NULL for none) and
 * returns the model; NULL, with *env NULL, when name names no environment. */
Model *model_for_env(const Model *m, const char *name, const Environment **env);

/* ---- field values ------------------------------------------------------ */

/* The value slot of the field called name (NULL if the schema has no such
 * field). */
const Field *model_field(const Model *m, const Object *obj, const char *name);
/* Where obj.name's base value came from (ORIGIN_UNSET if no such field). */
Origin model_origin(const Model *m, const Object *obj, const char *name);
/* The ATTR that set obj.name in source, or NULL. */
const Node *model_attr(const Model *m, const Object *obj, const char *name);

/* The value of a field (NULL if the schema has no such field). In env
 * (NULL: the base platform), the environment's override if there is one. */
Value *model_get(const Model *m, const Object *obj, const char *name);
Value *model_get_env(const Model *m, const Object *obj, const char *name, const Environment *env);
/* The override of obj.name in env, or NULL. */
const Override *model_override(const Model *m, const Environment *env, const Object *obj,
                               const char *name);

/* Typed getters: the fallback when the field is missing, null or poison. */
double model_num(const Model *m, const Object *obj, const char *name, double fallback);
bool model_bool(const Model *m, const Object *obj, const char *name, bool fallback);
/* VAL_STR text or VAL_SYM member name. */
const char *model_str(const Model *m, const Object *obj, const char *name, const char *fallback);
/* The object a VAL_REF field refers to, or NULL. */
Object *model_ref(const Model *m, const Object *obj, const char *name);
/* lo..hi of a range field (numbers in base units); false if absent. */
bool model_range(const Model *m, const Object *obj, const char *name, double *lo, double *hi);

/* The `platform { state {} }` field for one account (late-bound `account`),
 * or NULL if there is no state block or no such field. */
Value *model_state(const Model *m, const Object *account, const char *name);

/* ---- where to point ---------------------------------------------------- */

/* A place in the source, for diagnostics. */
typedef struct Site {
    Source *src;                /* NULL when there is nothing to point at */
    Span span;
} Site;

/* The best span for a diagnostic about obj.name: the attribute's value if
 * set in source, else the block's kind and label (a default has no span in
 * the user's file). */
Site model_site(const Model *m, const Object *obj, const char *name);
/* The block header (kind and label) of obj. */
Site model_obj_site(const Object *obj);
/* Where a value was written (its own node), or fallback. */
Site model_value_site(const Value *v, Site fallback);

/* ---- provenance (for explain) ------------------------------------------ */

/* One step of a value's history, newest first: the override, the attribute,
 * the template argument bound to the parameter it names, the literal. */
typedef struct Provenance {
    Origin origin;
    const char *what;           /* "set in environment `prod`", "template argument" */
    Site site;
} Provenance;

/* Fills up to max steps for obj.name in env (NULL: base). Returns the count. */
int model_provenance(const Model *m, const Object *obj, const char *name,
                     const Environment *env, Provenance *out, int max);

/* ---- building (eval.c) ------------------------------------------------- */

/* A new object registered in every index; the caller checked uniqueness. */
Object *model_add(Model *m, const SchemaDecl *sc, const char *name, const char *path,
                  Object *parent, const Node *node, Source *src);
Environment *model_add_env(Model *m, Object *obj);
/* Drops from the by-kind lists every account env does not deploy, and
 * everything inside those accounts (an environment's own evaluation is
 * checked and built for its deployments only). Paths still find them. */
void model_keep_deployed(Model *m, const Environment *env);
/* Makes em (initialised, with env and base set) share base's objects,
 * paths and accounts, with environments of its own, kind lists that borrow
 * the base's items (ObjList.borrowed) and a copy of the field values of
 * every object an environment can change, for the evaluator to redo: the
 * nchanging objects at indexes changing[], ascending (Object.tainted). */
void model_share(Model *em, const Model *base, const uint32_t *changing, int nchanging);
/* After every environment's evaluation (Environment.eval) exists: marks
 * each deployed account there with multi_env and first_env. */
void model_mark_deployments(Model *base);

/* ---- shared resources (SPEC §7.5) ----------------------------------------- */

/* o is declared `shared = true` and m is an environment's evaluation. */
bool model_shared(const Model *m, const Object *o);
/* Whether m's deployment creates o: false only for a shared resource whose
 * account another environment deploys first (that one owns it). */
bool model_creates(const Model *m, const Object *o);
/* The pullers of a shared registry in every environment: ids of the
 * accounts, other than its own, whose services use the registry at repo's
 * path as `image`. Sorted, unique, interned; *out malloc'd (caller frees).
 * Returns the count. */
int model_shared_pullers(const Model *m, const Object *repo, const char ***out);
/* The environments other than m's that use the shared resource o: those
 * that deploy its account or whose services pull from it, in source
 * order. *out malloc'd (caller frees), names interned. Returns the count. */
int model_shared_users(const Model *m, const Object *o, const char ***out);
void model_add_override(Model *m, Environment *env, const Override *ov);


/* ---- on demand -------------------------------------------------------- */

/* Whether uploads start the service svc in env (NULL: the base platform):
 * it has a non-empty `starts_on` and the environment's `triggers` is not
 * off. The build then emits its ecs-on-demand units, the plan leaves its
 * way down to the idle alarm, the cost rules bill the alarms and the graph
 * draws the upload edges: all four ask this. */
bool model_started_on_demand(const Model *m, const Object *svc, const Environment *env);

#endif
