/**
 * 1. Happy-path overhead: requests per second and latency of every contender against one
 * keep-alive loopback server in another process, in alternating rounds, at concurrency 1
 * and 64, for a small JSON body and a 1 MiB body. Ratios are paired per round against raw
 * `fetch` (the median over rounds), so slow drift of the machine cancels out.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { type Contender, contenders } from './contenders.js';
import { median, num, quantile, ratio, table } from './report.js';

export interface HttpSettings {
  rounds: number;
  /** Milliseconds per contender per cell per round. */
  cellMs: number;
  warmupMs: number;
  /** Seconds of autocannon per cell (the server's own ceiling). */
  capacitySeconds: number;
}

export interface CellResult {
  contender: string;
  body: 'small' | 'large';
  concurrency: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  roundRps: number[];
  /** Median over rounds of this round's rps / raw fetch's rps in the same round. */
  ratioToFetch: number;
  /**
   * The client process's CPU time (user + system) per request, in microseconds: less
   * sensitive than throughput to other load on the machine.
   */
  cpuMicrosPerRequest: number;
  /** Raw fetch's CPU per request / this one's: above 1 means cheaper than fetch. */
  cpuRatioToFetch: number;
}

export interface HttpResult {
  settings: HttpSettings;
  /** autocannon against the same server: what the server can do, for scale. */
  capacity: Array<{ body: string; concurrency: number; rps: number; p50Ms: number; p99Ms: number }>;
  cells: CellResult[];
  goals: Array<{ goal: string; met: boolean; detail: string }>;
}

const BODIES = ['small', 'large'] as const;
const CONCURRENCIES = [1, 64] as const;

async function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const script = fileURLToPath(new URL('./server.js', import.meta.url));
  const child = fork(script, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** A copy of `items` in an order drawn from `seed` (Fisher–Yates over mulberry32). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A full collection, when Node runs with `--expose-gc` (the `overhead` script does). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function drive(send: Contender['send'], url: string, concurrency: number, ms: number) {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await send(url);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return { latencies, elapsed: performance.now() - start, cpuMicros: used.user + used.system };
}

async function capacity(url: string, connections: number, seconds: number) {
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/** What one run measures: its contenders (the first is the ratios' reference) and goals. */
export interface HttpSet {
  contenders(): Contender[];
  goals(cells: CellResult[], all: Contender[]): HttpResult['goals'];
}

const defaultSet: HttpSet = { contenders, goals };

export async function runHttp(
  settings: HttpSettings,
  log: (line: string) => void,
  set: HttpSet = defaultSet,
): Promise<HttpResult> {
  const { child, base } = await startServer();
  const all = set.contenders();
  try {
    const capacityRows: HttpResult['capacity'] = [];
    for (const body of BODIES) {
      for (const concurrency of CONCURRENCIES) {
        const c = await capacity(`${base}/${body}`, concurrency, settings.capacitySeconds);
        capacityRows.push({ body, concurrency, ...c });
      }
    }
    log(
      `server ceiling (autocannon): ${capacityRows.map((c) => `${c.body}/c${c.concurrency} ${num(c.rps)} rps`).join(', ')}`,
    );

    for (const contender of all) {
      for (const body of BODIES) {
        await drive(contender.send, `${base}/${body}`, 64, settings.warmupMs);
      }
    }

    type Acc = {
      latencies: number[];
      requests: number;
      elapsed: number;
      cpuMicros: number;
      roundRps: number[];
    };
    const acc = new Map<string, Acc>();
    const key = (name: string, body: string, c: number) => `${name}|${body}|${c}`;
    for (let round = 0; round < settings.rounds; round++) {
      for (const body of BODIES) {
        for (const concurrency of CONCURRENCIES) {
          // A rotation keeps the same neighbours (each contender would always follow the
          // same one, and pay for its garbage): shuffle each round instead, seeded.
          const order = shuffled(all, round * 131 + concurrency * 7 + body.length);
          for (const contender of order) {
            // Each cell starts with an empty heap, so no contender collects another's garbage.
            collectGarbage();
            const r = await drive(contender.send, `${base}/${body}`, concurrency, settings.cellMs);
            const k = key(contender.name, body, concurrency);
            const a = acc.get(k) ?? {
              latencies: [],
              requests: 0,
              elapsed: 0,
              cpuMicros: 0,
              roundRps: [],
            };
            for (const l of r.latencies) a.latencies.push(l);
            a.requests += r.latencies.length;
            a.elapsed += r.elapsed;
            a.cpuMicros += r.cpuMicros;
            a.roundRps.push((r.latencies.length / r.elapsed) * 1000);
            acc.set(k, a);
          }
        }
      }
      log(`http round ${round + 1}/${settings.rounds} done`);
    }

    const reference = all[0]?.name ?? '';
    const cells: CellResult[] = [];
    for (const body of BODIES) {
      for (const concurrency of CONCURRENCIES) {
        const ref = acc.get(key(reference, body, concurrency));
        for (const contender of all) {
          const a = acc.get(key(contender.name, body, concurrency));
          if (!a || !ref) continue;
          cells.push({
            contender: contender.name,
            body,
            concurrency,
            requests: a.requests,
            rps: (a.requests / a.elapsed) * 1000,
            p50Ms: quantile(a.latencies, 0.5),
            p99Ms: quantile(a.latencies, 0.99),
            roundRps: a.roundRps.map((x) => Math.round(x)),
            ratioToFetch: median(a.roundRps.map((x, i) => x / (ref.roundRps[i] ?? Number.NaN))),
            cpuMicrosPerRequest: a.cpuMicros / a.requests,
            cpuRatioToFetch: ref.cpuMicros / ref.requests / (a.cpuMicros / a.requests),
          });
        }
      }
    }
    return {
      settings,
      capacity: capacityRows,
      cells,
      goals: set.goals(cells, all),
    } satisfies HttpResult;
  } finally {
    await Promise.all(all.map((c) => c.close?.()));
    child.disconnect();
  }
}

function goals(cells: CellResult[], all: Contender[]): HttpResult['goals'] {
  const out: HttpResult['goals'] = [];
  const peers = all.filter((c) => c.peer).map((c) => c.name);
  for (const name of ['Session nonInteractive', 'Session interactive']) {
    for (const body of BODIES) {
      for (const concurrency of CONCURRENCIES) {
        const here = cells.filter((c) => c.body === body && c.concurrency === concurrency);
        const mine = here.find((c) => c.contender === name);
        if (!mine) continue;
        out.push({
          goal: `${name} ≥ 0.95 × fetch, ${body} body, c=${concurrency}`,
          met: mine.ratioToFetch >= 0.95,
          detail: `${ratio(mine.ratioToFetch)} (CPU per request: fetch's ${num(
            (1 / mine.cpuRatioToFetch) * 100,
          )} %)`,
        });
        const beaten = here.filter((c) => peers.includes(c.contender));
        const slower = beaten.filter((c) => c.ratioToFetch >= mine.ratioToFetch);
        out.push({
          goal: `${name} faster than got, ky, axios, ${body} body, c=${concurrency}`,
          met: slower.length === 0,
          detail: `${ratio(mine.ratioToFetch)} vs ${beaten.map((c) => `${c.contender} ${ratio(c.ratioToFetch)}`).join(', ')}`,
        });
      }
    }
  }
  return out;
}

export function httpTables(result: HttpResult): string {
  const parts: string[] = [];
  parts.push(
    table(
      ['server ceiling (autocannon)', 'rps', 'p50 ms', 'p99 ms'],
      result.capacity.map((c) => [
        `${c.body} body, c=${c.concurrency}`,
        num(c.rps),
        num(c.p50Ms, 2),
        num(c.p99Ms, 2),
      ]),
    ),
  );
  for (const body of BODIES) {
    const names = [...new Set(result.cells.map((c) => c.contender))];
    const cell = (name: string, c: number) =>
      result.cells.find((x) => x.contender === name && x.body === body && x.concurrency === c);
    parts.push(
      table(
        [
          `${body === 'small' ? 'small JSON' : '1 MiB'} body`,
          'c=1 rps',
          'ratio',
          'p50 ms',
          'p99 ms',
          'CPU µs/req',
          'c=64 rps',
          'ratio',
          'p50 ms',
          'p99 ms',
          'CPU µs/req',
        ],
        names.map((name) => {
          const a = cell(name, 1);
          const b = cell(name, 64);
          return [
            name,
            num(a?.rps ?? Number.NaN),
            ratio(a?.ratioToFetch ?? Number.NaN),
            num(a?.p50Ms ?? Number.NaN, 3),
            num(a?.p99Ms ?? Number.NaN, 3),
            num(a?.cpuMicrosPerRequest ?? Number.NaN),
            num(b?.rps ?? Number.NaN),
            ratio(b?.ratioToFetch ?? Number.NaN),
            num(b?.p50Ms ?? Number.NaN, 2),
            num(b?.p99Ms ?? Number.NaN, 2),
            num(b?.cpuMicrosPerRequest ?? Number.NaN),
          ];
        }),
      ),
    );
  }
  return parts.join('\n\n');
}
