/** The multi-process run's region of docs/benchmarks.md, from `fleet-processes.jsonl`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DOC, RESULTS } from '../common/paths.js';
import { writeRegions } from '../common/regions.js';
import { readResults } from '../common/results.js';
import type { Summary } from '../fleet/stats.js';
import type { ProcessesMeta, ProcessesRow } from './types.js';

const f = (x: number, d = 2) => x.toFixed(d);
/** Median, and the range over the runs. */
const cell = (s: Summary | undefined, d = 2) =>
  s ? `${f(s.p50, d)} (${f(s.min, d)}–${f(s.max, d)})` : '–';

/** The table: per hint and fleet size, a Coordinator per process beside Sessions alone. */
export function processesTable(meta: ProcessesMeta, rows: readonly ProcessesRow[]): string {
  const { n, rate, burst, runs, limit, node, date } = meta;
  const find = (hint: string, p: number, client: string) =>
    rows.find((r) => r.hint === hint && r.processes === p && r.client === client);
  const keys = [...new Set(rows.map((r) => `${r.hint}|${r.processes}`))];
  return [
    `N = ${n} requests split evenly between P processes, C = ${rate}/s, B = ${burst}, floor (N − B)/C = ${f((n - burst) / rate)} s; ${runs} runs of each, each stopped after ${limit} s (${node}, ${date.slice(0, 10)}). Cells: median (lowest–highest) over the runs.`,
    '',
    '| hint | P | Coordinator each: calls / success | last success / floor | gave up | Sessions alone: calls / success | last success / floor | gave up |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...keys.map((key) => {
      const [hint = '', p = ''] = key.split('|');
      const c = find(hint, Number(p), 'coordinator');
      const s = find(hint, Number(p), 'session');
      return `| ${hint} | ${p} | ${cell(c?.metrics.wa)} | ${cell(c?.metrics.timeOverFloor)} | ${cell(c?.metrics.gaveUp, 3)} | ${cell(s?.metrics.wa)} | ${cell(s?.metrics.timeOverFloor)} | ${cell(s?.metrics.gaveUp, 3)} |`;
    }),
  ].join('\n');
}

/** Rewrites the region `fleet-processes` of docs/benchmarks.md, when results exist. */
export function writeProcessesDocs(): void {
  const file = join(RESULTS, 'fleet-processes.jsonl');
  if (!existsSync(file)) return;
  const { meta, rows } = readResults<ProcessesMeta, ProcessesRow>(file);
  writeRegions(DOC, { 'fleet-processes': processesTable(meta, rows) });
}
