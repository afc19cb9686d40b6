/*
 * walbuf.c — a VFS that gathers a transaction's writes to the WAL into one write (see
 * include/yibao/store.h, yb_db_buffer_wal).
 *
 * SQLite appends a commit to the WAL one frame at a time, and each frame as two writes (its
 * 24-byte header, then the page): a group commit of a few hundred pages is a few hundred system
 * calls, which on a virtual machine cost more than the rest of the commit. This VFS wraps the
 * default one. Files other than a WAL pass straight through. For a WAL, a write that continues
 * the one before is kept in memory, and the run goes to the file with one pwrite:
 *   - when the page of a commit frame has been added (a frame header whose "database size"
 *     field is not zero marks a commit; SQLite updates the WAL index, which makes the commit
 *     visible to other connections, only after that write has returned);
 *   - before any other operation on the file (read, sync, truncate, size, close, ...), and before
 *     a write somewhere else (a frame rewritten in place, the header of a restarted WAL);
 *   - when the buffer is full;
 * in pieces of 120 KiB (the unix VFS's limit per call).
 * So every byte reaches the file before anything could read it, a commit is in the file when
 * its last xWrite returns, and an error of the gathered write is the error of that xWrite.
 *
 * The database file itself is written only by checkpoints (WAL pages copied back), which end
 * with an fsync. Left to the kernel, a checkpoint's tens of megabytes would all go to the disk
 * in that fsync, and the syncer's fdatasync of the WAL (which every reply waits for) would queue
 * behind them for a tenth of a second. So every WRITEBACK_STEP bytes written to the database,
 * the kernel is asked to start writing them out (sync_file_range, SYNC_FILE_RANGE_WRITE: it does
 * not wait for the disk, and promises nothing; the fsync still does). Through a descriptor of
 * the VFS's own, since the unix VFS does not hand its out.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "yibao/store.h"

#define BUF_CAP (4u << 20)
#define FRAME_HDR 24

typedef struct wfile {
    sqlite3_file base;
    sqlite3_file *real;      /* the wrapped file, placed right after this struct */
    int wal;                 /* a WAL: writes are gathered */
    unsigned char *buf;      /* the gathered run, at offset off */
    size_t len, cap;
    sqlite3_int64 off;
    int commit_next;         /* the last write was a commit frame's header: flush after its page */
    int db_fd;               /* the main database: a descriptor for sync_file_range; else -1 */
    size_t db_written;       /* bytes written to it since the last sync_file_range */
} wfile;

#define WRITEBACK_STEP (4u << 20)

static sqlite3_vfs *base_vfs;
static sqlite3_vfs shim;

/* The unix VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff, and a
 * request of exactly 128 KiB would come out as none at all): the run goes in pieces below that. */
#define PIECE (120u << 10)

static int flush(wfile *f) {
    int rc = SQLITE_OK;
    for (size_t at = 0; at < f->len && rc == SQLITE_OK; at += PIECE) {
        size_t n = f->len - at < PIECE ? f->len - at : PIECE;
        rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)n, f->off + (sqlite3_int64)at);
    }
    f->len = 0;
    return rc;
}

#define REAL(f) (((wfile *)(f))->real)
#define FLUSHED(f)                                    \
    do {                                              \
        int frc_ = flush((wfile *)(f));               \
        if (frc_ != SQLITE_OK) return frc_;           \
    } while (0)

static int w_close(sqlite3_file *p) {
    wfile *f = (wfile *)p;
    int rc = flush(f);
    int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    free(f->buf);
    f->buf = NULL;
    if (f->db_fd >= 0) close(f->db_fd);
    f->db_fd = -1;
    return rc != SQLITE_OK ? rc : rc2;
}

static int w_read(sqlite3_file *p, void *b, int n, sqlite3_int64 off) {
    FLUSHED(p);
    return REAL(p)->pMethods->xRead(REAL(p), b, n, off);
}

static int w_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 off) {
    wfile *f = (wfile *)p;
    if (f->db_fd >= 0 && n > 0) {
        int rc = f->real->pMethods->xWrite(f->real, b, n, off);
        if (rc == SQLITE_OK && (f->db_written += (size_t)n) >= WRITEBACK_STEP) {
            f->db_written = 0;
            (void)sync_file_range(f->db_fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* a hint: its failure changes nothing */
        }
        return rc;
    }
    if (!f->wal || n <= 0) return f->real->pMethods->xWrite(f->real, b, n, off);
    if (f->len && (off != f->off + (sqlite3_int64)f->len || f->len + (size_t)n > BUF_CAP)) FLUSHED(f);
    if ((size_t)n > PIECE) return f->real->pMethods->xWrite(f->real, b, n, off); /* not a frame: as it is */
    if (!f->buf) {
        f->buf = malloc(BUF_CAP);
        if (!f->buf) return f->real->pMethods->xWrite(f->real, b, n, off);
        f->cap = BUF_CAP;
    }
    if (!f->len) f->off = off;
    memcpy(f->buf + f->len, b, (size_t)n);
    f->len += (size_t)n;
    const unsigned char *h = b;
    if (f->commit_next) { /* the page of a commit frame: the transaction is whole */
        f->commit_next = 0;
        return flush(f);
    }
    /* a commit frame's header (its "database size" is not zero): alone, as SQLite writes it, or
     * with its page in one write (header + a power of two from 512 to 65536), should it ever */
    unsigned pg = (unsigned)n - FRAME_HDR;
    int whole = n > FRAME_HDR && pg >= 512 && pg <= 65536 && (pg & (pg - 1)) == 0;
    if ((n == FRAME_HDR || whole) && (h[4] | h[5] | h[6] | h[7])) {
        if (whole) return flush(f);
        f->commit_next = 1;
    }
    return SQLITE_OK;
}

static int w_truncate(sqlite3_file *p, sqlite3_int64 size) {
    FLUSHED(p);
    return REAL(p)->pMethods->xTruncate(REAL(p), size);
}

static int w_sync(sqlite3_file *p, int flags) {
    FLUSHED(p);
    return REAL(p)->pMethods->xSync(REAL(p), flags);
}

static int w_size(sqlite3_file *p, sqlite3_int64 *size) {
    FLUSHED(p);
    return REAL(p)->pMethods->xFileSize(REAL(p), size);
}

static int w_lock(sqlite3_file *p, int l) { return REAL(p)->pMethods->xLock(REAL(p), l); }
static int w_unlock(sqlite3_file *p, int l) {
    FLUSHED(p);
    return REAL(p)->pMethods->xUnlock(REAL(p), l);
}
static int w_check(sqlite3_file *p, int *out) { return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out); }
static int w_fcntl(sqlite3_file *p, int op, void *arg) {
    FLUSHED(p);
    return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}
static int w_sector(sqlite3_file *p) { return REAL(p)->pMethods->xSectorSize(REAL(p)); }
static int w_caps(sqlite3_file *p) { return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p)); }
static int w_shmmap(sqlite3_file *p, int pg, int sz, int ext, void volatile **pp) {
    return REAL(p)->pMethods->xShmMap(REAL(p), pg, sz, ext, pp);
}
static int w_shmlock(sqlite3_file *p, int off, int n, int flags) { return REAL(p)->pMethods->xShmLock(REAL(p), off, n, flags); }
static void w_shmbarrier(sqlite3_file *p) { REAL(p)->pMethods->xShmBarrier(REAL(p)); }
static int w_shmunmap(sqlite3_file *p, int del) { return REAL(p)->pMethods->xShmUnmap(REAL(p), del); }
static int w_fetch(sqlite3_file *p, sqlite3_int64 off, int n, void **pp) {
    FLUSHED(p);
    return REAL(p)->pMethods->xFetch(REAL(p), off, n, pp);
}
static int w_unfetch(sqlite3_file *p, sqlite3_int64 off, void *pg) { return REAL(p)->pMethods->xUnfetch(REAL(p), off, pg); }

/* One table per iVersion of the wrapped file, so that SQLite sees the same abilities. */
static sqlite3_io_methods methods[4];

static int w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out_flags) {
    (void)vfs;
    wfile *f = (wfile *)p;
    memset(f, 0, sizeof *f);
    f->db_fd = -1;
    f->real = (sqlite3_file *)(f + 1);
    int rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        /* SQLite calls xClose only when pMethods is set: leave it unset, as the real file did */
        f->base.pMethods = NULL;
        return rc;
    }
    int v = f->real->pMethods->iVersion;
    f->base.pMethods = &methods[v < 0 ? 0 : v > 3 ? 3 : v];
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    if ((flags & SQLITE_OPEN_MAIN_DB) && name) f->db_fd = open(name, O_RDONLY | O_CLOEXEC);
    return SQLITE_OK;
}

/* Everything else of the VFS is the default one's. */
static int v_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; return base_vfs->xDelete(base_vfs, n, sync); }
static int v_access(sqlite3_vfs *v, const char *n, int f, int *o) { (void)v; return base_vfs->xAccess(base_vfs, n, f, o); }
static int v_full(sqlite3_vfs *v, const char *n, int k, char *o) { (void)v; return base_vfs->xFullPathname(base_vfs, n, k, o); }
static void *v_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return base_vfs->xDlOpen(base_vfs, n); }
static void v_dlerr(sqlite3_vfs *v, int n, char *o) { (void)v; base_vfs->xDlError(base_vfs, n, o); }
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return base_vfs->xDlSym(base_vfs, h, s); }
static void v_dlclose(sqlite3_vfs *v, void *h) { (void)v; base_vfs->xDlClose(base_vfs, h); }
static int v_rand(sqlite3_vfs *v, int n, char *o) { (void)v; return base_vfs->xRandomness(base_vfs, n, o); }
static int v_sleep(sqlite3_vfs *v, int us) { (void)v; return base_vfs->xSleep(base_vfs, us); }
static int v_time(sqlite3_vfs *v, double *t) { (void)v; return base_vfs->xCurrentTime(base_vfs, t); }
static int v_lasterr(sqlite3_vfs *v, int n, char *o) { (void)v; return base_vfs->xGetLastError ? base_vfs->xGetLastError(base_vfs, n, o) : 0; }
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; return base_vfs->xCurrentTimeInt64(base_vfs, t); }

int yb_db_buffer_wal(void) {
    if (base_vfs) return SQLITE_OK;
    yb__db_config(); /* before sqlite3_vfs_find initialises SQLite */
    sqlite3_vfs *b = sqlite3_vfs_find(NULL);
    if (!b || b->iVersion < 2) return SQLITE_ERROR;
    for (int v = 0; v < 4; v++)
        methods[v] = (sqlite3_io_methods){v ? v : 1, w_close, w_read, w_write, w_truncate, w_sync, w_size, w_lock,
                                          w_unlock, w_check, w_fcntl, w_sector, w_caps,
                                          v >= 2 ? w_shmmap : NULL, v >= 2 ? w_shmlock : NULL,
                                          v >= 2 ? w_shmbarrier : NULL, v >= 2 ? w_shmunmap : NULL,
                                          v >= 3 ? w_fetch : NULL, v >= 3 ? w_unfetch : NULL};
    shim = (sqlite3_vfs){2, (int)sizeof(wfile) + b->szOsFile, b->mxPathname, NULL, "yibao-walbuf", NULL,
                         w_open, v_delete, v_access, v_full, v_dlopen, v_dlerr, v_dlsym, v_dlclose, v_rand,
                         v_sleep, v_time, v_lasterr, v_time64, NULL, NULL, NULL};
    base_vfs = b;
    return sqlite3_vfs_register(&shim, 1);
}
