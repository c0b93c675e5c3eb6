import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { command, machine, versions } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { writeResults } from '../common/results.js';
import { summarize } from '../fleet/stats.js';
import { loopbackContenders } from './clients.js';
import { startServer } from './server.js';
import type { LoopbackMeta, LoopbackRow } from './types.js';

/**
 * The loopback check: the S2 server (token bucket, C per second, burst B, 429 with a
 * whole-second Retry-After) on a real socket, and N clients of each library, all
 * starting together, with their defaults. Bounded: a contender's run is aborted after
 * `--limit` seconds and what is still running counts as given up.
 */
const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const n = Number(value('n') ?? 200);
const rate = Number(value('rate') ?? 50);
const burst = Number(value('burst') ?? 10);
const runs = Number(value('runs') ?? 3);
const limit = Number(value('limit') ?? 60);
const only = value('only')?.split(',');
/** `--out=scratch/name.jsonl`: relative to bench/results. */
const out = resolve(RESULTS, value('out') ?? 'fleet-loopback.jsonl');

const server = await startServer(rate, burst);
const rows: LoopbackRow[] = [];
const floor = (n - burst) / rate;
try {
  for (const contender of loopbackContenders) {
    if (only && !only.includes(contender.id)) continue;
    const measured: Record<string, number>[] = [];
    for (let run = 0; run < runs; run++) {
      const clients = Array.from({ length: n }, () => contender.create());
      const stop = new AbortController();
      setMaxListeners(0, stop.signal);
      server.reset();
      let successes = 0;
      let last = Number.NaN;
      const started = performance.now();
      const timer = setTimeout(() => stop.abort(new Error('time limit')), limit * 1000);
      await Promise.all(
        clients.map(async (c) => {
          if (await c.get(server.url, stop.signal)) {
            successes++;
            last = (performance.now() - started) / 1000;
          }
        }),
      );
      clearTimeout(timer);
      await Promise.all(clients.map((c) => c.close?.()));
      const calls = server.attempts.length;
      let peak = 0;
      const after = server.attempts.filter((t) => t >= 0.1);
      for (let lo = 0, hi = 0; hi < after.length; hi++) {
        while (after[hi]! - after[lo]! >= 1) lo++;
        peak = Math.max(peak, hi - lo + 1);
      }
      measured.push({
        calls,
        successes,
        wa: successes > 0 ? calls / successes : Number.NaN,
        waFloor: (2 * n - burst) / n,
        time: last,
        timeOverFloor: last / floor,
        peakOverC: peak / rate,
        gaveUp: 1 - successes / n,
      });
      const m = measured.at(-1)!;
      console.log(
        `${contender.label.padEnd(30)} run ${run + 1}: ${calls} calls, ${successes}/${n} succeeded, ` +
          `WA ${m.wa!.toFixed(2)}, last success ${last.toFixed(2)} s, peak/C ${m.peakOverC!.toFixed(2)}`,
      );
      await new Promise((r) => setTimeout(r, 1500));
    }
    const names = Object.keys(measured[0]!);
    rows.push({
      contender: contender.id,
      label: contender.label,
      sim: contender.sim,
      runs,
      metrics: Object.fromEntries(names.map((k) => [k, summarize(measured.map((m) => m[k]!))])),
    });
  }
} finally {
  await server.close();
}
const meta: LoopbackMeta = {
  ...machine(),
  command: command('bench:loopback'),
  n,
  rate,
  burst,
  runs,
  limit,
  versions: versions(['got', 'ky', 'axios', 'axios-retry', 'undici', 'fetch-retry']),
};
writeResults(out, meta, rows);
console.log(`wrote ${out}`);
