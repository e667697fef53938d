/* strmap.h — a hash index from strings to array positions.
 *
 * The plan's step ids and the journal's records are looked up once per
 * step (and per `after` edge); a linear search there made a 10,000-step
 * plan quadratic. Keys are borrowed: they must outlive the map (they are
 * the ids the plan or journal already owns). */
#ifndef SFDRUN_STRMAP_H
#define SFDRUN_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct StrMap {
    const char **keys;  /* borrowed keys; NULL marks an empty slot (malloc'd) */
    size_t *vals;       /* position stored with each key (malloc'd) */
    uint32_t *hashes;   /* hash of each key, to grow without rehashing text */
    size_t cap;         /* slots, a power of two, 0 before the first put */
    size_t n;           /* keys stored */
} StrMap;

void strmap_init(StrMap *m);
void strmap_release(StrMap *m);
/* Inserts or replaces; -1 when out of memory. */
int strmap_put(StrMap *m, const char *key, size_t val);
/* The position stored for key, or -1. */
long strmap_get(const StrMap *m, const char *key);

#endif
