/*
 * fsi.h — the national platform's institution interface, independent of HTTP (service/fsi.c).
 *
 * One request is one envelope {infno, msgid, mdtrtarea_admvs, insuplc_admdvs, fixmedins_code,
 * sign_no, opter, input, ...}; one reply is {infcode, inf_refmsgid, refmsg_time, respond_time,
 * err_msg, warn_msg, output}. Any failure is infcode -1 with a precise err_msg naming the field
 * and value, and changes nothing. The same msgid with the same body returns the recorded reply
 * and applies nothing twice; the same msgid with another body is refused.
 *
 * Transactions: 9001/9002 sign-in/out, 1101 person, 1201 institution, 2201/2202 outpatient
 * register/cancel, 2203/2203A visit information, 2204/2205 fee upload/cancel (the upload returns
 * the per-line split), 2206/2207/2208 pre-settle/settle/cancel, 2601 reversal by original msgid.
 * Every transaction but 9001 needs the sign_no of a current sign-in of the same institution.
 */
#ifndef YIBAO_FSI_H
#define YIBAO_FSI_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/rc.h"
#include "yibao/refdata.h"
#include "yibao/store.h"

typedef struct yb_fsi {
    yb_db *db;
    const yb_refdata *rd;
    char area[8];          /* receiver area for inf_refmsgid (6 digits) */
    unsigned long seq;     /* inf_refmsgid sequence (atomic) */
    const struct yb_audit_ruleset *rules; /* audit rules run before each settlement; NULL = none */
    /* A context that only reads (yb_fsi_is_read's transactions) on a connection of its own: its
     * transactions begin with BEGIN, not BEGIN IMMEDIATE, and any other transaction is refused;
     * seqp, when set, is the sequence of inf_refmsgid shared with the context that writes. */
    int readonly;
    unsigned long *seqp;
} yb_fsi;

/* Signature headers of a request (NULL when absent) and the receiver's clock. */
typedef struct yb_fsi_auth {
    const char *key;        /* x-ca-key: the signing institution's code */
    const char *signature;  /* x-ca-signature: ts:HEX */
    int64_t now;            /* Unix seconds */
    int64_t window;         /* accepted clock difference in seconds (default 300 when 0) */
} yb_fsi_auth;

/* Handle one request body. *reply is a heap JSON string (always set, also for refusals);
 * the return value is YB_OK when the transaction succeeded, else the refusal's code.
 * Signatures (include/yibao/sign.h): an institution with a secret must sign every request and the
 * envelope's fixmedins_code must be the signer; a signature from an institution without a secret, a
 * stale timestamp or a wrong signature is refused. Institutions without a secret may send unsigned
 * requests (for tests and closed networks). */
yb_rc yb_fsi_handle(yb_fsi *f, const char *body, size_t len, const yb_fsi_auth *auth, char **reply);
/* The same in two steps, so that the first can run on the thread that read the request while the
 * store's writer is busy: yb_fsi_prepare notes the receive time, hashes the body and parses it (no
 * store, thread-safe); yb_fsi_handle_pre then does the rest on the writer (signature first, then
 * the parse's result). yb_fsi_pre_release frees p afterwards (or unhandled), on any thread: the
 * server frees the parse on the HTTP thread when the reply has been sent. */
typedef struct yb_fsi_pre {
    char recv[18];            /* yyyyMMddHHmmssSSS */
    char hash[72];            /* sha256:HEX of the body */
    struct json_object *root; /* the parsed body, or NULL with rc and err */
    yb_rc rc;
    yb_err err;
} yb_fsi_pre;
void yb_fsi_prepare(const char *body, size_t len, yb_fsi_pre *p);
yb_rc yb_fsi_handle_pre(yb_fsi *f, const char *body, size_t len, const yb_fsi_auth *auth, yb_fsi_pre *p,
                        char **reply);
void yb_fsi_pre_release(yb_fsi_pre *p);
/* 1 when the prepared request is a transaction that only reads (no record in the message log, no
 * settlement run): a query, a catalogue page, person or institution information, the benefit check,
 * the audit analysis, the reconciliation of totals. It may then run on a readonly context. */
int yb_fsi_is_read(const yb_fsi_pre *p);
/* The refusal envelope (infcode -1, err_msg from e) for a request that could not be answered,
 * e.g. when the group commit it was part of failed. Heap string. */
char *yb_fsi_error_reply(yb_fsi *f, const yb_err *e);

#endif
