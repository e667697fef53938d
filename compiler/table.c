/* table.c — pointer-keyed hash map (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "banned.h"

void table_init(Table *t) { memset(t, 0, sizeof *t); }

void table_release(Table *t)
{
    free(t->keys);
    free(t->vals);
    memset(t, 0, sizeof *t);
}

/* Pointers are aligned, so the low bits carry no information: mix. */
static size_t slot_of(const void *key, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)key;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (cap - 1);
}

void *table_get(const Table *t, const void *key)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of(key, t->cap); t->keys[i]; i = (i + 1) & (t->cap - 1))
        if (t->keys[i] == key)
            return t->vals[i];
    return NULL;
}

static void grow(Table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    const void **keys = xcalloc(cap, sizeof *keys);
    void **vals = xcalloc(cap, sizeof *vals);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->keys[i])
            continue;
        size_t j = slot_of(t->keys[i], cap);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = t->keys[i];
        vals[j] = t->vals[i];
    }
    free(t->keys);
    free(t->vals);
    t->keys = keys;
    t->vals = vals;
    t->cap = cap;
}

void *table_put(Table *t, const void *key, void *val)
{
    if ((t->count + 1) * 2 > t->cap)
        grow(t);
    size_t i = slot_of(key, t->cap);
    for (; t->keys[i]; i = (i + 1) & (t->cap - 1)) {
        if (t->keys[i] == key) {
            void *old = t->vals[i];
            t->vals[i] = val;
            return old;
        }
    }
    t->keys[i] = key;
    t->vals[i] = val;
    t->count++;
    return NULL;
}
