/* arena.h — bump allocation for everything a compilation makes.
 *
 * Tokens, nodes, types, values and interned strings live in one Arena and
 * die together in arena_release(); nothing in the compiler frees a node.
 * Allocation failure is fatal (exit 70): the compiler has no sensible way
 * to continue, and the OOM hook below lets tests prove the path. */
#ifndef SFDC_ARENA_H
#define SFDC_ARENA_H

#include <stddef.h>

typedef struct ArenaChunk ArenaChunk;

typedef struct Arena {
    ArenaChunk *head;   /* newest chunk; older ones chain through ->prev */
    char *cur;          /* next free byte in head */
    char *end;          /* one past the last byte of head */
    size_t total;       /* bytes obtained from malloc, for statistics */
} Arena;

void arena_init(Arena *a);
/* Frees every chunk; the arena may be reused after arena_init. */
void arena_release(Arena *a);
/* Zeroed, 16-byte aligned memory owned by the arena. Never returns NULL. */
void *arena_alloc(Arena *a, size_t n);
enum { ARENA_ALIGN = 16 };     /* every allocation is aligned to this */

/* arena_alloc_raw when the newest chunk is full: a new chunk, then n bytes
 * from it (n already rounded up to ARENA_ALIGN). */
void *arena_alloc_grow(Arena *a, size_t n);

/* Like arena_alloc, but the memory is not zeroed: for callers that write
 * every byte themselves (the parser's nodes, millions of them). Inline:
 * the parser calls it once per node, and the call was 5% of a parse. */
static inline void *arena_alloc_raw(Arena *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    if ((size_t)(a->end - a->cur) < n)
        return arena_alloc_grow(a, n);
    void *p = a->cur;
    a->cur += n;
    return p;
}
/* Copies n bytes and appends a NUL. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Checked malloc/realloc for the few growable arrays outside arenas:
 * they exit(70) on failure rather than return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xmalloc for big buffers written once through (arena chunks, a large
 * source file, the formatter's tokens and output): from 2 MiB up, aligned
 * and advised to use huge pages, so filling it takes few page faults.
 * Freed with free. */
void *xmalloc_big(size_t n);

/* Faults in, with one system call, the pages of a big malloc'd buffer
 * about to be written all over (a hash table, an array filled to its
 * end): first touches of 4 KiB pages one at a time cost more than the
 * work on them. Does nothing below 64 KiB or where the kernel cannot. */
void xprefault(void *p, size_t n);

/* Test hook: make the Nth allocation from now (1-based) fail; 0 disables. */
void arena_fail_after(long n);

/* A point in an arena to come back to: everything allocated after
 * arena_mark is freed by arena_reset, everything before it stays. A
 * streaming phase marks once and resets after each account or unit, so its
 * memory is that of the largest one, not of the sum. */
typedef struct ArenaMark {
    ArenaChunk *head;   /* the arena's newest chunk when marked */
    char *cur;          /* its next free byte then */
} ArenaMark;

ArenaMark arena_mark(const Arena *a);
/* Frees what was allocated since m; keeps the newest chunk for reuse. */
void arena_reset(Arena *a, ArenaMark m);

#endif
