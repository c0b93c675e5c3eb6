/**
 * `npm run bench:processes`: the fleet as real processes. P worker processes, started on a
 * barrier, share N requests evenly against the loopback token bucket (C per second, burst
 * B), which answers 429 with a whole-second `Retry-After` or with no hint. Each worker holds
 * one client: a Session with its own Coordinator, or a Session alone. P = 1 with a
 * Coordinator is one process holding one Coordinator for the whole burst. The two clients
 * take turns run by run, so a busy machine weighs on both alike.
 *
 * Options: `--n=200 --rate=50 --burst=10 --p=1,4,8 --hints=none,retry-after
 * --clients=coordinator,session --runs=5 --limit=60 --out=fleet-processes.jsonl` (relative
 * to bench/results). The default output also rewrites its region of docs/benchmarks.md.
 */
import { fork } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, machine } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { writeResults } from '../common/results.js';
import { summarize } from '../fleet/stats.js';
import { writeProcessesDocs } from './processes-docs.js';
import { type LoopbackServer, startServer } from './server.js';
import type { ProcessesMeta, ProcessesRow, WorkerReport, WorkerTask } from './types.js';

const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (name: string, fallback: string) => (value(name) ?? fallback).split(',');
const n = Number(value('n') ?? 200);
const rate = Number(value('rate') ?? 50);
const burst = Number(value('burst') ?? 10);
const runs = Number(value('runs') ?? 5);
const limit = Number(value('limit') ?? 60);
const sizes = list('p', '1,4,8').map(Number);
const hints = list('hints', 'none,retry-after') as ProcessesRow['hint'][];
const clients = list('clients', 'coordinator,session') as WorkerTask['client'][];
const outArg = value('out');
const out = resolve(RESULTS, outArg ?? 'fleet-processes.jsonl');
const worker = join(dirname(fileURLToPath(import.meta.url)), 'processes-worker.js');

/** Starts P workers, lets them go at one instant, and collects their reports. */
async function runFleet(
  server: LoopbackServer,
  processes: number,
  client: WorkerTask['client'],
): Promise<WorkerReport[]> {
  const children = Array.from({ length: processes }, () =>
    fork(worker, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(
    children.map(
      (child, i) =>
        new Promise<void>((done, fail) => {
          child.once('message', () => done());
          child.once('error', fail);
          const requests = Math.floor(n / processes) + (i < n % processes ? 1 : 0);
          const task: WorkerTask = { url: server.url, requests, client, limit };
          child.send(task);
        }),
    ),
  );
  const reports = children.map(
    (child) =>
      new Promise<WorkerReport>((done, fail) => {
        child.once('message', (report: WorkerReport) => done(report));
        child.once('exit', (code) => fail(new Error(`a worker exited with ${code}`)));
      }),
  );
  // Every worker is ready: the burst starts at one instant, and the server's clock with it.
  const at = Date.now() + 100;
  for (const child of children) child.send({ at });
  await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  server.reset();
  const results = await Promise.all(reports);
  await Promise.all(
    children.map((child) =>
      child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined,
    ),
  );
  return results;
}

/** Most attempts in any 1 s window after the simultaneous first wave. */
function peak(attempts: readonly number[]): number {
  const after = attempts.filter((t) => t >= 0.1);
  let most = 0;
  for (let lo = 0, hi = 0; hi < after.length; hi++) {
    while (after[hi]! - after[lo]! >= 1) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

const rows: ProcessesRow[] = [];
const floor = (n - burst) / rate;
for (const hint of hints) {
  const server = await startServer(rate, burst, hint);
  try {
    for (const processes of sizes) {
      const measured = new Map<WorkerTask['client'], Record<string, number>[]>(
        clients.map((c) => [c, []]),
      );
      for (let run = 0; run < runs; run++) {
        for (const client of clients) {
          const reports = await runFleet(server, processes, client);
          const successes = reports.reduce((sum, r) => sum + r.successes, 0);
          const last = Math.max(...reports.map((r) => r.last)) / 1000;
          const calls = server.attempts.length;
          measured.get(client)!.push({
            calls,
            successes,
            wa: calls / successes,
            time: last,
            timeOverFloor: last / floor,
            peakOverC: peak(server.attempts) / rate,
            gaveUp: 1 - successes / n,
          });
          console.log(
            `${hint.padEnd(12)} P=${String(processes).padEnd(2)} ${client.padEnd(12)} run ${run + 1}: ` +
              `${calls} calls, ${successes}/${n}, WA ${(calls / successes).toFixed(2)}, ` +
              `last success ${last.toFixed(2)} s = ${(last / floor).toFixed(2)} × floor`,
          );
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      for (const [client, ms] of measured) {
        const names = Object.keys(ms[0]!);
        const metrics = Object.fromEntries(names.map((k) => [k, summarize(ms.map((m) => m[k]!))]));
        rows.push({ client, processes, hint, runs, metrics });
      }
    }
  } finally {
    await server.close();
  }
}

const meta: ProcessesMeta = {
  ...machine(),
  command: command('bench:processes'),
  n,
  rate,
  burst,
  runs,
  limit,
};
writeResults(out, meta, rows);
console.log(`wrote ${out}`);
if (!outArg) writeProcessesDocs();
