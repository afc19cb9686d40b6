/*
 * fuzz_policy.c — libFuzzer target for the policy loader (JSON syntax, schema, limits):
 * any input either loads into a policy that passes yb_policy_validate or is refused with an
 * error that names what is wrong; nothing crashes or leaks.
 */
#include <stdint.h>
#include <stdlib.h>

#include "yibao/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_policy_from_json((const char *)data, size, "fuzz.json", &p, &e);
    if (rc == YB_OK) {
        if (!p || yb_policy_validate(p, NULL) != YB_OK) abort();
        free(p);
    } else if (p || e.rc == YB_OK) {
        abort();
    }
    return 0;
}
