/* rules_intent.c — the platform's intent (E06xx) and its schedules (E0406,
 * E065x): what AWS would accept but the team never means.
 *
 * Intent rules are errors, each waivable with `@allow(CODE, "reason")` on
 * the item (the DiagEngine's filter, installed by eval, applies waivers).
 * They read the model as each environment sees it (rulectx.h), so an
 * override that switches spot off or opens a service is caught in the
 * environment that makes it. Schedules are parsed by schedule.c; the caret
 * points inside the string at the part that is wrong. */
#include "rules.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidrset.h"
#include "rulectx.h"
#include "schedule.h"
#include "banned.h"

typedef struct Intent {
    Model *m;
    DiagEngine *d;
    Table zones;            /* account -> ZoneSeen: the first zone its services use (E0652) */
    const char *ok_text;    /* the last window text that parsed and closed, or NULL */
    Schedule ok;            /* what it parsed to: a template's window is one string value
                               shared by every expansion, parsed once */
    Schedule *scratch;      /* where another text is parsed (malloc'd once a pass; NULL:
                               windows are not checked) */
    const Object *fixed_acct;   /* the account service_fixed last asked about... */
    bool fixed_acct_ok;         /* ...and whether its network's range is fixed */
    /* the walks' places, kept from block to block (rules_intent) */
    RctxEach services;      /* service(), every environment's view */
    RctxCursor placed;      /* clusters' walk over the services */
    Table uses;             /* cluster -> ClusterUse: built by that walk, read after it */
    RctxEach buckets;
    RctxCursor registries;
    RctxWalks ph;           /* the walks' phases */
} Intent;

/* The pass's walks, in the order they ran one after the other: their
 * diagnostics' phases (rctx_walk). */
enum { WALK_SERVICE, WALK_CLUSTERS, WALK_BUCKET, WALK_ENVIRONMENTS, WALK_REGISTRIES, NWALKS };

static Arena *arena(const Intent *c)
{
    return &c->m->pg->arena;
}

/* " in environment `prod`", or "" for the base platform. */
static const char *in_env(const Intent *c, const Environment *env)
{
    return env ? arena_printf(arena(c), " in environment `%s`", env->name) : "";
}

/* ---- schedules (E0406, E0651, E0652, E0653) ------------------------------- */

/* The first service of an account with a window, and its zone. */
typedef struct ZoneSeen {
    const Object *svc;      /* the service */
    const char *zone;       /* its zone as parsed (arena copy) */
    Site site;              /* where the zone is written */
} ZoneSeen;

static void sched_report(Intent *c, const Value *v, Site whole, const SchedError *err)
{
    Site s = rctx_str_part(v, whole, err->off, err->len ? err->len : 1);
    Diag *g = diag_new(c->d, DIAG_ERROR, sched_err_code(err->kind), s.src, s.span, "%s", err->msg);
    if (err->len2) {
        Site t = rctx_str_part(v, whole, err->off2, err->len2);
        if (t.span.start != s.span.start)
            diag_secondary(c->d, g, t.src, t.span, "%s", err->label2);
    }
    if (err->help[0])
        diag_help(c->d, g, "%s", err->help);
    diag_emit(c->d, g);
}

/* Where the zone of a parsed schedule is written. */
static Site zone_site(const Schedule *s, const Value *v, Site whole)
{
    for (int i = s->nwin - 1; i >= 0; i--)
        if (s->win[i].zone_len)
            return rctx_str_part(v, whole, s->win[i].zone_off, s->win[i].zone_len);
    return whole;
}

/* E0652 across services: one account keeps one clock, so that "23:00"
 * means the same hour for all its services. Base platform only. */
static void account_zone(Intent *c, const Object *svc, const Schedule *s, const Value *v)
{
    if (!svc->account)
        return;
    ZoneSeen *first = table_get(&c->zones, svc->account);
    if (first && sched_zone_equal(first->zone, s->zone))
        return;                 /* the common case: where the zone is written is not needed */
    Site zs = zone_site(s, v, rctx_site(c->m, svc, "window", NULL));
    if (!first) {
        first = arena_alloc(arena(c), sizeof *first);
        *first = (ZoneSeen){svc, arena_strdup(arena(c), s->zone), zs};
        table_put(&c->zones, svc->account, first);
        return;
    }
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0652", zs.src, zs.span,
                       "`%s` switches in `%s`, but `%s` in the same account uses `%s`", svc->path,
                       s->zone, first->svc->path, first->zone);
    diag_label(c->d, g, "a second time zone in `%s`", svc->account->path);
    diag_secondary(c->d, g, first->site.src, first->site.span, "the account's first zone");
    diag_help(c->d, g, "write every window of an account in one zone, e.g. `%s`", first->zone);
    diag_emit(c->d, g);
}

/* Parses a window; returns false (reported) when it is not a sound
 * weekly schedule. */
static bool window_ok(Intent *c, const Object *o, const Environment *env)
{
    const Value *v = rctx_val(c->m, o, "window", env);
    Schedule *s = c->scratch;
    if (!v || v->kind != VAL_STR || !s)
        return false;
    if (v->u.str == c->ok_text) {   /* values are immutable: same text, same schedule */
        if (!env)
            account_zone(c, o, &c->ok, v);
        return true;
    }
    SchedError err;
    if (!sched_parse(v->u.str, strlen(v->u.str), s, &err)) {
        sched_report(c, v, rctx_site(c->m, o, "window", env), &err);
        return false;
    }
    if (!env)
        account_zone(c, o, s, v);
    if (!sched_check_closes(s, &err)) {
        sched_report(c, v, rctx_site(c->m, o, "window", env), &err);
        return false;
    }
    c->ok_text = v->u.str;
    c->ok = *s;
    return true;
}

/* ---- E0601 spot ------------------------------------------------------------- */

/* A service asking for spot with a launch type; returns true if reported. */
static bool spot_launch_type(Intent *c, const Object *o, const Environment *env)
{
    const Value *lt = rctx_val(c->m, o, "launch_type", env);
    if (!lt || lt->kind != VAL_SYM || !rctx_bool(c->m, o, "spot", env, false))
        return false;
    Site s = rctx_site(c->m, o, "launch_type", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0601", s.src, s.span,
                       "`%s` asks for spot but has launch type `%s`%s: none of its tasks will run on spot",
                       o->path, lt->u.str, in_env(c, env));
    diag_label(c->d, g, "a launch type bypasses the capacity-provider strategy");
    diag_help(c->d, g, "remove `launch_type`: with `spot = true` sfdc gives the service a "
                       "capacity-provider strategy (%s)",
              strcmp(rctx_str(c->m, o, "compute", env, "fargate"), "ec2") == 0
                  ? "the cluster's spot Auto Scaling group"
                  : "FARGATE_SPOT");
    diag_emit(c->d, g);
    return true;
}

/* compute = ec2: spot asked for on a cluster of on-demand instances. */
static void spot_on_demand_cluster(Intent *c, const Object *o, const Environment *env)
{
    const Object *cl = rctx_cluster_of(c->m, o);
    if (!cl || strcmp(rctx_str(c->m, o, "compute", env, "fargate"), "ec2") != 0 ||
        !rctx_written(c->m, o, "spot", env) || !rctx_bool(c->m, o, "spot", env, false) ||
        rctx_bool(c->m, cl, "spot", env, true))
        return;
    Site s = rctx_site(c->m, o, "spot", env), t = rctx_site(c->m, cl, "spot", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0601",
                       s.src, s.span, "`%s` asks for spot, but its cluster `%s` runs on-demand instances",
                       o->path, cl->path);
    diag_secondary(c->d, g, t.src, t.span, "the cluster's instances are on demand");
    diag_help(c->d, g, "set `spot = true` on the cluster, or `spot = false` on the service");
    diag_emit(c->d, g);
}

/* Per cluster: its services, and whether each one ended up off spot. */
typedef struct ClusterUse {
    int services;           /* services placed on it */
    int pinned;             /* of which have a launch type */
    int reported;           /* of which got their own E0601 */
    int scale_zero;         /* of which scale to zero (scale starts at 0) */
    int ec2;                /* of which run on its EC2 instances */
} ClusterUse;

static ClusterUse *use_of(Intent *c, Table *uses, const Object *cl)
{
    ClusterUse *u = table_get(uses, cl);
    if (!u) {
        u = arena_alloc(arena(c), sizeof *u);
        memset(u, 0, sizeof *u);
        table_put(uses, cl, u);
    }
    return u;
}

/* The BRIEF's mistake: spot declared on the cluster, every service pinned. */
static void cluster_spot(Intent *c, const Object *cl, const ClusterUse *u)
{
    if (!u || u->services == 0 || u->pinned < u->services || u->reported > 0 ||
        !rctx_bool(c->m, cl, "spot", NULL, true))
        return;
    Site s = rctx_site(c->m, cl, "spot", NULL);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0601", s.src, s.span,
                       "cluster `%s` is declared spot, but every service on it has a launch type: "
                       "0%% of its tasks run on spot", cl->path);
    diag_label(c->d, g, "spot declared here");
    diag_help(c->d, g, "remove `launch_type` from the services and let them use the cluster's "
                       "capacity-provider strategy");
    diag_emit(c->d, g);
}

/* ---- E0602 scale-to-zero ---------------------------------------------------- */

/* A service switched off (outside its window, or by default) whose
 * autoscaling minimum keeps tasks running anyway. */
static void scale_floor(Intent *c, const Object *o, const Environment *env, bool has_window)
{
    double lo, hi;
    bool off = strcmp(rctx_str(c->m, o, "default", env, "on"), "off") == 0;
    if ((!has_window && !off) || !rctx_range(c->m, o, "scale", env, &lo, &hi) || lo <= 0)
        return;
    Site s = rctx_site(c->m, o, "scale", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0602", s.src, s.span,
                       "`%s` is meant to be off %s, but its minimum of %g task%s keeps it running%s",
                       o->path, has_window ? "outside its window" : "by default", lo,
                       lo == 1 ? "" : "s", in_env(c, env));
    diag_label(c->d, g, "the autoscaling minimum");
    diag_help(c->d, g, "write `scale = 0..%g`: sfdc switches the service between 0 and its "
                       "maximum", hi);
    diag_emit(c->d, g);
}

/* An EC2 cluster whose services all scale to zero but whose Auto Scaling
 * group keeps instances. */
static void cluster_floor(Intent *c, const Object *cl, const ClusterUse *u)
{
    double lo, hi;
    if (!u || u->ec2 == 0 || u->scale_zero < u->ec2 ||
        strcmp(rctx_str(c->m, cl, "compute", NULL, "fargate"), "ec2") != 0 ||
        !rctx_range(c->m, cl, "instances", NULL, &lo, &hi) || lo <= 0)
        return;
    Site s = rctx_site(c->m, cl, "instances", NULL);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0602", s.src, s.span,
                       "cluster `%s` keeps %g instance%s running while all its services are scaled "
                       "to zero", cl->path, lo, lo == 1 ? "" : "s");
    diag_label(c->d, g, "the Auto Scaling group's minimum");
    diag_help(c->d, g, "write `instances = 0..%g`: the capacity provider starts instances when "
                       "tasks need them", hi);
    diag_emit(c->d, g);
}

/* ---- E0603 switched on in prod ---------------------------------------------- */

static bool prod_like(const Intent *c, const Environment *env)
{
    return strcmp(env->name, "prod") == 0 || rctx_bool(c->m, env->obj, "deletion_protection", NULL, false);
}

/* An off-by-default service whose window switches it on, in a prod-like
 * environment that has not said `scheduled_on = true`. */
static void switched_on_in_prod(Intent *c, const Object *o)
{
    Environment *const *envs;
    int n = rctx_envs(c->m, &envs);
    for (int i = 0; i < n; i++) {
        const Environment *env = envs[i];
        const Value *w = rctx_val(c->m, o, "window", env);
        if (!prod_like(c, env) || rctx_bool(c->m, env->obj, "scheduled_on", NULL, false) ||
            !w || w->kind != VAL_STR || strcmp(rctx_str(c->m, o, "default", env, "on"), "off") != 0 ||
            !rctx_env_has(c->m, env, o->account))
            continue;
        Site s = rctx_site(c->m, o, "window", env), e = model_obj_site(env->obj);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0603", s.src, s.span,
                           "`%s` is off by default, but this window switches it on in `%s`",
                           o->path, env->name);
        diag_label(c->d, g, "switches it on");
        diag_secondary(c->d, g, e.src, e.span, "a production environment");
        diag_help(c->d, g, "remove the window, or say it is meant: `scheduled_on = true` in "
                           "`environment %s`", env->name);
        diag_emit(c->d, g);
    }
}

/* ---- E0604 VPN-only ---------------------------------------------------------- */

static bool is_world(const Value *v)
{
    return v && v->kind == VAL_CIDR && v->u.cidr.prefix == 0;
}

static void vpn_only(Intent *c, const Object *o, const Environment *env)
{
    const Value *acc = rctx_val(c->m, o, "access", env);
    if (!acc || acc->kind != VAL_CALL || strcmp(acc->u.str, "public") == 0)
        return;
    bool vpn = strcmp(acc->u.str, "vpn") == 0;
    const Value *range = vpn && acc->n ? acc->items[0] : NULL;
    if (vpn && is_world(range)) {
        Site s = model_value_site(range, rctx_site(c->m, o, "access", env));
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0604", s.src, s.span,
                           "the VPN range of `%s` is 0.0.0.0/0: \"VPN only\" admits the whole internet",
                           o->path);
        diag_help(c->d, g, "give the VPN's own range, e.g. `vpn = 10.100.0.0/16`");
        diag_emit(c->d, g);
    }
    if (rctx_bool(c->m, o, "public_ip", env, false)) {
        Site s = rctx_site(c->m, o, "public_ip", env), as = rctx_site(c->m, o, "access", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0604", s.src, s.span,
                           "`%s` is %s only, but its tasks get a public IP%s", o->path,
                           vpn ? "VPN" : "private", in_env(c, env));
        diag_secondary(c->d, g, as.src, as.span, "reachable only through %s", vpn ? "the VPN" : "the VPC");
        diag_help(c->d, g, "remove `public_ip = true`: tasks reach AWS through the VPC's endpoints "
                           "or NAT");
        diag_emit(c->d, g);
    }
    const Value *in = rctx_val(c->m, o, "ingress", env);
    if (!in || in->kind != VAL_LIST || in->n == 0)
        return;     /* most services: no site to look for */
    Site whole = rctx_site(c->m, o, "ingress", env);
    const Object *net = rctx_network(c->m, o->account);
    const Value *vpc = net ? rctx_val(c->m, net, "cidr", NULL) : NULL;
    for (uint32_t i = 0; i < in->n; i++) {
        const Value *r = in->items[i];
        if (!r || r->kind != VAL_CIDR)
            continue;
        bool inside = (range && range->kind == VAL_CIDR && cidr_contains(range->u.cidr, r->u.cidr)) ||
                      (vpc && vpc->kind == VAL_CIDR && cidr_contains(vpc->u.cidr, r->u.cidr));
        if (!is_world(r) && (!vpn || inside))
            continue;
        char buf[24];
        cidr_format(r->u.cidr, buf, sizeof buf);
        Site s = rctx_elem_site(r, whole), as = rctx_site(c->m, o, "access", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0604", s.src, s.span,
                           "`%s` is %s only, but ingress from %s lets %s in%s", o->path,
                           vpn ? "VPN" : "private", buf,
                           is_world(r) ? "anyone" : "addresses outside the VPN and the VPC",
                           in_env(c, env));
        diag_secondary(c->d, g, as.src, as.span, "the access it should have");
        diag_help(c->d, g, "remove the rule: `access = %s` already admits %s", vpn ? "vpn(...)" : "private()",
                  vpn ? "the VPN's range" : "the VPC");
        diag_emit(c->d, g);
    }
}

/* ---- E0605 secrets in plain environment ---------------------------------------- */

/* `arn:aws[-partition]:SERVICE:`, with the text after it in *rest. */
static bool arn_of(const char *s, const char *service, const char **rest)
{
    if (strncmp(s, "arn:aws", 7) != 0)
        return false;
    const char *p = strchr(s + 7, ':');
    size_t n = strlen(service);
    if (!p || strncmp(p + 1, service, n) != 0 || p[1 + n] != ':')
        return false;
    *rest = p + 2 + n;
    return true;
}

/* The secret reference an ARN stands for: `secret("name")` or `ssm("/path")`,
 * or NULL if s is not such an ARN. */
static const char *secret_arn(Intent *c, const char *s)
{
    const char *rest, *p;
    if (arn_of(s, "secretsmanager", &rest) && (p = strstr(rest, ":secret:")) != NULL) {
        const char *name = p + 8;
        size_t n = strlen(name);
        /* Secrets Manager appends "-" and six random characters */
        if (n > 7 && name[n - 7] == '-')
            n -= 7;
        return arena_printf(arena(c), "secret(\"%.*s\")", (int)n, name);
    }
    if (arn_of(s, "ssm", &rest) && (p = strstr(rest, ":parameter")) != NULL)
        return arena_printf(arena(c), "ssm(\"%s\")", p[10] == '/' ? p + 10 : "/");
    return NULL;
}

/* How surely a variable's name says it holds a secret. */
typedef enum SecretName {
    NAME_PLAIN,     /* LOG_LEVEL, KMS_KEY_ID, SECRET_NAME, TOKEN_URL */
    NAME_WEAK,      /* KEY, TOKEN: also sort keys, S3 object keys, token URLs */
    NAME_STRONG,    /* PASSWORD, SECRET, CREDENTIALS, PGPASSWORD */
} SecretName;

/* Whether word p[0..n) is one of words (case-insensitive). */
static bool word_in(const char *p, size_t n, const char *const *words)
{
    for (size_t k = 0; words[k]; k++)
        if (strlen(words[k]) == n && strncasecmp(p, words[k], n) == 0)
            return true;
    return false;
}

/* What a key's name says, word by word (split at `_`, `-`, `.`): a secret
 * word makes it WEAK or STRONG, unless the last word says the variable
 * names or locates the secret rather than holding it (KMS_KEY_ID,
 * SECRET_ARN, PASSWORD_FILE, TOKEN_URL). Well-known whole names too. */
static SecretName secret_key(const char *key)
{
    static const char *const strong[] = {"password", "passwd", "pwd", "secret", "apikey",
                                         "credentials", "credential", "pass", "pgpassword",
                                         "passphrase", NULL};
    static const char *const weak[] = {"token", "key", NULL};
    static const char *const refers[] = {"id", "arn", "name", "url", "uri", "endpoint", "path",
                                         "prefix", "suffix", "file", "header", "ttl", "expiry",
                                         "timeout", "length", "size", "type", "region", "alias",
                                         "field", "param", "var", "env", "count", "version",
                                         "format", "dir", "bucket", "policy", "rotation", NULL};
    SecretName got = NAME_PLAIN;
    const char *p = key;
    bool last_refers = false;
    while (*p) {
        size_t n = strcspn(p, "_-.");
        if (word_in(p, n, strong))
            got = NAME_STRONG;
        else if (word_in(p, n, weak) && got < NAME_WEAK)
            got = NAME_WEAK;
        last_refers = word_in(p, n, refers);
        p += n;
        while (*p == '_' || *p == '-' || *p == '.')
            p++;
    }
    return last_refers ? NAME_PLAIN : got;
}

/* A value that looks like a credential rather than a name, a path, a URL
 * or a number: a known token prefix, or 16+ bytes of letters and digits
 * (with `_`, `-`, `.`, `+`, `=`) mixing both. For KEY/TOKEN names only. */
static bool looks_like_credential(const char *v)
{
    static const char *const prefixes[] = {"ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "xoxb-",
                                           "xoxp-", "xoxa-", "sk_live_", "sk_test_", "eyJ", "AKIA",
                                           "ASIA", NULL};
    for (size_t k = 0; prefixes[k]; k++)
        if (strncmp(v, prefixes[k], strlen(prefixes[k])) == 0)
            return true;
    size_t n = strlen(v);
    bool alpha = false, digit = false;
    if (n < 16 || strncmp(v, "arn:", 4) == 0)
        return false;
    for (const char *p = v; *p; p++) {
        if (isalpha((unsigned char)*p))
            alpha = true;
        else if (isdigit((unsigned char)*p))
            digit = true;
        else if (!strchr("_-.+=", *p))
            return false;
    }
    return alpha && digit;
}

/* A URL with a password in it, `scheme://user:PASSWORD@host`: the byte
 * range of the password in *off, *len. */
static bool url_password(const char *v, size_t *off, size_t *len)
{
    const char *s = strstr(v, "://");
    if (!s)
        return false;
    s += 3;
    size_t auth = strcspn(s, "/?#");
    const char *at = memchr(s, '@', auth);
    const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
    if (!colon || colon + 1 == at)
        return false;
    *off = (size_t)(colon + 1 - v);
    *len = (size_t)(at - colon - 1);
    return true;
}

/* E0605 on a literal under a secret's name, or a password inside a URL. */
static void plain_literal(Intent *c, const Object *o, const char *key, const Value *v, Site s)
{
    size_t off, len;
    Diag *g;
    if (url_password(v->u.str, &off, &len)) {
        Site p = rctx_str_part(v, s, off, len);
        g = diag_new(c->d, DIAG_ERROR, "E0605", p.src, p.span,
                     "`%s` puts a password in the URL of plain environment variable `%s`", o->path, key);
        diag_label(c->d, g, "the password, visible to anyone who can describe the task definition");
        diag_help(c->d, g, "store the URL in Secrets Manager and write `secrets = { %s = "
                           "secret(\"NAME\") }`, or pass the password alone as a secret", key);
        diag_emit(c->d, g);
        return;
    }
    SecretName how = secret_key(key);
    if (how == NAME_PLAIN || !v->u.str[0] || (how == NAME_WEAK && !looks_like_credential(v->u.str)))
        return;
    g = diag_new(c->d, DIAG_ERROR, "E0605", s.src, s.span,
                 "`%s` puts a literal value in plain environment variable `%s`", o->path, key);
    diag_label(c->d, g, "visible to anyone who can describe the task definition");
    diag_help(c->d, g, "store it in Secrets Manager and write `secrets = { %s = "
                       "secret(\"NAME\") }`", key);
    diag_emit(c->d, g);
}

static void plain_secrets(Intent *c, const Object *o, const Environment *env)
{
    const Value *m = rctx_val(c->m, o, "env", env);
    if (!m || m->kind != VAL_MAP || m->n == 0)
        return;     /* most services: no site to look for */
    Site whole = rctx_site(c->m, o, "env", env);
    for (uint32_t i = 0; i < m->n; i++) {
        const Value *v = m->items[i];
        if (!v || v->kind != VAL_STR)
            continue;
        const char *ref = secret_arn(c, v->u.str);
        Site s = rctx_elem_site(v, whole);
        if (!ref) {
            plain_literal(c, o, m->keys[i], v, s);
            continue;
        }
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0605", s.src, s.span,
                           "`%s` passes a secret's ARN as plain environment variable `%s`", o->path,
                           m->keys[i]);
        diag_label(c->d, g, "the task sees this ARN, not the secret");
        diag_help(c->d, g, "move it to `secrets = { %s = %s }`: ECS then injects the value "
                           "and the execution role may read it", m->keys[i], ref);
        diag_emit(c->d, g);
    }
}

/* ---- services ----------------------------------------------------------------- */

/* E0609: an IMMUTABLE repository accepts a tag once. A service on the
 * mutable `latest` (the default tag) runs whatever was pushed first: CI's
 * second push of `latest` fails, and the service never sees a new image. */
static void immutable_latest(Intent *c, Object *o, const Environment *env)
{
    const Object *repo = rctx_ref(c->m, o, "image", env);
    const char *tag = rctx_str(c->m, o, "tag", env, "latest");
    if (!repo || strcmp(tag, "latest") != 0 || !rctx_bool(c->m, repo, "immutable", env, true))
        return;
    bool written = rctx_written(c->m, o, "tag", env);
    Site s = rctx_site(c->m, o, written ? "tag" : "image", env), r = model_obj_site(repo);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0609", s.src, s.span,
                       "service `%s` runs tag `latest` of the immutable registry `%s`%s", o->path,
                       repo->path, in_env(c, env));
    diag_label(c->d, g, written ? "a tag that is meant to move" : "no `tag`: the default is `latest`");
    diag_secondary(c->d, g, r.src, r.span, "immutable: each tag can be pushed once");
    diag_help(c->d, g, "pin the release the service runs, e.g. `tag = \"2026.12.1\"`; or set "
                       "`immutable = false` on `%s` and accept that `latest` moves under running tasks",
              repo->path);
    diag_emit(c->d, g);
}

/* Whether every value service()'s checks after its window read for o is
 * the same in every environment (an RctxFixed): its own, its cluster's
 * spot, its network's range and its registry's immutability. */
static bool service_fixed(const void *ctx, const Object *o)
{
    Intent *c = (Intent *)ctx;
    const Model *m = c->m;
    if (!o->account || o->account != c->fixed_acct) {   /* an account's services come together */
        c->fixed_acct = o->account;
        c->fixed_acct_ok = rctx_fixed_field(m, rctx_network(m, o->account), "cidr");
    }
    return c->fixed_acct_ok && rctx_fixed(m, o) &&
           rctx_fixed_field(m, rctx_cluster_of(m, o), "spot") &&
           rctx_fixed_field(m, rctx_ref(m, o, "image", NULL), "immutable");
}

/* The window is checked in every environment: E0652 compares it with the
 * account's other services' (Intent.zones). */
static void service(void *ctx, Object *o, const Environment *env)
{
    Intent *c = ctx;
    bool has_window = window_ok(c, o, env);
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_INTENT_SERVICE, o, env, service_fixed, c))
        return;
    const Value *w = rctx_val(c->m, o, "window", env);
    spot_launch_type(c, o, env);
    spot_on_demand_cluster(c, o, env);
    /* a window that failed to parse still says the service is meant to stop */
    scale_floor(c, o, env, has_window || (w && w->kind == VAL_STR));
    vpn_only(c, o, env);
    plain_secrets(c, o, env);
    immutable_latest(c, o, env);
    rctx_once_done(&once);
}

/* E0603 for each service of the block, and what it adds to its cluster's
 * facts (c->uses). Base platform only. */
static void cluster_uses(Intent *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->placed; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        Object *o = k->l->items[k->i];
        switched_on_in_prod(c, o);
        const Object *cl = rctx_cluster_of(c->m, o);
        if (!cl)
            continue;
        ClusterUse *u = use_of(c, &c->uses, cl);
        const Value *lt = rctx_val(c->m, o, "launch_type", NULL);
        double lo, hi;
        u->services++;
        u->pinned += lt && lt->kind == VAL_SYM;
        u->reported += lt && lt->kind == VAL_SYM && rctx_bool(c->m, o, "spot", NULL, false);
        if (strcmp(rctx_str(c->m, o, "compute", NULL, "fargate"), "ec2") == 0) {
            u->ec2++;
            u->scale_zero += rctx_range(c->m, o, "scale", NULL, &lo, &hi) && lo <= 0;
        }
    }
}

/* The clusters' own E0601 and E0602, from the facts of all their services:
 * after the last block. */
static void cluster_facts(Intent *c)
{
    const ObjList *cl = model_kind(c->m, "cluster");
    for (int i = 0; i < cl->n; i++) {
        cluster_spot(c, cl->items[i], table_get(&c->uses, cl->items[i]));
        cluster_floor(c, cl->items[i], table_get(&c->uses, cl->items[i]));
    }
}

/* ---- E0606 buckets, E0607 prod, E0608 registries ------------------------------ */

static void bucket(void *ctx, Object *o, const Environment *env)
{
    Intent *c = ctx;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_INTENT_BUCKET, o, env, rctx_fixed_self, c->m))
        return;
    static const struct {
        const char *field;  /* the bool field */
        bool safe;          /* its safe value */
        const char *what;   /* what the unsafe value does */
        const char *help;
    } rules[] = {
        {"public", false, "is public: anyone on the internet can read it",
         "remove `public = true`; grant accounts with `readers = [...]`"},
        {"encrypted", true, "is not encrypted at rest", "remove `encrypted = false`"},
        {"tls_only", true, "accepts plain HTTP: its policy does not deny requests without TLS",
         "remove `tls_only = false`"},
    };
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++) {
        const Value *v = rctx_val(c->m, o, rules[k].field, env);
        if (!v || v->kind != VAL_BOOL || v->u.b == rules[k].safe)
            continue;
        Site s = rctx_site(c->m, o, rules[k].field, env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0606", s.src, s.span, "bucket `%s` %s%s", o->path,
                           rules[k].what, in_env(c, env));
        diag_help(c->d, g, "%s", rules[k].help);
        diag_emit(c->d, g);
    }
    rctx_once_done(&once);
}

/* Databases of a protected environment that switch protection off. */
static void db_protection(Intent *c, const Environment *env, const char *kind)
{
    const ObjList *l = model_kind(c->m, kind);
    for (int i = 0; i < l->n; i++) {
        rctx_prefetch(c->m, l, i);
        const Object *o = l->items[i];
        const Value *v = rctx_val(c->m, o, "deletion_protection", env);
        if (!v || v->kind != VAL_BOOL || v->u.b || !rctx_env_has(c->m, env, o->account))
            continue;
        Site s = rctx_site(c->m, o, "deletion_protection", env), e = model_obj_site(env->obj);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0607", s.src, s.span,
                           "`%s` switches deletion protection off in `%s`", o->path, env->name);
        diag_secondary(c->d, g, e.src, e.span, "a production environment");
        diag_help(c->d, g, "remove `deletion_protection = false`: the environment protects its "
                           "databases");
        diag_emit(c->d, g);
    }
}

static void environments(Intent *c)
{
    for (int i = 0; i < c->m->nenvs; i++) {
        const Environment *env = c->m->envs[i];
        const char *trigger = rctx_str(c->m, env->obj, "trigger", NULL, "");
        bool prod = strcmp(env->name, "prod") == 0 || strcmp(trigger, "tags") == 0;
        if (!prod)
            continue;
        if (rctx_bool(c->m, env->obj, "deletion_protection", NULL, true)) {
            db_protection(c, env, "aurora");
            db_protection(c, env, "rds");
            continue;
        }
        Site s = rctx_site(c->m, env->obj, "deletion_protection", NULL);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0607", s.src, s.span,
                           "environment `%s` %s without deletion protection", env->name,
                           strcmp(env->name, "prod") == 0 ? "is production" : "deploys on tags");
        diag_label(c->d, g, "its databases can be deleted by one `terraform destroy`");
        diag_help(c->d, g, "add `deletion_protection = true` to `environment %s`", env->name);
        diag_emit(c->d, g);
    }
}

/* E0608 for the registries of the block. */
static void registries(Intent *c, const RctxBlocks *b)
{
    for (RctxCursor *k = &c->registries; rctx_more(k, b); k->i++) {
        const Object *o = k->l->items[k->i];
        const Value *p = rctx_val(c->m, o, "push", NULL);
        if (!p || p->kind != VAL_LIST)
            continue;
        Site whole = rctx_site(c->m, o, "push", NULL);
        for (uint32_t i = 0; i < p->n; i++) {
            const Value *v = p->items[i];
            if (!v || v->kind != VAL_STR || !strchr(v->u.str, '*'))
                continue;
            Site s = rctx_elem_site(v, whole);
            Diag *g = diag_new(c->d, DIAG_ERROR, "E0608", s.src, s.span,
                               "registry `%s` lets `%s` push: anyone with an AWS account can "
                               "replace its images", o->path, v->u.str);
            diag_label(c->d, g, "a wildcard principal");
            diag_help(c->d, g, "name the CI role that pushes, e.g. "
                               "`\"arn:aws:iam::111111111111:role/ci\"`; pulls are granted "
                               "automatically");
            diag_emit(c->d, g);
        }
    }
}

/* ---- the pass ------------------------------------------------------------------- */

/* Every walk of a block, in the walks' order. */
static void walk_block(Intent *c, const RctxBlocks *b)
{
    rctx_walk(&c->ph, WALK_SERVICE);
    rctx_each_block(c->m, &c->services, b, service, c);
    rctx_walk(&c->ph, WALK_CLUSTERS);
    cluster_uses(c, b);
    rctx_walk(&c->ph, WALK_BUCKET);
    rctx_each_block(c->m, &c->buckets, b, bucket, c);
    rctx_walk(&c->ph, WALK_REGISTRIES);
    registries(c, b);
}

/* The pass runs block by block (rulectx.h; rules_run takes the blocked
 * passes in turn over each block): its walks share no state and
 * file different codes, except these, which stay whole after the blocks:
 * the clusters' E0601 and E0602 read the facts of all their services
 * (c->uses), and come after every service's own E0601 and E0602, as
 * before; environments() files E0607 for each prod environment over the
 * databases, where two environments (or an aurora and an rds written
 * through one template argument) can point at one span, and the first
 * filed of two such repeats is kept, so its walks keep their order.
 * E0652's first zone of an account (c->zones) is the service walk's own. */
struct IntentPass {
    Intent c;
};

IntentPass *rules_intent_begin(Model *m, DiagEngine *d)
{
    IntentPass *p = xcalloc(1, sizeof *p);
    Intent *c = &p->c;
    *c = (Intent){.m = m, .d = d};
    c->scratch = malloc(sizeof *c->scratch);
    rctx_begin(m);
    table_init(&c->zones);
    table_init(&c->uses);
    rctx_each_init(&c->services, m, "service");
    rctx_cursor_init(&c->placed, m, "service");
    rctx_each_init(&c->buckets, m, "bucket");
    rctx_cursor_init(&c->registries, m, "ecr");
    rctx_walks_begin(&c->ph, d, NWALKS);
    return p;
}

void rules_intent_block(IntentPass *p, const RctxBlocks *b)
{
    walk_block(&p->c, b);
}

void rules_intent_end(IntentPass *p)
{
    Intent *c = &p->c;
    rctx_walk(&c->ph, WALK_CLUSTERS);
    cluster_facts(c);
    rctx_walk(&c->ph, WALK_ENVIRONMENTS);
    environments(c);
    table_release(&c->uses);
    table_release(&c->zones);
    free(c->scratch);
    free(p);
}
