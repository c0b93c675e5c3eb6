/**
 * Every fault of `faults.ts` × both profiles × every method class × every transport (a
 * `Session`, and the undici interceptor under `undici.request` and `undici.fetch`), against
 * a real server, with backoff in virtual time. Each cell checks the promised outcome and
 * attempt count, that a bare POST is never resent unless the rules allow it, that
 * credentials never reach another origin, and that nothing (socket, timer, listener,
 * sleeper) is left behind. A transport keeps the row's promise unless the row says where
 * and why that transport differs.
 *
 * Cells run one after another: the leak check reads process-wide resources.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RetryError } from '../../src/retry/errors.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';
import {
  type Expected,
  expectedVia,
  type FaultRow,
  faults,
  methodClasses,
  profileNames,
} from './faults.js';
import { cellText, methodText } from './report.js';
import { leftover, resources } from './resources.js';
import { openTransport, type Sent, type TransportName, transportNames } from './transports.js';

const TOKEN = 'matrix-token-4f1c';
const API_KEY = 'matrix-key-9b2e';

/** What actually happened, in the shape of {@link Expected}. */
async function observe(sent: Sent, expected: Expected): Promise<Expected> {
  if (!sent.ok) {
    const { error } = sent;
    if (sent.fetchError) return { outcome: 'fetchError', seen: 0 };
    if (!(error instanceof RetryError)) throw error;
    return {
      outcome: 'retryError',
      reason: error.reason,
      attempts: error.attempts.length,
      seen: 0,
    };
  }
  const attempts = sent.info?.attempts.length ?? Number.NaN;
  let bytes: number;
  try {
    bytes = await sent.read();
  } catch {
    return { outcome: 'bodyError', status: sent.status, attempts, seen: 0 };
  }
  return {
    outcome: 'response',
    status: sent.status,
    attempts,
    seen: 0,
    ...(sent.info?.reason ? { reason: sent.info.reason } : {}),
    ...('bytes' in expected ? { bytes } : {}),
  };
}

/** The most times one path received a POST. */
function mostPostsToOnePath(...servers: FaultServer[]): number {
  const counts = new Map<string, number>();
  for (const [i, server] of servers.entries()) {
    for (const r of server.requests) {
      if (r.method === 'POST') counts.set(`${i}${r.path}`, (counts.get(`${i}${r.path}`) ?? 0) + 1);
    }
  }
  return Math.max(0, ...counts.values());
}

async function runCell(
  transport: TransportName,
  row: FaultRow,
  profile: (typeof profileNames)[number],
  method: (typeof methodClasses)[number],
) {
  const via = expectedVia(row, transport);
  const expected = via.expect[profile][method];
  const before = resources();
  const server = await startFaultServer();
  const other = await startFaultServer();
  const clock = new VirtualClock({ seed: 1 });
  const controller = new AbortController();
  const client = openTransport(transport, {
    profile,
    clock,
    overrides: row.overrides,
    headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': API_KEY },
    sensitiveHeaders: ['x-api-key'],
  });
  try {
    const url = row.play({ server, other, refused: await refusedUrl() });
    const post = method !== 'GET';
    const sent = await client.send({
      url,
      method: post ? 'POST' : 'GET',
      ...(post ? { body: 'payload' } : {}),
      headers: method === 'POST+key' ? { 'idempotency-key': 'key-1' } : {},
      signal: controller.signal,
    });
    const observed = await observe(sent, expected);
    const seen = server.requests.length + other.requests.length;
    expect({ ...observed, seen }).toEqual(expected);

    if (method === 'POST' && !row.resendsPost && !via.resendsPost) {
      expect(mostPostsToOnePath(server, other)).toBeLessThanOrEqual(1);
    }
    for (const r of other.requests) {
      expect(r.headers.authorization).toBeUndefined();
      if (!via.sendsSensitive) expect(r.headers['x-api-key']).toBeUndefined();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(client.ownListeners);
    expect(clock.pending).toBe(0);
  } finally {
    await Promise.all([client.close(), server.close(), other.close()]);
  }
  expect(await leftover(before)).toEqual([]);
}

for (const transport of transportNames) {
  describe(`through ${transport}`, () => {
    for (const row of faults) {
      describe(`${row.fault}`, () => {
        for (const profile of profileNames) {
          for (const method of methodClasses) {
            const promise = cellText(expectedVia(row, transport).expect[profile][method]);
            it(`${profile} ${methodText[method]}: ${promise}, and nothing is left open`, () =>
              runCell(transport, row, profile, method));
          }
        }
      });
    }
  });
}
