/**
 * Every fault of `faults.ts` × both profiles × every method class, against a real server,
 * with backoff in virtual time. Each cell checks the promised outcome and attempt count,
 * that a bare POST is never resent unless the rules allow it, that credentials never
 * reach another origin, and that nothing (socket, timer, listener, sleeper) is left behind.
 *
 * Cells run one after another: the leak check reads process-wide resources.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/http/session.js';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';
import { type Expected, type FaultRow, faults, methodClasses, profileNames } from './faults.js';
import { cellText, methodText } from './report.js';
import { leftover, resources } from './resources.js';

const TOKEN = 'matrix-token-4f1c';
const API_KEY = 'matrix-key-9b2e';

/** What actually happened, in the shape of {@link Expected}. */
async function observe(pending: Promise<Response>, expected: Expected): Promise<Expected> {
  let response: Response;
  try {
    response = await pending;
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    return {
      outcome: 'retryError',
      reason: error.reason,
      attempts: error.attempts.length,
      seen: 0,
    };
  }
  const info = retryInfo(response);
  const attempts = info?.attempts.length ?? Number.NaN;
  let bytes: number;
  try {
    bytes = (await response.arrayBuffer()).byteLength;
  } catch {
    return { outcome: 'bodyError', status: response.status, attempts, seen: 0 };
  }
  return {
    outcome: 'response',
    status: response.status,
    attempts,
    seen: 0,
    ...(info?.reason ? { reason: info.reason } : {}),
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
  row: FaultRow,
  profile: (typeof profileNames)[number],
  method: (typeof methodClasses)[number],
) {
  const expected = row.expect[profile][method];
  const before = resources();
  const server = await startFaultServer();
  const other = await startFaultServer();
  const clock = new VirtualClock({ seed: 1 });
  const controller = new AbortController();
  try {
    const url = row.play({ server, other, refused: await refusedUrl() });
    const session = new Session({
      profile,
      clock,
      headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': API_KEY },
      sensitiveHeaders: ['x-api-key'],
      ...row.overrides,
    });
    const post = method !== 'GET';
    const observed = await observe(
      session.fetch(url, {
        method: post ? 'POST' : 'GET',
        ...(post ? { body: 'payload' } : {}),
        headers: method === 'POST+key' ? { 'idempotency-key': 'key-1' } : {},
        signal: controller.signal,
      }),
      expected,
    );
    const seen = server.requests.length + other.requests.length;
    expect({ ...observed, seen }).toEqual(expected);

    if (method === 'POST' && !row.resendsPost) {
      expect(mostPostsToOnePath(server, other)).toBeLessThanOrEqual(1);
    }
    for (const r of other.requests) {
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers['x-api-key']).toBeUndefined();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.pending).toBe(0);
  } finally {
    await Promise.all([server.close(), other.close()]);
  }
  expect(await leftover(before)).toEqual([]);
}

for (const row of faults) {
  describe(`${row.fault}`, () => {
    for (const profile of profileNames) {
      for (const method of methodClasses) {
        const promise = cellText(row.expect[profile][method]);
        it(`${profile} ${methodText[method]}: ${promise}, and nothing is left open`, () =>
          runCell(row, profile, method));
      }
    }
  });
}
