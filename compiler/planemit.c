/* planemit.c — the runtime plan back end (see planemit.h; the format is
 * SPEC.md "Outputs: the runtime plan").
 *
 * One pass per phase over the accounts of the environment, each adding
 * cJSON steps to its phase's array; ids are computed, not looked up, so a
 * step can name a step of a later phase in `after` (`deploy/ACCOUNT`)
 * before it exists. The document is printed by a small printer of our own
 * (two-space indentation, members in insertion order) so golden files
 * read like hand-written JSON and stay byte-identical run to run.
 *
 * The plan is streamed: after each account (or repository, bucket,
 * service) its steps are printed, handed to the caller's sink in pieces of
 * about PLAN_CHUNK bytes, and their cJSON nodes released (the node arena
 * is reset to a mark). A phase only ever adds steps of its own phase, so
 * printing as they come keeps the document's order. What stays is one
 * string per step id (unique ids, `after` lists): at 10,000 accounts a
 * plan of ~190 MB is written in a few tens of MB. */
#include "planemit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lower.h"
#include "names.h"
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
    Table acct_by_obj;          /* account Object -> its Acct (accts never moves) */
    IdList core_deploys;        /* deploy step ids of the core accounts, in order */
    const Object *first_core;   /* the platform's first core account, found once */
    bool first_core_known;
    cJSON *steps[NPHASES];      /* steps by phase not printed yet (emptied by flush) */
    Table ids;                  /* interned step id -> (void *)1: ids in use */
    StrBuf out;                 /* printed text not yet handed to sink */
    PlanSink sink;              /* where the text goes */
    void *sink_ctx;             /* passed to sink */
    int nprinted;               /* items printed in the current array or object */
    Arena *nodes;               /* the cJSON node arena (json_arena) */
    ArenaMark nodes_mark;       /* its state before the first step */
} Emit;

/* Text is handed to the sink in pieces of about this size. */
enum { PLAN_CHUNK = 64 << 10 };

static void flush(Emit *e);

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

static const char *root_arn(Emit *e, const char *account_id)
{
    return arena_printf(&e->a, "arn:aws:iam::%s:root", account_id);
}

static cJSON *str_array(const char *const *items, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
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
    Interner *in = &e->m->pg->in;
    const char *u = id;
    for (int n = 2; table_get(&e->ids, intern_cstr(in, u)); n++)
        u = arena_printf(&e->a, "%s-%d", id, n);
    table_put(&e->ids, intern_cstr(in, u), (void *)1);
    return u;
}

/* The id a step got (unique_id), as a string of e->a: the step itself
 * lives in the node arena, which is reset once it is printed. */
static const char *step_id(Emit *e, const cJSON *s)
{
    return arena_strdup(&e->a, cJSON_GetObjectItemCaseSensitive(s, "id")->valuestring);
}

/* A new step in phase ph: id (made unique), phase, account, region (when
 * not the plan's), title, after. The caller adds call/check or run. */
static cJSON *step_new(Emit *e, int ph, const Acct *ac, const char *id, const char *title,
                       const IdList *after)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", unique_id(e, id));
    cJSON_AddStringToObject(s, "phase", phase_names[ph]);
    cJSON_AddStringToObject(s, "account", ac->name);
    if (strcmp(ac->region, e->region) != 0)
        cJSON_AddStringToObject(s, "region", ac->region);
    if (title)
        cJSON_AddStringToObject(s, "title", title);
    if (after && after->n)
        cJSON_AddItemToObject(s, "after", str_array(after->ids, after->n));
    cJSON_AddItemToArray(e->steps[ph], s);
    return s;
}

static void add_call(cJSON *s, const char *service, const char *op, cJSON *args)
{
    cJSON *c = cJSON_AddObjectToObject(s, "call");
    cJSON_AddStringToObject(c, "service", service);
    cJSON_AddStringToObject(c, "operation", op);
    cJSON_AddItemToObject(c, "args", args);
}

/* The check: a read, its expectations and the error codes meaning "not there". */
static cJSON *add_check(cJSON *s, const char *op, cJSON *args, const char *const *missing,
                        int nmissing)
{
    cJSON *c = cJSON_AddObjectToObject(s, "check");
    cJSON_AddStringToObject(c, "operation", op);
    cJSON_AddItemToObject(c, "args", args);
    cJSON *ex = cJSON_AddArrayToObject(c, "expect");
    if (nmissing)
        cJSON_AddItemToObject(c, "missing", str_array(missing, nmissing));
    return ex;
}

static void expect(cJSON *ex, const char *path, const char *how, cJSON *value)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "path", path);
    cJSON_AddItemToObject(x, how, value);
    cJSON_AddItemToArray(ex, x);
}

static void exists_ok(cJSON *s, const char *code)
{
    cJSON_AddItemToObject(s, "exists_ok", str_array(&code, 1));
}

/* {"$json": doc}: a JSON document passed as a string member. */
static cJSON *as_json_string(cJSON *doc)
{
    cJSON *w = cJSON_CreateObject();
    cJSON_AddItemToObject(w, "$json", doc);
    return w;
}

static cJSON *args1(const char *k, const char *v)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, k, v);
    return a;
}

static cJSON *policy_doc(void)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "Version", "2012-10-17");
    cJSON_AddArrayToObject(d, "Statement");
    return d;
}

/* A statement; principal_aws NULL means "Principal": "*". */
static cJSON *statement(cJSON *doc, const char *sid, const char *effect, cJSON *principal_aws,
                        const char *const *actions, int nactions)
{
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "Sid", sid);
    cJSON_AddStringToObject(st, "Effect", effect);
    if (principal_aws) {
        cJSON *p = cJSON_AddObjectToObject(st, "Principal");
        cJSON_AddItemToObject(p, "AWS", principal_aws);
    } else {
        cJSON_AddStringToObject(st, "Principal", "*");
    }
    cJSON_AddItemToObject(st, "Action", nactions == 1 ? cJSON_CreateString(actions[0])
                                                      : str_array(actions, nactions));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "Statement"), st);
    return st;
}

/* Deny every request not made over TLS, on a bucket and its objects. */
static void tls_statement(Emit *e, cJSON *doc, const char *bucket)
{
    static const char *const all[] = {"s3:*"};
    cJSON *st = statement(doc, "DenyInsecureTransport", "Deny", NULL, all, 1);
    const char *res[] = {arena_printf(&e->a, "arn:aws:s3:::%s", bucket),
                         arena_printf(&e->a, "arn:aws:s3:::%s/*", bucket)};
    cJSON_AddItemToObject(st, "Resource", str_array(res, 2));
    cJSON *cond = cJSON_AddObjectToObject(st, "Condition");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(cond, "Bool"), "aws:SecureTransport", "false");
}

/* A bucket policy step: PutBucketPolicy, checked as a policy document. */
static void bucket_policy_step(Emit *e, int ph, const Acct *ac, const char *id,
                               const char *title, const IdList *after, const char *bucket,
                               cJSON *doc)
{
    static const char *const missing[] = {"NoSuchBucketPolicy"};
    cJSON *s = step_new(e, ph, ac, id, title, after);
    cJSON *args = args1("Bucket", bucket);
    cJSON_AddItemToObject(args, "Policy", as_json_string(cJSON_Duplicate(doc, true)));
    add_call(s, "s3", "PutBucketPolicy", args);
    cJSON *ex = add_check(s, "GetBucketPolicy", args1("Bucket", bucket), missing, 1);
    expect(ex, "Policy", "json", doc);
}

/* ---- bootstrap: the state bucket (and lock table) of each account ------- */

static const char *boot_bucket_create(Emit *e, Acct *ac, const char *bucket)
{
    static const char *const missing[] = {"NotFound", "NoSuchBucket"};
    const char *id = arena_printf(&e->a, "bootstrap/%s/state-bucket", ac->name);
    cJSON *s = step_new(e, PHASE_BOOT, ac, id,
                        arena_printf(&e->a, "create state bucket %s", bucket), NULL);
    cJSON *args = args1("Bucket", bucket);
    /* us-east-1 is the one region CreateBucket refuses to be told about */
    if (strcmp(ac->region, "us-east-1") != 0)
        cJSON_AddItemToObject(args, "CreateBucketConfiguration",
                              args1("LocationConstraint", ac->region));
    add_call(s, "s3", "CreateBucket", args);
    exists_ok(s, "BucketAlreadyOwnedByYou");
    cJSON *ex = add_check(s, "HeadBucket", args1("Bucket", bucket), missing, 2);
    expect(ex, "BucketRegion", "equals", cJSON_CreateString(ac->region));
    ids_push(&ac->ready, id);
    return id;
}

/* One Put* configuration of the state bucket, checked by its Get*. */
static const char *boot_bucket_setting(Emit *e, Acct *ac, const char *bucket, const char *what,
                                       const IdList *after, const char *put, const char *member,
                                       cJSON *config, const char *getop, const char *path,
                                       cJSON *want, const char *missing)
{
    const char *id = arena_printf(&e->a, "bootstrap/%s/state-bucket/%s", ac->name, what);
    cJSON *s = step_new(e, PHASE_BOOT, ac, id, NULL, after);
    cJSON *args = args1("Bucket", bucket);
    cJSON_AddItemToObject(args, member, config);
    add_call(s, "s3", put, args);
    cJSON *ex = add_check(s, getop, args1("Bucket", bucket), &missing, missing ? 1 : 0);
    expect(ex, path, "equals", want);
    ids_push(&ac->ready, id);
    return id;
}

static cJSON *public_access_block(void)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddTrueToObject(p, "BlockPublicAcls");
    cJSON_AddTrueToObject(p, "IgnorePublicAcls");
    cJSON_AddTrueToObject(p, "BlockPublicPolicy");
    cJSON_AddTrueToObject(p, "RestrictPublicBuckets");
    return p;
}

static void boot_state_bucket(Emit *e, Acct *ac, const char *bucket)
{
    IdList after = {0};
    ids_push(&after, boot_bucket_create(e, ac, bucket));
    boot_bucket_setting(e, ac, bucket, "versioning", &after, "PutBucketVersioning",
                        "VersioningConfiguration", args1("Status", "Enabled"),
                        "GetBucketVersioning", "Status", cJSON_CreateString("Enabled"), NULL);
    cJSON *rule = cJSON_CreateObject();
    cJSON_AddItemToObject(rule, "ApplyServerSideEncryptionByDefault",
                          args1("SSEAlgorithm", "aws:kms"));
    cJSON_AddTrueToObject(rule, "BucketKeyEnabled");
    cJSON *sse = cJSON_CreateObject();
    cJSON_AddItemToObject(sse, "Rules", cJSON_CreateArray());
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(sse, "Rules"), rule);
    boot_bucket_setting(e, ac, bucket, "encryption", &after, "PutBucketEncryption",
                        "ServerSideEncryptionConfiguration", sse, "GetBucketEncryption",
                        "ServerSideEncryptionConfiguration.Rules[0]."
                        "ApplyServerSideEncryptionByDefault.SSEAlgorithm",
                        cJSON_CreateString("aws:kms"),
                        "ServerSideEncryptionConfigurationNotFoundError");
    const char *pab = boot_bucket_setting(
        e, ac, bucket, "public-access-block", &after, "PutPublicAccessBlock",
        "PublicAccessBlockConfiguration", public_access_block(), "GetPublicAccessBlock",
        "PublicAccessBlockConfiguration", public_access_block(),
        "NoSuchPublicAccessBlockConfiguration");
    /* the policy after the block: S3 may refuse policies while it changes */
    after.n = 0;
    ids_push(&after, pab);
    const char *id = arena_printf(&e->a, "bootstrap/%s/state-bucket/tls-only", ac->name);
    cJSON *doc = policy_doc();
    tls_statement(e, doc, bucket);
    bucket_policy_step(e, PHASE_BOOT, ac, id, "deny every request not made over TLS", &after,
                       bucket, doc);
    ids_push(&ac->ready, id);
    free(after.ids);
}

static void boot_lock_table(Emit *e, Acct *ac, const char *table)
{
    static const char *const missing[] = {"ResourceNotFoundException"};
    const char *id = arena_printf(&e->a, "bootstrap/%s/lock-table", ac->name);
    cJSON *s = step_new(e, PHASE_BOOT, ac, id,
                        arena_printf(&e->a, "create state lock table %s", table), NULL);
    cJSON *args = args1("TableName", table);
    cJSON_AddStringToObject(args, "BillingMode", "PAY_PER_REQUEST");
    cJSON *attr = args1("AttributeName", "LockID");
    cJSON_AddStringToObject(attr, "AttributeType", "S");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(args, "AttributeDefinitions"), attr);
    cJSON *key = args1("AttributeName", "LockID");
    cJSON_AddStringToObject(key, "KeyType", "HASH");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(args, "KeySchema"), key);
    cJSON_AddItemToObject(args, "SSESpecification", cJSON_CreateObject());
    cJSON_AddTrueToObject(cJSON_GetObjectItemCaseSensitive(args, "SSESpecification"), "Enabled");
    cJSON *want = cJSON_CreateArray();
    cJSON_AddItemToArray(want, cJSON_Duplicate(key, true));
    add_call(s, "dynamodb", "CreateTable", args);
    exists_ok(s, "ResourceInUseException");
    cJSON *ex = add_check(s, "DescribeTable", args1("TableName", table), missing, 1);
    expect(ex, "Table.KeySchema", "equals", want);
    ids_push(&ac->ready, id);
}

static void phase_bootstrap(Emit *e)
{
    for (int i = 0; i < e->naccts; i++) {
        Acct *ac = &e->accts[i];
        char bucket[256];
        if (names_state_bucket(&e->nc, ac->obj, bucket, sizeof bucket) == 0 ||
            strlen(bucket) >= sizeof bucket - 1)
            continue;
        boot_state_bucket(e, ac, bucket);
        const char *table = name_of(e, NAME_LOCK_TABLE, ac->obj);
        if (*table)
            boot_lock_table(e, ac, table);
        flush(e);
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
    const Object *parent = trusted_account(e, ac);
    const char *pid = parent ? get_str(e, parent, "id") : NULL;
    const char *role = name_of(e, NAME_DEPLOYER_ROLE, ac->obj);
    const char *id = arena_printf(&e->a, "handshake/%s/deployer-role", ac->name);
    cJSON *trust = policy_doc();
    if (pid && strcmp(pid, ac->id) != 0)
        statement(trust, "TrustParent", "Allow", cJSON_CreateString(root_arn(e, pid)), assume, 1);
    statement(trust, "TrustOwnAccount", "Allow", cJSON_CreateString(root_arn(e, ac->id)), assume, 1);
    cJSON *s = step_new(e, PHASE_HAND, ac, id,
                        pid ? arena_printf(&e->a, "role %s lets account %s (and this one) deploy here", role,
                                           parent->name)
                            : arena_printf(&e->a, "role %s that this account's deploys run as", role),
                        NULL);
    cJSON *args = args1("RoleName", role);
    cJSON_AddStringToObject(args, "Path", NAMES_DEPLOYER_PATH);
    cJSON_AddItemToObject(args, "AssumeRolePolicyDocument",
                          as_json_string(cJSON_Duplicate(trust, true)));
    cJSON_AddNumberToObject(args, "MaxSessionDuration", 3600);
    add_call(s, "iam", "CreateRole", args);
    exists_ok(s, "EntityAlreadyExists");
    cJSON *ex = add_check(s, "GetRole", args1("RoleName", role), missing, 1);
    expect(ex, "Role.AssumeRolePolicyDocument", "json", trust);
    expect(ex, "Role.Path", "equals", cJSON_CreateString(NAMES_DEPLOYER_PATH));
    ids_push(&ac->ready, id);

    IdList after = {0};
    ids_push(&after, id);
    const char *aid = arena_printf(&e->a, "%s/admin", id);
    s = step_new(e, PHASE_HAND, ac, aid, NULL, &after);
    args = args1("RoleName", role);
    cJSON_AddStringToObject(args, "PolicyArn", admin);
    add_call(s, "iam", "AttachRolePolicy", args);
    ex = add_check(s, "ListAttachedRolePolicies", args1("RoleName", role), NULL, 0);
    expect(ex, arena_printf(&e->a, "AttachedPolicies[PolicyArn=%s]", admin), "exists",
           cJSON_CreateTrue());
    ids_push(&ac->ready, aid);
    free(after.ids);
}

static const char *deploy_id(Emit *e, const Acct *ac)
{
    return e->opt.deploy == PLAN_DEPLOY_NONE ? NULL : arena_printf(&e->a, "deploy/%s", ac->name);
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
        cJSON *doc = policy_doc();
        if (nroots)
            statement(doc, "CrossAccountPull", "Allow", str_array(roots, nroots), pull, 3);
        if (npush)
            statement(doc, "Push", "Allow", str_array(pushers, npush), push, 7);
        const char *id = arena_printf(&e->a, "handshake/%s/ecr-pull/%s", owner->name,
                                      slug(e, repo->name));
        IdList after = {0};
        if (deploy_id(e, owner))
            ids_push(&after, deploy_id(e, owner));
        cJSON *s = step_new(e, PHASE_HAND, owner, id,
                            nroots ? arena_printf(&e->a, "let %d account%s pull from %s%s", nroots,
                                                  nroots == 1 ? "" : "s", name, npush ? " (and CI push)" : "")
                                   : arena_printf(&e->a, "let %d principal%s push to %s", npush,
                                                  npush == 1 ? "" : "s", name),
                            &after);
        cJSON *args = args1("repositoryName", name);
        cJSON_AddItemToObject(args, "policyText", as_json_string(cJSON_Duplicate(doc, true)));
        add_call(s, "ecr", "SetRepositoryPolicy", args);
        cJSON *ex = add_check(s, "GetRepositoryPolicy", args1("repositoryName", name), missing, 1);
        expect(ex, "policyText", "json", doc);
        id = step_id(e, s);
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
        cJSON *doc = policy_doc();
        if (get_bool(e, b, "tls_only", true))
            tls_statement(e, doc, name);
        cJSON *st = statement(doc, "CrossAccountList", "Allow", str_array(roots, n), list, 2);
        cJSON_AddStringToObject(st, "Resource", arena_printf(&e->a, "arn:aws:s3:::%s", name));
        st = statement(doc, "CrossAccountRead", "Allow", str_array(roots, n), read, 2);
        cJSON_AddStringToObject(st, "Resource", arena_printf(&e->a, "arn:aws:s3:::%s/*", name));
        IdList after = {0};
        if (deploy_id(e, owner))
            ids_push(&after, deploy_id(e, owner));
        const char *id = arena_printf(&e->a, "handshake/%s/bucket-readers/%s", owner->name,
                                      slug(e, b->name));
        bucket_policy_step(e, PHASE_HAND, owner, id,
                           arena_printf(&e->a, "let %d account%s read bucket %s", n,
                                        n == 1 ? "" : "s", name),
                           &after, name, doc);
        free(after.ids);
    }
    free(roots);
}

static void phase_handshake(Emit *e)
{
    for (int i = 0; i < e->naccts; i++) {
        hand_deployer(e, &e->accts[i]);
        flush(e);
    }
    const ObjList *repos = model_kind(e->m, "ecr");
    for (int i = 0; i < repos->n; i++) {
        hand_ecr(e, repos->items[i]);
        flush(e);
    }
    const ObjList *buckets = model_kind(e->m, "bucket");
    for (int i = 0; i < buckets->n; i++) {
        hand_bucket_readers(e, buckets->items[i]);
        flush(e);
    }
}

/* ---- deploy ------------------------------------------------------------- */

static cJSON *run_obj(Emit *e, const Acct *ac, const char *const *argv, int argc)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "argv", str_array(argv, argc));
    cJSON_AddStringToObject(r, "cwd", arena_printf(&e->a, "%s%s", e->opt.deploy_dir, ac->dir));
    if (e->opt.deploy == PLAN_DEPLOY_TERRAGRUNT)
        cJSON_AddItemToObject(r, "env", args1("TG_TF_PATH", "terraform"));
    return r;
}

/* run.shared: the units (terragrunt) or modules (terraform) of account ac
 * that hold a shared resource this environment owns and other
 * environments use (SPEC §7.5), so `sfdrun destroy` keeps them. */
static void add_shared(Emit *e, const Acct *ac, cJSON *run)
{
    const ObjList *repos = model_kind(e->m, "ecr");
    cJSON *list = NULL;
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
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "unit", e->opt.deploy == PLAN_DEPLOY_TERRAFORM
                                                   ? arena_printf(&e->a, "module.%s", dir) : dir);
            cJSON_AddStringToObject(s, "resource", o->path);
            cJSON_AddItemToObject(s, "used_by", str_array(users, n));
            if (!list)
                list = cJSON_AddArrayToObject(run, "shared");
            cJSON_AddItemToArray(list, s);
        }
        free(users);
    }
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
    const char *dir = arena_printf(&e->a, "%s%s", e->opt.deploy_dir, ac->dir);
    if (e->opt.deploy == PLAN_DEPLOY_TERRAFORM) {
        const char *iid = arena_printf(&e->a, "%s/init", id);
        cJSON *s = step_new(e, PHASE_DEPLOY, ac, iid,
                            arena_printf(&e->a, "terraform init in %s", dir), &after);
        cJSON_AddItemToObject(s, "run", run_obj(e, ac, init, 3));
        after.n = 0;
        ids_push(&after, iid);
        s = step_new(e, PHASE_DEPLOY, ac, id, arena_printf(&e->a, "terraform apply in %s", dir),
                     &after);
        cJSON_AddItemToObject(s, "run", run_obj(e, ac, apply, 4));
        add_shared(e, ac, cJSON_GetObjectItemCaseSensitive(s, "run"));
    } else {
        cJSON *s = step_new(e, PHASE_DEPLOY, ac, id,
                            arena_printf(&e->a, "terragrunt apply of every unit in %s", dir),
                            &after);
        cJSON_AddItemToObject(s, "run", run_obj(e, ac, tg, 7));
        add_shared(e, ac, cJSON_GetObjectItemCaseSensitive(s, "run"));
    }
    free(after.ids);
}

static void phase_deploy(Emit *e)
{
    if (e->opt.deploy == PLAN_DEPLOY_NONE)
        return;
    for (int core = 1; core >= 0; core--)
        for (int i = 0; i < e->naccts; i++)
            if (e->accts[i].core == (core == 1)) {
                deploy_account(e, &e->accts[i]);
                flush(e);
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

static cJSON *target_args(const char *resource)
{
    cJSON *a = args1("ServiceNamespace", "ecs");
    cJSON_AddStringToObject(a, "ResourceId", resource);
    cJSON_AddStringToObject(a, "ScalableDimension", "ecs:service:DesiredCount");
    return a;
}

static cJSON *capacity(int lo, int hi)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "MinCapacity", lo);
    cJSON_AddNumberToObject(c, "MaxCapacity", hi);
    return c;
}

/* The scalable target, registered at zero: the service is off until its
 * window opens. Its check tests existence only (schedules move min/max). */
static const char *op_target(Emit *e, const Acct *ac, const char *base, const char *resource,
                             const IdList *after)
{
    const char *id = arena_printf(&e->a, "%s/scalable-target", base);
    cJSON *s = step_new(e, PHASE_OPERATE, ac, id, NULL, after);
    cJSON *args = target_args(resource);
    cJSON_AddNumberToObject(args, "MinCapacity", 0);
    cJSON_AddNumberToObject(args, "MaxCapacity", 0);
    add_call(s, "application-autoscaling", "RegisterScalableTarget", args);
    cJSON *read = target_args(resource);
    cJSON_AddItemToObject(read, "ResourceIds", str_array(&resource, 1));
    cJSON_DeleteItemFromObjectCaseSensitive(read, "ResourceId");
    cJSON *ex = add_check(s, "DescribeScalableTargets", read, NULL, 0);
    expect(ex, "ScalableTargets[0].ResourceId", "equals", cJSON_CreateString(resource));
    return step_id(e, s);
}

/* One scheduled action. Its name is the one lower.c gives the ecs-service
 * module's `scheduled_actions` entry ("daemon-on", or "daemon-on-2" when
 * a schedule switches on more than once a week), so this step checks and
 * repairs what Terraform made rather than adding a second set. */
static void op_action(Emit *e, const Acct *ac, const char *base, const Object *so,
                      const char *resource, const SchedAction *act, int k, int of,
                      const char *zone, int lo, int hi, const IdList *after)
{
    const char *what = of > 1 ? arena_printf(&e->a, "%s-%d", act->up ? "on" : "off", k)
                              : (act->up ? "on" : "off");
    const char *svc = so->name;
    char buf[512];
    names_scheduled_action(&e->nc, so, act->up, k, of, buf, sizeof buf);
    const char *name = arena_strdup(&e->a, buf);
    const char *id = arena_printf(&e->a, "%s/schedule-%s", base, what);
    int mn = act->up ? lo : 0, mx = act->up ? hi : 0;
    cJSON *s = step_new(e, PHASE_OPERATE, ac, id,
                        act->up ? arena_printf(&e->a, "switch %s on at %s", svc, act->cron)
                                : arena_printf(&e->a, "switch %s off (max 0) at %s", svc, act->cron),
                        after);
    cJSON *args = target_args(resource);
    cJSON_AddStringToObject(args, "ScheduledActionName", name);
    cJSON_AddStringToObject(args, "Schedule", act->cron);
    cJSON_AddStringToObject(args, "Timezone", zone);
    cJSON_AddItemToObject(args, "ScalableTargetAction", capacity(mn, mx));
    add_call(s, "application-autoscaling", "PutScheduledAction", args);
    cJSON *read = target_args(resource);
    cJSON_AddItemToObject(read, "ScheduledActionNames", str_array(&name, 1));
    cJSON *ex = add_check(s, "DescribeScheduledActions", read, NULL, 0);
    expect(ex, "ScheduledActions[0].Schedule", "equals", cJSON_CreateString(act->cron));
    expect(ex, "ScheduledActions[0].Timezone", "equals", cJSON_CreateString(zone));
    expect(ex, "ScheduledActions[0].ScalableTargetAction", "equals", capacity(mn, mx));
}

/* A service off by default and never switched on by schedule: desired 0. */
static void op_off(Emit *e, const Acct *ac, const char *base, const char *cluster,
                   const char *svc, const IdList *after)
{
    const char *id = arena_printf(&e->a, "%s/off", base);
    cJSON *s = step_new(e, PHASE_OPERATE, ac, id,
                        arena_printf(&e->a, "%s is off by default", svc), after);
    cJSON *args = args1("cluster", cluster);
    cJSON_AddStringToObject(args, "service", svc);
    cJSON_AddNumberToObject(args, "desiredCount", 0);
    add_call(s, "ecs", "UpdateService", args);
    cJSON *read = args1("cluster", cluster);
    cJSON_AddItemToObject(read, "services", str_array(&svc, 1));
    cJSON *ex = add_check(s, "DescribeServices", read, NULL, 0);
    expect(ex, "services[0].desiredCount", "equals", cJSON_CreateNumber(0));
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
    SchedError err;
    if (!sched_parse(w->u.str, strlen(w->u.str), sc, &err))
        return false;
    *nacts = sched_actions(sc, acts, SCHED_MAX_IVS);
    return *nacts > 0;
}

static void operate_service(Emit *e, const Object *svc, Schedule *sc, SchedAction *acts)
{
    Acct *ac = acct_of(e, svc->account);
    if (!ac || !svc->name)
        return;
    const char *cluster = ecs_cluster(e, svc);
    const char *name = name_of(e, NAME_SERVICE, svc);
    const char *base = arena_printf(&e->a, "operate/%s/%s", ac->name, slug(e, name));
    const char *resource = arena_printf(&e->a, "service/%s/%s", cluster, name);
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
    for (int i = 0; i < svcs->n; i++) {
        operate_service(e, svcs->items[i], sc, acts);
        flush(e);
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
    for (int i = 0; i < all->n; i++) {
        Object *o = all->items[i];
        const char *id = get_str(e, o, "id");
        if (!o->name || !id || !in_env(e, o))
            continue;
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

static cJSON *accounts_json(Emit *e)
{
    cJSON *j = cJSON_CreateObject();
    for (int i = 0; i < e->naccts; i++) {
        const Acct *ac = &e->accts[i];
        cJSON *a = args1("id", ac->id);
        /* the role the tree's providers and backends assume (names.h) */
        cJSON_AddStringToObject(a, "role_arn", arena_printf(&e->a, "arn:aws:iam::%s:role/%s", ac->id,
                                                            name_of(e, NAME_ACCOUNT_ROLE, ac->obj)));
        cJSON_AddItemToObject(j, ac->name, a);
    }
    return j;
}

/* ---- printing: two-space indentation, insertion order ------------------- */


/* Appends n bytes to b: inline while there is room, as the printer appends
 * millions of pieces of a few bytes; sb_putn grows the buffer otherwise. */
static inline void put(StrBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap || b->oom) {
        sb_putn(b, s, n);
        return;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void put_str(StrBuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void indent(StrBuf *b, int depth)
{
    static const char spaces[] = "                                ";
    for (size_t n = (size_t)depth * 2; n > 0;) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(b, spaces, k);
        n -= k;
    }
}

/* s as a JSON string, escaped as cJSON escapes it (no allocation: the
 * printer runs once per member of plans with tens of thousands of steps). */
static void put_string(StrBuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    /* the bytes that end a plain run: controls (and the NUL), `"`, `\\` */
    static const bool stop[256] = {
        [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
        [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
        [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
        [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
        ['"'] = 1, ['\\'] = 1,
    };
    put(b, "\"", 1);
    const char *run = s;
    for (;; s++) {
        while (!stop[(unsigned char)*s])
            s++;
        unsigned char c = (unsigned char)*s;
        if (!c)
            break;
        put(b, run, (size_t)(s - run));
        run = s + 1;
        char esc[7] = {'\\', 0};
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
        }
        put_str(b, esc);
    }
    put(b, run, (size_t)(s - run));
    put(b, "\"", 1);
}

/* A scalar as JSON text (numbers: integers exactly, others round-trip). */
static void put_scalar(StrBuf *b, const cJSON *j)
{
    char num[40];
    if (cJSON_IsString(j)) {
        put_string(b, j->valuestring);
    } else if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (d == (double)(long long)d && d > -1e15 && d < 1e15)
            snprintf(num, sizeof num, "%lld", (long long)d);
        else
            snprintf(num, sizeof num, "%.17g", d);
        put_str(b, num);
    } else if (cJSON_IsBool(j)) {
        put_str(b, cJSON_IsTrue(j) ? "true" : "false");
    } else {
        put_str(b, "null");
    }
}

static void put_json(StrBuf *b, const cJSON *j, int depth)
{
    bool obj = cJSON_IsObject(j);
    if (!obj && !cJSON_IsArray(j)) {
        put_scalar(b, j);
        return;
    }
    if (!j->child) {
        put_str(b, obj ? "{}" : "[]");
        return;
    }
    put(b, obj ? "{\n" : "[\n", 2);
    for (const cJSON *c = j->child; c; c = c->next) {
        indent(b, depth + 1);
        if (obj) {
            put_string(b, c->string);
            put(b, ": ", 2);
        }
        put_json(b, c, depth + 1);
        if (c->next)
            put(b, ",\n", 2);
        else
            put(b, "\n", 1);
    }
    indent(b, depth);
    put(b, obj ? "}" : "]", 1);
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
    e->sink(e->sink_ctx, e->out.p, e->out.n);
    e->out.n = 0;
    e->out.p[0] = '\0';
}

/* One element of the array or object being streamed at depth (key NULL in
 * an array): the opening bracket before the first, a comma before others. */
static void put_item(Emit *e, const char *key, const cJSON *v, bool obj, int depth)
{
    put_str(&e->out, e->nprinted ? ",\n" : obj ? "{\n" : "[\n");
    indent(&e->out, depth + 1);
    if (key) {
        put_string(&e->out, key);
        put_str(&e->out, ": ");
    }
    put_json(&e->out, v, depth + 1);
    e->nprinted++;
}

/* Ends the array or object of put_item, `[]`/`{}` when it stayed empty. */
static void put_close(Emit *e, bool obj, int depth)
{
    if (!e->nprinted) {
        put_str(&e->out, obj ? "{}" : "[]");
        return;
    }
    put_str(&e->out, "\n");
    indent(&e->out, depth);
    put_str(&e->out, obj ? "}" : "]");
}

/* Prints the steps made since the last flush (elements of the root's
 * "steps") and releases their nodes. */
static void flush(Emit *e)
{
    for (int ph = 0; ph < NPHASES; ph++) {
        for (const cJSON *c = e->steps[ph]->child; c; c = c->next)
            put_item(e, NULL, c, false, 1);
        e->steps[ph]->child = NULL;
    }
    arena_reset(e->nodes, e->nodes_mark);
    hand_over(e, false);
}

/* The "services" member, one entry per service with a sfdrun target,
 * printed as it is made (the strings it needs are released with it). */
static void put_services(Emit *e)
{
    const ObjList *svcs = model_kind(e->m, "service");
    e->nprinted = 0;
    for (int i = 0; i < svcs->n; i++) {
        const Object *svc = svcs->items[i];
        Acct *ac = acct_of(e, svc->account);
        if (!ac || !svc->name)
            continue;
        ArenaMark m = arena_mark(&e->a);
        const char *name = name_of(e, NAME_SERVICE, svc);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "account", ac->name);
        if (strcmp(ac->region, e->region) != 0)
            cJSON_AddStringToObject(j, "region", ac->region);
        cJSON_AddStringToObject(j, "cluster", ecs_cluster(e, svc));
        cJSON_AddStringToObject(j, "service", name);
        cJSON_AddBoolToObject(j, "scalable_target", lower_autoscaled(e->m, svc, e->env));
        put_item(e, arena_printf(&e->a, "%s/%s", ac->name, name), j, true, 1);
        arena_reset(&e->a, m);
        arena_reset(e->nodes, e->nodes_mark);
        hand_over(e, false);
    }
    put_close(e, true, 1);
}

/* The members before "services", in the order of the format. */
static void put_head(Emit *e)
{
    char hash[72];
    planemit_source_hash(e->m->pg, hash);
    cJSON *head = cJSON_CreateObject();
    cJSON_AddStringToObject(head, "format", "sfdc-plan");
    cJSON_AddNumberToObject(head, "version", 1);
    cJSON_AddStringToObject(head, "source_hash", hash);
    cJSON_AddStringToObject(head, "generator", e->opt.generator);
    cJSON_AddStringToObject(head, "platform", e->platform);
    if (e->env)
        cJSON_AddStringToObject(head, "environment", e->env->name);
    cJSON_AddStringToObject(head, "region", e->region);
    cJSON_AddItemToObject(head, "accounts", accounts_json(e));
    e->nprinted = 0;
    for (const cJSON *c = head->child; c; c = c->next)
        put_item(e, c->string, c, true, 0);
    arena_reset(e->nodes, e->nodes_mark);
}

static void document(Emit *e)
{
    put_head(e);
    put_str(&e->out, ",\n  \"services\": ");
    int members = e->nprinted;
    put_services(e);
    put_str(&e->out, ",\n  \"steps\": ");
    e->nprinted = 0;
    phase_bootstrap(e);
    phase_handshake(e);
    phase_deploy(e);
    phase_operate(e);
    put_close(e, false, 1);
    e->nprinted = members + 2;
    put_close(e, true, 0);
    put_str(&e->out, "\n");
    hand_over(e, true);
}

/* While a plan is built, cJSON allocates from this arena and frees nothing:
 * a 1,000-LA plan is ~1.5 million small nodes, and malloc/free of each one
 * was most of the rendering time. cJSON's hooks are process-wide, so they
 * are set only for the duration of one rendering (the compiler is single
 * threaded) and put back to malloc/free after it. */
static Arena *json_arena;

static void *json_alloc(size_t n) { return arena_alloc(json_arena, n); }

static void json_free(void *p) { (void)p; }

bool planemit_write(const Model *m, const Environment *env, const PlanEmitOptions *o, PlanSink sink,
                    void *ctx)
{
    Emit e = {.m = m, .env = env, .nc = names_ctx(m, env), .sink = sink, .sink_ctx = ctx};
    if (o)
        e.opt = *o;
    if (!e.opt.deploy_dir)
        e.opt.deploy_dir = "";
    if (!e.opt.generator)
        e.opt.generator = "sfdc " SFDC_VERSION;
    arena_init(&e.a);
    table_init(&e.ids);
    table_init(&e.acct_by_obj);
    e.platform = names_platform(m);
    const char *r = m->platform ? get_str(&e, m->platform, "region") : NULL;
    e.region = r ? r : "eu-west-2";
    collect_accounts(&e);
    Arena nodes;
    arena_init(&nodes);
    json_arena = &nodes;
    cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = json_alloc, .free_fn = json_free});
    for (int ph = 0; ph < NPHASES; ph++)
        e.steps[ph] = cJSON_CreateArray();
    e.nodes = &nodes;
    e.nodes_mark = arena_mark(&nodes);
    e.out.cap = PLAN_CHUNK * 2;
    e.out.p = malloc(e.out.cap);
    e.out.oom = !e.out.p;
    document(&e);
    bool ok = !e.out.oom;
    cJSON_InitHooks(NULL);
    json_arena = NULL;
    arena_release(&nodes);
    for (int i = 0; i < e.naccts; i++)
        free(e.accts[i].ready.ids);
    free(e.accts);
    arena_release(&e.a);
    table_release(&e.ids);
    table_release(&e.acct_by_obj);
    free(e.core_deploys.ids);
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
