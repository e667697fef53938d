/* plan.c — reads and validates the runtime plan (see plan.h, PLAN.md).
 * Validation is strict and total: every value the executor will use is
 * checked here, once, with the JSON path of the offending member, so the
 * executor can trust the Plan it is given. */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws.h"
#include "banned.h"

/* Validation state: where errors go. */
typedef struct Ctx {
    char *err;     /* PLAN_ERR_MAX bytes */
    Plan *plan;    /* the plan being filled */
    PlanMode mode; /* which run arguments are accepted */
} Ctx;

static const char *const phase_names[PHASE_COUNT] = {
    "bootstrap", "handshake", "deploy", "operate",
};

/* What a run step may start: the programs, arguments and environment
 * variables sfdc's plan emitter writes (compiler/planemit.c), nothing else.
 * A plan is data, never a way to choose the code that runs: terragrunt's
 * --tf-path, TG_TF_PATH=/tmp/x, terraform's -chdir or plugin directories,
 * LD_PRELOAD, BASH_ENV or a PATH override would all let a tampered plan
 * start a program of its choosing. Arguments are whole tokens: none of
 * the accepted ones takes a value. */
typedef struct RunProgram {
    const char *name;        /* argv[0] */
    const char *const *args; /* accepted arguments, NULL-terminated */
} RunProgram;

static const char *const terragrunt_args[] = {
    "run", "--all", "--non-interactive", "--", "apply", "-auto-approve", "-input=false", NULL,
};
static const char *const terraform_args[] = {
    "init", "apply", "-input=false", "-auto-approve", NULL,
};
static const RunProgram run_programs[] = {
    { "terragrunt", terragrunt_args },
    { "terraform", terraform_args },
};

/* A destroy plan (runtime/destroy.c derives it; never read from a file)
 * runs the same commands with `destroy` in place of `apply`, and nothing
 * else: a plan file can never tear anything down. */
static const char *const terragrunt_destroy_args[] = {
    "run", "--all", "--non-interactive", "--", "destroy", "-auto-approve", "-input=false", NULL,
};
static const char *const terraform_destroy_args[] = {
    "init", "destroy", "-input=false", "-auto-approve", NULL,
};
static const RunProgram destroy_programs[] = {
    { "terragrunt", terragrunt_destroy_args },
    { "terraform", terraform_destroy_args },
};

/* Environment variables a run step may set, each with its only value. */
static const char *const run_env[][2] = {
    { "TG_TF_PATH", "terraform" }, /* terragrunt runs terraform from PATH */
};

const char *plan_phase_name(PlanPhase ph)
{
    return ph < PHASE_COUNT ? phase_names[ph] : "?";
}

int plan_phase_parse(const char *s)
{
    for (int i = 0; i < PHASE_COUNT; i++)
        if (strcmp(s, phase_names[i]) == 0)
            return i;
    return -1;
}

/* Writes "a: b" into dst (n bytes), truncating. */
static void join(char *dst, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), o = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < la && o + 1 < n; i++)
        dst[o++] = a[i];
    for (size_t i = 0; i < 2 && o + 1 < n; i++)
        dst[o++] = ": "[i];
    for (size_t i = 0; i < lb && o + 1 < n; i++)
        dst[o++] = b[i];
    dst[o] = '\0';
}

/* Records "path: message" and returns -1. */
static int fail(Ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(Ctx *c, const char *path, const char *fmt, ...)
{
    char msg[PLAN_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    join(c->err, PLAN_ERR_MAX, *path ? path : "(top level)", msg);
    return -1;
}

static const char *type_name(const cJSON *v)
{
    if (!v) return "nothing";
    if (cJSON_IsString(v)) return "a string";
    if (cJSON_IsNumber(v)) return "a number";
    if (cJSON_IsBool(v)) return "a boolean";
    if (cJSON_IsNull(v)) return "null";
    if (cJSON_IsArray(v)) return "an array";
    return "an object";
}

/* Refuses members of obj not in the NULL-terminated list `allowed`. */
static int only_members(Ctx *c, const cJSON *obj, const char *path,
                        const char *const *allowed)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(m->string, allowed[i]) == 0;
        if (!ok)
            return fail(c, path, "unknown member `%s`", m->string);
        /* cJSON keeps duplicates; a second one would be silently ignored */
        for (const cJSON *d = m->next; d; d = d->next)
            if (strcmp(d->string, m->string) == 0)
                return fail(c, path, "duplicate member `%s`", m->string);
    }
    return 0;
}

/* The member key of obj as a string: required (out stays NULL when an
 * optional member is absent). */
static int get_string(Ctx *c, const cJSON *obj, const char *path, const char *key,
                      int required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return fail(c, path, "missing member `%s`", key);
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(c, path, "`%s` must be a string, not %s", key, type_name(v));
    *out = v->valuestring;
    return 0;
}

/* 1 when s matches [a-z][a-z0-9-]{0,62}. */
static int is_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* 1 when every character of s is in the set (and s is non-empty). */
static int all_in(const char *s, const char *set)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr(set, *s))
            return 0;
    return 1;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static int is_step_id(const char *s)
{
    return strlen(s) <= 200 && strchr(LOWER DIGIT, s[0]) && all_in(s, LOWER DIGIT "._/-");
}

static int is_region(const char *s)
{
    /* xx-word-N, e.g. eu-west-2, us-gov-west-1 */
    size_t n = strlen(s);
    if (n < 6 || n > 30 || !all_in(s, LOWER DIGIT "-") || s[2] != '-')
        return 0;
    const char *last = strrchr(s, '-');
    return last && last[1] && all_in(last + 1, DIGIT);
}

static int is_account_id(const char *s)
{
    return strlen(s) == 12 && all_in(s, DIGIT);
}

static int is_error_code(const char *s)
{
    return all_in(s, LOWER UPPER DIGIT "._:-");
}

/* The region member: validated, defaulting to the plan's. */
static int get_region(Ctx *c, const cJSON *obj, const char *path, const char **out)
{
    if (get_string(c, obj, path, "region", 0, out) < 0)
        return -1;
    if (!*out) {
        *out = c->plan->region;
        return 0;
    }
    if (!is_region(*out))
        return fail(c, path, "`region` \"%s\" is not a region name like eu-west-2", *out);
    return 0;
}

/* An array of error codes (or NULL when absent) into a malloc'd array. */
static int get_codes(Ctx *c, const cJSON *obj, const char *path, const char *key,
                     const char ***out, size_t *n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    *n = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(c, path, "`%s` must be an array of error codes", key);
    size_t k = (size_t)cJSON_GetArraySize(arr);
    if (k == 0)
        return 0;
    *out = calloc(k, sizeof **out);
    if (!*out)
        return fail(c, path, "out of memory");
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        if (!cJSON_IsString(v) || !is_error_code(v->valuestring))
            return fail(c, path, "`%s[%zu]` must be an error code like NoSuchBucket", key, *n);
        (*out)[(*n)++] = v->valuestring;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Arguments: deep copy with {"$json": V} replaced by V's text          */

static cJSON *expand_json(const cJSON *v, char *why, size_t n)
{
    if (cJSON_IsObject(v)) {
        const cJSON *only = v->child;
        if (only && !only->next && strcmp(only->string, "$json") == 0) {
            char *text = cJSON_PrintUnformatted(only);
            cJSON *s = text ? cJSON_CreateString(text) : NULL;
            free(text);
            if (!s)
                snprintf(why, n, "out of memory");
            return s;
        }
        cJSON *o = cJSON_CreateObject();
        const cJSON *m;
        cJSON_ArrayForEach(m, v) {
            if (strcmp(m->string, "$json") == 0) {
                snprintf(why, n, "`$json` must be the only member of its object");
                cJSON_Delete(o);
                return NULL;
            }
            cJSON *e = expand_json(m, why, n);
            if (!e || !o || !cJSON_AddItemToObject(o, m->string, e)) {
                cJSON_Delete(e);
                cJSON_Delete(o);
                return NULL;
            }
        }
        return o;
    }
    if (cJSON_IsArray(v)) {
        cJSON *a = cJSON_CreateArray();
        const cJSON *m;
        cJSON_ArrayForEach(m, v) {
            cJSON *e = expand_json(m, why, n);
            if (!e || !a || !cJSON_AddItemToArray(a, e)) {
                cJSON_Delete(e);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    cJSON *d = cJSON_Duplicate(v, 1);
    if (!d)
        snprintf(why, n, "out of memory");
    return d;
}

static int is_service_name(const char *s)
{
    return strchr(LOWER DIGIT, s[0]) && all_in(s, LOWER DIGIT "-");
}

static int is_operation(const char *s)
{
    return strchr(UPPER, s[0]) && all_in(s, LOWER UPPER DIGIT);
}

/* call = { service, operation, args? } ; `service_default` fills an
 * omitted service (checks). */
static int read_call(Ctx *c, const cJSON *obj, const char *path, const char *service_default,
                     PlanCall *out)
{
    static const char *const members[] = { "service", "operation", "args", NULL };
    static const char *const check_members[] = { "service", "operation", "args",
                                                 "expect", "missing", "gone", NULL };
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, service_default ? check_members : members) < 0)
        return -1;
    if (get_string(c, obj, path, "service", !service_default, &out->service) < 0 ||
        get_string(c, obj, path, "operation", 1, &out->operation) < 0)
        return -1;
    if (!out->service)
        out->service = service_default;
    else if (!is_service_name(out->service))
        return fail(c, path, "`service` \"%s\" is not a service name like s3 or "
                    "application-autoscaling", out->service);
    if (!is_operation(out->operation))
        return fail(c, path, "`operation` \"%s\" is not an operation name like CreateBucket",
                    out->operation);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(obj, "args");
    char why[200] = "";
    if (args && !cJSON_IsObject(args))
        return fail(c, path, "`args` must be an object, not %s", type_name(args));
    out->args = args ? expand_json(args, why, sizeof why) : cJSON_CreateObject();
    if (!out->args)
        return fail(c, path, "args: %s", *why ? why : "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Expectation paths                                                     */

int plan_path_check(const char *p, char *err, size_t n)
{
    const char *seg = LOWER UPPER DIGIT "_:@$-";
    if (!*p)
        return 0;
    int need_seg = 1;
    while (*p) {
        if (need_seg) {
            size_t k = strspn(p, seg);
            if (k == 0) {
                snprintf(err, n, "expected a member name at `%s`", p);
                return -1;
            }
            p += k;
            need_seg = 0;
        } else if (*p == '.') {
            p++;
            need_seg = 1;
        } else if (*p == '[') {
            const char *close = strchr(p, ']');
            if (!close || close == p + 1) {
                snprintf(err, n, "unclosed or empty `[` at `%s`", p);
                return -1;
            }
            size_t digits = strspn(p + 1, DIGIT);
            const char *eq = memchr(p + 1, '=', (size_t)(close - p - 1));
            if (p + 1 + digits != close &&
                (!eq || eq == p + 1 || strspn(p + 1, seg) != (size_t)(eq - p - 1))) {
                snprintf(err, n, "`[...]` must hold an index or KEY=VALUE at `%s`", p);
                return -1;
            }
            p = close + 1;
        } else {
            snprintf(err, n, "unexpected `%c` at `%s`", *p, p);
            return -1;
        }
    }
    if (need_seg) {
        snprintf(err, n, "path ends with `.`");
        return -1;
    }
    return 0;
}

/* expect[i] = { path, equals | json | exists } */
static int read_expect(Ctx *c, const cJSON *obj, const char *path, PlanExpect *out)
{
    static const char *const members[] = { "path", "equals", "json", "exists", NULL };
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, members) < 0 ||
        get_string(c, obj, path, "path", 1, &out->path) < 0)
        return -1;
    char why[200];
    if (plan_path_check(out->path, why, sizeof why) < 0)
        return fail(c, path, "bad path \"%s\": %s", out->path, why);
    const cJSON *eq = cJSON_GetObjectItemCaseSensitive(obj, "equals");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(obj, "json");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(obj, "exists");
    if ((eq != NULL) + (js != NULL) + (ex != NULL) != 1)
        return fail(c, path, "needs exactly one of `equals`, `json`, `exists`");
    if (eq) {
        out->kind = EXPECT_EQUALS;
        out->value = eq;
    } else if (js) {
        out->kind = EXPECT_JSON;
        out->value = js;
    } else {
        if (!cJSON_IsBool(ex))
            return fail(c, path, "`exists` must be true or false");
        out->kind = EXPECT_EXISTS;
        out->exists = cJSON_IsTrue(ex);
    }
    return 0;
}

static int read_check(Ctx *c, const cJSON *obj, const char *path, const PlanCall *call,
                      PlanCheck *out)
{
    char sub[256];
    if (read_call(c, obj, path, call->service, &out->read) < 0)
        return -1;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(obj, "expect");
    if (!cJSON_IsArray(ex))
        return fail(c, path, "`expect` must be an array (empty means: the read succeeds)");
    size_t n = (size_t)cJSON_GetArraySize(ex);
    out->expect = n ? calloc(n, sizeof *out->expect) : NULL;
    if (n && !out->expect)
        return fail(c, path, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, ex) {
        snprintf(sub, sizeof sub, "%s.expect[%zu]", path, out->n_expect);
        if (read_expect(c, e, sub, &out->expect[out->n_expect]) < 0)
            return -1;
        out->n_expect++;
    }
    if (get_codes(c, obj, path, "missing", &out->missing, &out->n_missing) < 0)
        return -1;
    return get_codes(c, obj, path, "gone", &out->gone, &out->n_gone);
}

/* ------------------------------------------------------------------ */
/* run steps                                                             */

static int cwd_ok(const char *cwd)
{
    if (cwd[0] == '/' || !*cwd)
        return 0;
    for (const char *p = cwd; *p;) {
        size_t k = strcspn(p, "/");
        if (k == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += k;
        if (*p == '/')
            p++;
    }
    return 1;
}

static int env_name_ok(const char *s)
{
    return !strchr(DIGIT, s[0]) && all_in(s, LOWER UPPER DIGIT "_");
}

/* 1 when NAME=VALUE is in run_env. */
static int env_allowed(const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof run_env / sizeof *run_env; i++)
        if (strcmp(name, run_env[i][0]) == 0)
            return strcmp(value, run_env[i][1]) == 0;
    return 0;
}

/* Checks argv[0] and every argument against run_programs. */
static int check_argv(Ctx *c, const char *path, const char *id, const PlanRun *r)
{
    const RunProgram *progs = c->mode == PLAN_MODE_DESTROY ? destroy_programs : run_programs;
    const RunProgram *prog = NULL;
    for (size_t i = 0; i < sizeof run_programs / sizeof *run_programs; i++)
        if (strcmp(r->argv[0], progs[i].name) == 0)
            prog = &progs[i];
    if (!prog)
        return fail(c, path, "`argv[0]` \"%s\" is not an allowed program "
                    "(terragrunt, terraform)", r->argv[0]);
    for (size_t k = 1; k < r->argc; k++) {
        int ok = 0;
        for (size_t j = 0; prog->args[j] && !ok; j++)
            ok = strcmp(r->argv[k], prog->args[j]) == 0;
        if (!ok)
            return fail(c, path, "step \"%s\": `argv[%zu]` \"%.60s\" is not an allowed %s "
                        "argument (a plan is data, not a way to run code)",
                        id, k, r->argv[k], prog->name);
    }
    return 0;
}

/* run = { argv, cwd?, env?, timeout? }; id names the step in errors. */
static int read_run(Ctx *c, const cJSON *obj, const char *path, const char *id, PlanRun *out)
{
    static const char *const members[] = { "argv", "cwd", "env", "timeout", NULL };
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, members) < 0)
        return -1;
    const cJSON *argv = cJSON_GetObjectItemCaseSensitive(obj, "argv");
    if (!cJSON_IsArray(argv) || cJSON_GetArraySize(argv) == 0)
        return fail(c, path, "`argv` must be a non-empty array of strings");
    size_t n = (size_t)cJSON_GetArraySize(argv);
    out->argv = calloc(n + 1, sizeof *out->argv);
    if (!out->argv)
        return fail(c, path, "out of memory");
    const cJSON *a;
    cJSON_ArrayForEach(a, argv) {
        if (!cJSON_IsString(a))
            return fail(c, path, "`argv[%zu]` must be a string", out->argc);
        out->argv[out->argc++] = a->valuestring;
    }
    if (check_argv(c, path, id, out) < 0)
        return -1;
    if (get_string(c, obj, path, "cwd", 0, &out->cwd) < 0)
        return -1;
    if (out->cwd && !cwd_ok(out->cwd))
        return fail(c, path, "`cwd` \"%s\" must be relative to the plan, without `..`",
                    out->cwd);
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(obj, "env");
    if (env && !cJSON_IsObject(env))
        return fail(c, path, "`env` must be an object of strings");
    size_t ne = env ? (size_t)cJSON_GetArraySize(env) : 0;
    out->env = calloc(ne + 1, sizeof *out->env);
    if (!out->env)
        return fail(c, path, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, env) {
        if (!env_name_ok(e->string) || !cJSON_IsString(e))
            return fail(c, path, "`env.%s` must be a string with a name like TF_VAR_x",
                        e->string);
        if (!env_allowed(e->string, e->valuestring))
            return fail(c, path, "step \"%s\": `env.%s` is not allowed (a plan may set only "
                        "TG_TF_PATH=terraform; a plan is data, not a way to run code)",
                        id, e->string);
        size_t len = strlen(e->string) + strlen(e->valuestring) + 2;
        char *kv = malloc(len);
        if (!kv)
            return fail(c, path, "out of memory");
        snprintf(kv, len, "%s=%s", e->string, e->valuestring);
        out->env[out->n_env++] = kv;
    }
    out->timeout_s = 3600;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "timeout");
    if (t) {
        if (!cJSON_IsNumber(t) || t->valuedouble < 1 || t->valuedouble > 7 * 86400.0 ||
            t->valuedouble != (double)(long)t->valuedouble)
            return fail(c, path, "`timeout` must be a whole number of seconds, 1..604800");
        out->timeout_s = (long)t->valuedouble;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Steps                                                                 */

static int read_step(Ctx *c, const cJSON *obj, size_t idx, PlanStep *s)
{
    static const char *const members[] = { "id", "phase", "account", "region", "title",
                                           "after", "call", "check", "exists_ok", "run",
                                           NULL };
    char path[64], sub[96];
    const char *phase, *account;
    snprintf(path, sizeof path, "steps[%zu]", idx);
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, members) < 0 ||
        get_string(c, obj, path, "id", 1, &s->id) < 0)
        return -1;
    if (!is_step_id(s->id))
        return fail(c, path, "`id` \"%s\" must match [a-z0-9][a-z0-9._/-]* (at most 200 bytes)",
                    s->id);
    if (get_string(c, obj, path, "phase", 1, &phase) < 0 ||
        get_string(c, obj, path, "account", 1, &account) < 0 ||
        get_string(c, obj, path, "title", 0, &s->title) < 0 ||
        get_region(c, obj, path, &s->region) < 0)
        return -1;
    int ph = plan_phase_parse(phase);
    if (ph < 0)
        return fail(c, path, "`phase` \"%s\" must be bootstrap, handshake, deploy or operate",
                    phase);
    s->phase = (PlanPhase)ph;
    long acc = plan_find_account(c->plan, account);
    if (acc < 0)
        return fail(c, path, "`account` \"%s\" is not in `accounts`", account);
    s->account = (size_t)acc;
    const cJSON *call = cJSON_GetObjectItemCaseSensitive(obj, "call");
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(obj, "run");
    const cJSON *check = cJSON_GetObjectItemCaseSensitive(obj, "check");
    if ((call != NULL) == (run != NULL))
        return fail(c, path, "a step has exactly one of `call` and `run`");
    if (run) {
        if (check || cJSON_GetObjectItemCaseSensitive(obj, "exists_ok"))
            return fail(c, path, "a `run` step takes no `check` or `exists_ok`");
        s->kind = STEP_RUN;
        snprintf(sub, sizeof sub, "%s.run", path);
        return read_run(c, run, sub, s->id, &s->run);
    }
    s->kind = STEP_CALL;
    snprintf(sub, sizeof sub, "%s.call", path);
    if (read_call(c, call, sub, NULL, &s->call) < 0)
        return -1;
    if (!check)
        return fail(c, path, "a `call` step needs a `check` (what makes it already done)");
    snprintf(sub, sizeof sub, "%s.check", path);
    if (read_check(c, check, sub, &s->call, &s->check) < 0)
        return -1;
    return get_codes(c, obj, path, "exists_ok", &s->exists_ok, &s->n_exists_ok);
}

/* Resolves steps[i].after to indexes (after every id is known). seen[j]
 * is i + 1 once step i lists step j, so duplicates cost O(1) to find. */
static int link_after(Ctx *c, const cJSON *steps, size_t *seen)
{
    size_t i = 0;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, steps) {
        PlanStep *s = &c->plan->steps[i];
        char path[64];
        snprintf(path, sizeof path, "steps[%zu]", i++);
        const cJSON *after = cJSON_GetObjectItemCaseSensitive(obj, "after");
        if (!after)
            continue;
        if (!cJSON_IsArray(after))
            return fail(c, path, "`after` must be an array of step ids");
        size_t n = (size_t)cJSON_GetArraySize(after);
        if (n > PLAN_MAX_AFTER)
            return fail(c, path, "`after` lists %zu steps, more than the limit of %d",
                        n, PLAN_MAX_AFTER);
        s->after = n ? calloc(n, sizeof *s->after) : NULL;
        if (n && !s->after)
            return fail(c, path, "out of memory");
        const cJSON *a;
        cJSON_ArrayForEach(a, after) {
            if (!cJSON_IsString(a))
                return fail(c, path, "`after[%zu]` must be a step id string", s->n_after);
            long j = plan_find_step(c->plan, a->valuestring);
            if (j < 0)
                return fail(c, path, "`after` names unknown step \"%s\"", a->valuestring);
            if ((size_t)j == i - 1)
                return fail(c, path, "step \"%s\" waits for itself", s->id);
            if (seen[j] == i)
                return fail(c, path, "`after` lists \"%s\" twice", a->valuestring);
            seen[j] = i;
            s->after[s->n_after++] = (size_t)j;
        }
    }
    return 0;
}

/* Writes the cycle that closes at w into buf: the path's steps from w to
 * its top, then w again ("a" after "b" after "a"). */
static void describe_cycle(const Plan *p, const size_t *path, size_t top, size_t w,
                           char *buf, size_t n)
{
    size_t start = top, o = 0;
    while (path[start] != w)
        start--;
    for (size_t i = start; i <= top && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "\"%s\" after ", p->steps[path[i]].id);
    if (o < n)
        snprintf(buf + o, n - o, "\"%s\"", p->steps[w].id);
}

/* Depth-first search for a cycle from v, iterative so that a chain of a
 * million steps needs no stack: path[] holds the steps being visited and
 * next[] how many of each one's `after` edges were followed. color: 0 new,
 * 1 on the path, 2 done. On finding a cycle, writes it into buf and
 * returns 1. */
static int find_cycle(const Plan *p, size_t v, unsigned char *color, size_t *path,
                      size_t *next, char *buf, size_t n)
{
    size_t top = 0;
    path[0] = v;
    next[0] = 0;
    color[v] = 1;
    for (;;) {
        size_t u = path[top];
        if (next[top] == p->steps[u].n_after) {
            color[u] = 2;
            if (top == 0)
                return 0;
            top--;
            continue;
        }
        size_t w = p->steps[u].after[next[top]++];
        if (color[w] == 1) {
            describe_cycle(p, path, top, w, buf, n);
            return 1;
        }
        if (color[w] == 0) {
            color[w] = 1;
            path[++top] = w;
            next[top] = 0;
        }
    }
}

static int check_acyclic(Ctx *c)
{
    Plan *p = c->plan;
    unsigned char *color = calloc(p->n_steps + 1, 1);
    size_t *path = calloc(p->n_steps + 1, sizeof *path);
    size_t *next = calloc(p->n_steps + 1, sizeof *next);
    char cyc[300];
    int rc = 0;
    if (!color || !path || !next) {
        rc = fail(c, "steps", "out of memory");
        goto out;
    }
    for (size_t v = 0; v < p->n_steps && rc == 0; v++)
        if (color[v] == 0 && find_cycle(p, v, color, path, next, cyc, sizeof cyc))
            rc = fail(c, "steps", "dependency cycle: %s", cyc);
out:
    free(color);
    free(path);
    free(next);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Accounts and services                                                 */

static int read_account(Ctx *c, const cJSON *obj, PlanAccount *a)
{
    static const char *const members[] = { "id", "role_arn", "external_id", "session_name",
                                           "duration_seconds", NULL };
    char path[96];
    a->name = obj->string;
    snprintf(path, sizeof path, "accounts.%s", a->name);
    if (!is_name(a->name))
        return fail(c, "accounts", "account name \"%s\" must match [a-z][a-z0-9-]{0,62}",
                    a->name);
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, members) < 0 ||
        get_string(c, obj, path, "id", 1, &a->id) < 0 ||
        get_string(c, obj, path, "role_arn", 0, &a->role_arn) < 0 ||
        get_string(c, obj, path, "external_id", 0, &a->external_id) < 0 ||
        get_string(c, obj, path, "session_name", 0, &a->session_name) < 0)
        return -1;
    if (!is_account_id(a->id))
        return fail(c, path, "`id` \"%s\" must be 12 digits", a->id);
    if (a->role_arn) {
        /* arn:PARTITION:iam::ACCOUNT:role/NAME, ACCOUNT = id */
        const char *p = a->role_arn;
        const char *iam = strstr(p, ":iam::");
        if (strncmp(p, "arn:aws", 7) != 0 || !iam || strlen(iam) < 6 + 12 + 7 ||
            strncmp(iam + 6 + 12, ":role/", 6) != 0 || !iam[6 + 12 + 6])
            return fail(c, path, "`role_arn` \"%s\" must be arn:aws:iam::ACCOUNT:role/NAME",
                        a->role_arn);
        if (strncmp(iam + 6, a->id, 12) != 0)
            return fail(c, path, "`role_arn` names account %.12s, but `id` is %s",
                        iam + 6, a->id);
    }
    if (a->session_name && (strlen(a->session_name) < 2 || strlen(a->session_name) > 64 ||
                            !all_in(a->session_name, LOWER UPPER DIGIT "+=,.@-")))
        return fail(c, path, "`session_name` must be 2-64 characters of [A-Za-z0-9+=,.@-]");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(obj, "duration_seconds");
    if (d) {
        if (!cJSON_IsNumber(d) || d->valuedouble < 900 || d->valuedouble > 43200 ||
            d->valuedouble != (double)(int)d->valuedouble)
            return fail(c, path, "`duration_seconds` must be a whole number 900..43200");
        a->duration_s = (int)d->valuedouble;
    }
    return 0;
}

static int read_service(Ctx *c, const cJSON *obj, PlanService *s)
{
    static const char *const members[] = { "account", "region", "cluster", "service",
                                           "scalable_target", NULL };
    char path[300];
    const char *account;
    s->path = obj->string;
    snprintf(path, sizeof path, "services.%s", s->path);
    const char *slash = strchr(s->path, '/');
    if (!slash || slash == s->path || !slash[1] || strchr(slash + 1, '/'))
        return fail(c, "services", "service path \"%s\" must be ACCOUNT/SERVICE", s->path);
    if (!cJSON_IsObject(obj))
        return fail(c, path, "must be an object, not %s", type_name(obj));
    if (only_members(c, obj, path, members) < 0 ||
        get_string(c, obj, path, "account", 1, &account) < 0 ||
        get_string(c, obj, path, "cluster", 1, &s->cluster) < 0 ||
        get_string(c, obj, path, "service", 1, &s->service) < 0 ||
        get_region(c, obj, path, &s->region) < 0)
        return -1;
    long acc = plan_find_account(c->plan, account);
    if (acc < 0)
        return fail(c, path, "`account` \"%s\" is not in `accounts`", account);
    s->account = (size_t)acc;
    if (!*s->cluster || !*s->service)
        return fail(c, path, "`cluster` and `service` must not be empty");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "scalable_target");
    if (t && !cJSON_IsBool(t))
        return fail(c, path, "`scalable_target` must be true or false");
    s->scalable_target = cJSON_IsTrue(t);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The document                                                          */

static int read_header(Ctx *c, const cJSON *root)
{
    static const char *const members[] = { "format", "version", "source_hash", "generator",
                                           "platform", "environment", "region", "accounts",
                                           "services", "steps", NULL };
    Plan *p = c->plan;
    const char *format;
    if (!cJSON_IsObject(root))
        return fail(c, "", "a plan is a JSON object, not %s", type_name(root));
    if (get_string(c, root, "", "format", 1, &format) < 0)
        return -1;
    if (strcmp(format, "sfdc-plan") != 0)
        return fail(c, "format", "\"%s\" is not an sfdc plan (expected \"sfdc-plan\")", format);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(v))
        return fail(c, "", "missing numeric member `version`");
    if (v->valuedouble != 1)
        return fail(c, "version", "unsupported plan version %g (this sfdrun reads version 1); "
                    "use the sfdrun that matches your sfdc", v->valuedouble);
    if (only_members(c, root, "", members) < 0 ||
        get_string(c, root, "", "source_hash", 1, &p->source_hash) < 0 ||
        get_string(c, root, "", "platform", 1, &p->platform) < 0 ||
        get_string(c, root, "", "environment", 0, &p->environment) < 0 ||
        get_string(c, root, "", "generator", 0, &p->generator) < 0 ||
        get_string(c, root, "", "region", 1, &p->region) < 0)
        return -1;
    if (strncmp(p->source_hash, "sha256:", 7) != 0 || strlen(p->source_hash) != 7 + 64 ||
        !all_in(p->source_hash + 7, DIGIT "abcdef"))
        return fail(c, "source_hash", "must be \"sha256:\" and 64 lower-case hex digits");
    if (!is_name(p->platform))
        return fail(c, "platform", "\"%s\" must match [a-z][a-z0-9-]{0,62}", p->platform);
    if (p->environment && !is_name(p->environment))
        return fail(c, "environment", "\"%s\" must match [a-z][a-z0-9-]{0,62}",
                    p->environment);
    if (!is_region(p->region))
        return fail(c, "region", "\"%s\" is not a region name like eu-west-2", p->region);
    return 0;
}

static int read_tables(Ctx *c, const cJSON *root)
{
    Plan *p = c->plan;
    const cJSON *accounts = cJSON_GetObjectItemCaseSensitive(root, "accounts");
    if (!cJSON_IsObject(accounts) || !accounts->child)
        return fail(c, "accounts", "must be an object with at least one account");
    size_t n = (size_t)cJSON_GetArraySize(accounts);
    if (n > PLAN_MAX_ACCOUNTS)
        return fail(c, "accounts", "%zu accounts, more than the limit of %d", n,
                    PLAN_MAX_ACCOUNTS);
    p->accounts = calloc(n, sizeof *p->accounts);
    if (!p->accounts)
        return fail(c, "accounts", "out of memory");
    const cJSON *a;
    cJSON_ArrayForEach(a, accounts) {
        if (plan_find_account(p, a->string) >= 0)
            return fail(c, "accounts", "account \"%s\" is listed twice", a->string);
        if (read_account(c, a, &p->accounts[p->n_accounts]) < 0)
            return -1;
        if (strmap_put(&p->account_index, a->string, p->n_accounts) < 0)
            return fail(c, "accounts", "out of memory");
        p->n_accounts++;
    }
    const cJSON *services = cJSON_GetObjectItemCaseSensitive(root, "services");
    if (!services)
        return 0;
    if (!cJSON_IsObject(services))
        return fail(c, "services", "must be an object");
    n = (size_t)cJSON_GetArraySize(services);
    if (n > PLAN_MAX_ACCOUNTS)
        return fail(c, "services", "%zu services, more than the limit of %d", n,
                    PLAN_MAX_ACCOUNTS);
    p->services = n ? calloc(n, sizeof *p->services) : NULL;
    if (n && !p->services)
        return fail(c, "services", "out of memory");
    cJSON_ArrayForEach(a, services) {
        if (plan_find_service(p, a->string) >= 0)
            return fail(c, "services", "service \"%s\" is listed twice", a->string);
        if (read_service(c, a, &p->services[p->n_services]) < 0)
            return -1;
        if (strmap_put(&p->service_index, a->string, p->n_services) < 0)
            return fail(c, "services", "out of memory");
        p->n_services++;
    }
    return 0;
}

static int read_steps(Ctx *c, const cJSON *root)
{
    Plan *p = c->plan;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    if (!cJSON_IsArray(steps))
        return fail(c, "steps", "must be an array, not %s", type_name(steps));
    size_t n = (size_t)cJSON_GetArraySize(steps);
    if (n > PLAN_MAX_STEPS)
        return fail(c, "steps", "%zu steps, more than the limit of %d", n, PLAN_MAX_STEPS);
    p->steps = n ? calloc(n, sizeof *p->steps) : NULL;
    if (n && !p->steps)
        return fail(c, "steps", "out of memory");
    const cJSON *s;
    cJSON_ArrayForEach(s, steps) {
        PlanStep *st = &p->steps[p->n_steps];
        if (read_step(c, s, p->n_steps, st) < 0) {
            p->n_steps++; /* so plan_release frees what it holds */
            return -1;
        }
        long dup = plan_find_step(p, st->id);
        if (dup < 0 && st->id && strmap_put(&p->step_index, st->id, p->n_steps) < 0)
            return fail(c, "steps", "out of memory");
        p->n_steps++;
        if (dup >= 0) {
            char path[64];
            snprintf(path, sizeof path, "steps[%zu]", p->n_steps - 1);
            return fail(c, path, "duplicate step id \"%s\" (first at steps[%ld])", st->id, dup);
        }
    }
    size_t *seen = calloc(p->n_steps + 1, sizeof *seen);
    if (!seen)
        return fail(c, "steps", "out of memory");
    int rc = link_after(c, steps, seen);
    free(seen);
    if (rc < 0)
        return -1;
    return check_acyclic(c);
}

/* Checks string sizes and nesting over the whole document, iteratively:
 * at[d] is the container at depth d whose children are being visited.
 * Bounding the depth here bounds the recursion of the argument expansion
 * and of the matcher, which walk the same values. */
static int check_sizes(Ctx *c, const cJSON *root)
{
    const cJSON *at[PLAN_MAX_DEPTH + 1];
    const cJSON *v = root;
    size_t d = 0;
    for (;;) {
        size_t len = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
        size_t klen = v->string ? strlen(v->string) : 0;
        if (len > PLAN_MAX_STRING || klen > PLAN_MAX_STRING)
            return fail(c, "", "a %s of %zu bytes, more than the limit of %d",
                        klen > PLAN_MAX_STRING ? "member name" : "string",
                        klen > PLAN_MAX_STRING ? klen : len, PLAN_MAX_STRING);
        if (v->child && (cJSON_IsObject(v) || cJSON_IsArray(v))) {
            if (d == PLAN_MAX_DEPTH)
                return fail(c, "", "arrays and objects nested deeper than the limit of %d "
                            "levels", PLAN_MAX_DEPTH);
            at[d++] = v;
            v = v->child;
            continue;
        }
        while (!v->next) {
            if (d == 0)
                return 0;
            v = at[--d];
        }
        v = v->next;
    }
}

/* Line and column of byte offset off in text (1-based). */
static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

int plan_parse(const char *text, size_t len, const char *dir, Plan *out, char *err)
{
    return plan_parse_mode(text, len, dir, PLAN_MODE_APPLY, out, err);
}

int plan_parse_mode(const char *text, size_t len, const char *dir, PlanMode mode, Plan *out,
                    char *err)
{
    Ctx c = { err, out, mode };
    memset(out, 0, sizeof *out);
    const char *end = NULL;
    out->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!out->root) {
        size_t line, col, off = end && end >= text ? (size_t)(end - text) : 0;
        if (off > len)
            off = len;
        line_col(text, off, &line, &col);
        snprintf(err, PLAN_ERR_MAX, "%zu:%zu: invalid JSON", line, col);
        return -1;
    }
    aws_sha256_hex(text, len, out->sha256);
    out->dir = strdup(dir ? dir : ".");
    if (!out->dir || check_sizes(&c, out->root) < 0 || read_header(&c, out->root) < 0 ||
        read_tables(&c, out->root) < 0 ||
        read_steps(&c, out->root) < 0) {
        if (!out->dir)
            snprintf(err, PLAN_ERR_MAX, "out of memory");
        plan_release(out);
        return -1;
    }
    return 0;
}

/* Reads the whole file at f into a malloc'd, NUL-terminated buffer: one
 * allocation of the file's size (growing only if it grows meanwhile), so
 * a big plan is not copied by repeated reallocs. */
static char *read_all(FILE *f, const char *path, size_t *len, char *err)
{
    struct stat st;
    /* room for the file, its NUL and one more byte, so that the read that
     * finds the end does not have to grow the buffer first */
    size_t cap = fstat(fileno(f), &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 2 : 65536;
    char *text = NULL;
    *len = 0;
    if (cap > (size_t)PLAN_MAX_BYTES + 2)
        goto too_big;
    for (;;) {
        if (!text || *len + 1 >= cap) {
            cap = text ? cap * 2 : cap;
            char *t = realloc(text, cap);
            if (!t) {
                snprintf(err, PLAN_ERR_MAX, "%s: out of memory", path);
                free(text);
                return NULL;
            }
            text = t;
        }
        size_t k = fread(text + *len, 1, cap - *len - 1, f);
        *len += k;
        if (*len > (size_t)PLAN_MAX_BYTES)
            goto too_big;
        if (k == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, PLAN_ERR_MAX, "%s: read error", path);
        free(text);
        return NULL;
    }
    text[*len] = '\0';
    return text;
too_big:
    snprintf(err, PLAN_ERR_MAX, "%s: larger than the limit of %ld bytes for a plan", path,
             PLAN_MAX_BYTES);
    free(text);
    return NULL;
}

int plan_load(const char *path, Plan *out, char *err)
{
    char inner[PLAN_ERR_MAX];
    char *text = NULL, *dir = NULL;
    size_t len = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, PLAN_ERR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!(text = read_all(f, path, &len, err)))
        goto out;
    dir = strdup(path);
    if (!dir) {
        snprintf(err, PLAN_ERR_MAX, "%s: out of memory", path);
        goto out;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    if (plan_parse(text, len, slash ? dir : ".", out, inner) < 0) {
        join(err, PLAN_ERR_MAX, path, inner);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    free(text);
    free(dir);
    return rc;
}

static void release_call(PlanCall *c)
{
    cJSON_Delete(c->args);
    c->args = NULL;
}

void plan_release(Plan *p)
{
    for (size_t i = 0; i < p->n_steps; i++) {
        PlanStep *s = &p->steps[i];
        free(s->after);
        release_call(&s->call);
        release_call(&s->check.read);
        free(s->check.expect);
        free(s->check.missing);
        free(s->check.gone);
        free(s->exists_ok);
        free(s->run.argv);
        for (size_t k = 0; k < s->run.n_env; k++)
            free(s->run.env[k]);
        free(s->run.env);
    }
    free(p->steps);
    free(p->accounts);
    free(p->services);
    free(p->dir);
    strmap_release(&p->step_index);
    strmap_release(&p->account_index);
    strmap_release(&p->service_index);
    cJSON_Delete(p->root);
    memset(p, 0, sizeof *p);
}

long plan_find_step(const Plan *p, const char *id)
{
    return strmap_get(&p->step_index, id);
}

/* Hash lookups: a linear scan per step made loading quadratic in
 * accounts (50,000 accounts took 15 s). */
long plan_find_account(const Plan *p, const char *name)
{
    return strmap_get(&p->account_index, name);
}

long plan_find_service(const Plan *p, const char *path)
{
    return strmap_get(&p->service_index, path);
}
