/* strmap.c — open-addressing string index (see strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void strmap_init(StrMap *m) { memset(m, 0, sizeof *m); }

void strmap_release(StrMap *m)
{
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    memset(m, 0, sizeof *m);
}

static int grow(StrMap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    size_t *vals = calloc(cap, sizeof *vals);
    uint32_t *hashes = calloc(cap, sizeof *hashes);
    if (!keys || !vals || !hashes) {
        free(keys);
        free(vals);
        free(hashes);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = m->hashes[i] & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
        hashes[j] = m->hashes[i];
    }
    free(m->keys);
    free(m->vals);
    free(m->hashes);
    m->keys = keys;
    m->vals = vals;
    m->hashes = hashes;
    m->cap = cap;
    return 0;
}

int strmap_put(StrMap *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    uint32_t h = hash(key);
    size_t i = h & (m->cap - 1);
    for (; m->keys[i]; i = (i + 1) & (m->cap - 1)) {
        if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0) {
            m->vals[i] = val;
            return 0;
        }
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->hashes[i] = h;
    m->n++;
    return 0;
}

long strmap_get(const StrMap *m, const char *key)
{
    if (!m->cap)
        return -1;
    uint32_t h = hash(key);
    for (size_t i = h & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0)
            return (long)m->vals[i];
    return -1;
}
