/*
 * fuzz_decimal.c — libFuzzer target for the decimal, date and ID-number parsers.
 *
 * Invariants checked: a decimal that parses formats back to text that parses to the same value;
 * a datetime that parses formats back to the same instant; nothing crashes or reads out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/date.h"
#include "yibao/idcard.h"
#include "yibao/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    for (int scale = 0; scale <= 6; scale++) {
        for (int neg = 0; neg <= 1; neg++) {
            int64_t v;
            if (yb_dec_parse(s, size, scale, neg, &v) == YB_OK) {
                char buf[48];
                yb_dec_fmt(v, scale, buf);
                int64_t w;
                if (yb_dec_parse(buf, strlen(buf), scale, 1, &w) != YB_OK || w != v) abort();
                if (!neg && v < 0) abort();
            }
        }
    }
    yb_datetime t;
    if (yb_datetime_parse(s, size, &t) == YB_OK) {
        char buf[24];
        yb_datetime_fmt(t, buf);
        yb_datetime u;
        if (yb_datetime_parse(buf, strlen(buf), &u) != YB_OK || u != t) abort();
    }
    yb_err e;
    yb_err_clear(&e);
    yb_date birth;
    int sex;
    if (yb_idcard_check(s, size, YB_DATE_NONE, &birth, &sex, &e) == YB_OK && sex != 1 && sex != 2) abort();
    return 0;
}
