/*
 * fuzz_textpack.c — libFuzzer target for packed replies (src/store/textpack.c).
 *
 * Invariants checked on every input:
 *  - unpacking the input as a blob either fails, or gives text of the stated length with no NUL
 *    byte, which packs again (when packing makes it smaller) and unpacks to the same text;
 *  - the input taken as text (up to its first NUL) packs to a blob that is smaller than the text
 *    and unpacks to exactly the text, or is left as text;
 *  - nothing crashes, leaks or reads out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/textpack.h"

static void roundtrip(const char *t, size_t n) {
    unsigned char *b;
    size_t bn;
    if (yb_pack_text(t, n, &b, &bn, NULL) != YB_OK) abort();
    if (!b) return; /* short, or not smaller packed: stored as text */
    if (bn >= n || b[0] != 1) abort();
    char *u;
    size_t un;
    if (yb_unpack_text(b, bn, &u, &un, NULL) != YB_OK) abort();
    if (un != n || memcmp(u, t, n) || u[n]) abort();
    free(u);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *u;
    size_t un;
    yb_err e = {0};
    yb_rc rc = yb_unpack_text(data, size, &u, &un, &e);
    if (rc == YB_OK) {
        if (!u || un == 0 || un > YB_PACK_MAX || strlen(u) != un) abort();
        roundtrip(u, un);
        free(u);
    } else if (rc != YB_E_INVALID || u || !e.msg[0]) {
        abort();
    }
    size_t tn = strnlen((const char *)data, size);
    roundtrip((const char *)data, tn);
    return 0;
}
