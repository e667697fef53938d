/* arena.c — chunked bump allocator (see arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "banned.h"

/* Chunks start small (a one-file check stays cheap) and double up to
 * ARENA_MAX_CHUNK; big chunks are 2 MiB-aligned and, where the kernel
 * will not stall for them (thp_without_stalls), advised to use huge pages,
 * which cuts page faults on large inputs by two orders of magnitude
 * (measured: 167k faults for a 40 MB file before, a few thousand after). */
enum {
    BIG_CALLOC = 64 << 10,      /* xprefault works from this size up */
    ARENA_MIN_CHUNK = 64 << 10,
    ARENA_MAX_CHUNK = 32 << 20,
    HUGE_PAGE = 2 << 20,
};

struct ArenaChunk {
    ArenaChunk *prev;           /* the chunk allocated before this one */
    size_t size;                /* usable bytes in data[] */
    _Alignas(16) char data[];   /* the memory handed out */
};

static long fail_countdown;     /* see arena_fail_after */

void arena_fail_after(long n) { fail_countdown = n; }

static void out_of_memory(size_t n)
{
    fprintf(stderr, "sfdc: internal error: out of memory (allocating %zu bytes)\n", n);
    exit(70);
}

/* Every allocation goes through here so the test hook can fail any one. */
static void *checked(void *p, size_t n)
{
    if (fail_countdown > 0 && --fail_countdown == 0) {
        free(p);
        p = NULL;
    }
    if (!p && n)
        out_of_memory(n);
    return p;
}

void *xmalloc(size_t n) { return checked(malloc(n ? n : 1), n ? n : 1); }
void *xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    return checked(calloc(n ? n : 1, size ? size : 1), n * size + 1);
}
void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return checked(q, n ? n : 1);
}
char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void arena_init(Arena *a) { memset(a, 0, sizeof *a); }

void arena_release(Arena *a)
{
    ArenaChunk *c = a->head;
    while (c) {
        ArenaChunk *prev = c->prev;
        free(c);
        c = prev;
    }
    arena_init(a);
}

/* Whether the kernel has, right now, far more free 2 MiB blocks than a
 * compilation uses (/proc/buddyinfo: free blocks per zone and order; an
 * order-k block holds 2^(k-9) of them), so that a fault in an advised
 * range takes one from the free lists and does not compact. */
enum { HUGE_FREE_MIN = 512 };     /* 1 GiB: several times a 10,000-LA build */

static bool huge_pages_free(void)
{
    FILE *f = fopen("/proc/buddyinfo", "r");
    if (!f)
        return false;
    char line[512];
    unsigned long long free2m = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "zone");
        if (!p)
            continue;
        p += 4;
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')     /* the zone's name */
            p++;
        for (int order = 0; order <= 20; order++) {
            char *end;
            unsigned long long n = strtoull(p, &end, 10);
            if (end == p)
                break;
            if (order >= 9)
                free2m += n << (order - 9);
            p = end;
        }
    }
    fclose(f);
    return free2m >= HUGE_FREE_MIN;
}

/* Whether advising huge pages is free of stalls. Under the transparent
 * huge page `defrag` policies `always`, `madvise` and `defer+madvise`, a
 * fault in an advised range compacts memory synchronously when no 2 MiB
 * page is free: on a machine whose memory is fragmented (a long uptime,
 * a big page cache) that made `sfdc check` of 10,000 LAs take 0.4-1.1 s
 * of CPU from run to run (sys up to 0.8 s) instead of a steady 0.34-0.43
 * s, and parsing 30 MB 0.25-2.4 s instead of 0.34-0.36 s. Under `defer`
 * or `never` a huge page is used only when one is free, at no wait. Under
 * the others the advice is given only while plenty are free (asked again
 * for every big chunk: the language server lives long), which is when
 * the fast runs happened: `sfdc check` of 10,000 LAs 14% less CPU than
 * with 4 KiB pages (TLB misses in every rule pass's walk, page faults). */
static bool thp_without_stalls(void)
{
    static int policy = -1;     /* 1: defer or never, 0: a compacting one */
    if (policy < 0) {
        char buf[128] = "";
        FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/defrag", "r");
        if (f) {
            if (!fgets(buf, sizeof buf, f))
                buf[0] = 0;
            fclose(f);
        }
        policy = strstr(buf, "[defer]") || strstr(buf, "[never]");
    }
    return policy || huge_pages_free();
}

void *xmalloc_big(size_t bytes)
{
    if (bytes < HUGE_PAGE)
        return xmalloc(bytes);
    void *p = NULL;
    size_t whole = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    if (posix_memalign(&p, HUGE_PAGE, whole) != 0)
        p = NULL;
    p = checked(p, whole);
#ifdef MADV_HUGEPAGE
    if (thp_without_stalls())
        madvise(p, whole, MADV_HUGEPAGE);
#endif
    return p;
}

/* A chunk's pages are faulted in ahead of the bump pointer, POPULATE
 * bytes at a time, by one madvise each, instead of one page fault per
 * 4 KiB page on first touch: on this VM a fault's entry, allocation and
 * accounting cost far more than clearing the page (perf at 10,000 LAs:
 * faults 19% of `sfdc check`, clear_page 0.8%). Arena.end is kept at
 * the edge of what is populated, so the inline path is unchanged and
 * arena_alloc_grow moves the edge; the memory touched stays what is
 * allocated, plus at most one window. */
enum { POPULATE = 256 << 10, PAGE = 4096 };

#ifdef MADV_POPULATE_WRITE
static bool populate_works = true;   /* false once the kernel refused (before 5.14) */
#else
static const bool populate_works = false;
#endif

/* Faults in the pages [lo, hi) (page-aligned) with one call; false when
 * the kernel cannot. */
static bool populate_pages(uintptr_t lo, uintptr_t hi)
{
#ifdef MADV_POPULATE_WRITE
    if (populate_works && hi > lo && madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) != 0)
        populate_works = false;
#else
    (void)lo, (void)hi;
#endif
    return populate_works;
}

void xprefault(void *p, size_t n)
{
    if (n < BIG_CALLOC)
        return;
    uintptr_t lo = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(PAGE - 1);
    populate_pages(lo, hi);
}

/* Faults in a chunk's [from, from + need + a window), clamped to limit;
 * returns the new edge (limit itself when populating does not work). */
static char *populate(char *from, char *limit, size_t need)
{
    size_t want = need > POPULATE ? need : POPULATE;
    uintptr_t lo = (uintptr_t)from & ~(uintptr_t)(PAGE - 1);
    uintptr_t hi = ((uintptr_t)from + want + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    char *to = (size_t)(limit - from) <= want || (char *)hi >= limit ? limit : (char *)hi;
    if (to == limit)
        hi = ((uintptr_t)limit + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    return populate_pages(lo, hi) ? to : limit;
}

static void grow(Arena *a, size_t n)
{
    /* next counts the header, so a chunk is whole huge pages: a 32 MiB
       chunk whose header spilled 16 bytes into a 17th page held a 2 MiB
       page for them (12 MB of a 10,000-LA check's peak) */
    size_t next = a->head ? (sizeof(ArenaChunk) + a->head->size) * 2 : ARENA_MIN_CHUNK;
    if (next > ARENA_MAX_CHUNK)
        next = ARENA_MAX_CHUNK;
    size_t size = n > next / 4 ? n : next - sizeof(ArenaChunk);
    ArenaChunk *c = xmalloc_big(sizeof *c + size);
    c->prev = a->head;
    c->size = size;
    a->head = c;
    a->cur = c->data;
    a->end = populate(c->data, c->data + size, n);
    a->total += size;
}

void *arena_alloc_grow(Arena *a, size_t n)
{
    char *limit = a->head ? a->head->data + a->head->size : NULL;
    if (limit && a->end < limit && (size_t)(limit - a->cur) >= n)
        a->end = populate(a->end, limit, n - (size_t)(a->end - a->cur));
    else
        grow(a, n);
    void *p = a->cur;
    a->cur += n;
    return p;
}

void *arena_alloc(Arena *a, size_t n)
{
    void *p = arena_alloc_raw(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc_raw(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(Arena *a, const char *fmt, ...)
{
    /* one formatting pass when the text fits a small buffer (nearly always:
       names and paths), the build calls this hundreds of thousands of times */
    char small[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *p = arena_alloc_raw(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n < 0)
        p[0] = '\0';
    else if ((size_t)n < sizeof small)
        memcpy(p, small, (size_t)n + 1);
    else
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

ArenaMark arena_mark(const Arena *a) { return (ArenaMark){a->head, a->cur}; }

/* The newest chunk is kept (relinked right after the mark's chunk) rather
 * than freed: the next account allocates the same amount again, and a
 * chunk freed and taken back each time costs page faults (huge pages are
 * zeroed 2 MiB at a time). Memory stays the mark plus one chunk. */
void arena_reset(Arena *a, ArenaMark m)
{
    if (a->head == m.head) {
        a->cur = m.cur ? m.cur : a->cur;
        return;
    }
    ArenaChunk *keep = a->head, *c = keep->prev;
    while (c != m.head) {
        ArenaChunk *prev = c->prev;
        a->total -= c->size;
        free(c);
        c = prev;
    }
    keep->prev = m.head;
    a->cur = keep->data;
    a->end = keep->data + keep->size;
}
