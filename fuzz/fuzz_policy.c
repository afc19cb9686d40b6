/*
 * fuzz_policy.c — libFuzzer target for the policy loader and writer (JSON syntax, duplicate keys,
 * schema, limits): any input either loads into a policy that passes yb_policy_validate or is
 * refused with an error that names what is wrong; a loaded policy written by yb_policy_to_json
 * loads back to the same struct byte for byte and writes the same text again; nothing crashes
 * or leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_policy_from_json((const char *)data, size, "fuzz.json", &p, &e);
    if (rc != YB_OK) {
        if (p || e.rc == YB_OK) abort();
        return 0;
    }
    if (!p || yb_policy_validate(p, NULL) != YB_OK) abort();
    char *t1 = yb_policy_to_json(p);
    if (!t1) abort();
    yb_policy *q = NULL;
    if (yb_policy_from_json(t1, strlen(t1), "canonical.json", &q, NULL) != YB_OK) abort();
    if (memcmp(p, q, sizeof *p) != 0) abort();
    char *t2 = yb_policy_to_json(q);
    if (!t2 || strcmp(t1, t2) != 0) abort();
    free(t2);
    free(t1);
    free(q);
    free(p);
    return 0;
}
