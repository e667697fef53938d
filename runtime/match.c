/* match.c — expectation paths and comparisons (see match.h, PLAN.md). */
#include "match.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* Text form of a scalar for tolerant comparison; NULL for containers. */
static const char *scalar_text(const cJSON *v, char *buf, size_t n)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15)
            snprintf(buf, n, "%.0f", d);
        else
            snprintf(buf, n, "%.17g", d);
        return buf;
    }
    return NULL;
}

/* Scalars: same type and value, or same text form; numbers in text compare
 * numerically ("1.0" = 1). */
static int scalar_equal(const cJSON *a, const cJSON *b)
{
    char ba[64], bb[64];
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    const char *ta = scalar_text(a, ba, sizeof ba), *tb = scalar_text(b, bb, sizeof bb);
    if (!ta || !tb)
        return 0;
    if (strcmp(ta, tb) == 0)
        return 1;
    if (cJSON_IsNumber(a) || cJSON_IsNumber(b)) {
        char *ea, *eb;
        double da = strtod(ta, &ea), db = strtod(tb, &eb);
        return *ta && *tb && !*ea && !*eb && da == db;
    }
    return 0;
}

int match_equals(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsObject(a) || cJSON_IsObject(b)) {
        if (!cJSON_IsObject(a) || !cJSON_IsObject(b))
            return 0;
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, a) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);
            if (!o || !match_equals(m, o))
                return 0;
        }
        return 1;
    }
    if (cJSON_IsArray(a) || cJSON_IsArray(b)) {
        if (!cJSON_IsArray(a) || !cJSON_IsArray(b))
            return 0;
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        for (const cJSON *x = a->child, *y = b->child; x && y; x = x->next, y = y->next)
            if (!match_equals(x, y))
                return 0;
        return 1;
    }
    return scalar_equal(a, b);
}

/* Policy equality: objects member-wise, arrays as multisets, a one-element
 * array equal to its element. */
static int policy_equal(const cJSON *a, const cJSON *b);

static int multiset_equal(const cJSON *a, const cJSON *b)
{
    int n = cJSON_GetArraySize(a);
    if (n != cJSON_GetArraySize(b))
        return 0;
    if (n == 0)
        return 1;
    unsigned char *used = calloc((size_t)n, 1);
    int ok = used != NULL;
    for (const cJSON *x = a->child; x && ok; x = x->next) {
        int found = 0, i = 0;
        for (const cJSON *y = b->child; y && !found; y = y->next, i++)
            if (!used[i] && policy_equal(x, y))
                used[i] = 1, found = 1;
        ok = found;
    }
    free(used);
    return ok;
}

static int policy_equal(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsArray(a) && cJSON_GetArraySize(a) == 1 && !cJSON_IsArray(b))
        return policy_equal(a->child, b);
    if (cJSON_IsArray(b) && cJSON_GetArraySize(b) == 1 && !cJSON_IsArray(a))
        return policy_equal(a, b->child);
    if (cJSON_IsArray(a) && cJSON_IsArray(b))
        return multiset_equal(a, b);
    if (cJSON_IsObject(a) && cJSON_IsObject(b)) {
        if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
            return 0;
        const cJSON *m;
        cJSON_ArrayForEach(m, a) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(b, m->string);
            if (!o || !policy_equal(m, o))
                return 0;
        }
        return 1;
    }
    if (cJSON_IsObject(a) || cJSON_IsObject(b) || cJSON_IsArray(a) || cJSON_IsArray(b))
        return 0;
    return scalar_equal(a, b);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int match_json_text(const char *s, const cJSON *want)
{
    char *dec = NULL;
    /* IAM returns documents percent-encoded ("%7B%22Version..."). */
    if (s[0] == '%') {
        size_t n = strlen(s), o = 0;
        dec = malloc(n + 1);
        if (!dec)
            return 0;
        for (size_t i = 0; i < n; i++) {
            int h, l;
            if (s[i] == '%' && i + 2 < n + 1 && (h = hexval(s[i + 1])) >= 0 &&
                (l = hexval(s[i + 2])) >= 0) {
                dec[o++] = (char)(h * 16 + l);
                i += 2;
            } else {
                dec[o++] = s[i];
            }
        }
        dec[o] = '\0';
        s = dec;
    }
    cJSON *got = cJSON_Parse(s);
    int eq = got && policy_equal(got, want);
    cJSON_Delete(got);
    free(dec);
    return eq;
}

/* Selects in array arr the first element whose member key has text value. */
static const cJSON *select_by(const cJSON *arr, const char *key, size_t klen,
                              const char *val, size_t vlen)
{
    char kb[128], tb[64];
    if (!cJSON_IsArray(arr) || klen >= sizeof kb)
        return NULL;
    memcpy(kb, key, klen);
    kb[klen] = '\0';
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, kb);
        const char *t = m ? scalar_text(m, tb, sizeof tb) : NULL;
        if (t && strlen(t) == vlen && memcmp(t, val, vlen) == 0)
            return e;
    }
    return NULL;
}

const cJSON *match_path(const cJSON *root, const char *p)
{
    const cJSON *cur = root;
    char name[256];
    while (cur && *p) {
        if (*p == '.') {
            p++;
        } else if (*p == '[') {
            const char *close = strchr(p, ']');
            if (!close)
                return NULL;
            const char *eq = memchr(p + 1, '=', (size_t)(close - p - 1));
            if (eq) {
                cur = select_by(cur, p + 1, (size_t)(eq - p - 1), eq + 1,
                                (size_t)(close - eq - 1));
            } else {
                long i = strtol(p + 1, NULL, 10);
                cur = cJSON_IsArray(cur) && i < cJSON_GetArraySize(cur)
                          ? cJSON_GetArrayItem(cur, (int)i) : NULL;
            }
            p = close + 1;
        } else {
            size_t k = strcspn(p, ".[");
            if (k >= sizeof name || !cJSON_IsObject(cur))
                return NULL;
            memcpy(name, p, k);
            name[k] = '\0';
            cur = cJSON_GetObjectItemCaseSensitive(cur, name);
            p += k;
        }
    }
    return cur;
}

/* Compact text of v, truncated for messages, into buf. */
static const char *brief(const cJSON *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "nothing");
        return buf;
    }
    char *t = cJSON_PrintUnformatted(v);
    if (!t) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (strlen(t) > 120)
        snprintf(buf, n, "%.117s...", t);
    else
        snprintf(buf, n, "%s", t);
    free(t);
    return buf;
}

int match_check(const PlanCheck *check, const cJSON *result, char *why, size_t n)
{
    char want[160], got[160];
    for (size_t i = 0; i < check->n_expect; i++) {
        const PlanExpect *e = &check->expect[i];
        const cJSON *v = match_path(result, e->path);
        const char *path = *e->path ? e->path : "(result)";
        switch (e->kind) {
        case EXPECT_EXISTS:
            if ((v != NULL) != e->exists) {
                snprintf(why, n, "%s: expected %s", path, e->exists ? "present" : "absent");
                return 0;
            }
            break;
        case EXPECT_EQUALS:
            if (!v || !match_equals(e->value, v)) {
                snprintf(why, n, "%s: expected %s, got %s", path,
                         brief(e->value, want, sizeof want), brief(v, got, sizeof got));
                return 0;
            }
            break;
        case EXPECT_JSON:
            if (!cJSON_IsString(v) || !match_json_text(v->valuestring, e->value)) {
                snprintf(why, n, "%s: document differs from the plan's (got %s)", path,
                         brief(v, got, sizeof got));
                return 0;
            }
            break;
        }
    }
    return 1;
}
