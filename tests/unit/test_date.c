/*
 * test_date.c — civil dates and date-times: day numbers, validation of every field, formatting,
 * weekdays and ages across birthdays.
 *
 * Expected day numbers are days since 1970-01-01, worked out by hand from whole years:
 * 2000-01-01 = 30 years = 30 x 365 + 7 leap days (72,76,80,84,88,92,96) = 10957.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/date.h"

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

struct good_date {
    const char *text;
    int y, m, d;
    yb_date days;
};

static void test_valid_dates(void **state) {
    (void)state;
    static const struct good_date cases[] = {
        {"1970-01-01", 1970, 1, 1, 0},
        {"1970-01-02", 1970, 1, 2, 1},
        {"1969-12-31", 1969, 12, 31, -1},
        {"2000-01-01", 2000, 1, 1, 10957},
        {"2000-02-29", 2000, 2, 29, 11016},  /* 10957 + 31 (Jan) + 28: divisible by 400, a leap year */
        {"20000229", 2000, 2, 29, 11016},    /* compact form */
        {"2000-03-01", 2000, 3, 1, 11017},
        {"2024-02-29", 2024, 2, 29, 19782},  /* 2024-01-01 = 54 x 365 + 13 leap days = 19723; + 59 */
        {"1900-01-01", 1900, 1, 1, -25567},  /* 70 x 365 + 17 leap days (1904..1968) = 25567 before */
        {"1900-03-01", 1900, 3, 1, -25508},  /* -25567 + 31 + 28: 1900 is not a leap year */
        {"1949-12-31", 1949, 12, 31, -7306}, /* 1950-01-01 = -(20 x 365 + 5) = -7305 */
        {"0001-01-01", 1, 1, 1, -719162},    /* first day we accept */
        {"9999-12-31", 9999, 12, 31, 2932896}, /* last day we accept */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct good_date *c = &cases[i];
        yb_date d = YB_DATE_NONE, m = YB_DATE_NONE;
        assert_int_equal(yb_date_parse(c->text, strlen(c->text), &d), YB_OK);
        assert_int_equal(d, c->days);
        assert_int_equal(yb_date_make(c->y, c->m, c->d, &m), YB_OK);
        assert_int_equal(m, c->days);
        int y, mo, dd;
        yb_date_ymd(d, &y, &mo, &dd);
        assert_int_equal(y, c->y);
        assert_int_equal(mo, c->m);
        assert_int_equal(dd, c->d);
        assert_int_equal(yb_date_year(d), c->y);
        char b[11], want[11];
        if (strlen(c->text) == 8) { /* "yyyyMMdd" formats as "yyyy-MM-dd" */
            memcpy(want, c->text, 4);
            want[4] = '-';
            memcpy(want + 5, c->text + 4, 2);
            want[7] = '-';
            memcpy(want + 8, c->text + 6, 2);
            want[10] = '\0';
        } else {
            memcpy(want, c->text, 11);
        }
        assert_string_equal(yb_date_fmt(d, b), want);
    }
}

static void test_invalid_dates(void **state) {
    (void)state;
    static const char *const bad[] = {
        "1900-02-29", /* divisible by 100, not by 400 */
        "2023-02-29", "2024-02-30", "2024-13-01", "2024-00-10", "2024-04-31", "2024-06-31", "2024-01-32",
        "2024-01-00", "0000-01-01", "2024-4-1", "2024/04/01", "2024-04-01 ", " 2024-04-01", "24-04-01",
        "2024-04-0a", "2024-0x-01", "+024-04-01", "-024-04-01", "2024_04_01", "202404011", "2024041",
        "", "2024-04-01T00:00:00", "２０２４-04-01", "20241301", "19000229",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        yb_date d = 12345;
        yb_rc rc = yb_date_parse(bad[i], strlen(bad[i]), &d);
        if (rc != YB_E_INVALID) print_error("'%s' was accepted\n", bad[i]);
        assert_int_equal(rc, YB_E_INVALID);
        assert_int_equal(d, 12345); /* output untouched */
    }
    yb_date d;
    assert_int_equal(yb_date_make(0, 1, 1, &d), YB_E_INVALID);
    assert_int_equal(yb_date_make(10000, 1, 1, &d), YB_E_INVALID);
    assert_int_equal(yb_date_make(2024, 2, 30, &d), YB_E_INVALID);
    assert_int_equal(yb_date_make(2024, -1, 1, &d), YB_E_INVALID);
}

struct dt_case {
    const char *text;
    yb_rc rc;
    yb_datetime t; /* seconds since 1970-01-01 00:00:00 */
    const char *fmt;
};

static void test_datetimes(void **state) {
    (void)state;
    /* 2025-05-01 = day 20209 (2025-01-01 = 55 x 365 + 14 leap days = 20089; + 120 days Jan..Apr);
     * 20209 x 86400 = 1746057600 */
    static const struct dt_case cases[] = {
        {"2025-05-01 08:30:05", YB_OK, INT64_C(1746057600) + 8 * 3600 + 30 * 60 + 5, "2025-05-01 08:30:05"},
        {"2025-05-01T23:59:59", YB_OK, INT64_C(1746057600) + 86399, "2025-05-01 23:59:59"},
        {"2025-05-01 00:00:00", YB_OK, INT64_C(1746057600), "2025-05-01 00:00:00"},
        {"2025-05-01", YB_OK, INT64_C(1746057600), "2025-05-01 00:00:00"},
        {"20250501", YB_OK, INT64_C(1746057600), "2025-05-01 00:00:00"},
        {"1969-12-31 23:00:00", YB_OK, -3600, "1969-12-31 23:00:00"},
        {"2025-05-01 24:00:00", YB_E_INVALID, 0, NULL},
        {"2025-05-01 23:60:00", YB_E_INVALID, 0, NULL},
        {"2025-05-01 23:59:60", YB_E_INVALID, 0, NULL},
        {"2025-05-01 8:30:05", YB_E_INVALID, 0, NULL},
        {"2025-05-01 08-30-05", YB_E_INVALID, 0, NULL},
        {"2025-05-01x08:30:05", YB_E_INVALID, 0, NULL},
        {"2025-05-01 08:30:0a", YB_E_INVALID, 0, NULL},
        {"2025-02-30 08:30:05", YB_E_INVALID, 0, NULL},
        {"2025-05-01 08:30:05Z", YB_E_INVALID, 0, NULL},
        {"2025-05-01 08:30", YB_E_INVALID, 0, NULL},
        {"20250501 083005", YB_E_INVALID, 0, NULL},
        {"", YB_E_INVALID, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dt_case *c = &cases[i];
        yb_datetime t = 777;
        yb_rc rc = yb_datetime_parse(c->text, strlen(c->text), &t);
        if (rc != c->rc) print_error("case '%s': rc %d, want %d\n", c->text, rc, c->rc);
        assert_int_equal(rc, c->rc);
        if (rc != YB_OK) {
            assert_int_equal(t, 777);
            continue;
        }
        assert_int_equal(t, c->t);
        char b[20];
        assert_string_equal(yb_datetime_fmt(t, b), c->fmt);
    }
    /* the date of a datetime floors, also before 1970 */
    assert_int_equal(yb_datetime_date(-3600), -1);
    assert_int_equal(yb_datetime_date(-86400), -1);
    assert_int_equal(yb_datetime_date(-86401), -2);
    assert_int_equal(yb_datetime_date(86399), 0);
}

static void test_format_out_of_range(void **state) {
    (void)state;
    char b[20];
    /* days that are not dates of years 1..9999 get a fixed marker that does not parse */
    assert_string_equal(yb_date_fmt(YB_DATE_MAX, b), "0000-00-00");
    assert_string_equal(yb_date_fmt(YB_DATE_NONE, b), "0000-00-00");
    assert_string_equal(yb_date_fmt(2932897, b), "0000-00-00");  /* 10000-01-01 */
    assert_string_equal(yb_date_fmt(-719163, b), "0000-00-00");  /* 0000-12-31 */
    assert_string_equal(yb_datetime_fmt(YB_DATETIME_NONE, b), "0000-00-00 00:00:00");
    assert_string_equal(yb_datetime_fmt(INT64_MAX, b), "0000-00-00 00:00:00");
    yb_date d;
    assert_int_equal(yb_date_parse(b, 10, &d), YB_E_INVALID);
}

struct weekday_case {
    const char *date;
    int weekday; /* 0 = Monday .. 6 = Sunday */
};

static void test_weekday(void **state) {
    (void)state;
    static const struct weekday_case cases[] = {
        {"1970-01-01", 3}, /* Thursday */
        {"1969-12-31", 2}, /* Wednesday: negative day numbers wrap correctly */
        {"2000-01-01", 5}, /* Saturday */
        {"2024-02-29", 3}, /* Thursday */
        {"2025-11-24", 0}, /* Monday */
        {"2025-11-30", 6}, /* Sunday */
        {"0001-01-01", 0}, /* Monday in the proleptic Gregorian calendar */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(yb_date_weekday(D(cases[i].date)), cases[i].weekday);
}

struct age_case {
    const char *birth, *on;
    int age;
};

static void test_age(void **state) {
    (void)state;
    static const struct age_case cases[] = {
        {"1960-05-17", "2025-05-16", 64}, /* the day before the 65th birthday */
        {"1960-05-17", "2025-05-17", 65}, /* on the birthday */
        {"1960-05-17", "2025-05-18", 65},
        {"1960-05-17", "2025-12-31", 65},
        {"1960-12-31", "2025-01-01", 64},
        {"2000-02-29", "2018-02-28", 17}, /* born on 29 February: a year older on 1 March */
        {"2000-02-29", "2018-03-01", 18},
        {"2000-02-29", "2020-02-29", 20},
        {"2025-03-01", "2025-03-01", 0},  /* newborn */
        {"2025-03-01", "2026-02-28", 0},
        {"2025-03-01", "2026-03-01", 1},
        {"2000-06-15", "2000-06-14", -1}, /* on before birth */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct age_case *c = &cases[i];
        int a = yb_age_years(D(c->birth), D(c->on));
        if (a != c->age) print_error("born %s on %s: %d, want %d\n", c->birth, c->on, a, c->age);
        assert_int_equal(a, c->age);
    }
}

static void test_round_trip_every_day(void **state) {
    (void)state;
    /* every day of 1899..2101 formats and parses back to itself, and consecutive days differ by 1 */
    yb_date first = D("1899-01-01"), last = D("2101-12-31");
    int py = 0, pm = 0, pd = 0;
    for (yb_date d = first; d <= last; d++) {
        char b[11];
        yb_date_fmt(d, b);
        assert_int_equal(D(b), d);
        int y, m, dd;
        yb_date_ymd(d, &y, &m, &dd);
        if (d > first) {
            int next_day = (y == py && m == pm && dd == pd + 1);
            int next_month = (y == py && m == pm + 1 && dd == 1);
            int next_year = (y == py + 1 && m == 1 && dd == 1 && pm == 12 && pd == 31);
            assert_true(next_day || next_month || next_year);
        }
        py = y;
        pm = m;
        pd = dd;
    }
    /* 1899-01-01 .. 2101-12-31 is 203 years with 49 leap days (1904..2096 every 4th but 2000
     * counted, 1900 and 2100 not): 203 x 365 + 49 = 74144 days */
    assert_int_equal(last - first + 1, 74144);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_dates),   cmocka_unit_test(test_invalid_dates),
        cmocka_unit_test(test_datetimes),     cmocka_unit_test(test_format_out_of_range),
        cmocka_unit_test(test_weekday),       cmocka_unit_test(test_age),
        cmocka_unit_test(test_round_trip_every_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
