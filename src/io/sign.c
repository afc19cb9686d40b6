/*
 * sign.c — HMAC-SM3 request signatures (see include/yibao/sign.h).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/sign.h"

yb_rc yb_hmac_sm3_hex(const char *key, size_t klen, const char *msg, size_t mlen, char out[65]) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest[] = "SM3";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t n = 0;
    int ok = ctx && EVP_MAC_init(ctx, (const unsigned char *)key, klen, params) &&
             EVP_MAC_update(ctx, (const unsigned char *)msg, mlen) && EVP_MAC_final(ctx, md, &n, sizeof md) && n == 32;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok) return YB_E_INTERNAL;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return YB_OK;
}

yb_rc yb_sign_verify(const char *secret, const char *signature, const char *body, size_t len, int64_t now,
                     int64_t window, yb_err *err) {
    if (!signature || !*signature)
        return yb_err_set(err, YB_E_PERM, "x-ca-signature", "", "签名缺失 (the request is not signed)");
    const char *colon = strchr(signature, ':');
    size_t tl = colon ? (size_t)(colon - signature) : 0;
    if (!colon || tl == 0 || tl > 12 || strlen(colon + 1) != 64)
        return yb_err_set(err, YB_E_PERM, "x-ca-signature", signature, "签名格式错误 (expected ts:64 hex digits)");
    int64_t ts = 0;
    for (size_t i = 0; i < tl; i++) {
        if (signature[i] < '0' || signature[i] > '9')
            return yb_err_set(err, YB_E_PERM, "x-ca-signature", signature, "签名时间戳错误 (ts is not a number)");
        ts = ts * 10 + (signature[i] - '0');
    }
    if (ts < now - window || ts > now + window)
        return yb_err_set(err, YB_E_PERM, "x-ca-signature", signature,
                          "签名已过期 (timestamp outside the %lld-second window)", (long long)window);
    /* message = ts + "\n" + body */
    char *msg = malloc(tl + 1 + len);
    if (!msg) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    memcpy(msg, signature, tl);
    msg[tl] = '\n';
    if (len) memcpy(msg + tl + 1, body, len);
    char want[65];
    yb_rc rc = yb_hmac_sm3_hex(secret, strlen(secret), msg, tl + 1 + len, want);
    free(msg);
    if (rc) return yb_err_set(err, rc, NULL, NULL, "HMAC-SM3 unavailable");
    char got[65];
    for (int i = 0; i < 64; i++) {
        char ch = colon[1 + i];
        got[i] = (ch >= 'a' && ch <= 'f') ? (char)(ch - 32) : ch;
    }
    got[64] = '\0';
    if (CRYPTO_memcmp(got, want, 64) != 0)
        return yb_err_set(err, YB_E_PERM, "x-ca-signature", NULL, "签名验证失败 (wrong signature)");
    return YB_OK;
}
