/*
 * test_core_misc.c — result codes, first-error detail, masking of personal data, and the
 * reference data's policy list (lookup by area and date, duplicate and overlap rejection).
 *
 * Dates, ID numbers and the catalogue have their own test programs (test_date.c,
 * test_idcard.c, test_catalog.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/rc.h"
#include "yibao/refdata.h"

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

static void test_rc_table(void **state) {
    (void)state;
    static const char *const names[YB_RC_COUNT_] = {
        "ok", "nomem", "invalid", "overflow", "precision", "notfound", "io", "db", "state",
        "mismatch", "duplicate", "policy", "limit", "usage", "perm", "internal",
    };
    for (int i = 0; i < YB_RC_COUNT_; i++) assert_string_equal(yb_rc_str((yb_rc)i), names[i]);
    assert_string_equal(yb_rc_str(YB_RC_COUNT_), "unknown");
    assert_string_equal(yb_rc_str((yb_rc)-1), "unknown");
    /* exit codes: 0 ok, 1 usage, the others distinct and >= 2 */
    assert_int_equal(yb_rc_exit(YB_OK), 0);
    assert_int_equal(yb_rc_exit(YB_E_USAGE), 1);
    for (int i = 1; i < YB_RC_COUNT_; i++) {
        if (i == YB_E_USAGE) continue;
        assert_true(yb_rc_exit((yb_rc)i) >= 2);
        for (int j = 1; j < i; j++) assert_true(yb_rc_exit((yb_rc)i) != yb_rc_exit((yb_rc)j));
    }
    assert_int_equal(yb_rc_exit(YB_E_INVALID), 12); /* stable: scripts match on these */
    assert_int_equal(yb_rc_exit(YB_E_INTERNAL), 24);
    assert_int_equal(yb_rc_exit((yb_rc)99), 2);
}

static void test_first_error_wins(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(e.rc, YB_OK);
    assert_int_equal(yb_err_set(&e, YB_E_PRECISION, "cnt", "1.23456", "more than %d decimals", 4), YB_E_PRECISION);
    assert_int_equal(yb_err_set(&e, YB_E_INVALID, "other", "x", "second error is ignored"), YB_E_INVALID);
    yb_err_at(&e, "mdtrt_d.csv", 17);
    yb_err_at(&e, "other.csv", 99); /* location is filled once */
    assert_int_equal(e.rc, YB_E_PRECISION);
    assert_string_equal(e.field, "cnt");
    char buf[512];
    assert_string_equal(yb_err_fmt(&e, buf, sizeof buf),
                        "mdtrt_d.csv:17: field 'cnt' value '1.23456': more than 4 decimals (precision)");
    /* NULL err is allowed everywhere and the code still comes back */
    assert_int_equal(yb_err_set(NULL, YB_E_IO, "f", "v", "x"), YB_E_IO);
    yb_err_at(NULL, "f", 1);
    yb_err_clear(NULL);
}

struct fmt_case {
    const char *file;
    long line;
    const char *field, *value, *msg;
    yb_rc rc;
    const char *want;
};

static void test_err_fmt(void **state) {
    (void)state;
    static const struct fmt_case cases[] = {
        {"a.csv", 3, "cnt", "x", "not a number", YB_E_INVALID, "a.csv:3: field 'cnt' value 'x': not a number (invalid)"},
        {"a.json", 0, "input.x", "1", "bad", YB_E_INVALID, "a.json: field 'input.x' value '1': bad (invalid)"},
        {NULL, 7, NULL, NULL, "too long", YB_E_LIMIT, "line 7: too long (limit)"},
        {NULL, 0, NULL, NULL, "out of memory", YB_E_NOMEM, "out of memory (nomem)"},
        {NULL, 0, NULL, "v", "m", YB_E_STATE, "value 'v': m (state)"},
        {NULL, 0, "f", NULL, "", YB_E_DB, "field 'f' value '': error (db)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct fmt_case *c = &cases[i];
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, c->rc, c->field, c->value, "%s", c->msg);
        yb_err_at(&e, c->file, c->line);
        char buf[512];
        assert_string_equal(yb_err_fmt(&e, buf, sizeof buf), c->want);
    }
    /* a small buffer is cut, still terminated */
    yb_err e;
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, "cnt", "x", "not a number");
    char small[12];
    yb_err_fmt(&e, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_string_equal(small, "field 'cnt'");
    /* long strings are truncated into the fixed fields */
    char lng[600];
    memset(lng, 'a', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, lng, lng, "%s", lng);
    yb_err_at(&e, lng, 1);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
    assert_int_equal(strlen(e.value), sizeof e.value - 1);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
    assert_int_equal(strlen(e.file), sizeof e.file - 1);
}

struct mask_case {
    const char *field, *value, *want;
};

static void test_masking(void **state) {
    (void)state;
    static const struct mask_case cases[] = {
        /* ID numbers: first 3 and last 2 kept, at most 12 stars (18 - 5 = 13 -> 12) */
        {"certno", "36010219800517031X", "360************1X"},
        {"input.psninfo.certno", "36010219800517031X", "360************1X"},
        {"feedetail[3].certno", "36010219800517031X", "360************1X"},
        {"data.mdtrt_cert_no", "36010219800517031X", "360************1X"},
        {"CERTNO", "36010219800517031X", "360************1X"}, /* case does not matter */
        {"certno[0]", "36010219800517031X", "360************1X"},
        /* phone: 11 digits -> 3 + 6 stars + 2 */
        {"tel", "13812345678", "138******78"},
        {"data.tel", "13812345678", "138******78"},
        /* short values are masked whole */
        {"tel", "1234567", "*******"},
        {"certno", "", ""},
        /* names: first character, then two stars whatever the length */
        {"psn_name", "张三丰", "张**"},
        {"data.psn_name", "欧阳娜娜", "欧**"},
        {"coner_name", "李四", "李**"},
        {"patn_name", "Wang Wei", "W**"},
        {"psn_name", "王", "*"},
        /* addresses: whole UTF-8 characters kept, never half of one */
        {"addr", "江西省南昌市红谷滩区丰和中大道1号", "江西省************1号"},
        {"addr", "北京市东城区", "******"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mask_case *c = &cases[i];
        assert_true(yb_is_personal_field(c->field));
        char out[96];
        yb_mask(c->field, c->value, out, sizeof out);
        if (strcmp(out, c->want)) print_error("case %zu: '%s', want '%s'\n", i, out, c->want);
        assert_string_equal(out, c->want);
        /* yb_err_set stores the same masked text */
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_INVALID, c->field, c->value, "bad");
        assert_string_equal(e.value, c->want);
    }
    static const char *const not_personal[] = {
        "med_list_codg", "cnt", "emp_name", "fixmedins_name", "name", "psn_no", "certno_type", "data.cert_type",
        "telephone_count", "", NULL,
    };
    for (size_t i = 0; i < sizeof not_personal / sizeof not_personal[0]; i++)
        assert_false(yb_is_personal_field(not_personal[i]));
    /* a non-personal field keeps its value */
    yb_err e;
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, "emp_name", "某某公司", "bad");
    assert_string_equal(e.value, "某某公司");
    /* a tiny output buffer cuts at a character boundary */
    char out[5];
    yb_mask("addr", "江西省南昌市红谷滩区", out, sizeof out);
    assert_string_equal(out, "江");
    yb_mask("certno", NULL, out, sizeof out);
    assert_string_equal(out, "");
}

static yb_policy *pol(const char *admdvs, const char *version, const char *from, const char *to) {
    yb_policy *p = calloc(1, sizeof *p);
    assert_non_null(p);
    snprintf(p->admdvs, sizeof p->admdvs, "%s", admdvs);
    snprintf(p->version, sizeof p->version, "%s", version);
    p->effective_from = D(from);
    p->effective_to = to ? D(to) : YB_DATE_MAX;
    return p;
}

struct policy_case {
    const char *admdvs, *on;
    const char *want; /* version, NULL = none */
};

static void test_refdata_policies(void **state) {
    (void)state;
    yb_refdata *r = yb_refdata_new();
    assert_non_null(r);
    assert_non_null(r->catalog);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_refdata_add_policy(r, pol("360100", "2024", "2024-01-01", "2024-12-31"), &e), YB_OK);
    assert_int_equal(yb_refdata_add_policy(r, pol("360100", "2025", "2025-01-01", NULL), &e), YB_OK);
    assert_int_equal(yb_refdata_add_policy(r, pol("330100", "2025", "2025-03-01", "2025-12-31"), &e), YB_OK);
    static const struct policy_case cases[] = {
        {"360100", "2024-01-01", "2024"},
        {"360100", "2024-12-31", "2024"},
        {"360100", "2025-01-01", "2025"},
        {"360100", "2099-01-01", "2025"},
        {"360100", "2023-12-31", NULL},
        {"330100", "2025-02-28", NULL},
        {"330100", "2025-03-01", "2025"},
        {"330100", "2026-01-01", NULL},
        {"440300", "2025-05-05", NULL},
        {"36010", "2025-05-05", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const yb_policy *p = yb_refdata_policy(r, cases[i].admdvs, D(cases[i].on));
        if (!cases[i].want) {
            assert_null(p);
            continue;
        }
        assert_non_null(p);
        assert_string_equal(p->admdvs, cases[i].admdvs);
        assert_string_equal(p->version, cases[i].want);
    }
    assert_null(yb_refdata_policy(r, NULL, D("2025-05-05")));
    /* refused policies stay with the caller */
    yb_policy *dup = pol("360100", "2025", "2030-01-01", NULL);
    assert_int_equal(yb_refdata_add_policy(r, dup, &e), YB_E_DUPLICATE);
    assert_string_equal(e.field, "version");
    free(dup);
    yb_err_clear(&e);
    yb_policy *ovl = pol("360100", "2024b", "2024-12-01", "2025-01-31");
    assert_int_equal(yb_refdata_add_policy(r, ovl, &e), YB_E_DUPLICATE);
    assert_non_null(strstr(e.msg, "2024-12-01..2025-01-31 overlaps version 2024 (2024-01-01..2024-12-31)"));
    free(ovl);
    yb_err_clear(&e);
    yb_policy *back = pol("440300", "1", "2025-02-01", "2025-01-31");
    assert_int_equal(yb_refdata_add_policy(r, back, &e), YB_E_INVALID);
    free(back);
    /* the same version name in another area is fine */
    assert_int_equal(yb_refdata_add_policy(r, pol("440300", "2024", "2024-01-01", NULL), NULL), YB_OK);
    assert_int_equal(r->n_policies, 4);
    yb_refdata_free(r);
    yb_refdata_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rc_table),   cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_err_fmt),    cmocka_unit_test(test_masking),
        cmocka_unit_test(test_refdata_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
