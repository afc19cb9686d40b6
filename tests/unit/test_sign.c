/*
 * test_sign.c — HMAC-SM3 request signatures: a known vector, and every refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/sign.h"

static void test_vector(void **state) {
    (void)state;
    char out[65];
    /* HMAC-SM3(key "secret", "abc"), as computed independently by OpenSSL's `openssl mac` */
    assert_int_equal(yb_hmac_sm3_hex("secret", 6, "abc", 3, out), YB_OK);
    assert_string_equal(out, "96042A28529E7A438AF81EECE5B293E0699F481FD372C08C5AC01B8DC4B81856");
}

static void test_verify(void **state) {
    (void)state;
    const char *body = "{\"infno\":\"9001\"}";
    char msg[64], hex[65], sig[96];
    snprintf(msg, sizeof msg, "1700000000\n%s", body);
    assert_int_equal(yb_hmac_sm3_hex("k3y-k3y-k3y-k3y!", 16, msg, strlen(msg), hex), YB_OK);
    snprintf(sig, sizeof sig, "1700000000:%s", hex);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_sign_verify("k3y-k3y-k3y-k3y!", sig, body, strlen(body), 1700000100, 300, &e), YB_OK);
    /* lower-case hex is the same signature */
    for (char *p = sig + 11; *p; p++)
        if (*p >= 'A' && *p <= 'F') *p = (char)(*p + 32);
    assert_int_equal(yb_sign_verify("k3y-k3y-k3y-k3y!", sig, body, strlen(body), 1700000100, 300, &e), YB_OK);
    /* stale, other body, other key, malformed */
    assert_int_equal(yb_sign_verify("k3y-k3y-k3y-k3y!", sig, body, strlen(body), 1700000301, 300, &e), YB_E_PERM);
    assert_non_null(strstr(e.msg, "window"));
    yb_err_clear(&e);
    assert_int_equal(yb_sign_verify("k3y-k3y-k3y-k3y!", sig, "{}", 2, 1700000000, 300, &e), YB_E_PERM);
    assert_non_null(strstr(e.msg, "wrong signature"));
    yb_err_clear(&e);
    assert_int_equal(yb_sign_verify("another-key-0000", sig, body, strlen(body), 1700000000, 300, &e), YB_E_PERM);
    yb_err_clear(&e);
    assert_int_equal(yb_sign_verify("k", "1700000000", body, strlen(body), 1700000000, 300, &e), YB_E_PERM);
    yb_err_clear(&e);
    assert_int_equal(yb_sign_verify("k", "", body, strlen(body), 1700000000, 300, &e), YB_E_PERM);
    assert_non_null(strstr(e.msg, "not signed"));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_vector), cmocka_unit_test(test_verify)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
