/*
 * test_extsort.c — the external sorter against qsort of the same keys: person keys (many records
 * of one person share the 8-byte hash prefix), raw keys that differ only below the radix-sorted top
 * bits or only after 8 bytes, empty and short keys; in memory, spilled into many runs (and the
 * cascade of merges), and two sorters absorbed into one. Output must be the input permuted into
 * memcmp order, data intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "yibao/extsort.h"

typedef struct key {
    char b[64];
    uint32_t n;
    uint32_t id;
} key;

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void) {
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static int key_cmp(const void *x, const void *y) {
    const key *a = x, *b = y;
    int c = memcmp(a->b, b->b, a->n < b->n ? a->n : b->n);
    if (c) return c;
    return a->n < b->n ? -1 : a->n > b->n;
}

/* n keys of mixed shapes; ids 0..n-1 */
static key *make_keys(size_t n) {
    key *k = calloc(n, sizeof *k);
    assert_non_null(k);
    for (size_t i = 0; i < n; i++) {
        key *x = &k[i];
        x->id = (uint32_t)i;
        switch (rnd() % 5) {
        case 0: { /* a person key: one of 300 persons, then a field */
            char psn[24], f[24];
            snprintf(psn, sizeof psn, "P%03u", (unsigned)(rnd() % 300));
            snprintf(f, sizeof f, "%u", (unsigned)(rnd() % 50));
            yb_extsort_key pk;
            yb_extsort_key_person(&pk, psn);
            yb_extsort_key_add(&pk, f);
            memcpy(x->b, pk.b, pk.n);
            x->n = pk.n;
            break;
        }
        case 1: /* the same top 5 bytes, differing below the radix-sorted bits */
            memcpy(x->b, "\x80\x00\x00\x00\x00", 5);
            for (int j = 5; j < 12; j++) x->b[j] = (char)(rnd() & 3);
            x->n = 12;
            break;
        case 2: /* equal first 8 bytes, differing after */
            memcpy(x->b, "ABCDEFGH", 8);
            x->n = 8 + (uint32_t)(rnd() % 4);
            for (uint32_t j = 8; j < x->n; j++) x->b[j] = (char)('a' + rnd() % 3);
            break;
        case 3: /* short keys, some empty */
            x->n = (uint32_t)(rnd() % 4);
            for (uint32_t j = 0; j < x->n; j++) x->b[j] = (char)(rnd() % 256);
            break;
        default: /* random */
            x->n = 1 + (uint32_t)(rnd() % 40);
            for (uint32_t j = 0; j < x->n; j++) x->b[j] = (char)(rnd() % 256);
        }
    }
    return k;
}

static void check_sorted(yb_extsort *s, key *k, size_t n) {
    key *want = malloc(n * sizeof *want);
    assert_non_null(want);
    memcpy(want, k, n * sizeof *want);
    qsort(want, n, sizeof *want, key_cmp);
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    yb_err e;
    yb_err_clear(&e);
    for (size_t i = 0; i < n; i++) {
        const yb_extsort_rec *r = yb_extsort_peek(s);
        assert_non_null(r);
        assert_int_equal(r->keylen, want[i].n);
        assert_memory_equal(r->b, want[i].b, want[i].n);  /* the same key as qsort's i-th */
        uint32_t id;
        assert_int_equal(r->len - r->keylen, sizeof id);
        memcpy(&id, r->b + r->keylen, sizeof id);
        assert_true(id < n);
        assert_int_equal(seen[id], 0);                     /* each record once, data intact */
        seen[id] = 1;
        assert_int_equal(k[id].n, r->keylen);
        assert_memory_equal(k[id].b, r->b, r->keylen);
        assert_int_equal(yb_extsort_next(s, &e), YB_OK);
    }
    assert_null(yb_extsort_peek(s));
    free(seen);
    free(want);
}

static void run_case(size_t n, size_t run_bytes, int two) {
    char dir[] = "/tmp/yb-test-extsort-XXXXXX";
    assert_non_null(mkdtemp(dir));
    key *k = make_keys(n);
    yb_extsort_stats st = {0, 0, 0};
    yb_extsort *s = NULL, *o = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_extsort_new(run_bytes, dir, &st, &s, &e), YB_OK);
    if (two) assert_int_equal(yb_extsort_new(run_bytes, dir, &st, &o, &e), YB_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(yb_extsort_add(two && (i & 1) ? o : s, k[i].b, k[i].n, &k[i].id, sizeof k[i].id, &e), YB_OK);
    if (two) assert_int_equal(yb_extsort_absorb(s, o, &e), YB_OK);
    assert_int_equal(yb_extsort_finish(s, &e), YB_OK);
    check_sorted(s, k, n);
    yb_extsort_free(s);
    yb_extsort_free(o);
    free(k);
    assert_int_equal(rmdir(dir), 0);   /* the runs are gone */
}

static void test_in_memory(void **state) {
    (void)state;
    run_case(100, 1 << 20, 0);     /* below the radix threshold: qsort */
    run_case(20000, 8 << 20, 0);   /* radix, one run */
}

static void test_spilled(void **state) {
    (void)state;
    run_case(20000, 8192, 0);      /* hundreds of runs: the cascade merges 64 at a time */
    run_case(50000, 1 << 18, 0);   /* runs of a few thousand records, radix in each */
    run_case(80000, (2u << 20) - 16, 0); /* an arena filled to within bytes of a huge page's end */
}

static void test_absorb(void **state) {
    (void)state;
    run_case(30000, 1 << 18, 1);
    run_case(3000, 1 << 20, 1);
}

/* person_cmp and person_is agree with memcmp of the person parts, whether the hashes differ or
 * not (one person with several fields; persons whose psn_no is a prefix of another's) */
/* Memory taken over in an absorb: a chain (o3 absorbed by o, o by s), then more records into s
 * until it spills: the taken-over records are written with s's and come out once each. */
static void test_absorb_then_spill(void **state) {
    (void)state;
    char dir[] = "/tmp/yb-test-extsort-XXXXXX";
    assert_non_null(mkdtemp(dir));
    size_t n = 20000, run_bytes = 1 << 16;
    key *k = make_keys(n);
    yb_extsort_stats st = {0, 0, 0};
    yb_extsort *s = NULL, *o = NULL, *o3 = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_extsort_new(run_bytes, dir, &st, &s, &e), YB_OK);
    assert_int_equal(yb_extsort_new(run_bytes, dir, &st, &o, &e), YB_OK);
    assert_int_equal(yb_extsort_new(run_bytes, dir, &st, &o3, &e), YB_OK);
    size_t i = 0;
    for (; i < 600; i++) /* all in memory */
        assert_int_equal(yb_extsort_add(i % 3 == 0 ? s : i % 3 == 1 ? o : o3, k[i].b, k[i].n, &k[i].id, sizeof k[i].id, &e), YB_OK);
    assert_int_equal(yb_extsort_absorb(o, o3, &e), YB_OK);
    assert_int_equal(yb_extsort_absorb(s, o, &e), YB_OK);
    assert_int_equal(st.runs, 0);
    for (; i < n; i++) assert_int_equal(yb_extsort_add(s, k[i].b, k[i].n, &k[i].id, sizeof k[i].id, &e), YB_OK);
    assert_true(st.runs > 1);
    assert_int_equal(yb_extsort_finish(s, &e), YB_OK);
    check_sorted(s, k, n);
    yb_extsort_free(s);
    yb_extsort_free(o);
    yb_extsort_free(o3);
    free(k);
    assert_int_equal(rmdir(dir), 0);
}

static void test_person(void **state) {
    (void)state;
    const char *psn[] = {"P1", "P10", "P1", "P2", "P10"};
    const char *fld[] = {"a", "a", "b", "a", ""};
    char buf[5][sizeof(yb_extsort_rec) + YB_EXTSORT_KEY_MAX];
    yb_extsort_rec *r[5];
    for (int i = 0; i < 5; i++) {
        yb_extsort_key k;
        yb_extsort_key_person(&k, psn[i]);
        yb_extsort_key_add(&k, fld[i]);
        r[i] = (yb_extsort_rec *)(void *)buf[i];
        r[i]->keylen = r[i]->len = k.n;
        memcpy(r[i]->b, k.b, k.n);
    }
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            size_t ni = yb_extsort_person_len(r[i]), nj = yb_extsort_person_len(r[j]);
            int c = memcmp(r[i]->b, r[j]->b, ni < nj ? ni : nj);
            if (!c) c = (ni > nj) - (ni < nj);
            int same = !strcmp(psn[i], psn[j]);
            assert_int_equal(yb_extsort_person_cmp(r[i], r[j]) < 0, c < 0);
            assert_int_equal(yb_extsort_person_cmp(r[i], r[j]) == 0, same);
            assert_int_equal(yb_extsort_person_is(r[i], r[j], nj), same);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_memory),
        cmocka_unit_test(test_spilled),
        cmocka_unit_test(test_absorb),
        cmocka_unit_test(test_absorb_then_spill),
        cmocka_unit_test(test_person),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
