/*
 * rc.h — result codes and error detail, shared by every layer.
 *
 * Every fallible function returns a yb_rc. YB_OK is 0; the numbers are stable and never reused,
 * because they appear in logs, exit codes and the interface's replies. A refused claim or an
 * audit hit is a decision, not an error: those are values, never yb_rc.
 *
 * An optional yb_err * carries the detail of the FIRST error (later calls of yb_err_set do not
 * overwrite it): which file, which line, which field and which value. Personal data (ID numbers,
 * names, phone numbers, addresses) is masked by yb_err_set before it is stored, so an error can
 * be printed or logged as it is.
 */
#ifndef YIBAO_RC_H
#define YIBAO_RC_H

#include <stddef.h>

typedef enum yb_rc {
    YB_OK = 0,
    YB_E_NOMEM = 1,       /* allocation failed */
    YB_E_INVALID = 2,     /* malformed input: syntax, missing field, bad code */
    YB_E_OVERFLOW = 3,    /* a number does not fit, or an amount overflows */
    YB_E_PRECISION = 4,   /* more decimals than the field allows */
    YB_E_NOTFOUND = 5,    /* a referenced thing does not exist */
    YB_E_IO = 6,          /* reading or writing a file failed */
    YB_E_DB = 7,          /* the database refused or failed */
    YB_E_STATE = 8,       /* the action is not allowed in the current state (e.g. reversed twice) */
    YB_E_MISMATCH = 9,    /* two values that must agree do not (e.g. sumamt vs cnt x pric) */
    YB_E_DUPLICATE = 10,  /* a key that must be unique is repeated */
    YB_E_POLICY = 11,     /* the policy does not cover the request (unknown insutype, area, date) */
    YB_E_LIMIT = 12,      /* a bound on input size or count was exceeded */
    YB_E_USAGE = 13,      /* command-line usage error */
    YB_E_PERM = 14,       /* not allowed for this caller */
    YB_E_INTERNAL = 15,   /* a bug: an invariant did not hold */
    YB_RC_COUNT_ = 16
} yb_rc;

/* Detail of the first error. All strings are NUL-terminated and truncated to fit. */
typedef struct yb_err {
    yb_rc rc;            /* YB_OK while no error has been recorded */
    char file[160];      /* input file (or "-" / JSON document name), "" if none */
    long line;           /* 1-based line (CSV data line counting the header as line 1), 0 if none */
    char field[96];      /* field name or JSON path, e.g. "insutypes.310.blocks[0].ratio.1" */
    char value[96];      /* offending value, masked when the field holds personal data */
    char msg[256];       /* lowercase English explanation, e.g. "more than 2 decimals" */
} yb_err;

/* Stable identifier of a code, e.g. "invalid", "overflow". */
const char *yb_rc_str(yb_rc rc);
/* Process exit code for the CLI (0 for YB_OK, 1 for usage, 2.. for the others). */
int yb_rc_exit(yb_rc rc);

void yb_err_clear(yb_err *e);
/* Record an error if e is non-NULL and holds none yet. field/value may be NULL. Returns rc, so
 * callers can write `return yb_err_set(err, YB_E_INVALID, "cnt", s, "not a number");`.
 * The value is masked when the field names personal data (see yb_mask_field). */
yb_rc yb_err_set(yb_err *e, yb_rc rc, const char *field, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Add location to an error already recorded (only fills file/line if they are still empty). */
void yb_err_at(yb_err *e, const char *file, long line);
/* Format "FILE:LINE: field 'F' value 'V': msg (rc)" into buf. Returns buf. */
const char *yb_err_fmt(const yb_err *e, char *buf, size_t cap);

/* True when a field name holds personal data that must be masked in logs and errors
 * (certno, mdtrt_cert_no, psn_name, tel, addr, coner_name ...). */
int yb_is_personal_field(const char *field);
/* Mask a personal value into out: keep the first 3 and last 2 characters of long values,
 * replace the rest by '*'; names keep the first character only. */
void yb_mask(const char *field, const char *value, char *out, size_t cap);

#endif
