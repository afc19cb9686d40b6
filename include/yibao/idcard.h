/*
 * idcard.h — resident identity card numbers (GB 11643-1999, 18 characters).
 *
 * 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male), check character
 * (0-9 or X) computed by ISO 7064 MOD 11-2. A lowercase x is accepted and treated as X.
 */
#ifndef YIBAO_IDCARD_H
#define YIBAO_IDCARD_H

#include <stddef.h>
#include "yibao/date.h"

/* Validate s[0..n). On success, if the pointers are non-NULL, *birth gets the birth date and
 * *sex 1 (male) or 2 (female), the codes of the national `gend` dictionary.
 * YB_E_INVALID with err detail naming field "certno" (value masked) for a wrong length,
 * a non-digit, an impossible birth date, a birth date in the future of `today` (pass
 * YB_DATE_NONE to skip that check) or a wrong check character. */
yb_rc yb_idcard_check(const char *s, size_t n, yb_date today, yb_date *birth, int *sex, yb_err *err);
/* The check character ('0'..'9' or 'X') for the first 17 digits. */
char yb_idcard_check_char(const char *first17);

#endif
