/**
 * 3. Backoff arithmetic: how many delays per second each library computes, with tinybench.
 * Every task draws sequences of 10 delays (a fresh sequence every 10 draws, as in a run of
 * retries), in batches of {@link BATCH} per sample so the timer's resolution does not count.
 *
 * Code paths measured:
 * - ours: `Backoff.next()` (exported class, decorrelated jitter), and the retry loop's
 *   decision `budgetFor` + `stopReason` + the policy's jitter draw (`jitters[policy.jitter]`).
 * - cockatiel 4: the exported `ExponentialBackoff` (its default `decorrelatedJitterGenerator`),
 *   stepped with `.next()` and read with `.duration` as its `RetryPolicy` does, and the
 *   exported generator function alone.
 * - p-retry 9: `calculateDelay` (not exported): its source is read from the installed
 *   `node_modules/p-retry/index.js` and compiled, so it is the installed code, unchanged.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decorrelatedJitterGenerator, ExponentialBackoff } from 'cockatiel';
import { budgetFor, stopReason } from '../internals.js';
import { Backoff, profiles } from '../library.js';
import { type MicroRow, type MicroTask, runMicro } from './micro.js';
import { num, ratio, table } from './report.js';

export const BATCH = 1000;
const SEQUENCE = 10;

export interface ArithmeticRow extends MicroRow {
  library: 'orionclient' | 'cockatiel' | 'p-retry';
}

export interface ArithmeticResult {
  settings: { batch: number; sequence: number };
  rows: ArithmeticRow[];
  goals: Array<{ goal: string; met: boolean; detail: string }>;
}

type PRetryOptions = { minTimeout: number; factor: number; maxTimeout: number; randomize: boolean };

/** p-retry's own `calculateDelay`, compiled from the installed package's source. */
function pRetryCalculateDelay(): (retriesConsumed: number, options: PRetryOptions) => number {
  const require = createRequire(import.meta.url);
  const main = require.resolve('p-retry');
  const source = readFileSync(join(dirname(main), 'index.js'), 'utf8');
  const match = /const maximumDelay = [^;]+;\s*function calculateDelay\([\s\S]*?\n}\n/.exec(source);
  if (!match) throw new Error(`calculateDelay not found in ${main}`);
  return new Function(`${match[0]}\nreturn calculateDelay;`)() as ReturnType<
    typeof pRetryCalculateDelay
  >;
}

let sink = 0;

export async function runArithmetic(options: {
  rounds: number;
  timeMs: number;
}): Promise<ArithmeticResult> {
  const backoff = new Backoff();
  const policy = profiles.nonInteractive;
  const cockatiel = new ExponentialBackoff();
  const cockatielOptions = {
    generator: decorrelatedJitterGenerator,
    maxDelay: 30_000,
    exponent: 2,
    initialDelay: 128,
  };
  const calculateDelay = pRetryCalculateDelay();
  // p-retry's defaults with `randomize: true`, so that it too draws a random number.
  const pRetryOptions = {
    minTimeout: 1000,
    factor: 2,
    maxTimeout: Number.POSITIVE_INFINITY,
    randomize: true,
  };

  const tasks: MicroTask[] = [
    {
      name: 'orionclient Backoff.next()',
      batch: BATCH,
      fn: () => {
        for (let i = 0; i < BATCH; i++) {
          if (i % SEQUENCE === 0) backoff.reset();
          sink += backoff.next();
        }
      },
    },
    {
      name: 'orionclient Backoff.next(503)',
      batch: BATCH,
      fn: () => {
        for (let i = 0; i < BATCH; i++) {
          if (i % SEQUENCE === 0) backoff.reset();
          sink += backoff.next(503);
        }
      },
    },
    {
      name: 'orionclient policy decision (budgetFor + stopReason + jitter)',
      batch: BATCH,
      fn: () => {
        // One cursor changed in place, as the retry loop keeps it.
        const state = { attempt: 0, prev: 0 };
        for (let i = 0; i < BATCH; i++) {
          const used = i % SEQUENCE;
          const budget = budgetFor(policy, 503);
          if (!budget) throw new Error('503 must be retried');
          if (used === 0) {
            // A new call's cursor, reset in place as Backoff.reset() does.
            state.attempt = 0;
            state.prev = budget.params.base;
          }
          if (stopReason(used, budget.limit, used * 0.5, policy.retryTimeout)) continue;
          const delay = budget.jitter(state, budget.params, Math.random);
          state.attempt++;
          state.prev = delay;
          sink += delay;
        }
      },
    },
    {
      name: 'cockatiel ExponentialBackoff .next().duration',
      batch: BATCH,
      fn: () => {
        let b = cockatiel.next();
        for (let i = 0; i < BATCH; i++) {
          b = i % SEQUENCE === 0 ? cockatiel.next() : b.next(undefined);
          sink += b.duration;
        }
      },
    },
    {
      name: 'cockatiel decorrelatedJitterGenerator',
      batch: BATCH,
      fn: () => {
        let state: unknown;
        for (let i = 0; i < BATCH; i++) {
          if (i % SEQUENCE === 0) state = undefined;
          const [delay, next] = decorrelatedJitterGenerator(state as never, cockatielOptions);
          state = next;
          sink += delay;
        }
      },
    },
    {
      name: 'p-retry calculateDelay',
      batch: BATCH,
      fn: () => {
        for (let i = 0; i < BATCH; i++) sink += calculateDelay(i % SEQUENCE, pRetryOptions);
      },
    },
  ];
  const measured = await runMicro(tasks, options);
  if (!Number.isFinite(sink)) throw new Error('unreachable: keeps the results alive');

  const rows: ArithmeticRow[] = measured.map((r) => ({
    ...r,
    library: r.name.startsWith('orionclient')
      ? 'orionclient'
      : r.name.startsWith('cockatiel')
        ? 'cockatiel'
        : 'p-retry',
  }));
  const fastestPeer = Math.max(
    ...rows.filter((r) => r.library !== 'orionclient').map((r) => r.opsPerSecond),
  );
  const goals = rows
    .filter((r) => r.library === 'orionclient')
    .map((r) => ({
      goal: `${r.name} at least as fast as the fastest peer`,
      met: r.opsPerSecond >= fastestPeer,
      detail: `${num(r.opsPerSecond / 1e6, 1)} M/s vs ${num(fastestPeer / 1e6, 1)} M/s (${ratio(r.opsPerSecond / fastestPeer)})`,
    }));
  return { settings: { batch: BATCH, sequence: SEQUENCE }, rows, goals };
}

export function arithmeticTable(result: ArithmeticResult): string {
  const best = Math.max(...result.rows.map((r) => r.opsPerSecond));
  return table(
    ['delay computation', 'M ops/s', '± %', 'vs fastest', 'samples'],
    result.rows.map((r) => [
      r.name,
      num(r.opsPerSecond / 1e6, 1),
      num(r.rme, 1),
      ratio(r.opsPerSecond / best),
      String(r.samples),
    ]),
  );
}
