/*
 * pdata.c — the database key file and sealed personal data (see include/yibao/pdata.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yibao/pdata.h"

#define KDF_CONTEXT "yibaokey" /* crypto_kdf_CONTEXTBYTES = 8 */

static int is_memory(const char *p) { return !*p || !strcmp(p, ":memory:") || !strncmp(p, "file::memory:", 13); }

void yb_key_path(const char *db_path, char *out, size_t cap) {
    const char *env = getenv("YIBAO_KEY_FILE");
    if (is_memory(db_path)) snprintf(out, cap, "%s", "");
    else if (env && *env) snprintf(out, cap, "%s", env);
    else snprintf(out, cap, "%s.key", db_path);
}

const unsigned char *yb_db_subkey(yb_db *db, enum yb_key_use use) {
    return yb__db_keybuf(db) + YB_KEY_BYTES * (size_t)use;
}

static yb_rc key_err(yb_err *err, yb_rc rc, const char *path, const char *msg) {
    yb_err_set(err, rc, NULL, NULL, "%s", msg);
    yb_err_at(err, path, 0);
    return rc;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static yb_rc read_key(const char *path, unsigned char *master, int *missing, yb_err *err) {
    *missing = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *missing = 1;
            return YB_OK;
        }
        return key_err(err, YB_E_IO, path, "cannot open the key file");
    }
    struct stat sb;
    char buf[160];
    ssize_t n = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && !(sb.st_mode & 077)) n = read(fd, buf, sizeof buf);
    close(fd);
    if (!S_ISREG(sb.st_mode)) return key_err(err, YB_E_IO, path, "the key file is not a regular file");
    if (sb.st_mode & 077)
        return key_err(err, YB_E_PERM, path, "the key file may be read by group or others (chmod 600 it)");
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    if (n != 2 * YB_KEY_BYTES) return key_err(err, YB_E_INVALID, path, "the key file does not hold 64 hex digits");
    for (int i = 0; i < YB_KEY_BYTES; i++) {
        int hi = hexval((unsigned char)buf[2 * i]), lo = hexval((unsigned char)buf[2 * i + 1]);
        if (hi < 0 || lo < 0) return key_err(err, YB_E_INVALID, path, "the key file does not hold 64 hex digits");
        master[i] = (unsigned char)(hi * 16 + lo);
    }
    sodium_memzero(buf, sizeof buf);
    return YB_OK;
}

static yb_rc make_key(const char *path, unsigned char *master, yb_err *err) {
    randombytes_buf(master, YB_KEY_BYTES);
    char hex[2 * YB_KEY_BYTES + 2];
    sodium_bin2hex(hex, sizeof hex, master, YB_KEY_BYTES);
    size_t n = strlen(hex);
    hex[n++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return key_err(err, YB_E_IO, path, "cannot create the key file");
    int ok = write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0;
    close(fd);
    sodium_memzero(hex, sizeof hex);
    if (!ok) {
        unlink(path);
        return key_err(err, YB_E_IO, path, "cannot write the key file");
    }
    return YB_OK;
}

yb_rc yb_key_attach(yb_db *db, const char *db_path, yb_err *err) {
    if (sodium_init() < 0) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "libsodium failed to start");
    unsigned char master[YB_KEY_BYTES];
    unsigned char *kb = yb__db_keybuf(db);
    char path[600];
    yb_key_path(db_path, path, sizeof path);
    int mem = !path[0];
    long long stored = 0;
    int has_check = 0;
    yb_rc rc = YB_OK;
    if (mem) {
        randombytes_buf(master, sizeof master);
    } else {
        rc = yb_db_meta_get(db, "key_check", &stored, &has_check, err);
        int missing = 0;
        if (!rc) rc = read_key(path, master, &missing, err);
        if (!rc && missing) {
            if (has_check)
                return key_err(err, YB_E_NOTFOUND, path,
                               "the key file of this database is missing (personal data and the audit log need it)");
            rc = make_key(path, master, err);
        }
        if (rc) return rc;
    }
    memcpy(kb, master, YB_KEY_BYTES);
    for (int use = YB_KEY_SEAL; use <= YB_KEY_CHECK; use++)
        crypto_kdf_derive_from_key(kb + YB_KEY_BYTES * (size_t)use, YB_KEY_BYTES, (uint64_t)use, KDF_CONTEXT, master);
    sodium_memzero(master, sizeof master);
    if (mem) return YB_OK;
    uint64_t c;
    memcpy(&c, yb_db_subkey(db, YB_KEY_CHECK), sizeof c);
    long long check = (long long)(c & INT64_MAX);
    if (!has_check) {
        rc = yb_db_meta_set(db, "key_check", check, 1, err);
        if (!rc) rc = yb_db_meta_get(db, "key_check", &stored, &has_check, err);
        if (rc) return rc;
    }
    if (stored != check) return key_err(err, YB_E_MISMATCH, path, "the key file does not belong to this database");
    return YB_OK;
}

yb_rc yb_pd_seal(yb_db *db, const char *plain, size_t n, unsigned char **out, size_t *out_len, yb_err *err) {
    size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    unsigned char *b = malloc(len);
    if (!b) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    randombytes_buf(b, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(b + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain, n, b,
                          yb_db_subkey(db, YB_KEY_SEAL));
    *out = b;
    *out_len = len;
    return YB_OK;
}

yb_rc yb_pd_open(yb_db *db, const void *blob, size_t n, char *out, size_t cap, yb_err *err) {
    const unsigned char *b = blob;
    size_t over = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (n < over || n - over >= cap)
        return yb_err_set(err, YB_E_DB, NULL, NULL, "a sealed personal data field has a wrong length");
    if (crypto_secretbox_open_easy((unsigned char *)out, b + crypto_secretbox_NONCEBYTES, n - crypto_secretbox_NONCEBYTES,
                                   b, yb_db_subkey(db, YB_KEY_SEAL)) != 0)
        return yb_err_set(err, YB_E_DB, NULL, NULL, "a sealed personal data field does not open with this key");
    out[n - over] = '\0';
    return YB_OK;
}

void yb_pd_lookup(yb_db *db, const char *field, const char *value, size_t n, unsigned char out[YB_LOOKUP_BYTES]) {
    crypto_generichash_state s;
    crypto_generichash_init(&s, yb_db_subkey(db, YB_KEY_LOOKUP), YB_KEY_BYTES, YB_LOOKUP_BYTES);
    crypto_generichash_update(&s, (const unsigned char *)field, strlen(field) + 1);
    char up[64];
    if (!strcmp(field, "certno") && n < sizeof up) { /* an ID number's check character X in either case */
        for (size_t i = 0; i < n; i++) up[i] = value[i] == 'x' ? 'X' : value[i];
        value = up;
    }
    crypto_generichash_update(&s, (const unsigned char *)value, n);
    crypto_generichash_final(&s, out, YB_LOOKUP_BYTES);
}

/* Institutions' signing secrets stored in the clear (before schema version 11): sealed into
 * secret_e, secret set to NULL. Looked for at every open (a read of a small table), sealed in one
 * transaction when there are any. */
static yb_rc seal_inst_secrets(yb_db *db, yb_err *err) {
    sqlite3_stmt *sel = NULL, *put = NULL;
    yb_rc rc = yb_db_prepare(db, "SELECT count(*) FROM institutions WHERE secret IS NOT NULL", &sel, err);
    int any = !rc && sqlite3_step(sel) == SQLITE_ROW && sqlite3_column_int64(sel, 0) > 0;
    yb_db_done(sel);
    if (rc || !any) return rc;
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    rc = yb_db_prepare(db, "SELECT fixmedins_code, secret FROM institutions WHERE secret IS NOT NULL", &sel, err);
    if (!rc) rc = yb_db_prepare(db, "UPDATE institutions SET secret=NULL, secret_e=?2 WHERE fixmedins_code=?1", &put, err);
    while (!rc && sqlite3_step(sel) == SQLITE_ROW) {
        const char *secret = (const char *)sqlite3_column_text(sel, 1);
        unsigned char *se = NULL;
        size_t sl = 0;
        sqlite3_reset(put);
        sqlite3_bind_text(put, 1, (const char *)sqlite3_column_text(sel, 0), -1, SQLITE_TRANSIENT);
        if (secret && secret[0]) {
            rc = yb_pd_seal(db, secret, strlen(secret), &se, &sl, err);
            if (!rc) sqlite3_bind_blob(put, 2, se, (int)sl, free);
        } else {
            sqlite3_bind_null(put, 2); /* '' meant no secret */
        }
        if (!rc) rc = yb_db_step_done(db, put, err);
    }
    yb_db_done(sel);
    yb_db_done(put);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

/* Rows written before schema version 4 hold certno and psn_name in the clear: seal them once
 * (meta pd_sealed records that it was done). Then institutions' secrets (seal_inst_secrets). */
yb_rc yb__pd_seal_plain(yb_db *db, yb_err *err) {
    long long done = 0;
    int found = 0;
    yb_rc rc = yb_db_meta_get(db, "pd_sealed", &done, &found, err);
    if (rc) return rc;
    if (found && done) return seal_inst_secrets(db, err);
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    sqlite3_stmt *sel = NULL, *put = NULL;
    rc = yb_db_prepare(db, "SELECT psn_no, certno, psn_name FROM persons WHERE certno IS NOT NULL OR psn_name IS NOT NULL",
                       &sel, err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "UPDATE persons SET certno=NULL, psn_name=NULL, certno_h=?2, certno_e=?3, psn_name_e=?4"
                           " WHERE psn_no=?1",
                           &put, err);
    while (!rc && sqlite3_step(sel) == SQLITE_ROW) {
        const char *cert = (const char *)sqlite3_column_text(sel, 1);
        const char *name = (const char *)sqlite3_column_text(sel, 2);
        unsigned char h[YB_LOOKUP_BYTES], *ce = NULL, *ne = NULL;
        size_t cl = 0, nl = 0;
        sqlite3_reset(put);
        sqlite3_bind_text(put, 1, (const char *)sqlite3_column_text(sel, 0), -1, SQLITE_TRANSIENT);
        if (cert) {
            yb_pd_lookup(db, "certno", cert, strlen(cert), h);
            sqlite3_bind_blob(put, 2, h, sizeof h, SQLITE_TRANSIENT);
            rc = yb_pd_seal(db, cert, strlen(cert), &ce, &cl, err);
            if (!rc) sqlite3_bind_blob(put, 3, ce, (int)cl, free);
        } else {
            sqlite3_bind_null(put, 2);
            sqlite3_bind_null(put, 3);
        }
        if (!rc && name) {
            rc = yb_pd_seal(db, name, strlen(name), &ne, &nl, err);
            if (!rc) sqlite3_bind_blob(put, 4, ne, (int)nl, free);
        } else {
            sqlite3_bind_null(put, 4);
        }
        if (!rc) rc = yb_db_step_done(db, put, err);
    }
    yb_db_done(sel);
    yb_db_done(put);
    if (!rc) {
        rc = yb_db_meta_set(db, "pd_sealed", 1, 0, err);
    }
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc ? rc : seal_inst_secrets(db, err);
}
