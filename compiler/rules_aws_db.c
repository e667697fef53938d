/* rules_aws_db.c — the AWS rule pass's databases (rules_aws.h): an aurora
 * or rds block's engine version (E0523, against stdlib/aws/
 * engine-versions.json), port (E0507) and engine sfdc's modules build
 * (E0515); an aurora's Serverless v2 capacity and auto-pause (E0505,
 * E0506); an rds instance class (E0526). Each database is checked once
 * for the environments that share its values (rctx_once). */
#include "rules_aws.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

/* ---- E0505, E0506, E0507 databases ---------------------------------------- */

/* The entry of engine (e.g. "aurora-postgresql") in engine-versions.json,
 * or NULL (the file is loaded once; a missing file is reported once). */
static const cJSON *engine_data(Aws *c, const char *engine)
{
    char err[256];
    if (c->engines_state == 0) {
        const char *path = rules_aws_data(c, "engine-versions.json");
        c->engines = awsc_json_load(path, err, sizeof err);
        c->engines_state = c->engines ? 1 : -1;
        if (!c->engines)
            diag_error(c->d, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path, err);
    }
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(c->engines, "engines");
    return cJSON_GetObjectItemCaseSensitive(all, engine);
}

/* The items of a JSON array of strings that start with prefix, joined. */
static const char *json_list(Aws *c, const cJSON *arr, const char *prefix)
{
    const char *out = "";
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (cJSON_IsString(e) && strncmp(e->valuestring, prefix, strlen(prefix)) == 0)
            out = arena_printf(rules_aws_arena(c), "%s%s%s", out, *out ? ", " : "", e->valuestring);
    return out;
}

/* E0507: the port agrees with the engine (aurora and rds). A port left at
 * its default is blamed on the engine, which is what the user chose. */
static void engine_port(Aws *c, Object *o, const Environment *env, AwslimEngine fam)
{
    double port = rctx_num(c->m, o, "port", env, -1);
    RuleMsg rm;
    if (fam == AWSLIM_ENGINE_UNKNOWN || port < 0 || awslim_engine_port(fam, (long)port, &rm))
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
                       rctx_str(c->m, o, "engine", env, "?"), awslim_engine_default_port(fam), port);
    diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
}

/* E0506: where an auto-pause mistake is: the capacity, the delay, or the
 * engine version (mirrors the order awslim_aurora_auto_pause checks in). */
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
static void engine_supported(Aws *c, Object *o, const Environment *env, AwslimEngine fam)
{
    if (fam != AWSLIM_ENGINE_MYSQL)
        return;
    Site e = rctx_site(c->m, o, "engine", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0515", e.src, e.span,
                       "engine `%s` is not supported by sfdc's `%s` module",
                       rctx_str(c->m, o, "engine", env, "?"), o->kind);
    diag_label(c->d, g, "sfdc's database modules build PostgreSQL only");
    diag_help(c->d, g, "use postgres13, postgres14, postgres15 or postgres16");
    diag_emit(c->d, g);
}

/* E0523: an aurora version is one AWS lists for aurora-postgresql
 * (stdlib/aws/engine-versions.json); false when reported. */
static bool version_known(Aws *c, Object *o, const Environment *env, const char *version)
{
    const cJSON *e = engine_data(c, "aurora-postgresql");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(e, "versions");
    if (!list || awsc_json_has(list, version))
        return true;
    const cJSON *asof = cJSON_GetObjectItemCaseSensitive(c->engines, "as_of");
    char major[16];
    snprintf(major, sizeof major, "%.*s.", (int)strcspn(version, "."), version);
    Site s = rctx_site(c->m, o, "version", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0523", s.src, s.span,
                       "aurora-postgresql has no version `%s`", version);
    diag_label(c->d, g, "version of `%s`", o->path);
    const char *known = json_list(c, list, major);
    diag_help(c->d, g, "%s%s (stdlib/aws/engine-versions.json, as of %s; a newer release is added there)",
              *known ? "write one AWS offers: " : "no version of this major is offered", known,
              cJSON_IsString(asof) ? asof->valuestring : "?");
    diag_emit(c->d, g);
    return false;
}

/* E0523: the version exists for the engine (and Serverless v2 for aurora);
 * false when reported, so auto-pause is not judged on a wrong version. */
static bool engine_version(Aws *c, Object *o, const Environment *env, bool serverless_v2)
{
    const char *engine = rctx_str(c->m, o, "engine", env, NULL);
    const Value *v = rctx_val(c->m, o, "version", env);
    RuleMsg rm;
    if (!engine || !v || v->kind != VAL_STR)
        return true;
    if (c->ok_engine && c->ok_serverless == serverless_v2 && strcmp(c->ok_engine, engine) == 0 &&
        strcmp(c->ok_version, v->u.str) == 0)
        return true;
    if (awslim_engine_version(engine, v->u.str, serverless_v2, &rm)) {
        if (serverless_v2 && !version_known(c, o, env, v->u.str))
            return false;
        c->ok_engine = engine;
        c->ok_version = v->u.str;
        c->ok_serverless = serverless_v2;
        return true;
    }
    if (!rctx_written(c->m, o, "version", env) && rctx_written(c->m, o, "engine", env)) {
        /* the schema's default version is for the default engine: blame the engine */
        Site e = rctx_site(c->m, o, "engine", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0523", e.src, e.span,
                           "engine `%s` needs its own `version`: the default `%s` is for postgres16",
                           engine, v->u.str);
        diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
        return false;
    }
    Site s = rctx_site(c->m, o, "version", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0523", s.src, s.span, "%s", rm.msg);
    if (rctx_written(c->m, o, "engine", env)) {
        Site e = rctx_site(c->m, o, "engine", env);
        diag_secondary(c->d, g, e.src, e.span, "the engine is chosen here");
    }
    diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
    return false;
}

/* E0505, E0506, E0507, E0515, E0523 of one aurora: its own values only,
 * so checked once for the environments that share them (rctx_once). */
static void aurora_checks(Aws *c, Object *o, const Environment *env)
{
    if (!engine_version(c, o, env, true)) {
        engine_port(c, o, env, awslim_engine_family(rctx_str(c->m, o, "engine", env, "")));
        return;
    }
    const char *engine = rctx_str(c->m, o, "engine", env, NULL);
    AwslimEngine fam = engine ? awslim_engine_family(engine) : AWSLIM_ENGINE_UNKNOWN;
    double lo, hi;
    RuleMsg rm;
    bool cap = rctx_range(c->m, o, "capacity", env, &lo, &hi);
    if (cap && !awslim_aurora_capacity(lo, hi, &rm)) {
        rctx_report(c->d, DIAG_ERROR, "E0505", NULL, rctx_site(c->m, o, "capacity", env), &rm,
                    "capacity of this Aurora Serverless v2 cluster");
    } else if (cap && !awslim_aurora_ceiling(fam, rctx_str(c->m, o, "version", env, ""), hi, &rm)) {
        Site s = rctx_site(c->m, o, "capacity", env), v = rctx_site(c->m, o, "version", env);
        Diag *g = diag_new(c->d, DIAG_ERROR, "E0505", s.src, s.span, "%s", rm.msg);
        diag_label(c->d, g, "capacity of `%s`", o->path);
        if (rctx_written(c->m, o, "version", env))
            diag_secondary(c->d, g, v.src, v.span, "the version is chosen here");
        diag_help(c->d, g, "%s", rm.help);
        diag_emit(c->d, g);
    } else if (cap && fam != AWSLIM_ENGINE_UNKNOWN) {
        const Value *pv = rctx_val(c->m, o, "auto_pause", env);
        double pause = pv && pv->kind == VAL_NUM ? pv->u.num : -1;
        const char *version = rctx_str(c->m, o, "version", env, "");
        if (!(pv && pv->kind == VAL_ERROR) && !awslim_aurora_auto_pause(fam, version, lo, pause, &rm)) {
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

void rules_aws_db_aurora(void *ctx, Object *o, const Environment *env)
{
    Aws *c = ctx;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_AURORA, o, env, rctx_fixed_self, c->m))
        return;
    aurora_checks(c, o, env);
    rctx_once_done(&once);
}

/* E0526: an rds instance class is of a family RDS for PostgreSQL offers
 * (stdlib/aws/engine-versions.json). */
static void instance_class(Aws *c, Object *o, const Environment *env, AwslimEngine fam)
{
    const Value *v = rctx_val(c->m, o, "class", env);
    const cJSON *classes = cJSON_GetObjectItemCaseSensitive(engine_data(c, "postgres"), "classes");
    if (fam != AWSLIM_ENGINE_POSTGRES || !v || v->kind != VAL_STR || !classes ||
        strncmp(v->u.str, "db.", 3) != 0 || !strchr(v->u.str + 3, '.'))
        return;     /* not db.FAMILY.SIZE at all (db.serverless): E0525's pattern says so */
    const char *family = arena_printf(rules_aws_arena(c), "%.*s", (int)strcspn(v->u.str + 3, "."),
                                      v->u.str + 3);
    if (awsc_json_has(classes, family))
        return;
    Site s = rctx_site(c->m, o, "class", env);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0526", s.src, s.span,
                       "RDS for PostgreSQL has no instance class `%s`", v->u.str);
    diag_label(c->d, g, "class of `%s`", o->path);
    diag_help(c->d, g, "use a family RDS runs PostgreSQL on (%s), e.g. `db.t4g.micro`",
              json_list(c, classes, ""));
    diag_emit(c->d, g);
}

void rules_aws_db_rds(void *ctx, Object *o, const Environment *env)
{
    Aws *c = ctx;
    RctxOnce once;
    if (!rctx_once(&once, c->m, RCTX_ONCE_RDS, o, env, rctx_fixed_self, c->m))
        return;
    engine_version(c, o, env, false);
    instance_class(c, o, env, awslim_engine_family(rctx_str(c->m, o, "engine", env, "")));
    const char *engine = rctx_str(c->m, o, "engine", env, NULL);
    AwslimEngine fam = engine ? awslim_engine_family(engine) : AWSLIM_ENGINE_UNKNOWN;
    engine_supported(c, o, env, fam);
    engine_port(c, o, env, fam);
    rctx_once_done(&once);
}
