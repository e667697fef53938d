/* names.c — derivation of the AWS names sfdc creates (see names.h). */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

const char *names_platform(const Model *m)
{
    return m->platform && m->platform->name ? m->platform->name : "platform";
}

/* Copies s into buf (NUL-terminated, truncated to cap) with `_` -> `-`;
 * returns strlen(s). */
static size_t dashed(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        for (size_t i = 0; i < k; i++)
            buf[i] = s[i] == '_' ? '-' : s[i];
        buf[k] = '\0';
    }
    return n;
}

/* "<platform>-<account>-<label><suffix>" with `_` -> `-`. */
static size_t derived(const Model *m, const Object *o, const char *suffix, char *buf, size_t cap)
{
    char raw[1024];
    const char *acct = o->account && o->account->name ? o->account->name : "account";
    const char *label = o->name ? o->name : o->kind;
    int n = snprintf(raw, sizeof raw, "%s-%s-%s%s", names_platform(m), acct, label, suffix);
    if (n < 0)
        n = 0;
    dashed(raw, buf, cap);
    return (size_t)n;
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
    (void)m;
    return copy(ecr->name ? ecr->name : "", buf, cap);
}

size_t names_role(const Model *m, const Object *owner, NamesRole kind, char *buf, size_t cap)
{
    static const char *const suffix[] = {"-task", "-exec", "-instance"};
    return derived(m, owner, suffix[kind], buf, cap);
}
