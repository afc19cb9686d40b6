/*
 * csv.h — streaming RFC 4180 CSV reader and writer (io/csv.c).
 *
 * The reader reads one record at a time with bounded memory (a record larger than
 * YB_CSV_MAX_RECORD is an error naming the line), maps header names to column indexes, and
 * reports every error with file name and line number. UTF-8, optional BOM skipped, LF or CRLF.
 * Fields are returned as borrowed, NUL-terminated strings valid until the next yb_csv_next.
 */
#ifndef YIBAO_CSV_H
#define YIBAO_CSV_H

#include <stdio.h>
#include <stddef.h>
#include "yibao/rc.h"

#define YB_CSV_MAX_RECORD (1u << 20)   /* bytes per record */
#define YB_CSV_MAX_FIELDS 512

typedef struct yb_csv yb_csv;

/* Open a file ("-" = stdin) and read its header row. */
yb_rc yb_csv_open(const char *path, yb_csv **out, yb_err *err);
/* Same over an open stream (not closed by yb_csv_close); name is used in errors. */
yb_rc yb_csv_open_fp(FILE *fp, const char *name, yb_csv **out, yb_err *err);
/* Same over a memory buffer (copied or borrowed: borrowed, must outlive the reader). */
yb_rc yb_csv_open_mem(const char *buf, size_t len, const char *name, yb_csv **out, yb_err *err);
void yb_csv_close(yb_csv *c);
/* A reader of len bytes of the file at path from byte off, which must start a record, with the
 * header (and name) of `whole` (a reader of the same file) and `line` the line number there. For
 * reading a file in parts on several threads; only right when no quoted field spans the cut:
 * that holds exactly when the reader of the part before the cut (yb_csv_set_end) reaches its end
 * without yb_csv_ended_in_quote. */
yb_rc yb_csv_open_part(const yb_csv *whole, const char *path, size_t off, size_t len, long line, yb_csv **out,
                       yb_err *err);
/* Stop a file reader at byte `end` of its file (the cut of yb_csv_open_part); -1 when it already
 * read past it or reads no file. */
int yb_csv_set_end(yb_csv *c, size_t end);
/* 1 when yb_csv_next failed because the input ended inside a quoted field (for a reader stopped
 * at a cut: the cut is inside a record, and the parts must be read as one). */
int yb_csv_ended_in_quote(const yb_csv *c);
/* The physical line where the next record starts (after the last record: one past the input). */
long yb_csv_next_line(const yb_csv *c);

/* Column index of a header name, -1 when absent. */
int yb_csv_col(const yb_csv *c, const char *name);
/* Look up n required columns; YB_E_INVALID "missing column 'x'" naming the file otherwise. */
yb_rc yb_csv_require(const yb_csv *c, const char *const *names, size_t n, int *idx, yb_err *err);
size_t yb_csv_ncols(const yb_csv *c);
const char *yb_csv_header(const yb_csv *c, size_t i);

/* Read the next record: 1 = a record, 0 = end of input, -1 = error (err set, naming the line:
 * unterminated quote, record too large, wrong number of fields). */
int yb_csv_next(yb_csv *c, yb_err *err);
/* Field i of the current record ("" when i < 0 or beyond the record). len may be NULL. */
const char *yb_csv_field(const yb_csv *c, int i, size_t *len);
/* Only these columns will be asked for (negative ones are ignored): from the next record on, the
 * reader skips over the others faster, and yb_csv_field gives "" for them. Records are checked
 * as before (quotes, number of fields). Parts opened with yb_csv_open_part inherit it. */
void yb_csv_only(yb_csv *c, const int *cols, size_t n);
/* yb_csv_field of n columns at once: ptr[k], len[k] for cols[k]. */
void yb_csv_fields(const yb_csv *c, const int *cols, size_t n, const char **ptr, size_t *len);
/* Physical line number where the current record starts (header = 1). */
long yb_csv_line(const yb_csv *c);
const char *yb_csv_name(const yb_csv *c);

/* Writer helpers: quote when the field contains a comma, quote, CR or LF. */
void yb_csv_put(FILE *fp, const char *s, size_t n);
/* Write n fields and a LF. */
void yb_csv_put_row(FILE *fp, const char *const *fields, size_t n);

#endif
