// duckdb_audit.mjs — the SQL peer on DuckDB for bench/bench_audit.sh: load the extract tables (the
// columns the rules read) and the rule tables (CSV, as text), type the columns (bench/audit_sql/prep_duckdb.sql),
// then run one query per rule (bench/audit_sql/rules.sql). Prints `id,hits` per rule, then the
// seconds of loading (with typing) and of the queries.
//
//   node bench/duckdb_audit.mjs MODULES_DIR DATA_DIR RULES_DIR THREADS
//
// MODULES_DIR holds node_modules/@duckdb/node-api (bench_audit.sh installs it there with npm ci from
// bench/duckdb/package-lock.json).
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [modules, data, rules, threads] = process.argv.slice(2);
if (!threads) {
  console.error('usage: node bench/duckdb_audit.mjs MODULES_DIR DATA_DIR RULES_DIR THREADS');
  process.exit(2);
}
const { DuckDBInstance } = await import(pathToFileURL(resolve(modules, 'node_modules/@duckdb/node-api/lib/index.js')).href);
const here = dirname(fileURLToPath(import.meta.url));
const statements = (file) => readFileSync(resolve(here, 'audit_sql', file), 'utf8')
  .split('\n').filter((l) => !l.startsWith('--')).join('\n')
  .split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.length);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const csv = (p) => `read_csv(${q(p)}, all_varchar = true, header = true)`;
const tables = {
  md: `${data}/mdtrt_d.csv`, fee: `${data}/fee_list_d.csv`,
  r_b1dgc: `${rules}/b1_drug_gender_codes.csv`, r_b1dgn: `${rules}/b1_drug_gender_names.csv`,
  r_b1ig: `${rules}/b1_item_gender.csv`, r_b1dac: `${rules}/b1_drug_age_codes.csv`,
  r_b1dan: `${rules}/b1_drug_age_names.csv`, r_b1ia: `${rules}/b1_item_age.csv`, r_b8a: `${rules}/b8_item_age.csv`,
  r_b4c: `${rules}/b4_drug_medtype_codes.csv`, r_b4n: `${rules}/b4_drug_medtype_names.csv`,
  r_b5c: `${rules}/b5_drug_hosplv_codes.csv`, r_b5n: `${rules}/b5_drug_hosplv_names.csv`,
  r_b8f: `${rules}/b8_item_frequency.csv`, r_b8c: `${rules}/b8_item_cycle.csv`, r_b7: `${rules}/b7_item_duplicate.csv`,
};
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
let t = performance.now();
// the extract tables: only the columns the rules read (DuckDB pushes the projection into its CSV
// reader, its best setting here); the rule tables whole
const cols = {
  md: 'mdtrt_id, psn_no, gend, med_type, hosp_lv, brdy',
  fee: 'psn_no, mdtrt_id, bkkp_sn, med_list_codg, hilist_code, fee_ocur_time, cnt',
};
for (const [name, path] of Object.entries(tables))
  await con.run(`CREATE TABLE ${name} AS SELECT ${cols[name] || '*'} FROM ${csv(path)}`);
for (const s of statements('prep_duckdb.sql')) await con.run(s);
const load = (performance.now() - t) / 1000;
t = performance.now();
const out = [];
for (const s of statements('rules.sql')) {
  const r = await con.runAndReadAll(s);
  const [id, hits] = r.getRows()[0];
  out.push(`${id},${hits}`);
}
const queries = (performance.now() - t) / 1000;
console.log(out.join('\n'));
console.log(`time load ${load.toFixed(3)}`);
console.log(`time queries ${queries.toFixed(3)}`);
