/* cidrset.c — CIDR arithmetic and the overlap sweep (see cidrset.h).
 *
 * The sweep rests on one fact: two CIDR blocks either nest or are disjoint.
 * Sorted by first address (larger block first on a tie), the blocks still
 * open at any point form a chain, each containing the next, so a stack
 * holds them and every block on the stack overlaps the one arriving. */
#include "cidrset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

static uint32_t mask_of(unsigned prefix)
{
    return prefix == 0 ? 0 : prefix >= 32 ? UINT32_MAX : UINT32_MAX << (32 - prefix);
}

uint32_t cidr_first(Cidr c)
{
    return c.addr & mask_of(c.prefix);
}

uint32_t cidr_last(Cidr c)
{
    return cidr_first(c) | ~mask_of(c.prefix);
}

Cidr cidr_network(Cidr c)
{
    return (Cidr){cidr_first(c), c.prefix};
}

/* Appends the decimal digits of u (below 1000) at d; returns the end. */
static char *put_small(char *d, unsigned u)
{
    if (u >= 100)
        *d++ = (char)('0' + u / 100);
    if (u >= 10)
        *d++ = (char)('0' + u / 10 % 10);
    *d++ = (char)('0' + u % 10);
    return d;
}

/* Without printf: the back end formats every network, subnet and VPN
 * access of every account through here (~12 M instructions at 1,000 LAs
 * through snprintf). */
size_t cidr_format(Cidr c, char *buf, size_t cap)
{
    char text[20], *d = text;   /* 255.255.255.255/32 */
    for (int shift = 24; shift >= 0; shift -= 8) {
        d = put_small(d, c.addr >> shift & 0xFF);
        *d++ = shift ? '.' : '/';
    }
    d = put_small(d, c.prefix);
    size_t n = (size_t)(d - text);
    if (cap) {      /* as snprintf: truncated to cap - 1, always terminated */
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return n;
}

bool cidr_contains(Cidr a, Cidr b)
{
    return a.prefix <= b.prefix && cidr_first(a) == (cidr_first(b) & mask_of(a.prefix));
}

/* Two blocks nest or are disjoint: they overlap when they agree on the
 * bits of the shorter prefix (one mask, one compare: every subnet pair of
 * every network comes here). */
bool cidr_overlap(Cidr a, Cidr b)
{
    uint32_t m = mask_of(a.prefix < b.prefix ? a.prefix : b.prefix);
    return ((a.addr ^ b.addr) & m) == 0;
}

static bool reject(RuleMsg *m, const char *msg, const char *help)
{
    memset(m, 0, sizeof *m);
    m->level = RULE_ERROR;
    snprintf(m->msg, sizeof m->msg, "%s", msg);
    snprintf(m->help, sizeof m->help, "%s", help);
    return false;
}

bool cidr_check(Cidr c, RuleMsg *m)
{
    char text[20], net[20], msg[64], help[96];
    memset(m, 0, sizeof *m);
    if (c.addr == cidr_first(c))
        return true;
    cidr_format(c, text, sizeof text);
    cidr_format(cidr_network(c), net, sizeof net);
    snprintf(msg, sizeof msg, "CIDR block `%s` has host bits set", text);
    snprintf(help, sizeof help, "the block starts at its network address: write `%s`", net);
    return reject(m, msg, help);
}

bool cidr_check_size(Cidr c, const char *what, RuleMsg *m)
{
    char text[20], msg[96];
    memset(m, 0, sizeof *m);
    if (c.prefix >= 16 && c.prefix <= 28)
        return true;
    cidr_format(c, text, sizeof text);
    snprintf(msg, sizeof msg, "%s block `%s` is %s than AWS allows", what, text,
             c.prefix < 16 ? "larger" : "smaller");
    return reject(m, msg, "VPC and subnet blocks are /16 (65,536 addresses) to /28 (16 addresses)");
}

/* A block of the given prefix inside vpc that overlaps none of taken:
 * hint when it is free, else the lowest free one; false when none is. */
static bool free_block(Cidr vpc, Cidr hint, const Cidr *taken, size_t n, Cidr *out)
{
    uint64_t count = (uint64_t)1 << (hint.prefix - vpc.prefix);
    for (uint64_t k = 0; k <= count; k++) {
        Cidr c = k == 0 ? hint : (Cidr){cidr_first(vpc) + (uint32_t)((k - 1) << (32 - hint.prefix)), hint.prefix};
        size_t i = 0;
        while (i < n && !cidr_overlap(c, taken[i]))
            i++;
        if (i == n) {
            *out = c;
            return true;
        }
    }
    return false;
}

bool cidr_check_inside(Cidr vpc, Cidr subnet, const Cidr *taken, size_t ntaken, RuleMsg *m, Cidr *fix)
{
    char v[20], s[20], fixed[20], msg[128], help[160];
    memset(m, 0, sizeof *m);
    if (cidr_contains(vpc, subnet))
        return true;
    cidr_format(cidr_network(vpc), v, sizeof v);
    cidr_format(subnet, s, sizeof s);
    snprintf(msg, sizeof msg, "subnet `%s` lies outside its VPC `%s`", s, v);
    Cidr moved = {cidr_first(vpc) | (cidr_first(subnet) & ~mask_of(vpc.prefix)), subnet.prefix};
    if (subnet.prefix < vpc.prefix) {
        snprintf(help, sizeof help, "a subnet is part of its VPC's block: a /%u cannot fit in a /%u",
                 (unsigned)subnet.prefix, (unsigned)vpc.prefix);
    } else if (free_block(vpc, moved, taken, ntaken, &moved)) {
        cidr_format(moved, fixed, sizeof fixed);
        snprintf(help, sizeof help, "subnets take their addresses from the VPC's block, e.g. `%s`, "
                 "which no other subnet of the network uses", fixed);
        if (fix)
            *fix = moved;
    } else {
        snprintf(help, sizeof help, "subnets take their addresses from the VPC's block, and no /%u "
                 "of it is left free by the network's other subnets", (unsigned)subnet.prefix);
    }
    return reject(m, msg, help);
}

/* ---- the overlap sweep ----------------------------------------------------------- */

typedef struct Sweep {
    const CidrEntry *e;     /* the entries */
    size_t *sa, *sb;        /* the two stacks (indices), n each */
    CidrPair *out;          /* the caller's buffer */
    size_t cap, n;          /* its size, pairs written */
    bool full;              /* a pair did not fit: stop */
} Sweep;

/* An entry's sort key, copied out so qsort needs no context. */
typedef struct Key {
    uint32_t group;     /* the entry's group */
    uint32_t first;     /* its first address */
    uint32_t prefix;    /* its prefix length: larger blocks first on a tie */
    size_t idx;         /* the entry */
} Key;

static int cmp_key(const void *x, const void *y)
{
    const Key *a = x, *b = y;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_pair(const void *x, const void *y)
{
    const CidrPair *a = x, *b = y;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

static void report(Sweep *w, size_t i, size_t j)
{
    if (w->full || w->e[i].owner == w->e[j].owner)
        return;
    if (w->n == w->cap) {
        w->full = true;
        return;
    }
    w->out[w->n++] = i < j ? (CidrPair){i, j} : (CidrPair){j, i};
}

/* Drops from the stack the blocks that end before address `at`. */
static void pop_before(const CidrEntry *e, size_t *stack, size_t *top, uint32_t at)
{
    while (*top > 0 && cidr_last(e[stack[*top - 1]].cidr) < at)
        (*top)--;
}

/* Every overlapping pair within one sorted run. */
static void sweep_within(Sweep *w, const size_t *run, size_t n)
{
    size_t top = 0;
    for (size_t k = 0; k < n && !w->full; k++) {
        size_t x = run[k];
        pop_before(w->e, w->sa, &top, cidr_first(w->e[x].cidr));
        for (size_t s = 0; s < top; s++)
            report(w, w->sa[s], x);
        w->sa[top++] = x;
    }
}

/* x comes before y in sweep order (first address, then larger block). */
static bool before(const CidrEntry *e, size_t x, size_t y)
{
    uint32_t fx = cidr_first(e[x].cidr), fy = cidr_first(e[y].cidr);
    return fx != fy ? fx < fy : e[x].cidr.prefix <= e[y].cidr.prefix;
}

/* Every overlapping pair with one block from run a and one from run b: a
 * stack per side, and each arriving block meets the other side's stack. */
static void sweep_cross(Sweep *w, const size_t *a, size_t na, const size_t *b, size_t nb)
{
    size_t ia = 0, ib = 0, ta = 0, tb = 0;
    while ((ia < na || ib < nb) && !w->full) {
        bool from_a = ib == nb || (ia < na && before(w->e, a[ia], b[ib]));
        size_t x = from_a ? a[ia++] : b[ib++];
        uint32_t at = cidr_first(w->e[x].cidr);
        pop_before(w->e, w->sa, &ta, at);
        pop_before(w->e, w->sb, &tb, at);
        size_t *other = from_a ? w->sb : w->sa, nother = from_a ? tb : ta;
        for (size_t s = 0; s < nother; s++)
            report(w, other[s], x);
        if (from_a)
            w->sa[ta++] = x;
        else
            w->sb[tb++] = x;
    }
}

int cidr_find_overlaps(const CidrEntry *e, size_t n, CidrPair *out, size_t cap,
                       size_t *nout, bool *truncated)
{
    *nout = 0;
    *truncated = false;
    if (n < 2)
        return 0;
    size_t *idx = malloc(3 * n * sizeof *idx);
    Key *keys = malloc(n * sizeof *keys);
    if (!idx || !keys) {
        free(idx);
        free(keys);
        return -1;
    }
    Sweep w = {e, idx + n, idx + 2 * n, out, cap, 0, false};
    for (size_t k = 0; k < n; k++)
        keys[k] = (Key){e[k].group, cidr_first(e[k].cidr), e[k].cidr.prefix, k};
    qsort(keys, n, sizeof *keys, cmp_key);
    for (size_t k = 0; k < n; k++)
        idx[k] = keys[k].idx;
    free(keys);
    /* The CIDR_GROUP_ALL run sorts last. */
    size_t all = n;
    while (all > 0 && e[idx[all - 1]].group == CIDR_GROUP_ALL)
        all--;
    for (size_t k = 0; k < all && !w.full;) {
        size_t end = k;
        while (end < all && e[idx[end]].group == e[idx[k]].group)
            end++;
        sweep_within(&w, idx + k, end - k);
        if (all < n)
            sweep_cross(&w, idx + k, end - k, idx + all, n - all);
        k = end;
    }
    if (!w.full)
        sweep_within(&w, idx + all, n - all);
    free(idx);
    qsort(out, w.n, sizeof *out, cmp_pair);
    *nout = w.n;
    *truncated = w.full;
    return 0;
}
