/*
 * digest.c — SHA-256 and HMAC-SHA-256 on OpenSSL (see include/yibao/digest.h).
 *
 * OpenSSL's low-level SHA256_* calls are deprecated in 3.0 in favour of EVP, but they are the same
 * code (with the SHA-NI path) without EVP's per-call lookups, and their context is a plain struct
 * that an HMAC can hold by value.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "yibao/digest.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((yb_hmac256 *)0)->inner), "SHA256_CTX does not fit in yb_hmac256");

void yb_sha256(const void *p, size_t n, unsigned char out[YB_SHA256_BYTES]) {
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, p, n);
    SHA256_Final(out, &c);
}

void yb_hmac256_init(yb_hmac256 *h, const unsigned char *key, size_t keylen) {
    unsigned char k[SHA256_CBLOCK], pad[SHA256_CBLOCK];
    memset(k, 0, sizeof k);
    if (keylen > sizeof k) yb_sha256(key, keylen, k); /* a long key is hashed first (RFC 2104) */
    else if (keylen) memcpy(k, key, keylen);
    SHA256_CTX *in = (SHA256_CTX *)(void *)h->inner, *out = (SHA256_CTX *)(void *)h->outer;
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = (unsigned char)(k[i] ^ 0x36);
    SHA256_Init(in);
    SHA256_Update(in, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++) pad[i] = (unsigned char)(k[i] ^ 0x5c);
    SHA256_Init(out);
    SHA256_Update(out, pad, sizeof pad);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
}

void yb_hmac256_update(yb_hmac256 *h, const void *p, size_t n) { SHA256_Update((SHA256_CTX *)(void *)h->inner, p, n); }

void yb_hmac256_final(yb_hmac256 *h, unsigned char out[YB_SHA256_BYTES]) {
    unsigned char mid[SHA256_DIGEST_LENGTH];
    SHA256_Final(mid, (SHA256_CTX *)(void *)h->inner);
    SHA256_CTX *o = (SHA256_CTX *)(void *)h->outer;
    SHA256_Update(o, mid, sizeof mid);
    SHA256_Final(out, o);
    OPENSSL_cleanse(h, sizeof *h);
}
