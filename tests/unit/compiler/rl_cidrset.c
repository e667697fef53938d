/* rl_cidrset.c — units for cidrset.c: block arithmetic, host bits (E0510),
 * block sizes, subnets inside their VPC (E0511), and the overlap sweep
 * (E0512): hand cases, owner and group rules, the cap, a comparison with
 * the all-pairs answer on random platforms, and 10,000 / 100,000 entries
 * timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cidrset.h"

static Cidr C(unsigned a, unsigned b, unsigned c, unsigned d, unsigned p)
{
    return (Cidr){(uint32_t)a << 24 | b << 16 | c << 8 | d, (uint8_t)p};
}

static RuleMsg m;

static const char *fmt(Cidr c)
{
    static char buf[4][20];
    static int k;
    k = (k + 1) % 4;
    cidr_format(c, buf[k], sizeof buf[k]);
    return buf[k];
}

static void test_arith(void **state)
{
    (void)state;
    Cidr c = C(10, 1, 2, 0, 16);
    assert_string_equal(fmt(c), "10.1.2.0/16");
    assert_string_equal(fmt(cidr_network(c)), "10.1.0.0/16");
    assert_int_equal(cidr_first(c), C(10, 1, 0, 0, 0).addr);
    assert_int_equal(cidr_last(c), C(10, 1, 255, 255, 0).addr);
    assert_int_equal(cidr_first(C(1, 2, 3, 4, 0)), 0);
    assert_int_equal(cidr_last(C(1, 2, 3, 4, 0)), UINT32_MAX);
    assert_int_equal(cidr_first(C(1, 2, 3, 4, 32)), C(1, 2, 3, 4, 0).addr);
    assert_int_equal(cidr_last(C(1, 2, 3, 4, 32)), C(1, 2, 3, 4, 0).addr);
    assert_string_equal(fmt(C(255, 255, 255, 255, 32)), "255.255.255.255/32");
    assert_string_equal(fmt(C(0, 0, 0, 0, 0)), "0.0.0.0/0");
    assert_int_equal(cidr_last(C(10, 1, 0, 0, 31)), C(10, 1, 0, 1, 0).addr);
}

static void test_contains_overlap(void **state)
{
    (void)state;
    Cidr vpc = C(10, 1, 0, 0, 16);
    assert_true(cidr_contains(vpc, C(10, 1, 3, 0, 24)));
    assert_true(cidr_contains(vpc, vpc));
    assert_true(cidr_contains(vpc, C(10, 1, 255, 255, 32)));
    assert_false(cidr_contains(vpc, C(10, 2, 0, 0, 24)));
    assert_false(cidr_contains(C(10, 1, 3, 0, 24), vpc));
    assert_true(cidr_contains(C(0, 0, 0, 0, 0), vpc));
    assert_true(cidr_overlap(vpc, C(10, 0, 0, 0, 8)));
    assert_true(cidr_overlap(C(10, 0, 0, 0, 8), vpc));
    assert_false(cidr_overlap(vpc, C(10, 2, 0, 0, 16)));
    assert_false(cidr_overlap(C(10, 1, 0, 0, 17), C(10, 1, 128, 0, 17)));
    assert_true(cidr_contains(C(10, 1, 2, 0, 16), C(10, 1, 0, 0, 16)));   /* host bits ignored */
}

static void test_host_bits(void **state)
{
    (void)state;
    assert_true(cidr_check(C(10, 1, 0, 0, 16), &m));
    assert_int_equal(m.level, RULE_OK);
    assert_true(cidr_check(C(10, 1, 2, 3, 32), &m));
    assert_true(cidr_check(C(0, 0, 0, 0, 0), &m));
    assert_false(cidr_check(C(10, 1, 2, 0, 16), &m));
    assert_int_equal(m.level, RULE_ERROR);
    assert_string_equal(m.msg, "CIDR block `10.1.2.0/16` has host bits set");
    assert_string_equal(m.help, "the block starts at its network address: write `10.1.0.0/16`");
    assert_false(cidr_check(C(10, 1, 0, 1, 24), &m));
    assert_string_equal(m.help, "the block starts at its network address: write `10.1.0.0/24`");
    assert_false(cidr_check(C(1, 0, 0, 0, 0), &m));
    assert_true(cidr_check(C(10, 0, 0, 128, 25), &m));
}

static void test_size(void **state)
{
    (void)state;
    assert_true(cidr_check_size(C(10, 1, 0, 0, 16), "VPC", &m));
    assert_true(cidr_check_size(C(10, 1, 0, 0, 28), "subnet", &m));
    assert_false(cidr_check_size(C(10, 0, 0, 0, 8), "VPC", &m));
    assert_string_equal(m.msg, "VPC block `10.0.0.0/8` is larger than AWS allows");
    assert_false(cidr_check_size(C(10, 1, 0, 0, 29), "subnet", &m));
    assert_string_equal(m.msg, "subnet block `10.1.0.0/29` is smaller than AWS allows");
    assert_false(cidr_check_size(C(10, 1, 0, 0, 15), "VPC", &m));
}

static void test_inside(void **state)
{
    (void)state;
    Cidr vpc = C(10, 1, 0, 0, 16), fix = {0, 0};
    assert_true(cidr_check_inside(vpc, C(10, 1, 1, 0, 24), NULL, 0, &m, NULL));
    assert_true(cidr_check_inside(vpc, vpc, NULL, 0, &m, NULL));
    assert_false(cidr_check_inside(vpc, C(10, 2, 1, 0, 24), NULL, 0, &m, &fix));
    assert_string_equal(m.msg, "subnet `10.2.1.0/24` lies outside its VPC `10.1.0.0/16`");
    assert_string_equal(m.help, "subnets take their addresses from the VPC's block, e.g. `10.1.1.0/24`, "
                                "which no other subnet of the network uses");
    assert_true(fix.addr == C(10, 1, 1, 0, 24).addr && fix.prefix == 24);
    assert_false(cidr_check_inside(vpc, C(10, 0, 0, 0, 8), NULL, 0, &m, NULL));
    assert_string_equal(m.help, "a subnet is part of its VPC's block: a /8 cannot fit in a /16");
    assert_false(cidr_check_inside(C(10, 1, 0, 0, 24), C(10, 1, 1, 128, 25), NULL, 0, &m, NULL));
    assert_string_equal(m.help, "subnets take their addresses from the VPC's block, e.g. `10.1.0.128/25`, "
                                "which no other subnet of the network uses");
}

/* The suggestion skips blocks the network's other subnets use. */
static void test_inside_free(void **state)
{
    (void)state;
    Cidr vpc = C(10, 1, 0, 0, 16), fix = {0, 0};
    Cidr taken[] = {C(10, 1, 0, 0, 20), C(10, 1, 16, 0, 20), C(10, 1, 64, 0, 20)};
    assert_false(cidr_check_inside(vpc, C(10, 2, 16, 0, 20), taken, 3, &m, &fix));
    assert_string_equal(m.help, "subnets take their addresses from the VPC's block, e.g. `10.1.32.0/20`, "
                                "which no other subnet of the network uses");
    for (size_t i = 0; i < 3; i++)
        assert_false(cidr_overlap(fix, taken[i]));
    Cidr all[] = {C(10, 1, 0, 0, 17), C(10, 1, 128, 0, 17)};
    assert_false(cidr_check_inside(vpc, C(10, 2, 0, 0, 20), all, 2, &m, NULL));
    assert_string_equal(m.help, "subnets take their addresses from the VPC's block, and no /20 of it "
                                "is left free by the network's other subnets");
}

/* ---- overlaps ------------------------------------------------------------------- */

static CidrPair pairs[65536];

static size_t find(const CidrEntry *e, size_t n, size_t cap, bool *trunc)
{
    size_t got;
    assert_int_equal(cidr_find_overlaps(e, n, pairs, cap, &got, trunc), 0);
    return got;
}

static void test_overlaps_basic(void **state)
{
    (void)state;
    bool t;
    CidrEntry e[] = {
        {C(10, 1, 0, 0, 16), 1, 0},   /* la-camden */
        {C(10, 2, 0, 0, 16), 2, 0},   /* la-hackney */
        {C(10, 1, 128, 0, 17), 3, 0}, /* inside camden: conflict */
        {C(10, 3, 0, 0, 16), 4, 0},
        {C(10, 3, 0, 0, 16), 5, 0},   /* equal blocks: conflict */
    };
    size_t n = find(e, 5, 64, &t);
    assert_false(t);
    assert_int_equal(n, 2);
    assert_int_equal(pairs[0].a, 0);
    assert_int_equal(pairs[0].b, 2);
    assert_int_equal(pairs[1].a, 3);
    assert_int_equal(pairs[1].b, 4);
    assert_int_equal(find(e, 0, 64, &t), 0);
    assert_int_equal(find(e, 1, 64, &t), 0);
    assert_int_equal(find(e, 2, 64, &t), 0);
}

static void test_overlaps_owner_and_groups(void **state)
{
    (void)state;
    bool t;
    /* Every LA reuses 10.1.0.0/16 but none talks to another: no conflict.
     * The VPN range talks to all: it conflicts with la 3, whose VPC covers it. */
    CidrEntry e[] = {
        {C(10, 1, 0, 0, 16), 1, 1},
        {C(10, 1, 0, 0, 16), 2, 2},
        {C(10, 0, 0, 0, 8), 3, 3},
        {C(10, 100, 0, 0, 16), 9, CIDR_GROUP_ALL},
        {C(10, 1, 0, 0, 16), 1, 1},   /* the same owner twice: never a conflict */
    };
    size_t n = find(e, 5, 64, &t);
    assert_int_equal(n, 1);
    assert_int_equal(pairs[0].a, 2);
    assert_int_equal(pairs[0].b, 3);
    /* two ALL entries talk to each other */
    CidrEntry v[] = {
        {C(10, 100, 0, 0, 16), 1, CIDR_GROUP_ALL},
        {C(10, 100, 5, 0, 24), 2, CIDR_GROUP_ALL},
        {C(192, 168, 0, 0, 16), 3, 7},
    };
    n = find(v, 3, 64, &t);
    assert_int_equal(n, 1);
    assert_int_equal(pairs[0].a, 0);
    assert_int_equal(pairs[0].b, 1);
    /* a VPC in two groups is entered twice with one owner */
    CidrEntry w[] = {
        {C(10, 1, 0, 0, 16), 1, 1}, {C(10, 1, 0, 0, 16), 1, 2},
        {C(10, 1, 4, 0, 24), 2, 1}, {C(10, 1, 4, 0, 24), 3, 2},
    };
    n = find(w, 4, 64, &t);
    assert_int_equal(n, 2);
    assert_int_equal(pairs[0].a, 0);
    assert_int_equal(pairs[0].b, 2);
    assert_int_equal(pairs[1].a, 1);
    assert_int_equal(pairs[1].b, 3);
}

static void test_overlaps_cap(void **state)
{
    (void)state;
    bool t;
    CidrEntry e[6];
    for (uint32_t k = 0; k < 6; k++)
        e[k] = (CidrEntry){C(10, 1, 0, 0, 16), k, 0};
    assert_int_equal(find(e, 6, 64, &t), 15);   /* 6 choose 2 */
    assert_false(t);
    assert_int_equal(find(e, 6, 15, &t), 15);
    assert_false(t);
    assert_int_equal(find(e, 6, 4, &t), 4);
    assert_true(t);
    assert_int_equal(find(e, 6, 0, &t), 0);
    assert_true(t);
}

/* The answer the slow way. */
static bool talks(const CidrEntry *a, const CidrEntry *b)
{
    return a->owner != b->owner &&
           (a->group == b->group || a->group == CIDR_GROUP_ALL || b->group == CIDR_GROUP_ALL) &&
           cidr_overlap(a->cidr, b->cidr);
}

static uint32_t rng = 12345;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_overlaps_random(void **state)
{
    (void)state;
    enum { N = 700 };
    static CidrEntry e[N];
    static bool want[N][N];
    for (int round = 0; round < 20; round++) {
        size_t expect = 0;
        for (int k = 0; k < N; k++) {
            unsigned prefix = 12 + next() % 17;   /* /12 .. /28 in 10.0.0.0/8 */
            uint32_t addr = 0x0A000000u | (next() & 0x00FFFFFFu & (round % 2 ? 0x00F0F0F0u : ~0u));
            uint32_t group = next() % 9 == 0 ? CIDR_GROUP_ALL : next() % 4;
            e[k] = (CidrEntry){{addr, (uint8_t)prefix}, next() % 400, group};
        }
        memset(want, 0, sizeof want);
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++)
                if (talks(&e[i], &e[j])) {
                    want[i][j] = true;
                    expect++;
                }
        bool t;
        size_t n = find(e, N, sizeof pairs / sizeof pairs[0], &t);
        assert_false(t);
        assert_int_equal(n, expect);
        assert_true(expect > 100);   /* the rounds do exercise the sweep */
        if (round == 0)
            printf("random platform: %zu conflicting pairs among %d entries\n", expect, (int)N);
        for (size_t k = 0; k < n; k++) {
            assert_true(pairs[k].a < pairs[k].b);
            assert_true(want[pairs[k].a][pairs[k].b]);
            want[pairs[k].a][pairs[k].b] = false;   /* each once */
            if (k > 0)
                assert_true(pairs[k - 1].a < pairs[k].a ||
                            (pairs[k - 1].a == pairs[k].a && pairs[k - 1].b < pairs[k].b));
        }
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A platform of n LAs: each a /20 of its own in 10.0.0.0/8 or 100.64.0.0/10,
 * all in one group with the VPN, plus one mistake at the end. */
static void big(size_t n, double *ms)
{
    CidrEntry *e = calloc(n + 2, sizeof *e);
    assert_non_null(e);
    for (size_t k = 0; k < n; k++) {
        uint32_t base = k < 4096 ? 0x0A000000u : 0x64400000u;
        uint32_t slot = (uint32_t)(k < 4096 ? k : k - 4096);
        e[k] = (CidrEntry){{base + (slot << 12), 20}, (uint32_t)k, 0};
    }
    e[n] = (CidrEntry){{0xC0A80000u, 16}, (uint32_t)n, CIDR_GROUP_ALL};          /* the VPN */
    e[n + 1] = (CidrEntry){{0x0A000000u + (7u << 12), 24}, (uint32_t)n + 1, 0};  /* inside LA 7 */
    bool t;
    double t0 = now_ms();
    size_t got = find(e, n + 2, 64, &t);
    *ms = now_ms() - t0;
    assert_int_equal(got, 1);
    assert_int_equal(pairs[0].a, 7);
    assert_int_equal(pairs[0].b, n + 1);
    free(e);
}

static void test_overlaps_scale(void **state)
{
    (void)state;
    double ms10k, ms100k;
    big(10000, &ms10k);
    big(100000, &ms100k);
    printf("overlaps: 10,000 entries %.2f ms, 100,000 entries %.2f ms\n", ms10k, ms100k);
    assert_true(ms10k < 500);   /* generous for valgrind; ~1 ms natively */
}

/* Every LA reuses one block, no two talk: the sweep must not look at pairs. */
static void test_overlaps_reused_block(void **state)
{
    (void)state;
    enum { N = 20000 };
    CidrEntry *e = calloc(N, sizeof *e);
    assert_non_null(e);
    for (uint32_t k = 0; k < N; k++)
        e[k] = (CidrEntry){C(10, 1, 0, 0, 16), k, k};
    bool t;
    double t0 = now_ms();
    assert_int_equal(find(e, N, 64, &t), 0);
    double ms = now_ms() - t0;
    printf("overlaps: 20,000 copies of one block in 20,000 groups %.2f ms\n", ms);
    assert_true(ms < 500);
    free(e);
}

/* cidr_format writes what "%u.%u.%u.%u/%u" would, without printf: the
 * extremes, random blocks, and snprintf's truncation and length. */
static void test_format_like_printf(void **state)
{
    (void)state;
    uint32_t x = 0x9e3779b9u;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        Cidr c = {i == 0 ? 0u : i == 1 ? UINT32_MAX : x, (uint8_t)(i < 2 ? 32u * (uint32_t)i : x % 33)};
        char want[32], got[32];
        int n = snprintf(want, sizeof want, "%u.%u.%u.%u/%u", c.addr >> 24, c.addr >> 16 & 0xFF,
                         c.addr >> 8 & 0xFF, c.addr & 0xFF, (unsigned)c.prefix);
        assert_int_equal(cidr_format(c, got, sizeof got), n);
        assert_string_equal(got, want);
        size_t cap = (size_t)(x >> 8) % 20;     /* 0..19: truncated as snprintf does */
        memset(got, 'x', sizeof got);
        memset(want, 'x', sizeof want);
        snprintf(want, cap, "%u.%u.%u.%u/%u", c.addr >> 24, c.addr >> 16 & 0xFF, c.addr >> 8 & 0xFF,
                 c.addr & 0xFF, (unsigned)c.prefix);
        assert_int_equal(cidr_format(c, got, cap), n);
        assert_memory_equal(got, want, sizeof got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_format_like_printf),
        cmocka_unit_test(test_contains_overlap),
        cmocka_unit_test(test_host_bits),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_inside),
        cmocka_unit_test(test_inside_free),
        cmocka_unit_test(test_overlaps_basic),
        cmocka_unit_test(test_overlaps_owner_and_groups),
        cmocka_unit_test(test_overlaps_cap),
        cmocka_unit_test(test_overlaps_random),
        cmocka_unit_test(test_overlaps_scale),
        cmocka_unit_test(test_overlaps_reused_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
