/*
 * str.h — small string helpers used on every request.
 */
#ifndef YIBAO_STR_H
#define YIBAO_STR_H

#include <stddef.h>
#include <string.h>

/* Copy src into dst (cap bytes, cap >= 1): cut at cap - 1 bytes and always terminated, as
 * snprintf(dst, cap, "%s", src) does, without the formatting machinery. A NULL src copies "".
 * Returns dst. */
static inline char *yb_scopy(char *dst, size_t cap, const char *src) {
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

/* Append src at dst's end (dst holds text; cap bytes in all), cut and terminated as yb_scopy:
 * the "%s%s" of snprintf without its machinery. Returns dst. */
static inline char *yb_scat(char *dst, size_t cap, const char *src) {
    size_t have = strnlen(dst, cap - 1);
    yb_scopy(dst + have, cap - have, src);
    return dst;
}

/* v in decimal, at least `width` digits (zeros in front), into b (24 bytes are enough for any
 * long long and width <= 22): snprintf's "%0*lld". Returns b. */
static inline char *yb_sint(char *b, long long v, int width) {
    char t[24];
    size_t n = 0, w = width < 0 ? 0 : width > 22 ? 22 : (size_t)width;
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        t[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m && n < 20); /* 20 digits hold any unsigned long long */
    while (n < w) t[n++] = '0';
    char *o = b;
    if (v < 0) *o++ = '-';
    while (n) *o++ = t[--n];
    *o = '\0';
    return b;
}

#endif
