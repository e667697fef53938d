/* intern.c — open-addressing intern table (see intern.h). */
#include "intern.h"

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
    in->hashes = xcalloc(in->cap, sizeof *in->hashes);
}

void intern_release(Interner *in)
{
    free(in->slots);
    free(in->hashes);
    memset(in, 0, sizeof *in);
}

static void rehash(Interner *in)
{
    size_t cap = in->cap * 2;
    const char **slots = xcalloc(cap, sizeof *slots);
    uint32_t *hashes = xcalloc(cap, sizeof *hashes);
    for (size_t i = 0; i < in->cap; i++) {
        if (!in->slots[i])
            continue;
        size_t j = in->hashes[i] & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = in->slots[i];
        hashes[j] = in->hashes[i];
    }
    free(in->slots);
    free(in->hashes);
    in->slots = slots;
    in->hashes = hashes;
    in->cap = cap;
}

const char *intern(Interner *in, const char *s, size_t len)
{
    if (in->count * 2 >= in->cap)
        rehash(in);
    uint32_t h = intern_hash(s, len);
    size_t i = h & (in->cap - 1);
    for (; in->slots[i]; i = (i + 1) & (in->cap - 1)) {
        if (in->hashes[i] == h && strncmp(in->slots[i], s, len) == 0 &&
            in->slots[i][len] == '\0')
            return in->slots[i];
    }
    in->slots[i] = arena_strndup(in->arena, s, len);
    in->hashes[i] = h;
    in->count++;
    return in->slots[i];
}

const char *intern_cstr(Interner *in, const char *s) { return intern(in, s, strlen(s)); }
