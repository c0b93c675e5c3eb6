/**
 * The session's own cost per request, without the network: `Session` over an in-memory
 * `fetch` that answers at once, against calling that `fetch` directly. The difference is
 * what the library adds to every request (URL and header handling, the retry loop, the
 * per-attempt timeout, classification, history), measured with far less noise than
 * loopback throughput.
 */
import { interactiveSession, nonInteractiveSession } from '../library.js';
import { type MicroRow, runMicro } from './micro.js';
import { num, table } from './report.js';

const BODY = JSON.stringify({ id: 42, name: 'orion', ok: true, items: [1, 2, 3], next: null });
const URL_TEXT = 'http://127.0.0.1:8080/small';

/** Answers every request with 200 and the small body, synchronously. */
const memoryFetch = (async () =>
  new Response(BODY, {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })) as unknown as typeof fetch;

export interface SessionCostResult {
  rows: MicroRow[];
}

export async function runSessionCost(options: {
  rounds: number;
  timeMs: number;
}): Promise<SessionCostResult> {
  const nonInteractive = nonInteractiveSession({ fetch: memoryFetch });
  const interactive = interactiveSession({ fetch: memoryFetch });
  const signal = new AbortController().signal;
  const rows = await runMicro(
    [
      {
        name: 'in-memory fetch alone',
        fn: async () => {
          await (await memoryFetch(URL_TEXT)).arrayBuffer();
        },
      },
      {
        name: 'Session nonInteractive over it',
        fn: async () => {
          await (await nonInteractive.get(URL_TEXT)).arrayBuffer();
        },
      },
      {
        name: 'Session interactive over it',
        fn: async () => {
          await (await interactive.get(URL_TEXT)).arrayBuffer();
        },
      },
      {
        name: 'Session nonInteractive, with a signal',
        fn: async () => {
          await (await nonInteractive.get(URL_TEXT, { signal })).arrayBuffer();
        },
      },
    ],
    { ...options, iterations: 200 },
  );
  return { rows };
}

export function sessionCostTable(result: SessionCostResult): string {
  const alone = result.rows[0]?.opsPerSecond ?? Number.NaN;
  return table(
    ['in-process, no network', 'requests/s', 'µs each', 'added by the session'],
    result.rows.map((r) => [
      r.name,
      num(r.opsPerSecond),
      num(1e6 / r.opsPerSecond, 1),
      r.opsPerSecond === alone ? '' : `${num(1e6 / r.opsPerSecond - 1e6 / alone, 1)} µs`,
    ]),
  );
}
