/* table.c — pointer-keyed hash map (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "banned.h"

void table_init(Table *t) { memset(t, 0, sizeof *t); }

void table_release(Table *t)
{
    free(t->slots);
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
    for (size_t i = slot_of(key, t->cap); t->slots[i].key; i = (i + 1) & (t->cap - 1))
        if (t->slots[i].key == key)
            return t->slots[i].val;
    return NULL;
}

static void grow(Table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    TableSlot *slots = xcalloc(cap, sizeof *slots);
    xprefault(slots, cap * sizeof *slots);    /* at half load every page is written */
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].key)
            continue;
        size_t j = slot_of(t->slots[i].key, cap);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
}

void *table_put(Table *t, const void *key, void *val)
{
    if ((t->count + 1) * 2 > t->cap)
        grow(t);
    size_t i = slot_of(key, t->cap);
    for (; t->slots[i].key; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i].key == key) {
            void *old = t->slots[i].val;
            t->slots[i].val = val;
            return old;
        }
    }
    t->slots[i] = (TableSlot){key, val};
    t->count++;
    return NULL;
}
