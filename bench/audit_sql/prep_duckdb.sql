-- prep_duckdb.sql — DuckDB: the extract rows as typed columns (the peer's own parsing). DuckDB
-- needs no index for these joins (hash joins); the CSV files were read as text tables md and fee.
CREATE TABLE fl AS SELECT row_number() OVER () AS rid, psn_no AS psn, mdtrt_id AS mdtrt, bkkp_sn AS sn,
  CASE WHEN med_list_codg <> '' THEN med_list_codg ELSE hilist_code END AS code, fee_ocur_time AS t,
  CAST(substr(fee_ocur_time, 1, 10) AS DATE) - DATE '1970-01-01' AS day,
  epoch(CAST(fee_ocur_time AS TIMESTAMP)) AS secs,
  CAST(substr(fee_ocur_time, 1, 4) AS INTEGER) AS y,
  CAST(substr(fee_ocur_time, 6, 2) AS INTEGER) * 100 + CAST(substr(fee_ocur_time, 9, 2) AS INTEGER) AS md,
  CAST(cnt AS DECIMAL(18, 4)) AS cnt
FROM fee;
CREATE TABLE vis AS SELECT mdtrt_id AS mdtrt, psn_no AS psn, gend, med_type, hosp_lv,
  CASE WHEN brdy = '' THEN NULL ELSE CAST(substr(brdy, 1, 10) AS DATE) - DATE '1970-01-01' END AS bday,
  CAST(substr(brdy, 1, 4) AS INTEGER) AS by,
  CAST(substr(brdy, 6, 2) AS INTEGER) * 100 + CAST(substr(brdy, 9, 2) AS INTEGER) AS bmd
FROM md;
