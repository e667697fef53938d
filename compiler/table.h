/* table.h — a hash map from pointers (interned strings, nodes) to pointers.
 *
 * Every uniqueness and reference check in sfdc goes through one of these,
 * so no pass compares all pairs. Open addressing, linear probing, grows by
 * doubling at half load; keys are compared by identity. A key and its
 * value share a slot: a hit in a table of 100k entries (every object's
 * path at 10,000 accounts) is one cache miss, not two. */
#ifndef SFDC_TABLE_H
#define SFDC_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct TableSlot {
    const void *key;    /* NULL marks an empty slot */
    void *val;
} TableSlot;

typedef struct Table {
    TableSlot *slots;   /* malloc'd */
    size_t cap;         /* slots, a power of two (0 before first put) */
    size_t count;       /* occupied slots */
} Table;

void table_init(Table *t);
void table_release(Table *t);
void *table_get(const Table *t, const void *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *table_put(Table *t, const void *key, void *val);

/* Slot i's key (NULL: empty) and value, for walks over i < t->cap. */
static inline const void *table_key(const Table *t, size_t i) { return t->slots[i].key; }
static inline void *table_val(const Table *t, size_t i) { return t->slots[i].val; }

#endif
