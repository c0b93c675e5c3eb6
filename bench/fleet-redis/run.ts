import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, machine, versions } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { writeResults } from '../common/results.js';
import { peakInWindow, summarize } from '../fleet/stats.js';
import { startServer } from '../loopback/server.js';
import { openPath } from './open-path.js';
import { BenchRedis } from './redis.js';
import { FLEET_REDIS_FILES, writeFleetRedisDocs } from './report.js';
import type { WorkerConfig } from './worker.js';

/**
 * The fleet on Redis: P worker processes started on a barrier against the loopback token
 * bucket, the requests split evenly, side by side: (a) one process with one Coordinator,
 * (b) P processes with a Coordinator each, (c) P processes sharing the Redis store,
 * (d) P processes with plain Sessions, (e) Bottleneck clustering the octokit way.
 * Chaos runs disturb (c): Redis killed and restarted empty, stopped and continued, a
 * worker killed, half the workers' clocks offset.
 */
const args = process.argv.slice(2);
const value = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const list = (name: string, fallback: string) => (value(name) ?? fallback).split(',');
const ns = list('n', '200').map(Number);
const ps = list('p', '1,4,8,32').map(Number);
const hints = list('hint', 'none,whole');
const contenders = list('only', 'a,b,c,d,e') as WorkerConfig['contender'][];
const chaos = list('chaos', 'none');
const runs = Number(value('runs') ?? 5);
const limit = Number(value('limit') ?? 60);
const rate = 50;
const burst = 10;
const out = resolve(RESULTS, value('out') ?? 'fleet-redis.jsonl');
const workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));

/**
 * The longest time between two attempts in a row at the server, in seconds: while every
 * process waited on Redis, the server would hear nothing for that long.
 */
function longestGap(times: readonly number[]): number {
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  return longest;
}

if (args.includes('--report')) writeFleetRedisDocs();
else await measure();

async function measure(): Promise<void> {
  const server = await startServer(rate, burst);
  const redis = await BenchRedis.start();
  const rows: object[] = [];
  let runId = 0;

  /** One run: the workers, the server's log, Redis's counters. */
  async function once(
    c: WorkerConfig['contender'],
    p: number,
    n: number,
    hint: string,
    mode: string,
  ) {
    const procs = c === 'a' ? 1 : p;
    await redis.reset();
    const run = `bench${runId++}`;
    const workers = Array.from({ length: procs }, (_, i) => {
      const count = Math.floor(n / procs) + (i < n % procs ? 1 : 0);
      const offset = mode === 'clock' && i % 2 === 1 ? (i % 4 === 1 ? 5 : -5) : 0;
      const config: WorkerConfig = {
        contender: c,
        url: server.url,
        count,
        redisPort: redis.port,
        offset,
        run,
        limit,
      };
      return fork(workerFile, [JSON.stringify(config)], { stdio: 'inherit' });
    });
    const ready = workers.map((w) => new Promise((r) => w.once('message', r)));
    await Promise.all(ready);
    let redisCalls = 0;
    const done = workers.map(
      (w) =>
        new Promise<void>((r) => {
          w.once('message', (m: { redisCalls: number }) => {
            redisCalls += m.redisCalls;
            r();
          });
          w.once('exit', () => r());
        }),
    );
    server.reset(hint === 'whole' ? 'retry-after' : 'none');
    for (const w of workers) w.send('go');
    const timers: NodeJS.Timeout[] = [];
    let relaunched: Promise<void> | undefined;
    if (mode === 'kill') {
      timers.push(setTimeout(() => void redis.server.kill(), 2000));
      timers.push(
        setTimeout(() => {
          relaunched = redis.server.restart();
        }, 5000),
      );
    } else if (mode === 'stop') {
      timers.push(setTimeout(() => redis.server.pause(), 2000));
      timers.push(setTimeout(() => redis.server.resume(), 5000));
    } else if (mode === 'worker') {
      timers.push(setTimeout(() => workers.at(-1)!.kill('SIGKILL'), 2000));
    }
    // A worker that does not end within the limit (and a grace) is killed: its requests
    // count as given up.
    const hard = setTimeout(
      () => {
        for (const w of workers) w.kill('SIGKILL');
      },
      (limit + 15) * 1000,
    );
    await Promise.all(done);
    clearTimeout(hard);
    for (const t of timers) clearTimeout(t);
    // A run that ended before the server came back: bring it back for the next one.
    if (mode === 'kill')
      await (relaunched ?? redis.server.kill().then(() => redis.server.restart()));
    if (mode === 'stop') redis.server.resume();
    const usage = await redis.usage().catch(() => ({ usec: Number.NaN }));
    const calls = server.attempts.length;
    const successes = server.accepted.length;
    const last = server.accepted.at(-1) ?? Number.NaN;
    const floor = (n - burst) / rate;
    return {
      calls,
      successes,
      callsPerSuccess: calls / successes,
      time: last,
      timeOverFloor: last / floor,
      gaveUp: n - successes,
      peakOverC: peakInWindow(server.attempts, 1, 0.1) / rate,
      redisCallsPerRequest: redisCalls / n,
      redisUsecPerRequest: usage.usec / n,
      longestSilenceMs: longestGap(server.attempts) * 1000,
    };
  }

  const labels: Record<string, string> = {
    a: '(a) 1 process, one Coordinator',
    b: '(b) P processes, a Coordinator each',
    c: '(c) P processes, RedisStore',
    d: '(d) P processes, Sessions only',
    e: '(e) Bottleneck on Redis, octokit way',
  };

  try {
    for (const n of ns)
      for (const hint of hints)
        for (const mode of chaos)
          for (const p of ps)
            for (const c of contenders) {
              if (mode !== 'none' && c !== 'c') continue;
              const measured: Record<string, number>[] = [];
              for (let i = 0; i < runs; i++) {
                const m = await once(c, p, n, hint, mode);
                measured.push(m);
                console.log(
                  `N=${n} hint=${hint} chaos=${mode} P=${p} ${labels[c]!.padEnd(38)} run ${i + 1}: ` +
                    `${m.callsPerSuccess.toFixed(2)} calls/success, ${m.timeOverFloor.toFixed(2)}× floor, ` +
                    `${m.gaveUp} gave up, ${m.redisCallsPerRequest.toFixed(2)} Redis calls/request`,
                );
                await new Promise((r) => setTimeout(r, 1200));
              }
              const names = Object.keys(measured[0]!);
              rows.push({
                n,
                hint,
                chaos: mode,
                p,
                contender: c,
                label: labels[c],
                runs,
                metrics: Object.fromEntries(
                  names.map((k) => [k, summarize(measured.map((m) => m[k]!))]),
                ),
              });
            }
    if (!value('only') && chaos.includes('none')) rows.push({ openPath: await openPath(redis) });
  } finally {
    await server.close();
    await redis.stop();
  }
  writeResults(
    out,
    {
      ...machine(),
      command: command('bench:fleet-redis'),
      rate,
      burst,
      runs,
      limit,
      versions: versions(['bottleneck', 'ioredis']),
    },
    rows,
  );
  console.log(`wrote ${out}`);
  // The document shows the committed results files, never a scratch run's.
  if (!value('out') || FLEET_REDIS_FILES.includes(value('out')!)) {
    writeFleetRedisDocs();
    console.log('updated docs/benchmarks.md');
  }
}
