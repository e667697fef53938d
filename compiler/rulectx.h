/* rulectx.h — what the rule passes (rules_aws*.c, rules_intent.c,
 * rules_cost.c) share: reading a field as an environment sees it, finding
 * the smallest span to point at, and turning a pure rule's RuleMsg into a
 * diagnostic.
 *
 * Environments: a rule checks the model it is given (rules_check gives it
 * each environment's own evaluation), then, for each environment, only the
 * objects that environment overrides (rctx_each), so the work stays linear
 * in the model plus the overrides. The engine drops a repeat of (code,
 * span), so a mistake the override does not touch is reported once. */
#ifndef SFDC_RULECTX_H
#define SFDC_RULECTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "awslimits.h"
#include "diag.h"
#include "model.h"

/* Starts the passes over one program (a cache of field-name lookups). */
void rctx_begin(const Model *m);

/* A field as environment env sees it (env NULL: the base platform). */
Value *rctx_val(const Model *m, const Object *o, const char *name, const Environment *env);
double rctx_num(const Model *m, const Object *o, const char *name, const Environment *env,
                double fallback);
bool rctx_bool(const Model *m, const Object *o, const char *name, const Environment *env,
               bool fallback);
/* VAL_STR text or VAL_SYM member name, else fallback. */
const char *rctx_str(const Model *m, const Object *o, const char *name, const Environment *env,
                     const char *fallback);
Object *rctx_ref(const Model *m, const Object *o, const char *name, const Environment *env);
bool rctx_range(const Model *m, const Object *o, const char *name, const Environment *env,
                double *lo, double *hi);
/* Whether env overrides the field. */
bool rctx_overridden(const Model *m, const Object *o, const char *name, const Environment *env);
/* Whether the field was written somewhere (source, argument or override),
 * not left to its default. */
bool rctx_written(const Model *m, const Object *o, const char *name, const Environment *env);

/* Where to point for a field: the value as written in the override or the
 * attribute (the literal, even through a template argument), else the
 * block header (a default has no place in the user's files). */
Site rctx_site(const Model *m, const Object *o, const char *name, const Environment *env);
/* An element (list item, map value, range end) of a field's value: its own
 * literal if it was written in the user's files, else fallback. */
Site rctx_elem_site(const Value *elem, Site fallback);
/* The part text[off, off+len) of a string value, when its literal is a
 * plain string whose source bytes are its text (no escapes); else the
 * whole literal. */
Site rctx_str_part(const Value *v, Site whole, size_t off, size_t len);

/* Files a RuleMsg as code at site (narrowed to m->off/len inside the
 * string value v when v is given and rm->len > 0); label may be NULL. */
void rctx_report(DiagEngine *d, DiagLevel lv, const char *code, const Value *v, Site site,
                 const RuleMsg *rm, const char *label);

/* The environment covers account a (`accounts = all` or a list naming it). */
bool rctx_env_has(const Model *m, const Environment *env, const Object *a);

/* The cluster a service runs on: its `cluster`, else its account's first
 * cluster, else NULL. */
Object *rctx_cluster_of(const Model *m, const Object *svc);

/* Before a walk over l reads item i, asks the memory for what the walk
 * will read of the items ahead: at 10,000 LAs a pass streams ~100k
 * objects and their fields, which no cache holds, and an object's chain
 * (the object, its slot of m's field table, its fields) is otherwise
 * missed one link after another, item after item; ahead, the links of
 * several items are fetched at once. Not inline: GCC finds a function of
 * prefetches alone free of effects and drops the calls it can see. */
void rctx_prefetch(const Model *m, const ObjList *l, int i);
/* rctx_prefetch for a walk that also reads each item's account's fields
 * (its region, for a price or a Transit Gateway; whether they are fixed;
 * rctx_each's checks): the account is not in
 * the walk's stream, and at 30,000 LAs its header, its field-table slot
 * and its fields were each a miss at the first block of every account. */
void rctx_prefetch_account(const Model *m, const ObjList *l, int i);
/* The same for a walk that reads no field: the objects only. */
void rctx_prefetch_objects(const ObjList *l, int i);
/* For a walk over accounts that reads their blocks' headers (kind, label),
 * not their fields: the objects, their lists of blocks, the blocks. */
void rctx_prefetch_children(const ObjList *l, int i);

/* Calls fn for every object of kind as the base platform sees it (env
 * NULL), then once per environment for each object that environment
 * overrides. In an environment's own evaluation (m->env), the objects its
 * own overrides touch come first, with that environment. */
typedef void (*RctxCheck)(void *ctx, Object *o, const Environment *env);
void rctx_each(const Model *m, const char *kind, RctxCheck fn, void *ctx);

/* ---- walks a block at a time (cache blocking) --------------------------
 *
 * A pass walks its kinds one after another, each over the whole model: at
 * 30,000 LAs the objects and values the passes read (about 70 MB) no
 * longer fit in the cache, so every walk fetches them again from memory,
 * where at 3,000 they were still cached from the walk before. So the
 * passes run their walks a block of objects at a time instead (rules_run
 * drives them): every walk of every pass over the objects of the first
 * block, then every walk over the second, and so on, so that all but the
 * first walk of a block find its objects cached.
 *
 * A block is a range of object indexes (creation order), the same for
 * every kind; each walk keeps a cursor into its list and takes, in each
 * block, its items from the cursor on while their objects lie below the
 * block's bound (rctx_more), so every walk still visits its items in list
 * order, each once, whatever the order of the list. What changes is only
 * the interleaving of the walks, which shows in two places: state shared
 * by two walks (a walk that reads another's complete results must run
 * after the blocks) and the order of diagnostics, which rctx_walk keeps:
 * each walk has a phase (DiagEngine.phase), and diagnostics at one
 * position print in the order of their walks, as if run one after the
 * other. A walk that files a code another walk files too could change
 * which of two repeats is kept (the first filed): such walks stay whole,
 * or file after the blocks; the passes' codes are their own (E05xx, E06xx,
 * W07xx, E08xx), so this is a question inside a pass. */
typedef struct RctxBlocks {
    uint32_t bound;         /* this block: the objects whose index is below */
    bool last;              /* the last block: every object left */
    uint32_t nobjects;      /* the model's */
    uint32_t step;          /* objects a block */
    bool begun;
} RctxBlocks;

/* Objects a block: at about 10 objects an LA, some 200 LAs, whose objects
 * and values (2.4 KB an LA, 490 KB) stay in a core's 1 MB L2 while every
 * walk of every pass reads them. Measured at 10,000 and 30,000 LAs
 * (`sfdc check`, CPU per LA, medians of 8-10 alternated runs): blocks of
 * 2,048 objects 1-4% faster than of 8,192 and 32,768; 1,024 no faster.
 * SFDC_BLOCK_OBJECTS=N sets a smaller size; SFDC_BLOCK_OBJECTS=0 runs
 * the passes one after another, each in one block of every object, in
 * the order they ran in before blocking (rctx_blocks_whole): tests/tiers/
 * 09-blocks checks every test program with blocks of one object and of
 * three against that, and finds the same diagnostics. */
enum { RCTX_BLOCK_OBJECTS = 1 << 11 };
bool rctx_blocks_whole(void);

/* The blocks of m's objects: `rctx_blocks_begin(&b, m); while
 * (rctx_blocks_next(&b)) { walks }`. A model of one block has one. */
void rctx_blocks_begin(RctxBlocks *b, const Model *m);
bool rctx_blocks_next(RctxBlocks *b);

/* A pass's walks' phases: rctx_walks_begin reserves nwalks phases after
 * the engine's (the engine's phase is left at the last of them, so that
 * the next pass's come after); rctx_walk(w, k) files what follows as walk
 * k's, before each walk of a block and before a walk's work after the
 * blocks. The driver (rules_run) moves the engine past every pass's
 * phases when they are done. */
typedef struct RctxWalks {
    DiagEngine *d;
    unsigned phase0;        /* the phase of walk 0 */
    int nwalks;
} RctxWalks;
void rctx_walks_begin(RctxWalks *w, DiagEngine *d, int nwalks);
void rctx_walk(const RctxWalks *w, int k);

/* A walk's place in its list, kept from block to block. */
typedef struct RctxCursor {
    const ObjList *l;
    int i;                  /* the next item */
} RctxCursor;
void rctx_cursor_init(RctxCursor *c, const Model *m, const char *kind);
/* Whether item c->i is the block's: `for (; rctx_more(c, b); c->i++)`. */
static inline bool rctx_more(const RctxCursor *c, const RctxBlocks *b)
{
    return c->i < c->l->n && (b->last || c->l->items[c->i]->index < b->bound);
}

/* rctx_each a block at a time: called for every block in order, it calls
 * fn exactly as rctx_each(m, kind, fn, ctx) does, in the same order (an
 * environment's own overrides in the first block, the other environments'
 * in the last). */
typedef struct RctxEach {
    const char *kind;
    RctxCursor c;
    bool begun;
} RctxEach;
void rctx_each_init(RctxEach *e, const Model *m, const char *kind);
void rctx_each_block(const Model *m, RctxEach *e, const RctxBlocks *b, RctxCheck fn, void *ctx);

/* The environments a rule that asks "in which environment does this hold"
 * visits, through envs[0 .. return value): in an environment's own
 * evaluation (m->env) only that one — its overrides are its values, and
 * another environment's overrides are installed only in that one's own
 * evaluation, where it is asked again; in the base, every environment. */
int rctx_envs(const Model *m, Environment *const **envs);

/* A set of strings by their text, each with a value: the passes that ask
 * whether an account id was seen before (E0509, E0502's state buckets)
 * keep one of their own, sized for the accounts, rather than interning
 * every id in the program's interner (a miss in a large table at 10,000
 * LAs) to key a Table by pointer. */
typedef struct RctxStrSet {
    struct RctxStrSlot {
        const char *s;      /* the text (the caller's, not copied), NULL: empty */
        uint32_t hash;
        void *val;
    } *slots;               /* xcalloc'd */
    size_t cap;             /* a power of two, at least twice the strings put */
} RctxStrSet;
void rctx_strset_init(RctxStrSet *set, size_t n);
void rctx_strset_release(RctxStrSet *set);
/* The value of s if it is in the set; else adds s with val and returns
 * NULL. At most the n strings of rctx_strset_init. */
void *rctx_strset_put(RctxStrSet *set, const char *s, void *val);
/* The same in two steps, for a walk that hashes its strings a few items
 * ahead and asks for their slots (rctx_strset_prefetch) before it puts
 * them: at 30,000 LAs a slot is a DRAM miss. h: rctx_strset_hash(s). */
uint32_t rctx_strset_hash(const char *s);
void *rctx_strset_put_hashed(RctxStrSet *set, const char *s, uint32_t h, void *val);
/* Inline: GCC drops the calls of a function of prefetches alone. */
static inline __attribute__((always_inline)) void rctx_strset_prefetch(const RctxStrSet *set,
                                                                       uint32_t h)
{
    if (set->slots)
        __builtin_prefetch(&set->slots[h & (set->cap - 1)]);
}

/* The account's network object, or NULL. */
Object *rctx_network(const Model *m, const Object *account);

/* ---- checks the environments share (SPEC §7.5) --------------------------
 *
 * When the environments share the base's objects (model_share), an object
 * no environment changes has the same values in every environment's own
 * evaluation, and a check that reads only such values gives the same
 * answer in each. rules_check turns the sharing on (rctx_share_begin, not
 * with SFDC_RULES_FULL=1); then a check wrapped in rctx_once/rctx_once_done
 * runs on such an object in the first environment's pass that reaches it,
 * and a later environment's pass skips it if that run filed nothing. A run
 * that filed anything (even a waived or repeated diagnostic) is run again
 * in every environment, as without sharing, so that each diagnostic is
 * found, merged and attributed (eval_diag_env) exactly as before; a clean
 * run would have been clean again, so skipping it changes no output.
 *
 * Only checks whose answer depends on nothing but the object's own values,
 * other objects' values the caller names as fixed, and the model's shape
 * (the same objects in every environment) may be wrapped: not a check that
 * derives a name (an account several environments deploy has the
 * environment in its names), asks which environment deploys what, or
 * keeps state across objects that decides a diagnostic. */
typedef enum RctxOnceId {
    RCTX_ONCE_AWS_SERVICE,      /* rules_aws: E0501, E0517, E0520, E0521, E0522 of a service */
    RCTX_ONCE_AURORA,           /* rules_aws: E0505, E0506, E0507, E0515, E0523 */
    RCTX_ONCE_RDS,              /* rules_aws: E0507, E0515, E0523, E0526 */
    RCTX_ONCE_NETWORK_ZONES,    /* rules_aws: E0516 */
    RCTX_ONCE_DB_ZONES,         /* rules_aws: E0517 of a database */
    RCTX_ONCE_INTENT_SERVICE,   /* rules_intent: E0601, E0602, E0604, E0605, E0609 */
    RCTX_ONCE_INTENT_BUCKET,    /* rules_intent: E0606 */
    RCTX_ONCE_UNIT_DIRS,        /* rules_build: E0802 of an account */
    RCTX_ONCE_STEP_LABEL,       /* rules_build: E0804 of a label */
    RCTX_ONCE_FIELDS,           /* rules_aws: E0525, one id per constraints.json entry */
    RCTX_ONCE_MAX = RCTX_ONCE_FIELDS + 64
} RctxOnceId;

/* Turns the sharing on for the environments of base (d: the engine their
 * passes file into), or leaves it off; rctx_share_end turns it off and
 * frees what it remembered. */
void rctx_share_begin(const Model *base, DiagEngine *d);
void rctx_share_end(DiagEngine *d);
/* Whether the sharing is on for m's pass (an environment's own
 * evaluation on the base's objects). */
bool rctx_sharing(const Model *m);
/* How many diagnostics were offered to the engine since rctx_share_begin
 * (0 while the sharing is off): a walk that finds it unchanged filed none. */
unsigned long rctx_filed(void);
/* Whether every value of o (rctx_fixed), or its field name, is the same
 * in every environment's evaluation: false when the sharing is off. NULL
 * is fixed (the model's shape is the same everywhere). */
bool rctx_fixed(const Model *m, const Object *o);
bool rctx_fixed_field(const Model *m, const Object *o, const char *name);

/* Whether every value a wrapped check of o reads is fixed: the caller's
 * proof, asked only after a clean run with sharing on. */
typedef bool (*RctxFixed)(const void *ctx, const Object *o);

/* One wrapped check of one object. rctx_once returns false when the check
 * may be skipped: an earlier environment's pass ran it clean on values it
 * proved fixed (a property of the shared objects, the same in every
 * environment). Otherwise run it, then call rctx_once_done, which
 * remembers a clean run if fixed(ctx, o) says so. env: the environment
 * rctx_each passes (an override's check is never shared). */
typedef struct RctxOnce {
    int id;                 /* the RctxOnceId, or -1: not remembered */
    const Object *o;        /* the object checked */
    RctxFixed fixed;        /* the caller's proof that its values are fixed... */
    const void *ctx;        /* ...and what the proof is given */
    unsigned long filed;    /* diagnostics offered to the engine before the check */
} RctxOnce;
/* An RctxFixed for checks that read only o's own values (ctx: the Model). */
bool rctx_fixed_self(const void *m, const Object *o);
/* An RctxFixed for checks that read no value at all, only labels, names and
 * which blocks an account holds: the model's shape, the same in every
 * environment that shares the base's objects. */
bool rctx_fixed_shape(const void *ctx, const Object *o);
bool rctx_once(RctxOnce *t, const Model *m, int id, const Object *o, const Environment *env,
               RctxFixed fixed, const void *ctx);
void rctx_once_done(RctxOnce *t);

/* ---- bucket names rules_aws derived, for rules_env ----------------------
 *
 * E0502 derives the name of every bucket an environment deploys, in that
 * environment's own evaluation; rules_env claims the same names across
 * environments. rctx_names_begin (rules_check, before the environments'
 * passes) keeps them until rctx_names_end, so that rules_env does not
 * derive them again. */
void rctx_names_begin(const Model *base);
void rctx_names_end(void);
/* Keeps name (arena, not copied) as names_derive(NAME_BUCKET) of bucket o
 * in m, read with no environment's overrides (rules_aws's context). */
void rctx_keep_bucket(const Model *m, const Object *o, const char *name);
/* The name kept for o in m, or NULL. */
const char *rctx_kept_bucket(const Model *m, const Object *o);

#endif
