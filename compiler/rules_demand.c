/* rules_demand.c — on-demand starts and service discovery (E0610..E0615):
 * every way up a service has (`starts_on` uploads) can be taken and has a
 * way back down, every `connects` names a service it can reach, and the
 * `connects` of an account form no cycle.
 *
 * Runs after rules_intent, on the model as each environment sees it
 * (rulectx.h). AWS facts behind the rules: S3 sends object events to the
 * EventBridge bus of the bucket's own account, and only when the bucket's
 * EventBridge notifications are on; ECS Service Connect resolves names
 * only inside one namespace, which sfdc gives each cluster. */
#include "rules.h"

#include <string.h>

#include "names.h"
#include "rulectx.h"
#include "banned.h"

typedef struct Demand {
    Model *m;
    DiagEngine *d;
} Demand;

static Arena *arena(const Demand *c)
{
    return &c->m->pg->arena;
}

static const char *in_env(const Demand *c, const Environment *env)
{
    return env ? arena_printf(arena(c), " in environment `%s`", env->name) : "";
}

/* The list field's items, or NULL with *n = 0. */
static Value **items(const Demand *c, const Object *o, const char *f, const Environment *env,
                     uint32_t *n)
{
    const Value *v = rctx_val(c->m, o, f, env);
    *n = v && v->kind == VAL_LIST ? v->n : 0;
    return *n ? v->items : NULL;
}

static bool has_starts(const Demand *c, const Object *o, const Environment *env)
{
    uint32_t n;
    items(c, o, "starts_on", env, &n);
    return n > 0;
}

/* ---- E0610 the event cannot reach the service ---------------------------- */

/* A bucket in another account (its events go to that account's bus, and
 * sfdc emits no cross-account bus policy), or one whose EventBridge
 * notifications are off. */
static void source_reaches(Demand *c, const Object *o, const Environment *env)
{
    uint32_t n;
    Value **it = items(c, o, "starts_on", env, &n);
    Site whole = rctx_site(c->m, o, "starts_on", env);
    for (uint32_t i = 0; i < n; i++) {
        const Object *k = it[i]->kind == VAL_REF ? it[i]->ref : NULL;
        if (!k)
            continue;
        Site s = rctx_elem_site(it[i], whole);
        if (k->account != o->account) {
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0610", s.src, s.span,
                               "uploads to `%s` cannot start `%s`: the bucket is in account `%s`, "
                               "and its events stay on that account's event bus",
                               k->path, o->path, k->account->name);
            diag_label(c->d, g, "a bucket of another account");
            diag_help(c->d, g, "start `%s` from a bucket of `%s`, or run the service in `%s`",
                      o->name, o->account->name, k->account->name);
            diag_emit(c->d, g);
        } else if (!rctx_bool(c->m, k, "events", env, false)) {
            Site b = model_obj_site(k);
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0610", s.src, s.span,
                               "uploads to `%s` cannot start `%s`: the bucket sends no events to "
                               "EventBridge%s", k->path, o->path, in_env(c, env));
            diag_secondary(c->d, g, b.src, b.span, "EventBridge notifications are off here");
            diag_help(c->d, g, "write `events = true` in `bucket %s`", k->name);
            diag_emit(c->d, g);
        }
    }
}

/* ---- E0611 a way up without a way down ----------------------------------- */

/* A service scaled up by uploads needs `idle` to come back down; and a
 * window would hold its maximum at 0 outside the window, so uploads there
 * would start nothing. A task ends by itself. */
static void way_down(Demand *c, const Object *o, const Environment *env)
{
    if (strcmp(rctx_str(c->m, o, "starts", env, "service"), "service") != 0)
        return;
    Site s = rctx_site(c->m, o, "starts_on", env);
    if (!rctx_val(c->m, o, "idle", env) ||
        rctx_val(c->m, o, "idle", env)->kind == VAL_NULL) {
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0611",
                           s.src, s.span, "uploads scale `%s` up, but nothing scales it back down%s",
                           o->path, in_env(c, env));
        diag_label(c->d, g, "a way up");
        diag_help(c->d, g, "write `idle = 30m`: after 30 minutes without an upload the service "
                           "returns to its minimum (or `starts = task` for one task that ends)");
        diag_emit(c->d, g);
        return;
    }
    const Value *w = rctx_val(c->m, o, "window", env);
    if (w && w->kind == VAL_STR) {
        Site t = rctx_site(c->m, o, "window", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0611", s.src, s.span,
                           "`%s` is started by uploads and by a window: outside the window its "
                           "maximum is 0, so uploads then start nothing", o->path);
        diag_secondary(c->d, g, t.src, t.span, "closing sets the maximum to 0");
        diag_help(c->d, g, "remove the window (`default = off` keeps it at zero until an upload), "
                           "or write `starts = task`");
        diag_emit(c->d, g);
    }
}

/* ---- E0612 the only way up switched off ---------------------------------- */

/* An off-by-default service without a window whose uploads are its only
 * way up, in an environment with `triggers = off`: it never runs there. */
static void only_way_up(Demand *c, const Object *o)
{
    Environment *const *envs;
    int n = rctx_envs(c->m, &envs);
    for (int i = 0; i < n; i++) {
        const Environment *env = envs[i];
        const Value *w = rctx_val(c->m, o, "window", env);
        if (strcmp(rctx_str(c->m, env->obj, "triggers", NULL, "on"), "off") != 0 ||
            strcmp(rctx_str(c->m, o, "default", env, "on"), "off") != 0 ||
            (w && w->kind == VAL_STR) || !has_starts(c, o, env) || !rctx_env_has(c->m, env, o->account))
            continue;
        Site s = rctx_site(c->m, o, "starts_on", env), e = rctx_site(c->m, env->obj, "triggers", NULL);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0612", s.src, s.span,
                           "`%s` is off by default and started only by uploads, but `%s` disables "
                           "triggers: it never runs there", o->path, env->name);
        diag_label(c->d, g, "its only way up");
        diag_secondary(c->d, g, e.src, e.span, "triggers disabled");
        diag_help(c->d, g, "remove `triggers = off` from `environment %s`, give `%s` a window, "
                           "or override `%s.starts_on = []` there and start it with "
                           "`sfdrun scale ... up`", env->name, o->name, o->path);
        diag_emit(c->d, g);
    }
}

/* ---- E0613 trigger storms ------------------------------------------------ */

/* A bucket in both `writes` and `starts_on`: sfdc cannot know which keys
 * the tasks write, so a prefix does not clear it; a meant split of
 * prefixes is waived with `@allow(E0613, ...)`. */
static void storm(Demand *c, const Object *o, const Environment *env)
{
    uint32_t ns, nw;
    Value **st = items(c, o, "starts_on", env, &ns);
    Value **wr = items(c, o, "writes", env, &nw);
    Site whole = rctx_site(c->m, o, "writes", env);
    for (uint32_t j = 0; j < nw; j++)
        for (uint32_t i = 0; i < ns; i++) {
            if (wr[j]->kind != VAL_REF || st[i]->kind != VAL_REF || wr[j]->ref != st[i]->ref)
                continue;
            Site s = rctx_elem_site(wr[j], whole);
            Site t = rctx_elem_site(st[i], rctx_site(c->m, o, "starts_on", env));
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0613", s.src, s.span,
                               "`%s` writes to `%s`, whose uploads start it: every run starts the "
                               "next", o->path, wr[j]->ref->path);
            diag_secondary(c->d, g, t.src, t.span, "uploads here start it");
            diag_help(c->d, g, "write the results to another bucket, or start it from uploads "
                               "under a prefix it never writes (`starts_prefix = \"incoming/\"`) "
                               "and waive with `@allow(E0613, \"writes only under out/\")`");
            diag_emit(c->d, g);
        }
}

/* ---- E0614 service discovery ----------------------------------------------- */

/* A client and its target in different clusters: sfdc's cluster module
 * gives each cluster its own Service Connect namespace, and a service joins
 * its cluster's, so the client could not resolve the target's name. */
static bool same_cluster(Demand *c, const Object *o, const Object *t, Site s, const Environment *env)
{
    char oc[256], tc[256];
    NameCtx nc = names_ctx(c->m, env);
    names_service_cluster(&nc, o, oc, sizeof oc);
    names_service_cluster(&nc, t, tc, sizeof tc);
    if (strcmp(oc, tc) == 0)
        return true;
    Site ts = model_obj_site(t);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0614", s.src, s.span,
                       "`%s` runs in cluster `%s` but `%s` in `%s`: Service Connect resolves names "
                       "only within one cluster's namespace", o->path, oc, t->path, tc);
    diag_secondary(c->d, g, ts.src, ts.span, "runs in `%s`", tc);
    const Value *tv = rctx_val(c->m, t, "cluster", env);
    if (tv && tv->kind == VAL_REF && tv->ref)
        diag_help(c->d, g, "run both in one cluster: `cluster = %s` in `service %s`", tv->ref->name, o->name);
    else
        diag_help(c->d, g, "run both in one cluster: the same `cluster` in `service %s` and `service %s`",
                  o->name, t->name);
    diag_emit(c->d, g);
    return false;
}

/* Each `connects` target is in the same account and cluster (one Service
 * Connect namespace per cluster), is not the service itself, and exposes a
 * port: `port` written, since the default port is a placeholder nothing
 * listens on. */
static void connects(Demand *c, const Object *o, const Environment *env)
{
    uint32_t n;
    Value **it = items(c, o, "connects", env, &n);
    if (n == 0)
        return;     /* most services: no site to look for */
    Site whole = rctx_site(c->m, o, "connects", env);
    for (uint32_t i = 0; i < n; i++) {
        const Object *t = it[i]->kind == VAL_REF ? it[i]->ref : NULL;
        if (!t)
            continue;
        Site s = rctx_elem_site(it[i], whole);
        const char *why = NULL;
        if (t == o)
            why = arena_printf(arena(c), "`%s` connects to itself", o->path);
        else if (t->account != o->account)
            why = arena_printf(arena(c), "`%s` is in account `%s`: service discovery reaches only "
                               "services of the same account", t->path, t->account->name);
        if (why) {
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0614", s.src, s.span, "%s", why);
            diag_help(c->d, g, "connect to services of `%s` only", o->account->name);
            diag_emit(c->d, g);
            continue;
        }
        if (!same_cluster(c, o, t, s, env))
            continue;
        if (rctx_written(c->m, t, "port", env))
            continue;
        Site ts = model_obj_site(t);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0614", s.src, s.span,
                           "`%s` connects to `%s`, which exposes no port", o->path, t->path);
        diag_secondary(c->d, g, ts.src, ts.span, "no `port` here");
        diag_help(c->d, g, "write the port it listens on in `service %s`, e.g. `port = 4000`",
                  t->name);
        diag_emit(c->d, g);
    }
}

/* ---- E0615 connects in a cycle ---------------------------------------------- */

/* The service a `connects` item names in the same account, or NULL (other
 * accounts and non-services are E0614's). */
static const Object *target(const Object *o, const Value *v)
{
    const Object *t = v->kind == VAL_REF ? v->ref : NULL;
    return t && t != o && t->account == o->account && strcmp(t->kind, "service") == 0 ? t : NULL;
}

/* Depth-first from `at` along `connects`: whether `home` is reached again.
 * path[0..*depth) holds the services on the way (for the message); seen
 * holds every service entered, so each is explored once (linear, however
 * densely the services connect). A ring longer than CYCLE_MAX services is
 * not reported. */
enum { CYCLE_MAX = 32 };

typedef struct Walk {
    const Object *path[CYCLE_MAX];
    int depth;
    const Object *seen[256];    /* services entered; a longer search stops */
    int nseen;
} Walk;

static bool reaches(Demand *c, const Object *home, const Object *at, const Environment *env, Walk *w)
{
    if (w->depth >= CYCLE_MAX || w->nseen >= (int)(sizeof w->seen / sizeof w->seen[0]))
        return false;
    w->path[w->depth++] = at;
    w->seen[w->nseen++] = at;
    uint32_t n;
    Value **it = items(c, at, "connects", env, &n);
    for (uint32_t i = 0; i < n; i++) {
        const Object *t = target(at, it[i]);
        if (!t)
            continue;
        if (t == home)
            return true;
        bool seen = false;
        for (int k = 0; k < w->nseen && !seen; k++)
            seen = w->seen[k] == t;
        if (!seen && reaches(c, home, t, env, w))
            return true;
    }
    w->depth--;
    return false;
}

/* Services that connect in a cycle (a -> b -> a): sfdc wires a client to
 * its target's client security group, an output of the target's unit, so
 * each unit would wait for the other's outputs and Terragrunt refuses the
 * dependency cycle. Reported once, at the cycle's first service (lowest
 * model index), on the `connects` item that enters it. */
static void cycle(Demand *c, const Object *o, const Environment *env)
{
    Walk w;
    uint32_t n;
    Value **it = items(c, o, "connects", env, &n);
    for (uint32_t i = 0; i < n; i++) {
        const Object *t = target(o, it[i]);
        w.path[0] = w.seen[0] = o;
        w.depth = w.nseen = 1;
        if (!t || !reaches(c, o, t, env, &w))
            continue;
        const Object *const *path = w.path;
        int depth = w.depth;
        bool first = true;
        for (int k = 1; k < depth; k++)
            first &= path[k]->index > o->index;
        if (!first)
            return;
        char chain[512] = "";
        for (int k = 0; k <= depth; k++)
            snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "%s%s", k ? " -> " : "",
                     path[k % depth]->name);
        Site s = rctx_elem_site(it[i], rctx_site(c->m, o, "connects", env));
        const Object *last = path[depth - 1];
        Site ls = rctx_site(c->m, last, "connects", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0615", s.src, s.span,
                           "services connect in a cycle (%s)%s", chain, in_env(c, env));
        diag_secondary(c->d, g, ls.src, ls.span, "`%s` closes the cycle here", last->name);
        diag_help(c->d, g, "each client waits for its target's security group, so the services "
                  "would wait for each other: keep `connects` from client to server only (a "
                  "Service Connect target answers its clients without naming them)");
        diag_emit(c->d, g);
        return;
    }
}

static void service(void *ctx, Object *o, const Environment *env)
{
    Demand *c = ctx;
    connects(c, o, env);
    cycle(c, o, env);
    if (!has_starts(c, o, env))
        return;
    source_reaches(c, o, env);
    way_down(c, o, env);
    storm(c, o, env);
    if (!env)
        only_way_up(c, o);
}

void rules_demand(Model *m, DiagEngine *d)
{
    Demand c = {.m = m, .d = d};
    rctx_begin(m);
    rctx_each(m, "service", service, &c);
}
