/*
 * fileio.c — reading a whole file with a bound (see include/yibao/fileio.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/fileio.h"

char *yb_file_read(const char *path, size_t max, size_t *len, yb_err *err) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot open the file");
        yb_err_at(err, path, 0);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n + 1 >= cap) {
            if (cap > max) {
                free(b);
                b = NULL;
                yb_err_set(err, YB_E_LIMIT, NULL, NULL, "file larger than %zu bytes", max);
                yb_err_at(err, path, 0);
                break;
            }
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t r = fread(b + n, 1, cap - n - 1, f);
        if (!r) break;
        n += r;
    }
    int bad = f != stdin && ferror(f);
    if (f != stdin) fclose(f);
    if (b && bad) {
        free(b);
        b = NULL;
        yb_err_set(err, YB_E_IO, NULL, NULL, "read error");
        yb_err_at(err, path, 0);
    }
    if (!b && err && !err->rc) yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (b) {
        b[n] = '\0';
        *len = n;
    }
    return b;
}
