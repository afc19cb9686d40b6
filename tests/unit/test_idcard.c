/*
 * test_idcard.c — GB 11643 identity numbers: check character (ISO 7064 MOD 11-2), birth date,
 * sex, and masking of the number in errors.
 *
 * Check character = "10X98765432"[sum(d_i x w_i) mod 11] with weights 7 9 10 5 8 4 2 1 6 3 7 9
 * 10 5 8 4 2. The sums below are worked out digit by digit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/idcard.h"

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

struct check_case {
    const char *first17;
    char check;
};

static void test_check_char(void **state) {
    (void)state;
    static const struct check_case cases[] = {
        /* 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2 = 167; 167 mod 11 = 2 -> X */
        {"11010519491231002", 'X'},
        /* 4*7+4*9+0+3*5+0+5*4+1*2+9*1+9*6+0+0+1*9+0+1*5+1*8+2*4+5*2 = 204; 204 mod 11 = 6 -> 6 */
        {"44030519900101125", '6'},
        /* 6*7+5*9+0+1*5+0+2*4+1*2+9*1+6*6+5*3+1*7+0+1*10+0+0+3*4+2*2 = 195; 195 mod 11 = 8 -> 4 */
        {"65010219651010032", '4'},
        /* 3*7+6*9+0+1*5+0+2*4+1*2+9*1+8*6+0+0+5*9+1*10+7*5+0+3*4+1*2 = 251; 251 mod 11 = 9 -> 3 */
        {"36010219800517031", '3'},
        /* same with sequence 032: 251 - 1*2 + 2*2 = 253; 253 mod 11 = 0 -> 1 */
        {"36010219800517032", '1'},
        /* 2*7+3*9+0+1*5+0+6*4+1*2+9*1+8*6+8*3+1*7+2*9+3*10+1*5+4*8+5*4+8*2 = 281; 281 mod 11 = 6 -> 6 */
        {"23010619881231458", '6'},
        /* all zeros: sum 0 -> '1' */
        {"00000000000000000", '1'},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(yb_idcard_check_char(cases[i].first17), cases[i].check);
}

struct id_case {
    const char *id;
    const char *today; /* NULL = no future check */
    yb_rc rc;
    const char *birth; /* on success */
    int sex;           /* 1 male, 2 female */
    const char *msg;   /* part of the message on failure */
};

static void test_idcard_table(void **state) {
    (void)state;
    static const struct id_case cases[] = {
        {"11010519491231002X", NULL, YB_OK, "1949-12-31", 2, NULL},          /* sequence 002: even, female */
        {"11010519491231002x", NULL, YB_OK, "1949-12-31", 2, NULL},          /* lowercase x accepted */
        {"440305199001011256", "2025-01-01", YB_OK, "1990-01-01", 1, NULL},  /* 125 odd: male */
        {"650102196510100324", "2025-01-01", YB_OK, "1965-10-10", 2, NULL},
        {"360102198005170313", "1980-05-17", YB_OK, "1980-05-17", 1, NULL},  /* born today is fine */
        {"230106198812314586", NULL, YB_OK, "1988-12-31", 2, NULL},
        {"110105194912310021", NULL, YB_E_INVALID, NULL, 0, "check character"}, /* X expected */
        {"440305199001011257", NULL, YB_E_INVALID, NULL, 0, "check character"},
        {"44030519900101125X", NULL, YB_E_INVALID, NULL, 0, "check character"},
        {"360102198005170313", "1980-05-16", YB_E_INVALID, NULL, 0, "future"},
        {"110105194902300021", NULL, YB_E_INVALID, NULL, 0, "birth date"},   /* 30 February */
        {"110105190002290017", NULL, YB_E_INVALID, NULL, 0, "birth date"},   /* 1900 not a leap year */
        {"110105199913010011", NULL, YB_E_INVALID, NULL, 0, "birth date"},   /* month 13 */
        {"110105000001010011", NULL, YB_E_INVALID, NULL, 0, "birth date"},   /* year 0 */
        {"1101051949123100", NULL, YB_E_INVALID, NULL, 0, "18 characters"},
        {"11010519491231002X1", NULL, YB_E_INVALID, NULL, 0, "18 characters"},
        {"", NULL, YB_E_INVALID, NULL, 0, "18 characters"},
        {"110105194912310", NULL, YB_E_INVALID, NULL, 0, "18 characters"},  /* old 15-digit form */
        {"1101051949123A002X", NULL, YB_E_INVALID, NULL, 0, "not a digit"},
        {"X10105194912310020", NULL, YB_E_INVALID, NULL, 0, "not a digit"},
        {"11010519491231002Y", NULL, YB_E_INVALID, NULL, 0, "digit or X"},
        {"11010519491231002 ", NULL, YB_E_INVALID, NULL, 0, "digit or X"},
        {"１10105194912310020", NULL, YB_E_INVALID, NULL, 0, NULL},            /* full-width digit */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct id_case *c = &cases[i];
        yb_err e;
        yb_err_clear(&e);
        yb_date birth = 777;
        int sex = 777;
        yb_rc rc = yb_idcard_check(c->id, strlen(c->id), c->today ? D(c->today) : YB_DATE_NONE, &birth, &sex, &e);
        if (rc != c->rc) print_error("case %zu: rc %d, want %d (%s)\n", i, rc, c->rc, e.msg);
        assert_int_equal(rc, c->rc);
        if (rc == YB_OK) {
            assert_int_equal(birth, D(c->birth));
            assert_int_equal(sex, c->sex);
            assert_int_equal(e.rc, YB_OK);
            continue;
        }
        assert_int_equal(birth, 777); /* outputs untouched on failure */
        assert_int_equal(sex, 777);
        assert_int_equal(e.rc, YB_E_INVALID);
        assert_string_equal(e.field, "certno");
        if (c->msg && !strstr(e.msg, c->msg)) print_error("case %zu: message '%s'\n", i, e.msg);
        if (c->msg) assert_non_null(strstr(e.msg, c->msg));
    }
}

static void test_masked_in_errors(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    /* wrong check character: the error shows the first 3 and last 2 characters only */
    assert_int_equal(yb_idcard_check("440305199001011257", 18, YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    assert_string_equal(e.value, "440************57");
    assert_null(strstr(e.value, "19900101"));
    assert_null(strstr(e.msg, "19900101"));
    char buf[512];
    yb_err_fmt(&e, buf, sizeof buf);
    assert_null(strstr(buf, "0305199001"));
    /* a very long input is cut before masking and still masked */
    yb_err_clear(&e);
    const char *longer = "4403051990010112561234567890";
    assert_int_equal(yb_idcard_check(longer, strlen(longer), YB_DATE_NONE, NULL, NULL, &e), YB_E_INVALID);
    assert_null(strstr(e.value, "19900101"));
    /* NULL outputs and NULL err are allowed */
    assert_int_equal(yb_idcard_check("11010519491231002X", 18, YB_DATE_NONE, NULL, NULL, NULL), YB_OK);
    assert_int_equal(yb_idcard_check("11010519491231002Y", 18, YB_DATE_NONE, NULL, NULL, NULL), YB_E_INVALID);
}

static void test_constructed_numbers(void **state) {
    (void)state;
    /* every birth day of 2000 with every sequence parity: the computed check character is accepted,
     * each other character is refused */
    static const char alphabet[] = "0123456789X";
    for (yb_date d = D("2000-01-01"); d <= D("2000-12-31"); d++) {
        char b[11], id[19];
        yb_date_fmt(d, b);
        memcpy(id, "360102", 6);
        memcpy(id + 6, b, 4);
        memcpy(id + 10, b + 5, 2);
        memcpy(id + 12, b + 8, 2);
        memcpy(id + 14, d % 2 ? "031" : "032", 3);
        id[17] = yb_idcard_check_char(id);
        id[18] = '\0';
        yb_date birth;
        int sex;
        assert_int_equal(yb_idcard_check(id, 18, D("2025-01-01"), &birth, &sex, NULL), YB_OK);
        assert_int_equal(birth, d);
        assert_int_equal(sex, d % 2 ? 1 : 2);
        char right = id[17];
        for (const char *a = alphabet; *a; a++) {
            if (*a == right) continue;
            id[17] = *a;
            assert_int_equal(yb_idcard_check(id, 18, YB_DATE_NONE, NULL, NULL, NULL), YB_E_INVALID);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_char),
        cmocka_unit_test(test_idcard_table),
        cmocka_unit_test(test_masked_in_errors),
        cmocka_unit_test(test_constructed_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
