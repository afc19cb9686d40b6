/*
 * test_policy_json.c — the policy loader and writer: the shipped example loads with the right
 * numbers; each kind of bad policy is refused with the JSON path and value in the error; the
 * canonical JSON written by yb_policy_to_json loads back to the same struct byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/json_num.h"
#include "yibao/policy.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_demo_policy(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("data/demo/policy.json", &len);
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_policy_from_json(text, len, "policy.json", &p, &e);
    if (rc) {
        char b[512];
        fail_msg("%s", yb_err_fmt(&e, b, sizeof b));
    }
    assert_string_equal(p->admdvs, "360100");
    assert_string_equal(p->version, "2025.1");
    assert_int_equal(p->effective_to, YB_DATE_MAX);
    const yb_insutype_policy *emp = yb_policy_insutype(p, "310");
    assert_non_null(emp);
    assert_int_equal(emp->account, 1);
    assert_int_equal(emp->blocks[0].dedc[3], 80000);
    assert_int_equal(emp->blocks[0].ratio[1], 9500);
    assert_int_equal(emp->blocks[0].dedc_per, YB_DEDC_PER_ADMISSION);
    assert_int_equal(emp->blocks[1].dedc_per, YB_DEDC_PER_YEAR);
    assert_int_equal(emp->blocks[1].retiree_bonus, 500);
    assert_int_equal(emp->blocks[1].annual_cap_active, 200000);
    assert_int_equal(emp->blocks[1].annual_cap_retired, 300000);
    assert_string_equal(emp->blocks[0].fund_pay_type, "310100");
    assert_int_equal(emp->layers[0].base, YB_BASE_OVER_CAP);
    assert_int_equal(emp->layers[0].annual_cap, 40000000);
    const yb_insutype_policy *res = yb_policy_insutype(p, "390");
    assert_int_equal(res->layers[0].threshold, 1700000);
    assert_int_equal(res->layers[0].n_adjust, 2);
    assert_int_equal(res->layers[0].adjust[0].threshold_factor, 5000);
    assert_int_equal(res->layers[0].adjust[0].no_cap, 1);
    assert_int_equal(res->layers[1].elig, YB_ELIG_IDENTITIES);
    assert_int_equal(res->layers[1].n_by_identity, 3);
    assert_int_equal(res->layers[1].by_identity[2].threshold, 200000);
    assert_int_equal(yb_policy_offsite_extra(p, "2"), 1000);
    assert_int_equal(yb_policy_offsite_extra(p, "3"), 2000);
    assert_int_equal(yb_policy_offsite_extra(p, "9"), 0);
    assert_int_equal(yb_policy_class(p, "05"), 2);
    assert_true(yb_policy_has_identity(p, "tekun", "低保|特困"));
    assert_false(yb_policy_has_identity(p, "tekun", "低保"));
    free(p);
    free(text);
}

/* Replace the first occurrence of `from` in the demo policy by `to`, load, and expect an error
 * whose field is `field` (and whose message contains `msg`). */
static void expect_bad(const char *from, const char *to, yb_rc rc, const char *field, const char *msg) {
    size_t len;
    char *text = slurp("data/demo/policy.json", &len);
    char *at = strstr(text, from);
    if (!at) fail_msg("fixture text not found: %s", from);
    size_t nl = len - strlen(from) + strlen(to);
    char *mod = malloc(nl + 1);
    size_t pre = (size_t)(at - text);
    memcpy(mod, text, pre);
    memcpy(mod + pre, to, strlen(to));
    strcpy(mod + pre + strlen(to), at + strlen(from));
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc got = yb_policy_from_json(mod, nl, "policy.json", &p, &e);
    char b[512];
    if (got != rc || strcmp(e.field, field) != 0 || (msg && !strstr(e.msg, msg)))
        fail_msg("replacing %s: got %s, want rc %s field %s msg %s", from, yb_err_fmt(&e, b, sizeof b), yb_rc_str(rc),
                 field, msg ? msg : "");
    assert_null(p);
    free(mod);
    free(text);
}

static void expect_bad_doc(const char *doc, yb_rc rc, const char *field, const char *msg) {
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    yb_rc got = yb_policy_from_json(doc, strlen(doc), "p.json", &p, &e);
    char b[512];
    if (got != rc || strcmp(e.field, field) != 0 || (msg && !strstr(e.msg, msg)))
        fail_msg("%s: got %s, want rc %s field %s msg %s", doc, yb_err_fmt(&e, b, sizeof b), yb_rc_str(rc), field, msg ? msg : "");
    assert_null(p);
}

static void test_bad_policies(void **state) {
    (void)state;
    expect_bad("\"retiree_bonus\": \"0.05\"", "\"retire_bonus\": \"0.05\"", YB_E_INVALID,
               "insutypes.310.blocks[1].retire_bonus", "unknown key");
    expect_bad("\"2\":\"0.90\",\"3\":\"0.85\"", "\"2\":\"1.5\",\"3\":\"0.85\"", YB_E_INVALID,
               "insutypes.310.blocks[0].ratio.2", "above 1");
    expect_bad("\"3\":\"0.85\"}, \"retiree_bonus\": \"0\"", "\"3\":\"0.855555\"}, \"retiree_bonus\": \"0\"",
               YB_E_PRECISION, "insutypes.310.blocks[0].ratio.3", "decimals");
    expect_bad("\"threshold\": \"17000\"", "\"threshold\": 1.7e4", YB_E_INVALID, "insutypes.390.layers[0].threshold",
               "exponent");
    expect_bad("\"threshold\": \"17000\"", "\"threshold\": \"-1\"", YB_E_INVALID, "insutypes.390.layers[0].threshold",
               "negative");
    expect_bad("\"blocks\": [\"居民住院\"]", "\"blocks\": [\"居民门诊\"]", YB_E_POLICY,
               "insutypes.390.layers[0].blocks[0]", "no such block");
    expect_bad("\"per\": \"year\"", "\"per\": \"month\"", YB_E_INVALID, "insutypes.310.blocks[1].deductible.per", NULL);
    expect_bad("{\"1\":\"200\",\"2\":\"500\",\"3\":\"800\"}", "{\"1\":\"200\",\"2\":\"500\"}", YB_E_INVALID,
               "insutypes.310.blocks[0].deductible.by_class.3", "missing");
    expect_bad("\"segments\": [{\"from\": \"0\", \"ratio\": \"0.60\"}]",
               "\"segments\": [{\"from\": \"0\", \"ratio\": \"0.60\"},{\"from\": \"0\", \"ratio\": \"0.70\"}]",
               YB_E_POLICY, "insutypes.390.layers[0].segments[1]", "ascend");
    expect_bad("\"segments\": [{\"from\": \"0\", \"ratio\": \"0.60\"}]",
               "\"segments\": [{\"from\":\"0\",\"ratio\":\"0.1\"},{\"from\":\"1\",\"ratio\":\"0.1\"},{\"from\":\"2\",\"ratio\":\"0.1\"},"
               "{\"from\":\"3\",\"ratio\":\"0.1\"},{\"from\":\"4\",\"ratio\":\"0.1\"},{\"from\":\"5\",\"ratio\":\"0.1\"},"
               "{\"from\":\"6\",\"ratio\":\"0.1\"},{\"from\":\"7\",\"ratio\":\"0.1\"},{\"from\":\"8\",\"ratio\":\"0.1\"}]",
               YB_E_LIMIT, "insutypes.390.layers[0].segments", "more than 8");
    expect_bad("\"dibao\": {\"threshold\": \"0\"", "\"dibo\": {\"threshold\": \"0\"", YB_E_POLICY,
               "insutypes.390.layers[1].by_identity.dibo", "no such identity");
    expect_bad("\"effective_from\": \"2025-01-01\"", "\"effective_from\": \"2025-02-30\"", YB_E_INVALID,
               "effective_from", "date");
    expect_bad("\"admdvs\": \"360100\"", "\"admdvs\": \"36010\"", YB_E_POLICY, "admdvs", "6 digits");
    expect_bad("\"account\": true, \"account_scope\": \"all\"", "\"account\": \"yes\", \"account_scope\": \"all\"",
               YB_E_INVALID, "insutypes.310.account", "flag");
    expect_bad("\"med_types\": [\"11\",\"13\"]", "\"med_types\": [\"11\",\"21\"]", YB_E_POLICY,
               "insutypes.310.blocks[1]", "two blocks");
    expect_bad("\"05\":2", "\"05\":4", YB_E_INVALID, "hosp_lv_class.05", "class");
    /* wrong types */
    expect_bad("\"med_types\": [\"21\",\"24\",\"28\"]", "\"med_types\": \"21\"", YB_E_INVALID,
               "insutypes.310.blocks[0].med_types", "array");
    expect_bad("\"med_types\": [\"21\",\"24\",\"28\"]", "\"med_types\": [\"21\",24,\"28\"]", YB_E_INVALID,
               "insutypes.310.blocks[0].med_types[1]", "string");
    expect_bad("\"med_types\": [\"21\",\"24\",\"28\"]", "\"med_types\": [\"21\",\"\",\"28\"]", YB_E_INVALID,
               "insutypes.310.blocks[0].med_types[1]", "empty");
    expect_bad("\"ratio\": {\"1\":\"0.95\"", "\"ratio\": {\"1\":true", YB_E_INVALID, "insutypes.310.blocks[0].ratio.1",
               "found a boolean");
    expect_bad("\"segments\": [{\"from\": \"0\", \"ratio\": \"0.60\"}]", "\"segments\": {\"from\": \"0\", \"ratio\": \"0.60\"}",
               YB_E_INVALID, "insutypes.390.layers[0].segments", "array");
    expect_bad_doc("{\"admdvs\":\"360100\",\"version\":\"1\",\"effective_from\":\"2025-01-01\",\"note\":1,\"insutypes\":{}}",
                   YB_E_INVALID, "note", "string");
    expect_bad_doc("{\"admdvs\":\"360100\",\"version\":\"1\",\"effective_from\":\"2025-01-01\"}", YB_E_INVALID, "insutypes",
                   "missing");
    expect_bad_doc("{\"admdvs\":\"360100\",\"version\":\"1\",\"effective_from\":\"2025-01-01\",\"insutypes\":{\"310\":{},"
                   "\"320\":{},\"330\":{},\"340\":{},\"350\":{},\"370\":{},\"390\":{},\"391\":{},\"392\":{}}}",
                   YB_E_LIMIT, "insutypes.392", "more than 8");
    expect_bad("\"base\": \"over_cap\"", "\"base\": \"over\"", YB_E_INVALID, "insutypes.310.layers[0].base", "over_cap");
    expect_bad("\"eligible\": \"cvlserv\"", "\"eligible\": \"some\"", YB_E_INVALID, "insutypes.310.layers[1].eligible",
               "cvlserv");
    expect_bad("\"eligible\": [\"tekun\",\"dibao\",\"dishouru\"]", "\"eligible\": []", YB_E_INVALID,
               "insutypes.390.layers[1].eligible", "nobody");
    /* amounts: decimals, exponents, sign, overflow, NUL */
    expect_bad("\"3\":\"800\"", "\"3\":\"800.001\"", YB_E_PRECISION, "insutypes.310.blocks[0].deductible.by_class.3",
               "more than 2 decimals");
    expect_bad("\"3\":\"800\"", "\"3\":\"8E2\"", YB_E_INVALID, "insutypes.310.blocks[0].deductible.by_class.3", "exponent");
    expect_bad("\"3\":\"800\"", "\"3\":12345678901234567890123", YB_E_OVERFLOW,
               "insutypes.310.blocks[0].deductible.by_class.3", "too large");
    expect_bad("\"3\":\"800\"", "\"3\":\"80\\u00000\"", YB_E_INVALID, "insutypes.310.blocks[0].deductible.by_class.3",
               "NUL");
    expect_bad("\"annual_cap\": \"400000\"", "\"annual_cap\": \"-400000\"", YB_E_INVALID, "insutypes.310.layers[0].annual_cap",
               "negative");
    /* structure rules of the loader */
    expect_bad("\"annual_cap\": {\"all\": \"100000\"}", "\"annual_cap\": {\"all\": \"100000\", \"active\": \"1\"}",
               YB_E_INVALID, "insutypes.310.blocks[0].annual_cap", "either all");
    expect_bad("\"per\": \"year\"", "\"per\": \"year\", \"admission_factors\": [\"1\"]", YB_E_INVALID,
               "insutypes.310.blocks[1].deductible.admission_factors", "admission");
    expect_bad("\"no_cap\": true}", "\"no_caps\": true}", YB_E_INVALID, "insutypes.390.layers[0].identity_adjust.tekun.no_caps",
               "unknown key");
    expect_bad("\"fund_pay_type\": \"390200\"", "\"fund_pay_type\": \"39020\"", YB_E_INVALID,
               "insutypes.390.layers[0].fund_pay_type", "6 digits");
    expect_bad("\"310\": {", "\"31a\": {", YB_E_INVALID, "insutypes.31a", "3 digits");
    expect_bad("\"offsite_classes\": {\"long_term\"", "\"offsite_classes\": {\"longterm\"", YB_E_INVALID,
               "offsite_classes.longterm", "no share");
    /* a key twice: json-c would keep the second silently */
    expect_bad("\"390\": {", "\"310\": {", YB_E_DUPLICATE, "insutypes.310", "twice");
    expect_bad("\"version\": \"2025.1\",", "\"version\": \"2025.1\", \"version\": \"2025.2\",", YB_E_DUPLICATE, "version",
               "twice");
    expect_bad("\"retiree_bonus\": \"0.05\"", "\"retiree_bonus\": \"0.05\", \"retiree_bonus\": \"0.5\"", YB_E_DUPLICATE,
               "insutypes.310.blocks[1].retiree_bonus", "twice");
    /* bounds of policy.h, named in the message */
    expect_bad("\"name\": \"职工住院\"", "\"name\": \"0123456789012345678901234567890123456789012345678901234567890123\"",
               YB_E_LIMIT, "insutypes.310.blocks[0].name", "longer than 63 bytes");
    expect_bad("\"identities\": {", "\"identities\": {\"i1\":[],\"i2\":[],\"i3\":[],\"i4\":[],\"i5\":[],\"i6\":[],", YB_E_LIMIT,
               "identities.dishouru", "more than 8"); /* 6 added before the 3 of the example: the 9th */
    expect_bad("\"med_types\": [\"21\",\"24\",\"28\"]",
               "\"med_types\": [\"a1\",\"a2\",\"a3\",\"a4\",\"a5\",\"a6\",\"a7\",\"a8\",\"a9\",\"b1\",\"b2\",\"b3\",\"b4\","
               "\"b5\",\"b6\",\"b7\",\"b8\",\"b9\",\"c1\",\"c2\",\"c3\",\"c4\",\"c5\",\"c6\",\"c7\"]",
               YB_E_LIMIT, "insutypes.310.blocks[0].med_types", "more than 24");
    expect_bad("\"med_types\": [\"21\",\"24\",\"28\"]", "\"med_types\": [\"123456789012\"]", YB_E_LIMIT,
               "insutypes.310.blocks[0].med_types[0]", "longer than 11 bytes");
    /* text that is not UTF-8 is a syntax error */
    expect_bad("南昌市", "\xff", YB_E_INVALID, "", "utf-8");
    expect_bad("南昌市", "\xed\xb7\xa5", YB_E_INVALID, "", "utf-8"); /* an encoded surrogate: json-c alone lets it by */
    expect_bad("南昌市", "\xc0\xaf", YB_E_INVALID, "", "utf-8");     /* overlong '/' */
}

static void test_syntax_error(void **state) {
    (void)state;
    const char *bad = "{\n  \"admdvs\": \"360100\",\n  \"version\" \"x\"\n}";
    yb_policy *p = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_policy_from_json(bad, strlen(bad), "bad.json", &p, &e), YB_E_INVALID);
    assert_string_equal(e.file, "bad.json");
    assert_int_equal(e.line, 3);
    assert_non_null(strstr(e.msg, "syntax"));
    yb_err_clear(&e);
    assert_int_equal(yb_policy_from_json("[]", 2, "a.json", &p, &e), YB_E_INVALID);
    yb_err_clear(&e);
    assert_int_equal(yb_policy_from_json("{} x", 4, "a.json", &p, &e), YB_E_INVALID);
}

static void test_numbers(void **state) {
    (void)state;
    json_object *o = NULL;
    const char *doc = "{\"a\":1200.50,\"b\":\"7\",\"c\":1e3,\"d\":12345678901234567890123,\"e\":[1],\"f\":-0.01}";
    assert_int_equal(yb_json_parse(doc, strlen(doc), "x", &o, NULL), YB_OK);
    yb_fen f;
    yb_err e;
    yb_err_clear(&e);
    json_object *v;
    json_object_object_get_ex(o, "a", &v);
    assert_int_equal(yb_json_money(v, "a", 0, &f, &e), YB_OK);
    assert_int_equal(f, 120050);
    json_object_object_get_ex(o, "b", &v);
    assert_int_equal(yb_json_money(v, "b", 0, &f, &e), YB_OK);
    assert_int_equal(f, 700);
    json_object_object_get_ex(o, "c", &v);
    assert_int_equal(yb_json_money(v, "c", 0, &f, &e), YB_E_INVALID);
    yb_err_clear(&e);
    /* json-c saturates an integer beyond 64 bits; the saturated text is still refused */
    json_object_object_get_ex(o, "d", &v);
    assert_int_equal(yb_json_money(v, "d", 0, &f, &e), YB_E_OVERFLOW);
    assert_string_equal(e.field, "d");
    yb_err_clear(&e);
    json_object_object_get_ex(o, "e", &v);
    assert_int_equal(yb_json_money(v, "e", 0, &f, &e), YB_E_INVALID);
    assert_non_null(strstr(e.msg, "array"));
    yb_err_clear(&e);
    json_object_object_get_ex(o, "f", &v);
    assert_int_equal(yb_json_money(v, "f", 1, &f, &e), YB_OK);
    assert_int_equal(f, -1);
    json_object_put(o);
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "hifp_pay");
    yb_jw_money(&w, 612000);
    yb_jw_key(&w, "name");
    yb_jw_str(&w, "a\"b\n");
    yb_jw_key(&w, "l");
    yb_jw_open(&w, '[');
    yb_jw_int(&w, 1);
    yb_jw_null(&w);
    yb_jw_close(&w, ']');
    yb_jw_close(&w, '}');
    char *s = yb_jw_finish(&w);
    assert_string_equal(s, "{\"hifp_pay\":6120.00,\"name\":\"a\\\"b\\n\",\"l\":[1,null]}");
    free(s);
    /* every string is valid JSON text: control characters escaped, bytes that are not UTF-8
     * (a message cut inside a character) written as U+FFFD, valid characters kept */
    yb_jw_init(&w);
    yb_jw_open(&w, '[');
    yb_jw_str(&w, "中\x01\x7f");
    yb_jw_str(&w, "ab\xe4\xb8");     /* 中 cut after 2 of its 3 bytes */
    yb_jw_str(&w, "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"); /* overlong '/', a surrogate, beyond U+10FFFF */
    yb_jw_str(&w, "\xf0\x9f\x98\x80");                     /* U+1F600 is fine */
    yb_jw_dec(&w, -5, 2);
    yb_jw_dec_str(&w, 8500, 4);
    yb_jw_price(&w, YB_PRICE_NOCAP);
    yb_jw_qty(&w, -100000);
    yb_jw_bool(&w, 0);
    yb_jw_close(&w, ']');
    s = yb_jw_finish(&w);
    assert_string_equal(s, "[\"中\\u0001\\u007f\",\"ab\\ufffd\\ufffd\",\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd\","
                           "\"\xf0\x9f\x98\x80\",-0.05,\"0.8500\",99999999.000000,-10.0000,false]");
    assert_int_equal(yb_json_parse(s, strlen(s), "w", &o, NULL), YB_OK);
    json_object_put(o);
    free(s);
    /* an empty writer gives an empty string, not NULL */
    yb_jw_init(&w);
    s = yb_jw_finish(&w);
    assert_string_equal(s, "");
    free(s);
}

/* Load, write, load again: the same struct byte for byte, and the same text when written again. */
static yb_policy *round_trip(const char *text, size_t len) {
    yb_policy *p1 = NULL, *p2 = NULL;
    yb_err e;
    yb_err_clear(&e);
    char b[512];
    if (yb_policy_from_json(text, len, "a.json", &p1, &e)) fail_msg("%s", yb_err_fmt(&e, b, sizeof b));
    char *t1 = yb_policy_to_json(p1);
    assert_non_null(t1);
    if (yb_policy_from_json(t1, strlen(t1), "canonical.json", &p2, &e)) fail_msg("%s in %s", yb_err_fmt(&e, b, sizeof b), t1);
    if (memcmp(p1, p2, sizeof *p1)) fail_msg("the canonical form loads differently: %s", t1);
    char *t2 = yb_policy_to_json(p2);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    free(p2);
    return p1;
}

static const char full_policy[] =
    "{\"admdvs\":\"440100\",\"name\":\"全部写法\\n\\\"引号\\\"\",\"version\":\"v9\",\"effective_from\":\"2024-01-01\","
    "\"effective_to\":\"2024-12-31\",\"hosp_lv_class\":{\"15\":1,\"11\":\"2\"},"
    "\"offsite_extra_preselfpay\":{\"a\":\"0.1\",\"b\":0},\"offsite_classes\":{\"b\":[\"9\",\"8\"]},\"offsite_default\":\"a\","
    "\"identities\":{\"x\":[\"X1\",\"X2\"],\"y\":[]},\"retired_psn_types\":[\"1201\"],"
    "\"insutypes\":{\"310\":{\"account\":\"1\",\"account_scope\":\"inscp\",\"blocks\":["
    "{\"name\":\"住院\",\"med_types\":[\"21\"],\"deductible\":{\"per\":\"admission\",\"by_class\":{\"1\":1,\"2\":2.5,\"3\":\"3.05\"},"
    "\"admission_factors\":[\"1\",\"0.5\",0]},\"ratio\":{\"1\":1,\"2\":\"0.9999\",\"3\":0},\"cap_group\":\"g\",\"annual_cap\":{\"active\":\"5\"}},"
    "{\"name\":\"门诊\",\"med_types\":[\"11\",\"13\"],\"fund_pay_type\":\"310101\",\"deductible\":{\"per\":\"none\"},"
    "\"ratio\":{\"1\":\"0.5\",\"2\":\"0.5\",\"3\":\"0.5\"},\"retiree_bonus\":\"0.1\",\"cap_group\":\"g\",\"annual_cap\":{\"retired\":\"7.5\"}},"
    "{\"name\":\"年度\",\"med_types\":[\"14\"],\"deductible\":{\"per\":\"year\",\"by_class\":{\"1\":\"0\",\"2\":\"0\",\"3\":\"0\"}},"
    "\"ratio\":{\"1\":\"0.5\",\"2\":\"0.5\",\"3\":\"0.5\"},\"cap_group\":\"h\",\"annual_cap\":{\"all\":\"0\"}}],"
    "\"layers\":[{\"name\":\"L1\",\"fund_pay_type\":\"330100\",\"blocks\":[\"住院\",\"门诊\"],\"base\":\"over_cap\","
    "\"eligible\":\"cvlserv\",\"threshold\":\"100\",\"segments\":[{\"from\":\"0\",\"ratio\":\"0.5\"},{\"from\":\"1000.5\",\"ratio\":0.75}],"
    "\"identity_adjust\":{\"y\":{\"ratio_add\":\"-0.25\"},\"x\":{\"threshold_factor\":\"2\",\"no_cap\":\"1\"}}},"
    "{\"name\":\"L2\",\"fund_pay_type\":\"610100\",\"by_identity\":{\"x\":{\"ratio\":\"0.9\"},\"y\":{\"threshold\":\"20\",\"ratio\":\"0.7\"}},"
    "\"annual_cap\":\"600\"},"
    "{\"name\":\"L3\",\"fund_pay_type\":\"610102\",\"eligible\":\"all\",\"by_identity\":{\"x\":{\"ratio\":\"1\"}}}]},"
    "\"390\":{\"blocks\":[],\"layers\":[]}}}";

static void test_round_trip(void **state) {
    (void)state;
    size_t len;
    char *text = slurp("data/demo/policy.json", &len);
    yb_policy *p = round_trip(text, len);
    assert_int_equal(yb_policy_insutype(p, "310")->blocks[0].dedc[3], 80000);
    free(p);
    free(text);

    p = round_trip(full_policy, strlen(full_policy));
    assert_string_equal(p->name, "全部写法\n\"引号\"");
    assert_int_not_equal(p->effective_to, YB_DATE_MAX);
    assert_int_equal(p->hosp_lv_class[11], 2);
    assert_int_equal(p->hosp_lv_class[15], 1);
    assert_int_equal(p->hosp_lv_class[3], 3); /* default kept */
    assert_int_equal(p->n_retired, 1);
    assert_string_equal(p->retired_psn_types[1], ""); /* the default "1300" is gone, not hidden */
    assert_int_equal(yb_policy_offsite_extra(p, "9"), 0);
    assert_string_equal(p->offsite_default, "a");
    const yb_insutype_policy *ip = yb_policy_insutype(p, "310");
    assert_int_equal(ip->account, 1);
    assert_int_equal(ip->account_scope_no_fulamt, 1);
    /* 2.5 -> 250 fen, "3.05" -> 305 fen; factors 1, 0.5, 0 */
    assert_int_equal(ip->blocks[0].dedc[2], 250);
    assert_int_equal(ip->blocks[0].dedc[3], 305);
    assert_int_equal(ip->blocks[0].n_admission_factors, 3);
    assert_int_equal(ip->blocks[0].admission_factor[1], 5000);
    assert_int_equal(ip->blocks[0].ratio[1], 10000);
    assert_int_equal(ip->blocks[0].ratio[2], 9999);
    assert_int_equal(ip->blocks[0].annual_cap_active, 500);
    assert_int_equal(ip->blocks[0].annual_cap_retired, YB_NO_CAP);
    assert_string_equal(ip->blocks[0].fund_pay_type, "310100");
    assert_string_equal(ip->blocks[1].fund_pay_type, "310101");
    assert_int_equal(ip->blocks[1].dedc_per, YB_DEDC_NONE);
    assert_int_equal(ip->blocks[1].annual_cap_active, YB_NO_CAP);
    assert_int_equal(ip->blocks[1].annual_cap_retired, 750);
    assert_int_equal(ip->blocks[2].annual_cap_active, 0);
    const yb_layer *l = &ip->layers[0];
    assert_int_equal(l->elig, YB_ELIG_CVLSERV);
    assert_int_equal(l->n_seg, 2);
    assert_int_equal(l->seg[1].from, 100050);
    assert_int_equal(l->seg[1].ratio, 7500);
    assert_string_equal(l->adjust[0].identity, "y");
    assert_int_equal(l->adjust[0].ratio_add, -2500);
    assert_int_equal(l->adjust[0].threshold_factor, 10000);
    assert_int_equal(l->adjust[1].threshold_factor, 20000);
    assert_int_equal(l->adjust[1].no_cap, 1);
    assert_int_equal(ip->layers[1].elig, YB_ELIG_IDENTITIES); /* implied by by_identity */
    assert_int_equal(ip->layers[1].n_eligible, 2);
    assert_string_equal(ip->layers[1].eligible[1], "y");
    assert_int_equal(ip->layers[1].by_identity[1].threshold, 2000);
    assert_int_equal(ip->layers[2].elig, YB_ELIG_ALL); /* "all" given beside by_identity */
    assert_int_equal(ip->layers[2].annual_cap, YB_NO_CAP);
    assert_int_equal(yb_policy_insutype(p, "390")->n_blocks, 0);

    /* the canonical text: amounts with 2 decimals and ratios with 4, as strings */
    char *t = yb_policy_to_json(p);
    assert_non_null(strstr(t, "\"by_class\":{\"1\":\"1.00\",\"2\":\"2.50\",\"3\":\"3.05\"}"));
    assert_non_null(strstr(t, "\"admission_factors\":[\"1.0000\",\"0.5000\",\"0.0000\"]"));
    assert_non_null(strstr(t, "\"ratio_add\":\"-0.2500\""));
    assert_non_null(strstr(t, "\"annual_cap\":{\"active\":\"5.00\"}"));
    assert_non_null(strstr(t, "\"effective_to\":\"2024-12-31\""));
    free(t);
    free(p);
}

/* Every byte in a key and in a value, short (the one-put path for plain text) and long (the
 * general path), written as JSON escaping requires, commas and colons in their places. */
static void test_writer_bytes(void **state) {
    (void)state;
    char pad[200];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int len = 0; len < 2; len++)
        for (int b = 1; b < 256; b++) {
            char in[256], want_s[64], want[700];
            snprintf(in, sizeof in, "x%cy%s", b, len ? pad : "");
            if (b == '"') snprintf(want_s, sizeof want_s, "\\\"");
            else if (b == '\\') snprintf(want_s, sizeof want_s, "\\\\");
            else if (b == '\n') snprintf(want_s, sizeof want_s, "\\n");
            else if (b == '\r') snprintf(want_s, sizeof want_s, "\\r");
            else if (b == '\t') snprintf(want_s, sizeof want_s, "\\t");
            else if (b < 0x20 || b == 0x7f) snprintf(want_s, sizeof want_s, "\\u%04x", b);
            else if (b >= 0x80) snprintf(want_s, sizeof want_s, "\\ufffd"); /* a lone byte is not UTF-8 */
            else snprintf(want_s, sizeof want_s, "%c", b);
            snprintf(want, sizeof want, "{\"x%sy%s\":\"x%sy%s\",\"k\":[\"x%sy%s\",1,\"v\"]}", want_s, len ? pad : "",
                     want_s, len ? pad : "", want_s, len ? pad : "");
            yb_jw w;
            yb_jw_init(&w);
            yb_jw_open(&w, '{');
            yb_jw_key(&w, in);
            yb_jw_str(&w, in);
            yb_jw_key(&w, "k");
            yb_jw_open(&w, '[');
            yb_jw_str(&w, in);
            yb_jw_int(&w, 1);
            yb_jw_str(&w, "v");
            yb_jw_close(&w, ']');
            yb_jw_close(&w, '}');
            char *got = yb_jw_finish(&w);
            if (strcmp(got, want)) fprintf(stderr, "byte 0x%02x, long %d:\n got  %s\n want %s\n", b, len, got, want);
            assert_string_equal(got, want);
            free(got);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_bytes),
        cmocka_unit_test(test_demo_policy), cmocka_unit_test(test_bad_policies), cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_numbers),     cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
