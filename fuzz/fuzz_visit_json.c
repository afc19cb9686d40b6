/*
 * fuzz_visit_json.c — libFuzzer target for the one-visit JSON document: any input is parsed or
 * refused with an error naming what is wrong; a parsed document settles (or is refused) under the
 * example policy and a one-entry catalogue, and every settlement it produces passes yb_settle_check
 * and renders as a reply that is itself valid strict JSON (as is every error reply); the output
 * object written alone is the reply's "output".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/visit_json.h"

/* Every reply must be valid JSON to a strict reader. */
static void must_parse(const char *r) {
    if (!r) abort();
    json_object *o = NULL;
    if (yb_json_parse(r, strlen(r), "reply", &o, NULL) != YB_OK) abort();
    json_object_put(o);
}

static yb_policy *policy;
static yb_catalog *catalog;

static const char policy_json[] =
    "{\"admdvs\":\"360100\",\"version\":\"f\",\"effective_from\":\"2000-01-01\","
    "\"offsite_extra_preselfpay\":{\"t\":\"0.2\"},\"offsite_classes\":{\"t\":[\"3\"]},"
    "\"identities\":{\"tekun\":[\"特困\"]},"
    "\"insutypes\":{\"390\":{\"blocks\":[{\"name\":\"住院\",\"med_types\":[\"21\"],\"deductible\":{\"per\":\"admission\","
    "\"by_class\":{\"1\":\"100\",\"2\":\"400\",\"3\":\"600\"}},\"ratio\":{\"1\":\"0.9\",\"2\":\"0.8\",\"3\":\"0.6\"},"
    "\"cap_group\":\"pool\",\"annual_cap\":{\"all\":\"100000\"}}],\"layers\":[{\"name\":\"大病\",\"fund_pay_type\":\"390200\","
    "\"threshold\":\"17000\",\"segments\":[{\"from\":\"0\",\"ratio\":\"0.6\"}],\"identity_adjust\":{\"tekun\":"
    "{\"threshold_factor\":\"0.5\",\"ratio_add\":\"0.05\",\"no_cap\":true}}}]},"
    "\"310\":{\"account\":true,\"blocks\":[],\"layers\":[]}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!policy) {
        if (yb_policy_from_json(policy_json, strlen(policy_json), "fuzz", &policy, NULL)) abort();
        catalog = yb_catalog_new();
        yb_cat_entry e;
        memset(&e, 0, sizeof e);
        strcpy(e.code, "A");
        strcpy(e.chrgitm_lv, "02");
        e.selfpay_prop = 1000;
        e.cap[1] = e.cap[2] = e.cap[3] = 50000000;
        e.begndate = 0;
        e.enddate = YB_DATE_MAX;
        if (yb_catalog_add(catalog, &e, NULL)) abort();
    }
    yb_visit_doc doc;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_visit_doc_parse((const char *)data, size, "fuzz.json", &doc, &e);
    if (rc) {
        if (e.rc == YB_OK || doc.lines || doc.n_lines) abort();
        char *r = yb_reply_error(&e, doc.msgid);
        must_parse(r);
        free(r);
        return 0;
    }
    yb_line_split *sp = calloc(doc.n_lines ? doc.n_lines : 1, sizeof *sp);
    yb_accum acc;
    memset(&acc, 0, sizeof acc);
    strcpy(doc.person.insu_admdvs, "360100");
    yb_settle_in in = {policy, catalog, &doc.person, &doc.visit, doc.lines, doc.n_lines, &acc, doc.balc, NULL};
    yb_settlement s;
    yb_err_clear(&e);
    if (yb_settle_calc(&in, &s, sp, &e) == YB_OK) {
        if (yb_settle_check(&s, sp, doc.n_lines, NULL) != YB_OK) abort();
        char *r = yb_reply_settlement(&doc, &s, sp, "S1", "2025-01-01 00:00:00", 1);
        must_parse(r);
        yb_jw w;
        yb_jw_init(&w);
        yb_write_settlement_output(&w, &doc, &s, sp, "S1", "2025-01-01 00:00:00", 1);
        char *out = yb_jw_finish(&w);
        if (!out || !strstr(r, out)) abort();
        free(out);
        free(r);
        r = yb_reply_settlement(&doc, &s, sp, NULL, NULL, -1);
        must_parse(r);
        free(r);
        yb_err_clear(&e);
        if (yb_visit_doc_check_totals(&doc, &s, &e) != YB_OK) {
            if (e.rc != YB_E_MISMATCH) abort();
            r = yb_reply_error(&e, doc.msgid);
            must_parse(r);
            free(r);
        }
    } else if (e.rc == YB_OK) {
        abort();
    } else {
        char *r = yb_reply_error(&e, doc.msgid);
        must_parse(r);
        free(r);
    }
    free(sp);
    yb_visit_doc_release(&doc);
    return 0;
}
