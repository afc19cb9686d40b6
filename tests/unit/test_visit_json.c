/*
 * test_visit_json.c — the one-visit document of `yibao settle-json` and the interface replies.
 *
 * Parsing: the golden example A (tests/golden/visit_A.json), the shape of the real 2207 request of
 * a Chongqing client (numbers as JSON numbers, local extension fields), the 2204 client that sends
 * `feedetail` as one object with numbers as strings; every kind of bad value refused with its
 * JSON path; the bound on lines; identities in each accepted form. Replies: example A of
 * settlement.md §9 settled in process under data/demo/policy.json, written as the interface
 * reply and read back; the reversal form; the error reply. Tests run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/fileio.h"
#include "yibao/json_num.h"
#include "yibao/visit_json.h"

static char *slurp(const char *path, size_t *len) {
    yb_err e;
    yb_err_clear(&e);
    char *b = yb_file_read(path, (size_t)1 << 20, len, &e);
    if (!b) fail_msg("cannot read %s", path);
    return b;
}

/* text with the first occurrence of `from` replaced by `to` (heap) */
static char *replace(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (!at) fail_msg("fixture text not found: %s", from);
    size_t pre = (size_t)(at - text), n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    memcpy(out, text, pre);
    memcpy(out + pre, to, strlen(to));
    strcpy(out + pre + strlen(to), at + strlen(from));
    return out;
}

static yb_fen F(const char *yuan) {
    yb_fen v = 0;
    if (yb_fen_parse(yuan, strlen(yuan), 1, &v)) fail_msg("bad amount in test: %s", yuan);
    return v;
}

static yb_datetime T(const char *s) {
    yb_datetime t = YB_DATETIME_NONE;
    assert_int_equal(yb_datetime_parse(s, strlen(s), &t), YB_OK);
    return t;
}

static void parse_ok(const char *text, yb_visit_doc *d) {
    yb_err e;
    yb_err_clear(&e);
    if (yb_visit_doc_parse(text, strlen(text), "t.json", d, &e)) {
        char b[512];
        fail_msg("%s", yb_err_fmt(&e, b, sizeof b));
    }
}

/* ---------- parsing ---------- */

static void test_golden_A(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    yb_visit_doc d;
    parse_ok(text, &d);
    assert_string_equal(d.infno, "2207");
    assert_string_equal(d.msgid, "H36010000001202501150900000001");
    assert_string_equal(d.fixmedins_code, "H36010000001");
    assert_string_equal(d.visit.fixmedins_code, "H36010000001");
    assert_string_equal(d.visit.mdtrtarea_admvs, "360100");
    assert_string_equal(d.person.insu_admdvs, "360100");
    assert_string_equal(d.person.psn_no, "P390A");
    assert_string_equal(d.person.insutype, "390");
    assert_string_equal(d.person.psn_type, "1501");
    assert_int_equal(d.person.gend, 2);
    yb_date brdy;
    assert_int_equal(yb_date_parse("1949-12-31", 10, &brdy), YB_OK);
    assert_int_equal(d.person.brdy, brdy);
    assert_string_equal(d.person.sp_psn_type, "");
    assert_string_equal(d.visit.mdtrt_id, "M2025A");
    assert_string_equal(d.visit.med_type, "21");
    assert_string_equal(d.visit.hosp_lv, "03");
    assert_int_equal(d.visit.acct_used_flag, 0);
    assert_true(d.visit.begntime == T("2025-01-05 08:00:00"));
    assert_true(d.visit.endtime == T("2025-01-15 09:00:00"));
    assert_int_equal(d.has_decl, 1);
    assert_int_equal(d.decl_given, YB_DECL_ALL);
    assert_int_equal(d.decl_medfee, 1220000);
    assert_int_equal(d.decl_inscp, 1080000);
    assert_int_equal(d.has_balc, 0);
    assert_int_equal(d.n_lines, 4);
    /* line 0: numbers  cnt 1 -> 1.0000 = 10000; pric 8000 -> 8000 x 10^6; sumamt 8000 -> 800000 fen */
    assert_string_equal(d.lines[0].feedetl_sn, "1");
    assert_string_equal(d.lines[0].med_list_codg, "A");
    assert_int_equal(d.lines[0].cnt, 10000);
    assert_int_equal(d.lines[0].pric, INT64_C(8000000000));
    assert_int_equal(d.lines[0].sumamt, 800000);
    assert_true(d.lines[0].fee_ocur_time == T("2025-01-06 10:00:00"));
    /* line 1: strings "1", "2000.00", "2000.00" */
    assert_int_equal(d.lines[1].cnt, 10000);
    assert_int_equal(d.lines[1].pric, INT64_C(2000000000));
    assert_int_equal(d.lines[1].sumamt, 200000);
    /* line 3: cnt 10, pric 120.000000 (six decimals kept as text), sumamt 1200 */
    assert_int_equal(d.lines[3].cnt, 100000);
    assert_int_equal(d.lines[3].pric, 120000000);
    assert_int_equal(d.lines[3].sumamt, 120000);
    yb_visit_doc_release(&d);
    assert_null(d.lines);
    yb_visit_doc_release(&d); /* twice is harmless */
    yb_visit_doc_release(NULL);
    /* "" for gend and brdy means unknown, as clients send */
    char *mod = replace(text, "\"gend\": \"2\", \"brdy\": \"1949-12-31\"", "\"gend\": \"\", \"brdy\": \"\"");
    parse_ok(mod, &d);
    assert_int_equal(d.person.gend, 0);
    assert_true(d.person.brdy == YB_DATE_NONE);
    yb_visit_doc_release(&d);
    free(mod);
    free(text);
}

/* The 2207 request of fsi_samples (a Chongqing client: numbers as JSON numbers, local extension
 * fields serv_code/serv_sign, "" for absent values) with the fee lines and person added. */
static const char cq_2207[] =
    "{\"cainfo\":\"\",\"dev_no\":\"\",\"dev_safe_info\":\"\",\"fixmedins_code\":\"H50015501017\","
    "\"fixmedins_name\":\"重庆市梁平区妇幼保健院\",\"inf_time\":\"2021-09-24 08:28:27\",\"infno\":\"2207\",\"infver\":\"1\","
    "\"input\":{\"data\":{\"medfee_sumamt\":9,\"mdtrt_id\":\"310047070005\",\"med_type\":\"12\",\"fulamt_ownpay_amt\":0,"
    "\"mdtrt_cert_no\":\"<REDACTED-card-no>\",\"chrg_bchno\":\"202109240828170091\",\"insutype\":\"390\",\"inscp_scp_amt\":9,"
    "\"invono\":\"2021092414556\",\"psn_setlway\":\"01\",\"return_invono\":\"\",\"psn_no\":\"P5001\",\"mdtrt_cert_type\":\"03\","
    "\"overlmt_selfpay\":0,\"preselfpay_amt\":0,\"acct_used_flag\":\"1\",\"return_date\":\"\","
    "\"begntime\":\"2021-09-24 08:20:00\",\"endtime\":\"\",\"hosp_lv\":\"06\",\"rloc_type\":null},"
    "\"feedetail\":[{\"feedetl_sn\":\"20210924001\",\"mdtrt_id\":\"310047070005\",\"psn_no\":\"P5001\","
    "\"fee_ocur_time\":\"2021-09-24 08:25:00\",\"med_list_codg\":\"001102000010000-110200001\",\"cnt\":1,\"pric\":9,"
    "\"det_item_fee_sumamt\":9,\"bilg_dept_name\":\"门诊\",\"memo\":null}],"
    "\"psninfo\":{\"psn_type\":\"1501\",\"cvlserv_flag\":0,\"gend\":1,\"brdy\":\"\",\"balc\":120.5}},"
    "\"insuplc_admdvs\":\"500155\",\"mdtrtarea_admvs\":\"500155\",\"msgid\":\"H50015501017202109240828271037\","
    "\"opter\":\"1022\",\"opter_name\":\"<REDACTED>\",\"opter_type\":\"1\",\"recer_sys_code\":\"YBXT\","
    "\"serv_code\":\"<local-extension>\",\"serv_sign\":\"<local-extension>\",\"sign_no\":\"651918\",\"signtype\":\"\"}";

static void test_cq_2207_shape(void **state) {
    (void)state;
    yb_visit_doc d;
    parse_ok(cq_2207, &d);
    assert_string_equal(d.msgid, "H50015501017202109240828271037");
    assert_string_equal(d.fixmedins_name, "重庆市梁平区妇幼保健院");
    assert_string_equal(d.person.insu_admdvs, "500155");
    assert_string_equal(d.visit.med_type, "12");
    assert_int_equal(d.visit.acct_used_flag, 1);
    assert_true(d.visit.endtime == YB_DATETIME_NONE); /* "" is absent */
    assert_string_equal(d.visit.rloc_type, "");      /* null is absent */
    assert_int_equal(d.has_decl, 1);
    assert_int_equal(d.decl_medfee, 900); /* 9 yuan */
    assert_int_equal(d.decl_fulamt, 0);
    assert_int_equal(d.decl_inscp, 900);
    assert_int_equal(d.person.cvlserv_flag, 0);
    assert_int_equal(d.person.gend, 1);
    assert_true(d.person.brdy == YB_DATE_NONE);
    assert_int_equal(d.has_balc, 1);
    assert_int_equal(d.balc, 12050); /* 120.5 -> 120.50 */
    assert_int_equal(d.n_lines, 1);
    assert_string_equal(d.lines[0].feedetl_sn, "20210924001");
    assert_int_equal(d.lines[0].sumamt, 900);
    yb_visit_doc_release(&d);
}

/* 2204 client of fsi_samples: feedetail as ONE object, every number as a string. */
static const char one_line[] =
    "{\"infno\":\"2207\",\"msgid\":\"H33018300564202201211230009999\",\"mdtrtarea_admvs\":\"330100\","
    "\"insuplc_admdvs\":\"330100\",\"fixmedins_code\":\"H33018300564\",\"fixmedins_name\":\"杭州市第二测试医院\","
    "\"input\":{\"data\":{\"psn_no\":\"P3301\",\"mdtrt_id\":\"330000164273872766400005212141\",\"med_type\":\"11\","
    "\"insutype\":\"310\",\"acct_used_flag\":\"0\",\"begntime\":\"2022-01-21 09:50:00\",\"hosp_lv\":\"02\"},"
    "\"feedetail\":{\"feedetl_sn\":\"L1\",\"mdtrt_id\":\"330000164273872766400005212141\",\"psn_no\":\"P3301\","
    "\"chrg_bchno\":\"2022-01-21\",\"dise_codg\":\"M01607\",\"rxno\":\"1\",\"rx_circ_flag\":\"0\","
    "\"fee_ocur_time\":\"2022-01-21 10:00:00\",\"med_list_codg\":\"XJ01CAA040A001010102699\","
    "\"medins_list_codg\":\"XJ01CAA040A001010102699\",\"det_item_fee_sumamt\":\"1200\",\"cnt\":\"10\",\"pric\":\"120\","
    "\"prd_days\":\"\",\"hosp_appr_flag\":\"1\"},"
    "\"psninfo\":{\"psn_type\":\"1101\",\"cvlserv_flag\":\"1\",\"sp_psn_type\":\"\",\"gend\":\"2\",\"brdy\":\"1990-05-06\"}}}";

static void test_single_object_feedetail(void **state) {
    (void)state;
    yb_visit_doc d;
    parse_ok(one_line, &d);
    assert_int_equal(d.n_lines, 1);
    assert_string_equal(d.lines[0].feedetl_sn, "L1");
    assert_string_equal(d.lines[0].med_list_codg, "XJ01CAA040A001010102699");
    assert_int_equal(d.lines[0].cnt, 100000);          /* "10" -> 10.0000 */
    assert_int_equal(d.lines[0].pric, 120000000);      /* "120" -> 120.000000 */
    assert_int_equal(d.lines[0].sumamt, 120000);       /* "1200" -> 1200.00 */
    assert_int_equal(d.has_decl, 0);
    assert_int_equal(d.decl_given, 0);
    assert_int_equal(d.person.cvlserv_flag, 1);
    assert_string_equal(d.visit.rloc_type, "");
    yb_visit_doc_release(&d);
}

/* Replace `from` by `to` in example A and expect rc, field and a piece of the message. */
typedef struct bad_case {
    const char *from, *to;
    yb_rc rc;
    const char *field, *msg;
} bad_case;

static const bad_case bad_cases[] = {
    /* decimals and numbers */
    {"\"cnt\": 1, \"pric\": 1000,", "\"cnt\": 1.00001, \"pric\": 1000,", YB_E_PRECISION, "input.feedetail[2].cnt", "more than 4 decimals"},
    {"\"cnt\": \"1\"", "\"cnt\": \"1.00001\"", YB_E_PRECISION, "input.feedetail[1].cnt", "more than 4 decimals"},
    {"\"pric\": \"2000.00\"", "\"pric\": \"2000.0000001\"", YB_E_PRECISION, "input.feedetail[1].pric", "more than 6 decimals"},
    {"\"det_item_fee_sumamt\": 1000.00}", "\"det_item_fee_sumamt\": 1000.001}", YB_E_PRECISION,
     "input.feedetail[2].det_item_fee_sumamt", "more than 2 decimals"},
    {"\"det_item_fee_sumamt\": 1000.00}", "\"det_item_fee_sumamt\": 1e3}", YB_E_INVALID, "input.feedetail[2].det_item_fee_sumamt",
     "exponent"},
    {"\"det_item_fee_sumamt\": 1000.00}", "\"det_item_fee_sumamt\": \"1E3\"}", YB_E_INVALID,
     "input.feedetail[2].det_item_fee_sumamt", "exponent"},
    /* beyond 64 bits json-c saturates to 18446744073709551615: still refused as too large */
    {"\"det_item_fee_sumamt\": 1000.00}", "\"det_item_fee_sumamt\": 12345678901234567890123}", YB_E_OVERFLOW,
     "input.feedetail[2].det_item_fee_sumamt", "too large"},
    {"\"det_item_fee_sumamt\": 1000.00}", "\"det_item_fee_sumamt\": \"100000000000000.01\"}", YB_E_OVERFLOW,
     "input.feedetail[2].det_item_fee_sumamt", "too large"},
    {"\"pric\": 1000,", "\"pric\": -1000,", YB_E_INVALID, "input.feedetail[2].pric", "negative"},
    {"\"cnt\": \"1\"", "\"cnt\": \"1\\u00002\"", YB_E_INVALID, "input.feedetail[1].cnt", "NUL"},
    {"\"cnt\": \"1\"", "\"cnt\": true", YB_E_INVALID, "input.feedetail[1].cnt", "found a boolean"},
    {"\"cnt\": \"1\"", "\"cnt\": \" 1\"", YB_E_INVALID, "input.feedetail[1].cnt", "plain decimal"},
    {"\"pric\": \"2000.00\"", "\"pric\": {}", YB_E_INVALID, "input.feedetail[1].pric", "found an object"},
    {"\"medfee_sumamt\": \"12200.00\"", "\"medfee_sumamt\": \"12200.001\"", YB_E_PRECISION, "input.data.medfee_sumamt", "decimals"},
    {"\"medfee_sumamt\": \"12200.00\"", "\"medfee_sumamt\": \"-1\"", YB_E_INVALID, "input.data.medfee_sumamt", "negative"},
    /* required fields, codes and times */
    {"{\"feedetl_sn\": \"1\", ", "{", YB_E_INVALID, "input.feedetail[0].feedetl_sn", "required"},
    {"\"feedetl_sn\": \"2\"", "\"feedetl_sn\": \"\"", YB_E_INVALID, "input.feedetail[1].feedetl_sn", "empty"},
    {"\"med_list_codg\": \"B\"",
     "\"med_list_codg\": \"B123456789012345678901234567890123456789012345678901234567890123\"", YB_E_LIMIT,
     "input.feedetail[1].med_list_codg", "longer than 63 bytes"},
    {"\"feedetl_sn\": \"1\",", "\"feedetl_sn\": \"1\", \"mdtrt_id\": \"M2025Z\",", YB_E_MISMATCH, "input.feedetail[0].mdtrt_id",
     "differs"},
    {"\"feedetl_sn\": \"1\",", "\"feedetl_sn\": \"1\", \"psn_no\": \"P999\",", YB_E_MISMATCH, "input.feedetail[0].psn_no", "differs"},
    {"\"fee_ocur_time\": \"2025-01-06 10:00:00\"", "\"fee_ocur_time\": \"2025-01-06 25:00:00\"", YB_E_INVALID,
     "input.feedetail[0].fee_ocur_time", "valid time"},
    {"\"begntime\": \"2025-01-05 08:00:00\"", "\"begntime\": \"2025-13-05 08:00:00\"", YB_E_INVALID, "input.data.begntime",
     "valid time"},
    {"\"begntime\": \"2025-01-05 08:00:00\"", "\"begntime\": \"\"", YB_E_INVALID, "input.data.begntime", "required"},
    {"\"endtime\": \"2025-01-15 09:00:00\"", "\"endtime\": \"2025-01-04 09:00:00\"", YB_E_INVALID, "input.data.endtime",
     "before begntime"},
    {"\"psn_no\": \"P390A\"", "\"psn_no\": {\"id\": 1}", YB_E_INVALID, "input.data.psn_no", "found an object"},
    {"\"med_type\": \"21\"", "\"med_type\": [\"21\"]", YB_E_INVALID, "input.data.med_type", "found an array"},
    {"\"hosp_lv\": \"03\"", "\"hosp_lv\": null", YB_E_INVALID, "input.data.hosp_lv", "required"},
    {"\"acct_used_flag\": \"0\"", "\"acct_used_flag\": \"2\"", YB_E_INVALID, "input.data.acct_used_flag", "flag"},
    {"\"mdtrtarea_admvs\": \"360100\"", "\"mdtrtarea_admvs\": \"36010\"", YB_E_INVALID, "mdtrtarea_admvs", "6 digits"},
    {"\"insuplc_admdvs\": \"360100\"", "\"insuplc_admdvs\": \"3601OO\"", YB_E_INVALID, "insuplc_admdvs", "6 digits"},
    {"\"gend\": \"2\"", "\"gend\": \"3\"", YB_E_INVALID, "input.psninfo.gend", "gend"},
    {"\"cvlserv_flag\": \"0\"", "\"cvlserv_flag\": \"Y\"", YB_E_INVALID, "input.psninfo.cvlserv_flag", "flag"},
    {"\"psn_type\": \"1501\"", "\"psn_type\": \"\"", YB_E_INVALID, "input.psninfo.psn_type", "empty"},
    /* structure */
    {"\"psninfo\"", "\"psn_info\"", YB_E_INVALID, "input.psninfo", "missing"},
    {"\"feedetail\": [", "\"feedetail\": \"x\", \"ignored\": [", YB_E_INVALID, "input.feedetail", "list of fee lines"},
    {"\"input\": {", "\"input\": [], \"x\": {", YB_E_INVALID, "input", "missing"},
    {"{\"feedetl_sn\": \"1\"", "7, {\"feedetl_sn\": \"1\"", YB_E_INVALID, "input.feedetail[0]", "fee line object"},
    /* a key twice in one object: json-c would keep the second silently */
    {"\"psn_no\": \"P390A\",", "\"psn_no\": \"P390A\", \"psn_no\": \"P390B\",", YB_E_DUPLICATE, "input.data.psn_no", "twice"},
    {"\"cnt\": 10,", "\"cnt\": 10, \"cnt\": 1,", YB_E_DUPLICATE, "input.feedetail[3].cnt", "twice"},
};

static void test_bad_values(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char *mod = replace(text, c->from, c->to);
        yb_visit_doc d;
        yb_err e;
        yb_err_clear(&e);
        yb_rc rc = yb_visit_doc_parse(mod, strlen(mod), "a.json", &d, &e);
        char b[512];
        if (rc != c->rc || strcmp(e.field, c->field) || (c->msg && !strstr(e.msg, c->msg)))
            fail_msg("case %zu (%s): got %s; want %s field %s msg %s", i, c->to, yb_err_fmt(&e, b, sizeof b),
                     yb_rc_str(c->rc), c->field, c->msg ? c->msg : "");
        assert_string_equal(e.file, "a.json");
        assert_null(d.lines); /* nothing allocated on error */
        assert_int_equal(d.n_lines, 0);
        free(mod);
    }
    free(text);
}

static void test_birth_date_not_echoed(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    char *mod = replace(text, "\"brdy\": \"1949-12-31\"", "\"brdy\": \"1949-02-30\"");
    yb_visit_doc d;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(mod, strlen(mod), "a.json", &d, &e), YB_E_INVALID);
    assert_string_equal(e.field, "input.psninfo.brdy");
    assert_string_equal(e.value, "");
    free(mod);
    free(text);
}

static void test_syntax(void **state) {
    (void)state;
    yb_visit_doc d;
    yb_err e;
    /* trailing comma on line 3; columns count characters, not bytes */
    const char *bad = "{\n  \"infno\": \"2207\",\n  \"msgid\": \"中文ID\", }\n";
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(bad, strlen(bad), "s.json", &d, &e), YB_E_INVALID);
    assert_int_equal(e.line, 3);
    /* 2 spaces, "msgid": (8), a space, "中文ID" (6 characters), ',', a space: the '}' is column 20 */
    if (!strstr(e.msg, "line 3 column 20")) fail_msg("%s", e.msg);
    /* a byte order mark before the document is accepted */
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    char *bom = malloc(len + 4);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, text, len + 1);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(bom, len + 3, "bom.json", &d, &e), YB_OK);
    assert_int_equal(d.n_lines, 4);
    yb_visit_doc_release(&d);
    /* invalid UTF-8 inside a string */
    char *mod = replace(text, "示例三甲医院", "\xC3\x28");
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(mod, strlen(mod), "u.json", &d, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "utf-8"));
    free(mod);
    /* two documents, or text after the document */
    mod = malloc(len + 8);
    memcpy(mod, text, len);
    memcpy(mod + len, "\n{}", 4);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(mod, len + 3, "two.json", &d, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "syntax"));
    free(mod);
    free(bom);
    free(text);
}

/* Exactly YB_VISIT_MAX_LINES lines parse; one more is refused with the bound in the message. */
static char *many_lines(size_t n) {
    const char *head = "{\"mdtrtarea_admvs\":\"360100\",\"input\":{\"data\":{\"psn_no\":\"P\",\"mdtrt_id\":\"M\",\"med_type\":\"11\","
                       "\"insutype\":\"390\",\"hosp_lv\":\"03\",\"begntime\":\"2025-01-01\"},\"psninfo\":{\"psn_type\":\"1501\"},"
                       "\"feedetail\":[";
    size_t cap = strlen(head) + n * 128 + 8, o = 0; /* a line is under 100 bytes */
    char *b = malloc(cap);
    o += (size_t)snprintf(b + o, cap - o, "%s", head);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, cap - o, "%s{\"feedetl_sn\":\"%zu\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":\"0.01\","
                                              "\"det_item_fee_sumamt\":0.01}",
                              i ? "," : "", i);
    snprintf(b + o, cap - o, "]}}");
    return b;
}

static void test_line_bound(void **state) {
    (void)state;
    char *ok = many_lines(YB_VISIT_MAX_LINES);
    yb_visit_doc d;
    parse_ok(ok, &d);
    assert_int_equal(d.n_lines, YB_VISIT_MAX_LINES);
    assert_string_equal(d.lines[YB_VISIT_MAX_LINES - 1].feedetl_sn, "9999");
    assert_int_equal(d.lines[17].sumamt, 1);
    yb_visit_doc_release(&d);
    free(ok);
    char *bad = many_lines(YB_VISIT_MAX_LINES + 1);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(bad, strlen(bad), "big.json", &d, &e), YB_E_LIMIT);
    assert_string_equal(e.field, "input.feedetail");
    assert_non_null(strstr(e.msg, "more than 10000 fee lines"));
    assert_null(d.lines);
    free(bad);
    char *none = many_lines(0);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_parse(none, strlen(none), "none.json", &d, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "no fee lines"));
    free(none);
}

/* sp_psn_type as text, a list of codes, or 1101's idetinfo list whose entries hold between their
 * begntime and endtime (the visit is on 2025-01-15, the day of its endtime). */
static void test_identities(void **state) {
    (void)state;
    static const struct {
        const char *value;
        yb_rc rc;
        const char *want; /* sp_psn_type, or the error field */
    } cases[] = {
        {"\"特困|低保\"", YB_OK, "特困|低保"},
        {"[\"特困\", \"低保\"]", YB_OK, "特困|低保"},
        {"[{\"psn_idet_type\": \"特困\"}, {\"psn_idet_type\": \"低保\", \"begntime\": \"2024-01-01\", \"endtime\": \"2025-01-15\"}]",
         YB_OK, "特困|低保"},
        /* 低保 ended the day before the visit; 低收入 starts the day after */
        {"[{\"psn_idet_type\": \"特困\", \"endtime\": \"\"}, {\"psn_idet_type\": \"低保\", \"endtime\": \"2025-01-14 23:59:59\"},"
         " {\"psn_idet_type\": \"低收入\", \"begntime\": \"2025-01-16\"}]",
         YB_OK, "特困"},
        {"[]", YB_OK, ""},
        {"[{\"psn_type_lv\": \"1\"}]", YB_E_INVALID, "input.psninfo.sp_psn_type[0].psn_idet_type"},
        {"[\"特困\", {\"psn_idet_type\": \"低保\", \"endtime\": \"soon\"}]", YB_E_INVALID, "input.psninfo.sp_psn_type[1].endtime"},
        {"[\"a|b\"]", YB_E_INVALID, "input.psninfo.sp_psn_type[0]"},
        {"[[\"x\"]]", YB_E_INVALID, "input.psninfo.sp_psn_type[0]"},
        {"{\"psn_idet_type\": \"特困\"}", YB_E_INVALID, "input.psninfo.sp_psn_type"},
    };
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char to[400];
        snprintf(to, sizeof to, "\"sp_psn_type\": %s", cases[i].value);
        char *mod = replace(text, "\"sp_psn_type\": \"\"", to);
        yb_visit_doc d;
        yb_err e;
        yb_err_clear(&e);
        yb_rc rc = yb_visit_doc_parse(mod, strlen(mod), "i.json", &d, &e);
        char b[512];
        if (rc != cases[i].rc) fail_msg("case %zu: %s", i, yb_err_fmt(&e, b, sizeof b));
        if (rc == YB_OK) {
            assert_string_equal(d.person.sp_psn_type, cases[i].want);
            yb_visit_doc_release(&d);
        } else {
            assert_string_equal(e.field, cases[i].want);
        }
        free(mod);
    }
    free(text);
}

/* ---------- declared totals ---------- */

static void test_declared_totals(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    yb_settlement s;
    memset(&s, 0, sizeof s);
    /* example A: medfee 12200 = fulamt 1000 + overlmt 200 + preselfpay 200 + inscp 10800 */
    s.medfee_sumamt = F("12200"), s.fulamt_ownpay_amt = F("1000"), s.overlmt_selfpay = F("200");
    s.preselfpay_amt = F("200"), s.inscp_scp_amt = F("10800");
    yb_visit_doc d;
    yb_err e;
    parse_ok(text, &d);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_OK);
    yb_visit_doc_release(&d);
    /* one total off by a fen: named with both values */
    char *mod = replace(text, "\"preselfpay_amt\": \"200.00\"", "\"preselfpay_amt\": 200.01");
    parse_ok(mod, &d);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_E_MISMATCH);
    assert_string_equal(e.field, "input.data.preselfpay_amt");
    assert_string_equal(e.value, "200.01");
    assert_non_null(strstr(e.msg, "200.00"));
    yb_visit_doc_release(&d);
    free(mod);
    /* only some totals given: each one given is checked, the others are not */
    mod = replace(text, "\"medfee_sumamt\": \"12200.00\", \"fulamt_ownpay_amt\": \"1000.00\", \"overlmt_selfpay\": \"200.00\",",
                  "\"medfee_sumamt\": \"12200.00\",");
    parse_ok(mod, &d);
    assert_int_equal(d.has_decl, 0);
    assert_int_equal(d.decl_given, YB_DECL_MEDFEE | YB_DECL_PRESELFPAY | YB_DECL_INSCP);
    yb_err_clear(&e);
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_OK);
    s.overlmt_selfpay = F("999"); /* not declared: not compared */
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_OK);
    s.inscp_scp_amt = F("10799.99");
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_E_MISMATCH);
    assert_string_equal(e.field, "input.data.inscp_scp_amt");
    yb_visit_doc_release(&d);
    free(mod);
    free(text);
}

/* ---------- replies ---------- */

static yb_policy *demo_policy(void) {
    size_t len;
    char *text = slurp("data/demo/policy.json", &len);
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    if (yb_policy_from_json(text, len, "policy.json", &p, &e)) {
        char b[512];
        fail_msg("%s", yb_err_fmt(&e, b, sizeof b));
    }
    free(text);
    return p;
}

/* tests/golden/catalog_small.csv: A 甲 · B 乙 0.10 · C 丙 · D 甲 capped 80/90/100 by class */
static yb_catalog *small_catalog(void) {
    yb_catalog *c = yb_catalog_new();
    static const struct {
        const char *code, *lv;
        yb_ratio prop;
        yb_price cap1, cap2, cap3;
    } rows[] = {
        {"A", "01", 0, -1, -1, -1},
        {"B", "02", 1000, -1, -1, -1},
        {"C", "03", 0, -1, -1, -1},
        {"D", "01", 0, 80 * YB_PRICE_ONE, 90 * YB_PRICE_ONE, 100 * YB_PRICE_ONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        yb_cat_entry e;
        memset(&e, 0, sizeof e);
        strcpy(e.code, rows[i].code);
        strcpy(e.list_type, "101");
        strcpy(e.chrgitm_lv, rows[i].lv);
        e.selfpay_prop = rows[i].prop;
        e.cap[1] = rows[i].cap1, e.cap[2] = rows[i].cap2, e.cap[3] = rows[i].cap3;
        assert_int_equal(yb_date_parse("2020-01-01", 10, &e.begndate), YB_OK);
        e.enddate = YB_DATE_MAX;
        assert_int_equal(yb_catalog_add(c, &e, NULL), YB_OK);
    }
    return c;
}

/* Value at "a.b[2].c"; *present tells a JSON null (NULL returned, *present 1) from a missing key. */
static json_object *jget_p(json_object *o, const char *path, int *present) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    *present = 0;
    for (char *t = strtok(buf, "."); t; t = strtok(NULL, ".")) {
        char *br = strchr(t, '[');
        if (br) *br = '\0';
        json_object *v = NULL;
        if (!o || json_object_get_type(o) != json_type_object || !json_object_object_get_ex(o, t, &v)) return NULL;
        o = v;
        if (br) {
            size_t i = (size_t)atoi(br + 1);
            if (!o || json_object_get_type(o) != json_type_array || i >= json_object_array_length(o)) return NULL;
            o = json_object_array_get_idx(o, i);
        }
    }
    *present = 1;
    return o;
}

static json_object *jget(json_object *o, const char *path) {
    int present;
    return jget_p(o, path, &present);
}

/* the value's text exactly as written (numbers keep their text in json-c); "null" for null */
static void expect_text(json_object *root, const char *path, const char *want) {
    int present;
    json_object *v = jget_p(root, path, &present);
    if (!present) fail_msg("%s missing", path);
    const char *got = v ? json_object_get_string(v) : "null";
    if (strcmp(got, want)) fail_msg("%s = %s, want %s", path, got, want);
}

static void test_reply_example_A(void **state) {
    (void)state;
    yb_policy *pol = demo_policy();
    yb_catalog *cat = small_catalog();
    size_t len;
    char *text = slurp("tests/golden/visit_A.json", &len);
    yb_visit_doc d;
    parse_ok(text, &d);
    yb_line_split sp[4];
    yb_settlement s;
    yb_settle_in in = {pol, cat, &d.person, &d.visit, d.lines, d.n_lines, NULL, 0, NULL};
    yb_err e;
    yb_err_clear(&e);
    if (yb_settle_calc(&in, &s, sp, &e)) {
        char b[512];
        fail_msg("%s", yb_err_fmt(&e, b, sizeof b));
    }
    assert_int_equal(yb_visit_doc_check_totals(&d, &s, &e), YB_OK);
    char *r = yb_reply_settlement(&d, &s, sp, "S000000000001", "2025-01-15 09:00:01", 1);
    assert_non_null(r);
    json_object *o = NULL;
    assert_int_equal(yb_json_parse(r, strlen(r), "reply", &o, NULL), YB_OK);
    expect_text(o, "infcode", "0");
    expect_text(o, "inf_refmsgid", "H36010000001202501150900000001");
    expect_text(o, "err_msg", "success");
    /* settlement.md §9 A: medfee 12,200.00 = fulamt 1,000 (C 丙) + overlmt 200 (D: 10 x (120 - 100))
     * + preselfpay 200 (B: 2,000 x 0.10) + inscp 10,800; deductible 600 (class 3);
     * hifp = (10,800 - 600) x 0.60 = 6,120.00; 大病 base 10,800 - 6,120 = 4,680 < 17,000: 0;
     * psn_part = 12,200 - 6,120 = 6,080.00, all cash (no account for 390). */
    static const char *const want[][2] = {
        {"output.setlinfo.setl_id", "S000000000001"},   {"output.setlinfo.setl_time", "2025-01-15 09:00:01"},
        {"output.setlinfo.mdtrt_id", "M2025A"},         {"output.setlinfo.psn_no", "P390A"},
        {"output.setlinfo.insutype", "390"},            {"output.setlinfo.med_type", "21"},
        {"output.setlinfo.medfee_sumamt", "12200.00"},  {"output.setlinfo.fulamt_ownpay_amt", "1000.00"},
        {"output.setlinfo.overlmt_selfpay", "200.00"},  {"output.setlinfo.preselfpay_amt", "200.00"},
        {"output.setlinfo.inscp_scp_amt", "10800.00"},  {"output.setlinfo.act_pay_dedc", "600.00"},
        {"output.setlinfo.hifp_pay", "6120.00"},        {"output.setlinfo.pool_prop_selfpay", "0.6000"},
        {"output.setlinfo.hifmi_pay", "0.00"},          {"output.setlinfo.maf_pay", "0.00"},
        {"output.setlinfo.fund_pay_sumamt", "6120.00"}, {"output.setlinfo.psn_part_amt", "6080.00"},
        {"output.setlinfo.acct_pay", "0.00"},           {"output.setlinfo.psn_cash_pay", "6080.00"},
        {"output.setlinfo.hosp_part_amt", "0.00"},      {"output.setlinfo.medins_setl_id", "H36010000001202501150900000001"},
        {"output.setlinfo.refd_setl_flag", "0"},        {"output.setlinfo.policy_version", "2025.1"},
        {"output.setldetail[0].fund_pay_type", "390100"}, {"output.setldetail[0].fund_payamt", "6120.00"},
        {"output.result[1].feedetl_sn", "2"},           {"output.result[1].selfpay_prop", "0.1000"},
        {"output.result[1].preselfpay_amt", "200.00"},  {"output.result[1].inscp_scp_amt", "1800.00"},
        {"output.result[1].chrgitm_lv", "02"},          {"output.result[2].fulamt_ownpay_amt", "1000.00"},
        {"output.result[3].cnt", "10.0000"},            {"output.result[3].pric", "120.000000"},
        {"output.result[3].pric_uplmt_amt", "100.000000"}, {"output.result[3].overlmt_amt", "200.00"},
        {"output.result[3].inscp_scp_amt", "1000.00"},  {"output.result[0].pric_uplmt_amt", "99999999.000000"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) expect_text(o, want[i][0], want[i][1]);
    /* nothing personal beyond psn_no */
    assert_null(strstr(r, "1949"));
    assert_null(jget(o, "output.setlinfo.brdy"));
    assert_null(jget(o, "output.setlinfo.certno"));
    assert_int_equal(json_object_array_length(jget(o, "output.result")), 4);
    json_object_put(o);

    /* the output object alone, as the online interface embeds it, is the reply's "output" */
    yb_jw w;
    yb_jw_init(&w);
    yb_write_settlement_output(&w, &d, &s, sp, "S000000000001", "2025-01-15 09:00:01", 1);
    char *out = yb_jw_finish(&w);
    assert_non_null(strstr(r, out));
    assert_non_null(strstr(r, "\"output\":{\"setlinfo\":"));
    free(out);
    free(r);

    /* pre-settlement: no setl_id or time */
    r = yb_reply_settlement(&d, &s, sp, NULL, NULL, 1);
    assert_int_equal(yb_json_parse(r, strlen(r), "reply", &o, NULL), YB_OK);
    expect_text(o, "output.setlinfo.setl_id", "null");
    expect_text(o, "output.setlinfo.setl_time", "null");
    expect_text(o, "output.setlinfo.hifp_pay", "6120.00");
    json_object_put(o);
    free(r);

    /* reversal: every amount negated, the balance and ratios not */
    r = yb_reply_settlement(&d, &s, sp, "S000000000002", "2025-01-16 10:00:00", -1);
    assert_int_equal(yb_json_parse(r, strlen(r), "reply", &o, NULL), YB_OK);
    expect_text(o, "output.setlinfo.medfee_sumamt", "-12200.00");
    expect_text(o, "output.setlinfo.hifp_pay", "-6120.00");
    expect_text(o, "output.setlinfo.psn_cash_pay", "-6080.00");
    expect_text(o, "output.setlinfo.pool_prop_selfpay", "0.6000");
    expect_text(o, "output.setlinfo.balc", "0.00");
    expect_text(o, "output.setlinfo.refd_setl_flag", "1");
    expect_text(o, "output.setldetail[0].fund_payamt", "-6120.00");
    expect_text(o, "output.result[3].cnt", "-10.0000");
    expect_text(o, "output.result[3].overlmt_amt", "-200.00");
    json_object_put(o);
    free(r);

    yb_visit_doc_release(&d);
    free(text);
    yb_catalog_free(cat);
    free(pol);
}

static void test_error_reply(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_PRECISION, "input.feedetail[2].cnt", "1.00001", "a quantity has more than 4 decimals");
    yb_err_at(&e, "visit.json", 0);
    char *r = yb_reply_error(&e, "H36010000001202501150900000001");
    json_object *o = NULL;
    assert_int_equal(yb_json_parse(r, strlen(r), "reply", &o, NULL), YB_OK);
    expect_text(o, "infcode", "-1");
    expect_text(o, "inf_refmsgid", "H36010000001202501150900000001");
    expect_text(o, "output", "null");
    expect_text(o, "err_msg",
                "处理失败(小数位数超限): visit.json: field 'input.feedetail[2].cnt' value '1.00001': a quantity has more "
                "than 4 decimals (precision)");
    json_object_put(o);
    free(r);
    /* personal values are masked by yb_err_set; quotes and line breaks are escaped */
    yb_err_clear(&e);
    yb_err_set(&e, YB_E_INVALID, "input.data.certno", "11010519491231002X", "bad \"check\" digit\nsee GB 11643");
    r = yb_reply_error(&e, NULL);
    assert_null(strstr(r, "11010519491231002X"));
    assert_int_equal(yb_json_parse(r, strlen(r), "reply", &o, NULL), YB_OK);
    expect_text(o, "inf_refmsgid", "null");
    assert_non_null(strstr(json_object_get_string(jget(o, "err_msg")), "数据格式错误"));
    assert_non_null(strstr(json_object_get_string(jget(o, "err_msg")), "bad \"check\" digit\nsee"));
    json_object_put(o);
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_A),        cmocka_unit_test(test_cq_2207_shape),
        cmocka_unit_test(test_single_object_feedetail), cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_birth_date_not_echoed), cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_line_bound),      cmocka_unit_test(test_identities),
        cmocka_unit_test(test_declared_totals), cmocka_unit_test(test_reply_example_A),
        cmocka_unit_test(test_error_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
