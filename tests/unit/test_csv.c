/*
 * test_csv.c — the CSV reader: quoting, line ends, BOM, bounds, errors with file and line.
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic), cmocka_unit_test(test_errors), cmocka_unit_test(test_file_and_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
