/*
 * test_store.c — the SQLite store on real files in a fresh temporary directory: creating a
 * database (and its directory), the connection settings, the tables and columns the services
 * rely on, reopening, migrating an older database (versions 1 and 2, built here from the released
 * migrations), refusing a newer or inconsistent one untouched, a failing migration rolled back
 * whole, sequences, constraint errors and the write lock of BEGIN IMMEDIATE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "yibao/pdata.h"
#include "yibao/store.h"

extern const char *const *const yb__migrations[];
extern const size_t yb__n_migrations;

static char tmpdir[256];

static int setup(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/yb_store_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name) {
    static char p[400];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static long long q_int(sqlite3 *h, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -999;
    yb_db_done(st);
    return v;
}

static const char *q_text(sqlite3 *h, const char *sql) {
    static char buf[256];
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    buf[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    yb_db_done(st);
    return buf;
}

static int has_column(sqlite3 *h, const char *table, const char *col) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s'", table, col);
    return q_int(h, sql) == 1;
}

/* A database at version v, made the way an older program made it: the first v migrations, each
 * with its user_version, and no schema_version rows for them. */
static void make_old(const char *path, int v) {
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    for (int i = 0; i < v; i++)
        for (const char *const *q = yb__migrations[i]; *q; q++) assert_int_equal(sqlite3_exec(h, *q, NULL, NULL, NULL), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    /* a registered person with two enrolments, as version 1 stored them */
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO persons(psn_no, insu_admdvs, psn_type) VALUES ('P1', '360100', '1101');"
                                  "INSERT INTO person_insu(psn_no, insutype, psn_type, balc) VALUES ('P1', '310', '1101', 12345),"
                                  " ('P1', '390', '1501', 0);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
}

static void test_create_and_reopen(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL;
    const char *p = path_of("var/sub/yibao.db"); /* the directories do not exist yet */
    assert_int_equal(yb_db_open(p, 1, &db, &e), YB_OK);
    assert_int_equal(yb_db_version(db), yb_db_latest_version());
    assert_true(yb_db_latest_version() >= 3);
    sqlite3 *h = yb_db_sql(db);
    assert_string_equal(q_text(h, "PRAGMA journal_mode"), "wal");
    assert_int_equal(q_int(h, "PRAGMA synchronous"), 1); /* NORMAL */
    assert_int_equal(q_int(h, "PRAGMA foreign_keys"), 1);
    assert_true(q_int(h, "PRAGMA busy_timeout") >= 1000);
    assert_int_equal(q_int(h, "PRAGMA user_version"), yb_db_latest_version());
    /* one schema_version row per migration, 1..latest */
    assert_int_equal(q_int(h, "SELECT count(*) FROM schema_version"), yb_db_latest_version());
    assert_int_equal(q_int(h, "SELECT max(version) FROM schema_version"), yb_db_latest_version());
    assert_int_equal(q_int(h, "SELECT count(*) FROM schema_version WHERE applied_at IS NULL OR note = ''"), 0);

    /* the tables and the columns the services and what comes later rely on */
    static const char *const cols[][2] = {
        {"persons", "psn_no"}, {"persons", "certno"}, {"persons", "psn_name"}, {"persons", "gend"}, {"persons", "brdy"},
        {"persons", "psn_cert_type"}, {"persons", "insu_admdvs"}, {"persons", "psn_type"}, {"persons", "cvlserv_flag"},
        {"persons", "sp_psn_type"}, {"person_insu", "psn_no"}, {"person_insu", "insutype"}, {"person_insu", "psn_type"},
        {"person_insu", "insu_admdvs"}, {"person_insu", "balc"}, {"institutions", "fixmedins_code"},
        {"institutions", "fixmedins_name"}, {"institutions", "hosp_lv"}, {"institutions", "admdvs"},
        {"institutions", "begndate"}, {"institutions", "enddate"}, {"catalog", "med_list_codg"}, {"catalog", "chrgitm_lv"},
        {"catalog", "selfpay_prop"}, {"catalog", "cap3"}, {"catalog", "begndate"}, {"catalog", "enddate"},
        {"catalog", "admdvs"}, {"policies", "admdvs"}, {"policies", "version"}, {"policies", "effective_from"},
        {"policies", "effective_to"}, {"policies", "json"}, {"policies", "loaded_at"}, {"visits", "mdtrt_id"},
        {"visits", "psn_no"}, {"visits", "insutype"}, {"visits", "med_type"}, {"visits", "fixmedins_code"},
        {"visits", "begntime"}, {"visits", "endtime"}, {"visits", "state"}, {"fee_lines", "mdtrt_id"},
        {"fee_lines", "feedetl_sn"}, {"fee_lines", "psn_no"}, {"fee_lines", "inscp_scp_amt"},
        {"fee_lines", "preselfpay_amt"}, {"fee_lines", "overlmt_amt"}, {"fee_lines", "fulamt_ownpay_amt"},
        {"settlements", "setl_id"}, {"settlements", "mdtrt_id"}, {"settlements", "psn_no"}, {"settlements", "insutype"},
        {"settlements", "year"}, {"settlements", "policy_admdvs"}, {"settlements", "policy_version"},
        {"settlements", "block"}, {"settlements", "hifp_pay"}, {"settlements", "hifmi_pay"},
        {"settlements", "fund_pay_sumamt"}, {"settlements", "acct_pay"}, {"settlements", "balc"},
        {"settlements", "refd_setl_flag"}, {"settlements", "init_setl_id"}, {"settlements", "reversed_by"},
        {"settlements", "msgid"}, {"settlements", "setl_time"}, {"setl_funds", "setl_id"}, {"setl_funds", "psn_no"},
        {"setl_funds", "fund_pay_type"}, {"setl_funds", "fund_payamt"}, {"accum", "psn_no"}, {"accum", "insutype"},
        {"accum", "year"}, {"accum", "key"}, {"accum", "value"}, {"setl_deltas", "setl_id"}, {"setl_deltas", "psn_no"},
        {"setl_deltas", "key"}, {"setl_deltas", "delta"}, {"msg_log", "fixmedins_code"}, {"msg_log", "msgid"},
        {"msg_log", "infno"}, {"msg_log", "body_hash"}, {"msg_log", "reply"}, {"audit_log", "seq"}, {"audit_log", "ts"},
        {"audit_log", "actor"}, {"audit_log", "action"}, {"audit_log", "object"}, {"audit_log", "detail"},
        {"audit_log", "prev_hash"}, {"audit_log", "hash"}, {"schema_version", "version"}, {"schema_version", "applied_at"},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (!has_column(h, cols[i][0], cols[i][1])) fail_msg("missing column %s.%s", cols[i][0], cols[i][1]);
    /* money is INTEGER */
    assert_string_equal(q_text(h, "SELECT type FROM pragma_table_info('settlements') WHERE name='hifp_pay'"), "INTEGER");
    assert_string_equal(q_text(h, "SELECT type FROM pragma_table_info('person_insu') WHERE name='balc'"), "INTEGER");

    assert_int_equal(sqlite3_exec(h, "INSERT INTO persons(psn_no, insu_admdvs, psn_type) VALUES ('P9', '360100', '1101')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    /* accumulators (schema 9: JSON in the enrolment row) read through the view accum as integers */
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO person_insu(psn_no, insutype, psn_type, acc) VALUES ('P9', '310', '1101',"
                                  " '{\"2025\":{\"dedc/x\":30000}}')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_string_equal(q_text(h, "SELECT typeof(value) || ' ' || year || ' ' || key || ' ' || value FROM accum"
                                  " WHERE psn_no='P9'"),
                        "integer 2025 dedc/x 30000");
    assert_string_equal(q_text(h, "SELECT typeof(year) FROM accum WHERE psn_no='P9'"), "integer");
    yb_db_close(db);

    /* reopen: nothing migrates again, the data is there */
    db = NULL;
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_OK);
    h = yb_db_sql(db);
    assert_int_equal(yb_db_version(db), yb_db_latest_version());
    assert_int_equal(q_int(h, "SELECT count(*) FROM schema_version"), yb_db_latest_version());
    assert_int_equal(q_int(h, "SELECT count(*) FROM persons WHERE psn_no='P9'"), 1);
    yb_db_close(db);
}

static void test_missing_file_not_created(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL;
    const char *p = path_of("nothing.db");
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_E_NOTFOUND);
    assert_null(db);
    assert_non_null(strstr(e.msg, "yibao init"));
    struct stat sb;
    assert_int_not_equal(stat(p, &sb), 0);

    char longp[700];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = '\0';
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(longp, 1, &db, &e), YB_E_LIMIT);
    assert_non_null(strstr(e.msg, "511"));
}

static void test_migrate_older(void **state) {
    (void)state;
    for (int v = 1; v <= 2; v++) {
        char name[32];
        snprintf(name, sizeof name, "v%d.db", v);
        const char *p = path_of(name);
        make_old(p, v);
        yb_err e;
        yb_err_clear(&e);
        yb_db *db = NULL;
        assert_int_equal(yb_db_open(p, 0, &db, &e), YB_OK);
        sqlite3 *h = yb_db_sql(db);
        assert_int_equal(yb_db_version(db), yb_db_latest_version());
        assert_int_equal(q_int(h, "PRAGMA user_version"), yb_db_latest_version());
        assert_int_equal(q_int(h, "SELECT count(*) FROM schema_version"), yb_db_latest_version());
        /* version 2's tables came with it, and version 3 filled the area of each enrolment */
        assert_int_equal(q_int(h, "SELECT count(*) FROM sign_ins"), 0);
        assert_true(has_column(h, "visits", "ipt_otp_no"));
        assert_int_equal(q_int(h, "SELECT count(*) FROM person_insu WHERE insu_admdvs='360100'"), 2);
        assert_int_equal(q_int(h, "SELECT balc FROM person_insu WHERE insutype='310'"), 12345);
        /* sequences added by version 2 start at 0 */
        assert_int_equal(q_int(h, "SELECT value FROM meta WHERE key='mdtrt_seq'"), 0);
        yb_db_close(db);
    }
}

/* Schemas 8 and 9 move fund rows, deltas and accumulators into JSON columns: a database of version 7
 * with such rows reads the same through the views afterwards (zero accumulators left out). */
static void test_migrate_settlement_rows(void **state) {
    (void)state;
    const char *p = path_of("v7.db");
    make_old(p, 7);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "INSERT INTO schema_version(version, note) VALUES (3,'-'),(4,'-'),(5,'-'),(6,'-'),(7,'-');"
                                  "INSERT INTO settlements(setl_id, psn_no, mdtrt_id, insutype, year, medfee_sumamt,"
                                  " fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, hifp_pay,"
                                  " fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay) VALUES ('S1', 'P1', 'M1', '310',"
                                  " 2025, 10000, 0, 0, 0, 10000, 6000, 6000, 4000, 0, 4000);"
                                  "INSERT INTO setl_funds(setl_id, seq, psn_no, fund_pay_type, fund_pay_type_name, inscp_scp_amt,"
                                  " fund_payamt, crt_payb_lmt_amt, setl_proc_info) VALUES"
                                  " ('S1', 0, 'P1', '310100', '职工统筹', 10000, 6000, NULL, '起付线0.00 比例60%'),"
                                  " ('S1', 1, 'P1', '320100', '大额\"补充\"', 0, 0, 50000, '');"
                                  "INSERT INTO setl_deltas(setl_id, psn_no, insutype, year, key, delta) VALUES"
                                  " ('S1', 'P1', '310', 2025, 'pool/g', 6000), ('S1', 'P1', '310', 2025, 'adm/b', 1);"
                                  "INSERT INTO accum(psn_no, insutype, year, key, value) VALUES ('P1', '310', 2025, 'pool/g', 6000),"
                                  " ('P1', '310', 2025, 'adm/b', 1), ('P1', '310', 2024, 'pool/g', 777), ('P1', '390', 2025, 'x', 0);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL;
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_OK);
    h = yb_db_sql(db);
    assert_int_equal(yb_db_version(db), yb_db_latest_version());
    assert_string_equal(q_text(h, "SELECT group_concat(seq || ':' || fund_pay_type || ':' || fund_pay_type_name || ':' ||"
                                  " inscp_scp_amt || ':' || fund_payamt || ':' || ifnull(crt_payb_lmt_amt, 'null') || ':' ||"
                                  " setl_proc_info || ':' || psn_no, '|') FROM (SELECT * FROM setl_funds WHERE setl_id='S1'"
                                  " ORDER BY seq)"),
                        "0:310100:职工统筹:10000:6000:null:起付线0.00 比例60%:P1|1:320100:大额\"补充\":0:0:50000::P1");
    assert_string_equal(q_text(h, "SELECT group_concat(key || '=' || delta || ':' || year || ':' || insutype, ',') FROM"
                                  " (SELECT * FROM setl_deltas WHERE setl_id='S1' ORDER BY key)"),
                        "adm/b=1:2025:310,pool/g=6000:2025:310");
    assert_string_equal(q_text(h, "SELECT group_concat(insutype || '/' || year || '/' || key || '=' || value, ',') FROM"
                                  " (SELECT * FROM accum WHERE psn_no='P1' ORDER BY insutype, year, key)"),
                        "310/2024/pool/g=777,310/2025/adm/b=1,310/2025/pool/g=6000");
    assert_int_equal(q_int(h, "SELECT balc FROM person_insu WHERE psn_no='P1' AND insutype='310'"), 12345);
    assert_int_equal(q_int(h, "SELECT count(*) FROM person_insu WHERE acc IS NOT NULL"), 1);
    /* no index of settlements by person; the msgid index only where a settlement keeps its reply */
    assert_int_equal(q_int(h, "SELECT count(*) FROM sqlite_schema WHERE name='settlements_psn'"), 0);
    assert_non_null(strstr(q_text(h, "SELECT sql FROM sqlite_schema WHERE name='settlements_msgid'"), "body_hash IS NOT NULL"));
    yb_db_close(db);
}

static void test_refuse_newer_and_inconsistent(void **state) {
    (void)state;
    yb_err e;
    yb_db *db = NULL;
    const char *p = path_of("newer.db");
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(p, 1, &db, &e), YB_OK);
    yb_db_close(db);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", yb_db_latest_version() + 1);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    db = NULL;
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_E_DB);
    assert_null(db);
    assert_non_null(strstr(e.msg, "newer than this program"));
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    assert_int_equal(q_int(h, "PRAGMA user_version"), yb_db_latest_version() + 1); /* untouched */

    /* a migration record that lost a row no longer matches the version: refused */
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", yb_db_latest_version());
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "DELETE FROM schema_version WHERE version = 2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_E_DB);
    assert_string_equal(e.field, "schema_version");
}

static void test_failed_migration_rolls_back(void **state) {
    (void)state;
    /* a version-2 database that already has a table named schema_version: migration 3 fails on
     * its first statement, and none of its other statements may remain */
    const char *p = path_of("clash.db");
    make_old(p, 2);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE schema_version(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL;
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_E_DB);
    assert_null(db);
    assert_non_null(strstr(e.file, "clash.db"));
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    assert_int_equal(q_int(h, "PRAGMA user_version"), 2);
    assert_false(has_column(h, "person_insu", "insu_admdvs"));
    assert_int_equal(q_int(h, "SELECT count(*) FROM schema_version"), 0);
    sqlite3_close(h);
}

static void test_sequence_constraints_lock(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL, *db2 = NULL;
    const char *p = path_of("seq.db");
    assert_int_equal(yb_db_open(p, 1, &db, &e), YB_OK);
    long long a = 0, b = 0;
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_next_seq(db, "setl_seq", &a, &e), YB_OK);
    assert_int_equal(yb_db_next_seq(db, "setl_seq", &b, &e), YB_OK);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    yb_db_rollback(db); /* a rolled-back transaction gives its numbers back */
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_next_seq(db, "setl_seq", &a, &e), YB_OK);
    assert_int_equal(a, 1);
    assert_int_equal(yb_db_commit(db, &e), YB_OK);
    yb_err_clear(&e);
    assert_int_equal(yb_db_next_seq(db, "no_such_seq", &a, &e), YB_E_DB);

    /* constraint violations are YB_E_DUPLICATE; settlements refuse amounts that do not add up */
    sqlite3_stmt *st;
    yb_err_clear(&e);
    assert_int_equal(yb_db_prepare(db, "INSERT INTO persons(psn_no, insu_admdvs, psn_type) VALUES ('P1', '360100', '1101')",
                                   &st, &e),
                     YB_OK);
    assert_int_equal(yb_db_step_done(db, st, &e), YB_OK);
    sqlite3_reset(st);
    assert_int_equal(yb_db_step_done(db, st, &e), YB_E_DUPLICATE);
    yb_db_done(st);
    /* medfee 100.00 != 50.00 + 0 + 0 + 40.00 */
    yb_err_clear(&e);
    assert_int_equal(yb_db_prepare(db,
                                   "INSERT INTO settlements(setl_id, psn_no, mdtrt_id, insutype, year, medfee_sumamt,"
                                   " fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, hifp_pay,"
                                   " fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay) VALUES ('S1', 'P1', 'M1', '310',"
                                   " 2025, 10000, 5000, 0, 0, 4000, 0, 0, 10000, 0, 10000)",
                                   &st, &e),
                     YB_OK);
    assert_int_equal(yb_db_step_done(db, st, &e), YB_E_DUPLICATE);
    assert_non_null(strstr(e.msg, "constraint"));
    yb_db_done(st);
    /* an enrolment must name an existing person (foreign keys are on) */
    yb_err_clear(&e);
    assert_int_equal(yb_db_exec(db, "INSERT INTO person_insu(psn_no, insutype, psn_type) VALUES ('P404', '310', '11')", &e),
                     YB_E_DB);

    /* BEGIN IMMEDIATE takes the write lock: a second connection cannot start a write meanwhile */
    assert_int_equal(yb_db_open(p, 0, &db2, &e), YB_OK);
    sqlite3_busy_timeout(yb_db_sql(db2), 0);
    yb_err_clear(&e);
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_begin(db2, &e), YB_E_DB);
    yb_db_rollback(db);
    yb_err_clear(&e);
    assert_int_equal(yb_db_begin(db2, &e), YB_OK);
    yb_db_rollback(db2);
    yb_db_close(db2);
    yb_db_close(db);
}

/* The memo: kept across this connection's transactions, forgotten when another connection has
 * committed, when this one rolls back, or when it changes a row of persons, institutions or sign_ins;
 * not read outside a transaction. */
static void test_memo(void **state) {
    (void)state;
    const char *p = path_of("memo.db");
    yb_db *db = NULL, *db2 = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(p, 1, &db, &e), YB_OK);
    assert_int_equal(yb_db_open(p, 0, &db2, &e), YB_OK);
    char v[YB_MEMO_VAL + 8];
    int one = 1, got = 0;
#define PUT(kind, key)                                       \
    do {                                                     \
        assert_int_equal(yb_db_begin(db, &e), YB_OK);        \
        yb_db_memo_put(db, kind, key, &one, sizeof one);     \
        assert_int_equal(yb_db_commit(db, &e), YB_OK);       \
    } while (0)
#define GOT(kind, key) (assert_int_equal(yb_db_begin(db, &e), YB_OK), got = yb_db_memo_get(db, kind, key, v, sizeof v), \
                        assert_int_equal(yb_db_commit(db, &e), YB_OK), got)
    /* nothing is kept outside a transaction, nor read there */
    yb_db_memo_put(db, 1, "k", &one, sizeof one);
    assert_int_equal(GOT(1, "k"), -1);
    PUT(1, "k");
    assert_int_equal(GOT(1, "k"), (int)sizeof one);
    assert_int_equal(memcmp(v, &one, sizeof one), 0);
    assert_int_equal(yb_db_memo_get(db, 1, "k", v, sizeof v), -1); /* outside */
    assert_int_equal(GOT(2, "k"), -1);                             /* kind is part of the key */
    assert_int_equal(GOT(1, "k2"), -1);
    /* too long to keep */
    char longkey[YB_MEMO_KEY + 4];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    PUT(1, longkey);
    assert_int_equal(GOT(1, longkey), -1);
    /* another connection's commit: forgotten (a read-only transaction of its own changes nothing) */
    assert_int_equal(yb_db_begin_read(db2, &e), YB_OK);
    yb_db_rollback(db2);
    assert_int_equal(GOT(1, "k"), (int)sizeof one);
    assert_int_equal(yb_db_exec(db2, "INSERT INTO meta(key, value) VALUES ('memo_test', 1)", &e), YB_OK);
    assert_int_equal(GOT(1, "k"), -1);
    /* a rollback of this connection: forgotten */
    PUT(1, "k");
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    yb_db_rollback(db);
    assert_int_equal(GOT(1, "k"), -1);
    /* this connection's own writes: other tables keep it, persons / institutions / sign_ins do not */
    PUT(1, "k");
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_exec(db, "UPDATE meta SET value = 2 WHERE key = 'memo_test'", &e), YB_OK);
    assert_int_equal(yb_db_memo_get(db, 1, "k", v, sizeof v), (int)sizeof one);
    assert_int_equal(yb_db_exec(db, "INSERT INTO persons(psn_no, insu_admdvs, psn_type) VALUES ('PM1', '360100', '1101')", &e),
                     YB_OK);
    assert_int_equal(yb_db_memo_get(db, 1, "k", v, sizeof v), -1);
    assert_int_equal(yb_db_commit(db, &e), YB_OK);
    const char *tables[] = {"UPDATE persons SET psn_type = '1102' WHERE psn_no = 'PM1'",
                            "INSERT INTO institutions(fixmedins_code, fixmedins_name, hosp_lv, admdvs) VALUES ('HM1', 'x', '03', '360100')",
                            "INSERT INTO sign_ins(sign_no, fixmedins_code, sign_time) VALUES ('SM1', 'HM1', '2026-01-01 08:00:00')"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        PUT(1, "k");
        assert_int_equal(yb_db_begin(db, &e), YB_OK);
        assert_int_equal(yb_db_exec(db, tables[i], &e), YB_OK);
        assert_int_equal(yb_db_memo_get(db, 1, "k", v, sizeof v), -1);
        assert_int_equal(yb_db_commit(db, &e), YB_OK);
    }
    /* a group: checked as it begins, forgotten when its pass is rolled back */
    PUT(1, "k");
    assert_int_equal(yb_db_exec(db2, "UPDATE meta SET value = 3 WHERE key = 'memo_test'", &e), YB_OK);
    assert_int_equal(yb_db_group_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_memo_get(db, 1, "k", v, sizeof v), -1);
    yb_db_memo_put(db, 1, "k", &one, sizeof one);
    assert_int_equal(yb_db_group_commit(db, &e), YB_OK);
    assert_int_equal(GOT(1, "k"), (int)sizeof one);
#undef PUT
#undef GOT
    yb_db_close(db2);
    yb_db_close(db);
}


/* Version 11: an institution's signing secret stored in the clear (as every version before kept it)
 * is sealed at the next open: secret NULL, secret_e a blob that opens to it with the database's key;
 * an empty secret (none) is left without one; nothing of the plaintext stays in the files. */
static int file_has(const char *path, const char *needle) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    static char buf[1 << 20];
    size_t nl = strlen(needle), keep = 0, n;
    int hit = 0;
    while (!hit && (n = fread(buf + keep, 1, sizeof buf - keep, fp)) > 0) {
        n += keep;
        for (size_t i = 0; i + nl <= n && !hit; i++) hit = !memcmp(buf + i, needle, nl);
        keep = n >= nl ? nl - 1 : n;
        memmove(buf, buf + n - keep, keep);
    }
    fclose(fp);
    return hit;
}

static void test_inst_secret_sealed(void **state) {
    (void)state;
    const char *p = path_of("isec.db");
    char p_wal[420];
    snprintf(p_wal, sizeof p_wal, "%s-wal", p);
    yb_err e;
    yb_err_clear(&e);
    yb_db *db = NULL;
    assert_int_equal(yb_db_open(p, 1, &db, &e), YB_OK);
    assert_int_equal(sqlite3_exec(yb_db_sql(db),
                                  "INSERT INTO institutions(fixmedins_code, fixmedins_name, hosp_lv, admdvs, secret) VALUES"
                                  " ('H1','a','03','360100','plain-secret-0001'), ('H2','b','05','360100','')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    yb_db_close(db);
    assert_int_equal(yb_db_open(p, 0, &db, &e), YB_OK);
    sqlite3 *h = yb_db_sql(db);
    assert_int_equal(q_int(h, "SELECT count(*) FROM institutions WHERE secret IS NOT NULL"), 0);
    assert_string_equal(q_text(h, "SELECT typeof(secret_e) FROM institutions WHERE fixmedins_code='H1'"), "blob");
    assert_int_equal(q_int(h, "SELECT secret_e IS NULL FROM institutions WHERE fixmedins_code='H2'"), 1);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT secret_e FROM institutions WHERE fixmedins_code='H1'", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char plain[64];
    assert_int_equal(yb_pd_open(db, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), plain, sizeof plain, &e), YB_OK);
    sqlite3_finalize(st);
    assert_string_equal(plain, "plain-secret-0001");
    /* the next open has nothing to seal and changes nothing */
    long long dv = q_int(h, "PRAGMA data_version");
    yb_db *db2 = NULL;
    assert_int_equal(yb_db_open(p, 0, &db2, &e), YB_OK);
    yb_db_close(db2);
    assert_int_equal(q_int(h, "PRAGMA data_version"), dv);
    assert_int_equal(sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL), SQLITE_OK);
    yb_db_close(db);
    assert_false(file_has(p, "plain-secret-0001"));
    assert_true(file_has(p, "H1")); /* the search does find what is there */
    assert_false(file_has(p_wal, "plain-secret-0001"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo),
        cmocka_unit_test(test_create_and_reopen),
        cmocka_unit_test(test_missing_file_not_created),
        cmocka_unit_test(test_migrate_older),
        cmocka_unit_test(test_migrate_settlement_rows),
        cmocka_unit_test(test_refuse_newer_and_inconsistent),
        cmocka_unit_test(test_failed_migration_rolls_back),
        cmocka_unit_test(test_sequence_constraints_lock),
        cmocka_unit_test(test_inst_secret_sealed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
