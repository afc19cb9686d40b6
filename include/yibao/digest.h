/*
 * digest.h — SHA-256 and HMAC-SHA-256 (io/digest.c), on OpenSSL's implementation, which uses the
 * processor's SHA instructions where it has them: the same results as libsodium's
 * crypto_hash_sha256 and crypto_auth_hmacsha256, several times faster. Used where a hash is taken
 * on every request (the message body, the audit log's chain).
 */
#ifndef YIBAO_DIGEST_H
#define YIBAO_DIGEST_H

#include <stddef.h>

#define YB_SHA256_BYTES 32

void yb_sha256(const void *p, size_t n, unsigned char out[YB_SHA256_BYTES]);

/* HMAC-SHA-256 in steps: init with the key (any length), update any number of times, final. */
typedef struct yb_hmac256 {
    _Alignas(16) unsigned char inner[128]; /* SHA256_CTX of the inner hash */
    _Alignas(16) unsigned char outer[128]; /* and of the outer one, keyed */
} yb_hmac256;
void yb_hmac256_init(yb_hmac256 *h, const unsigned char *key, size_t keylen);
void yb_hmac256_update(yb_hmac256 *h, const void *p, size_t n);
void yb_hmac256_final(yb_hmac256 *h, unsigned char out[YB_SHA256_BYTES]);

#endif
