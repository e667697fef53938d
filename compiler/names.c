/* names.c — derivation of the AWS names sfdc creates (see names.h). */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

const char *names_platform(const Model *m)
{
    return m->platform && m->platform->name ? m->platform->name : "platform";
}

/* In an environment's evaluation, an account several environments deploy
 * has its names prefixed by the environment (SPEC §7.4): "stage-". */
static const char *env_prefix(const Model *m, const Object *account, const char **dash)
{
    bool on = m->env && account && account->multi_env;
    *dash = on ? "-" : "";
    return on ? m->env : "";
}

/* "<platform>-[<env>-]<account>-<label><suffix>" with `_` -> `-` (no
 * printf: it runs for every bucket and role of the platform). */
static size_t derived(const Model *m, const Object *o, const char *suffix, char *buf, size_t cap)
{
    const char *dash;
    const char *env = env_prefix(m, o->account, &dash);
    const char *parts[] = {names_platform(m), "-", env, dash,
                           o->account && o->account->name ? o->account->name : "account", "-",
                           o->name ? o->name : o->kind, suffix};
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (const char *p = parts[i]; *p; p++, n++)
            if (n + 1 < cap)
                buf[n] = *p == '_' ? '-' : *p;
    if (cap)
        buf[n + 1 < cap ? n : cap - 1] = '\0';
    return n;
}

static size_t copy(const char *s, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s", s);
    return n < 0 ? 0 : (size_t)n;
}

size_t names_bucket(const Model *m, const Object *bucket, char *buf, size_t cap,
                    bool *explicit_name)
{
    const char *name = model_str(m, bucket, "name", NULL);
    if (explicit_name)
        *explicit_name = name != NULL;
    if (name)
        return copy(name, buf, cap);
    return derived(m, bucket, "", buf, cap);
}

size_t names_state_bucket(const Model *m, const Object *account, char *buf, size_t cap)
{
    const Value *v = model_state(m, account, "bucket");
    return copy(v && v->kind == VAL_STR ? v->u.str : "", buf, cap);
}

size_t names_ecr(const Model *m, const Object *ecr, char *buf, size_t cap)
{
    const char *dash;
    const char *env = model_bool(m, ecr, "shared", false) ? "" : env_prefix(m, ecr->account, &dash);
    int n = snprintf(buf, cap, "%s%s%s", env, *env ? "-" : "", ecr->name ? ecr->name : "");
    return n < 0 ? 0 : (size_t)n;
}

size_t names_role(const Model *m, const Object *owner, NamesRole kind, char *buf, size_t cap)
{
    static const char *const suffix[] = {"-task", "-exec", "-instance"};
    return derived(m, owner, suffix[kind], buf, cap);
}
