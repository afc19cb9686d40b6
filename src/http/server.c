/*
 * server.c — the HTTP front of the institution interface (see include/yibao/http.h).
 *
 * Thin by design: collect the body, hand it to the store's writer, send the reply. libmicrohttpd's
 * thread pool does the network work; one writer thread owns the SQLite connection and runs the
 * requests queued meanwhile as one group (yb_db_group_run): BEGIN IMMEDIATE, the requests one after
 * the other without savepoints, and only if one of them rolls back rows it changed, the whole pass
 * is rolled back and the group run again with a savepoint per request (a refused request then rolls
 * back alone); one COMMIT that writes the WAL (synchronous=NORMAL).
 * A syncer thread then fdatasyncs the WAL while the writer goes on with the next group, and only
 * when that sync has ended are the group's replies released. So every acknowledged write is
 * durable, requests of the same person are applied one after the other in commit order, one
 * fsync serves every group committed while the previous one ran, and the writer never waits for
 * the disk. (The staff API's connection may read a group in the moment between its commit and
 * its sync; its own writes commit with synchronous=FULL.) A request's connection is
 * suspended while its job waits (MHD_suspend_connection), so the thread pool goes on reading other
 * requests and a group holds every request in flight, not one per thread. Under /api/ the staff
 * REST API (http/api.c) runs on a second connection. SIGTERM: no new connections or requests, the
 * requests begun are answered (their replies close the connections), then the daemon stops.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "yibao/api.h"
#include "yibao/audit.h"
#include "yibao/fsi.h"
#include "yibao/http.h"
#include "yibao/service.h"

#define MAX_BODY (8u << 20)

#define MAX_GROUP 512

typedef struct job {
    const char *body;
    size_t len;
    yb_fsi_auth auth;
    yb_fsi_pre pre; /* parsed on the HTTP thread (yb_fsi_prepare) */
    char *reply;
    struct MHD_Connection *conn; /* suspended until its group is committed */
    struct job *next;
} job;

typedef struct server {
    yb_fsi fsi;
    pthread_mutex_t lock;     /* guards the queue, the replies, active and closing */
    pthread_cond_t work;      /* the writer waits for jobs */
    job *head, *tail;
    int stop;
    job *synced_head, *synced_tail; /* committed groups' jobs waiting for the WAL's fdatasync */
    pthread_cond_t sync_work;  /* the syncer waits for them */
    int sync_stop;
    int wal_fd;
    sqlite3 *ckpt_db;          /* the checkpointer's connection */
    pthread_cond_t ckpt_work;  /* the checkpointer waits for a WAL grown past CKPT_FRAMES */
    int ckpt_want, ckpt_stop;
    int ckpt_busy;             /* a background checkpoint was asked for and has not ended */
    int ckpt_upto;             /* the WAL frames the last one ended with in the database (0: none) */
    int ckpt_asked_at;         /* the WAL's frames when it was asked for */
    unsigned long ckpts, tails;
    int tail_due;              /* the writer copies the WAL's tail once its group is handed on */
    char tail_db[16];          /* of that database ("main") */
    unsigned long groups, jobs, syncs, reruns; /* counters for the exit line */
    unsigned active;          /* requests begun and not yet completed (their reply not yet sent) */
    unsigned waiting;         /* of them, queued for the writer or the syncer (and not yet back) */
    int closing;              /* SIGTERM: no new requests; the last replies close their connections */
    pthread_cond_t idle;      /* signalled when active drops to 0 */
    yb_db *api_db;            /* the staff API's own connection */
    pthread_mutex_t api_lock;
    yb_fsi reader;            /* the interface's reads (yb_fsi_is_read) on a connection of their own */
    pthread_mutex_t read_lock;
    unsigned long reads;      /* answered there, for the exit line */
} server;

/* Appends j to a job list (under s->lock). */
static void push(job **head, job **tail, job *j) {
    j->next = NULL;
    if (*tail) (*tail)->next = j;
    else *head = j;
    *tail = j;
}

/* A request is over (its reply sent, or it could not begin): one fewer for SIGTERM to wait for. */
static void request_over(server *s) {
    pthread_mutex_lock(&s->lock);
    if (--s->active == 0) pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
}

typedef struct group {
    server *s;
    job **batch;
    size_t n;
} group;

/* One pass over a group's requests (yb_db_group_run may make two: a reply of the first is replaced). */
static void run_group(void *arg) {
    group *g = arg;
    for (size_t i = 0; i < g->n; i++) {
        job *j = g->batch[i];
        free(j->reply);
        j->reply = NULL;
        yb_fsi_handle_pre(&g->s->fsi, j->body, j->len, &j->auth, &j->pre, &j->reply);
    }
}

static void copy_tail(server *s);

static void *writer(void *arg) {
    server *s = arg;
    pthread_setname_np(pthread_self(), "yb-writer"); /* top -H, perf, gdb */
    job *batch[MAX_GROUP];
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->head && !s->stop) pthread_cond_wait(&s->work, &s->lock);
        if (!s->head) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        size_t n = 0;
        while (s->head && n < MAX_GROUP) {
            batch[n++] = s->head;
            s->head = s->head->next;
        }
        if (!s->head) s->tail = NULL;
        pthread_mutex_unlock(&s->lock);

        yb_err e;
        yb_err_clear(&e);
        group g = {s, batch, n};
        int again = 0;
        yb_rc rc = yb_db_group_run(s->fsi.db, run_group, &g, &again, &e);
        s->reruns += (unsigned long)again;
        if (rc) {
            /* nothing of this group is on disk: every request of it is refused */
            yb_err e2;
            yb_err_clear(&e2);
            yb_err_set(&e2, YB_E_DB, NULL, NULL, "数据库提交失败，请重试 (the store could not commit; nothing was applied)");
            for (size_t i = 0; i < n; i++) {
                free(batch[i]->reply);
                batch[i]->reply = yb_fsi_error_reply(&s->fsi, &e2);
            }
        }
        /* the group is committed (synchronous=NORMAL: written, not yet synced); its replies go
         * out when the syncer's next fdatasync of the WAL has ended, while this thread goes on
         * with the next group */
        pthread_mutex_lock(&s->lock);
        s->groups++;
        s->jobs += n;
        for (size_t i = 0; i < n; i++) push(&s->synced_head, &s->synced_tail, batch[i]);
        pthread_cond_signal(&s->sync_work);
        pthread_mutex_unlock(&s->lock);
        copy_tail(s);
    }
}

/* Makes the committed groups durable and releases their replies. Every job on the list was
 * committed before the list was taken, so one fdatasync begun after that covers them all (and
 * every group committed before them, whose data their replies may show). */
static void *syncer(void *arg) {
    server *s = arg;
    pthread_setname_np(pthread_self(), "yb-syncer"); /* top -H, perf, gdb */
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->synced_head && !s->sync_stop) pthread_cond_wait(&s->sync_work, &s->lock);
        job *list = s->synced_head;
        s->synced_head = s->synced_tail = NULL;
        pthread_mutex_unlock(&s->lock);
        if (!list) return NULL;
        if (fdatasync(s->wal_fd) != 0) {
            /* the kernel may have dropped the pages it could not write: nothing committed since
             * the last good sync can be promised; stop before any of it is acknowledged (a
             * restart recovers what is on disk) */
            fprintf(stderr, "yibao serve: cannot sync the write-ahead log (%s); stopping without answering\n",
                    strerror(errno));
            _exit(70);
        }
        pthread_mutex_lock(&s->lock);
        s->syncs++;
        while (list) {
            job *next = list->next; /* the connection may be answered and freed once resumed */
            MHD_resume_connection(list->conn); /* suspended under s->lock before it was queued */
            list = next;
        }
        pthread_mutex_unlock(&s->lock);
    }
}

/* Checkpoints: copying the WAL's pages back into the database (and syncing both) is not the
 * writer's work. Its connection's WAL hook (which replaces SQLite's automatic checkpoint) asks
 * the checkpointer thread, on a connection of its own, for a PASSIVE checkpoint each time the WAL
 * has grown by CKPT_FRAMES pages; that runs beside the writer, at nice 19, and copies what was in
 * the WAL when it began. Under steady load the writer keeps appending meanwhile, so such a
 * checkpoint never catches up and the WAL would never start again from its beginning. So when one
 * has ended, the checkpointer is asked again at once for what was appended meanwhile (a few
 * thousand pages after a full one, then a few hundred: each catch-up is shorter), until one ends
 * within CKPT_TAIL pages of the WAL's end; the writer copies that tail itself (its copy is short,
 * its two syncs cost a few milliseconds), once the group whose commit reached it has gone to the
 * syncer (that group's replies do not wait for the tail; copy_tail), after which its next
 * transaction starts the WAL over. Should the WAL still reach CKPT_HARD pages, the writer
 * checkpoints all of it, as SQLite's own hook would.
 * Without the catch-up, a checkpoint rarely ended within the tail, the WAL grew to CKPT_HARD
 * (a gigabyte) and the writer stopped for a long tail then (p99 at 32 connections 12.0-12.9 ms
 * against 10.9-11.5 ms with it, in alternating runs). CKPT_FRAMES: fewer, larger
 * checkpoints write a page changed again and again (a table's last leaf) fewer times, and the
 * writer copies fewer tails; their database writes are pushed to the disk as they go
 * (store/walbuf.c), so the fsync at their end does not hold the WAL's fdatasync up (16,000
 * against 4,000: 6,600-7,000 against 5,200-6,600 settlements/s, p99 23 against 29-30 ms; with
 * the catch-up, 32,000 against 16,000 at 32 connections: 8,600-9,460 against 8,340-8,690/s,
 * p99 9.7-10.3 against 10.4-13.0 ms; and once a settlement wrote 16 KB of WAL instead of 26,
 * 64,000 against 32,000 at 40 connections: half the tails, p99 7.9-8.5 against 8.4-9.4 ms in five
 * alternating pairs, the rate within noise; in alternating runs). Under load the WAL so stays
 * near a quarter of a gigabyte. */
#define CKPT_FRAMES 64000
#define CKPT_TAIL 400
#define CKPT_HARD 262144

static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames) {
    server *s = arg;
    pthread_mutex_lock(&s->lock);
    if (frames < s->ckpt_asked_at) s->ckpt_asked_at = 0; /* the WAL started over */
    int busy = s->ckpt_busy, upto = s->ckpt_upto, tail = 0;
    if (!busy && upto && frames - upto <= CKPT_TAIL) {
        tail = 1;
    } else if (!busy && (upto || frames - s->ckpt_asked_at >= CKPT_FRAMES)) { /* a catch-up, or a new one */
        s->ckpt_busy = 1;
        s->ckpt_upto = 0;
        s->ckpt_asked_at = frames;
        s->ckpt_want = 1;
        pthread_cond_signal(&s->ckpt_work);
    }
    if (tail || frames >= CKPT_HARD) {
        s->tail_due = 1;
        snprintf(s->tail_db, sizeof s->tail_db, "%s", name);
    }
    pthread_mutex_unlock(&s->lock);
    return SQLITE_OK;
}

/* The tail (wal_hook): after the group that reached it has gone to the syncer, so that its
 * replies do not wait for the copy and its syncs. As SQLite's own hook does, a checkpoint that
 * cannot finish leaves the WAL as it is. */
static void copy_tail(server *s) {
    pthread_mutex_lock(&s->lock);
    int due = s->tail_due;
    char name[sizeof s->tail_db];
    memcpy(name, s->tail_db, sizeof name);
    s->tail_due = 0;
    pthread_mutex_unlock(&s->lock);
    if (!due) return;
    sqlite3_wal_checkpoint_v2(yb_db_sql(s->fsi.db), name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    pthread_mutex_lock(&s->lock);
    s->ckpt_upto = 0;
    s->ckpt_asked_at = 0;
    s->tails++;
    pthread_mutex_unlock(&s->lock);
}

static void *checkpointer(void *arg) {
    server *s = arg;
    pthread_setname_np(pthread_self(), "yb-ckpt"); /* top -H, perf, gdb */
    /* At the lowest priority (nice 19, this thread only): a checkpoint copies for a few hundred
     * milliseconds at a time and would otherwise take a core's share from the writer and the HTTP
     * threads in those moments; it has the idle time of the cycle to finish in. Lowering one's own
     * priority needs no privilege; should it fail, the checkpointer runs as before. */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->ckpt_want && !s->ckpt_stop) pthread_cond_wait(&s->ckpt_work, &s->lock);
        int go = s->ckpt_want && !s->ckpt_stop;
        s->ckpt_want = 0;
        pthread_mutex_unlock(&s->lock);
        if (!go) return NULL;
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            fprintf(stderr, "yibao serve: checkpoint failed: %s (the WAL keeps the data)\n", sqlite3_errmsg(s->ckpt_db));
        pthread_mutex_lock(&s->lock);
        s->ckpts++;
        s->ckpt_busy = 0;
        s->ckpt_upto = rc == SQLITE_OK && done > 0 ? done : 0;
        pthread_mutex_unlock(&s->lock);
    }
}

/* Stops a worker thread that waits on cond for work or *flag (under s->lock). */
static void stop_thread(server *s, int *flag, pthread_cond_t *cond, pthread_t t) {
    pthread_mutex_lock(&s->lock);
    *flag = 1;
    pthread_cond_signal(cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(t, NULL);
}

typedef struct conn {
    char *buf;
    size_t len, cap;
    int too_large;
    int queued; /* the body went to the writer as j; the connection is suspended until it is answered */
    int back;   /* the writer and the syncer are done with j (counted out of s->waiting) */
    job j;
    struct timespec t0;
} conn;

/* The writer and the syncer are done with k's job (it was resumed): no longer waiting for the
 * store (under s->lock; once per request, whether its reply is sent or its client had gone). */
static void job_back(server *s, conn *k) {
    if (k->queued && !k->back) {
        k->back = 1;
        s->waiting--;
    }
}

/* While shutting down, every reply closes its connection, so that no new request follows it. */
static void maybe_close(server *s, struct MHD_Response *r) {
    if (__atomic_load_n(&s->closing, __ATOMIC_ACQUIRE)) MHD_add_response_header(r, "Connection", "close");
}

static enum MHD_Result send_text(server *s, struct MHD_Connection *c, unsigned status, const char *type, char *text,
                                 int owned) {
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
                                                             owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned) free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    maybe_close(s, r);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* One line per request: local time, method, URL, status, milliseconds (stderr is unbuffered: glibc
 * formats the line in a buffer of its own and writes it at once), the time of day formatted once a
 * second per thread. */
static void access_log(const char *method, const char *url, unsigned status, const struct timespec *t0) {
    static _Thread_local time_t last;
    static _Thread_local char ts[32];
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (long long)(t1.tv_sec - t0->tv_sec) * 1000000000LL + (t1.tv_nsec - t0->tv_nsec);
    long long hundredths = ns < 0 ? 0 : (ns + 5000) / 10000; /* of a millisecond */
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        last = now;
    }
    fprintf(stderr, "%s %s %s %u %lld.%02lldms\n", ts, method, url, status, hundredths / 100, hundredths % 100);
}

static int is_call(const char *url) {
    size_t n = strlen(url), k = strlen("/callService");
    return n >= k && !strcmp(url + n - k, "/callService");
}

/* ---- the staff REST API: requests under /api/ go to yb_api_handle (http/api.c) on a connection
 * of their own (under api_lock), so a login's password hashing never holds up the interface's
 * writer; their writes wait for the writer's transaction like any other writer (WAL, busy
 * timeout). MHD takes the query string apart, so it is put back together here. */
typedef struct query_buf {
    char s[2048];
    size_t n;
    int args, full;
} query_buf;

static void query_put(query_buf *q, const char *t) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)t; *p && !q->full; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        if (q->n + 4 > sizeof q->s) q->full = 1;
        else if (plain) q->s[q->n++] = (char)*p;
        else q->n += (size_t)snprintf(q->s + q->n, 4, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    query_buf *q = cls;
    if (q->n + 2 >= sizeof q->s) q->full = 1;
    else q->s[q->n++] = q->args++ ? '&' : '?';
    query_put(q, key);
    if (value) {
        if (q->n + 2 >= sizeof q->s) q->full = 1;
        else q->s[q->n++] = '=';
        query_put(q, value);
    }
    return MHD_YES;
}

static enum MHD_Result api_call(server *s, struct MHD_Connection *c, const char *url, const char *method, conn *k,
                                unsigned *status) {
    char *reply = NULL;
    query_buf q = {.n = 0};
    size_t ulen = strlen(url);
    if (ulen < sizeof q.s) {
        memcpy(q.s, url, ulen);
        q.n = ulen;
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_arg, &q);
    }
    if (ulen >= sizeof q.s || q.full || k->too_large) {
        *status = k->too_large ? 413 : 414;
        reply = strdup(k->too_large ? "{\"error\":\"request body too large\",\"code\":\"limit\"}"
                                    : "{\"error\":\"URL too long\",\"code\":\"limit\"}");
    } else {
        q.s[q.n] = '\0';
        pthread_mutex_lock(&s->api_lock);
        *status = (unsigned)yb_api_handle(s->api_db, method, q.s, k->buf ? k->buf : "", k->len,
                                          MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
                                          (int64_t)time(NULL), &reply);
        pthread_mutex_unlock(&s->api_lock);
    }
    if (!reply) return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(reply), reply, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(reply);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json;charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (*status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    maybe_close(s, r);
    enum MHD_Result ret = MHD_queue_response(c, *status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls) {
    (void)version;
    server *s = cls;
    conn *k = *con_cls;
    if (!k) {
        pthread_mutex_lock(&s->lock);
        int closing = s->closing;
        if (!closing) s->active++;
        pthread_mutex_unlock(&s->lock);
        if (closing) return MHD_NO; /* shutting down: the connection is closed, nothing was read */
        k = calloc(1, sizeof *k);
        if (!k) {
            request_over(s);
            return MHD_NO;
        }
        clock_gettime(CLOCK_MONOTONIC, &k->t0);
        *con_cls = k;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!k->too_large && k->len + *upload_size <= MAX_BODY) {
            if (k->len + *upload_size + 1 > k->cap) {
                size_t nc = k->cap ? k->cap : 4096;
                while (nc < k->len + *upload_size + 1) nc *= 2;
                char *nb = realloc(k->buf, nc);
                if (!nb) return MHD_NO;
                k->buf = nb;
                k->cap = nc;
            }
            memcpy(k->buf + k->len, upload, *upload_size);
            k->len += *upload_size;
        } else {
            k->too_large = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    unsigned status = 200;
    enum MHD_Result ret;
    if (!strcmp(url, "/healthz") && !strcmp(method, "GET")) {
        ret = send_text(s, c, status, "text/plain", "ok\n", 0);
    } else if (is_call(url) && !strcmp(method, "POST")) {
        if (k->too_large) {
            status = 413;
            ret = send_text(s, c, status, "application/json;charset=utf-8",
                            "{\"infcode\":-1,\"err_msg\":\"FSI-request body larger than 8 MiB\",\"output\":null}", 0);
        } else {
            char *reply = NULL;
            if (!k->queued) {
                k->j.body = k->buf ? k->buf : "";
                k->j.len = k->len;
                k->j.auth = (yb_fsi_auth){MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ca-key"),
                                          MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ca-signature"),
                                          (int64_t)time(NULL), 300};
                k->j.conn = c; /* reply is NULL (calloc) */
                yb_fsi_prepare(k->j.body, k->j.len, &k->j.pre);
                if (!yb_fsi_is_read(&k->j.pre)) {
                    /* hand the request to the writer and let this thread serve other connections
                     * until its group is committed: the group then holds every request in flight */
                    k->queued = 1;
                    pthread_mutex_lock(&s->lock);
                    MHD_suspend_connection(c);
                    s->waiting++;
                    push(&s->head, &s->tail, &k->j);
                    pthread_cond_signal(&s->work);
                    pthread_mutex_unlock(&s->lock);
                    return MHD_YES;
                }
                /* a read (a query, a catalogue page, ...): answered here, on the readers'
                 * connection, neither waiting behind the writer's groups nor holding them up;
                 * there is nothing to make durable */
                pthread_mutex_lock(&s->read_lock);
                yb_fsi_handle_pre(&s->reader, k->j.body, k->j.len, &k->j.auth, &k->j.pre, &reply);
                s->reads++;
                pthread_mutex_unlock(&s->read_lock);
                yb_fsi_pre_release(&k->j.pre);
            } else {
                /* resumed: the writer has committed the group (the reply was set under s->lock) */
                pthread_mutex_lock(&s->lock);
                job_back(s, k);
                reply = k->j.reply;
                k->j.reply = NULL;
                pthread_mutex_unlock(&s->lock);
            }
            if (!reply) return MHD_NO;
            ret = send_text(s, c, status, "application/json;charset=utf-8", reply, 1);
        }
    } else if (!strncmp(url, "/api/", 5)) {
        ret = api_call(s, c, url, method, k, &status);
    } else {
        status = 404;
        ret = send_text(s, c, status, "text/plain", "not found\n", 0);
    }
    access_log(method, url, status, &k->t0);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
    (void)c, (void)toe;
    server *s = cls;
    conn *k = *con_cls;
    if (k) {
        if (k->queued && !k->back) { /* resumed and ended before its reply was taken: the client had gone */
            pthread_mutex_lock(&s->lock);
            job_back(s, k);
            pthread_mutex_unlock(&s->lock);
        }
        free(k->j.reply);
        yb_fsi_pre_release(&k->j.pre);
        free(k->buf);
        free(k);
        *con_cls = NULL;
        request_over(s);
    }
}

#ifdef YB_JEMALLOC
/* jemalloc's control interface (its header also declares malloc and friends; this is all we use) */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);
#endif

/* Names the allocator serving this process's malloc, for the start-up log: "jemalloc <version>" only
 * when the build links it (YB_JEMALLOC) and a malloc of this thread shows in jemalloc's count of the
 * thread's allocated bytes, so a library loaded first with a malloc of its own cannot pass unseen;
 * else "default malloc" (the C library's, or a sanitizer's in those builds). */
static void allocator_name(char *out, size_t cap) {
#ifdef YB_JEMALLOC
    const char *v = NULL;
    size_t vl = sizeof v;
    uint64_t a0 = 0, a1 = 0; /* jemalloc's type for thread.allocated */
    size_t l0 = sizeof a0, l1 = sizeof a1;
    if (mallctl("version", (void *)&v, &vl, NULL, 0) == 0 && v &&
        mallctl("thread.allocated", &a0, &l0, NULL, 0) == 0) {
        void *volatile p = malloc(4096);
        int counted = mallctl("thread.allocated", &a1, &l1, NULL, 0) == 0 && a1 >= a0 + 4096;
        free(p);
        snprintf(out, cap, counted ? "jemalloc %s" : "another malloc (jemalloc %s is linked but does not serve malloc)", v);
        return;
    }
#endif
    snprintf(out, cap, "default malloc");
}

yb_rc yb_http_serve(const yb_http_opts *o, yb_err *err) {
    /* With glibc's malloc (a build without jemalloc): keep freed memory. Every request's savepoint
     * journal and JSON are allocated and freed again, and giving the pages back after each one (then
     * faulting them in again) costs more than the work itself on a virtual machine. The arenas grow
     * in 16 MiB steps and are not trimmed. (jemalloc gives unused pages back only after seconds.) */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 16 << 20);
    server s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.work, NULL);
    pthread_cond_init(&s.idle, NULL);
    pthread_mutex_init(&s.api_lock, NULL);
    pthread_mutex_init(&s.read_lock, NULL);
    pthread_t wt, st, ct;
    int writer_started = 0, syncer_started = 0, ckpt_started = 0;
    s.wal_fd = -1;
    pthread_cond_init(&s.sync_work, NULL);
    pthread_cond_init(&s.ckpt_work, NULL);
    yb_refdata *rd = NULL;
    /* a group's WAL frames go to the file in one write (store/walbuf.c) */
    if (yb_db_buffer_wal() != SQLITE_OK) fprintf(stderr, "yibao serve: WAL writes not gathered (no default VFS)\n");
    yb_rc rc = yb_db_open(o->db_path, 0, &s.fsi.db, err);
    /* an answer is sent only after its group's transaction is on disk: COMMIT writes the WAL
     * (synchronous=NORMAL), the syncer thread syncs it */
    if (!rc) rc = yb_db_wal_open(s.fsi.db, &s.wal_fd, err);
    /* the writer's page cache holds the hot pages (persons' insurance rows, accumulators, index
     * tops): 128 MiB instead of SQLite's 2 MiB, so that a settlement does not read them again */
    if (!rc) rc = yb_db_exec(s.fsi.db, "PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY", err);
    if (!rc) {
        const char *file = sqlite3_db_filename(yb_db_sql(s.fsi.db), "main");
        if (sqlite3_open_v2(file, &s.ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
            rc = yb_err_set(err, YB_E_DB, NULL, NULL, "cannot open the checkpointer's connection: %s",
                            s.ckpt_db ? sqlite3_errmsg(s.ckpt_db) : "out of memory");
        else {
            sqlite3_busy_timeout(s.ckpt_db, 10000);
            /* a first read opens the connection's view of the WAL; until then it cannot checkpoint */
            if (sqlite3_exec(s.ckpt_db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
                rc = yb_err_set(err, YB_E_DB, NULL, NULL, "checkpointer's connection: %s", sqlite3_errmsg(s.ckpt_db));
        }
    }
    if (!rc) rc = yb_db_open(o->db_path, 0, &s.api_db, err);
    /* the interface's reads: a connection that cannot write (query_only) */
    if (!rc) rc = yb_db_open(o->db_path, 0, &s.reader.db, err);
    if (!rc) rc = yb_db_exec(s.reader.db, "PRAGMA query_only=1; PRAGMA temp_store=MEMORY", err);
    if (!rc) rc = yb_db_exec(s.api_db, "PRAGMA synchronous=FULL", err);
    if (!rc) rc = yb_store_load_refdata(s.fsi.db, &rd, err);
    yb_audit_ruleset *rules = NULL;
    if (!rc && o->rules_dir) rc = yb_audit_ruleset_load(o->rules_dir, &rules, err);
    s.fsi.rules = rules;
    if (rc) goto done; /* no thread started yet: done only closes what was opened */
    s.fsi.rd = rd;
    s.reader.rd = rd;
    s.reader.rules = rules;
    s.reader.readonly = 1;
    s.reader.seqp = &s.fsi.seq; /* one sequence of inf_refmsgid for both */
    if (pthread_create(&st, NULL, syncer, &s)) {
        rc = yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "cannot start the syncer thread");
        goto done;
    }
    syncer_started = 1;
    if (pthread_create(&ct, NULL, checkpointer, &s)) {
        rc = yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "cannot start the checkpointer thread");
        goto done;
    }
    ckpt_started = 1;
    sqlite3_wal_hook(yb_db_sql(s.fsi.db), wal_hook, &s);
    if (pthread_create(&wt, NULL, writer, &s)) {
        rc = yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "cannot start the writer thread");
        goto done;
    }
    writer_started = 1;
    snprintf(s.fsi.area, sizeof s.fsi.area, "%s", rd->n_policies ? rd->policies[0]->admdvs : "000000");
    memcpy(s.reader.area, s.fsi.area, sizeof s.reader.area);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)(o->port ? o->port : 8080));
    if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &addr.sin_addr) != 1) {
        rc = yb_err_set(err, YB_E_USAGE, "listen", o->host, "not an IPv4 address");
        goto done;
    }
    /* SIGTERM/SIGINT are taken by sigwait below, in this thread only */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        handle, &s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads ? o->threads : 4),
        MHD_OPTION_NOTIFY_COMPLETED, completed, &s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!d) {
        rc = yb_err_set(err, YB_E_IO, "listen", o->host ? o->host : "127.0.0.1", "cannot listen on port %d", o->port);
        goto done;
    }
    char alloc[160];
    allocator_name(alloc, sizeof alloc);
    fprintf(stderr, "yibao serve: memory allocator %s\n", alloc);
    fprintf(stderr, "yibao serve: listening on %s:%d\n", o->host ? o->host : "127.0.0.1", o->port ? o->port : 8080);
    if (o->ready_fd >= 0) {
        ssize_t wr = write(o->ready_fd, "ready\n", 6);
        (void)wr;
    }
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "yibao serve: signal %d, finishing requests in flight\n", sig);
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    /* no new connections; wait (at most 10 s) until every request begun has had its reply sent:
     * the writer finishes the queued ones and resumes their connections */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&s.lock);
    __atomic_store_n(&s.closing, 1, __ATOMIC_RELEASE);
    while (s.active && pthread_cond_timedwait(&s.idle, &s.lock, &until) == 0) {}
    unsigned left = s.active, waiting = s.waiting;
    pthread_mutex_unlock(&s.lock);
    if (waiting) {
        /* requests still with the writer or the syncer (a disk that does not answer): their
         * connections cannot be closed under them. Stop without answering them, as when a sync
         * fails: whatever was answered is on disk, and a client sends an unanswered request
         * again with its msgid (applied once either way) */
        fprintf(stderr, "yibao serve: %u requests still with the store after 10 s; stopping without answering them\n",
                waiting);
        _exit(75);
    }
    if (left) fprintf(stderr, "yibao serve: %u requests still being read after 10 s; closing them\n", left);
    MHD_stop_daemon(d);
done:
    /* the writer first: the syncer then syncs and answers its last group */
    if (writer_started) stop_thread(&s, &s.stop, &s.work, wt);
    if (syncer_started) stop_thread(&s, &s.sync_stop, &s.sync_work, st);
    if (ckpt_started) stop_thread(&s, &s.ckpt_stop, &s.ckpt_work, ct);
    sqlite3_close(s.ckpt_db);
    if (s.jobs)
        fprintf(stderr, "yibao serve: %lu requests in %lu commits (%lu run again with savepoints), %lu syncs, %lu checkpoints (%lu tails)\n",
                s.jobs, s.groups, s.reruns, s.syncs, s.ckpts, s.tails);
    if (s.reads) fprintf(stderr, "yibao serve: %lu reads answered beside the writer\n", s.reads);
    if (s.wal_fd >= 0) close(s.wal_fd);
    yb_refdata_free(rd);
    yb_audit_ruleset_free(rules);
    yb_db_close(s.api_db);
    yb_db_close(s.reader.db);
    yb_db_close(s.fsi.db);
    pthread_mutex_destroy(&s.api_lock);
    pthread_mutex_destroy(&s.read_lock);
    pthread_cond_destroy(&s.work);
    pthread_cond_destroy(&s.idle);
    pthread_cond_destroy(&s.sync_work);
    pthread_cond_destroy(&s.ckpt_work);
    pthread_mutex_destroy(&s.lock);
    return rc;
}
