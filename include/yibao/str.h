/*
 * str.h — small string helpers used on every request.
 */
#ifndef YIBAO_STR_H
#define YIBAO_STR_H

#include <stddef.h>
#include <string.h>

/* Copy src into dst (cap bytes, cap >= 1): cut at cap - 1 bytes and always terminated, as
 * snprintf(dst, cap, "%s", src) does, without the formatting machinery. A NULL src copies "". */
static inline void yb_scopy(char *dst, size_t cap, const char *src) {
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

#endif
