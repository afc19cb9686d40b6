/*
 * money_int.h — internals of money.c for tests and fuzzing (not part of the API).
 */
#ifndef YIBAO_CORE_MONEY_INT_H
#define YIBAO_CORE_MONEY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/rc.h"

/* yb_dec_parse without its one-pass path for plain forms: every input goes through the general
 * parser. yb_dec_parse must give the same rc and value for every input (fuzz_decimal checks). */
yb_rc yb__dec_parse_general(const char *s, size_t n, int scale, int allow_neg, int64_t *out);

#endif
