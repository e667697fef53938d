/* pe_sha256.c — units for SHA-256 (sha256.c): the FIPS 180-4 / NIST
 * example vectors, every padding boundary (lengths 0..130 against a
 * byte-at-a-time reference run), one million 'a', and incremental updates
 * in uneven pieces giving the one-shot digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void hex_of(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_nist_vectors(void **state)
{
    (void)state;
    char h[65];
    sha256_hex("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(m448, strlen(m448), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    sha256_hex(m896, strlen(m896), h);
    assert_string_equal(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    char h[65];
    sha256_hex(a, 1000000, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Pieces of every size 1..200 give the one-shot digest. */
static void test_incremental(void **state)
{
    (void)state;
    uint8_t data[768];
    for (int i = 0; i < 768; i++)
        data[i] = (uint8_t)(i & 255);
    char one[65], inc[65];
    sha256_hex(data, sizeof data, one);
    /* python3: hashlib.sha256(bytes(range(256)) * 3).hexdigest() */
    assert_string_equal(one, "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363");
    for (size_t piece = 1; piece <= 200; piece++) {
        Sha256 s;
        uint8_t d[32];
        sha256_init(&s);
        for (size_t off = 0; off < sizeof data; off += piece)
            sha256_update(&s, data + off, off + piece <= sizeof data ? piece : sizeof data - off);
        sha256_final(&s, d);
        hex_of(d, inc);
        assert_string_equal(inc, one);
    }
}

/* Lengths around the 55/56/64-byte padding edges: one-shot equals
 * byte-by-byte, and consecutive lengths differ. */
static void test_padding_edges(void **state)
{
    (void)state;
    uint8_t data[130];
    memset(data, 'x', sizeof data);
    char prev[65] = "", one[65], inc[65];
    for (size_t n = 0; n <= sizeof data; n++) {
        sha256_hex(data, n, one);
        Sha256 s;
        uint8_t d[32];
        sha256_init(&s);
        for (size_t i = 0; i < n; i++)
            sha256_update(&s, data + i, 1);
        sha256_final(&s, d);
        hex_of(d, inc);
        assert_string_equal(inc, one);
        assert_string_not_equal(one, prev);
        memcpy(prev, one, sizeof one);
    }
    /* 55, 56 and 64 bytes: known digests (python3 hashlib) */
    sha256_hex(data, 55, one);
    assert_string_equal(one, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
    sha256_hex(data, 56, one);
    assert_string_equal(one, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
    sha256_hex(data, 64, one);
    assert_string_equal(one, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_padding_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
