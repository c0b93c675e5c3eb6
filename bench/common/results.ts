/**
 * Results as JSON Lines: one row a line, keys in the order the benchmark builds them and
 * numbers rounded to 6 significant digits, so a rerun diffs by row. The metadata of a run
 * (date, machine, Node.js, versions, command) sits beside it in `<name>.meta.json`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const round = (_key: string, value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
    ? Number(value.toPrecision(6))
    : value;

/** The metadata file of a results file: `fleet.jsonl` → `fleet.meta.json`. */
export const metaFile = (file: string) => file.replace(/\.jsonl$/, '.meta.json');

/** Writes `rows` to `file` and `meta` to its metadata file. */
export function writeResults(file: string, meta: object, rows: readonly object[]): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, rows.map((row) => `${JSON.stringify(row, round)}\n`).join(''));
  writeFileSync(metaFile(file), `${JSON.stringify(meta, round, 2)}\n`);
}

/** Reads what {@link writeResults} wrote. JSON turns NaN into null. */
export function readResults<Meta, Row>(file: string): { meta: Meta; rows: Row[] } {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
  return { meta: JSON.parse(readFileSync(metaFile(file), 'utf8')) as Meta, rows };
}
