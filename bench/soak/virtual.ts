/**
 * The virtual-time half of the soak: a million retry decisions through `retry()`, and
 * 100,000 sessions each sending requests through an in-memory `fetch`, with the heap
 * measured (after a full GC) before, between rounds, and after.
 */
import { RetryError, retry, Session, VirtualClock } from '../library.js';
import { heapMiB, pool } from './measure.js';

export interface HeapFigures {
  /** Heap used after a full GC, MiB: before the first round, and after each round. */
  readonly before: number;
  readonly rounds: readonly number[];
  readonly after: number;
  /** `after - before`, MiB. */
  readonly growth: number;
}

export interface DecisionsResult extends HeapFigures {
  readonly decisions: number;
  readonly calls: number;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
}

/** What fails, in turn: statuses with budgets of their own, transient ones, network errors. */
const failures: readonly (() => unknown)[] = [
  () => Object.assign(new Error('Service Unavailable'), { status: 503 }),
  () => Object.assign(new Error('Too Many Requests'), { status: 429 }),
  () => Object.assign(new Error('Not Found'), { status: 404 }),
  () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
];

/**
 * Calls `retry()` on operations that fail `k` times (k from 0 to 12, so some exhaust
 * their budget) until `target` decisions have been made. A decision is one reading of an
 * attempt's outcome: retry, or stop.
 */
export async function retryDecisions(target: number, rounds = 10): Promise<DecisionsResult> {
  const clock = new VirtualClock({ seed: 7 });
  const started = performance.now();
  const before = await heapMiB();
  const heaps: number[] = [];
  let decisions = 0;
  let calls = 0;
  for (let round = 0; round < rounds; round++) {
    const goal = Math.round((target * (round + 1)) / rounds);
    while (decisions < goal) {
      const batch = Array.from({ length: 500 }, () => {
        const id = calls++;
        const failing = id % 13;
        const failure = failures[id % failures.length]!;
        return retry(
          async ({ attempt }) => {
            decisions++;
            if (attempt <= failing) throw failure();
            return id;
          },
          { clock, profile: id % 2 ? 'interactive' : 'nonInteractive', requestTimeout: Infinity },
        ).catch((error: unknown) => {
          if (!(error instanceof RetryError)) throw error;
        });
      });
      await Promise.all(batch);
    }
    heaps.push(await heapMiB());
  }
  const after = await heapMiB();
  return {
    decisions,
    calls,
    virtualSeconds: clock.now(),
    wallSeconds: (performance.now() - started) / 1000,
    before,
    rounds: heaps,
    after,
    growth: after - before,
  };
}

export interface SessionsResult extends HeapFigures {
  readonly sessions: number;
  readonly requests: number;
  readonly attempts: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly wallSeconds: number;
}

/**
 * Makes `count` sessions (alternating profiles), each sending three requests through an
 * in-memory `fetch` that fails some attempts (503 with a body, 429 with retry-after-ms,
 * a reset, a 404) before answering 200. Backoff runs in virtual time.
 */
export async function sessions(count: number, rounds = 10): Promise<SessionsResult> {
  const clock = new VirtualClock({ seed: 11 });
  const started = performance.now();
  const byStatus: Record<string, number> = {};
  let attempts = 0;
  let requests = 0;
  const fetch = (async (input: string | URL | Request) => {
    attempts++;
    const n = Number(new URL(String(input)).searchParams.get('n'));
    const k = attempts % 7;
    if (n % 5 === 0 && k < 2) return new Response('busy'.repeat(64), { status: 503 });
    if (n % 5 === 1 && k < 1) {
      return new Response(null, { status: 429, headers: { 'retry-after-ms': '250' } });
    }
    if (n % 5 === 2 && k < 2)
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    if (n % 5 === 3 && k < 1) return new Response(null, { status: 404 });
    return new Response('{"ok":true}', {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;

  const before = await heapMiB();
  const heaps: number[] = [];
  const perRound = Math.ceil(count / rounds);
  for (let round = 0; round < rounds; round++) {
    const first = round * perRound;
    await pool(Math.min(perRound, count - first), 500, async (i) => {
      const id = first + i;
      const session = new Session({
        clock,
        fetch,
        profile: id % 2 ? 'interactive' : 'nonInteractive',
        baseUrl: 'http://soak.invalid/',
        headers: { authorization: 'Bearer soak' },
      });
      for (let r = 0; r < 3; r++) {
        let outcome: string;
        try {
          const response = await session.get(`/items/${id}?n=${id + r}`);
          await response.arrayBuffer();
          outcome = String(response.status);
        } catch (error) {
          // Concurrent requests share the failure pattern, so a few exhaust their budget.
          if (!(error instanceof RetryError)) throw error;
          outcome = `RetryError:${error.reason}`;
        }
        requests++;
        byStatus[outcome] = (byStatus[outcome] ?? 0) + 1;
      }
    });
    heaps.push(await heapMiB());
  }
  const after = await heapMiB();
  return {
    sessions: count,
    requests,
    attempts,
    byStatus,
    wallSeconds: (performance.now() - started) / 1000,
    before,
    rounds: heaps,
    after,
    growth: after - before,
  };
}
