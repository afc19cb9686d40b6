/*
 * csv_speed.c — how fast does the CSV reader (src/io/csv.c) read a file, next to libcsv and to the
 * floor of merely reading the file and counting its line feeds?
 *
 * Each reader goes through the whole file, touching every field (its length is summed, so the
 * compiler cannot drop the work), and the best of --runs runs (default 3) is reported as MB/s and
 * records per second. Run it on a file already in the page cache.
 *
 * Build (from the repository root; not part of the CMake build because it links libcsv's
 * callback API directly and is a measurement, not a product tool):
 *
 *   gcc -O2 -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Isrc \
 *       bench/csv_speed.c src/io/csv.c src/core/rc.c -lcsv -o build-bench/csv_speed
 *   build-bench/csv_speed var/bench/city/fee_list_d.csv [--runs N]
 *
 * The three readers agree on the number of records and of field bytes (checked: a difference is
 * printed and the exit status is 1), so they did the same work.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/csv.h"

typedef struct tally {
    unsigned long long records, fields, bytes;
} tally;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The floor: read the file in 1 MiB pieces and count line feeds. */
static int run_floor(const char *path, tally *t) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    static char buf[1 << 20];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        t->bytes += n;
        for (const char *p = buf, *e = buf + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) t->records++;
    }
    fclose(f);
    return 0;
}

static int run_yb(const char *path, tally *t) {
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    if (yb_csv_open(path, &c, &e)) {
        char b[512];
        fprintf(stderr, "csv_speed: %s\n", yb_err_fmt(&e, b, sizeof b));
        return -1;
    }
    size_t nc = yb_csv_ncols(c);
    t->records = 1; /* the header */
    t->fields = nc;
    for (size_t i = 0; i < nc; i++) t->bytes += strlen(yb_csv_header(c, i));
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        t->records++;
        t->fields += nc;
        for (size_t i = 0; i < nc; i++) {
            size_t n;
            yb_csv_field(c, (int)i, &n);
            t->bytes += n;
        }
    }
    yb_csv_close(c);
    if (r < 0) {
        char b[512];
        fprintf(stderr, "csv_speed: %s\n", yb_err_fmt(&e, b, sizeof b));
        return -1;
    }
    return 0;
}

static void cb_field(void *s, size_t n, void *data) {
    (void)s;
    tally *t = data;
    t->fields++;
    t->bytes += n;
}

static void cb_record(int ch, void *data) {
    (void)ch;
    ((tally *)data)->records++;
}

static int run_libcsv(const char *path, tally *t) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        return -1;
    }
    static char buf[1 << 20];
    size_t n;
    int rc = 0;
    size_t skip = 3; /* a BOM is data to libcsv: drop it as our reader does */
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t off = 0;
        if (skip) {
            if (n >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) off = 3;
            skip = 0;
        }
        if (csv_parse(&p, buf + off, n - off, cb_field, cb_record, t) != n - off) {
            fprintf(stderr, "csv_speed: libcsv: %s\n", csv_strerror(csv_error(&p)));
            rc = -1;
            break;
        }
    }
    if (!rc) csv_fini(&p, cb_field, cb_record, t);
    csv_free(&p);
    fclose(f);
    return rc;
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int runs = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else path = argv[i];
    }
    if (!path || runs < 1) {
        fprintf(stderr, "usage: csv_speed FILE.csv [--runs N]\n");
        return 2;
    }
    static const struct {
        const char *name;
        int (*fn)(const char *, tally *);
    } readers[] = {{"read + count LF (floor)", run_floor}, {"yibao csv reader", run_yb}, {"libcsv 3 (callbacks)", run_libcsv}};
    tally seen[3];
    unsigned long long size = 0;
    for (int k = 0; k < 3; k++) {
        double best = 1e30;
        for (int r = 0; r < runs; r++) {
            tally t = {0, 0, 0};
            double t0 = now();
            if (readers[k].fn(path, &t)) {
                fprintf(stderr, "csv_speed: %s failed on %s\n", readers[k].name, path);
                return 1;
            }
            double dt = now() - t0;
            if (dt < best) best = dt;
            seen[k] = t;
        }
        if (k == 0) size = seen[0].bytes;
        printf("%-26s %8.3f s  %8.0f MB/s  %12.0f records/s  (%llu records, %llu fields, %llu field bytes)\n",
               readers[k].name, best, (double)size / 1e6 / best, (double)seen[k].records / best, seen[k].records,
               seen[k].fields, k ? seen[k].bytes : 0ULL);
    }
    int bad = seen[1].records != seen[2].records || seen[1].fields != seen[2].fields || seen[1].bytes != seen[2].bytes;
    if (bad) printf("csv_speed: the yibao reader and libcsv disagree on records, fields or field bytes\n");
    return bad;
}
