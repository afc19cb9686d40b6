/*
 * fileio.h — reading a whole (bounded) file into memory (io/fileio.c).
 */
#ifndef YIBAO_FILEIO_H
#define YIBAO_FILEIO_H

#include <stddef.h>

#include "yibao/rc.h"

/* Read path ("-" = standard input) into a NUL-terminated heap buffer of *len bytes (caller frees).
 * NULL on error: YB_E_IO naming the file, or YB_E_LIMIT when it is larger than max bytes. */
char *yb_file_read(const char *path, size_t max, size_t *len, yb_err *err);

#endif
