/*
 * test_core_misc.c — dates, ID numbers, the catalogue, result codes and masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/catalog.h"
#include "yibao/date.h"
#include "yibao/idcard.h"
#include "yibao/rc.h"

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

static void test_dates(void **state) {
    (void)state;
    yb_date d;
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(D("1970-01-02"), 1);
    assert_int_equal(D("1969-12-31"), -1);
    assert_int_equal(D("20000229"), D("2000-02-29"));
    assert_int_equal(yb_date_parse("1900-02-29", 10, &d), YB_E_INVALID);
    assert_int_equal(yb_date_parse("2024-13-01", 10, &d), YB_E_INVALID);
    assert_int_equal(yb_date_parse("2024-04-31", 10, &d), YB_E_INVALID);
    assert_int_equal(yb_date_parse("2024-4-1", 8, &d), YB_E_INVALID);
    assert_int_equal(yb_date_parse("2024/04/01", 10, &d), YB_E_INVALID);
    assert_int_equal(D("2025-03-01") - D("2025-02-28"), 1);
    assert_int_equal(D("2024-03-01") - D("2024-02-28"), 2);
    char b[20];
    assert_string_equal(yb_date_fmt(D("2025-12-31"), b), "2025-12-31");
    assert_string_equal(yb_date_fmt(D("0001-01-01"), b), "0001-01-01");
    yb_datetime t;
    assert_int_equal(yb_datetime_parse("2025-05-01 08:30:05", 19, &t), YB_OK);
    assert_string_equal(yb_datetime_fmt(t, b), "2025-05-01 08:30:05");
    assert_int_equal(yb_datetime_date(t), D("2025-05-01"));
    assert_int_equal(yb_datetime_parse("2025-05-01T23:59:59", 19, &t), YB_OK);
    assert_int_equal(yb_datetime_parse("2025-05-01 24:00:00", 19, &t), YB_E_INVALID);
    assert_int_equal(yb_datetime_parse("2025-05-01 23:60:00", 19, &t), YB_E_INVALID);
    assert_int_equal(yb_datetime_parse("2025-05-01", 10, &t), YB_OK);
    assert_int_equal(t, (yb_datetime)D("2025-05-01") * 86400);
    /* before 1970 the date of a datetime floors */
    assert_int_equal(yb_datetime_parse("1969-12-31 23:00:00", 19, &t), YB_OK);
    assert_int_equal(yb_datetime_date(t), -1);
    assert_int_equal(yb_date_year(D("2025-12-31")), 2025);
    assert_int_equal(yb_date_weekday(D("2025-11-24")), 0); /* a Monday */
    assert_int_equal(yb_date_weekday(D("1970-01-01")), 3); /* a Thursday */
    assert_int_equal(yb_age_years(D("2000-02-29"), D("2018-02-28")), 17);
    assert_int_equal(yb_age_years(D("2000-02-29"), D("2018-03-01")), 18);
    assert_int_equal(yb_age_years(D("2000-06-15"), D("2000-06-14")), -1);
}

static void test_idcard(void **state) {
    (void)state;
    yb_date birth;
    int sex;
    yb_err e;
    yb_err_clear(&e);
    /* classic valid example: 110105 1949-12-31 002 X, sequence 002 even -> female */
    assert_int_equal(yb_idcard_check("11010519491231002X", 18, YB_DATE_NONE, &birth, &sex, &e), YB_OK);
    assert_int_equal(birth, D("1949-12-31"));
    assert_int_equal(sex, 2);
    assert_int_equal(yb_idcard_check("11010519491231002x", 18, YB_DATE_NONE, NULL, NULL, &e), YB_OK);
    /* a constructed one: 360102 1980-05-17 031 + check */
    char id[19] = "36010219800517031";
    id[17] = yb_idcard_check_char(id);
    id[18] = '\0';
    assert_int_equal(yb_idcard_check(id, 18, D("2025-01-01"), &birth, &sex, &e), YB_OK);
    assert_int_equal(sex, 1);
    /* wrong check character */
    char bad[19];
    memcpy(bad, id, 19);
    bad[17] = bad[17] == '0' ? '1' : '0';
    assert_int_equal(yb_idcard_check(bad, 18, YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    assert_string_equal(e.field, "certno");
    assert_null(strstr(e.value, "19800517")); /* masked: the birth date is not shown */
    assert_non_null(strstr(e.msg, "check character"));
    yb_err_clear(&e);
    assert_int_equal(yb_idcard_check("110105194902300021", 18, YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "birth date"));
    yb_err_clear(&e);
    assert_int_equal(yb_idcard_check("1101051949123100", 16, YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "18 characters"));
    yb_err_clear(&e);
    assert_int_equal(yb_idcard_check("1101051949123A002X", 18, YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    /* born after "today" */
    memcpy(id, "36010220300517031", 17);
    id[17] = yb_idcard_check_char(id);
    yb_err_clear(&e);
    assert_int_equal(yb_idcard_check(id, 18, D("2025-01-01"), NULL, NULL, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "future"));
}

static yb_cat_entry entry(const char *code, const char *lv, const char *from, const char *to, const char *area) {
    yb_cat_entry e;
    memset(&e, 0, sizeof e);
    strcpy(e.code, code);
    strcpy(e.chrgitm_lv, lv);
    e.cap[1] = e.cap[2] = e.cap[3] = -1;
    e.begndate = D(from);
    e.enddate = to ? D(to) : YB_DATE_MAX;
    strcpy(e.admdvs, area);
    return e;
}

static void test_catalog(void **state) {
    (void)state;
    yb_catalog *c = yb_catalog_new();
    yb_err e;
    yb_err_clear(&e);
    yb_cat_entry a = entry("001102000050000", "01", "2025-01-01", "2025-06-30", "");
    yb_cat_entry b = entry("001102000050000", "02", "2025-07-01", NULL, "");
    yb_cat_entry l = entry("001102000050000", "03", "2025-01-01", NULL, "360100");
    assert_int_equal(yb_catalog_add(c, &a, &e), YB_OK);
    assert_int_equal(yb_catalog_add(c, &b, &e), YB_OK);
    assert_int_equal(yb_catalog_add(c, &l, &e), YB_OK);
    /* all-areas entry by date */
    assert_string_equal(yb_catalog_find(c, "001102000050000", "330100", D("2025-06-30"))->chrgitm_lv, "01");
    assert_string_equal(yb_catalog_find(c, "001102000050000", "330100", D("2025-07-01"))->chrgitm_lv, "02");
    /* area-specific entry wins in its area */
    assert_string_equal(yb_catalog_find(c, "001102000050000", "360100", D("2025-03-01"))->chrgitm_lv, "03");
    assert_null(yb_catalog_find(c, "001102000050000", "330100", D("2024-12-31")));
    assert_null(yb_catalog_find(c, "XNOTHERE", "360100", D("2025-03-01")));
    /* overlap of the same code and area is refused */
    yb_cat_entry o = entry("001102000050000", "01", "2025-06-01", "2025-08-01", "");
    assert_int_equal(yb_catalog_add(c, &o, &e), YB_E_DUPLICATE);
    yb_err_clear(&e);
    yb_cat_entry bad = entry("X1", "05", "2025-01-01", NULL, "");
    assert_int_equal(yb_catalog_add(c, &bad, &e), YB_E_INVALID);
    assert_string_equal(e.field, "chrgitm_lv");
    yb_err_clear(&e);
    yb_cat_entry back = entry("X2", "01", "2025-02-01", "2025-01-01", "");
    assert_int_equal(yb_catalog_add(c, &back, &e), YB_E_INVALID);
    /* many codes: the table grows and every code is still found */
    char code[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(code, sizeof code, "C%06d", i);
        yb_cat_entry x = entry(code, "01", "2025-01-01", NULL, "");
        assert_int_equal(yb_catalog_add(c, &x, NULL), YB_OK);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(code, sizeof code, "C%06d", i);
        assert_non_null(yb_catalog_find(c, code, "", D("2025-05-05")));
    }
    assert_int_equal(yb_catalog_count(c), 5003);
    assert_string_equal(yb_catalog_at(c, 0)->code, "001102000050000");
    yb_catalog_free(c);
}

static void test_errors(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_err_set(&e, YB_E_PRECISION, "cnt", "1.23456", "more than %d decimals", 4), YB_E_PRECISION);
    yb_err_set(&e, YB_E_INVALID, "other", "x", "second error is ignored");
    yb_err_at(&e, "fee_list_d.csv", 17);
    char buf[512];
    assert_string_equal(yb_err_fmt(&e, buf, sizeof buf),
                        "fee_list_d.csv:17: field 'cnt' value '1.23456': more than 4 decimals (precision)");
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, "input.psninfo.certno", "36010219800517031X", "bad");
    assert_string_equal(e.value, "360************1X");
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, "psn_name", "张三丰", "bad");
    assert_string_equal(e.value, "张**");
    assert_int_equal(yb_is_personal_field("data.tel"), 1);
    assert_int_equal(yb_is_personal_field("med_list_codg"), 0);
    assert_string_equal(yb_rc_str(YB_E_MISMATCH), "mismatch");
    assert_int_equal(yb_rc_exit(YB_OK), 0);
    assert_int_equal(yb_rc_exit(YB_E_USAGE), 1);
    assert_true(yb_rc_exit(YB_E_INVALID) > 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates), cmocka_unit_test(test_idcard), cmocka_unit_test(test_catalog),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
