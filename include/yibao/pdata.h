/*
 * pdata.h — the database key and personal data at rest (store/pdata.c).
 *
 * Every database has a key file outside it: $YIBAO_KEY_FILE, else the database path + ".key"
 * (64 hex digits, mode 0600, made by the first open that finds neither the file nor a key record).
 * The database records a check value of the key, so a wrong or missing key file is refused at
 * open. Subkeys (libsodium crypto_kdf) serve three purposes: sealing personal data (secretbox,
 * random nonce), keyed lookup hashes of ID numbers (BLAKE2b), and the MACs of the audit-log chain.
 * An in-memory database gets a random key of its own.
 *
 * Personal data — ID number, name, phone, address — is stored only sealed; an ID number is found
 * by its keyed hash. Nothing here logs or prints a plaintext.
 */
#ifndef YIBAO_PDATA_H
#define YIBAO_PDATA_H

#include <stddef.h>

#include "yibao/rc.h"
#include "yibao/store.h"

#define YB_KEY_BYTES 32
#define YB_LOOKUP_BYTES 32

enum yb_key_use { YB_KEY_SEAL = 1, YB_KEY_LOOKUP = 2, YB_KEY_AUDIT = 3, YB_KEY_CHECK = 4 };

/* The key file path for a database path (into out; "" for an in-memory database). */
void yb_key_path(const char *db_path, char *out, size_t cap);
/* Load (or, for a database without a key record, create) the key; called by yb_db_open. */
yb_rc yb_key_attach(yb_db *db, const char *db_path, yb_err *err);
/* The subkey of a use (YB_KEY_BYTES bytes), valid while db is open. */
const unsigned char *yb_db_subkey(yb_db *db, enum yb_key_use use);

/* Seal n bytes of personal data into a malloc'd blob (*out, *out_len). */
yb_rc yb_pd_seal(yb_db *db, const char *plain, size_t n, unsigned char **out, size_t *out_len, yb_err *err);
/* Open a sealed blob into out (NUL-terminated); YB_E_DB when it does not open with this key. */
yb_rc yb_pd_open(yb_db *db, const void *blob, size_t n, char *out, size_t cap, yb_err *err);
/* Keyed lookup hash of a value of a field (the field name is part of the hash). */
void yb_pd_lookup(yb_db *db, const char *field, const char *value, size_t n, unsigned char out[YB_LOOKUP_BYTES]);

/* Internal to the store: set/get the key material kept with the handle. */
unsigned char *yb__db_keybuf(yb_db *db);
/* Seal persons rows that still hold plaintext (written before schema version 4) and institutions'
 * signing secrets stored in the clear (before version 11). */
yb_rc yb__pd_seal_plain(yb_db *db, yb_err *err);

#endif
