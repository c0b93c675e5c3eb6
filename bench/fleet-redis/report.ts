import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DOC, RESULTS } from '../common/paths.js';
import { writeRegions } from '../common/regions.js';
import { readResults } from '../common/results.js';
import type { Summary } from '../fleet/stats.js';

/** The results files of the fleet on Redis: the undisturbed runs (N = 200, N = 1000) and the chaos runs. */
export const FLEET_REDIS_FILES = [
  'fleet-redis.jsonl',
  'fleet-redis-1000.jsonl',
  'fleet-redis-chaos.jsonl',
];

/** One row of bench/results/fleet-redis.jsonl. */
export interface FleetRedisRow {
  readonly n: number;
  readonly hint: string;
  readonly chaos: string;
  readonly p: number;
  readonly contender: string;
  readonly label: string;
  readonly runs: number;
  readonly metrics: Record<string, Summary>;
}

/** The open-path row. */
export interface OpenPathRow {
  readonly openPath: Record<string, number>;
}

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const range = (s: Summary, digits = 2) =>
  `${f(s.mean, digits)} (${f(s.min, digits)}–${f(s.max, digits)})`;

/** The Markdown table of the runs with `chaos` (`'none'`: the undisturbed runs). */
export function fleetRedisTable(rows: readonly FleetRedisRow[], chaos: 'none' | 'some'): string {
  const picked = rows.filter((r) => (chaos === 'none') === (r.chaos === 'none'));
  const head =
    '| N | hint | chaos | P | contender | calls per success | last success ÷ floor | gave up | peak/C | Redis calls per request | Redis µs per request | longest silence, ms |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = picked.map((r) => {
    const m = r.metrics;
    const redis = r.contender === 'c' || r.contender === 'e';
    // Recorded by the runs since it was added; the worst run's.
    const silence = m.longestSilenceMs ? f(m.longestSilenceMs.max, 0) : '–';
    return `| ${r.n} | ${r.hint} | ${r.chaos} | ${r.p} | ${r.label} | ${range(m.callsPerSuccess!)} | ${range(m.timeOverFloor!)} | ${f(m.gaveUp!.max, 0)} | ${f(m.peakOverC!.max)} | ${redis ? f(m.redisCallsPerRequest!.mean) : '–'} | ${redis ? f(m.redisUsecPerRequest!.mean, 0) : '–'} | ${silence} |`;
  });
  return [head, ...lines].join('\n');
}

/** The open path in one sentence. */
export function openPathText(row: OpenPathRow | undefined): string {
  if (!row) return 'Not measured in this run.';
  const o = row.openPath;
  return (
    `Open path (no hold, no limit, every answer accepted): ${f(o.localUsPerRequest!)} µs per request ` +
    `(acquire + record) with the in-process Coordinator, ${f(o.redisUsPerRequest!)} µs with the ` +
    `Redis store (${f(o.addedUsPerRequest!)} µs added), at ${f(o.requestsPerSecond!, 0)} requests ` +
    `a second: ${f(o.redisCallsPerSecond!)} Redis calls a second.`
  );
}

/** Rewrites the fleet-redis regions of docs/benchmarks.md from the results files there are. */
export function writeFleetRedisDocs(): void {
  const rows = FLEET_REDIS_FILES.map((file) => join(RESULTS, file))
    .filter((file) => existsSync(file))
    .flatMap((file) => readResults<object, object>(file).rows);
  const table = rows.filter((r): r is FleetRedisRow => 'contender' in r);
  const open = rows.find((r): r is OpenPathRow => 'openPath' in r);
  const regions: Record<string, string> = {};
  if (table.some((r) => r.chaos === 'none')) {
    regions['fleet-redis'] = fleetRedisTable(table, 'none');
    regions['fleet-redis-open'] = openPathText(open);
  }
  if (table.some((r) => r.chaos !== 'none'))
    regions['fleet-redis-chaos'] = fleetRedisTable(table, 'some');
  writeRegions(DOC, regions);
}
