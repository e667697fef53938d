/* intern.h — string interning: equal names become the same pointer, so the
 * resolver and checker compare identifiers with ==. Strings live in the
 * compilation arena; the table itself is malloc'd and grows by doubling. */
#ifndef SFDC_INTERN_H
#define SFDC_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* One slot of the table: the hash and length sit beside the pointer, so a
 * probe touches one cache line and compares bytes only on a likely match. */
typedef struct InternSlot {
    const char *str;        /* the interned string, or NULL for an empty slot */
    uint32_t hash;          /* the table's own hash of str */
    uint32_t len : 31;      /* strlen(str) */
    uint32_t marked : 1;    /* interned by intern_mark (an object's path) */
} InternSlot;

typedef struct Interner {
    Arena *arena;           /* owns the strings */
    InternSlot *slots;      /* open-addressed table, linear probing */
    size_t cap;             /* slots, a power of two */
    size_t count;           /* occupied slots */
} Interner;

void intern_init(Interner *in, Arena *arena);
void intern_release(Interner *in);
const char *intern(Interner *in, const char *s, size_t len);
/* intern, marking the string; *first: it was not marked before. For the
 * evaluator's duplicate-path check: a path never marked is no object's
 * yet, even when the same text was interned as an account's label. */
const char *intern_mark(Interner *in, const char *s, size_t len, bool *first);
const char *intern_cstr(Interner *in, const char *s);
/* Starts fetching the slot where s would be found or go: a hint, so that
 * interning s soon after waits less for memory. */
void intern_prefetch(const Interner *in, const char *s, size_t len);
/* FNV-1a, also used by the hash sets of the checker. */
uint32_t intern_hash(const char *s, size_t len);
/* A hash eight bytes a step, for the checker's sets of many long keys
 * (derived names); not the interner's own. */
uint64_t intern_hash_words(const char *s, size_t len);

#endif
