/*
 * test_policy_json.c — the policy loader: the shipped example loads with the right numbers, and
 * each kind of bad policy is refused with the JSON path and value in the error.
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
    json_object_object_get_ex(o, "d", &v);
    assert_int_not_equal(yb_json_money(v, "d", 0, &f, &e), YB_OK);
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
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_policy), cmocka_unit_test(test_bad_policies), cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
