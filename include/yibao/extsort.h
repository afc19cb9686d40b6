/*
 * extsort.h — external sort of byte-keyed records, and the person keys of the extract tables
 * (io/extsort.c).
 *
 * A sorter takes records (a key and opaque data) in any order and gives them back in key order
 * (memcmp order of the keys, shorter first on a tie; equal keys in an unspecified order, so make
 * keys unique when order matters, e.g. with an input sequence number). Records are appended to an
 * arena of run_bytes; when it is full it is sorted and written to a temporary file in `dir`
 * (unlinked at once: it vanishes with the process, even on a crash). Runs are merged MAX_FANIN
 * (64) at a time like a base-64 counter, so every record is rewritten only log_64(input / run)
 * times and few files are open at once. With one run nothing touches the disk. Memory is bounded
 * by run_bytes plus one head record per open run — not by the size of the input.
 *
 * Person keys group the rows of one person together: 8 bytes of a hash of psn_no (big-endian,
 * so nearly every comparison is decided by one 64-bit compare), psn_no, then fields separated by
 * \1. Persons come out in an order fixed by the hash; a person's records in the order of the
 * fields that follow.
 *
 * Lifecycle: yb_extsort_new, yb_extsort_add ..., yb_extsort_finish, then yb_extsort_peek /
 * yb_extsort_next until peek returns NULL; yb_extsort_free (NULL is fine) at any point. A record
 * returned by peek is valid until the next call of next (copy what you keep).
 */
#ifndef YIBAO_EXTSORT_H
#define YIBAO_EXTSORT_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/rc.h"

/* A record: len bytes follow the header, the key (keylen bytes) then the data. Fields after the
 * key are at any alignment: read them with memcpy. */
typedef struct yb_extsort_rec {
    uint32_t len;
    uint32_t keylen;
    char b[];
} yb_extsort_rec;

/* Counters that several sorters of one job may share (all start at 0). */
typedef struct yb_extsort_stats {
    size_t open_files;   /* run files open now */
    size_t peak_files;   /* run files open at the same time, at most */
    size_t runs;         /* runs written */
} yb_extsort_stats;

typedef struct yb_extsort yb_extsort;

/* A sorter with an arena of run_bytes (at least 4096: smaller values are raised) spilling into
 * the existing directory dir; st may be NULL. YB_E_NOMEM. */
yb_rc yb_extsort_new(size_t run_bytes, const char *dir, yb_extsort_stats *st, yb_extsort **out, yb_err *err);
/* Add a record. YB_E_LIMIT when it is larger than the arena, YB_E_IO on a write error of a run
 * (disk full), YB_E_NOMEM. */
yb_rc yb_extsort_add(yb_extsort *s, const void *key, uint32_t keylen, const void *data, uint32_t dlen, yb_err *err);
/* No more input: sort what is in memory or prepare the final merge. */
yb_rc yb_extsort_finish(yb_extsort *s, yb_err *err);
/* Take over everything added to o before s is finished (o's records in memory are added to s,
 * or, when neither has runs, s takes o's memory over as it is; its runs join s's): records added
 * to two sorters on two threads come out of one. o is left empty, to be freed: nothing more may be
 * added to it. */
yb_rc yb_extsort_absorb(yb_extsort *s, yb_extsort *o, yb_err *err);
/* The smallest record not yet consumed, NULL at the end. */
const yb_extsort_rec *yb_extsort_peek(const yb_extsort *s);
/* Consume it. YB_E_IO when a run cannot be read back. */
yb_rc yb_extsort_next(yb_extsort *s, yb_err *err);
void yb_extsort_free(yb_extsort *s);

/* ------------------------------------------------------------------ person keys */

#define YB_EXTSORT_KEY_MAX 320

typedef struct yb_extsort_key {
    char b[YB_EXTSORT_KEY_MAX];
    uint32_t n;
} yb_extsort_key;

/* Start a key with H psn_no (psn_no cut to 40 bytes; longer ones are errors of the row anyway). */
void yb_extsort_key_person(yb_extsort_key *k, const char *psn_no);
/* Append \1 and s (cut to 64 bytes, and to what fits in the key). */
void yb_extsort_key_add(yb_extsort_key *k, const char *s);
/* Bytes of the person part of a record's key: H psn_no, up to the first \1 after H. */
size_t yb_extsort_person_len(const yb_extsort_rec *r);
/* Compare the person parts of two records' keys (memcmp order, as the sort). */
int yb_extsort_person_cmp(const yb_extsort_rec *a, const yb_extsort_rec *b);
/* Is r's person that of `who`, whose person part is its first n bytes (yb_extsort_person_len)? */
int yb_extsort_person_is(const yb_extsort_rec *r, const yb_extsort_rec *who, size_t n);
/* Field i (0 = psn_no) of a person key, between \1 separators; *n its length. */
const char *yb_extsort_key_field(const char *key, uint32_t keylen, int i, size_t *n);

#endif
