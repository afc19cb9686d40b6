/*
 * textpack.c — recorded replies stored compressed (see include/yibao/textpack.h).
 *
 * LZ4's block format with a dictionary: compressing a 2.3 KB settlement reply takes a couple of
 * microseconds on the writer thread, and the dictionary is what makes a single short reply
 * compress well at all (field names repeat across replies, hardly within one). The dictionary is
 * the shapes of the replies the interface records most: the envelope, 2201, the line split of
 * 2204/2301 and the settlement of 2206/2207/2303/2304, with placeholder values and no data of
 * any person or institution.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#include "yibao/textpack.h"

#define FORMAT_LZ4_D1 1

/* Dictionary 1. FROZEN: the replies already stored with format 1 decode only with these exact
 * bytes (test_textpack checks their digest). A better dictionary is format 2, added beside it. */
static const char dict1[] =
    "{\"infcode\":-1,\"inf_refmsgid\":\"\",\"refmsg_time\":\"\",\"respond_time\":\"\",\"err_msg\":\"\","
    "\"warn_msg\":null,\"cainfo\":null,\"signtype\":null,\"output\":{}}"
    "{\"signinoutb\":{\"sign_time\":\"2025-01-01 00:00:00\",\"sign_no\":\"000001\"}}"
    "\"ipt_otp_no\":\"\",\"ipt_no\":\"\",\"mdtrt_id\":\"\",\"psn_no\":\"\"}}}"
    "{\"setlinfo\":{\"mdtrt_id\":\"\",\"setl_id\":\"S0000000000\",\"psn_no\":\"\",\"psn_name\":\"\","
    "\"psn_cert_type\":\"01\",\"certno\":\"\",\"gend\":\"1\",\"naty\":\"01\",\"brdy\":\"\",\"age\":"
    "\"insutype\":\"310\",\"psn_type\":\"1101\",\"cvlserv_flag\":\"0\",\"setl_time\":\"2025-01-01 00:00:00\","
    "\"mdtrt_cert_type\":\"02\",\"med_type\":\"11\",\"clr_type\":\"11\",\"clr_way\":\"1\",\"clr_optins\":\"\","
    "\"insuplc_admdvs\":\"360100\",\"mdtrtarea_admvs\":\"360100\",\"medfee_sumamt\":0.00,"
    "\"fulamt_ownpay_amt\":0.00,\"overlmt_selfpay\":0.00,\"preselfpay_amt\":0.00,\"inscp_scp_amt\":0.00,"
    "\"dedc_std\":0.00,\"act_pay_dedc\":0.00,\"hifp_pay\":0.00,\"pool_prop_selfpay\":0.0000,"
    "\"cvlserv_pay\":0.00,\"hifes_pay\":0.00,\"hifmi_pay\":0.00,\"hifob_pay\":0.00,\"hifdm_pay\":0.00,"
    "\"maf_pay\":0.00,\"oth_pay\":0.00,\"fund_pay_sumamt\":0.00,\"psn_part_amt\":0.00,\"acct_pay\":0.00,"
    "\"psn_cash_pay\":0.00,\"hosp_part_amt\":0.00,\"balc\":0.00,\"acct_mulaid_pay\":0.00,"
    "\"medins_setl_id\":\"\",\"refd_setl_flag\":\"0\",\"policy_version\":\"\",\"benefit_block\":\"\"},"
    "\"setldetail\":[{\"fund_pay_type\":\"310100\",\"fund_pay_type_name\":\"职工门诊统筹\","
    "\"inscp_scp_amt\":0.00,\"crt_payb_lmt_amt\":0.00,\"fund_payamt\":0.00,"
    "\"setl_proc_info\":\"起付线0.00 比例0% 年度剩余限额0.00\"},{\"fund_pay_type\":\"310200\","
    "\"fund_pay_type_name\":\"职工基本医疗保险个人账户\",\"fund_pay_type_name\":\"居民基本医疗保险统筹基金\","
    "\"fund_pay_type_name\":\"大病保险\",\"fund_pay_type_name\":\"公务员医疗补助\","
    "\"fund_pay_type_name\":\"医疗救助\",\"fund_pay_type_name\":\"职工住院统筹\"}],"
    "\"result\":[{\"feedetl_sn\":\"1\",\"med_list_codg\":\"\",\"det_item_fee_sumamt\":0.00,"
    "\"cnt\":1.0000,\"pric\":0.000000,\"pric_uplmt_amt\":99999999.000000,\"selfpay_prop\":0.0000,"
    "\"fulamt_ownpay_amt\":0.00,\"overlmt_amt\":0.00,\"preselfpay_amt\":0.00,\"inscp_scp_amt\":0.00,"
    "\"chrgitm_lv\":\"01\",\"list_type\":\"101\"},{\"feedetl_sn\":\"2\",\"det_item_fee_sumamt\":0.00,"
    "\"cnt\":1.0000,\"pric\":0.000000,\"pric_uplmt_amt\":99999999.000000,\"selfpay_prop\":0.1000,"
    "\"fulamt_ownpay_amt\":0.00,\"overlmt_amt\":0.00,\"preselfpay_amt\":0.00,\"inscp_scp_amt\":0.00,"
    "\"chrgitm_lv\":\"02\"}]}}"
    "{\"infcode\":0,\"inf_refmsgid\":\"3601002025010100000000000000\",\"refmsg_time\":\"20250101000000000\","
    "\"respond_time\":\"20250101000000000\",\"err_msg\":\"success\",\"warn_msg\":null,\"cainfo\":null,"
    "\"signtype\":null,\"output\":{\"data\":{\"mdtrt_id\":\"\",\"psn_no\":\"\",\"ipt_otp_no\":\"\"}}}";

const char *yb__pack_dict(int format, size_t *n) {
    if (format != FORMAT_LZ4_D1) return NULL;
    *n = sizeof dict1 - 1;
    return dict1;
}

/* The bound LZ4's format puts on its expansion (255 bytes out per byte in, with room to spare):
 * a stated length beyond it cannot be the truth, and is refused before anything is allocated. */
#define LZ4_MAX_RATIO 255u

/* Dictionary 1 loaded into a compression stream once; each packing starts from a copy of it
 * (lz4.h names copying a pre-loaded dictionary's stream as one way to reuse a dictionary): loading
 * the dictionary hashes all of it, about half the instructions of packing a settlement's reply. */
static LZ4_stream_t dict1_stream;
static pthread_once_t dict1_once = PTHREAD_ONCE_INIT;

static void dict1_load(void) {
    LZ4_initStream(&dict1_stream, sizeof dict1_stream);
    LZ4_loadDict(&dict1_stream, dict1, (int)sizeof dict1 - 1);
}

static size_t put_len(unsigned char *p, uint32_t v) {
    size_t k = 0;
    do {
        p[k++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return k;
}

yb_rc yb_pack_text(const char *s, size_t n, unsigned char **out, size_t *outn, yb_err *err) {
    *out = NULL;
    *outn = 0;
    if (n < YB_PACK_MIN || n > YB_PACK_MAX) return YB_OK; /* stored as it is: a write never fails for packing */
    int cap = LZ4_compressBound((int)n);
    unsigned char *b = malloc(1 + 5 + (size_t)cap);
    if (!b) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    b[0] = FORMAT_LZ4_D1;
    size_t h = 1 + put_len(b + 1, (uint32_t)n);
    pthread_once(&dict1_once, dict1_load);
    LZ4_stream_t ls;
    memcpy(&ls, &dict1_stream, sizeof ls);
    int z = LZ4_compress_fast_continue(&ls, s, (char *)b + h, (int)n, cap, 1);
    if (z <= 0 || h + (size_t)z >= n) { /* not smaller: stored as text */
        free(b);
        return YB_OK;
    }
    *out = b;
    *outn = h + (size_t)z;
    return YB_OK;
}

yb_rc yb_unpack_text(const void *blob, size_t n, char **out, size_t *outn, yb_err *err) {
    const unsigned char *b = blob;
    *out = NULL;
    if (outn) *outn = 0;
    if (n < 2) return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text of %zu bytes is too short", n);
    if (b[0] != FORMAT_LZ4_D1)
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text of unknown format %u (written by a later version?)", b[0]);
    uint32_t len = 0;
    size_t i = 1;
    for (int shift = 0;; shift += 7) {
        if (i >= n || shift > 21) return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text: bad length field");
        unsigned char c = b[i++];
        len |= (uint32_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (shift && !c) return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text: bad length field");
            break;
        }
    }
    size_t z = n - i;
    if (len == 0 || len > YB_PACK_MAX || z == 0 || len / LZ4_MAX_RATIO > z)
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text: a length of %u bytes does not fit %zu packed bytes",
                          len, z);
    char *t = malloc((size_t)len + 1);
    if (!t) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    int got = LZ4_decompress_safe_usingDict((const char *)b + i, t, (int)z, (int)len, dict1, (int)sizeof dict1 - 1);
    if (got < 0 || (uint32_t)got != len) {
        free(t);
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text does not unpack to its %u bytes (damaged)", len);
    }
    if (memchr(t, 0, len)) {
        free(t);
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "packed text unpacks to text with a NUL byte (damaged)");
    }
    t[len] = 0;
    *out = t;
    if (outn) *outn = len;
    return YB_OK;
}

yb_rc yb_col_unpacked(sqlite3_stmt *st, int col, char **out, yb_err *err) {
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_BLOB) {
        const void *b = sqlite3_column_blob(st, col);
        int n = sqlite3_column_bytes(st, col);
        return yb_unpack_text(b, (size_t)n, out, NULL, err);
    }
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    char *c = malloc((size_t)n + 1);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (n) memcpy(c, t, (size_t)n);
    c[n] = 0;
    *out = c;
    return YB_OK;
}
