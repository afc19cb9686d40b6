/*
 * sign.h — request signatures of the institution interface (io/sign.c, OpenSSL).
 *
 * Headers: `x-ca-key: <fixmedins_code>`, `x-ca-signature: <ts>:<HEX>` where HEX is the 64 upper-case
 * hex digits of HMAC-SM3(key = the institution's secret, message = ts + "\n" + the body bytes) and ts is
 * Unix time in seconds as decimal text.
 */
#ifndef YIBAO_SIGN_H
#define YIBAO_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/rc.h"

/* HMAC-SM3 as 64 upper-case hex digits plus NUL. */
yb_rc yb_hmac_sm3_hex(const char *key, size_t klen, const char *msg, size_t mlen, char out[65]);

/* Verify `signature` ("ts:HEX") over body with secret, accepting |now - ts| <= window seconds.
 * YB_E_PERM with a reason (malformed, stale, wrong signature) otherwise; the comparison takes the
 * same time whatever the digits. */
yb_rc yb_sign_verify(const char *secret, const char *signature, const char *body, size_t len, int64_t now,
                     int64_t window, yb_err *err);

#endif
