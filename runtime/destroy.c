/* destroy.c — derives the destroy plan of an apply plan (destroy.h) and
 * empties state buckets before they are deleted. The derivation is pure:
 * it reads the loaded plan and writes a JSON document, which is then
 * loaded like any plan (in PLAN_MODE_DESTROY, the only way a run may say
 * `destroy`), so the executor, its journal and its resume need nothing
 * new. */
#include "destroy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#include "banned.h"

/* What the derivation knows how to undo: the resources bootstrap and
 * handshake create, each with its delete call, the read that finds it, the
 * member that read returns while it exists, and the errors meaning gone. */
typedef struct Undo {
    const char *service;   /* botocore service */
    const char *create;    /* the plan's creating operation */
    const char *remove;    /* the operation that deletes */
    const char *read;      /* the read of the check */
    const char *present;   /* path in the read's result while it exists */
    const char *gone[2];   /* read/remove errors meaning "not there" */
    int state;             /* 1: part of the state (only with delete_state) */
} Undo;

static const Undo undos[] = {
    { "iam", "CreateRole", "DeleteRole", "GetRole", "Role.RoleName",
      { "NoSuchEntity", NULL }, 0 },
    { "s3", "CreateBucket", "DeleteBucket", "HeadBucket", "ResponseMetadata.HTTPStatusCode",
      { "NoSuchBucket", "NotFound" }, 1 },
    { "dynamodb", "CreateTable", "DeleteTable", "DescribeTable", "Table.TableName",
      { "ResourceNotFoundException", NULL }, 1 },
};

/* The shared resources of the deploy run s that another environment uses
 * (run.shared), or 0 when it keeps none. */
static size_t shared_of(const PlanStep *s)
{
    return s->kind == STEP_RUN && s->phase == PHASE_DEPLOY ? s->run.n_shared : 0;
}

int destroy_keeps(const Plan *p, size_t account)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].account == account && shared_of(&p->steps[i]))
            return 1;
    return 0;
}

const char *destroy_confirm_name(const Plan *p)
{
    return p->environment ? p->environment : p->platform;
}

/* 1 for a deploy run that applies (not an init). */
static int is_apply_run(const PlanStep *s)
{
    if (s->kind != STEP_RUN || s->phase != PHASE_DEPLOY)
        return 0;
    for (size_t k = 1; k < s->run.argc; k++)
        if (strcmp(s->run.argv[k], "apply") == 0)
            return 1;
    return 0;
}

static int is_init_run(const PlanStep *s)
{
    return s->kind == STEP_RUN && s->phase == PHASE_DEPLOY && !is_apply_run(s);
}

/* The undo of a call step, or NULL when it has none. */
static const Undo *undo_of(const PlanStep *s)
{
    if (s->kind != STEP_CALL || s->phase == PHASE_DEPLOY || s->phase == PHASE_OPERATE)
        return NULL;
    for (size_t i = 0; i < sizeof undos / sizeof *undos; i++)
        if (strcmp(s->call.service, undos[i].service) == 0 &&
            strcmp(s->call.operation, undos[i].create) == 0)
            return &undos[i];
    return NULL;
}

static int is_detach(const PlanStep *s)
{
    return s->kind == STEP_CALL && s->phase == PHASE_HANDSHAKE &&
           strcmp(s->call.service, "iam") == 0 &&
           strcmp(s->call.operation, "AttachRolePolicy") == 0;
}

/* "destroy/" + the id without its phase segment (malloc'd). */
static char *destroy_id(const char *id)
{
    const char *rest = strchr(id, '/');
    rest = rest ? rest + 1 : id;
    size_t n = strlen(rest) + 9;
    char *d = malloc(n);
    if (d)
        snprintf(d, n, "destroy/%s", rest);
    return d;
}

/* One derivation: the plan, whether shared resources go too, and the
 * apply runs that get no destroy run of their own (a terraform root
 * holding nothing but what it keeps). */
typedef struct Derive {
    const Plan *p;
    int include_shared;     /* --include-shared: a kept run's `/shared` run follows it */
    unsigned char *omit;    /* per step: its destroy run is not emitted */
} Derive;

/* Whether step i is an apply run whose destroy keeps shared resources. */
static int keeps(const Derive *d, size_t i)
{
    return is_apply_run(&d->p->steps[i]) && shared_of(&d->p->steps[i]);
}

/* The destroy id of step j that others wait for: a kept run's `/shared`
 * run with include_shared (malloc'd); NULL in *id for a run omitted. */
static int final_id(const Derive *d, size_t j, char **id)
{
    *id = NULL;
    int shared = d->include_shared && keeps(d, j);
    if (d->omit[j] && !shared)
        return 0;
    char *base = destroy_id(d->p->steps[j].id);
    if (!base || !shared) {
        *id = base;
        return base ? 0 : -1;
    }
    size_t n = strlen(base) + 8;
    *id = malloc(n);
    if (*id)
        snprintf(*id, n, "%s/shared", base);
    free(base);
    return *id ? 0 : -1;
}

/* Adds the destroy id of step j to the array `after` (no duplicates). */
static int add_after(cJSON *after, const Derive *d, size_t j)
{
    char *id;
    if (final_id(d, j, &id) < 0)
        return -1;
    if (!id)
        return 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, after)
        if (strcmp(e->valuestring, id) == 0) {
            free(id);
            return 0;
        }
    cJSON *s = cJSON_CreateString(id);
    free(id);
    return s && cJSON_AddItemToArray(after, s) ? 0 : -1;
}

/* For each apply run m: the nearest apply runs it waits for, through any
 * steps (stamp/stack are scratch of n_steps entries). Each of those is
 * destroyed after m: the reverse order. Adds m's destroy id to their
 * `after` arrays (afters[k] for step k). */
static int reverse_edges(const Derive *d, size_t m, cJSON **afters, size_t *stamp, size_t *stack)
{
    const Plan *p = d->p;
    size_t top = 0;
    stack[top++] = m;
    stamp[m] = m + 1;
    while (top) {
        const PlanStep *s = &p->steps[stack[--top]];
        for (size_t k = 0; k < s->n_after; k++) {
            size_t a = s->after[k];
            if (stamp[a] == m + 1)
                continue;
            stamp[a] = m + 1;
            if (is_apply_run(&p->steps[a])) {
                if (add_after(afters[a], d, m) < 0)
                    return -1;
            } else {
                stack[top++] = a;
            }
        }
    }
    return 0;
}

/* The common members of a destroy step derived from step i. */
static cJSON *step_head(const Plan *p, size_t i, const char *title, cJSON *after)
{
    const PlanStep *s = &p->steps[i];
    char *id = destroy_id(s->id);
    cJSON *o = cJSON_CreateObject();
    if (!id || !o) {
        free(id);
        cJSON_Delete(o);
        cJSON_Delete(after);
        return NULL;
    }
    cJSON_AddStringToObject(o, "id", id);
    free(id);
    cJSON_AddStringToObject(o, "phase", plan_phase_name(s->phase));
    cJSON_AddStringToObject(o, "account", p->accounts[s->account].name);
    if (strcmp(s->region, p->region) != 0)
        cJSON_AddStringToObject(o, "region", s->region);
    cJSON_AddStringToObject(o, "title", title);
    if (cJSON_GetArraySize(after) > 0)
        cJSON_AddItemToObject(o, "after", after);
    else
        cJSON_Delete(after);
    return o;
}

/* The run of step i (json: its document) with `apply` read `destroy`,
 * and, given keep (the extra arguments that leave the shared units or
 * modules alone, destroy_keep_args), those added: terragrunt's before
 * its `--`, terraform's at the end. */
static cJSON *destroy_run(const cJSON *json, cJSON *keep)
{
    cJSON *run = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(json, "run"), 1);
    cJSON *argv = cJSON_GetObjectItemCaseSensitive(run, "argv"), *a;
    cJSON_DeleteItemFromObjectCaseSensitive(run, "shared");
    cJSON_ArrayForEach(a, argv)
        if (strcmp(a->valuestring, "apply") == 0)
            cJSON_SetValuestring(a, "destroy");
    if (keep) {     /* argv again, keep's arguments before the first `--` or last */
        cJSON *out = cJSON_CreateArray(), *k;
        int placed = 0;
        cJSON_ArrayForEach(a, argv) {
            if (!placed && strcmp(a->valuestring, "--") == 0) {
                cJSON_ArrayForEach(k, keep)
                    cJSON_AddItemToArray(out, cJSON_CreateString(k->valuestring));
                placed = 1;
            }
            cJSON_AddItemToArray(out, cJSON_CreateString(a->valuestring));
        }
        cJSON_ArrayForEach(k, keep)
            if (!placed)
                cJSON_AddItemToArray(out, cJSON_CreateString(k->valuestring));
        cJSON_ReplaceItemInObjectCaseSensitive(run, "argv", out);
    }
    cJSON_Delete(keep);
    return run;
}

/* Whether s is one of the unit/module addresses of run.shared. */
static int is_kept(const PlanRun *r, const char *addr)
{
    for (size_t k = 0; k < r->n_shared; k++)
        if (strcmp(r->shared[k].unit, addr) == 0)
            return 1;
    return 0;
}

/* The top-level `module "N"` and `resource "T" "N"` blocks of the
 * terraform root of run r that run.shared does not keep, as `-target=`
 * arguments added to keep (the root is sfdc's own main.tf; Terraform 1.x
 * has no way to leave one module out of a destroy but to target the
 * others). Returns the number added, or -1 with err. */
static long root_targets(const Plan *p, const PlanRun *r, cJSON *keep, char *err)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/%s/main.tf", p->dir ? p->dir : ".", r->cwd ? r->cwd : ".");
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, DESTROY_ERR_MAX, "cannot read %.400s to list what to destroy besides "
                 "the shared modules it keeps", path);
        return -1;
    }
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        char a[256], b[256], addr[600];
        if (sscanf(line, "module \"%255[a-z0-9_-]\" {", a) == 1)
            snprintf(addr, sizeof addr, "module.%s", a);
        else if (sscanf(line, "resource \"%255[a-z0-9_]\" \"%255[a-z0-9_-]\" {", a, b) == 2)
            snprintf(addr, sizeof addr, "%s.%s", a, b);
        else
            continue;
        if (is_kept(r, addr))
            continue;
        char arg[620];
        snprintf(arg, sizeof arg, "-target=%s", addr);
        cJSON_AddItemToArray(keep, cJSON_CreateString(arg));
        n++;
    }
    fclose(f);
    return n;
}

/* The arguments that make the destroy run of s leave its shared units or
 * modules alone (*keep, caller owns; NULL when s keeps nothing), with
 * *others the number of other modules a terraform root has (-1 for
 * terragrunt). 0, or -1 with err. */
static int destroy_keep_args(const Plan *p, const PlanStep *s, cJSON **keep, long *others,
                             char *err)
{
    *keep = NULL;
    *others = -1;
    if (!shared_of(s))
        return 0;
    if (!(*keep = cJSON_CreateArray())) {
        snprintf(err, DESTROY_ERR_MAX, "out of memory");
        return -1;
    }
    if (strcmp(s->run.argv[0], "terraform") == 0) {
        if ((*others = root_targets(p, &s->run, *keep, err)) < 0) {
            cJSON_Delete(*keep);
            *keep = NULL;
            return -1;
        }
        return 0;
    }
    for (size_t k = 0; k < s->run.n_shared; k++) {
        char arg[300];
        snprintf(arg, sizeof arg, "--queue-exclude-dir=%s", s->run.shared[k].unit);
        cJSON_AddItemToArray(*keep, cJSON_CreateString(arg));
    }
    return 0;
}

/* args with only the members named (copied from the step's call). */
static cJSON *pick_args(const PlanStep *s, const char *m1, const char *m2)
{
    cJSON *o = cJSON_CreateObject();
    const char *names[] = { m1, m2 };
    for (size_t k = 0; k < 2 && o; k++) {
        const cJSON *v = names[k] ? cJSON_GetObjectItemCaseSensitive(s->call.args, names[k])
                                  : NULL;
        if (v)
            cJSON_AddItemToObject(o, names[k], cJSON_Duplicate(v, 1));
    }
    return o;
}

/* A delete: call `op` with args, check `read` with args2 until `present`
 * is absent or the read answers one of gone (also accepted from the
 * call: deleted by someone else meanwhile). */
static void add_delete(cJSON *o, const char *service, const char *op, cJSON *args,
                       const char *read, cJSON *read_args, const char *present,
                       const char *const *gone, size_t n_gone)
{
    cJSON *call = cJSON_AddObjectToObject(o, "call");
    cJSON_AddStringToObject(call, "service", service);
    cJSON_AddStringToObject(call, "operation", op);
    cJSON_AddItemToObject(call, "args", args);
    cJSON *check = cJSON_AddObjectToObject(o, "check");
    cJSON_AddStringToObject(check, "operation", read);
    cJSON_AddItemToObject(check, "args", read_args);
    cJSON *ex = cJSON_AddArrayToObject(check, "expect");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", present);
    cJSON_AddBoolToObject(e, "exists", 0);
    cJSON_AddItemToArray(ex, e);
    cJSON *g = cJSON_AddArrayToObject(check, "gone");
    cJSON *ok = cJSON_AddArrayToObject(o, "exists_ok");
    for (size_t k = 0; k < n_gone; k++) {
        cJSON_AddItemToArray(g, cJSON_CreateString(gone[k]));
        cJSON_AddItemToArray(ok, cJSON_CreateString(gone[k]));
    }
}

/* DetachRolePolicy for an AttachRolePolicy step. */
static cJSON *detach_step(const Plan *p, size_t i, cJSON *after)
{
    const PlanStep *s = &p->steps[i];
    cJSON *o = step_head(p, i, "detach the policy the handshake attached", after);
    const cJSON *pol = cJSON_GetObjectItemCaseSensitive(s->call.args, "PolicyArn");
    char path[600];
    if (!o || !cJSON_IsString(pol))
        return cJSON_Delete(o), NULL;
    snprintf(path, sizeof path, "AttachedPolicies[PolicyArn=%s]", pol->valuestring);
    static const char *const gone[] = { "NoSuchEntity" };
    add_delete(o, "iam", "DetachRolePolicy", pick_args(s, "RoleName", "PolicyArn"),
               "ListAttachedRolePolicies", pick_args(s, "RoleName", NULL), path, gone, 1);
    return o;
}

/* The delete of a created resource (u: its undo). */
static cJSON *undo_step(const Plan *p, size_t i, const Undo *u, cJSON *after)
{
    const PlanStep *s = &p->steps[i];
    static const char *const keys[][2] = {
        { "RoleName", NULL }, { "Bucket", NULL }, { "TableName", NULL },
    };
    const char *key = keys[u - undos][0];
    char title[80];
    snprintf(title, sizeof title, "%s what %s created", u->remove, s->call.operation);
    cJSON *o = step_head(p, i, title, after);
    if (!o)
        return NULL;
    add_delete(o, u->service, u->remove, pick_args(s, key, NULL), u->read,
               pick_args(s, key, NULL), u->present, u->gone, u->gone[1] ? 2 : 1);
    return o;
}

/* The header members of the destroy plan, copied from p. */
static cJSON *doc_head(const Plan *p)
{
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    cJSON_AddStringToObject(d, "format", "sfdc-plan");
    cJSON_AddNumberToObject(d, "version", 1);
    cJSON_AddStringToObject(d, "source_hash", p->source_hash);
    if (p->generator)
        cJSON_AddStringToObject(d, "generator", p->generator);
    cJSON_AddStringToObject(d, "platform", p->platform);
    if (p->environment)
        cJSON_AddStringToObject(d, "environment", p->environment);
    cJSON_AddStringToObject(d, "region", p->region);
    cJSON_AddItemToObject(d, "accounts",
                          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(p->root, "accounts"), 1));
    return d;
}

/* Whether the role and state steps of step s's account are left out: its
 * deploy keeps a shared resource, whose state they hold and whose root
 * assumes the role (unless include_shared destroys it too). */
static int account_kept(const Derive *d, const PlanStep *s)
{
    return !d->include_shared && destroy_keeps(d->p, s->account);
}

/* afters[i] of every destroy step derived from step i: runs first (reverse
 * order, init before its apply), then what waits for all of an account's
 * runs, and the role before its policies are detached... in reverse. */
static int link_steps(const Derive *d, cJSON **afters, int delete_state)
{
    const Plan *p = d->p;
    size_t n = p->n_steps;
    size_t *stamp = calloc(n ? n : 1, sizeof *stamp), *stack = calloc(n ? n : 1, sizeof *stack);
    int rc = -1;
    if (!stamp || !stack)
        goto out;
    for (size_t m = 0; m < n; m++)
        if (is_apply_run(&p->steps[m]) && reverse_edges(d, m, afters, stamp, stack) < 0)
            goto out;
    for (size_t i = 0; i < n; i++) {
        const PlanStep *s = &p->steps[i];
        const Undo *u = undo_of(s);
        if ((u && u->state && !delete_state) || ((u || is_detach(s)) && account_kept(d, s)))
            continue;
        int runs = is_apply_run(s) ? 0 : is_init_run(s) ? 0 : (u || is_detach(s));
        for (size_t j = 0; j < n && runs; j++) {
            const PlanStep *t = &p->steps[j];
            if (t->account != s->account)
                continue;
            /* a role outlives every run of its account; its policy is
             * detached before it is deleted; state outlives everything */
            int need = t->kind == STEP_RUN ||
                       (u && strcmp(u->create, "CreateRole") == 0 && is_detach(t)) ||
                       (u && u->state && ((undo_of(t) && !undo_of(t)->state) || is_detach(t)));
            if (need && add_after(afters[i], d, j) < 0)
                goto out;
        }
        if (is_apply_run(s))
            for (size_t k = 0; k < s->n_after; k++)
                if (is_init_run(&p->steps[s->after[k]]) && add_after(afters[i], d, s->after[k]) < 0)
                    goto out;
    }
    rc = 0;
out:
    free(stamp);
    free(stack);
    return rc;
}

/* The destroy run(s) of deploy step i (json: its document; after: its
 * `after`, owned), appended to steps: the run itself, leaving what
 * run.shared keeps, and with include_shared a `/shared` run after it that
 * destroys what is left. 0, or -1 with err. */
static int add_runs(const Derive *d, size_t i, const cJSON *json, cJSON *after, cJSON *steps,
                    char *err)
{
    const PlanStep *s = &d->p->steps[i];
    cJSON *keep = NULL, *o = NULL;
    long others = -1;
    if (destroy_keep_args(d->p, s, &keep, &others, err) < 0) {
        cJSON_Delete(after);
        return -1;
    }
    int kept = keep != NULL;
    const char *title = !is_apply_run(s) ? "init" : keep ? "terraform destroy, keeping the "
                        "shared resources other environments use" : "terraform destroy";
    if (d->omit[i]) {
        cJSON_Delete(keep);
    } else {
        if (!(o = step_head(d->p, i, title, after))) {
            cJSON_Delete(keep);
            snprintf(err, DESTROY_ERR_MAX, "out of memory");
            return -1;
        }
        after = NULL;
        cJSON_AddItemToObject(o, "run", destroy_run(json, keep));
        cJSON_AddItemToArray(steps, o);
    }
    if (!kept || !d->include_shared) {
        cJSON_Delete(after);
        return 0;
    }
    /* --include-shared: then the shared resources too, by id of their own
     * so that a destroy that kept them earlier (journaled done) still
     * runs it */
    char *id = destroy_id(s->id), sid[256];
    snprintf(sid, sizeof sid, "%s/shared", id ? id : "");
    if (!after && (after = cJSON_CreateArray()))
        cJSON_AddItemToArray(after, cJSON_CreateString(id ? id : ""));
    free(id);
    if (!(o = step_head(d->p, i, "terraform destroy of the shared resources (--include-shared)",
                        after))) {
        snprintf(err, DESTROY_ERR_MAX, "out of memory");
        return -1;
    }
    cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(o, "id"), sid);
    cJSON_AddItemToObject(o, "run", destroy_run(json, NULL));
    cJSON_AddItemToArray(steps, o);
    return 0;
}

/* Marks in d->omit the kept terraform runs that have nothing else to
 * destroy (an empty -target list would destroy everything). */
static int find_omitted(Derive *d, char *err)
{
    for (size_t i = 0; i < d->p->n_steps; i++) {
        cJSON *keep = NULL;
        long others = -1;
        if (!keeps(d, i))
            continue;
        if (destroy_keep_args(d->p, &d->p->steps[i], &keep, &others, err) < 0)
            return -1;
        cJSON_Delete(keep);
        d->omit[i] = others == 0;
    }
    return 0;
}

cJSON *destroy_derive(const Plan *p, int delete_state, int include_shared, char *err)
{
    size_t n = p->n_steps, runs = 0;
    for (size_t i = 0; i < n; i++)
        runs += is_apply_run(&p->steps[i]);
    if (!runs) {
        snprintf(err, DESTROY_ERR_MAX, "the plan has no deploy step (built with --target none): "
                 "there is no Terraform state for sfdrun to destroy");
        return NULL;
    }
    Derive d = { p, include_shared, calloc(n, 1) };
    cJSON **afters = calloc(n, sizeof *afters);
    cJSON *doc = doc_head(p), *steps = doc ? cJSON_AddArrayToObject(doc, "steps") : NULL;
    size_t i = 0;
    if (!afters || !steps || !d.omit)
        goto oom;
    for (i = 0; i < n; i++)
        if (!(afters[i] = cJSON_CreateArray()))
            goto oom;
    if (find_omitted(&d, err) < 0)
        goto fail;
    if (link_steps(&d, afters, delete_state) < 0)
        goto oom;
    /* runs first, then the policies and the roles, then the state: the
     * order a reader expects, though `after` alone decides */
    for (int pass = 0; pass < 4; pass++) {
        const cJSON *json = cJSON_GetObjectItemCaseSensitive(p->root, "steps")->child;
        for (i = 0; i < n; i++, json = json->next) {
            const PlanStep *s = &p->steps[i];
            const Undo *u = undo_of(s);
            cJSON *o = NULL;
            if (pass == 0 && s->kind == STEP_RUN && s->phase == PHASE_DEPLOY) {
                cJSON *after = afters[i];
                afters[i] = NULL;
                if (add_runs(&d, i, json, after, steps, err) < 0)
                    goto fail;
                continue;
            } else if ((is_detach(s) || u) && account_kept(&d, s)) {
                continue;
            } else if (pass == 1 && is_detach(s)) {
                o = detach_step(p, i, afters[i]);
            } else if (pass == 2 + (u && u->state) && u && (!u->state || delete_state)) {
                o = undo_step(p, i, u, afters[i]);
            } else {
                continue;
            }
            afters[i] = NULL; /* owned by o now, or freed with it */
            if (!o || !cJSON_AddItemToArray(steps, o))
                goto oom;
        }
    }
    for (i = 0; i < n; i++)
        cJSON_Delete(afters[i]);
    free(afters);
    free(d.omit);
    return doc;
oom:
    snprintf(err, DESTROY_ERR_MAX, "out of memory");
fail:
    for (i = 0; afters && i < n; i++)
        cJSON_Delete(afters[i]);
    free(afters);
    free(d.omit);
    cJSON_Delete(doc);
    return NULL;
}

/* Whether name is one of the comma-separated names of list. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *q = list; q && *q;) {
        const char *c = strchr(q, ',');
        size_t len = c ? (size_t)(c - q) : strlen(q);
        if (len == n && strncmp(q, name, n) == 0)
            return 1;
        q = c ? c + 1 : NULL;
    }
    return 0;
}

int destroy_check_include(const Plan *p, const char *names, char *err)
{
    int any = 0;
    for (size_t i = 0; i < p->n_steps; i++)
        for (size_t k = 0; k < shared_of(&p->steps[i]); k++) {
            const PlanShared *sh = &p->steps[i].run.shared[k];
            any = 1;
            for (size_t e = 0; e < sh->n_used_by; e++)
                if (!in_list(names, sh->used_by[e])) {
                    snprintf(err, DESTROY_ERR_MAX, "--include-shared %.60s does not name `%.60s`, "
                             "which uses %.100s: name every environment that uses the shared "
                             "resources, to say they may lose them", names, sh->used_by[e],
                             sh->resource);
                    return -1;
                }
        }
    for (const char *q = names; any && *q;) {
        const char *c = strchr(q, ',');
        size_t len = c ? (size_t)(c - q) : strlen(q);
        int found = 0;
        for (size_t i = 0; i < p->n_steps && !found; i++)
            for (size_t k = 0; k < shared_of(&p->steps[i]) && !found; k++)
                for (size_t e = 0; e < p->steps[i].run.shared[k].n_used_by && !found; e++) {
                    const char *u = p->steps[i].run.shared[k].used_by[e];
                    found = strlen(u) == len && strncmp(u, q, len) == 0;
                }
        if (!found) {
            snprintf(err, DESTROY_ERR_MAX, "--include-shared names `%.*s`, which uses none of "
                     "this plan's shared resources", (int)(len > 60 ? 60 : len), q);
            return -1;
        }
        q = c ? c + 1 : q + len;
    }
    if (!any) {
        snprintf(err, DESTROY_ERR_MAX, "--include-shared: this plan keeps no shared resource "
                 "(no other environment uses one it owns)");
        return -1;
    }
    return 0;
}

/* The names `what` of account a's steps creating with operation op, as
 * "`x`, `y`" into buf. */
static void names_of(const Plan *p, size_t a, const char *op, const char *key, char *buf,
                     size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < p->n_steps && used < n; i++) {
        const PlanStep *s = &p->steps[i];
        const cJSON *v = s->kind == STEP_CALL && s->account == a &&
                         strcmp(s->call.operation, op) == 0
                             ? cJSON_GetObjectItemCaseSensitive(s->call.args, key) : NULL;
        if (cJSON_IsString(v))
            used += (size_t)snprintf(buf + used, n - used, "%s`%s`", used ? ", " : "",
                                     v->valuestring);
    }
}

/* One line of the report: for people, "sfdrun: TEXT" on f; under
 * --log-format json, a `kept` event on the log's stream, so a CI reading
 * JSON lines sees what destroy leaves and why (kind: shared, role, state
 * or hint). */
static void kept_line(FILE *f, const char *kind, const char *account, const char *what,
                      const char *used_by, const char *text)
{
    if (log_format() == LOG_JSON) {
        LogField fl[] = {
            { "kind", kind, 0 }, { "account", account, 0 }, { "what", what, 0 },
            { "used_by", used_by, 0 }, { "message", text, 0 },
        };
        log_event("kept", fl, sizeof fl / sizeof *fl, NULL);
        return;
    }
    fprintf(f, "sfdrun: %s\n", text);
}

/* The environments using shared resource sh, as "`a`, `b` and `c`" into
 * buf, and as "a,b,c" into csv. */
static void used_by_list(const PlanShared *sh, char *buf, size_t n, char *csv, size_t ncsv)
{
    size_t used = 0, ucsv = 0;
    buf[0] = csv[0] = 0;
    for (size_t e = 0; e < sh->n_used_by; e++) {
        if (used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s`%s`",
                                     e ? (e + 1 == sh->n_used_by ? " and " : ", ") : "",
                                     sh->used_by[e]);
        if (ucsv < ncsv)
            ucsv += (size_t)snprintf(csv + ucsv, ncsv - ucsv, "%s%s", e ? "," : "",
                                     sh->used_by[e]);
    }
}

/* Every environment that uses a kept resource, once each, as "a,b". */
static void all_users(const Plan *p, char *users, size_t n)
{
    size_t used = 0;
    users[0] = 0;
    for (size_t i = 0; i < p->n_steps; i++)
        for (size_t k = 0; k < shared_of(&p->steps[i]); k++)
            for (size_t e = 0; e < p->steps[i].run.shared[k].n_used_by; e++) {
                const char *u = p->steps[i].run.shared[k].used_by[e];
                if (!in_list(users, u) && used < n)
                    used += (size_t)snprintf(users + used, n - used, "%s%s", used ? "," : "", u);
            }
}

/* What account a keeps besides the shared resources: the role the kept
 * resources' runs assume, and (with delete_state) the state recording them. */
static void report_account_kept(const Plan *p, size_t a, int delete_state, FILE *f)
{
    char roles[512], buckets[512], tables[512], text[2048];
    const char *acct = p->accounts[a].name;
    names_of(p, a, "CreateRole", "RoleName", roles, sizeof roles);
    names_of(p, a, "CreateBucket", "Bucket", buckets, sizeof buckets);
    names_of(p, a, "CreateTable", "TableName", tables, sizeof tables);
    if (roles[0]) {
        snprintf(text, sizeof text, "keeping role %s of account %s: the kept resources' "
                 "Terraform runs assume it", roles, acct);
        kept_line(f, "role", acct, roles, NULL, text);
    }
    if (delete_state && (buckets[0] || tables[0])) {
        char what[1100];
        snprintf(what, sizeof what, "%s%s%s", buckets, buckets[0] && tables[0] ? ", " : "",
                 tables);
        snprintf(text, sizeof text, "keeping the state of account %s (%s): it records the "
                 "kept resources", acct, what);
        kept_line(f, "state", acct, what, NULL, text);
    }
}

size_t destroy_report_kept(const Plan *p, int delete_state, FILE *f)
{
    size_t kept = 0;
    char text[2048], users[512], csv[512];
    for (size_t i = 0; i < p->n_steps; i++) {
        const PlanStep *s = &p->steps[i];
        for (size_t k = 0; k < shared_of(s); k++) {
            const PlanShared *sh = &s->run.shared[k];
            used_by_list(sh, users, sizeof users, csv, sizeof csv);
            snprintf(text, sizeof text, "keeping %s (%s in %s): shared, and used by "
                     "environment%s %s (SPEC 7.5)", sh->resource, sh->unit,
                     s->run.cwd ? s->run.cwd : ".", sh->n_used_by > 1 ? "s" : "", users);
            kept_line(f, "shared", p->accounts[s->account].name, sh->resource, csv, text);
            kept++;
        }
    }
    for (size_t a = 0; kept && a < p->n_accounts; a++)
        if (destroy_keeps(p, a))
            report_account_kept(p, a, delete_state, f);
    if (kept) {
        all_users(p, users, sizeof users);
        snprintf(text, sizeof text, "to destroy them too, once %s no longer use%s them: "
                 "--include-shared %s", users, strchr(users, ',') ? "" : "s", users);
        kept_line(f, "hint", NULL, NULL, users, text);
    }
    return kept;
}

int destroy_plan(const Plan *p, int delete_state, int include_shared, Plan *out, char *err)
{
    char perr[PLAN_ERR_MAX];
    memset(out, 0, sizeof *out);
    cJSON *doc = destroy_derive(p, delete_state, include_shared, err);
    if (!doc)
        return -1;
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text) {
        snprintf(err, DESTROY_ERR_MAX, "out of memory");
        return -1;
    }
    int rc = plan_parse_mode(text, strlen(text), p->dir, PLAN_MODE_DESTROY, out, perr);
    free(text);
    if (rc < 0) {
        snprintf(err, DESTROY_ERR_MAX, "the derived destroy plan is invalid: %.440s", perr);
        return -1;
    }
    memcpy(out->sha256, p->sha256, sizeof out->sha256);
    return 0;
}

int destroy_is_state_step(const Plan *d, size_t i)
{
    const PlanStep *s = &d->steps[i];
    return s->kind == STEP_CALL && (strcmp(s->call.operation, "DeleteBucket") == 0 ||
                                    strcmp(s->call.operation, "DeleteTable") == 0);
}

/* ------------------------------------------------------------------ */
/* Emptying a state bucket                                              */

/* Appends {Key, VersionId} of every entry of list to objs; -1 (msg) when a
 * key is outside prefix. */
static int collect(const cJSON *list, cJSON *objs, const char *prefix, const char *bucket,
                   char *msg, size_t n)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, list) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "Key");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "VersionId");
        if (!cJSON_IsString(k))
            continue;
        if (prefix && strncmp(k->valuestring, prefix, strlen(prefix)) != 0) {
            snprintf(msg, n, "state bucket %s holds `%s`, outside this environment's `%s`: "
                     "left in place (it is not this environment's to delete)", bucket,
                     k->valuestring, prefix);
            return -1;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", k->valuestring);
        /* always with its version ("null" for an object written before
         * versioning): a delete without one only adds a delete marker */
        if (cJSON_IsString(id))
            cJSON_AddStringToObject(o, "VersionId", id->valuestring);
        cJSON_AddItemToArray(objs, o);
    }
    return 0;
}

/* One exec_call; 0 ok (*res set), 1 gone, -1 failed (msg). */
static int call(Exec *ex, const PlanStep *s, const char *op, const cJSON *args, cJSON **res,
                char *msg, size_t n)
{
    AwsError e;
    char err[AWS_ERR_MAX];
    int rc = exec_call(ex, s->account, s->region, "s3", op, args, res, &e, err);
    if (rc < 0) {
        snprintf(msg, n, "%s", err);
        return -1;
    }
    if (rc == 0)
        return 0;
    int gone = e.code && strcmp(e.code, "NoSuchBucket") == 0;
    if (!gone)
        snprintf(msg, n, "s3 %s: %s: %s", op, e.code ? e.code : "error",
                 e.message ? e.message : "");
    aws_error_release(&e);
    return gone ? 1 : -1;
}

long destroy_empty_bucket(Exec *ex, const Plan *d, size_t i, const char *prefix, char *msg,
                          size_t n)
{
    const PlanStep *s = &d->steps[i];
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(s->call.args, "Bucket");
    long deleted = 0;
    if (!cJSON_IsString(b)) {
        snprintf(msg, n, "step %s names no bucket", s->id);
        return -1;
    }
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "Bucket", b->valuestring);
    /* each round lists the first 1000 versions and deletes them; a listing
     * that starts where the last one did made no progress, and stops the
     * loop rather than spinning */
    char last[1200] = "";
    for (;;) {
        cJSON *res = NULL, *del = NULL, *out = NULL;
        int rc = call(ex, s, "ListObjectVersions", args, &res, msg, n);
        if (rc != 0) {
            cJSON_Delete(args);
            return rc > 0 ? deleted : -1;
        }
        del = cJSON_CreateObject();
        cJSON_AddStringToObject(del, "Bucket", b->valuestring);
        cJSON *spec = cJSON_AddObjectToObject(del, "Delete");
        cJSON *objs = cJSON_AddArrayToObject(spec, "Objects");
        cJSON_AddBoolToObject(spec, "Quiet", 1);
        if (collect(cJSON_GetObjectItemCaseSensitive(res, "Versions"), objs, prefix,
                    b->valuestring, msg, n) < 0 ||
            collect(cJSON_GetObjectItemCaseSensitive(res, "DeleteMarkers"), objs, prefix,
                    b->valuestring, msg, n) < 0) {
            rc = -1;
        }
        int count = cJSON_GetArraySize(objs);
        cJSON_Delete(res);
        char first[1200] = "";
        if (count > 0) {
            const cJSON *o0 = objs->child;
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(o0, "Key");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o0, "VersionId");
            snprintf(first, sizeof first, "%s\n%s", k->valuestring,
                     cJSON_IsString(v) ? v->valuestring : "");
        }
        if (rc == 0 && count > 0 && strcmp(first, last) == 0) {
            snprintf(msg, n, "s3 DeleteObjects in %s: the same versions are listed again",
                     b->valuestring);
            rc = -1;
        }
        memcpy(last, first, sizeof last);
        if (rc == 0 && count > 0)
            rc = call(ex, s, "DeleteObjects", del, &out, msg, n);
        const cJSON *errs = out ? cJSON_GetObjectItemCaseSensitive(out, "Errors") : NULL;
        if (rc == 0 && cJSON_GetArraySize(errs) > 0) {
            const cJSON *e0 = cJSON_GetArrayItem(errs, 0);
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(e0, "Code");
            snprintf(msg, n, "s3 DeleteObjects in %s: %d objects not deleted (%s)",
                     b->valuestring, cJSON_GetArraySize(errs),
                     cJSON_IsString(code) ? code->valuestring : "?");
            rc = -1;
        }
        cJSON_Delete(out);
        cJSON_Delete(del);
        if (rc != 0 || count == 0) {
            cJSON_Delete(args);
            return rc < 0 ? -1 : deleted;
        }
        deleted += count;
    }
}
