/* intern.c — open-addressing intern table (see intern.h). */
#include "intern.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

uint32_t intern_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

void intern_init(Interner *in, Arena *arena)
{
    memset(in, 0, sizeof *in);
    in->arena = arena;
    in->cap = 1024;
    in->slots = xcalloc(in->cap, sizeof *in->slots);
}

void intern_release(Interner *in)
{
    free(in->slots);
    memset(in, 0, sizeof *in);
}

static inline uint64_t load64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

static inline uint32_t load32(const char *s)
{
    uint32_t w;
    memcpy(&w, s, 4);
    return w;
}

/* The last (up to eight) bytes of s as one word, read with at most two
 * loads that stay inside s (they overlap when len is not a power of two):
 * a byte loop here was a fifth of interning an identifier. */
static inline uint64_t tail_word(const char *s, size_t len)
{
    if (len >= 8)
        return load64(s + len - 8);
    if (len >= 4)
        return load32(s) | (uint64_t)load32(s + len - 4) << 32;
    if (len == 0)
        return 0;
    return (unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 |
           (uint64_t)(unsigned char)s[len - 1] << 16;
}

/* The table's hash: eight bytes at a time (identifiers average about as
 * long), where FNV-1a's multiply per byte showed in profiles of large
 * files. Only the slot order depends on it, and nothing iterates slots. */
static uint32_t slot_hash(const char *s, size_t len)
{
    const uint64_t k = 0x9E3779B97F4A7C15u;
    uint64_t h = len * k;
    size_t n = len;
    for (; n > 8; s += 8, n -= 8) {
        h = (h ^ load64(s)) * k;
        h ^= h >> 29;
    }
    h = (h ^ tail_word(s, n)) * k;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* Whether a and b, both len bytes, are equal: names are short, and up to
 * 16 bytes two overlapping word compares beat a call to memcmp. */
static inline bool same_bytes(const char *a, const char *b, size_t len)
{
    if (len > 16)
        return memcmp(a, b, len) == 0;
    if (len > 8)
        return load64(a) == load64(b) && load64(a + len - 8) == load64(b + len - 8);
    return tail_word(a, len) == tail_word(b, len);
}

static void rehash(Interner *in)
{
    size_t cap = in->cap * 2;
    InternSlot *slots = xcalloc(cap, sizeof *slots);
    xprefault(slots, cap * sizeof *slots);    /* at a quarter load every page is written */
    for (size_t i = 0; i < in->cap; i++) {
        if (!in->slots[i].str)
            continue;
        size_t j = in->slots[i].hash & (cap - 1);
        while (slots[j].str)
            j = (j + 1) & (cap - 1);
        slots[j] = in->slots[i];
    }
    free(in->slots);
    in->slots = slots;
    in->cap = cap;
}

/* The slot holding s, inserted if absent. */
static InternSlot *slot_of(Interner *in, const char *s, size_t len)
{
    if (in->count * 2 >= in->cap)
        rehash(in);
    uint32_t h = slot_hash(s, len);
    size_t i = h & (in->cap - 1);
    for (; in->slots[i].str; i = (i + 1) & (in->cap - 1)) {
        InternSlot *sl = &in->slots[i];
        if (sl->hash == h && sl->len == len && same_bytes(sl->str, s, len))
            return sl;
    }
    in->slots[i] = (InternSlot){arena_strndup(in->arena, s, len), h, (uint32_t)len, 0};
    in->count++;
    return &in->slots[i];
}

const char *intern(Interner *in, const char *s, size_t len) { return slot_of(in, s, len)->str; }

const char *intern_mark(Interner *in, const char *s, size_t len, bool *first)
{
    InternSlot *sl = slot_of(in, s, len);
    *first = !sl->marked;
    sl->marked = 1;
    return sl->str;
}

const char *intern_cstr(Interner *in, const char *s) { return intern(in, s, strlen(s)); }

void intern_prefetch(const Interner *in, const char *s, size_t len)
{
    __builtin_prefetch(&in->slots[slot_hash(s, len) & (in->cap - 1)], 1);
}

uint64_t intern_hash_words(const char *s, size_t n)
{
    uint64_t h = n * 0x9e3779b97f4a7c15ull, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ h >> 29;
}
