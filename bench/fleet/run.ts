/**
 * The fleet benchmark: `npm run bench:fleet [-- --quick] [-- --only=S2 --contenders=orion,got
 * --where=n:1000] [-- --merge]`. Every seeded run of every contender at every point of every scenario, in
 * virtual time on worker threads; writes `bench/results/fleet.jsonl` (`fleet-quick.jsonl`
 * with `--quick`) and, after a full run with no filter, the generated regions of
 * docs/benchmarks.md and the plots (`npm run bench:report` redoes those from the results).
 */
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { command, machine, versions } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { readResults, writeResults } from '../common/results.js';
import { contenders } from './contenders/index.js';
import { writeFleetDocs } from './docs.js';
import { printTables } from './report.js';
import { scenarios } from './scenarios/index.js';
import { summarize } from './stats.js';
import type { Meta, Params, Rerun, Row } from './types.js';
import type { Task } from './worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const quick = flag('quick');
const runs = Number(value('runs') ?? (quick ? 5 : 50));
/**
 * Runs for the costliest points (S2 with N = 1000, S5): 20 in a full run (each takes
 * seconds and their spread is small), never more than `--runs`.
 */
const heavyRuns = Number(value('heavy-runs') ?? Math.min(runs, 20));
const isHeavy = (scenario: string, params: Params) =>
  scenario === 'S5' || (scenario === 'S2' && Number(params.n) >= 1000);
const only = value('only')?.split(',');
const pick = value('contenders')?.split(',');
const where = value('where')
  ?.split(',')
  .map((kv) => kv.split(':') as [string, string]);
const workers = Number(value('workers') ?? Math.min(2, availableParallelism()));
const outArg = value('out');
/** `--merge`: replace this run's rows in the results file instead of rewriting it. */
const merge = flag('merge');
/** `--out=scratch/name.jsonl`: relative to bench/results (whose scratch/ is not committed). */
const out = resolve(RESULTS, outArg ?? (quick ? 'fleet-quick.jsonl' : 'fleet.jsonl'));

const tasks: Task[] = [];
for (const scenario of scenarios) {
  if (only && !only.includes(scenario.id)) continue;
  for (const params of scenario.points(quick)) {
    if (where?.some(([k, v]) => String(params[k]) !== v)) continue;
    for (const contender of scenario.contenders(params, quick)) {
      if (pick && !pick.includes(contender)) continue;
      const count = isHeavy(scenario.id, params) ? heavyRuns : runs;
      for (let seed = 1; seed <= count; seed++) {
        tasks.push({ id: tasks.length, scenario: scenario.id, params, contender, seed });
      }
    }
  }
}
const unknown = [...new Set(tasks.map((t) => t.contender))].filter((id) => !contenders[id]);
if (unknown.length > 0) throw new Error(`unknown contenders: ${unknown.join(', ')}`);
// Long tasks first, so the two workers finish together.
const weight = (t: Task) => Number(t.params.n ?? 100) * (t.scenario === 'S3' ? 3 : 1);
const queue = [...tasks].sort((a, b) => weight(b) - weight(a));

const started = performance.now();
const results = new Map<number, Record<string, number>>();
let done = 0;
await Promise.all(
  Array.from(
    { length: workers },
    () =>
      new Promise<void>((resolveWorker, reject) => {
        const worker = new Worker(resolve(here, 'worker.js'));
        const next = () => {
          const task = queue.shift();
          if (!task) {
            void worker.terminate().then(() => resolveWorker());
            return;
          }
          worker.postMessage(task);
        };
        worker.on(
          'message',
          (m: { id: number; metrics?: Record<string, number>; error?: string }) => {
            if (m.error) {
              reject(new Error(m.error));
              return;
            }
            results.set(m.id, m.metrics!);
            done++;
            if (done % 20 === 0 || done === tasks.length) {
              const s = ((performance.now() - started) / 1000).toFixed(0);
              process.stderr.write(`\r${done}/${tasks.length} runs, ${s} s`);
            }
            next();
          },
        );
        worker.on('error', reject);
        next();
      }),
  ),
);
process.stderr.write('\n');

const groups = new Map<string, Task[]>();
for (const t of tasks) {
  const key = `${t.scenario}|${JSON.stringify(t.params)}|${t.contender}`;
  groups.set(key, [...(groups.get(key) ?? []), t]);
}
const rows: Row[] = [];
for (const group of groups.values()) {
  const first = group[0]!;
  const measured = group.map((t) => results.get(t.id)!);
  const names = Object.keys(measured[0]!);
  const c = contenders[first.contender]!;
  rows.push({
    scenario: first.scenario,
    params: first.params,
    contender: first.contender,
    label: c.label,
    group: c.group,
    runs: group.length,
    metrics: Object.fromEntries(names.map((n) => [n, summarize(measured.map((m) => m[n]!))])),
  });
}
const elapsedSeconds = (performance.now() - started) / 1000;
const meta: Meta = {
  ...machine(),
  command: command('bench:fleet'),
  mode: quick ? 'quick' : 'full',
  runsPerPoint: runs,
  heavyRunsPerPoint: heavyRuns,
  workers,
  elapsedSeconds: Math.round(elapsedSeconds),
  versions: versions([
    'p-retry',
    'exponential-backoff',
    'cockatiel',
    '@smithy/util-retry',
    'got',
    'ky',
    'axios-retry',
    'undici',
    'fetch-retry',
    '@sinonjs/fake-timers',
  ]),
};
printTables(rows);
if (merge) {
  // The rows measured here replace those of the same point and contender in the results
  // file; its metadata keeps the full run's and lists every rerun.
  const before = readResults<Meta, Row>(out);
  const key = (r: Row) => `${r.scenario}|${JSON.stringify(r.params)}|${r.contender}`;
  const fresh = new Map(rows.map((r) => [key(r), r]));
  const kept = before.rows.map((r) => fresh.get(key(r)) ?? r);
  const added = rows.filter((r) => !before.rows.some((b) => key(b) === key(r)));
  const rerun: Rerun = {
    date: meta.date,
    commit: meta.commit as string | undefined,
    command: meta.command as string,
    rows: rows.length,
  };
  const reruns = [...((before.meta.reruns as Rerun[] | undefined) ?? []), rerun];
  writeResults(out, { ...before.meta, reruns }, [...kept, ...added]);
  if (!outArg && !quick) writeFleetDocs();
} else {
  writeResults(out, meta, rows);
}
if (!merge && !quick && !only && !pick && !where && !outArg) {
  writeFleetDocs();
  console.log('wrote the fleet regions of docs/benchmarks.md and docs/img/fleet-*.svg');
}
console.log(
  `\n${tasks.length} runs in ${elapsedSeconds.toFixed(1)} s on ${workers} workers; wrote ${out}`,
);
