/*
 * fuzz_fsi.c — libFuzzer target for the institution interface's envelope and transactions:
 * any request body gets a reply that is valid JSON with infcode 0 or -1, and nothing crashes or
 * leaks. The store is an in-memory SQLite database with one institution signed in and one
 * person (P1, residents' insurance 390); when the target runs from the source tree, the demo
 * policy and catalogue (so that fee uploads and settlements, outpatient and inpatient, interim and
 * final, reach the calculator) and the rules of data/rules/nhsa are loaded. The database keeps
 * what each input did: the corpus's seeds walk a visit and a stay through their transactions.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/audit.h"
#include "yibao/fsi.h"
#include "yibao/service.h"

static yb_fsi f;
static yb_refdata *rd;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!f.db) {
        if (yb_db_open(":memory:", 1, &f.db, NULL)) abort();
        if (yb_db_exec(f.db,
                       "INSERT INTO institutions(fixmedins_code, fixmedins_name, hosp_lv, admdvs) VALUES"
                       " ('H36010000001','fuzz','03','360100');"
                       "INSERT INTO sign_ins(sign_no, fixmedins_code, sign_time) VALUES ('000001','H36010000001','2025-01-01');"
                       "INSERT INTO persons(psn_no, insu_admdvs, psn_type) VALUES ('P1','360100','1501');"
                       "INSERT INTO person_insu(psn_no, insutype, psn_type) VALUES ('P1','390','1501');",
                       NULL))
            abort();
        yb_load_stats ls;
        if (yb_svc_load_policy(f.db, "data/demo/policy.json", &ls, NULL) == YB_OK)
            (void)yb_svc_load_catalog(f.db, "data/demo/catalog.csv", &ls, NULL);
        if (yb_store_load_refdata(f.db, &rd, NULL)) abort();
        f.rd = rd;
        /* the national rules when run from the source tree: 3101/3102 and audited settlement */
        yb_audit_ruleset *rs = NULL;
        if (!yb_audit_ruleset_load("data/rules/nhsa", &rs, NULL)) f.rules = rs;
        strcpy(f.area, "360100");
    }
    char *reply = NULL;
    yb_fsi_handle(&f, (const char *)data, size, NULL, &reply);
    if (!reply) abort();
    json_object *o = json_tokener_parse(reply);
    if (!o) abort();
    json_object *code = NULL;
    if (!json_object_object_get_ex(o, "infcode", &code)) abort();
    int c = json_object_get_int(code);
    if (c != 0 && c != -1) abort();
    json_object_put(o);
    free(reply);
    return 0;
}
