/*
 * test_textpack.c — recorded replies stored packed: round trips, what is left as text, a blob
 * written by this format's first release still unpacking (the format is frozen), and every kind of
 * damaged blob refused with an error instead of a wrong or overlong text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "yibao/textpack.h"

/* A settlement reply as the interface writes it (2207), about 2 KB. */
static const char reply2207[] =
    "{\"infcode\":0,\"inf_refmsgid\":\"360100202612080043360000000001\",\"refmsg_time\":\"20261208004336524\","
    "\"respond_time\":\"20261208004336525\",\"err_msg\":\"success\",\"warn_msg\":null,\"cainfo\":null,\"signtype\":null,"
    "\"output\":{\"setlinfo\":{\"mdtrt_id\":\"H36010000001000000000001\",\"setl_id\":\"S000000000001\",\"psn_no\":\"BP00003884\","
    "\"insutype\":\"310\",\"psn_type\":\"1101\",\"cvlserv_flag\":\"0\",\"setl_time\":\"2026-12-08 00:43:36\",\"med_type\":\"11\","
    "\"insuplc_admdvs\":\"360100\",\"mdtrtarea_admvs\":\"360100\",\"medfee_sumamt\":620.34,\"fulamt_ownpay_amt\":0.00,"
    "\"overlmt_selfpay\":0.00,\"preselfpay_amt\":57.94,\"inscp_scp_amt\":562.40,\"dedc_std\":300.00,\"act_pay_dedc\":300.00,"
    "\"hifp_pay\":144.32,\"pool_prop_selfpay\":0.5500,\"cvlserv_pay\":0.00,\"hifes_pay\":0.00,\"hifmi_pay\":0.00,"
    "\"hifob_pay\":0.00,\"hifdm_pay\":0.00,\"maf_pay\":0.00,\"oth_pay\":0.00,\"fund_pay_sumamt\":144.32,\"psn_part_amt\":476.02,"
    "\"acct_pay\":360.44,\"psn_cash_pay\":115.58,\"hosp_part_amt\":0.00,\"balc\":0.00,\"acct_mulaid_pay\":0.00,"
    "\"medins_setl_id\":\"H36010000001WA0000000001\",\"refd_setl_flag\":\"0\",\"policy_version\":\"2025.1\","
    "\"benefit_block\":\"职工门诊统筹\"},\"setldetail\":[{\"fund_pay_type\":\"310100\",\"fund_pay_type_name\":\"职工门诊统筹\","
    "\"inscp_scp_amt\":562.40,\"crt_payb_lmt_amt\":1855.68,\"fund_payamt\":144.32,"
    "\"setl_proc_info\":\"起付线300.00 比例55% 年度剩余限额1855.68\"}],\"result\":[{\"feedetl_sn\":\"1\","
    "\"med_list_codg\":\"003310020150000\",\"det_item_fee_sumamt\":319.38,\"cnt\":3.0000,\"pric\":106.460000,"
    "\"pric_uplmt_amt\":99999999.000000,\"selfpay_prop\":0.1000,\"fulamt_ownpay_amt\":0.00,\"overlmt_amt\":0.00,"
    "\"preselfpay_amt\":31.94,\"inscp_scp_amt\":287.44,\"chrgitm_lv\":\"02\",\"list_type\":\"201\"},{\"feedetl_sn\":\"2\","
    "\"med_list_codg\":\"003302010600000\",\"det_item_fee_sumamt\":260.04,\"cnt\":3.0000,\"pric\":86.680000,"
    "\"pric_uplmt_amt\":99999999.000000,\"selfpay_prop\":0.1000,\"fulamt_ownpay_amt\":0.00,\"overlmt_amt\":0.00,"
    "\"preselfpay_amt\":26.00,\"inscp_scp_amt\":234.04,\"chrgitm_lv\":\"02\",\"list_type\":\"201\"}]}}";

/* Written by the first release of format 1 (dictionary 1): it must unpack to exactly this forever. */
static const char golden_text[] =
    "{\"infcode\":0,\"inf_refmsgid\":\"3601002025060100000000000001\",\"refmsg_time\":\"20250601080000000\","
    "\"respond_time\":\"20250601080000001\",\"err_msg\":\"success\",\"warn_msg\":null,\"cainfo\":null,\"signtype\":null,"
    "\"output\":{\"data\":{\"mdtrt_id\":\"M1\",\"psn_no\":\"P1\",\"ipt_otp_no\":\"OP0\"}}}";
static const unsigned char golden_blob[] = "\x01\x87\x02\x0f\x00\x01\x15\x17\x36\xd9\x00\x31\x30\x30\x30\x6a\x08\x0a\xb3\x09\x01\x00\x01\x52\x36\x30\x31\x30\x38\x22\x00\x02\x22\x01\x0e\x00\x01\x07\x23\x00\x19\x31\xd5\x09\x0f\x00\x01\x42\x28\x4d\x31\x02\x01\x2c\x50\x31\x04\x01\x70\x4f\x50\x30\x22\x7d\x7d\x7d";

static void roundtrip(const char *t, size_t n, size_t *packed_len) {
    unsigned char *b;
    size_t bn;
    assert_int_equal(yb_pack_text(t, n, &b, &bn, NULL), YB_OK);
    *packed_len = b ? bn : 0;
    if (!b) return;
    assert_true(bn < n);
    assert_int_equal(b[0], 1);
    char *u;
    size_t un;
    assert_int_equal(yb_unpack_text(b, bn, &u, &un, NULL), YB_OK);
    assert_int_equal(un, n);
    assert_memory_equal(u, t, n);
    assert_int_equal(u[n], 0);
    free(u);
    free(b);
}

static void test_reply_packs_small(void **state) {
    (void)state;
    size_t z;
    roundtrip(reply2207, sizeof reply2207 - 1, &z);
    assert_true(z > 0);
    assert_true(z * 3 < sizeof reply2207 - 1); /* the dictionary at work: under a third */
    roundtrip(golden_text, sizeof golden_text - 1, &z);
    assert_true(z > 0 && z < 100);
}

static void test_left_as_text(void **state) {
    (void)state;
    size_t z;
    roundtrip("{\"infcode\":0}", 13, &z); /* shorter than YB_PACK_MIN */
    assert_int_equal(z, 0);
    /* random printable bytes do not get smaller: stored as they are */
    char r[4096];
    randombytes_buf_deterministic((unsigned char *)r, sizeof r, (const unsigned char *)"0123456789abcdef0123456789abcdef");
    for (size_t i = 0; i < sizeof r; i++) r[i] = (char)(33 + (unsigned char)r[i] % 94);
    roundtrip(r, sizeof r, &z);
    assert_int_equal(z, 0);
    /* long repetitive text packs well beyond the dictionary's help */
    size_t n = 1u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = reply2207[i % (sizeof reply2207 - 1)];
    roundtrip(big, n, &z);
    assert_true(z > 0 && z < n / 50);
    free(big);
    /* beyond YB_PACK_MAX: stored as it is (the length is all that is looked at) */
    unsigned char *b = (unsigned char *)1;
    size_t bn;
    assert_int_equal(yb_pack_text(reply2207, (size_t)YB_PACK_MAX + 1, &b, &bn, NULL), YB_OK);
    assert_null(b);
}

static void test_format_frozen(void **state) {
    (void)state;
    size_t n;
    const char *d = yb__pack_dict(1, &n);
    assert_non_null(d);
    unsigned char h[32];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)d, n);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    /* dictionary 1 as released; changing it would make every stored format-1 reply unreadable */
    assert_int_equal(n, 2456);
    assert_string_equal(hex, "af08a3a96c506810b6d658c0adaba22bfd918dd24a617a6f102b019028f8f19a");
    assert_null(yb__pack_dict(2, &n));
    char *u;
    size_t un;
    assert_int_equal(yb_unpack_text(golden_blob, sizeof golden_blob - 1, &u, &un, NULL), YB_OK);
    assert_string_equal(u, golden_text);
    free(u);
}

static void refuse(const unsigned char *b, size_t n, const char *msg_part) {
    char *u = (char *)1;
    yb_err e = {0};
    assert_int_equal(yb_unpack_text(b, n, &u, NULL, &e), YB_E_INVALID);
    assert_null(u);
    if (!strstr(e.msg, msg_part)) fail_msg("error '%s' does not say '%s'", e.msg, msg_part);
}

static void test_damaged_refused(void **state) {
    (void)state;
    unsigned char b[256];
    size_t n = sizeof golden_blob - 1;
    memcpy(b, golden_blob, n);
    refuse(b, 0, "too short");
    refuse(b, 1, "too short");
    refuse(b, n - 1, "does not unpack"); /* truncated */
    b[0] = 2;
    refuse(b, n, "unknown format");
    b[0] = 1;
    b[1] = (unsigned char)(b[1] + 1); /* a length one off */
    refuse(b, n, "does not unpack");
    memcpy(b, golden_blob, n);
    static const unsigned char zero_len[] = {1, 0, 0x10, 'a'};
    refuse(zero_len, sizeof zero_len, "does not fit");
    static const unsigned char huge[] = {1, 0xff, 0xff, 0xff, 0x7f, 0x10, 'a'}; /* 256 MiB stated */
    refuse(huge, sizeof huge, "does not fit");
    static const unsigned char ratio[] = {1, 0x80, 0x80, 0x01, 0x1f, 'a', 0x01, 0x00}; /* 16 KiB from 4 bytes */
    refuse(ratio, sizeof ratio, "does not fit");
    static const unsigned char endless[] = {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    refuse(endless, sizeof endless, "bad length");
    static const unsigned char padded[] = {1, 0x85, 0x00, 0x50, 'a', 'b', 'c', 'd', 'e'}; /* 5 as two bytes */
    refuse(padded, sizeof padded, "bad length");
    /* a well-formed block whose text holds a NUL byte */
    static const unsigned char nul[] = {1, 3, 0x30, 'a', 0, 'b'};
    refuse(nul, sizeof nul, "NUL");
    static const unsigned char fine[] = {1, 3, 0x30, 'a', 'x', 'b'};
    char *u;
    assert_int_equal(yb_unpack_text(fine, sizeof fine, &u, NULL, NULL), YB_OK);
    assert_string_equal(u, "axb");
    free(u);
}

/* The column helper takes TEXT as it is, unpacks a BLOB, reads NULL as "", and fails on a damaged blob. */
static void test_column(void **state) {
    (void)state;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(k INTEGER PRIMARY KEY, reply TEXT)", NULL, NULL, NULL), SQLITE_OK);
    unsigned char *b;
    size_t bn;
    assert_int_equal(yb_pack_text(reply2207, sizeof reply2207 - 1, &b, &bn, NULL), YB_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO t VALUES (?1, ?2)", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int(st, 1, 1), sqlite3_bind_text(st, 2, "plain", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, 2), sqlite3_bind_blob(st, 2, b, (int)bn, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, 3), sqlite3_bind_null(st, 2);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    sqlite3_bind_int(st, 1, 4), sqlite3_bind_blob(st, 2, "\x02junk", 5, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(b);
    /* a BLOB keeps its type in a TEXT column (msg_log.reply is one) */
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT typeof(reply), reply FROM t ORDER BY k", -1, &st, NULL), SQLITE_OK);
    static const char *const want[] = {"plain", reply2207, ""};
    static const char *const type[] = {"text", "blob", "null"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), type[i]);
        char *u;
        assert_int_equal(yb_col_unpacked(st, 1, &u, NULL), YB_OK);
        assert_string_equal(u, want[i]);
        free(u);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *u = (char *)1;
    yb_err e = {0};
    assert_int_equal(yb_col_unpacked(st, 1, &u, &e), YB_E_INVALID);
    assert_null(u);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_packs_small),
        cmocka_unit_test(test_left_as_text),
        cmocka_unit_test(test_format_frozen),
        cmocka_unit_test(test_damaged_refused),
        cmocka_unit_test(test_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
