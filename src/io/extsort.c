/*
 * extsort.c — external sort of byte-keyed records and person keys (see include/yibao/extsort.h).
 *
 * Records are appended to an arena; when it is full, an array of (first 8 key bytes, pointer) is
 * sorted and written to a run file. Runs are merged through a binary heap, MAX_FANIN at a time:
 * whenever a sorter has MAX_FANIN runs of one level they become one run of the next level (see
 * cascade), so every record is rewritten only log_64(input / run) times and the files open stay
 * few (at most 63 per level, plus one being written); at the end the remaining runs are merged as
 * they are read. With one run nothing touches the disk. A record read back from a run lives in
 * that run's head buffer until the run advances, so the consumer copies what it keeps.
 */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "yibao/extsort.h"

#define MAX_FANIN 64
#define MIN_RUN_BYTES 4096 /* the largest record of a caller (a row with its error) must fit */

typedef yb_extsort_rec rec;

typedef struct sent {  /* sort entry */
    uint64_t pfx;      /* the first 8 key bytes, big-endian (zero-padded) */
    rec *r;
} sent;

/* A run on disk: records padded to 8 bytes, written through f, read back with read(2) into buf
 * (the head record lives there, 8-byte aligned, until the run advances). */
typedef struct run {
    FILE *f;
    rec *head;         /* current record (in buf), NULL at the end */
    uint64_t pfx;      /* its first 8 key bytes, for the heap */
    char *buf;
    size_t bpos, blen, bcap, cur;  /* unread bytes buf[bpos, blen); cur = bytes of head */
    int level;         /* 0 = written from memory; L + 1 = a merge of MAX_FANIN runs of level L */
} run;

#define RUN_BUF ((size_t)1 << 16)
#define HUGE_PAGE ((size_t)2 << 20)

struct yb_extsort {
    const char *dir;
    yb_extsort_stats *st; /* shared counters (own when the caller gave none) */
    yb_extsort_stats own;
    char *arena;
    size_t used, cap;
    char **adopted;    /* arenas of absorbed sorters: entries of v point into them too */
    size_t nadopted;
    sent *v, *tmp;     /* entries, and the radix sort's second buffer (vcap each) */
    size_t n, vcap;
    run *runs;
    size_t nruns, runcap;
    size_t *heap;      /* run indices, smallest head first */
    size_t nheap;
    size_t pos;        /* next in-memory entry when there are no runs */
    size_t cnt[1u << 11]; /* radix sort counts */
    int merging;
};

typedef yb_extsort sorter;

static uint64_t load_pfx(const char *k, uint32_t n) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        uint64_t v;
        memcpy(&v, k, 8);
        return __builtin_bswap64(v);
    }
#endif
    uint64_t v = 0;
    for (uint32_t i = 0; i < 8; i++) v = v << 8 | (i < n ? (unsigned char)k[i] : 0u);
    return v;
}

static int key_cmp(uint64_t pa, const rec *a, uint64_t pb, const rec *b) {
    if (pa != pb) return pa < pb ? -1 : 1;
    uint32_t na = a->keylen > 8 ? a->keylen - 8 : 0, nb = b->keylen > 8 ? b->keylen - 8 : 0;
    int c = memcmp(a->b + 8 * (na > 0), b->b + 8 * (nb > 0), na < nb ? na : nb);
    if (c) return c;
    return a->keylen < b->keylen ? -1 : a->keylen > b->keylen;
}

static int sent_cmp(const void *x, const void *y) {
    const sent *a = x, *b = y;
    return key_cmp(a->pfx, a->r, b->pfx, b->r);
}

/* Sort entries by their 8-byte prefixes with an LSD radix sort (11-bit digits; a pass whose
 * digit is the same for every entry is skipped), then each run of equal prefixes by the whole
 * key: person keys start with a hash, so runs are one person's records and short. O(n) where a
 * comparison sort of memcmp'd keys was the largest cost of the batch. tmp holds n entries. */
#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
static void sort_entries(sent *v, size_t n, sent *tmp, size_t *cnt) {
    if (n < 512 || !tmp) {
        if (n > 1) qsort(v, n, sizeof *v, sent_cmp);
        return;
    }
    /* only the top 33 bits by radix (3 passes): below that, equal digits are the same person's
     * records (person keys start with a 64-bit hash) or rare, and the tie pass sorts them */
    sent *src = v, *dst = tmp;
    for (int shift = 64 - 3 * RADIX_BITS; shift < 64; shift += RADIX_BITS) {
        memset(cnt, 0, RADIX * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(src[i].pfx >> shift) & (RADIX - 1)]++;
        if (cnt[(src[0].pfx >> shift) & (RADIX - 1)] == n) continue;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[cnt[(src[i].pfx >> shift) & (RADIX - 1)]++] = src[i];
        sent *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, n * sizeof *v);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].pfx >> (64 - 3 * RADIX_BITS) == v[i].pfx >> (64 - 3 * RADIX_BITS)) j++;
        if (j - i > 16) {
            qsort(v + i, j - i, sizeof *v, sent_cmp);
        } else {
            for (size_t k = i + 1; k < j; k++) { /* insertion sort */
                sent x = v[k];
                size_t m = k;
                while (m > i && sent_cmp(&v[m - 1], &x) > 0) {
                    v[m] = v[m - 1];
                    m--;
                }
                v[m] = x;
            }
        }
        i = j;
    }
}

static yb_rc io_error(yb_err *err, const char *what) {
    return yb_err_set(err, YB_E_IO, NULL, NULL, "%s a temporary sort file: %s", what, strerror(errno));
}

static yb_rc new_run(sorter *s, FILE **out, yb_err *err) {
    char path[600];
    snprintf(path, sizeof path, "%s/run-XXXXXX", s->dir);
    int fd = mkstemp(path);
    if (fd < 0) return io_error(err, "cannot create");
    unlink(path); /* the file lives until closed, and vanishes on a crash too */
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        close(fd);
        return io_error(err, "cannot open");
    }
    setvbuf(f, NULL, _IOFBF, (size_t)1 << 16);
    if (s->nruns == s->runcap) {
        size_t nc = s->runcap ? s->runcap * 2 : 8;
        run *nr = realloc(s->runs, nc * sizeof *nr);
        if (!nr) {
            fclose(f);
            return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
        s->runs = nr;
        s->runcap = nc;
    }
    s->runs[s->nruns++] = (run){f, NULL, 0, NULL, 0, 0, 0, 0, 0};
    s->st->runs++;
    if (++s->st->open_files > s->st->peak_files) s->st->peak_files = s->st->open_files;
    *out = f;
    return YB_OK;
}

static void close_run(sorter *s, run *r) {
    if (r->f) {
        fclose(r->f);
        s->st->open_files--;
    }
    free(r->buf);
    *r = (run){NULL, NULL, 0, NULL, 0, 0, 0, 0, 0};
}

static yb_rc put_rec(FILE *f, const rec *r, yb_err *err) {
    static const char pad[8] = {0};
    size_t n = sizeof *r + r->len, p = (8 - (n & 7)) & 7;
    if (fwrite_unlocked(r, n, 1, f) != 1 || (p && fwrite_unlocked(pad, p, 1, f) != 1))
        return io_error(err, "cannot write (disk full?)");
    return YB_OK;
}

static yb_rc merge_open(sorter *s, size_t from, size_t to, yb_err *err);
static const rec *merge_peek(const sorter *s);
static yb_rc merge_next(sorter *s, yb_err *err);

/* Merge runs[from, to) into one run of the given level, which takes their place. */
static yb_rc merge_range(sorter *s, size_t from, size_t to, int level, yb_err *err) {
    yb_rc rc = merge_open(s, from, to, err);
    FILE *f = NULL;
    if (!rc) rc = new_run(s, &f, err);
    while (!rc && merge_peek(s)) {
        rc = put_rec(f, merge_peek(s), err);
        if (!rc) rc = merge_next(s, err);
    }
    if (!rc && fflush(f)) rc = io_error(err, "cannot write (disk full?)");
    if (rc) return rc;
    rewind(f);
    size_t merged = s->nruns - 1;
    for (size_t i = from; i < to; i++) close_run(s, &s->runs[i]);
    s->runs[from] = s->runs[merged];
    s->runs[from].level = level;
    s->nruns = from + 1;
    s->nheap = 0;
    return YB_OK;
}

/* Like a binary counter in base MAX_FANIN: MAX_FANIN runs of one level become one run of the next,
 * so every record is rewritten log_MAXFANIN(input / run) times and a sorter holds at most
 * MAX_FANIN - 1 runs per level. (runs[] is ordered by level, highest first.) */
static yb_rc cascade(sorter *s, yb_err *err) {
    while (s->nruns >= MAX_FANIN) {
        int level = s->runs[s->nruns - 1].level;
        size_t k = 0;
        while (k < s->nruns && s->runs[s->nruns - 1 - k].level == level) k++;
        if (k < MAX_FANIN) break;
        yb_rc rc = merge_range(s, s->nruns - MAX_FANIN, s->nruns, level + 1, err);
        if (rc) return rc;
    }
    return YB_OK;
}

static void free_adopted(sorter *s);

/* Sort the arena and write it out as one more run. */
static yb_rc spill(sorter *s, yb_err *err) {
    sort_entries(s->v, s->n, s->tmp, s->cnt);
    FILE *f;
    yb_rc rc = new_run(s, &f, err);
    /* the records are scattered over the arena in key order: fetch ahead */
    for (size_t i = 0; !rc && i < s->n; i++) {
        if (i + 8 < s->n) __builtin_prefetch(s->v[i + 8].r);
        rc = put_rec(f, s->v[i].r, err);
    }
    if (!rc && fflush(f)) rc = io_error(err, "cannot write (disk full?)");
    if (rc) return rc;
    rewind(f);
    s->used = 0;
    s->n = 0;
    free_adopted(s);
    return cascade(s, err);
}

/* Memory for the arena and the entry arrays: large blocks, filled front to back, so they are asked
 * for in huge pages where the kernel offers them on request (a fault per 2 MiB, not per 4 KiB: a
 * page fault costs microseconds on a virtual machine). The size is kept before the block. */
#define BIG_HEAD 64 /* the size, and records and entries stay aligned */
static void *big_alloc(size_t n) {
    if (n > SIZE_MAX - BIG_HEAD - HUGE_PAGE) return NULL;
    size_t total = (n + BIG_HEAD + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    if (total >= HUGE_PAGE) madvise(p, total, MADV_HUGEPAGE);
#endif
    *(size_t *)p = total;
    return (char *)p + BIG_HEAD;
}

static void big_free(void *q) {
    if (!q) return;
    char *p = (char *)q - BIG_HEAD;
    munmap(p, *(size_t *)(void *)p);
}

/* Grow a big_alloc block to n bytes, contents kept (moved by the page tables, not copied); NULL when
 * out of memory (the old block kept). */
static void *big_grow(void *q, size_t n) {
    if (!q) return big_alloc(n);
    if (n > SIZE_MAX - BIG_HEAD - HUGE_PAGE) return NULL;
    char *p = (char *)q - BIG_HEAD;
    size_t total = *(size_t *)(void *)p, nt = (n + BIG_HEAD + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (nt <= total) return q;
    char *np = mremap(p, total, nt, MREMAP_MAYMOVE);
    if (np == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(np, nt, MADV_HUGEPAGE);
#endif
    *(size_t *)(void *)np = nt;
    return np + BIG_HEAD;
}

/* Room for `need` entries in v (tmp, used by the sort only, is made as large untouched). */
static yb_rc grow_entries(sorter *s, size_t need, yb_err *err) {
    if (need <= s->vcap) return YB_OK;
    size_t nc = s->vcap ? s->vcap : 4096;
    while (nc < need) nc *= 2;
    sent *nv = big_grow(s->v, nc * sizeof *nv);
    if (!nv) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    s->v = nv;
    big_free(s->tmp); /* NULL when out of memory: the sort falls back to qsort */
    s->tmp = big_alloc(nc * sizeof *s->tmp);
    s->vcap = nc;
    return YB_OK;
}

static void free_adopted(sorter *s) {
    for (size_t i = 0; i < s->nadopted; i++) big_free(s->adopted[i]);
    free(s->adopted);
    s->adopted = NULL;
    s->nadopted = 0;
}

yb_rc yb_extsort_add(yb_extsort *s, const void *key, uint32_t keylen, const void *data, uint32_t dlen, yb_err *err) {
    size_t need = (sizeof(rec) + (size_t)keylen + dlen + 7) & ~(size_t)7;
    if (need > s->cap)
        return yb_err_set(err, YB_E_LIMIT, NULL, NULL, "a record of %zu bytes is larger than the sort run (%zu bytes)",
                          need, s->cap);
    if (s->used + need > s->cap) {
        yb_rc rc = spill(s, err);
        if (rc) return rc;
    }
    if (s->n == s->vcap) {
        yb_rc rc = grow_entries(s, s->n + 1, err);
        if (rc) return rc;
    }
    rec *r = (rec *)(void *)(s->arena + s->used);
    r->len = keylen + dlen;
    r->keylen = keylen;
    memcpy(r->b, key, keylen);
    if (dlen) memcpy(r->b + keylen, data, dlen);
    s->v[s->n++] = (sent){load_pfx(key, keylen), r};
    s->used += need;
    return YB_OK;
}

/* At least `need` unread bytes in r->buf unless the run ends first (the unread rest moves to the
 * front: record offsets stay multiples of 8). */
static yb_rc run_fill(run *r, size_t need, yb_err *err) {
    if (r->blen - r->bpos >= need) return YB_OK;
    if (r->bpos) {
        memmove(r->buf, r->buf + r->bpos, r->blen - r->bpos);
        r->blen -= r->bpos;
        r->bpos = 0;
    }
    if (need > r->bcap || !r->buf) {
        size_t nc = r->bcap ? r->bcap : RUN_BUF;
        while (nc < need) nc *= 2;
        char *nb = realloc(r->buf, nc);
        if (!nb) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        r->buf = nb;
        r->bcap = nc;
    }
    int fd = fileno(r->f);
    while (r->blen < need) {
        ssize_t got = read(fd, r->buf + r->blen, r->bcap - r->blen);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return io_error(err, "cannot read");
        if (got == 0) break;
        r->blen += (size_t)got;
    }
    return YB_OK;
}

/* Move to the next record of a run (head NULL at the end of the run). The run's file was
 * flushed and rewound: its descriptor reads from the start, FILE is not read. */
static yb_rc run_advance(run *r, yb_err *err) {
    r->bpos += r->cur;
    r->cur = 0;
    yb_rc rc = run_fill(r, sizeof(rec), err);
    if (rc) return rc;
    if (r->blen == r->bpos) {
        r->head = NULL;
        free(r->buf);
        r->buf = NULL;
        r->bpos = r->blen = r->bcap = 0;
        return YB_OK;
    }
    if (r->blen - r->bpos < sizeof(rec)) return io_error(err, "cannot read (truncated)");
    rec h;
    memcpy(&h, r->buf + r->bpos, sizeof h);
    size_t need = (sizeof h + h.len + 7) & ~(size_t)7;
    if ((rc = run_fill(r, need, err))) return rc;
    if (r->blen - r->bpos < sizeof h + h.len) return io_error(err, "cannot read (truncated)");
    r->head = (rec *)(void *)(r->buf + r->bpos);
    r->cur = need;
    r->pfx = load_pfx(r->head->b, r->head->keylen);
    return YB_OK;
}

/* Binary heap of run indices over runs[] by their heads. */
static int heap_less(const sorter *s, size_t a, size_t b) {
    const run *x = &s->runs[a], *y = &s->runs[b];
    return key_cmp(x->pfx, x->head, y->pfx, y->head) < 0;
}

static void heap_down(sorter *s, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && heap_less(s, s->heap[l], s->heap[m])) m = l;
        if (r < s->nheap && heap_less(s, s->heap[r], s->heap[m])) m = r;
        if (m == i) return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

/* Start merging runs[from, to): read their heads, build the heap. */
static yb_rc merge_open(sorter *s, size_t from, size_t to, yb_err *err) {
    free(s->heap);
    s->heap = malloc((to - from) * sizeof *s->heap);
    if (!s->heap) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    s->nheap = 0;
    for (size_t i = from; i < to; i++) {
        yb_rc rc = run_advance(&s->runs[i], err);
        if (rc) return rc;
        if (s->runs[i].head) s->heap[s->nheap++] = i;
    }
    for (size_t i = s->nheap / 2; i-- > 0;) heap_down(s, i);
    return YB_OK;
}

static const rec *merge_peek(const sorter *s) { return s->nheap ? s->runs[s->heap[0]].head : NULL; }

static yb_rc merge_next(sorter *s, yb_err *err) {
    if (!s->nheap) return YB_OK;
    run *r = &s->runs[s->heap[0]];
    yb_rc rc = run_advance(r, err);
    if (rc) return rc;
    if (!r->head) s->heap[0] = s->heap[--s->nheap];
    heap_down(s, 0);
    return YB_OK;
}

yb_rc yb_extsort_absorb(yb_extsort *s, yb_extsort *o, yb_err *err) {
    /* neither has runs: s takes o's entries and arena over as they are */
    if (!s->nruns && !o->nruns && o->n) {
        char **na = realloc(s->adopted, (s->nadopted + 1) * sizeof *na);
        if (!na) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        s->adopted = na;
        yb_rc rc = grow_entries(s, s->n + o->n, err);
        if (rc) return rc;
        memcpy(s->v + s->n, o->v, o->n * sizeof *o->v);
        s->n += o->n;
        s->adopted[s->nadopted++] = o->arena;
        for (size_t i = 0; i < o->nadopted; i++) {   /* (o absorbed others: they come along) */
            na = realloc(s->adopted, (s->nadopted + 1) * sizeof *na);
            if (!na) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            s->adopted = na;
            s->adopted[s->nadopted++] = o->adopted[i];
            o->adopted[i] = NULL;
        }
        o->nadopted = 0;
        o->arena = NULL;
        o->cap = 0;
        o->n = 0;
        o->used = 0;
        return YB_OK;
    }
    /* o's records in memory are added to s (which spills as usual when it fills): a copy in
     * memory rather than a run written and read back */
    for (size_t i = 0; i < o->n; i++) {
        const rec *r = o->v[i].r;
        yb_rc rc = yb_extsort_add(s, r->b, r->keylen, r->b + r->keylen, r->len - r->keylen, err);
        if (rc) return rc;
    }
    o->n = 0;
    o->used = 0;
    for (size_t i = 0; i < o->nruns; i++) {
        if (s->nruns == s->runcap) {
            size_t nc = s->runcap ? s->runcap * 2 : 8;
            run *nr = realloc(s->runs, nc * sizeof *nr);
            if (!nr) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            s->runs = nr;
            s->runcap = nc;
        }
        s->runs[s->nruns++] = o->runs[i];
        o->st->open_files--; /* the open file is counted by s's counters from here on */
        if (++s->st->open_files > s->st->peak_files) s->st->peak_files = s->st->open_files;
    }
    o->nruns = 0;
    return YB_OK;
}

/* Finish input: sort what is in memory; with runs on disk, spill it too, merge down to MAX_FANIN
 * runs and open the final merge. */
yb_rc yb_extsort_finish(yb_extsort *s, yb_err *err) {
    if (s->nruns == 0) {
        sort_entries(s->v, s->n, s->tmp, s->cnt);
        big_free(s->tmp);
        s->tmp = NULL;
        s->pos = 0;
        return YB_OK;
    }
    yb_rc rc = s->n ? spill(s, err) : YB_OK;
    big_free(s->arena);
    big_free(s->v);
    big_free(s->tmp);
    s->arena = NULL;
    s->v = NULL;
    s->tmp = NULL;
    s->n = s->vcap = 0;
    /* more than MAX_FANIN runs (of several levels): merge the smallest, at the end, first */
    while (!rc && s->nruns > MAX_FANIN) {
        size_t k = s->nruns - MAX_FANIN + 1;
        if (k > MAX_FANIN) k = MAX_FANIN;
        rc = merge_range(s, s->nruns - k, s->nruns, s->runs[s->nruns - k].level + 1, err);
    }
    if (!rc) rc = merge_open(s, 0, s->nruns, err);
    s->merging = 1;
    return rc;
}

const yb_extsort_rec *yb_extsort_peek(const yb_extsort *s) {
    if (s->merging) return merge_peek(s);
    return s->pos < s->n ? s->v[s->pos].r : NULL;
}

yb_rc yb_extsort_next(yb_extsort *s, yb_err *err) {
    if (s->merging) return merge_next(s, err);
    if (s->pos < s->n) s->pos++;
    /* in key order the records are scattered over the arena: fetch ahead (the key and the data) */
    if (s->pos + 16 < s->n) {
        const char *r = (const char *)s->v[s->pos + 16].r;
        __builtin_prefetch(r);
        __builtin_prefetch(r + 64);
    }
    return YB_OK;
}

void yb_extsort_free(yb_extsort *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nruns; i++) close_run(s, &s->runs[i]);
    free(s->runs);
    free(s->heap);
    free_adopted(s);
    big_free(s->v);
    big_free(s->tmp);
    big_free(s->arena);
    free(s);
}

yb_rc yb_extsort_new(size_t run_bytes, const char *dir, yb_extsort_stats *st, yb_extsort **out, yb_err *err) {
    *out = NULL;
    sorter *s = calloc(1, sizeof *s);
    if (!s) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (run_bytes < MIN_RUN_BYTES) run_bytes = MIN_RUN_BYTES;
    s->cap = run_bytes;
    s->arena = big_alloc(run_bytes);
    if (!s->arena) {
        free(s);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "cannot allocate a sort run of %zu bytes", run_bytes);
    }
    s->dir = dir;
    s->st = st ? st : &s->own;
    *out = s;
    return YB_OK;
}

/* ------------------------------------------------------------------ person keys */

/* FNV-1a, then a finalizer so that every bit of the result depends on every byte. */
static uint64_t psn_hash(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

#define PSN_MAX 40 /* = YB_ID_MAX of settle.h */

void yb_extsort_key_person(yb_extsort_key *k, const char *psn) {
    size_t n = strnlen(psn, PSN_MAX);
    uint64_t h = psn_hash(psn, n);
    for (int i = 0; i < 8; i++) k->b[i] = (char)(h >> (56 - 8 * i));
    memcpy(k->b + 8, psn, n);
    k->n = 8 + (uint32_t)n;
}

void yb_extsort_key_add(yb_extsort_key *k, const char *s) {
    if (k->n >= YB_EXTSORT_KEY_MAX) return;
    size_t n = strnlen(s, 64);
    if (k->n + 1 + n > YB_EXTSORT_KEY_MAX) n = YB_EXTSORT_KEY_MAX - k->n - 1;
    k->b[k->n++] = '\1';
    memcpy(k->b + k->n, s, n);
    k->n += (uint32_t)n;
}

size_t yb_extsort_person_len(const yb_extsort_rec *r) {
    const char *sep = r->keylen > 8 ? memchr(r->b + 8, 1, r->keylen - 8) : NULL;
    return sep ? (size_t)(sep - r->b) : r->keylen;
}

int yb_extsort_person_is(const yb_extsort_rec *r, const yb_extsort_rec *who, size_t n) {
    return r->keylen >= n && !memcmp(r->b, who->b, n) && (r->keylen == n || r->b[n] == '\1');
}

int yb_extsort_person_cmp(const yb_extsort_rec *a, const yb_extsort_rec *b) {
    if (a->keylen >= 8 && b->keylen >= 8) {   /* the hashes decide nearly every comparison */
        uint64_t x = load_pfx(a->b, 8), y = load_pfx(b->b, 8);
        if (x != y) return x < y ? -1 : 1;
    }
    size_t na = yb_extsort_person_len(a), nb = yb_extsort_person_len(b);
    int c = memcmp(a->b, b->b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

const char *yb_extsort_key_field(const char *key, uint32_t keylen, int i, size_t *n) {
    const char *p = key + (keylen < 8 ? keylen : 8), *e = key + keylen;
    for (; i > 0 && p < e; i--) {
        const char *sep = memchr(p, 1, (size_t)(e - p));
        p = sep ? sep + 1 : e;
    }
    const char *sep = memchr(p, 1, (size_t)(e - p));
    *n = (size_t)((sep ? sep : e) - p);
    return p;
}
