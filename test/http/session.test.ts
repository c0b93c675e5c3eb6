import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { interactiveSession, nonInteractiveSession, Session } from '../../src/http/session.js';
import type { RetryEvent } from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

/** A session whose backoff sleeps run in virtual time against the real server. */
function virtualSession(options: ConstructorParameters<typeof Session>[0] = {}) {
  const clock = new VirtualClock({ seed: 1 });
  const events: RetryEvent[] = [];
  const session = new Session({ clock, onRetry: (e) => void events.push(e), ...options });
  return { session, clock, events };
}

const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

describe('Session budgets against a real server', () => {
  it('503 forever: exactly 11 attempts, the final 503 returned', async () => {
    server.route('/x', [{ status: 503, body: 'down' }]);
    const { session, clock } = virtualSession({ jitter: 'none' });
    const response = await session.get(`${server.url}/x`);
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('down');
    expect(hits('/x')).toBe(11);
    expect(clock.now()).toBeCloseTo(192.2, 6);
    expect(retryInfo(response)?.reason).toBe('retries');
  });

  it('404 forever: 9 attempts; 404 then 200: 200 after 2', async () => {
    server.route('/gone', [{ status: 404 }]);
    server.route('/soon', [{ status: 404 }, { status: 200, body: 'here' }]);
    const { session } = virtualSession();
    expect((await session.get(`${server.url}/gone`)).status).toBe(404);
    expect(hits('/gone')).toBe(9);
    const soon = await session.get(`${server.url}/soon`);
    expect(soon.status).toBe(200);
    expect(await soon.text()).toBe('here');
    expect(hits('/soon')).toBe(2);
  });

  it('429 forever: 46 attempts; with retryTimeout 300 and no jitter, 13 by default and 15 with the opt-in early cap', async () => {
    server.route('/busy', [{ status: 429 }]);
    const a = virtualSession();
    expect((await a.session.get(`${server.url}/busy`)).status).toBe(429);
    expect(hits('/busy')).toBe(46);
    server.route('/busy300', [{ status: 429 }]);
    const b = virtualSession({ jitter: 'none', retryTimeout: 300 });
    const response = await b.session.get(`${server.url}/busy300`);
    expect(hits('/busy300')).toBe(13);
    expect(retryInfo(response)?.reason).toBe('retryTimeout');
    server.route('/early300', [{ status: 429 }]);
    const c = virtualSession({ jitter: 'none', retryTimeout: 300, earlyCap: { 429: [12, 30] } });
    const early = await c.session.get(`${server.url}/early300`);
    // 0.2 + … + 25.6, 4 × 30, 90, 90: the 13th and 14th retries start at 261 s and 351 s.
    expect(hits('/early300')).toBe(15);
    expect(retryInfo(early)?.reason).toBe('retryTimeout');
  });

  it('the interactive profile gives up far sooner than the non-interactive one', async () => {
    server.route('/x', [{ status: 503 }]);
    const clock = new VirtualClock();
    await interactiveSession({ clock }).get(`${server.url}/x`);
    const interactive = hits('/x');
    await nonInteractiveSession({ clock }).get(`${server.url}/x`);
    expect(interactive).toBe(4);
    expect(hits('/x') - interactive).toBe(11);
  });

  it('never shares counters or jitter cursors between concurrent requests of one session', async () => {
    server.route('/a', [{ status: 503 }]);
    server.route('/b', [{ status: 503 }]);
    const { session, events } = virtualSession({ jitter: 'none' });
    const [a, b] = await Promise.all([
      session.get(`${server.url}/a`),
      session.get(`${server.url}/b`),
    ]);
    expect([a.status, b.status, hits('/a'), hits('/b')]).toEqual([503, 503, 11, 11]);
    const delays = (path: string) =>
      events.filter((e) => e.description.endsWith(path)).map((e) => [e.retry, e.delay]);
    const schedule = [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90].map((d, i) => [i + 1, d]);
    expect(delays('/a')).toEqual(schedule);
    expect(delays('/b')).toEqual(schedule);
  });

  it('does not retry a 400 or a 501', async () => {
    server.route('/bad', [{ status: 400 }]);
    server.route('/nope', [{ status: 501 }]);
    const { session } = virtualSession();
    expect((await session.get(`${server.url}/bad`)).status).toBe(400);
    expect((await session.get(`${server.url}/nope`)).status).toBe(501);
    expect(hits('/bad') + hits('/nope')).toBe(2);
  });
});

describe('Retry-After', () => {
  it('waits the seconds a 429 asks for, never less, plus a spread of at most as much again', async () => {
    server.route('/x', [{ status: 429, headers: { 'retry-after': '7' } }, { status: 200 }]);
    const { session, clock, events } = virtualSession();
    expect((await session.get(`${server.url}/x`)).status).toBe(200);
    expect(events[0]).toMatchObject({ source: 'retry-after', status: 429 });
    expect(events[0]!.delay).toBeGreaterThanOrEqual(7);
    expect(events[0]!.delay).toBeLessThanOrEqual(14);
    expect(clock.now()).toBe(events[0]!.delay);
  });

  it('waits the seconds a 429 asks for exactly with retryAfterSpread: false', async () => {
    server.route('/x', [{ status: 429, headers: { 'retry-after': '7' } }, { status: 200 }]);
    const clock = new VirtualClock();
    const events: RetryEvent[] = [];
    const session = new Session({
      clock,
      retryAfterSpread: false,
      onRetry: (e) => void events.push(e),
    });
    expect((await session.get(`${server.url}/x`)).status).toBe(200);
    expect(events.map((e) => e.delay)).toEqual([7]);
    expect(clock.now()).toBe(7);
  });

  it('rejects a bad retryAfterSpread at construction, naming the field', () => {
    expect(() => new Session({ retryAfterSpread: { growth: 0.5 } })).toThrow(
      /`retryAfterSpread.growth` must be a finite number >= 1, got 0.5/,
    );
  });

  it('waits at least retry-after-ms in real time, measured by the server', async () => {
    server.route('/x', [{ status: 503, headers: { 'retry-after-ms': '80' } }, { status: 200 }]);
    const session = new Session({ base: 0.001, cap: 0.001 });
    expect((await session.get(`${server.url}/x`)).status).toBe(200);
    const [first, second] = server.requests;
    expect(second!.time - first!.time).toBeGreaterThanOrEqual(80);
  });

  it('honours an HTTP-date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    server.route('/x', [{ status: 503, headers: { 'retry-after': at } }, { status: 200 }]);
    const { session, events } = virtualSession();
    await session.get(`${server.url}/x`);
    expect(events[0]!.source).toBe('retry-after');
    expect(events[0]!.delay).toBeGreaterThan(28);
    // At most 30 s, plus a spread of at most as much again above it.
    expect(events[0]!.delay).toBeLessThanOrEqual(60);
  });

  it('honours an HTTP-date exactly with retryAfterSpread: false', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    server.route('/x', [{ status: 503, headers: { 'retry-after': at } }, { status: 200 }]);
    const { session, events } = virtualSession({ retryAfterSpread: false });
    await session.get(`${server.url}/x`);
    expect(events[0]!.delay).toBeGreaterThan(28);
    expect(events[0]!.delay).toBeLessThanOrEqual(30);
  });

  it('falls back to backoff on a garbage value', async () => {
    server.route('/x', [
      { status: 503, headers: { 'retry-after': 'soon, maybe' } },
      { status: 200 },
    ]);
    const { session, events } = virtualSession();
    await session.get(`${server.url}/x`);
    expect(events[0]!.source).toBe('backoff');
  });

  it('returns at once when Retry-After lies beyond the retryTimeout, saying when a retry is allowed', async () => {
    server.route('/x', [{ status: 429, headers: { 'retry-after': '7200' } }]);
    const { session, clock } = virtualSession();
    const response = await session.get(`${server.url}/x`);
    expect(response.status).toBe(429);
    expect(hits('/x')).toBe(1);
    expect(clock.now()).toBe(0);
    expect(retryInfo(response)).toMatchObject({ reason: 'retryAfter', retryAfter: 7200 });
  });
});

describe('methods', () => {
  it('POST 500: one attempt; POST 429: retried; POST 500 with Idempotency-Key: retried', async () => {
    server.route('/p500', [{ status: 500 }]);
    server.route('/p429', [{ status: 429 }, { status: 201 }]);
    server.route('/pkey', [{ status: 500 }, { status: 201 }]);
    const { session } = virtualSession();
    expect((await session.post(`${server.url}/p500`, { body: 'a' })).status).toBe(500);
    expect((await session.post(`${server.url}/p429`, { body: 'b' })).status).toBe(201);
    const keyed = await session.post(`${server.url}/pkey`, {
      body: 'c',
      headers: { 'Idempotency-Key': 'k-1' },
    });
    expect(keyed.status).toBe(201);
    expect([hits('/p500'), hits('/p429'), hits('/pkey')]).toEqual([1, 2, 2]);
    expect(server.requests.filter((r) => r.path === '/pkey').map((r) => r.body.toString())).toEqual(
      ['c', 'c'],
    );
  });

  it('PATCH after a reset before headers is not resent; GET is', async () => {
    server.route('/x', [{ reset: 'before-headers' }, { status: 200 }]);
    const { session } = virtualSession();
    await expect(session.patch(`${server.url}/x`, { body: 'p' })).rejects.toBeInstanceOf(
      RetryError,
    );
    expect(hits('/x')).toBe(1);
    server.route('/x', [{ reset: 'before-headers' }, { status: 200 }]);
    expect((await session.get(`${server.url}/x`)).status).toBe(200);
  });

  it('POST to a refused port is retried (the server never saw it) and ends in a RetryError', async () => {
    const { session, events } = virtualSession({ retries: 2 });
    const error = await session.post(await refusedUrl(), { body: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect(error.attempts).toHaveLength(3);
    expect(error.attempts[0].error.code).toBe('ECONNREFUSED');
    expect(events).toHaveLength(2);
    expect(error.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/ failed after 3 attempts in [\d.]+ s: ECONNREFUSED/,
    );
  });
});

describe('network faults and timeouts', () => {
  it('retries a connection closed or reset before the headers', async () => {
    server.route('/x', [
      { close: 'before-headers' },
      { reset: 'before-headers' },
      { status: 200, body: 'ok' },
    ]);
    const { session, events } = virtualSession();
    const response = await session.get(`${server.url}/x`);
    expect(await response.text()).toBe('ok');
    expect(events.map((e) => e.error?.code)).toEqual(['UND_ERR_SOCKET', 'ECONNRESET']);
  });

  it('times out an attempt that never answers after requestTimeout, then retries it', async () => {
    server.route('/x', [{ hang: true }, { status: 200 }]);
    const { session, events } = virtualSession({ requestTimeout: 0.1 });
    expect((await session.get(`${server.url}/x`)).status).toBe(200);
    expect(events[0]!.error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
  });

  it('does not cut a slow body with requestTimeout: it covers the headers only', async () => {
    server.route('/x', [{ slowBody: { bytes: 3000, chunks: 6, intervalMs: 40 } }]);
    const session = new Session({ requestTimeout: 0.05 });
    const response = await session.get(`${server.url}/x`);
    expect((await response.arrayBuffer()).byteLength).toBe(3000);
    expect(hits('/x')).toBe(1);
  });

  it('aborting during a backoff sleep rejects at once with the reason; no later attempt, no timer left', async () => {
    server.route('/x', [{ status: 503 }]);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timers();
    const controller = new AbortController();
    const session = new Session({
      base: 30,
      cap: 30,
      onRetry: () => void setImmediate(() => controller.abort(new Error('user left'))),
    });
    const started = performance.now();
    await expect(session.get(`${server.url}/x`, { signal: controller.signal })).rejects.toThrow(
      'user left',
    );
    expect(performance.now() - started).toBeLessThan(5000); // the 30 s sleep was cut short
    expect(hits('/x')).toBe(1);
    expect(timers()).toBe(baseline);
  });
});

describe('aborts and the per-attempt timeout', () => {
  it('aborting while an attempt waits for its headers rejects at once with the reason; no attempt starts after it', async () => {
    server.route('/x', [{ hang: true }, { status: 200 }]);
    const controller = new AbortController();
    const { session, clock } = virtualSession();
    const call = session.get(`${server.url}/x`, { signal: controller.signal });
    while (hits('/x') === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('user left'));
    await expect(call).rejects.toThrow('user left');
    await clock.runAll();
    expect(hits('/x')).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('keeps requestTimeout in real time under a VirtualClock: headers 50 ms late are waited for', async () => {
    server.route('/x', [{ slowHeaders: 50, reply: { status: 200, body: 'late' } }]);
    const { session, clock, events } = virtualSession({ requestTimeout: 5 });
    const response = await session.get(`${server.url}/x`);
    expect([response.status, await response.text()]).toEqual([200, 'late']);
    expect([hits('/x'), events.length, clock.now()]).toEqual([1, 0, 0]);
  });
});

describe('the caller signal after the headers', () => {
  it('still cancels a streaming body, and leaves no listener on a shared signal', async () => {
    server.route('/slow', [{ slowBody: { bytes: 4000, chunks: 8, intervalMs: 50 } }]);
    server.route('/fast', [{ status: 200, body: 'ok' }]);
    const shared = new AbortController();
    const session = new Session({ requestTimeout: 5 });
    for (let i = 0; i < 20; i++)
      await (await session.get(`${server.url}/fast`, { signal: shared.signal })).text();
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const response = await session.get(`${server.url}/slow`, { signal: shared.signal });
    const reading = response.arrayBuffer();
    shared.abort(new Error('user left'));
    await expect(reading).rejects.toThrow('user left');
  });
});

describe('bodies and sockets', () => {
  it('reuses keep-alive sockets across 100 retried 503s with 20 KiB bodies', async () => {
    server.route('/x', (_req, n) =>
      n % 2 === 0 ? { status: 503, bodyBytes: 20 * 1024 } : { status: 200 },
    );
    const session = new Session({ base: 0.0001, cap: 0.0001 });
    for (let i = 0; i < 100; i++) expect((await session.get(`${server.url}/x`)).status).toBe(200);
    expect(hits('/x')).toBe(200);
    expect(server.sockets).toBeLessThanOrEqual(3);
  });

  it('sends a stream body once, and replays a body factory', async () => {
    server.route('/s', [{ status: 503 }, { status: 200 }]);
    const { session } = virtualSession();
    const stream = new Blob(['streamed']).stream();
    const once = await session.put(`${server.url}/s`, { body: stream, duplex: 'half' } as never);
    expect(once.status).toBe(503);
    expect(hits('/s')).toBe(1);
    server.route('/f', [{ status: 503 }, { status: 200 }]);
    const replayed = await session.put(`${server.url}/f`, {
      body: () => new Blob(['fresh']).stream(),
      duplex: 'half',
    } as never);
    expect(replayed.status).toBe(200);
    expect(server.requests.filter((r) => r.path === '/f').map((r) => r.body.toString())).toEqual([
      'fresh',
      'fresh',
    ]);
  });

  it('cancels a failed body that is large or slow before the retry instead of reading it to its end', async () => {
    // Read to their end, these bodies would take 1,000 s and 100 s to arrive.
    server.route('/large', [
      { status: 503, slowBody: { bytes: 10 * 1024 * 1024, chunks: 1000, intervalMs: 1000 } },
      { status: 200, body: 'ok' },
    ]);
    server.route('/slow', [
      { status: 503, slowBody: { bytes: 1000, chunks: 100, intervalMs: 1000 } },
      { status: 200, body: 'ok' },
    ]);
    const { session, events } = virtualSession();
    for (const path of ['/large', '/slow']) {
      const response = await session.get(`${server.url}${path}`);
      expect([path, response.status, await response.text()]).toEqual([path, 200, 'ok']);
    }
    expect(events.map((e) => e.status)).toEqual([503, 503]);
    expect([hits('/large'), hits('/slow')]).toEqual([2, 2]);
  });

  it('resends string, bytes, URLSearchParams, FormData and Blob bodies, the same each time', async () => {
    const form = new FormData();
    form.append('field', 'value');
    const bodies: Array<[string, NonNullable<RequestInit['body']>]> = [
      ['string', 'text body'],
      ['bytes', new TextEncoder().encode('byte body')],
      ['params', new URLSearchParams({ a: '1', b: '2' })],
      ['form', form],
      ['blob', new Blob(['blob body'])],
    ];
    const { session } = virtualSession();
    for (const [name, body] of bodies) {
      server.route(`/${name}`, [{ status: 503 }, { status: 201 }]);
      const response = await session.post(`${server.url}/${name}`, {
        body,
        headers: { 'Idempotency-Key': `key-${name}` },
      });
      expect([name, response.status]).toEqual([name, 201]);
      // FormData is encoded afresh for each attempt, with a boundary of its own.
      const sent = server.requests
        .filter((r) => r.path === `/${name}`)
        .map((r) => {
          const boundary = /boundary=(.+)$/.exec(r.headers['content-type'] ?? '')?.[1];
          const text = r.body.toString('latin1');
          return boundary ? text.replaceAll(boundary, '<boundary>') : text;
        });
      expect(sent).toHaveLength(2);
      expect(sent[0], name).toMatch(/body|a=1&b=2|value/);
      expect(sent[1], name).toBe(sent[0]);
    }
  });

  it('keeps Authorization and custom secrets on a same-origin redirect and drops them cross-origin', async () => {
    const other = await startFaultServer();
    try {
      other.route('/landing', [{ status: 200 }]);
      server.route('/same', [{ redirect: '/final' }]);
      server.route('/final', [{ status: 200 }]);
      server.route('/away', [{ redirect: `${other.url}/landing`, status: 307 }]);
      const session = new Session({
        headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y' },
        sensitiveHeaders: ['X-API-Key'],
      });
      await session.get(`${server.url}/same`);
      const final = server.requests.find((r) => r.path === '/final')!;
      expect(final.headers.authorization).toBe('Bearer s3cret');
      expect(final.headers['x-api-key']).toBe('k3y');
      const response = await session.get(`${server.url}/away`);
      expect(response.status).toBe(200);
      const landed = other.requests[0]!;
      expect(landed.headers.authorization).toBeUndefined();
      expect(landed.headers['x-api-key']).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('turns a POST into a GET on 303 and keeps POST on 307', async () => {
    server.route('/a', [{ redirect: '/b', status: 303 }]);
    server.route('/c', [{ redirect: '/b', status: 307 }]);
    server.route('/b', [{ status: 200 }]);
    const session = new Session();
    await session.post(`${server.url}/a`, { body: 'x' });
    await session.post(`${server.url}/c`, { body: 'y' });
    const b = server.requests.filter((r) => r.path === '/b');
    expect(b.map((r) => [r.method, r.body.toString()])).toEqual([
      ['GET', ''],
      ['POST', 'y'],
    ]);
  });
});

describe('session.fetch is a fetch', () => {
  it('works detached from its session, with the signature of the global fetch', async () => {
    server.route('/x', [{ status: 503 }, { status: 200, body: 'ok' }]);
    const { session } = virtualSession({ headers: { 'x-team': 'orion' } });
    const detached: typeof fetch = session.fetch;
    const response = await detached(`${server.url}/x`, { method: 'GET' });
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
    expect(hits('/x')).toBe(2);
    expect(server.requests[1]!.headers['x-team']).toBe('orion');
    const { fetch: destructured } = session;
    expect((await destructured(new Request(`${server.url}/x`))).status).toBe(200);
    expect(session.fetch).toBe(destructured);
    expect(Object.hasOwn(session, 'fetch')).toBe(true);
  });

  it('takes the per-call options through the detached function', async () => {
    server.route('/x', [{ status: 503 }]);
    const { session } = virtualSession();
    const detached = session.fetch;
    expect((await detached(`${server.url}/x`, { retry: { retries: 1 } })).status).toBe(503);
    expect(hits('/x')).toBe(2);
  });
});

describe('Session options', () => {
  it('resolves relative URLs against baseUrl and sends session headers', async () => {
    server.route('/api/v1/jobs', [{ status: 200 }]);
    const session = new Session({
      baseUrl: `${server.url}/api/v1/`,
      headers: { 'x-team': 'orion' },
    });
    await session.get('jobs', { headers: { 'x-call': '1' } });
    expect(server.requests[0]!.headers).toMatchObject({ 'x-team': 'orion', 'x-call': '1' });
  });

  it('takes per-call overrides: retry fields, retry: false, and a per-attempt timeout', async () => {
    server.route('/a', [{ status: 503 }]);
    server.route('/b', [{ status: 503 }]);
    server.route('/c', [{ hang: true }, { status: 200 }]);
    const { session } = virtualSession();
    await session.get(`${server.url}/a`, { retry: { retries: 1 } });
    await session.get(`${server.url}/b`, { retry: false });
    expect([hits('/a'), hits('/b')]).toEqual([2, 1]);
    expect((await session.get(`${server.url}/c`, { timeout: 0.05 })).status).toBe(200);
    await expect(session.get(`${server.url}/a`, { retry: { retries: -2 } })).rejects.toThrow(
      /`retries`/,
    );
    await expect(session.get(`${server.url}/a`, { timeout: -1 })).rejects.toThrow(/`timeout`/);
  });

  it('rejects a per-call `retry` that is neither an options object nor false, naming it', async () => {
    server.route('/x', [{ status: 200 }]);
    const session = new Session();
    for (const retry of ['yes', true, 5, null, [1]]) {
      const error = await session
        .get(`${server.url}/x`, { retry: retry as never })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/^`retry` must be an options object or false, got /);
    }
    expect((await session.get(`${server.url}/x`, { retry: {} })).status).toBe(200);
    expect(hits('/x')).toBe(1);
  });

  it('points `timeout` to `requestTimeout` (in seconds) and `maxRetries` to `retries`', () => {
    expect(() => new Session({ timeout: 5000 } as never)).toThrow(
      /^Unknown option `timeout` in Session options; did you mean `requestTimeout` \(seconds per attempt/,
    );
    expect(() => new Session({ maxRetries: 3 } as never)).toThrow(
      /^Unknown option `maxRetries` in Session options; did you mean `retries`\?/,
    );
  });

  it('get, head, post, put, patch and delete each send their own method', async () => {
    server.route('/m', [{ status: 200 }]);
    const session = new Session();
    const url = `${server.url}/m`;
    for (const call of [
      () => session.get(url),
      () => session.head(url),
      () => session.post(url, { body: 'b' }),
      () => session.put(url, { body: 'b' }),
      () => session.patch(url, { body: 'b' }),
      () => session.delete(url),
    ]) {
      await (await call()).arrayBuffer();
    }
    expect(server.requests.map((r) => r.method)).toEqual([
      'GET',
      'HEAD',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
    ]);
  });

  it('a method shortcut sends its own method whatever the call options say', async () => {
    server.route('/m', [{ status: 200 }]);
    const session = new Session();
    const url = `${server.url}/m`;
    await (await session.get(url, { method: 'POST' })).arrayBuffer();
    await (await session.post(url, { method: 'GET', body: 'b' })).arrayBuffer();
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  it('rejects bad input through the promise it returns, never by throwing', async () => {
    const session = new Session();
    const calls = [
      () => session.get('not a url'),
      () => session.fetch('http://user:pw@127.0.0.1/'),
      () => session.get(`${server.url}/x`, { headers: { 'bad name': 'v' } }),
      () => session.get(`${server.url}/x`, { retry: 5 as never }),
      () =>
        session.post(new Request(`${server.url}/x`, { method: 'POST', body: 'b' }) as never, {
          timeout: -1,
        }),
    ];
    for (const call of calls) {
      let pending: Promise<Response> | undefined;
      expect(() => {
        pending = call();
      }).not.toThrow();
      await expect(pending).rejects.toBeInstanceOf(Error);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('reads no header of an answer that is not a redirect, and returns a 302 without Location as it is', async () => {
    server.route('/plain', [{ status: 200 }]);
    server.route('/bare', [{ status: 302 }]);
    const reads: string[] = [];
    const counting = (async (input: string, init?: RequestInit) => {
      const response = await fetch(input, init);
      const headers = response.headers;
      const get = headers.get.bind(headers);
      Object.defineProperty(headers, 'get', {
        value: (name: string) => {
          reads.push(name.toLowerCase());
          return get(name);
        },
      });
      return response;
    }) as typeof fetch;
    const session = new Session({ fetch: counting });
    await (await session.get(`${server.url}/plain`)).arrayBuffer();
    expect(reads).toEqual([]);
    const bare = await session.get(`${server.url}/bare`);
    await bare.arrayBuffer();
    expect(bare.status).toBe(302);
    expect(reads).toEqual(['location']);
  });

  it("runs a call's own onRetry after the session's, for that call only", async () => {
    server.route('/a', [{ status: 503 }, { status: 200 }]);
    server.route('/b', [{ status: 503 }, { status: 200 }]);
    const order: string[] = [];
    const session = new Session({
      clock: new VirtualClock(),
      onRetry: (e) => void order.push(`session ${e.description.slice(-2)}`),
    });
    await session.get(`${server.url}/a`, {
      onRetry: async (e) => {
        await Promise.resolve();
        order.push(`call ${e.description.slice(-2)}`);
      },
    });
    await session.get(`${server.url}/b`);
    expect(order).toEqual(['session /a', 'call /a', 'session /b']);
  });

  it("takes retriesByStatus as a whole table: without the profile's 429 entry, a 429 is not retried", async () => {
    server.route('/gone', [{ status: 404 }]);
    server.route('/busy', [{ status: 429 }]);
    const { session } = virtualSession({ retriesByStatus: { 404: 0 } });
    expect((await session.get(`${server.url}/gone`)).status).toBe(404);
    expect((await session.get(`${server.url}/busy`)).status).toBe(429);
    expect([hits('/gone'), hits('/busy')]).toEqual([1, 1]);
    const kept = virtualSession({ retriesByStatus: { 404: 0, 429: 45 } });
    expect((await kept.session.get(`${server.url}/busy`)).status).toBe(429);
    expect(hits('/busy')).toBe(1 + 46);
  });

  it('rejects bad options naming them', () => {
    expect(() => new Session({ retries: -1 })).toThrow(/`retries`/);
    expect(() => new Session({ profile: 'batch' as never })).toThrow(/`profile`/);
    expect(() => new Session({ baseUrl: 'not a url' })).toThrow(/`baseUrl`/);
    expect(() => new Session({ fetch: 'x' as never })).toThrow(/`fetch`/);
    expect(() => new Session({ retrys: 1 } as never)).toThrow(/did you mean `retries`/);
  });
});
