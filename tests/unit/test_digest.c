/*
 * test_digest.c — io/digest.c against libsodium: SHA-256 and HMAC-SHA-256 of every length from 0
 * to 300 bytes (across the 64-byte block edges), in one piece and in uneven pieces, with keys of
 * 0, 32, 64 and 100 bytes; and the FIPS 180-2 / RFC 4231 vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "yibao/digest.h"

static void hex(const unsigned char *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_vectors(void **state) {
    (void)state;
    unsigned char d[32];
    char h[65];
    yb_sha256("abc", 3, d);
    hex(d, 32, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* RFC 4231 test case 2 */
    yb_hmac256 m;
    yb_hmac256_init(&m, (const unsigned char *)"Jefe", 4);
    yb_hmac256_update(&m, "what do ya want ", 16);
    yb_hmac256_update(&m, "for nothing?", 12);
    yb_hmac256_final(&m, d);
    hex(d, 32, h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_against_sodium(void **state) {
    (void)state;
    assert_true(sodium_init() >= 0);
    unsigned char msg[300], key[100];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)(i * 37 + 11);
    for (size_t i = 0; i < sizeof key; i++) key[i] = (unsigned char)(i * 13 + 5);
    static const size_t klens[] = {0, 32, 64, 100};
    for (size_t n = 0; n <= sizeof msg; n++) {
        unsigned char a[32], b[32];
        yb_sha256(msg, n, a);
        crypto_hash_sha256(b, msg, n);
        assert_memory_equal(a, b, 32);
        for (size_t k = 0; k < sizeof klens / sizeof klens[0]; k++) {
            crypto_auth_hmacsha256_state s;
            crypto_auth_hmacsha256_init(&s, key, klens[k]);
            crypto_auth_hmacsha256_update(&s, msg, n);
            crypto_auth_hmacsha256_final(&s, b);
            yb_hmac256 m;
            yb_hmac256_init(&m, key, klens[k]);
            size_t at = 0, step = 1 + n % 7; /* uneven pieces */
            while (at < n) {
                size_t c = n - at < step ? n - at : step;
                yb_hmac256_update(&m, msg + at, c);
                at += c;
                step = step * 2 + 1;
            }
            yb_hmac256_final(&m, a);
            assert_memory_equal(a, b, 32);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_against_sodium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
