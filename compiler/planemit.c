/* planemit.c — the runtime plan back end (see planemit.h; the format is
 * SPEC.md "Outputs: the runtime plan").
 *
 * One pass per phase over the accounts of the environment, each printing
 * its steps as it makes them with the streaming JSON writer (jsonw.h: two
 * spaces of indentation, members in the order written), so golden files
 * read like hand-written JSON and stay byte-identical run to run. A phase
 * only ever makes steps of its own phase and the phases run in the
 * document's order, so printing as they come keeps it; ids are computed,
 * not looked up, so a step can name a step of a later phase in `after`
 * (`deploy/ACCOUNT`) before it exists.
 *
 * The plan is streamed: after each account (or repository, bucket,
 * service) the text printed is handed to the caller's sink once there is
 * about PLAN_CHUNK bytes of it, and the strings made for it (ARNs, policy
 * documents, titles) are released: each phase loop resets the arena to a
 * mark taken before it. What stays is one interned string per step id
 * (unique ids, the `ready` lists), in an interner of the plan's own, so a
 * 10,000-account plan of ~190 MB is written with the arena at about one
 * account's worth (it was 33 MB of ARNs and ids). Until 2026-12 the steps were cJSON trees
 * built and printed per account; building and freeing ~1.5 million nodes
 * for a 1,000-LA plan was a third of `sfdc build`'s instructions. */
#include "planemit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "jsonw.h"
#include "lower.h"
#include "names.h"
#include "rulectx.h"
#include "schedule.h"
#include "sha256.h"
#include "strbuf.h"
#include "banned.h"

enum { PHASE_BOOT, PHASE_HAND, PHASE_DEPLOY, PHASE_OPERATE, NPHASES };

static const char *const phase_names[NPHASES] = {"bootstrap", "handshake", "deploy", "operate"};

/* A growable list of step ids (arena strings). */
typedef struct IdList {
    const char **ids;           /* malloc'd */
    int n, cap;
} IdList;

/* One account of the environment, with what its deploy step waits for. */
typedef struct Acct {
    Object *obj;                /* the account object */
    const char *name;           /* its name: "la-camden" */
    const char *dir;            /* its directory in the tree (names.h) */
    const char *id;             /* 12-digit account id */
    const char *region;         /* its region */
    bool core;                  /* kind = core: deployed before the others */
    IdList ready;               /* bootstrap and handshake steps its deploy waits for */
} Acct;

/* The state of one rendering. */
typedef struct Emit {
    const Model *m;
    const Environment *env;     /* NULL: the base platform */
    NameCtx nc;                 /* names.h context: the model in env */
    PlanEmitOptions opt;        /* the caller's options, defaults filled in */
    Arena a;                    /* strings of this rendering */
    const char *platform;       /* platform name */
    const char *region;         /* the plan's region */
    Acct *accts;                /* accounts of the environment, in model order; malloc'd */
    int naccts;
    ObjList acct_objs;          /* their objects, in the same order (prefetch_acct);
                                   items malloc'd */
    Table acct_by_obj;          /* account Object -> its Acct (accts never moves) */
    IdList core_deploys;        /* deploy step ids of the core accounts, in order */
    const Object *first_core;   /* the platform's first core account, found once */
    bool first_core_known;
    const char *sched_text;     /* the window the operate phase parsed last */
    int sched_n;                /* its scheduled actions (0: none, or it did not parse) */
    Arena ida;                  /* the step ids: they outlive the strings in a */
    Interner idin;              /* the step ids in use, interned into ida: a
                                   table of their own, so the program's
                                   (~250,000 names at 10,000 LAs) does not
                                   double for them */
    StrBuf out;                 /* printed text not yet handed to sink */
    JsonWriter w;               /* prints into out */
    PlanSink sink;              /* where the text goes */
    void *sink_ctx;             /* passed to sink */
} Emit;

/* Text is handed to the sink in pieces of about this size. */
enum { PLAN_CHUNK = 64 << 10 };

static void hand_over(Emit *e, bool force);

/* ---- small helpers ------------------------------------------------------ */

static void ids_push(IdList *l, const char *id)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->ids = xrealloc(l->ids, (size_t)l->cap * sizeof *l->ids);
    }
    l->ids[l->n++] = id;
}

static Value *get(const Emit *e, const Object *o, const char *field)
{
    return model_get_env(e->m, o, field, e->env);
}

/* A string or enum member field in the environment, or NULL. */
static const char *get_str(const Emit *e, const Object *o, const char *field)
{
    const Value *v = get(e, o, field);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : NULL;
}

static bool get_bool(const Emit *e, const Object *o, const char *field, bool fallback)
{
    const Value *v = get(e, o, field);
    return v && v->kind == VAL_BOOL ? v->u.b : fallback;
}

/* A label as it appears in step ids: lower case, `_` -> `-`. */
static const char *slug(Emit *e, const char *s)
{
    char *out = arena_strdup(&e->a, s);
    for (char *p = out; *p; p++)
        *p = *p == '_' ? '-' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    return out;
}

/* The concatenation of the n parts in the arena: the plan's ids, titles
 * and ARNs, ~100,000 of them for 1,000 LAs, where arena_printf's vsnprintf
 * cost more than the rest of their making. A NULL part reads "(null)", as
 * printf's %s did. */
static const char *cat_parts(Emit *e, const char *const *parts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i] ? parts[i] : "(null)");
    char *out = arena_alloc_raw(&e->a, len), *d = out;
    for (size_t i = 0; i < n; i++) {
        const char *p = parts[i] ? parts[i] : "(null)";
        size_t k = strlen(p);
        memcpy(d, p, k);
        d += k;
    }
    *d = '\0';
    return out;
}

#define CAT(e, ...)                                                                  \
    cat_parts((e), (const char *const[]){__VA_ARGS__},                              \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The name of kind k of o (names.h), in the arena. */
static const char *name_of(Emit *e, NameKind k, const Object *o)
{
    char buf[512];
    names_derive(&e->nc, k, o, buf, sizeof buf);
    return arena_strdup(&e->a, buf);
}

/* O(1): called once per service and bucket, so a scan here made the plan
 * of a 10,000-account platform quadratic. */
static Acct *acct_of(const Emit *e, const Object *account)
{
    return account ? table_get(&e->acct_by_obj, account) : NULL;
}

/* Starts fetching what a phase reads of account i a few accounts ahead,
 * as every walk of the checker does (rctx_prefetch): at 30,000 LAs the
 * model no longer stays in the cache between the phases' walks, and each
 * walk waited for every account. */
static void prefetch_acct(const Emit *e, int i)
{
    rctx_prefetch(e->m, &e->acct_objs, i);
}

static const char *root_arn(Emit *e, const char *account_id)
{
    return CAT(e, "arn:aws:iam::", account_id, ":root");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and removes duplicates; returns the new count. */
static int sort_unique(const char **v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    return k;
}

/* ---- steps -------------------------------------------------------------- */

/* id, or id-2, id-3...: labels that differ only in `_` and `-` (web_2 and
 * "web-2", both legal ECS names) would otherwise give one id twice.
 * The checker refuses such a program (E0802: their unit directories
 * clash), so this is a safety net: the plan stays valid regardless. */
static const char *unique_id(Emit *e, const char *id)
{
    /* every string in idin is an id in use (ready_push only adds ids a
       step got), so a string new to it is free: it is interned, taken */
    Interner *in = &e->idin;
    const char *u = id;
    for (int n = 2;; n++) {
        size_t had = in->count;
        const char *kept = intern_cstr(in, u);
        if (in->count > had)
            return kept;    /* the interned copy outlives the step's scratch */
        u = arena_printf(&e->a, "%s-%d", id, n);
    }
}

/* Adds step id to the steps ac's deploy waits for. The id is interned
 * (unique_id did it already: no new memory), as the strings a step makes
 * in e->a are released when its account's (repository's, bucket's, service's)
 * steps are printed: the phase loops reset the arena to their mark. */
static void ready_push(Emit *e, Acct *ac, const char *id)
{
    ids_push(&ac->ready, intern_cstr(&e->idin, id));
}

/* Opens a step of phase ph: id (made unique), phase, account, region (when
 * not the plan's), title, after. The caller adds call/check or run, then
 * step_end. Returns the id the step got. */
static const char *step_begin(Emit *e, int ph, const Acct *ac, const char *id, const char *title,
                              const IdList *after)
{
    JsonWriter *w = &e->w;
    const char *u = unique_id(e, id);
    jw_object(w);
    JW_MEMBER(w, "id", u);
    JW_MEMBER(w, "phase", phase_names[ph]);
    JW_MEMBER(w, "account", ac->name);
    if (strcmp(ac->region, e->region) != 0)
        JW_MEMBER(w, "region", ac->region);
    if (title)
        JW_MEMBER(w, "title", title);
    if (after && after->n) {
        JW_KEY(w, "after");
        jw_strings(w, after->ids, after->n);
    }
    return u;
}

static void step_end(Emit *e) { jw_object_end(&e->w); }

/* "call": {"service", "operation", "args": {: the caller writes the
 * arguments, then call_end. */
static void call_begin(Emit *e, const char *service, const char *op)
{
    JsonWriter *w = &e->w;
    JW_KEY(w, "call");
    jw_object(w);
    JW_MEMBER(w, "service", service);
    JW_MEMBER(w, "operation", op);
    JW_KEY(w, "args");
    jw_object(w);
}

static void call_end(Emit *e)
{
    jw_object_end(&e->w);
    jw_object_end(&e->w);
}

/* "exists_ok": [code]: the error that means the call's work is done. */
static void exists_ok(Emit *e, const char *code)
{
    JW_KEY(&e->w, "exists_ok");
    jw_strings(&e->w, &code, 1);
}

/* "check": {"operation", "args": {: a read, its arguments written by the
 * caller, then check_expect, the expectations, and check_end. */
static void check_begin(Emit *e, const char *op)
{
    JsonWriter *w = &e->w;
    JW_KEY(w, "check");
    jw_object(w);
    JW_MEMBER(w, "operation", op);
    JW_KEY(w, "args");
    jw_object(w);
}

/* Ends the check's arguments and opens its "expect" list. */
static void check_expect(Emit *e)
{
    jw_object_end(&e->w);
    JW_KEY(&e->w, "expect");
    jw_array(&e->w);
}

/* Ends the expectations; "missing": the error codes meaning "not there". */
static void check_end(Emit *e, const char *const *missing, int nmissing)
{
    jw_array_end(&e->w);
    if (nmissing) {
        JW_KEY(&e->w, "missing");
        jw_strings(&e->w, missing, nmissing);
    }
    jw_object_end(&e->w);
}

/* Opens one expectation {"path": path, how: — the caller writes the
 * value, then expect_end. */
static void expect_begin(Emit *e, const char *path, const char *how)
{
    jw_object(&e->w);
    JW_MEMBER(&e->w, "path", path);
    jw_key(&e->w, how);
}

static void expect_end(Emit *e) { jw_object_end(&e->w); }

/* An expectation whose value is a string. */
static void expect_str(Emit *e, const char *path, const char *how, const char *value)
{
    expect_begin(e, path, how);
    jw_string(&e->w, value);
    expect_end(e);
}

/* ---- policy documents --------------------------------------------------- */

/* How a statement names its principal. */
typedef enum PrinKind {
    PRIN_ANY,                   /* "Principal": "*" */
    PRIN_ONE,                   /* "Principal": {"AWS": "arn"} */
    PRIN_LIST,                  /* "Principal": {"AWS": ["arn", ...]} (even of one) */
} PrinKind;

/* One statement of a policy document. A policy is printed twice (in the
 * call and in its check), so it is kept as data until then. */
typedef struct Stmt {
    const char *sid, *effect;
    PrinKind prin;
    const char *const *principals;  /* PRIN_ONE: one, PRIN_LIST: nprincipals */
    int nprincipals;
    const char *const *actions;     /* one is printed as a string, more as a list */
    int nactions;
    const char *resource;           /* "Resource": one string, or NULL */
    const char *resources[2];       /* else "Resource": this list when [0] is set */
    bool tls_condition;             /* "Condition": aws:SecureTransport false */
} Stmt;

/* A policy document: Version 2012-10-17 and its statements. */
typedef struct Policy {
    Stmt st[4];
    int n;
} Policy;

static Stmt *statement(Policy *p, const char *sid, const char *effect, PrinKind prin,
                       const char *const *principals, int nprincipals,
                       const char *const *actions, int nactions)
{
    Stmt *s = &p->st[p->n++];
    *s = (Stmt){.sid = sid, .effect = effect, .prin = prin, .principals = principals,
                .nprincipals = nprincipals, .actions = actions, .nactions = nactions};
    return s;
}

/* Deny every request not made over TLS, on a bucket and its objects. */
static void tls_statement(Emit *e, Policy *p, const char *bucket)
{
    static const char *const all[] = {"s3:*"};
    Stmt *s = statement(p, "DenyInsecureTransport", "Deny", PRIN_ANY, NULL, 0, all, 1);
    s->resources[0] = CAT(e, "arn:aws:s3:::", bucket);
    s->resources[1] = CAT(e, "arn:aws:s3:::", bucket, "/*");
    s->tls_condition = true;
}

static void put_statement(JsonWriter *w, const Stmt *s)
{
    jw_object(w);
    JW_MEMBER(w, "Sid", s->sid);
    JW_MEMBER(w, "Effect", s->effect);
    JW_KEY(w, "Principal");
    if (s->prin == PRIN_ANY) {
        JW_STR(w, "*");
    } else {
        jw_object(w);
        JW_KEY(w, "AWS");
        if (s->prin == PRIN_ONE)
            jw_string(w, s->principals[0]);
        else
            jw_strings(w, s->principals, s->nprincipals);
        jw_object_end(w);
    }
    JW_KEY(w, "Action");
    if (s->nactions == 1)
        jw_string(w, s->actions[0]);
    else
        jw_strings(w, s->actions, s->nactions);
    if (s->resource) {
        JW_MEMBER(w, "Resource", s->resource);
    } else if (s->resources[0]) {
        JW_KEY(w, "Resource");
        jw_strings(w, s->resources, 2);
    }
    if (s->tls_condition) {
        JW_KEY(w, "Condition");
        jw_object(w);
        JW_KEY(w, "Bool");
        jw_object(w);
        JW_MEMBER(w, "aws:SecureTransport", "false");
        jw_object_end(w);
        jw_object_end(w);
    }
    jw_object_end(w);
}

static void put_policy(JsonWriter *w, const Policy *p)
{
    jw_object(w);
    JW_MEMBER(w, "Version", "2012-10-17");
    JW_KEY(w, "Statement");
    jw_array(w);
    for (int i = 0; i < p->n; i++)
        put_statement(w, &p->st[i]);
    jw_array_end(w);
    jw_object_end(w);
}

/* key: {"$json": doc}: a JSON document passed as a string member. */
static void policy_arg(Emit *e, const char *key, const Policy *p)
{
    jw_key(&e->w, key);
    jw_object(&e->w);
    JW_KEY(&e->w, "$json");
    put_policy(&e->w, p);
    jw_object_end(&e->w);
}

/* A bucket policy step: PutBucketPolicy, checked as a policy document. */
static void bucket_policy_step(Emit *e, int ph, const Acct *ac, const char *id,
                               const char *title, const IdList *after, const char *bucket,
                               const Policy *doc)
{
    static const char *const missing[] = {"NoSuchBucketPolicy"};
    step_begin(e, ph, ac, id, title, after);
    call_begin(e, "s3", "PutBucketPolicy");
    JW_MEMBER(&e->w, "Bucket", bucket);
    policy_arg(e, "Policy", doc);
    call_end(e);
    check_begin(e, "GetBucketPolicy");
    JW_MEMBER(&e->w, "Bucket", bucket);
    check_expect(e);
    expect_begin(e, "Policy", "json");
    put_policy(&e->w, doc);
    expect_end(e);
    check_end(e, missing, 1);
    step_end(e);
}

/* ---- bootstrap: the state bucket (and lock table) of each account ------- */

static const char *boot_bucket_create(Emit *e, Acct *ac, const char *bucket)
{
    static const char *const missing[] = {"NotFound", "NoSuchBucket"};
    JsonWriter *w = &e->w;
    const char *id = CAT(e, "bootstrap/", ac->name, "/state-bucket");
    step_begin(e, PHASE_BOOT, ac, id, CAT(e, "create state bucket ", bucket), NULL);
    call_begin(e, "s3", "CreateBucket");
    JW_MEMBER(w, "Bucket", bucket);
    /* us-east-1 is the one region CreateBucket refuses to be told about */
    if (strcmp(ac->region, "us-east-1") != 0) {
        JW_KEY(w, "CreateBucketConfiguration");
        jw_object(w);
        JW_MEMBER(w, "LocationConstraint", ac->region);
        jw_object_end(w);
    }
    call_end(e);
    exists_ok(e, "BucketAlreadyOwnedByYou");
    check_begin(e, "HeadBucket");
    JW_MEMBER(w, "Bucket", bucket);
    check_expect(e);
    expect_str(e, "BucketRegion", "equals", ac->region);
    check_end(e, missing, 2);
    step_end(e);
    ready_push(e, ac, id);
    return id;
}

/* Writes a configuration or the value a check expects. */
typedef void (*PutFn)(JsonWriter *w);

/* {"Status": "Enabled"} */
static void put_versioning(JsonWriter *w)
{
    jw_object(w);
    JW_MEMBER(w, "Status", "Enabled");
    jw_object_end(w);
}

static void put_enabled(JsonWriter *w) { JW_STR(w, "Enabled"); }

static void put_encryption(JsonWriter *w)
{
    jw_object(w);
    JW_KEY(w, "Rules");
    jw_array(w);
    jw_object(w);
    JW_KEY(w, "ApplyServerSideEncryptionByDefault");
    jw_object(w);
    JW_MEMBER(w, "SSEAlgorithm", "aws:kms");
    jw_object_end(w);
    JW_KEY(w, "BucketKeyEnabled");
    jw_bool(w, true);
    jw_object_end(w);
    jw_array_end(w);
    jw_object_end(w);
}

static void put_kms(JsonWriter *w) { JW_STR(w, "aws:kms"); }

static void put_public_access_block(JsonWriter *w)
{
    jw_object(w);
    JW_KEY(w, "BlockPublicAcls");
    jw_bool(w, true);
    JW_KEY(w, "IgnorePublicAcls");
    jw_bool(w, true);
    JW_KEY(w, "BlockPublicPolicy");
    jw_bool(w, true);
    JW_KEY(w, "RestrictPublicBuckets");
    jw_bool(w, true);
    jw_object_end(w);
}

/* One Put* configuration of the state bucket, checked by its Get*. */
static const char *boot_bucket_setting(Emit *e, Acct *ac, const char *bucket, const char *what,
                                       const IdList *after, const char *put, const char *key,
                                       PutFn config, const char *getop, const char *path,
                                       PutFn want, const char *missing)
{
    JsonWriter *w = &e->w;
    const char *id = CAT(e, "bootstrap/", ac->name, "/state-bucket/", what);
    step_begin(e, PHASE_BOOT, ac, id, NULL, after);
    call_begin(e, "s3", put);
    JW_MEMBER(w, "Bucket", bucket);
    jw_key(w, key);
    config(w);
    call_end(e);
    check_begin(e, getop);
    JW_MEMBER(w, "Bucket", bucket);
    check_expect(e);
    expect_begin(e, path, "equals");
    want(w);
    expect_end(e);
    check_end(e, &missing, missing ? 1 : 0);
    step_end(e);
    ready_push(e, ac, id);
    return id;
}

static void boot_state_bucket(Emit *e, Acct *ac, const char *bucket)
{
    IdList after = {0};
    ids_push(&after, boot_bucket_create(e, ac, bucket));
    boot_bucket_setting(e, ac, bucket, "versioning", &after, "PutBucketVersioning",
                        "VersioningConfiguration", put_versioning, "GetBucketVersioning", "Status",
                        put_enabled, NULL);
    boot_bucket_setting(e, ac, bucket, "encryption", &after, "PutBucketEncryption",
                        "ServerSideEncryptionConfiguration", put_encryption, "GetBucketEncryption",
                        "ServerSideEncryptionConfiguration.Rules[0]."
                        "ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                        put_kms, "ServerSideEncryptionConfigurationNotFoundError");
    const char *pab = boot_bucket_setting(
        e, ac, bucket, "public-access-block", &after, "PutPublicAccessBlock",
        "PublicAccessBlockConfiguration", put_public_access_block, "GetPublicAccessBlock",
        "PublicAccessBlockConfiguration", put_public_access_block,
        "NoSuchPublicAccessBlockConfiguration");
    /* the policy after the block: S3 may refuse policies while it changes */
    after.n = 0;
    ids_push(&after, pab);
    const char *id = CAT(e, "bootstrap/", ac->name, "/state-bucket/tls-only");
    Policy doc = {0};
    tls_statement(e, &doc, bucket);
    bucket_policy_step(e, PHASE_BOOT, ac, id, "deny every request not made over TLS", &after,
                       bucket, &doc);
    ready_push(e, ac, id);
    free(after.ids);
}

/* [{"AttributeName": "LockID", "KeyType": "HASH"}] */
static void put_lock_key(JsonWriter *w)
{
    jw_array(w);
    jw_object(w);
    JW_MEMBER(w, "AttributeName", "LockID");
    JW_MEMBER(w, "KeyType", "HASH");
    jw_object_end(w);
    jw_array_end(w);
}

static void boot_lock_table(Emit *e, Acct *ac, const char *table)
{
    static const char *const missing[] = {"ResourceNotFoundException"};
    JsonWriter *w = &e->w;
    const char *id = CAT(e, "bootstrap/", ac->name, "/lock-table");
    step_begin(e, PHASE_BOOT, ac, id, CAT(e, "create state lock table ", table),
               NULL);
    call_begin(e, "dynamodb", "CreateTable");
    JW_MEMBER(w, "TableName", table);
    JW_MEMBER(w, "BillingMode", "PAY_PER_REQUEST");
    JW_KEY(w, "AttributeDefinitions");
    jw_array(w);
    jw_object(w);
    JW_MEMBER(w, "AttributeName", "LockID");
    JW_MEMBER(w, "AttributeType", "S");
    jw_object_end(w);
    jw_array_end(w);
    JW_KEY(w, "KeySchema");
    put_lock_key(w);
    JW_KEY(w, "SSESpecification");
    jw_object(w);
    JW_KEY(w, "Enabled");
    jw_bool(w, true);
    jw_object_end(w);
    call_end(e);
    exists_ok(e, "ResourceInUseException");
    check_begin(e, "DescribeTable");
    JW_MEMBER(w, "TableName", table);
    check_expect(e);
    expect_begin(e, "Table.KeySchema", "equals");
    put_lock_key(w);
    expect_end(e);
    check_end(e, missing, 1);
    step_end(e);
    ready_push(e, ac, id);
}

static void phase_bootstrap(Emit *e)
{
    for (int i = 0; i < e->naccts; i++) {
        prefetch_acct(e, i);
        ArenaMark mk = arena_mark(&e->a);
        Acct *ac = &e->accts[i];
        char bucket[256];
        if (names_state_bucket(&e->nc, ac->obj, bucket, sizeof bucket) == 0 ||
            strlen(bucket) >= sizeof bucket - 1)
            continue;
        boot_state_bucket(e, ac, bucket);
        const char *table = name_of(e, NAME_LOCK_TABLE, ac->obj);
        if (*table)
            boot_lock_table(e, ac, table);
        arena_reset(&e->a, mk);
        hand_over(e, false);
    }
}

/* ---- handshake ---------------------------------------------------------- */

/* The account a sub account trusts to deploy it: its `parent`, else the
 * first core account of the platform; NULL for a core account. */
static const Object *trusted_account(Emit *e, const Acct *ac)
{
    if (ac->core)
        return NULL;
    const Value *p = get(e, ac->obj, "parent");
    if (p && p->kind == VAL_REF && p->ref && p->ref != ac->obj)
        return p->ref;
    if (!e->first_core_known) {
        const ObjList *all = model_kind(e->m, "account");
        for (int i = 0; i < all->n && !e->first_core; i++) {
            const char *k = get_str(e, all->items[i], "kind");
            if (k && strcmp(k, "core") == 0)
                e->first_core = all->items[i];
        }
        e->first_core_known = true;
    }
    return e->first_core;
}

/* The role every deploy of an account runs as — the tree's providers and
 * backends assume it (SPEC §13.5) — with AdministratorAccess (it deploys
 * everything in the account). Every account gets one, core included. It
 * trusts its parent's root (CI in the parent deploys it) and its own
 * account's root: sfdrun hands a deploy run the session of the account's
 * `role`, from which the generated provider assumes this role, and on AWS a
 * role of the same account may only be assumed when the trust policy names
 * that account (identity policies then decide, and the account's admin
 * role has sts:AssumeRole). */
static void hand_deployer(Emit *e, Acct *ac)
{
    static const char *const missing[] = {"NoSuchEntity"};
    static const char *const assume[] = {"sts:AssumeRole"};
    static const char admin[] = "arn:aws:iam::aws:policy/AdministratorAccess";
    JsonWriter *w = &e->w;
    const Object *parent = trusted_account(e, ac);
    const char *pid = parent ? get_str(e, parent, "id") : NULL;
    const char *role = name_of(e, NAME_DEPLOYER_ROLE, ac->obj);
    const char *id = CAT(e, "handshake/", ac->name, "/deployer-role");
    const char *parent_root = pid ? root_arn(e, pid) : NULL;
    const char *own_root = root_arn(e, ac->id);
    Policy trust = {0};
    if (pid && strcmp(pid, ac->id) != 0)
        statement(&trust, "TrustParent", "Allow", PRIN_ONE, &parent_root, 1, assume, 1);
    statement(&trust, "TrustOwnAccount", "Allow", PRIN_ONE, &own_root, 1, assume, 1);
    step_begin(e, PHASE_HAND, ac, id,
               pid ? CAT(e, "role ", role, " lets account ", parent->name,
                         " (and this one) deploy here")
                   : CAT(e, "role ", role, " that this account's deploys run as"),
               NULL);
    call_begin(e, "iam", "CreateRole");
    JW_MEMBER(w, "RoleName", role);
    JW_MEMBER(w, "Path", NAMES_DEPLOYER_PATH);
    policy_arg(e, "AssumeRolePolicyDocument", &trust);
    JW_KEY(w, "MaxSessionDuration");
    jw_int(w, 3600);
    call_end(e);
    exists_ok(e, "EntityAlreadyExists");
    check_begin(e, "GetRole");
    JW_MEMBER(w, "RoleName", role);
    check_expect(e);
    expect_begin(e, "Role.AssumeRolePolicyDocument", "json");
    put_policy(w, &trust);
    expect_end(e);
    expect_str(e, "Role.Path", "equals", NAMES_DEPLOYER_PATH);
    check_end(e, missing, 1);
    step_end(e);
    ready_push(e, ac, id);

    IdList after = {0};
    ids_push(&after, id);
    const char *aid = CAT(e, id, "/admin");
    step_begin(e, PHASE_HAND, ac, aid, NULL, &after);
    call_begin(e, "iam", "AttachRolePolicy");
    JW_MEMBER(w, "RoleName", role);
    JW_MEMBER(w, "PolicyArn", admin);
    call_end(e);
    check_begin(e, "ListAttachedRolePolicies");
    JW_MEMBER(w, "RoleName", role);
    check_expect(e);
    expect_begin(e, CAT(e, "AttachedPolicies[PolicyArn=", admin, "]"), "exists");
    jw_bool(w, true);
    expect_end(e);
    check_end(e, NULL, 0);
    step_end(e);
    ready_push(e, ac, aid);
    free(after.ids);
}

static const char *deploy_id(Emit *e, const Acct *ac)
{
    return e->opt.deploy == PLAN_DEPLOY_NONE ? NULL : CAT(e, "deploy/", ac->name);
}

/* Accounts whose deploy waits for the repository policy: pulling accounts
 * deployed after the repository's (core before the others), so no cycle. */
static bool waits_for(const Acct *puller, const Acct *owner)
{
    return owner->core && !puller->core;
}

/* The accounts (other than its own) whose services in this environment
 * use repo as `image`, as account roots, sorted. Returns the count. */
static int ecr_pullers(Emit *e, const Object *repo, const char **roots, Acct **who, int cap)
{
    const ObjList *svcs = model_kind(e->m, "service");
    int n = 0;
    for (int i = 0; i < svcs->n; i++) {
        rctx_prefetch(e->m, svcs, i);
        const Object *svc = svcs->items[i];
        const Value *img = get(e, svc, "image");
        Acct *ac = acct_of(e, svc->account);
        if (!ac || !img || img->kind != VAL_REF || img->ref != repo ||
            svc->account == repo->account || n == cap)
            continue;
        roots[n] = root_arn(e, ac->id);
        who[n++] = ac;
    }
    return n;
}

/* The repository policy of one repository: pull for exactly the accounts
 * whose services use it, push for exactly the principals of its `push`
 * (never `*`: E0608), nothing else. The
 * document is the one the ecr module writes for the same inputs
 * (`pull_account_ids`), so Terraform and this step never undo each other. */
static void hand_ecr(Emit *e, const Object *repo)
{
    static const char *const missing[] = {"RepositoryPolicyNotFoundException"};
    static const char *const pull[] = {"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                       "ecr:GetDownloadUrlForLayer"};
    static const char *const push[] = {"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                       "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer",
                                       "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"};
    Acct *owner = acct_of(e, repo->account);
    if (!owner || !model_creates(e->m, repo))
        return;
    const char **shared = NULL;
    int nshared = model_shared(e->m, repo) ? model_shared_pullers(e->m, repo, &shared) : 0;
    int cap = model_kind(e->m, "service")->n + nshared + 1;
    const char **roots = xmalloc((size_t)cap * sizeof *roots);
    Acct **who = xmalloc((size_t)cap * sizeof *who);
    int n = ecr_pullers(e, repo, roots, who, cap);
    int nroots = n;
    for (int i = 0; i < nshared; i++)   /* a shared registry: every environment's */
        roots[nroots++] = root_arn(e, shared[i]);
    free(shared);
    nroots = sort_unique(roots, nroots);
    const Value *pv = get(e, repo, "push");
    int npush = 0;
    const char **pushers = xmalloc(((size_t)(pv && pv->kind == VAL_LIST ? pv->n : 0) + 1) * sizeof *pushers);
    for (uint32_t i = 0; pv && pv->kind == VAL_LIST && i < pv->n; i++)
        if (pv->items[i]->kind == VAL_STR)
            pushers[npush++] = pv->items[i]->u.str;
    npush = sort_unique(pushers, npush);
    if (nroots || npush) {
        char name[512];
        names_ecr(&e->nc, repo, name, sizeof name);
        Policy doc = {0};
        if (nroots)
            statement(&doc, "CrossAccountPull", "Allow", PRIN_LIST, roots, nroots, pull, 3);
        if (npush)
            statement(&doc, "Push", "Allow", PRIN_LIST, pushers, npush, push, 7);
        const char *id = CAT(e, "handshake/", owner->name, "/ecr-pull/", slug(e, repo->name));
        IdList after = {0};
        if (deploy_id(e, owner))
            ids_push(&after, deploy_id(e, owner));
        id = step_begin(e, PHASE_HAND, owner, id,
                        nroots ? arena_printf(&e->a, "let %d account%s pull from %s%s", nroots,
                                              nroots == 1 ? "" : "s", name, npush ? " (and CI push)" : "")
                               : arena_printf(&e->a, "let %d principal%s push to %s", npush,
                                              npush == 1 ? "" : "s", name),
                        &after);
        call_begin(e, "ecr", "SetRepositoryPolicy");
        JW_MEMBER(&e->w, "repositoryName", name);
        policy_arg(e, "policyText", &doc);
        call_end(e);
        check_begin(e, "GetRepositoryPolicy");
        JW_MEMBER(&e->w, "repositoryName", name);
        check_expect(e);
        expect_begin(e, "policyText", "json");
        put_policy(&e->w, &doc);
        expect_end(e);
        check_end(e, missing, 1);
        step_end(e);
        for (int i = 0; i < n; i++) {
            IdList *r = &who[i]->ready;
            if (waits_for(who[i], owner) && !(r->n && r->ids[r->n - 1] == id))
                ids_push(r, id);
        }
        free(after.ids);
    }
    free(roots);
    free(who);
    free(pushers);
}

/* The policy of a bucket with `readers`: what the s3-bucket module writes
 * for it (TLS-only deny, list and read for the readers' roots). */
static void hand_bucket_readers(Emit *e, const Object *b)
{
    static const char *const list[] = {"s3:ListBucket", "s3:GetBucketLocation"};
    static const char *const read[] = {"s3:GetObject", "s3:GetObjectVersion"};
    Acct *owner = acct_of(e, b->account);
    const Value *rv = get(e, b, "readers");
    if (!owner || !rv || rv->kind != VAL_LIST || rv->n == 0)
        return;
    const char **roots = xmalloc(rv->n * sizeof *roots);
    int n = 0;
    for (uint32_t i = 0; i < rv->n; i++) {
        const Value *r = rv->items[i];
        const char *rid = r->kind == VAL_REF && r->ref ? get_str(e, r->ref, "id") : NULL;
        if (rid && r->ref != b->account)
            roots[n++] = root_arn(e, rid);
    }
    n = sort_unique(roots, n);
    if (n) {
        char name[512];
        names_bucket(&e->nc, b, name, sizeof name, NULL);
        Policy doc = {0};
        if (get_bool(e, b, "tls_only", true))
            tls_statement(e, &doc, name);
        Stmt *st = statement(&doc, "CrossAccountList", "Allow", PRIN_LIST, roots, n, list, 2);
        st->resource = CAT(e, "arn:aws:s3:::", name);
        st = statement(&doc, "CrossAccountRead", "Allow", PRIN_LIST, roots, n, read, 2);
        st->resource = CAT(e, "arn:aws:s3:::", name, "/*");
        IdList after = {0};
        if (deploy_id(e, owner))
            ids_push(&after, deploy_id(e, owner));
        const char *id = CAT(e, "handshake/", owner->name, "/bucket-readers/", slug(e, b->name));
        bucket_policy_step(e, PHASE_HAND, owner, id,
                           arena_printf(&e->a, "let %d account%s read bucket %s", n,
                                        n == 1 ? "" : "s", name),
                           &after, name, &doc);
        free(after.ids);
    }
    free(roots);
}

static void phase_handshake(Emit *e)
{
    ArenaMark mk = arena_mark(&e->a);
    for (int i = 0; i < e->naccts; i++) {
        prefetch_acct(e, i);
        hand_deployer(e, &e->accts[i]);
        arena_reset(&e->a, mk);
        hand_over(e, false);
    }
    const ObjList *repos = model_kind(e->m, "ecr");
    for (int i = 0; i < repos->n; i++) {
        hand_ecr(e, repos->items[i]);
        arena_reset(&e->a, mk);
        hand_over(e, false);
    }
    const ObjList *buckets = model_kind(e->m, "bucket");
    for (int i = 0; i < buckets->n; i++) {
        rctx_prefetch_account(e->m, buckets, i);
        hand_bucket_readers(e, buckets->items[i]);
        arena_reset(&e->a, mk);
        hand_over(e, false);
    }
}

/* ---- deploy ------------------------------------------------------------- */

/* Opens "run": {"argv", "cwd", "env"}: the caller may add "shared", then
 * closes it with jw_object_end. */
static void run_begin(Emit *e, const Acct *ac, const char *const *argv, int argc)
{
    JsonWriter *w = &e->w;
    JW_KEY(w, "run");
    jw_object(w);
    JW_KEY(w, "argv");
    jw_strings(w, argv, argc);
    JW_MEMBER(w, "cwd", CAT(e, e->opt.deploy_dir, ac->dir));
    if (e->opt.deploy == PLAN_DEPLOY_TERRAGRUNT) {
        JW_KEY(w, "env");
        jw_object(w);
        JW_MEMBER(w, "TG_TF_PATH", "terraform");
        jw_object_end(w);
    }
}

/* run.shared: the units (terragrunt) or modules (terraform) of account ac
 * that hold a shared resource this environment owns and other
 * environments use (SPEC §7.5), so `sfdrun destroy` keeps them. */
static void add_shared(Emit *e, const Acct *ac)
{
    JsonWriter *w = &e->w;
    const ObjList *repos = model_kind(e->m, "ecr");
    bool any = false;
    for (int i = 0; i < repos->n; i++) {
        const Object *o = repos->items[i];
        const char **users = NULL;
        int n = o->account == ac->obj && model_shared(e->m, o) && model_creates(e->m, o)
                    ? model_shared_users(e->m, o, &users) : 0;
        if (n > 0) {
            char dir[128];
            names_unit_dir("ecr", o->name, dir, sizeof dir);
            if (e->opt.deploy == PLAN_DEPLOY_TERRAFORM)
                names_unit_label(dir);
            if (!any) {
                JW_KEY(w, "shared");
                jw_array(w);
                any = true;
            }
            jw_object(w);
            JW_MEMBER(w, "unit", e->opt.deploy == PLAN_DEPLOY_TERRAFORM
                                  ? CAT(e, "module.", dir) : dir);
            JW_MEMBER(w, "resource", o->path);
            JW_KEY(w, "used_by");
            jw_strings(w, users, n);
            jw_object_end(w);
        }
        free(users);
    }
    if (any)
        jw_array_end(w);
}

static void deploy_account(Emit *e, const Acct *ac)
{
    static const char *const tg[] = {"terragrunt", "run", "--all", "--non-interactive", "--",
                                     "apply", "-auto-approve"};
    static const char *const init[] = {"terraform", "init", "-input=false"};
    static const char *const apply[] = {"terraform", "apply", "-input=false", "-auto-approve"};
    IdList after = {0};
    for (int i = 0; i < ac->ready.n; i++)
        ids_push(&after, ac->ready.ids[i]);
    for (int i = 0; !ac->core && i < e->core_deploys.n; i++)
        ids_push(&after, e->core_deploys.ids[i]);
    const char *id = deploy_id(e, ac);
    const char *dir = CAT(e, e->opt.deploy_dir, ac->dir);
    if (e->opt.deploy == PLAN_DEPLOY_TERRAFORM) {
        const char *iid = CAT(e, id, "/init");
        step_begin(e, PHASE_DEPLOY, ac, iid, CAT(e, "terraform init in ", dir),
                   &after);
        run_begin(e, ac, init, 3);
        jw_object_end(&e->w);
        step_end(e);
        after.n = 0;
        ids_push(&after, iid);
        step_begin(e, PHASE_DEPLOY, ac, id, CAT(e, "terraform apply in ", dir),
                   &after);
        run_begin(e, ac, apply, 4);
    } else {
        step_begin(e, PHASE_DEPLOY, ac, id,
                   CAT(e, "terragrunt apply of every unit in ", dir), &after);
        run_begin(e, ac, tg, 7);
    }
    add_shared(e, ac);
    jw_object_end(&e->w);
    step_end(e);
    free(after.ids);
}

static void phase_deploy(Emit *e)
{
    if (e->opt.deploy == PLAN_DEPLOY_NONE)
        return;
    ArenaMark mk = arena_mark(&e->a);
    for (int core = 1; core >= 0; core--)
        for (int i = 0; i < e->naccts; i++) {
            prefetch_acct(e, i);
            if (e->accts[i].core == (core == 1)) {
                deploy_account(e, &e->accts[i]);
                arena_reset(&e->a, mk);
                hand_over(e, false);
            }
        }
}

/* ---- operate ------------------------------------------------------------ */

/* The ECS cluster of a service: the one names.h says it runs in, the
 * cluster the tree creates for it. */
static const char *ecs_cluster(Emit *e, const Object *svc)
{
    char buf[512];
    names_service_cluster(&e->nc, svc, buf, sizeof buf);
    return arena_strdup(&e->a, buf);
}

/* The members naming a service's scalable target; with ids, ResourceIds
 * [resource] (the read) in place of ResourceId, after the dimension. */
static void target_args(Emit *e, const char *resource, bool ids)
{
    JsonWriter *w = &e->w;
    JW_MEMBER(w, "ServiceNamespace", "ecs");
    if (!ids)
        JW_MEMBER(w, "ResourceId", resource);
    JW_MEMBER(w, "ScalableDimension", "ecs:service:DesiredCount");
    if (ids) {
        JW_KEY(w, "ResourceIds");
        jw_strings(w, &resource, 1);
    }
}

/* {"MinCapacity": lo, "MaxCapacity": hi} */
static void put_capacity(JsonWriter *w, int lo, int hi)
{
    jw_object(w);
    JW_KEY(w, "MinCapacity");
    jw_int(w, lo);
    JW_KEY(w, "MaxCapacity");
    jw_int(w, hi);
    jw_object_end(w);
}

/* The scalable target, registered at zero: the service is off until its
 * window opens. Its check tests existence only (schedules move min/max). */
static const char *op_target(Emit *e, const Acct *ac, const char *base, const char *resource,
                             const IdList *after)
{
    JsonWriter *w = &e->w;
    const char *id = CAT(e, base, "/scalable-target");
    id = step_begin(e, PHASE_OPERATE, ac, id, NULL, after);
    call_begin(e, "application-autoscaling", "RegisterScalableTarget");
    target_args(e, resource, false);
    JW_KEY(w, "MinCapacity");
    jw_int(w, 0);
    JW_KEY(w, "MaxCapacity");
    jw_int(w, 0);
    call_end(e);
    check_begin(e, "DescribeScalableTargets");
    target_args(e, resource, true);
    check_expect(e);
    expect_str(e, "ScalableTargets[0].ResourceId", "equals", resource);
    check_end(e, NULL, 0);
    step_end(e);
    return id;
}

/* One scheduled action. Its name is the one lower.c gives the ecs-service
 * module's `scheduled_actions` entry ("daemon-on", or "daemon-on-2" when
 * a schedule switches on more than once a week), so this step checks and
 * repairs what Terraform made rather than adding a second set. */
static void op_action(Emit *e, const Acct *ac, const char *base, const Object *so,
                      const char *resource, const SchedAction *act, int k, int of,
                      const char *zone, int lo, int hi, const IdList *after)
{
    JsonWriter *w = &e->w;
    const char *what = of > 1 ? arena_printf(&e->a, "%s-%d", act->up ? "on" : "off", k)
                              : (act->up ? "on" : "off");
    const char *svc = so->name;
    char buf[512];
    names_scheduled_action(&e->nc, so, act->up, k, of, buf, sizeof buf);
    const char *name = arena_strdup(&e->a, buf);
    const char *id = CAT(e, base, "/schedule-", what);
    int mn = act->up ? lo : 0, mx = act->up ? hi : 0;
    step_begin(e, PHASE_OPERATE, ac, id,
               act->up ? CAT(e, "switch ", svc, " on at ", act->cron)
                       : CAT(e, "switch ", svc, " off (max 0) at ", act->cron),
               after);
    call_begin(e, "application-autoscaling", "PutScheduledAction");
    target_args(e, resource, false);
    JW_MEMBER(w, "ScheduledActionName", name);
    JW_MEMBER(w, "Schedule", act->cron);
    JW_MEMBER(w, "Timezone", zone);
    JW_KEY(w, "ScalableTargetAction");
    put_capacity(w, mn, mx);
    call_end(e);
    check_begin(e, "DescribeScheduledActions");
    target_args(e, resource, false);
    JW_KEY(w, "ScheduledActionNames");
    jw_strings(w, &name, 1);
    check_expect(e);
    expect_str(e, "ScheduledActions[0].Schedule", "equals", act->cron);
    expect_str(e, "ScheduledActions[0].Timezone", "equals", zone);
    expect_begin(e, "ScheduledActions[0].ScalableTargetAction", "equals");
    put_capacity(w, mn, mx);
    expect_end(e);
    check_end(e, NULL, 0);
    step_end(e);
}

/* A service off by default and never switched on by schedule: desired 0. */
static void op_off(Emit *e, const Acct *ac, const char *base, const char *cluster,
                   const char *svc, const IdList *after)
{
    JsonWriter *w = &e->w;
    const char *id = CAT(e, base, "/off");
    step_begin(e, PHASE_OPERATE, ac, id, CAT(e, svc, " is off by default"), after);
    call_begin(e, "ecs", "UpdateService");
    JW_MEMBER(w, "cluster", cluster);
    JW_MEMBER(w, "service", svc);
    JW_KEY(w, "desiredCount");
    jw_int(w, 0);
    call_end(e);
    check_begin(e, "DescribeServices");
    JW_MEMBER(w, "cluster", cluster);
    JW_KEY(w, "services");
    jw_strings(w, &svc, 1);
    check_expect(e);
    expect_begin(e, "services[0].desiredCount", "equals");
    jw_int(w, 0);
    expect_end(e);
    check_end(e, NULL, 0);
    step_end(e);
}

/* The on-window of a service as scheduled actions; false when it has no
 * window or the window may not switch it on in this environment. */
static bool service_schedule(Emit *e, const Object *svc, Schedule *sc, SchedAction *acts,
                             int *nacts)
{
    const Value *w = get(e, svc, "window");
    if (!w || w->kind != VAL_STR)
        return false;
    const char *def = get_str(e, svc, "default");
    bool off = def && strcmp(def, "off") == 0;
    if (off && !(e->env && get_bool(e, e->env->obj, "scheduled_on", false)))
        return false;
    /* the services of a template share one window: sc and acts still hold
       the last one's parse, which was most of the operate phase's time */
    if (!e->sched_text || strcmp(e->sched_text, w->u.str) != 0) {
        SchedError err;
        e->sched_text = w->u.str;
        e->sched_n = sched_parse(w->u.str, strlen(w->u.str), sc, &err)
                         ? sched_actions(sc, acts, SCHED_MAX_IVS) : 0;
    }
    *nacts = e->sched_n;
    return *nacts > 0;
}

static void operate_service(Emit *e, const Object *svc, Schedule *sc, SchedAction *acts)
{
    Acct *ac = acct_of(e, svc->account);
    if (!ac || !svc->name)
        return;
    const char *cluster = ecs_cluster(e, svc);
    const char *name = name_of(e, NAME_SERVICE, svc);
    const char *base = CAT(e, "operate/", ac->name, "/", slug(e, name));
    const char *resource = CAT(e, "service/", cluster, "/", name);
    IdList after = {0};
    if (deploy_id(e, ac))
        ids_push(&after, deploy_id(e, ac));
    int nacts = 0;
    bool scheduled = service_schedule(e, svc, sc, acts, &nacts);
    const Value *scale = get(e, svc, "scale");
    int lo = 0, hi = 1;
    if (scale && scale->kind == VAL_RANGE && scale->items[0]->kind == VAL_NUM &&
        scale->items[1]->kind == VAL_NUM) {
        lo = (int)scale->items[0]->u.num;
        hi = (int)scale->items[1]->u.num;
    }
    /* switching on needs a minimum of at least one: min 0 keeps desired 0 */
    int on_min = lo > 0 ? lo : (hi > 0 ? 1 : 0);
    const char *def = get_str(e, svc, "default");
    if (scheduled && hi > 0) {
        const char *tid = op_target(e, ac, base, resource, &after);
        IdList t = {0};
        ids_push(&t, tid);
        int nup = 0, kup = 0, kdown = 0;
        for (int i = 0; i < nacts; i++)
            nup += acts[i].up;
        for (int i = 0; i < nacts; i++)
            op_action(e, ac, base, svc, resource, &acts[i], acts[i].up ? ++kup : ++kdown,
                      acts[i].up ? nup : nacts - nup, sc->zone, on_min, hi, &t);
        free(t.ids);
    } else if (def && strcmp(def, "off") == 0 && !model_started_on_demand(e->m, svc, e->env)) {
        /* a service uploads start goes down by its idle alarm: an operate
           step forcing desired 0 would stop a run an upload just started,
           on every re-apply; the module creates it at 0 already */
        op_off(e, ac, base, cluster, name, &after);
    }
    free(after.ids);
}

static void phase_operate(Emit *e)
{
    /* a Schedule is large (windows and intervals): one, reused */
    Schedule *sc = xmalloc(sizeof *sc);
    SchedAction *acts = xmalloc(SCHED_MAX_IVS * sizeof *acts);
    const ObjList *svcs = model_kind(e->m, "service");
    ArenaMark mk = arena_mark(&e->a);
    for (int i = 0; i < svcs->n; i++) {
        rctx_prefetch_account(e->m, svcs, i);
        operate_service(e, svcs->items[i], sc, acts);
        arena_reset(&e->a, mk);
        hand_over(e, false);
    }
    free(sc);
    free(acts);
}

/* ---- the document ------------------------------------------------------- */

/* Is account o deployed in the environment (`accounts` = all, or a list)? */
static bool in_env(const Emit *e, const Object *o)
{
    if (!e->env)
        return true;
    const Value *v = model_get(e->m, e->env->obj, "accounts");
    if (!v || v->kind != VAL_LIST)
        return true;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF && v->items[i]->ref == o)
            return true;
    return false;
}

static void collect_accounts(Emit *e)
{
    const ObjList *all = model_kind(e->m, "account");
    e->accts = xcalloc((size_t)all->n + 1, sizeof *e->accts);
    e->acct_objs.items = xcalloc((size_t)all->n + 1, sizeof *e->acct_objs.items);
    for (int i = 0; i < all->n; i++) {
        rctx_prefetch(e->m, all, i);
        Object *o = all->items[i];
        const char *id = get_str(e, o, "id");
        if (!o->name || !id || !in_env(e, o))
            continue;
        e->acct_objs.items[e->acct_objs.n++] = o;
        Acct *ac = &e->accts[e->naccts++];
        ac->obj = o;
        ac->name = o->name;
        char dir[256];
        names_account_dir(&e->nc, o, dir, sizeof dir);
        ac->dir = arena_strdup(&e->a, dir);
        ac->id = id;
        const char *r = get_str(e, o, "region");
        ac->region = r ? r : e->region;
        const char *kind = get_str(e, o, "kind");
        ac->core = kind && strcmp(kind, "core") == 0;
        table_put(&e->acct_by_obj, o, ac);
        if (ac->core && deploy_id(e, ac))
            ids_push(&e->core_deploys, deploy_id(e, ac));
    }
}

/* "accounts": {NAME: {"id", "role_arn"}} */
static void put_accounts(Emit *e)
{
    JsonWriter *w = &e->w;
    JW_KEY(w, "accounts");
    jw_object(w);
    ArenaMark mk = arena_mark(&e->a);
    for (int i = 0; i < e->naccts; i++) {
        prefetch_acct(e, i);
        const Acct *ac = &e->accts[i];
        arena_reset(&e->a, mk);
        jw_key(w, ac->name);
        jw_object(w);
        JW_MEMBER(w, "id", ac->id);
        /* the role the tree's providers and backends assume (names.h) */
        JW_MEMBER(w, "role_arn", CAT(e, "arn:aws:iam::", ac->id, ":role/",
                                     name_of(e, NAME_ACCOUNT_ROLE, ac->obj)));
        jw_object_end(w);
    }
    jw_object_end(w);
}

void planemit_source_hash(const Program *pg, char out[72])
{
    static const char hex[] = "0123456789abcdef";
    Sha256 s;
    uint8_t d[32];
    sha256_init(&s);
    for (int i = 0; i < pg->nfiles; i++) {
        const File *f = pg->files[i];
        if (f->is_std || !f->src)
            continue;
        uint8_t len[8];
        for (int k = 0; k < 8; k++)
            len[k] = (uint8_t)((uint64_t)f->src->len >> (8 * k));
        sha256_update(&s, len, sizeof len);
        sha256_update(&s, f->src->text, f->src->len);
    }
    sha256_final(&s, d);
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[d[i] >> 4];
        out[8 + 2 * i] = hex[d[i] & 15];
    }
    out[71] = '\0';
}

/* ---- streaming the document --------------------------------------------- */

/* Hands the printed text to the sink once there is enough of it (or all of
 * it, with force). */
static void hand_over(Emit *e, bool force)
{
    if (e->out.oom || e->out.n == 0 || (!force && e->out.n < PLAN_CHUNK))
        return;
    if (e->opt.take) {     /* the buffer goes; the next one is as big */
        e->opt.take(e->sink_ctx, e->out.p, e->out.n);
        e->out.n = 0;
        e->out.p = malloc(e->out.cap);
        e->out.oom = !e->out.p;
        if (e->out.p)
            e->out.p[0] = '\0';
        return;
    }
    e->sink(e->sink_ctx, e->out.p, e->out.n);
    e->out.n = 0;
    e->out.p[0] = '\0';
}

/* The "services" member, one entry per service with a sfdrun target,
 * printed as it is made (the strings it needs are released with it). */
static void put_services(Emit *e)
{
    JsonWriter *w = &e->w;
    const ObjList *svcs = model_kind(e->m, "service");
    JW_KEY(w, "services");
    jw_object(w);
    for (int i = 0; i < svcs->n; i++) {
        rctx_prefetch_account(e->m, svcs, i);
        const Object *svc = svcs->items[i];
        Acct *ac = acct_of(e, svc->account);
        if (!ac || !svc->name)
            continue;
        ArenaMark m = arena_mark(&e->a);
        const char *name = name_of(e, NAME_SERVICE, svc);
        jw_key(w, CAT(e, ac->name, "/", name));
        jw_object(w);
        JW_MEMBER(w, "account", ac->name);
        if (strcmp(ac->region, e->region) != 0)
            JW_MEMBER(w, "region", ac->region);
        JW_MEMBER(w, "cluster", ecs_cluster(e, svc));
        JW_MEMBER(w, "service", name);
        JW_KEY(w, "scalable_target");
        jw_bool(w, lower_autoscaled(e->m, svc, e->env));
        jw_object_end(w);
        arena_reset(&e->a, m);
        hand_over(e, false);
    }
    jw_object_end(w);
}

/* The members before "services", in the order of the format. */
static void put_head(Emit *e)
{
    JsonWriter *w = &e->w;
    char hash[72];
    planemit_source_hash(e->m->pg, hash);
    JW_KEY(w, "format");
    JW_STR(w, "sfdc-plan");
    JW_KEY(w, "version");
    jw_int(w, 1);
    JW_MEMBER(w, "source_hash", hash);
    JW_MEMBER(w, "generator", e->opt.generator);
    JW_MEMBER(w, "platform", e->platform);
    if (e->env)
        JW_MEMBER(w, "environment", e->env->name);
    JW_MEMBER(w, "region", e->region);
    put_accounts(e);
}

static void document(Emit *e)
{
    JsonWriter *w = &e->w;
    jw_object(w);
    put_head(e);
    put_services(e);
    JW_KEY(w, "steps");
    jw_array(w);
    phase_bootstrap(e);
    phase_handshake(e);
    phase_deploy(e);
    phase_operate(e);
    jw_array_end(w);
    jw_object_end(w);
    sb_putn(&e->out, "\n", 1);
    hand_over(e, true);
}

bool planemit_write(const Model *m, const Environment *env, const PlanEmitOptions *o, PlanSink sink,
                    void *ctx)
{
    /* a memo: without one, names_cluster_of looked through the blocks of
       a service's account for a cluster (at 30,000 LAs a miss a block),
       names.c's field lookups compared strings, and every name built on an
       account's "P-A" made it again */
    NameMemo *memo = xcalloc(1, sizeof *memo);
    Emit e = {.m = m, .env = env, .nc = names_ctx_memo(m, env, memo), .sink = sink,
              .sink_ctx = ctx};
    if (o)
        e.opt = *o;
    if (!e.opt.deploy_dir)
        e.opt.deploy_dir = "";
    if (!e.opt.generator)
        e.opt.generator = "sfdc " SFDC_VERSION;
    arena_init(&e.a);
    arena_init(&e.ida);
    intern_init(&e.idin, &e.ida);
    table_init(&e.acct_by_obj);
    e.platform = names_platform(m);
    const char *r = m->platform ? get_str(&e, m->platform, "region") : NULL;
    e.region = r ? r : "eu-west-2";
    collect_accounts(&e);
    e.out.cap = PLAN_CHUNK * 2;
    e.out.p = malloc(e.out.cap);
    e.out.oom = !e.out.p;
    jw_init(&e.w, &e.out, JW_PRETTY);
    document(&e);
    bool ok = !e.out.oom;
    jw_release(&e.w);
    for (int i = 0; i < e.naccts; i++)
        free(e.accts[i].ready.ids);
    free(e.accts);
    free(e.acct_objs.items);
    arena_release(&e.a);
    intern_release(&e.idin);
    arena_release(&e.ida);
    table_release(&e.acct_by_obj);
    free(e.core_deploys.ids);
    names_memo_release(memo);
    free(memo);
    free(sb_finish(&e.out));
    return ok;
}

static void to_strbuf(void *ctx, const char *p, size_t n) { sb_putn(ctx, p, n); }

char *planemit_render(const Model *m, const Environment *env, const PlanEmitOptions *o)
{
    StrBuf b = {0};
    if (!planemit_write(m, env, o, to_strbuf, &b)) {
        free(sb_finish(&b));
        return NULL;
    }
    return sb_finish(&b);
}

static void to_file(void *ctx, const char *p, size_t n) { fwrite(p, 1, n, ctx); }

int planemit_run(const Model *m, const char *env_name, const PlanEmitOptions *o, FILE *out,
                 FILE *err)
{
    const Environment *env = NULL;
    if (!(m = model_for_env(m, env_name, &env))) {
        fprintf(err, "sfdc: no environment `%s`\n", env_name);
        return 1;
    }
    if (!planemit_write(m, env, o, to_file, out)) {
        fprintf(err, "sfdc: out of memory while rendering the plan\n");
        return 70;
    }
    return 0;
}
