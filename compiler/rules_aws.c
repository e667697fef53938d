/* rules_aws.c — AWS's own rules (E05xx), the ones Terraform meets only at
 * apply time: task sizes, names, database capacity and ports, CIDR blocks,
 * EC2 capacity and Auto Scaling sizes.
 *
 * Each check reads the model (model.h, rulectx.h), calls a pure predicate
 * (awsrules.h, cidrset.h), and files the answer at the smallest span: the
 * literal the user wrote, or the block header when the value is a default.
 * Every pass is linear: names go through one hash table, CIDR overlaps
 * through one sort-and-sweep. */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsrules.h"
#include "cidrset.h"
#include "intern.h"
#include "names.h"
#include "rulectx.h"
#include "banned.h"

typedef struct Aws {
    Model *m;
    DiagEngine *d;
    AwsrEc2Table ec2;       /* instance types, loaded on first use */
    int ec2_state;          /* 0 not loaded, 1 loaded, -1 failed (reported once) */
} Aws;

static Arena *arena(const Aws *c)
{
    return &c->m->pg->arena;
}

/* ---- E0501 Fargate task sizes --------------------------------------------- */

/* service = compute fargate: cpu and memory form a Fargate task size. */
static void fargate_size(Aws *c, Object *o, const Environment *env)
{
    if (strcmp(rctx_str(c->m, o, "compute", env, "fargate"), "fargate") != 0)
        return;
    double cpu = rctx_num(c->m, o, "cpu", env, -1), mem = rctx_num(c->m, o, "memory", env, -1);
    RuleMsg rm;
    if (cpu <= 0 || mem <= 0 || awsr_fargate_pair(cpu, mem, &rm))
        return;
    /* point at whichever of the two was written last: the override, else memory */
    bool cpu_moved = rctx_overridden(c->m, o, "cpu", env) && !rctx_overridden(c->m, o, "memory", env);
    const char *at = cpu_moved ? "cpu" : "memory", *other = cpu_moved ? "memory" : "cpu";
    Site s = rctx_site(c->m, o, at, env), t = rctx_site(c->m, o, other, env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0501", s.src, s.span, "%s", rm.msg);
    diag_label(c->d, g, "`%s` of `%s`%s%s", at, o->path, env ? " in environment " : "",
               env ? env->name : "");
    if (t.src && (t.src != s.src || t.span.start != s.span.start))
        diag_secondary(c->d, g, t.src, t.span, "with `%s = %s`", other,
                       value_show(arena(c), rctx_val(c->m, o, other, env)));
    if (rm.help[0])
        diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
}

/* ---- E0502, E0503 bucket names -------------------------------------------- */

/* One bucket name sfdc creates, for E0503's second span. */
typedef struct Bucket {
    const char *name;       /* the final name (arena) */
    uint32_t hash;          /* intern_hash(name) */
    const Object *obj;      /* the bucket, or the account whose state bucket it is */
    bool state;             /* a state bucket */
    Site site;
} Bucket;

/* Every bucket name of the platform, in a string-keyed open-addressing set:
 * one probe per name, no interning (names are mostly unique). */
typedef struct BucketSet {
    Bucket **slots;         /* cap slots, NULL = empty; malloc'd */
    size_t cap;
} BucketSet;

static const char *bucket_what(Aws *c, const Bucket *b)
{
    return b->state ? arena_printf(arena(c), "the state bucket of `%s`", b->obj->path)
                    : arena_printf(arena(c), "`%s`", b->obj->path);
}

/* Returns the bucket already holding b's name, or NULL after adding b. */
static Bucket *bucket_claim(BucketSet *set, Bucket *b)
{
    size_t i = b->hash & (set->cap - 1);
    for (; set->slots[i]; i = (i + 1) & (set->cap - 1))
        if (set->slots[i]->hash == b->hash && strcmp(set->slots[i]->name, b->name) == 0)
            return set->slots[i];
    set->slots[i] = b;
    return NULL;
}

/* E0502 on one name; E0503 when the name is taken. v is the string value
 * the name came from (for a caret inside it), or NULL for a derived one. */
static void bucket_name(Aws *c, BucketSet *set, Bucket *b, const Value *v, const char *derivation)
{
    RuleMsg rm;
    size_t len = strlen(b->name);
    if (!awsr_s3_bucket_name(b->name, len, &rm) && rm.level == RULE_ERROR) {
        Site s = v && rm.len > 0 ? rctx_str_part(v, b->site, rm.off, rm.len) : b->site;
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0502", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "name of %s: `%s`", bucket_what(c, b), b->name);
        if (rm.help[0])
            diag_help(c->d, g, "%s", rm.help);
        if (derivation)
            diag_note(c->d, g, "%s", derivation);
        diag_emit(c->d, g);
        return;
    }
    b->hash = intern_hash(b->name, len);
    Bucket *first = bucket_claim(set, b);
    if (!first)
        return;
    const char *what = bucket_what(c, b), *fwhat = bucket_what(c, first);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0503", b->site.src, b->site.span,
                       "bucket name `%s` is used by both %s and %s", b->name, fwhat, what);
    diag_label(c->d, g, "name of %s", what);
    diag_secondary(c->d, g, first->site.src, first->site.span, "already the name of %s", fwhat);
    diag_help(c->d, g, "S3 bucket names are global across every AWS account: give one of them "
                       "another `name`, or leave `name` unset to get "
                       "`<platform>-<account>-<bucket>`");
    if (derivation)
        diag_note(c->d, g, "%s", derivation);
    diag_emit(c->d, g);
}

static Bucket *bucket_new(Aws *c, const char *name, const Object *o, bool state, Site s)
{
    Bucket *b = arena_alloc(arena(c), sizeof *b);
    *b = (Bucket){name, 0, o, state, s};
    return b;
}

/* Every bucket sfdc creates: the state bucket of each account, then each
 * bucket block, through one set. */
static void bucket_names(Aws *c)
{
    const ObjList *accs = model_kind(c->m, "account"), *bs = model_kind(c->m, "bucket");
    BucketSet set = {NULL, 16};
    while (set.cap < 2 * ((size_t)accs->n + (size_t)bs->n))
        set.cap *= 2;
    set.slots = calloc(set.cap, sizeof *set.slots);
    Table ids;
    table_init(&ids);
    char buf[512];
    if (!set.slots)
        goto out;
    Site state_site = c->m->state ? rctx_site(c->m, c->m->state, "bucket", NULL) : (Site){0};
    for (int i = 0; c->m->state && i < accs->n; i++) {
        Object *a = accs->items[i];
        const Value *v = model_state(c->m, a, "bucket");
        const char *id = rctx_str(c->m, a, "id", NULL, NULL);
        /* a second account with one id is E0509; its state bucket is the same mistake */
        if (id && table_put(&ids, intern_cstr(&c->m->pg->in, id), a))
            continue;
        if (!v || v->kind != VAL_STR)
            continue;
        bucket_name(c, &set, bucket_new(c, v->u.str, a, true, model_value_site(v, state_site)), NULL,
                    NULL);
    }
    NameCtx nc = names_ctx(c->m, NULL);
    for (int i = 0; i < bs->n; i++) {
        Object *o = bs->items[i];
        bool explicit_name;
        names_bucket(&nc, o, buf, sizeof buf, &explicit_name);
        const char *name = arena_strdup(arena(c), buf);
        if (explicit_name)
            bucket_name(c, &set, bucket_new(c, name, o, false, rctx_site(c->m, o, "name", NULL)),
                        rctx_val(c->m, o, "name", NULL), NULL);
        else
            bucket_name(c, &set, bucket_new(c, name, o, false, model_obj_site(o)), NULL,
                        "the name is derived as `<platform>-<account>-<bucket>` with `_` as `-`; "
                        "set `name` to choose another");
    }
out:
    free(set.slots);
    table_release(&ids);
}

/* ---- E0504 ECR repository names ------------------------------------------- */

/* The label of a block, narrowed to [off, off+len) of its text. */
static Site label_part(const Object *o, size_t off, size_t len)
{
    const Node *l = o->node->a;
    if (!l || len == 0)
        return model_obj_site(o);
    uint32_t base = l->span.start + (l->kind == NODE_STR ? 1 : 0);
    if (l->kind != NODE_IDENT && l->kind != NODE_STR)
        return model_obj_site(o);
    Site s = {o->src, {base + (uint32_t)off, base + (uint32_t)(off + len)}};
    if (s.span.end > l->span.end)
        return model_obj_site(o);
    return s;
}

static void ecr_names(Aws *c)
{
    const ObjList *l = model_kind(c->m, "ecr");
    char buf[512];
    NameCtx nc = names_ctx(c->m, NULL);
    for (int i = 0; i < l->n; i++) {
        Object *o = l->items[i];
        names_ecr(&nc, o, buf, sizeof buf);
        RuleMsg rm;
        if (awsr_ecr_repo_name(buf, strlen(buf), &rm))
            continue;
        Site s = label_part(o, rm.off, rm.len);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0504", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "the repository is named after the block");
        if (rm.help[0])
            diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
    }
}

/* ---- E0505, E0506, E0507 databases ---------------------------------------- */

/* E0507: the port agrees with the engine (aurora and rds). A port left at
 * its default is blamed on the engine, which is what the user chose. */
static void engine_port(Aws *c, Object *o, const Environment *env, AwsrEngine fam)
{
    double port = rctx_num(c->m, o, "port", env, -1);
    RuleMsg rm;
    if (fam == AWSR_ENGINE_UNKNOWN || port < 0 || awsr_engine_port(fam, (long)port, &rm))
        return;
    if (rctx_written(c->m, o, "port", env)) {
        Site s = rctx_site(c->m, o, "port", env), e = rctx_site(c->m, o, "engine", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0507", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "port of `%s`", o->path);
        if (rctx_written(c->m, o, "engine", env))
            diag_secondary(c->d, g, e.src, e.span, "the engine is chosen here");
        diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
        return;
    }
    Site e = rctx_site(c->m, o, "engine", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0507", e.src, e.span,
                       "engine `%s` listens on %d, not on the default port %g",
                       rctx_str(c->m, o, "engine", env, "?"), awsr_engine_default_port(fam), port);
    diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
}

/* E0506: where an auto-pause mistake is: the capacity, the delay, or the
 * engine version (mirrors the order awsr_aurora_auto_pause checks in). */
static const char *pause_field(double lo, double pause)
{
    if (pause >= 0 && lo != 0)
        return "capacity";
    if (pause >= 0 && (pause < 300 || pause > 86400))
        return "auto_pause";
    return "version";
}

/* E0515: sfdc's aurora and rds modules are PostgreSQL-only, so a MySQL
 * engine is valid AWS that `sfdc build` could not emit: say so at check
 * time, where editors show it, rather than when building. */
static void engine_supported(Aws *c, Object *o, const Environment *env, AwsrEngine fam)
{
    if (fam != AWSR_ENGINE_MYSQL)
        return;
    Site e = rctx_site(c->m, o, "engine", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0515", e.src, e.span,
                       "engine `%s` is not supported by sfdc's `%s` module",
                       rctx_str(c->m, o, "engine", env, "?"), o->kind);
    diag_label(c->d, g, "sfdc's database modules build PostgreSQL only");
    diag_help(c->d, g, "use postgres13, postgres14, postgres15 or postgres16");
    diag_emit(c->d, g);
}

static void aurora(void *ctx, Object *o, const Environment *env)
{
    Aws *c = ctx;
    const char *engine = rctx_str(c->m, o, "engine", env, NULL);
    AwsrEngine fam = engine ? awsr_engine_family(engine) : AWSR_ENGINE_UNKNOWN;
    double lo, hi;
    RuleMsg rm;
    bool cap = rctx_range(c->m, o, "capacity", env, &lo, &hi);
    if (cap && !awsr_aurora_capacity(lo, hi, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0505", NULL, rctx_site(c->m, o, "capacity", env), &rm,
                    "capacity of this Aurora Serverless v2 cluster");
    } else if (cap && fam != AWSR_ENGINE_UNKNOWN) {
        const Value *pv = rctx_val(c->m, o, "auto_pause", env);
        double pause = pv && pv->kind == VAL_NUM ? pv->u.num : -1;
        const char *version = rctx_str(c->m, o, "version", env, "");
        if (!(pv && pv->kind == VAL_ERROR) && !awsr_aurora_auto_pause(fam, version, lo, pause, &rm)) {
            const char *f = pause_field(lo, pause);
            Site s = rctx_site(c->m, o, f, env);
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0506", s.src, s.span, "%s", rm.msg);
            if (strcmp(f, "capacity") == 0) {
                Site p = rctx_site(c->m, o, "auto_pause", env);
                diag_secondary(c->d, g, p.src, p.span, "auto-pause asked for here");
            } else if (strcmp(f, "version") == 0) {
                Site p = rctx_site(c->m, o, "capacity", env);
                diag_secondary(c->d, g, p.src, p.span, "capacity starts at 0 here");
            }
            diag_help(c->d, g, "%s", rm.help);
            diag_emit(c->d, g);
        }
    }
    engine_supported(c, o, env, fam);
    engine_port(c, o, env, fam);
}

static void rds(void *ctx, Object *o, const Environment *env)
{
    Aws *c = ctx;
    const char *engine = rctx_str(c->m, o, "engine", env, NULL);
    AwsrEngine fam = engine ? awsr_engine_family(engine) : AWSR_ENGINE_UNKNOWN;
    engine_supported(c, o, env, fam);
    engine_port(c, o, env, fam);
}

/* ---- E0508 IAM role names --------------------------------------------------- */

static void role_name(Aws *c, Object *o, NamesRole kind, const char *pattern)
{
    char buf[512];
    NameCtx nc = names_ctx(c->m, NULL);
    names_role(&nc, o, kind, buf, sizeof buf);
    RuleMsg rm;
    if (awsr_iam_role_name(buf, strlen(buf), &rm))
        return;
    Site s = model_obj_site(o);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0508", s.src, s.span, "%s: `%s`", rm.msg, buf);
    diag_label(c->d, g, "sfdc creates this role for `%s`", o->path);
    diag_help(c->d, g, "shorten the platform, account or %s name", o->kind);
    diag_note(c->d, g, "the role is named `%s`", pattern);
    diag_emit(c->d, g);
}

static void role_names(Aws *c)
{
    const ObjList *l = model_kind(c->m, "service");
    for (int i = 0; i < l->n; i++) {
        role_name(c, l->items[i], NAMES_ROLE_TASK, "<platform>-<account>-<service>-task");
        role_name(c, l->items[i], NAMES_ROLE_EXEC, "<platform>-<account>-<service>-exec");
    }
    l = model_kind(c->m, "cluster");
    for (int i = 0; i < l->n; i++)
        if (strcmp(rctx_str(c->m, l->items[i], "compute", NULL, "fargate"), "ec2") == 0)
            role_name(c, l->items[i], NAMES_ROLE_INSTANCE, "<platform>-<account>-<cluster>-ec2-ecs-instance");
    /* the role sfdc assumes into each account is named by the user */
    l = model_kind(c->m, "account");
    for (int i = 0; i < l->n; i++) {
        const Value *v = rctx_val(c->m, l->items[i], "role", NULL);
        RuleMsg rm;
        if (v && v->kind == VAL_STR && !awsr_iam_role_name(v->u.str, strlen(v->u.str), &rm))
            rctx_report(c->d, DIAG_ERROR, "E0508", v, rctx_site(c->m, l->items[i], "role", NULL), &rm,
                        NULL);
    }
}

/* ---- E0510, E0511 CIDR blocks ---------------------------------------------- */

/* E0510 on one block; what ("VPC", "subnet") also checks the size. */
static bool cidr_ok(Aws *c, const Value *v, Site s, const char *what)
{
    RuleMsg rm;
    if (!v || v->kind != VAL_CIDR)
        return false;
    if (!cidr_check(v->u.cidr, &rm) || (what && !cidr_check_size(v->u.cidr, what, &rm))) {
        rctx_report(c->d, DIAG_ERROR, "E0510", NULL, s, &rm, NULL);
        return false;
    }
    return true;
}

/* Subnet lists of a network: valid blocks inside the VPC. */
static void subnets(Aws *c, Object *net, const Value *vpc, bool vpc_ok)
{
    static const char *const fields[] = {"public_subnets", "private_subnets", "database_subnets"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        const Value *l = rctx_val(c->m, net, fields[f], NULL);
        if (!l || l->kind != VAL_LIST)
            continue;
        Site whole = rctx_site(c->m, net, fields[f], NULL);
        for (uint32_t i = 0; i < l->n; i++) {
            Site s = rctx_elem_site(l->items[i], whole);
            RuleMsg rm;
            if (!cidr_ok(c, l->items[i], s, "subnet") || !vpc_ok)
                continue;
            if (!cidr_check_inside(vpc->u.cidr, l->items[i]->u.cidr, &rm)) {
                Site vs = rctx_site(c->m, net, "cidr", NULL);
                Diag *g = diag_new(c->d, DIAG_ERROR, "E0511", s.src, s.span, "%s", rm.msg);
                diag_label(c->d, g, "a subnet of `%s`", net->path);
                diag_secondary(c->d, g, vs.src, vs.span, "the VPC's range");
                if (rm.help[0])
                    diag_help(c->d, g, "%s", rm.help);
                diag_emit(c->d, g);
            }
        }
    }
}

/* One block in the overlap sweep, with what to say about it. */
typedef struct Net {
    const char *what;       /* "the VPC of `la-camden`" */
    Site site;
} Net;

/* E0512: every VPC of the platform talks to every other one through the VPN
 * and the cross-account links (image pulls, shared buckets), and the VPN
 * range reaches all of them: one group, one sort-and-sweep. */
static void overlaps(Aws *c, CidrEntry *e, Net *nets, size_t n)
{
    enum { CAP = 256 };
    CidrPair pairs[CAP];
    size_t np = 0;
    bool more = false;
    if (n < 2 || cidr_find_overlaps(e, n, pairs, CAP, &np, &more) != 0)
        return;
    for (size_t k = 0; k < np; k++) {
        const Net *a = &nets[pairs[k].a], *b = &nets[pairs[k].b];
        char ba[24], bb[24];
        cidr_format(e[pairs[k].a].cidr, ba, sizeof ba);
        cidr_format(e[pairs[k].b].cidr, bb, sizeof bb);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0512", b->site.src, b->site.span,
                           "%s (%s) overlaps %s (%s)", b->what, bb, a->what, ba);
        diag_label(c->d, g, "%s", b->what);
        diag_secondary(c->d, g, a->site.src, a->site.span, "%s", a->what);
        diag_help(c->d, g, "the accounts reach each other through the VPN and cross-account links: "
                           "give every VPC and the VPN their own range");
        if (more && k + 1 == np)
            diag_note(c->d, g, "more overlaps were found; only the first %d are shown", CAP);
        diag_emit(c->d, g);
    }
}

static void cidrs(Aws *c)
{
    const ObjList *nl = model_kind(c->m, "network"), *al = model_kind(c->m, "account");
    size_t cap = (size_t)nl->n + (size_t)al->n, n = 0;
    CidrEntry *e = malloc((cap ? cap : 1) * sizeof *e);
    Net *nets = malloc((cap ? cap : 1) * sizeof *nets);
    if (!e || !nets) {
        free(e);
        free(nets);
        return;
    }
    for (int i = 0; i < nl->n; i++) {
        Object *net = nl->items[i];
        const Value *v = rctx_val(c->m, net, "cidr", NULL);
        Site s = rctx_site(c->m, net, "cidr", NULL);
        bool ok = cidr_ok(c, v, s, "VPC");
        subnets(c, net, v, ok);
        if (!ok)
            continue;
        e[n] = (CidrEntry){v->u.cidr, (uint32_t)n, 0};
        nets[n++] = (Net){arena_printf(arena(c), "the VPC of `%s`", net->account ? net->account->path : net->path), s};
    }
    for (int i = 0; i < al->n; i++) {
        Object *a = al->items[i];
        const Value *v = rctx_val(c->m, a, "vpn", NULL);
        Site s = rctx_site(c->m, a, "vpn", NULL);
        if (!v || v->kind != VAL_CIDR || !cidr_ok(c, v, s, NULL))
            continue;
        e[n] = (CidrEntry){v->u.cidr, (uint32_t)n, CIDR_GROUP_ALL};
        nets[n++] = (Net){arena_printf(arena(c), "the VPN range of `%s`", a->path), s};
    }
    overlaps(c, e, nets, n);
    free(e);
    free(nets);
}

/* ---- E0513, E0514 EC2 capacity -------------------------------------------- */

static bool ec2_table(Aws *c)
{
    if (c->ec2_state)
        return c->ec2_state > 0;
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/aws/ec2-instance-types.json",
             c->m->pg->stdlib_dir ? c->m->pg->stdlib_dir : "stdlib");
    if (awsr_ec2_load(&c->ec2, path, err, sizeof err) != 0) {
        diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path, err);
        c->ec2_state = -1;
        return false;
    }
    c->ec2_state = 1;
    return true;
}

/* The largest tasks placed on one EC2 cluster: by memory and by CPU. */
typedef struct Load {
    Object *by_mem, *by_cpu;    /* services; NULL if none */
} Load;

static void note_task(Aws *c, Table *loads, Object *svc)
{
    if (strcmp(rctx_str(c->m, svc, "compute", NULL, "fargate"), "ec2") != 0)
        return;
    Object *cl = rctx_cluster_of(c->m, svc);
    if (!cl)
        return;
    Load *l = table_get(loads, cl);
    if (!l) {
        l = arena_alloc(arena(c), sizeof *l);
        *l = (Load){NULL, NULL};
        table_put(loads, cl, l);
    }
    if (!l->by_mem || rctx_num(c->m, svc, "memory", NULL, 0) > rctx_num(c->m, l->by_mem, "memory", NULL, 0))
        l->by_mem = svc;
    if (!l->by_cpu || rctx_num(c->m, svc, "cpu", NULL, 0) > rctx_num(c->m, l->by_cpu, "cpu", NULL, 0))
        l->by_cpu = svc;
}

/* One instance type of a cluster: it exists, and holds the largest tasks. */
static void instance_type(Aws *c, const Value *t, Site s, const Load *l)
{
    RuleMsg rm;
    if (t->kind != VAL_STR)
        return;
    size_t len = strlen(t->u.str);
    if (!awsr_ec2_known(&c->ec2, t->u.str, len, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0513", t, s, &rm, NULL);
        return;
    }
    const AwsrEc2Type *x = awsr_ec2_find(&c->ec2, t->u.str, len);
    Object *tasks[2] = {l ? l->by_mem : NULL, l ? l->by_cpu : NULL};
    for (int k = 0; k < 2; k++) {
        Object *svc = tasks[k];
        if (!svc || (k == 1 && svc == tasks[0]))
            continue;
        if (awsr_ec2_fits(&c->ec2, x, rctx_num(c->m, svc, "cpu", NULL, 0), rctx_num(c->m, svc, "memory", NULL, 0),
                          AWSR_ECS_RESERVED_MIB, &rm))
            continue;
        Site ts = model_obj_site(svc);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0513", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "instance type of the cluster");
        diag_secondary(c->d, g, ts.src, ts.span, "the task of `%s`", svc->path);
        diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
        return;
    }
}

/* E0514: instances = min..max with an optional desired count. */
static void asg_sizes(Aws *c, Object *cl)
{
    double lo, hi;
    if (!rctx_range(c->m, cl, "instances", NULL, &lo, &hi))
        return;
    const Value *dv = rctx_val(c->m, cl, "desired", NULL);
    long desired = dv && dv->kind == VAL_NUM ? (long)dv->u.num : -1;
    RuleMsg rm;
    if (awsr_asg_sizes((long)lo, desired, (long)hi, &rm))
        return;
    bool at_desired = desired >= 0 && lo <= hi && lo >= 0;
    rctx_report(c->d, DIAG_ERROR, "E0514", NULL,
                rctx_site(c->m, cl, at_desired ? "desired" : "instances", NULL), &rm, NULL);
}

static void ec2_capacity(Aws *c)
{
    const ObjList *cl = model_kind(c->m, "cluster");
    Table loads;
    table_init(&loads);
    const ObjList *sl = model_kind(c->m, "service");
    for (int i = 0; i < sl->n; i++)
        note_task(c, &loads, sl->items[i]);
    for (int i = 0; i < cl->n; i++) {
        Object *o = cl->items[i];
        asg_sizes(c, o);
        if (strcmp(rctx_str(c->m, o, "compute", NULL, "fargate"), "ec2") != 0)
            continue;
        const Value *types = rctx_val(c->m, o, "instance_types", NULL);
        if (!types || types->kind != VAL_LIST || !ec2_table(c))
            continue;
        Site whole = rctx_site(c->m, o, "instance_types", NULL);
        for (uint32_t k = 0; k < types->n; k++)
            instance_type(c, types->items[k], rctx_elem_site(types->items[k], whole),
                          table_get(&loads, o));
    }
    table_release(&loads);
}

/* ---- the pass ---------------------------------------------------------------- */

static void service(void *ctx, Object *o, const Environment *env)
{
    fargate_size(ctx, o, env);
}

void rules_aws(Model *m, DiagEngine *d)
{
    Aws c = {.m = m, .d = d};
    rctx_begin(m);
    rctx_each(m, "service", service, &c);
    bucket_names(&c);
    ecr_names(&c);
    rctx_each(m, "aurora", aurora, &c);
    rctx_each(m, "rds", rds, &c);
    role_names(&c);
    cidrs(&c);
    ec2_capacity(&c);
    if (c.ec2_state > 0)
        awsr_ec2_release(&c.ec2);
}
