// duckdb_csv.mjs — DuckDB over the same fee_list_d, as the peer the batch reader has to beat:
// reading every field of every row, grouping the lines by person and visit with exact decimals, and
// ordering them by person, visit and serial number (what `yibao settle` does before it settles).
// The best of 3 runs of each query, with the given number of threads (default 2).
//
//   npm install --prefix var/duckdb @duckdb/node-api@1.5.6-r.1     # once; DuckDB ships inside the package
//   node bench/duckdb_csv.mjs var/bench/city/fee_list_d.csv [THREADS]
//
// Compare with `build-bench/csv_speed FILE` (the reader alone) and bench/bench_settle.sh (everything).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const lib = resolve('var/duckdb/node_modules/@duckdb/node-api/lib/index.js');
if (!existsSync(lib)) {
  console.error('duckdb_csv: run `npm install --prefix var/duckdb @duckdb/node-api@1.5.6-r.1` first');
  process.exit(2);
}
const { DuckDBInstance } = await import(pathToFileURL(lib).href);
const file = process.argv[2];
const threads = process.argv[3] || '2';
if (!file || !existsSync(file)) {
  console.error('usage: node bench/duckdb_csv.mjs FEE_LIST_D.csv [THREADS]');
  process.exit(2);
}
const src = `read_csv('${file.replace(/'/g, "''")}', all_varchar=true, header=true)`;
const queries = {
  'read every field': `SELECT count(*), sum(length(bkkp_sn)) FROM ${src}`,
  'group by person, visit': `SELECT count(*) FROM (SELECT psn_no, mdtrt_id,
      sum(CAST(det_item_fee_sumamt AS DECIMAL(16,2))) s, sum(CAST(cnt AS DECIMAL(16,4)) * CAST(pric AS DECIMAL(18,6))) c
      FROM ${src} GROUP BY psn_no, mdtrt_id)`,
  'order by person, visit, sn': `SELECT count(*) FROM (SELECT * FROM ${src} ORDER BY psn_no, mdtrt_id, bkkp_sn)`,
};
const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
for (const [name, q] of Object.entries(queries)) {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await con.runAndReadAll(q);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  console.log(`duckdb ${name.padEnd(28)} ${best.toFixed(3)} s  (${threads} threads)`);
}
