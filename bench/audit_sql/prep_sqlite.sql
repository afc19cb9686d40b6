-- prep_sqlite.sql — SQLite: the extract rows as typed columns (the peer's own parsing), indexed.
-- Run after the CSV files are imported as text tables md and fee (bench/bench_audit.sh).
CREATE TABLE fl AS SELECT rowid AS rid, psn_no AS psn, mdtrt_id AS mdtrt, bkkp_sn AS sn,
  CASE WHEN med_list_codg <> '' THEN med_list_codg ELSE hilist_code END AS code, fee_ocur_time AS t,
  CAST(julianday(substr(fee_ocur_time, 1, 10)) - 2440587.5 AS INTEGER) AS day,
  CAST(strftime('%s', fee_ocur_time) AS INTEGER) AS secs,
  CAST(substr(fee_ocur_time, 1, 4) AS INTEGER) AS y,
  CAST(substr(fee_ocur_time, 6, 2) AS INTEGER) * 100 + CAST(substr(fee_ocur_time, 9, 2) AS INTEGER) AS md,
  CAST(cnt AS NUMERIC) AS cnt
FROM fee;
CREATE TABLE vis AS SELECT mdtrt_id AS mdtrt, psn_no AS psn, gend, med_type, hosp_lv,
  CASE WHEN brdy = '' THEN NULL ELSE CAST(julianday(substr(brdy, 1, 10)) - 2440587.5 AS INTEGER) END AS bday,
  CAST(substr(brdy, 1, 4) AS INTEGER) AS by,
  CAST(substr(brdy, 6, 2) AS INTEGER) * 100 + CAST(substr(brdy, 9, 2) AS INTEGER) AS bmd
FROM md;
CREATE INDEX fl_code ON fl(code);
CREATE INDEX fl_psn ON fl(psn, code, day);
CREATE INDEX vis_id ON vis(mdtrt);
CREATE INDEX r_b1dgc_code ON r_b1dgc("药品代码");
CREATE INDEX r_b1dac_code ON r_b1dac("国标代码");
ANALYZE;
