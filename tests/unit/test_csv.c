/*
 * test_csv.c — the CSV reader: quoting, line ends, BOM, bounds, errors with file and line; every
 * case also read through windows of a few bytes, so that fields, quote escapes and CRLFs straddle
 * the reader's refills.
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

#include "io/csv_int.h"
#include "yibao/csv.h"

static yb_csv *open_str(const char *s, yb_err *e) {
    yb_csv *c = NULL;
    yb_err_clear(e);
    yb_rc rc = yb_csv_open_mem(s, strlen(s), "t.csv", &c, e);
    return rc == YB_OK ? c : NULL;
}

static void test_basic(void **state) {
    (void)state;
    yb_err e;
    yb_csv *c = open_str("\xEF\xBB\xBF" "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n,,\n\"multi\nline\",2,3\n\nlast,1,", &e);
    assert_non_null(c);
    assert_int_equal(yb_csv_ncols(c), 3);
    assert_int_equal(yb_csv_col(c, "a"), 0);
    assert_int_equal(yb_csv_col(c, "c"), 2);
    assert_int_equal(yb_csv_col(c, "zz"), -1);
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_csv_line(c), 2);
    assert_string_equal(yb_csv_field(c, 0, NULL), "1");
    assert_string_equal(yb_csv_field(c, 1, NULL), "x,y");
    size_t len;
    assert_string_equal(yb_csv_field(c, 2, &len), "he said \"hi\"");
    assert_int_equal(len, 12);
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_string_equal(yb_csv_field(c, 0, &len), "");
    assert_int_equal(len, 0);
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_csv_line(c), 4);
    assert_string_equal(yb_csv_field(c, 0, NULL), "multi\nline");
    assert_int_equal(yb_csv_next(c, &e), 1); /* the blank line is skipped */
    assert_int_equal(yb_csv_line(c), 7);
    assert_string_equal(yb_csv_field(c, 0, NULL), "last");
    assert_string_equal(yb_csv_field(c, 2, NULL), "");
    assert_string_equal(yb_csv_field(c, 9, NULL), "");
    assert_int_equal(yb_csv_next(c, &e), 0);
    yb_csv_close(c);
}

static void test_errors(void **state) {
    (void)state;
    yb_err e;
    char b[512];
    yb_csv *c = open_str("a,b\n1,2\n1,2,3\n", &e);
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_string_equal(yb_err_fmt(&e, b, sizeof b), "t.csv:3: 3 fields where the header has 2 (invalid)");
    yb_csv_close(c);
    c = open_str("a,b\n1,\"open\n", &e);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_non_null(strstr(e.msg, "unterminated"));
    assert_int_equal(e.line, 2);
    yb_csv_close(c);
    c = open_str("a,b\n\"x\"y,2\n", &e);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_non_null(strstr(e.msg, "after a closing quote"));
    yb_csv_close(c);
    assert_null(open_str("", &e));
    assert_non_null(strstr(e.msg, "empty"));
    assert_null(open_str("a,b,a\n", &e));
    assert_non_null(strstr(e.msg, "twice"));
    c = open_str("a,b\n", &e);
    const char *need[] = {"a", "zz"};
    int idx[2];
    assert_int_equal(yb_csv_require(c, need, 2, idx, &e), YB_E_INVALID);
    assert_string_equal(yb_err_fmt(&e, b, sizeof b), "t.csv:1: field 'zz' value '': missing column 'zz' (invalid)");
    yb_csv_close(c);
    /* a record above the bound */
    size_t big = YB_CSV_MAX_RECORD + 10;
    char *s = malloc(big + 8);
    memcpy(s, "a\n", 2);
    memset(s + 2, 'x', big);
    s[big + 2] = '\n';
    s[big + 3] = '\0';
    c = open_str(s, &e);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_int_equal(e.rc, YB_E_LIMIT);
    yb_csv_close(c);
    free(s);
}

static void test_file_and_writer(void **state) {
    (void)state;
    char path[] = "/tmp/yb_csv_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    const char *hdr[] = {"code", "name"};
    yb_csv_put_row(f, hdr, 2);
    /* enough rows to cross the read buffer several times */
    for (int i = 0; i < 20000; i++) {
        char code[32];
        snprintf(code, sizeof code, "C%d", i);
        const char *row[] = {code, i % 3 ? "plain" : "with, comma \"q\"\nand line"};
        yb_csv_put_row(f, row, 2);
    }
    fclose(f);
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open(path, &c, &e), YB_OK);
    int n = 0, r;
    long expect_line = 2;
    while ((r = yb_csv_next(c, &e)) == 1) {
        char code[32];
        snprintf(code, sizeof code, "C%d", n);
        assert_string_equal(yb_csv_field(c, 0, NULL), code);
        assert_string_equal(yb_csv_field(c, 1, NULL), n % 3 ? "plain" : "with, comma \"q\"\nand line");
        assert_int_equal(yb_csv_line(c), expect_line);
        expect_line += n % 3 ? 1 : 2;
        n++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(n, 20000);
    yb_csv_close(c);
    unlink(path);
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open("/nonexistent/x.csv", &c, &e), YB_E_IO);
    assert_string_equal(e.file, "/nonexistent/x.csv");
}


/* Read a whole document into "f1|f2|..\n" lines with each record's line number, through a window of
 * `chunk` bytes (0 = the normal reader); an error ends the text with "ERR line: message". */
static void dump(const char *doc, size_t len, size_t chunk, char *out, size_t cap) {
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    size_t o = 0;
    out[0] = '\0';
    if (yb__csv_open_mem_chunked(doc, len, "t.csv", chunk, &c, &e)) {
        snprintf(out, cap, "ERR %ld: %s", e.line, e.msg);
        return;
    }
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        o += (size_t)snprintf(out + o, cap - o, "%ld:", yb_csv_line(c));
        for (size_t i = 0; i < yb_csv_ncols(c); i++)
            o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "|" : "", yb_csv_field(c, (int)i, NULL));
        o += (size_t)snprintf(out + o, cap - o, "\n");
    }
    if (r < 0) snprintf(out + o, cap - o, "ERR %ld: %s", e.line, e.msg);
    yb_csv_close(c);
}

static void test_dialect_table(void **state) {
    (void)state;
    static const struct {
        const char *doc, *want;
    } cases[] = {
        /* LF, CRLF, lone CR, mixed; the last record without a line break */
        {"a,b\n1,2\n3,4", "2:1|2\n3:3|4\n"},
        {"a,b\r\n1,2\r\n3,4\r\n", "2:1|2\n3:3|4\n"},
        {"a,b\r1,2\r3,4", "2:1|2\n3:3|4\n"},
        {"a,b\n1,2\r\n3,4\r5,6\n", "2:1|2\n3:3|4\n4:5|6\n"},
        /* BOM; empty fields; an empty line is no record */
        {"\xEF\xBB\xBF" "a,b\n,\n\n\r\n,x\n", "2:|\n5:|x\n"},
        /* quotes: separators, "" escapes, line breaks inside (counted), empty quoted field */
        {"a,b\n\"x,y\",\"\"\"\"\n\"l1\nl2\r\nl3\",\"\"\n9,9\n", "2:x,y|\"\n3:l1\nl2\r\nl3|\n6:9|9\n"},
        /* a stray quote inside an unquoted field is kept */
        {"a,b\nab\"c,d\"\"\n", "2:ab\"c|d\"\"\n"},
        /* wide records through the 16-byte fast path, CRLF split across blocks */
        {"a,b,c\n0123456789abcde,0123456789abcdef0123456789,x\r\n", "2:0123456789abcde|0123456789abcdef0123456789|x\n"},
        {"a,b\n0123456789abcd,\r\n1,2\n", "2:0123456789abcd|\n3:1|2\n"},
        /* errors name the line where the record starts */
        {"a,b\n1,2\n3\n", "2:1|2\nERR 3: 1 fields where the header has 2"},
        {"a,b\n1,2\n\"x\ny\",2,3\n", "2:1|2\nERR 3: 3 fields where the header has 2"},
        {"a,b\n1,\"open\n\n", "ERR 2: unterminated quoted field"},
        {"a,b\n\"x\"y,2\n", "ERR 2: unexpected character after a closing quote"},
        {"", "ERR 1: empty file: no header row"},
        {"\n\n", "ERR 1: empty file: no header row"},
    };
    char got[1024], got_small[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].doc);
        dump(cases[i].doc, len, 0, got, sizeof got);
        if (strcmp(got, cases[i].want)) fail_msg("case %zu: got\n%s\nwant\n%s", i, got, cases[i].want);
        for (size_t chunk = 1; chunk <= 17; chunk++) {
            dump(cases[i].doc, len, chunk, got_small, sizeof got_small);
            if (strcmp(got_small, cases[i].want)) fail_msg("case %zu, window %zu: got\n%s", i, chunk, got_small);
        }
    }
}

static void test_bounds(void **state) {
    (void)state;
    yb_err e;
    /* exactly YB_CSV_MAX_FIELDS fields is fine, one more is not */
    char *s = malloc(6 * YB_CSV_MAX_FIELDS + 16);
    size_t o = 0;
    for (int i = 0; i < YB_CSV_MAX_FIELDS; i++) o += (size_t)sprintf(s + o, "%sc%d", i ? "," : "", i);
    s[o++] = '\n';
    s[o] = '\0';
    yb_csv *c = open_str(s, &e);
    assert_non_null(c);
    assert_int_equal(yb_csv_ncols(c), YB_CSV_MAX_FIELDS);
    yb_csv_close(c);
    memcpy(s + o - 1, ",x\n", 4);
    assert_null(open_str(s, &e));
    assert_int_equal(e.rc, YB_E_LIMIT);
    assert_string_equal(e.msg, "more than 512 fields in a record");
    free(s);
    /* a record of exactly YB_CSV_MAX_RECORD bytes is read, one byte more is refused */
    size_t big = YB_CSV_MAX_RECORD;
    s = malloc(big + 16);
    memcpy(s, "a\n", 2);
    memset(s + 2, 'y', big);
    memcpy(s + 2 + big, "\nz\n", 4);
    c = open_str(s, &e);
    assert_int_equal(yb_csv_next(c, &e), 1);
    size_t len;
    yb_csv_field(c, 0, &len);
    assert_int_equal(len, big);
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_string_equal(yb_csv_field(c, 0, NULL), "z");
    yb_csv_close(c);
    memcpy(s + 2 + big, "y\n", 3);
    c = open_str(s, &e);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_int_equal(e.rc, YB_E_LIMIT);
    assert_string_equal(e.msg, "record longer than 1048576 bytes");
    assert_int_equal(e.line, 2);
    yb_csv_close(c);
    /* the same inside a quoted field */
    s[2] = '"';
    memcpy(s + 2 + big, "y\"\n", 4);
    c = open_str(s, &e);
    assert_int_equal(yb_csv_next(c, &e), -1);
    assert_int_equal(e.rc, YB_E_LIMIT);
    yb_csv_close(c);
    free(s);
}

/* yb_csv_only: the selected columns read as before, the others give "", for records of 17 to
 * 600 bytes (fields starting in every position of the 16-byte steps), with quoted records (the
 * general path) among them, through windows of every small size; a wrong number of fields is
 * still an error. The reference is the same text read without a selection. */
static void test_only(void **state) {
    (void)state;
    enum { NC = 40, NR = 60 };
    char *doc = malloc(1 << 16);
    assert_non_null(doc);
    size_t n = 0;
    for (int k = 0; k < NC; k++) n += (size_t)sprintf(doc + n, "%sc%d", k ? "," : "", k);
    doc[n++] = '\n';
    uint32_t x = 12345;
    for (int r = 0; r < NR; r++) {
        for (int k = 0; k < NC; k++) {
            x = x * 1103515245u + 12345u;
            int len = (int)(x >> 16) % (r % 7 == 3 ? 3 : 14);
            if (k) doc[n++] = ',';
            if (r % 5 == 2 && k == 7) n += (size_t)sprintf(doc + n, "\"q,%d\"\"x\"", r);
            else
                for (int j = 0; j < len; j++) doc[n++] = (char)('a' + (r + k + j) % 26);
        }
        doc[n++] = r % 4 == 1 ? '\r' : '\n';
        if (r % 4 == 1) doc[n++] = '\n';
    }
    static const int cols[] = {0, 3, 4, 7, 17, 18, 31, 39, -1};
    for (size_t chunk = 0; chunk < 40; chunk += chunk < 20 ? 1 : 7) {
        yb_csv *a = NULL, *b = NULL;
        yb_err e;
        yb_err_clear(&e);
        assert_int_equal(yb__csv_open_mem_chunked(doc, n, "t.csv", chunk, &a, &e), YB_OK);
        assert_int_equal(yb__csv_open_mem_chunked(doc, n, "t.csv", chunk, &b, &e), YB_OK);
        yb_csv_only(b, cols, sizeof cols / sizeof *cols);
        yb__csv_set_avx2(a, 0);             /* the reference: 16 bytes a step, all fields */
        yb__csv_set_avx2(b, chunk % 2 == 0); /* 32 bytes a step where the CPU has it */
        int rows = 0;
        for (;;) {
            int ra = yb_csv_next(a, &e), rb = yb_csv_next(b, &e);
            assert_int_equal(ra, rb);
            if (ra != 1) break;
            rows++;
            for (int k = 0; k < NC; k++) {
                int want = 0;
                for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) want |= cols[i] == k;
                size_t la, lb;
                const char *fa = yb_csv_field(a, k, &la), *fb = yb_csv_field(b, k, &lb);
                if (want) {
                    assert_int_equal(la, lb);
                    assert_string_equal(fa, fb);
                } else {
                    assert_int_equal(lb, 0);
                    assert_string_equal(fb, "");
                }
            }
        }
        assert_int_equal(rows, NR);
        yb_csv_close(a);
        yb_csv_close(b);
    }
    /* one field too many in a long record: still an error naming the line */
    memcpy(doc + n, "x,", 2);
    size_t m = n + 2;
    for (int k = 0; k < NC; k++) m += (size_t)sprintf(doc + m, "%s%d", k ? "," : "", k);
    doc[m++] = '\n';
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open_mem(doc, m, "t.csv", &c, &e), YB_OK);
    yb_csv_only(c, cols, sizeof cols / sizeof *cols);
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {}
    assert_int_equal(r, -1);
    assert_int_equal(e.line, NR + 2 + NR / 4 * 0);
    yb_csv_close(c);
    free(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),         cmocka_unit_test(test_errors), cmocka_unit_test(test_file_and_writer),
        cmocka_unit_test(test_dialect_table), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
