/*
 * schema.c — the database schema as ordered migrations. A migration is never edited once
 * released: a change is a new entry at the end. Person-owned tables carry psn_no so that they can
 * be partitioned by person; catalogue and policies are reference tables.
 *
 * The version of a database is PRAGMA user_version (set in each migration's transaction, so a
 * crash leaves either the old or the new version); from version 3 on, table schema_version also
 * records every applied migration with its time, and the two must agree (sqlite.c checks).
 * Money is INTEGER fen, ratios INTEGER 1/10000, dates TEXT yyyy-MM-dd, times yyyy-MM-dd HH:mm:ss.
 */
#include <stddef.h>

/* 1: reference data, persons, visits, settlements, accumulators, and room for what comes next */
static const char *const m1[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    "CREATE TABLE persons("
    "  psn_no TEXT PRIMARY KEY, psn_cert_type TEXT NOT NULL DEFAULT '01',"
    "  certno TEXT,"          /* personal data: encrypted at rest in a later schema version */
    "  psn_name TEXT,"        /* personal data, as above */
    "  gend INTEGER, brdy TEXT, insu_admdvs TEXT NOT NULL, psn_type TEXT NOT NULL,"
    "  cvlserv_flag INTEGER NOT NULL DEFAULT 0, sp_psn_type TEXT NOT NULL DEFAULT '',"
    "  updated_at TEXT NOT NULL DEFAULT (datetime('now')));",
    "CREATE TABLE person_insu("
    "  psn_no TEXT NOT NULL REFERENCES persons(psn_no), insutype TEXT NOT NULL, psn_type TEXT NOT NULL,"
    "  balc INTEGER NOT NULL DEFAULT 0 CHECK (balc >= 0),"
    "  PRIMARY KEY (psn_no, insutype));",
    "CREATE TABLE institutions("
    "  fixmedins_code TEXT PRIMARY KEY, fixmedins_name TEXT NOT NULL, hosp_lv TEXT NOT NULL, admdvs TEXT NOT NULL,"
    "  begndate TEXT, enddate TEXT, secret TEXT);",
    "CREATE TABLE catalog("
    "  med_list_codg TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', list_type TEXT NOT NULL DEFAULT '',"
    "  chrgitm_lv TEXT NOT NULL, selfpay_prop INTEGER NOT NULL DEFAULT 0,"
    "  cap1 INTEGER, cap2 INTEGER, cap3 INTEGER,"  /* 1/1000000 yuan; NULL = no cap */
    "  begndate TEXT NOT NULL, enddate TEXT,"       /* NULL = open-ended */
    "  admdvs TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (med_list_codg, admdvs, begndate));",
    "CREATE TABLE policies("
    "  admdvs TEXT NOT NULL, version TEXT NOT NULL, effective_from TEXT NOT NULL, effective_to TEXT,"
    "  json TEXT NOT NULL, loaded_at TEXT NOT NULL DEFAULT (datetime('now')),"
    "  PRIMARY KEY (admdvs, version));",
    "CREATE TABLE visits("
    "  mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL, insutype TEXT NOT NULL, med_type TEXT NOT NULL,"
    "  fixmedins_code TEXT, hosp_lv TEXT, mdtrtarea_admvs TEXT, begntime TEXT, endtime TEXT,"
    "  state TEXT NOT NULL DEFAULT 'settled');"
    "CREATE INDEX visits_psn ON visits(psn_no);",
    "CREATE TABLE fee_lines("
    "  mdtrt_id TEXT NOT NULL, feedetl_sn TEXT NOT NULL, psn_no TEXT NOT NULL, med_list_codg TEXT NOT NULL,"
    "  fee_ocur_time TEXT, cnt INTEGER NOT NULL, pric INTEGER NOT NULL, det_item_fee_sumamt INTEGER NOT NULL,"
    "  fulamt_ownpay_amt INTEGER, overlmt_amt INTEGER, preselfpay_amt INTEGER, inscp_scp_amt INTEGER,"
    "  chrgitm_lv TEXT, setl_id TEXT,"
    "  PRIMARY KEY (mdtrt_id, feedetl_sn));",
    "CREATE TABLE settlements("
    "  setl_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL, mdtrt_id TEXT NOT NULL, insutype TEXT NOT NULL,"
    "  med_type TEXT, year INTEGER NOT NULL, policy_admdvs TEXT, policy_version TEXT, block TEXT,"
    "  medfee_sumamt INTEGER NOT NULL, fulamt_ownpay_amt INTEGER NOT NULL, overlmt_selfpay INTEGER NOT NULL,"
    "  preselfpay_amt INTEGER NOT NULL, inscp_scp_amt INTEGER NOT NULL, dedc_std INTEGER, crt_dedc INTEGER,"
    "  act_pay_dedc INTEGER, hifp_pay INTEGER NOT NULL, pool_prop_selfpay INTEGER, over_cap INTEGER,"
    "  cvlserv_pay INTEGER, hifes_pay INTEGER, hifmi_pay INTEGER, hifob_pay INTEGER, hifdm_pay INTEGER,"
    "  maf_pay INTEGER, oth_pay INTEGER, fund_pay_sumamt INTEGER NOT NULL, psn_part_amt INTEGER NOT NULL,"
    "  acct_pay INTEGER NOT NULL, psn_cash_pay INTEGER NOT NULL, hosp_part_amt INTEGER NOT NULL DEFAULT 0,"
    "  balc INTEGER,"
    "  refd_setl_flag INTEGER NOT NULL DEFAULT 0, init_setl_id TEXT, reversed_by TEXT,"
    "  fixmedins_code TEXT, msgid TEXT, body_hash TEXT, reply TEXT,"
    "  setl_time TEXT NOT NULL DEFAULT (datetime('now')),"
    "  CHECK (medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt),"
    "  CHECK (psn_part_amt = medfee_sumamt - fund_pay_sumamt - hosp_part_amt),"
    "  CHECK (psn_part_amt = acct_pay + psn_cash_pay));"
    "CREATE INDEX settlements_psn ON settlements(psn_no);"
    "CREATE INDEX settlements_mdtrt ON settlements(mdtrt_id);"
    "CREATE UNIQUE INDEX settlements_msgid ON settlements(fixmedins_code, msgid) WHERE msgid IS NOT NULL;",
    "CREATE TABLE setl_funds("
    "  setl_id TEXT NOT NULL REFERENCES settlements(setl_id), seq INTEGER NOT NULL, psn_no TEXT NOT NULL,"
    "  fund_pay_type TEXT NOT NULL, fund_pay_type_name TEXT, inscp_scp_amt INTEGER NOT NULL,"
    "  fund_payamt INTEGER NOT NULL, crt_payb_lmt_amt INTEGER, setl_proc_info TEXT,"
    "  PRIMARY KEY (setl_id, seq));",
    "CREATE TABLE setl_deltas("
    "  setl_id TEXT NOT NULL REFERENCES settlements(setl_id), psn_no TEXT NOT NULL, insutype TEXT NOT NULL,"
    "  year INTEGER NOT NULL, key TEXT NOT NULL, delta INTEGER NOT NULL,"
    "  PRIMARY KEY (setl_id, key));",
    "CREATE TABLE accum("
    "  psn_no TEXT NOT NULL, insutype TEXT NOT NULL, year INTEGER NOT NULL, key TEXT NOT NULL,"
    "  value INTEGER NOT NULL, PRIMARY KEY (psn_no, insutype, year, key));",
    /* idempotency of interface messages, used by the online service */
    "CREATE TABLE msg_log("
    "  fixmedins_code TEXT NOT NULL, msgid TEXT NOT NULL, infno TEXT NOT NULL, body_hash TEXT NOT NULL,"
    "  reply TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (datetime('now')),"
    "  PRIMARY KEY (fixmedins_code, msgid));",
    /* tamper-evident audit log: each entry hashes the previous one */
    "CREATE TABLE audit_log("
    "  seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
    "  object TEXT, detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
    "INSERT INTO meta(key, value) VALUES ('setl_seq', 0);",
    NULL,
};

/* 2: the national interface online: sign-ins, registered visits, fee-line batches */
static const char *const m2[] = {
    "CREATE TABLE sign_ins("
    "  sign_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, opter_no TEXT, sign_time TEXT NOT NULL,"
    "  signed_out_at TEXT);",
    "ALTER TABLE visits ADD COLUMN ipt_otp_no TEXT;",
    "ALTER TABLE visits ADD COLUMN mdtrt_cert_type TEXT;",
    "ALTER TABLE fee_lines ADD COLUMN chrg_bchno TEXT;",
    "INSERT INTO meta(key, value) VALUES ('sign_seq', 0), ('mdtrt_seq', 0), ('refmsg_seq', 0);",
    NULL,
};

/* 3: the record of applied migrations; the insurance area of each enrolment.
 * schema_version holds one row per applied migration from here on (the runner in sqlite.c adds
 * it in the migration's own transaction); versions 1 and 2 are recorded here, at the time this
 * migration runs. person_insu.insu_admdvs is the area of that enrolment, filled from the person's
 * area for the rows that exist. */
static const char *const m3[] = {
    "CREATE TABLE schema_version("
    "  version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT (datetime('now')), note TEXT NOT NULL);",
    "INSERT INTO schema_version(version, note) VALUES"
    "  (1, 'reference data, persons, visits, settlements, accumulators (recorded by version 3)'),"
    "  (2, 'sign-ins, registered visits, fee batches (recorded by version 3)');",
    "ALTER TABLE person_insu ADD COLUMN insu_admdvs TEXT;",
    "UPDATE person_insu SET insu_admdvs = (SELECT p.insu_admdvs FROM persons p WHERE p.psn_no = person_insu.psn_no);",
    NULL,
};

/* 4: personal data sealed at rest. persons.certno and persons.psn_name stay NULL from here on:
 * the ID number, name, phone and address are kept only as secretbox blobs under the database key
 * (store/pdata.c), and the ID number is found by its keyed hash certno_h. Rows written before
 * this version are sealed by the store when it opens (plaintext cannot be sealed in SQL). */
static const char *const m4[] = {
    "ALTER TABLE persons ADD COLUMN certno_h BLOB;",
    "ALTER TABLE persons ADD COLUMN certno_e BLOB;",
    "ALTER TABLE persons ADD COLUMN psn_name_e BLOB;",
    "ALTER TABLE persons ADD COLUMN tel_e BLOB;",
    "ALTER TABLE persons ADD COLUMN addr_e BLOB;",
    "CREATE INDEX persons_certno_h ON persons(certno_h);",
    /* a visit's diagnoses as the institution sent them (2203A, 2401, 2402): the audit rules read them */
    "CREATE TABLE visit_diags("
    "  mdtrt_id TEXT NOT NULL, seq INTEGER NOT NULL, diag_code TEXT NOT NULL, diag_name TEXT,"
    "  maindiag_flag INTEGER NOT NULL DEFAULT 0, diag_type TEXT, diag_srt_no TEXT, diag_time TEXT,"
    "  PRIMARY KEY (mdtrt_id, seq));",
    NULL,
};

/* 5: staff accounts and their sessions (service/staff.c, docs/staff.md). A role is one of six
 * ASCII codes: clerk 经办, underwriter 核保, auditor 稽核财务, admin 信息, service 客服, regulator
 * 监管. pw_hash is an argon2id string of libsodium crypto_pwhash_str (never a password); failed
 * counts wrong passwords in a row and locked_until (Unix seconds) ends a lock. A session keeps only
 * the SHA-256 of its token (hex): the token itself is known to the client alone. Times are Unix
 * seconds. Sessions are kept after they end, as the record of who was signed in when. */
static const char *const m5[] = {
    "CREATE TABLE users("
    "  login TEXT PRIMARY KEY CHECK (length(login) BETWEEN 1 AND 32),"
    "  name TEXT NOT NULL DEFAULT '',"
    "  role TEXT NOT NULL CHECK (role IN ('clerk', 'underwriter', 'auditor', 'admin', 'service', 'regulator')),"
    "  pw_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    "  failed INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),"
    "  locked_until INTEGER,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);",
    "CREATE TABLE sessions("
    "  token_hash TEXT PRIMARY KEY, login TEXT NOT NULL REFERENCES users(login),"
    "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, ended_at INTEGER,"
    "  CHECK (expires_at > created_at));"
    "CREATE INDEX sessions_login ON sessions(login);",
    NULL,
};

/* 6: the tables a settlement reads and writes by their whole key, stored in their key's order
 * (WITHOUT ROWID): a lookup or an update is one B-tree seek instead of a seek in the key's index
 * and another in the table, an insert writes one B-tree instead of two, and a person's
 * accumulators sit together. Columns, keys and constraints are as before. */
static const char *const m6[] = {
    "CREATE TABLE person_insu_new("
    "  psn_no TEXT NOT NULL REFERENCES persons(psn_no), insutype TEXT NOT NULL, psn_type TEXT NOT NULL,"
    "  balc INTEGER NOT NULL DEFAULT 0 CHECK (balc >= 0), insu_admdvs TEXT,"
    "  PRIMARY KEY (psn_no, insutype)) WITHOUT ROWID;"
    "INSERT INTO person_insu_new(psn_no, insutype, psn_type, balc, insu_admdvs)"
    "  SELECT psn_no, insutype, psn_type, balc, insu_admdvs FROM person_insu;"
    "DROP TABLE person_insu;"
    "ALTER TABLE person_insu_new RENAME TO person_insu;",
    "CREATE TABLE accum_new("
    "  psn_no TEXT NOT NULL, insutype TEXT NOT NULL, year INTEGER NOT NULL, key TEXT NOT NULL,"
    "  value INTEGER NOT NULL, PRIMARY KEY (psn_no, insutype, year, key)) WITHOUT ROWID;"
    "INSERT INTO accum_new(psn_no, insutype, year, key, value) SELECT psn_no, insutype, year, key, value FROM accum;"
    "DROP TABLE accum;"
    "ALTER TABLE accum_new RENAME TO accum;",
    "CREATE TABLE setl_funds_new("
    "  setl_id TEXT NOT NULL REFERENCES settlements(setl_id), seq INTEGER NOT NULL, psn_no TEXT NOT NULL,"
    "  fund_pay_type TEXT NOT NULL, fund_pay_type_name TEXT, inscp_scp_amt INTEGER NOT NULL,"
    "  fund_payamt INTEGER NOT NULL, crt_payb_lmt_amt INTEGER, setl_proc_info TEXT,"
    "  PRIMARY KEY (setl_id, seq)) WITHOUT ROWID;"
    "INSERT INTO setl_funds_new(setl_id, seq, psn_no, fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt,"
    "  crt_payb_lmt_amt, setl_proc_info)"
    "  SELECT setl_id, seq, psn_no, fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt, crt_payb_lmt_amt,"
    "  setl_proc_info FROM setl_funds;"
    "DROP TABLE setl_funds;"
    "ALTER TABLE setl_funds_new RENAME TO setl_funds;",
    "CREATE TABLE setl_deltas_new("
    "  setl_id TEXT NOT NULL REFERENCES settlements(setl_id), psn_no TEXT NOT NULL, insutype TEXT NOT NULL,"
    "  year INTEGER NOT NULL, key TEXT NOT NULL, delta INTEGER NOT NULL,"
    "  PRIMARY KEY (setl_id, key)) WITHOUT ROWID;"
    "INSERT INTO setl_deltas_new(setl_id, psn_no, insutype, year, key, delta)"
    "  SELECT setl_id, psn_no, insutype, year, key, delta FROM setl_deltas;"
    "DROP TABLE setl_deltas;"
    "ALTER TABLE setl_deltas_new RENAME TO setl_deltas;",
    NULL,
};

/* 7: no index of settlements by person. Every settlement's visit is in visits, of the same person
 * (a settlement of another person's visit is refused), so a person's settlements are found
 * through visits_psn and settlements_mdtrt; the index cost every settlement a write to a page
 * picked by the person's number (under load, one 4 KiB page more in the WAL per settlement). */
static const char *const m7[] = {
    "DROP INDEX IF EXISTS settlements_psn;",
    NULL,
};

/* 8: a settlement's fund rows and accumulator deltas in its own row (columns funds and deltas, JSON),
 * no longer rows of their own: a settlement wrote two or three more B-trees (each appended to at
 * its end, which under load dirtied three to four pages of each per group commit). setl_funds and
 * setl_deltas stay as views with the columns they had, so every reader (reversal, replies,
 * queries, reports) reads them as before.
 *   funds   [[seq, fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt,
 *             crt_payb_lmt_amt (null: no cap), setl_proc_info], ...]
 *   deltas  {"key": delta, ...} for (psn_no, insutype, year) of the settlement */
static const char *const m8[] = {
    "ALTER TABLE settlements ADD COLUMN funds TEXT;"
    "ALTER TABLE settlements ADD COLUMN deltas TEXT;",
    "UPDATE settlements SET"
    "  funds = (SELECT json_group_array(json_array(seq, fund_pay_type, fund_pay_type_name, inscp_scp_amt,"
    "           fund_payamt, crt_payb_lmt_amt, setl_proc_info)) FROM setl_funds f WHERE f.setl_id = settlements.setl_id),"
    "  deltas = (SELECT json_group_object(key, delta) FROM setl_deltas d WHERE d.setl_id = settlements.setl_id);",
    "DROP TABLE setl_funds;"
    "DROP TABLE setl_deltas;",
    "CREATE VIEW setl_funds(setl_id, seq, psn_no, fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt,"
    "  crt_payb_lmt_amt, setl_proc_info) AS"
    "  SELECT s.setl_id, json_extract(f.value, '$[0]'), s.psn_no, json_extract(f.value, '$[1]'),"
    "  json_extract(f.value, '$[2]'), json_extract(f.value, '$[3]'), json_extract(f.value, '$[4]'),"
    "  json_extract(f.value, '$[5]'), json_extract(f.value, '$[6]') FROM settlements s, json_each(s.funds) f;",
    "CREATE VIEW setl_deltas(setl_id, psn_no, insutype, year, key, delta) AS"
    "  SELECT s.setl_id, s.psn_no, s.insutype, s.year, d.key, d.value FROM settlements s, json_each(s.deltas) d;",
    NULL,
};

/* 9: a person's accumulators in the row of their enrolment (person_insu.acc, JSON), no longer rows
 * of their own: a settlement read and wrote the account balance in one B-tree and the
 * accumulators in another, each at a page picked by the person's number (under load, one such
 * page more per settlement in the WAL). accum stays as a view with the columns it had.
 *   acc  {"<year>": {"<key>": value, ...}, ...}  (a key at 0 is left out: absent means 0)
 * An accumulator of a person without an enrolment row cannot be made by a settlement (it opens
 * the enrolment first); should one exist, it is kept in an enrolment row made for it (person type
 * ''), and if the person is not in the registry either, the migration stops (foreign key) rather
 * than drop it. */
static const char *const m9[] = {
    "ALTER TABLE person_insu ADD COLUMN acc TEXT;",
    "INSERT INTO person_insu(psn_no, insutype, psn_type)"
    "  SELECT DISTINCT a.psn_no, a.insutype, '' FROM accum a WHERE NOT EXISTS"
    "  (SELECT 1 FROM person_insu p WHERE p.psn_no = a.psn_no AND p.insutype = a.insutype);",
    "UPDATE person_insu SET acc = (SELECT json_group_object(year, json(obj)) FROM"
    "  (SELECT CAST(year AS TEXT) AS year, json_group_object(key, value) AS obj FROM accum a WHERE a.psn_no = person_insu.psn_no"
    "   AND a.insutype = person_insu.insutype AND a.value <> 0 GROUP BY year))"
    "  WHERE EXISTS (SELECT 1 FROM accum a WHERE a.psn_no = person_insu.psn_no AND a.insutype = person_insu.insutype"
    "  AND a.value <> 0);",
    "DROP TABLE accum;",
    "CREATE VIEW accum(psn_no, insutype, year, key, value) AS"
    "  SELECT p.psn_no, p.insutype, CAST(y.key AS INTEGER), a.key, a.value"
    "  FROM person_insu p, json_each(p.acc) y, json_each(y.value) a;",
    NULL,
};

/* 10: a settlement's msgid is indexed (and unique per institution) only where the settlement row
 * records its own request and reply (body_hash set: the command line and batch settlements). A
 * settlement through the interface keeps its msgid too, but msg_log, in the same transaction,
 * already holds that msgid under its primary key with the reply; indexing it a second time cost
 * every interface settlement one more B-tree write. 2601 finds the settlement of an msgid through
 * msg_log. */
static const char *const m10[] = {
    "DROP INDEX settlements_msgid;",
    "CREATE UNIQUE INDEX settlements_msgid ON settlements(fixmedins_code, msgid)"
    "  WHERE msgid IS NOT NULL AND body_hash IS NOT NULL;",
    NULL,
};

/* 11: an institution's signing secret is kept sealed (secret_e, as personal data is) instead of
 * in the clear; the secrets already stored are sealed at the first open after this migration
 * (yb__pd_seal_plain: the key is not at hand inside a migration), and secret stays NULL. */
static const char *const m11[] = {
    "ALTER TABLE institutions ADD COLUMN secret_e BLOB;",
    NULL,
};

/* 12: msg_log.reply may hold a BLOB: the reply packed (include/yibao/textpack.h), stored so when
 * that is smaller. No table changes; the version tells a program older than this one (which would
 * take the blob for the reply's text) that it cannot open the database. */
static const char *const m12[] = {
    NULL,
};

/* 13: interim settlements (中途结算) of a stay in hospital: the settlement row says so (setl_d's
 * mid_setl_flag); the visit stays open, and the next settlement of its rest pays the admission's
 * deductible once (docs/settlement.md). */
static const char *const m13[] = {
    "ALTER TABLE settlements ADD COLUMN mid_setl_flag INTEGER NOT NULL DEFAULT 0;",
    NULL,
};

/* Each migration is a NULL-terminated list of statements, run in one transaction. */
const char *const *const yb__migrations[] = {m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13};
/* One line per migration for the schema_version record (from version 3 on). */
const char *const yb__migration_notes[] = {
    "reference data, persons, visits, settlements, accumulators",
    "sign-ins, registered visits, fee batches",
    "schema_version record; insurance area per enrolment",
    "personal data sealed at rest, ID numbers found by keyed hash; visit diagnoses",
    "staff accounts (argon2id passwords, roles, lockout) and sessions",
    "settlement tables stored in key order (WITHOUT ROWID)",
    "settlements found by person through their visits (no index of settlements by person)",
    "fund rows and accumulator deltas kept in the settlement's row (setl_funds, setl_deltas become views)",
    "accumulators kept in the enrolment's row (accum becomes a view)",
    "settlements indexed by msgid only where they record their own reply (the interface's are in msg_log)",
    "institutions' signing secrets sealed at rest (secret_e)",
    "interface replies in msg_log stored packed (LZ4 with a built-in dictionary) when that is smaller",
    "interim settlements of a stay in hospital (settlements.mid_setl_flag)",
};

const size_t yb__n_migrations = sizeof yb__migrations / sizeof yb__migrations[0];

_Static_assert(sizeof yb__migration_notes / sizeof yb__migration_notes[0] == sizeof yb__migrations / sizeof yb__migrations[0],
               "one note per migration");
