/*
 * csv_int.h — internal hooks of the CSV reader for tests and fuzzing (not part of the API).
 */
#ifndef YIBAO_IO_CSV_INT_H
#define YIBAO_IO_CSV_INT_H

#include <stddef.h>

#include "yibao/csv.h"

/* yb_csv_open_mem with a window of `chunk` bytes at first and reads of at most `chunk` bytes, so
 * that records and fields straddle refills at every position (chunk 0 = the normal reader). */
yb_rc yb__csv_open_mem_chunked(const char *buf, size_t len, const char *name, size_t chunk, yb_csv **out,
                               yb_err *err);

/* Use the 32-byte (AVX2) fast path or not (it is on by default where the CPU has it); returns
 * whether it is on. Tests and the fuzzer run both paths. */
int yb__csv_set_avx2(yb_csv *c, int on);

#endif
