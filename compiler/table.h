/* table.h — a hash map from pointers (interned strings, nodes) to pointers.
 *
 * Every uniqueness and reference check in sfdc goes through one of these,
 * so no pass compares all pairs. Open addressing, linear probing, grows by
 * doubling at half load; keys are compared by identity. */
#ifndef SFDC_TABLE_H
#define SFDC_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct Table {
    const void **keys;  /* NULL marks an empty slot; malloc'd */
    void **vals;        /* value of each slot; malloc'd */
    size_t cap;         /* slots, a power of two (0 before first put) */
    size_t count;       /* occupied slots */
} Table;

void table_init(Table *t);
void table_release(Table *t);
void *table_get(const Table *t, const void *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *table_put(Table *t, const void *key, void *val);

#endif
