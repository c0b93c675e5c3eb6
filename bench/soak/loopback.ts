/**
 * The real-socket half of the soak: for a bounded time, sessions of both profiles send GETs,
 * bare POSTs and POSTs with an Idempotency-Key to the fault server on 127.0.0.1, which
 * answers about half of all requests with a fault. Backoff is tiny (real time). The
 * per-attempt timeout is short but not tiny: on a busy two-core machine a healthy loopback
 * answer can take over 100 ms at this concurrency, and a timeout below that would turn
 * healthy answers into faults.
 */

import { seededRandom } from '../internals.js';
import { type Fault, RetryError, Session, startFaultServer } from '../library.js';
import { heapMiB, pool, resources, round } from './measure.js';

export interface LoopbackResult {
  readonly seconds: number;
  readonly concurrency: number;
  readonly requestTimeout: number;
  /** Calls of `session.fetch` that settled. */
  readonly requests: number;
  /** Requests the server received (every attempt that reached it). */
  readonly attempts: number;
  /** Faults the server played, by kind; `ok` is a plain 200. */
  readonly played: Readonly<Record<string, number>>;
  /** How the calls ended: `200`, another final status, or `RetryError:<reason>`. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Faults the client rode out: failed attempts followed by a retry. */
  readonly retries: number;
  /** Bare POSTs the server saw more than once although it never answered them 429. */
  readonly duplicatedPosts: number;
  readonly heap: {
    readonly before: number;
    /** After a GC at each sixth of the run. */
    readonly during: readonly number[];
    readonly after: number;
    readonly growth: number;
  };
  /** After the server closed and the client settled: handles left that were not there before. */
  readonly leftover: Readonly<Record<string, number>>;
  readonly serverSocketsAtEnd: number;
}

/** The fault menu, with weights out of 100. */
const menu: ReadonlyArray<readonly [string, number, Fault]> = [
  ['ok', 50, { status: 200, body: '{"ok":true}' }],
  ['503', 12, { status: 503, bodyBytes: 2048 }],
  ['429 retry-after-ms', 8, { status: 429, headers: { 'retry-after-ms': '5' } }],
  ['reset before headers', 8, { reset: 'before-headers' }],
  ['close before headers', 6, { close: 'before-headers' }],
  ['hang', 4, { hang: true }],
  ['slow headers', 4, { slowHeaders: 800, reply: { status: 200 } }],
  ['502', 4, { status: 502 }],
  ['reset mid-body', 2, { reset: 'mid-body', bodyBytes: 4096, after: 512 }],
  ['truncated body', 2, { truncate: { declared: 4096, sent: 100 } }],
];

export async function loopback(
  seconds: number,
  concurrency = 16,
  requestTimeout = 0.5,
): Promise<LoopbackResult> {
  const baseline = resources();
  const heapBefore = await heapMiB();
  const server = await startFaultServer();
  // The same fault sequence on every run.
  const random = seededRandom(2024);
  const played: Record<string, number> = {};
  // Per bare-POST id: requests seen, and whether any was answered 429 (which allows a resend).
  const posts = new Map<string, { seen: number; throttled: boolean }>();
  let attempts = 0;
  server.route('/r', (request) => {
    attempts++;
    let x = random() * 100;
    let pick = menu[0]!;
    for (const entry of menu) {
      pick = entry;
      x -= entry[1];
      if (x < 0) break;
    }
    played[pick[0]] = (played[pick[0]] ?? 0) + 1;
    const id = new URL(request.url, 'http://x').searchParams.get('id');
    if (request.method === 'POST' && request.headers['idempotency-key'] === undefined && id) {
      const entry = posts.get(id) ?? { seen: 0, throttled: false };
      entry.seen++;
      entry.throttled ||= pick[0].startsWith('429');
      posts.set(id, entry);
    }
    return pick[2];
  });

  const sessions = [
    new Session({ profile: 'nonInteractive', base: 0.001, cap: 0.01, requestTimeout }),
    new Session({ profile: 'interactive', base: 0.001, cap: 0.01, requestTimeout }),
  ];
  const outcomes: Record<string, number> = {};
  let retries = 0;
  let requests = 0;
  const deadline = performance.now() + seconds * 1000;
  // Heap after a GC every sixth of the run: a leak shows as a steady climb.
  const during: number[] = [];
  const sampler = (async () => {
    for (let i = 1; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 6));
      during.push(await heapMiB());
    }
  })();
  let next = 0;
  await pool(concurrency, concurrency, async () => {
    while (performance.now() < deadline) {
      const id = next++;
      const session = sessions[id % 2]!;
      const kind = id % 3;
      const init = {
        method: kind === 0 ? 'GET' : 'POST',
        ...(kind === 0 ? {} : { body: `payload ${id}` }),
        ...(kind === 2 ? { headers: { 'idempotency-key': `k-${id}` } } : {}),
        onRetry: () => {
          retries++;
        },
      };
      let outcome: string;
      try {
        const response = await session.fetch(`${server.url}/r?id=${id}`, init);
        outcome = String(response.status);
        await response.arrayBuffer().catch(() => {
          outcome = `${outcome} (body failed)`;
        });
      } catch (error) {
        if (!(error instanceof RetryError)) throw error;
        outcome = `RetryError:${error.reason}`;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      requests++;
      // The server records every request; only the counts above are kept, not the records.
      if (server.requests.length > 10_000) (server.requests as unknown[]).splice(0);
    }
  });
  await sampler;
  await server.close();
  const serverSocketsAtEnd = server.openSockets();
  // Client sockets close once they see the server's side go; give them a moment.
  let leftover = grown(baseline);
  for (let i = 0; i < 100 && Object.keys(leftover).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    leftover = grown(baseline);
  }
  (server.requests as unknown[]).splice(0);
  for (const [id, p] of posts) if (p.seen <= 1 || p.throttled) posts.delete(id);
  const heapAfter = await heapMiB();
  return {
    seconds,
    concurrency,
    requestTimeout,
    requests,
    attempts,
    played,
    outcomes,
    retries,
    duplicatedPosts: posts.size,
    heap: {
      before: heapBefore,
      during,
      after: heapAfter,
      growth: round(heapAfter - heapBefore, 2),
    },
    leftover,
    serverSocketsAtEnd,
  };
}

function grown(baseline: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(resources())
      .filter(([type, n]) => n > (baseline[type] ?? 0))
      .map(([type, n]) => [type, n - (baseline[type] ?? 0)]),
  );
}
