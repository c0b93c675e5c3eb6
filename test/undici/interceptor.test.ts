/**
 * The undici interceptor applies a `Session`'s policy: budgets, profiles, the
 * `retryTimeout` rule, `Retry-After`, `POST` safety, the per-attempt timeout, hooks, the
 * diagnostics channel, a coordinator, and the history on `data.context`. Against the real
 * fault server, with backoff sleeps in virtual time.
 */
import { channel } from 'node:diagnostics_channel';
import { type Dispatcher, request } from 'undici';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type {
  CoordinatedRequest,
  RetryCoordinator,
  RetryEvent,
  Verdict,
} from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { retry } from '../../src/undici/index.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';
import { closeAll, intercepted } from './helpers.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await closeAll();
  await server.close();
});

const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

describe('budgets and profiles', () => {
  it('503 forever: 11 attempts in 192.2 s of virtual time, the last 503 handed on with its body', async () => {
    server.route('/x', [{ status: 503, body: 'down' }]);
    const { dispatcher, clock } = intercepted({ jitter: 'none' });
    const data = await request(`${server.url}/x`, { dispatcher });
    expect(data.statusCode).toBe(503);
    expect(await data.body.text()).toBe('down');
    expect(hits('/x')).toBe(11);
    expect(clock.now()).toBeCloseTo(192.2, 6);
    expect(retryInfo(data.context)?.reason).toBe('retries');
    expect(retryInfo(data.context)?.attempts.map((a) => a.status)).toEqual(Array(11).fill(503));
  });

  it('the interactive profile: 4 attempts at a 503; a 404 gets 9 (non-interactive) and 3 (interactive)', async () => {
    server.route('/x', [{ status: 503 }]);
    server.route('/gone', [{ status: 404 }]);
    const interactive = intercepted({ profile: 'interactive' });
    await (await request(`${server.url}/x`, { dispatcher: interactive.dispatcher })).body.dump();
    expect(hits('/x')).toBe(4);
    await (await request(`${server.url}/gone`, { dispatcher: interactive.dispatcher })).body.dump();
    expect(hits('/gone')).toBe(3);
    const batch = intercepted();
    await (await request(`${server.url}/gone`, { dispatcher: batch.dispatcher })).body.dump();
    expect(hits('/gone')).toBe(3 + 9);
  });

  it('429 with retryTimeout 300 and no jitter: 13 attempts, the last one started past 300 s (the original rule)', async () => {
    server.route('/busy', [{ status: 429 }]);
    const { dispatcher, clock } = intercepted({ jitter: 'none', retryTimeout: 300 });
    const data = await request(`${server.url}/busy`, { dispatcher });
    await data.body.dump();
    expect(hits('/busy')).toBe(13);
    expect(retryInfo(data.context)?.reason).toBe('retryTimeout');
    expect(clock.now()).toBeGreaterThan(300);
  });

  it('a 429 spends its own budget and a 503 the transient one', async () => {
    server.route('/mix', [{ status: 429 }, { status: 503 }, { status: 429 }, { status: 200 }]);
    const { dispatcher, events } = intercepted();
    const data = await request(`${server.url}/mix`, { dispatcher });
    await data.body.dump();
    expect(data.statusCode).toBe(200);
    expect(events.map((e) => [e.status, e.retry, e.limit])).toEqual([
      [429, 1, 45],
      [503, 1, 10],
      [429, 2, 45],
    ]);
  });
});

describe('Retry-After', () => {
  it('is a minimum, with the spread above it; retryAfterSpread: false waits it exactly', async () => {
    server.route('/a', [{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    server.route('/b', [{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }]);
    const spread = intercepted();
    await (await request(`${server.url}/a`, { dispatcher: spread.dispatcher })).body.dump();
    const [first] = spread.events;
    expect(first?.source).toBe('retry-after');
    expect(first?.delay).toBeGreaterThanOrEqual(2);
    expect(first?.delay).toBeLessThanOrEqual(4);
    const exact = intercepted({ retryAfterSpread: false });
    await (await request(`${server.url}/b`, { dispatcher: exact.dispatcher })).body.dump();
    expect(exact.events.map((e) => e.delay)).toEqual([2]);
  });

  it('beyond the budget ends the retries at once, with the 429 handed on', async () => {
    server.route('/far', [{ status: 429, headers: { 'retry-after': '7200' } }]);
    const { dispatcher, clock } = intercepted();
    const data = await request(`${server.url}/far`, { dispatcher });
    await data.body.dump();
    expect(data.statusCode).toBe(429);
    expect(hits('/far')).toBe(1);
    expect(clock.now()).toBe(0);
    expect(retryInfo(data.context)).toMatchObject({ reason: 'retryAfter', retryAfter: 7200 });
  });
});

describe('POST and PATCH', () => {
  it('a bare POST is sent once after a 503, resent after a 429, and resent with an Idempotency-Key', async () => {
    server.route('/once', [{ status: 503 }, { status: 200 }]);
    server.route('/busy', [{ status: 429 }, { status: 200 }]);
    server.route('/keyed', [{ status: 503 }, { status: 200 }]);
    const { dispatcher } = intercepted();
    const post = (path: string, headers: Record<string, string> = {}) =>
      request(`${server.url}${path}`, { dispatcher, method: 'POST', body: 'order', headers });
    expect((await post('/once')).statusCode).toBe(503);
    expect((await post('/busy')).statusCode).toBe(200);
    expect((await post('/keyed', { 'Idempotency-Key': 'k-1' })).statusCode).toBe(200);
    expect([hits('/once'), hits('/busy'), hits('/keyed')]).toEqual([1, 2, 2]);
    const bodies = server.requests.filter((r) => r.path === '/keyed').map((r) => String(r.body));
    expect(bodies).toEqual(['order', 'order']);
  });

  it('a PATCH after a reset is not resent; after a refused connection it is', async () => {
    server.route('/reset', [{ reset: 'before-headers' }]);
    const { dispatcher } = intercepted();
    const reset = request(`${server.url}/reset`, { dispatcher, method: 'PATCH', body: 'x' });
    await expect(reset).rejects.toMatchObject({ name: 'RetryError', reason: 'notRetryable' });
    expect(hits('/reset')).toBe(1);
    const refused = request(`${await refusedUrl()}/p`, { dispatcher, method: 'PATCH', body: 'x' });
    const error = await refused.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect((error as RetryError).attempts).toHaveLength(11);
    expect((error as RetryError).attempts[0]?.error?.code).toBe('ECONNREFUSED');
  });
});

describe('the per-attempt timeout', () => {
  it('covers the wait for the headers: a hanging server is given up on and retried', async () => {
    server.route('/hang', [{ hang: true }, { status: 200, body: 'late' }]);
    const { dispatcher, events } = intercepted({ requestTimeout: 0.05 });
    const data = await request(`${server.url}/hang`, { dispatcher });
    expect(await data.body.text()).toBe('late');
    expect(events[0]?.error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
  });

  it('times out each of many attempts at once on its own, the answered ones untouched', async () => {
    const paths = Array.from({ length: 8 }, (_, i) => `/hang${i}`);
    for (const path of paths) server.route(path, [{ hang: true }, { status: 200, body: path }]);
    server.route('/fast', [{ status: 200, body: 'fast' }]);
    const { dispatcher, events } = intercepted({ requestTimeout: 0.05 });
    const texts = await Promise.all(
      [...paths, '/fast', '/fast'].map(async (path) => {
        const data = await request(`${server.url}${path}`, { dispatcher });
        return data.body.text();
      }),
    );
    expect(texts).toEqual([...paths, 'fast', 'fast']);
    expect(events.map((e) => e.error?.name)).toEqual(paths.map(() => 'TimeoutError'));
    expect(hits('/fast')).toBe(2);
  });

  it('holds the process open with no timer once the response is in', async () => {
    server.route('/x', [{ status: 200, body: 'ok' }]);
    const { dispatcher } = intercepted({ requestTimeout: 30 });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const data = await request(`${server.url}/x`, { dispatcher });
    expect(timers()).toBe(before);
    expect(await data.body.text()).toBe('ok');
  });

  it('does not cover the body: a body slower than requestTimeout is read to its end', async () => {
    server.route('/slow', [{ slowBody: { bytes: 3000, chunks: 3, intervalMs: 40 } }]);
    const { dispatcher } = intercepted({ requestTimeout: 0.05 });
    const data = await request(`${server.url}/slow`, { dispatcher });
    expect((await data.body.arrayBuffer()).byteLength).toBe(3000);
    expect(hits('/slow')).toBe(1);
  });
});

describe('what the interceptor tells', () => {
  it('onRetry and the orionclient:retry channel get the same events, without the query', async () => {
    server.route('/x', [{ status: 503 }, { status: 502 }, { status: 200 }]);
    const published: RetryEvent[] = [];
    const listener = (message: unknown) => void published.push(message as RetryEvent);
    channel('orionclient:retry').subscribe(listener);
    try {
      const { dispatcher, events } = intercepted();
      await (await request(`${server.url}/x?token=secret`, { dispatcher })).body.dump();
      expect(events.map((e) => e.status)).toEqual([503, 502]);
      expect(published).toEqual(events);
      expect(events[0]?.description).toBe(`GET ${server.url}/x?…`);
    } finally {
      channel('orionclient:retry').unsubscribe(listener);
    }
  });

  it('undici.request resolves with the history on data.context; a request never answered rejects with RetryError', async () => {
    server.route('/x', [{ status: 500 }, { status: 200, body: 'ok' }]);
    const { dispatcher } = intercepted({ jitter: 'none' });
    const data = await request(`${server.url}/x`, { dispatcher });
    const info = retryInfo(data.context);
    expect(info?.attempts.map((a) => [a.attempt, a.status, a.delay, a.source])).toEqual([
      [1, 500, 0.2, 'backoff'],
      [2, 200, undefined, undefined],
    ]);
    expect(info?.reason).toBeUndefined();
    await data.body.dump();
    server.route('/closed', [{ close: 'before-headers' }]);
    const failed = await request(`${server.url}/closed`, { dispatcher }).catch((e) => e);
    expect(failed).toBeInstanceOf(RetryError);
    expect(failed.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/closed failed after 11 attempts/,
    );
  });
});

describe('a coordinator', () => {
  /** A RetryCoordinator that records what it is asked, and has a budget of `budget` retries. */
  function recorder(budget: number) {
    const calls: string[] = [];
    let left = budget;
    const coordinator: RetryCoordinator = {
      acquire(_signal?: AbortSignal, r?: CoordinatedRequest) {
        calls.push(`acquire ${r?.url?.pathname}`);
      },
      record(verdict: Verdict, attempt: number) {
        calls.push(`record ${attempt} ${verdict.status}`);
      },
      spendRetry() {
        calls.push('spend');
        return left-- > 0;
      },
    };
    return { coordinator, calls };
  }

  it('is asked before every attempt, told every outcome, and its retry budget ends the retries', async () => {
    server.route('/c', [{ status: 503 }]);
    const { coordinator, calls } = recorder(2);
    const { dispatcher } = intercepted({ coordinator });
    const data = await request(`${server.url}/c`, { dispatcher });
    await data.body.dump();
    expect(hits('/c')).toBe(3);
    expect(retryInfo(data.context)?.reason).toBe('budget');
    expect(calls).toEqual([
      'acquire /c',
      'record 1 503',
      'spend',
      'acquire /c',
      'record 2 503',
      'spend',
      'acquire /c',
      'record 3 503',
      'spend',
    ]);
  });
});

describe('its type', () => {
  // Checked by the typecheck: undici 8 declares `onBodySent(chunk)`, undici 7
  // `onBodySent(chunkSize, totalBytesSent)`, and `compose()` of either takes the interceptor.
  it("composes with an undici whose handler type differs from this project's undici 7", () => {
    type Handler8 = Omit<Dispatcher.DispatchHandler, 'onBodySent'> & {
      onBodySent?(chunk: Buffer): void;
    };
    type Dispatch8 = (options: Dispatcher.DispatchOptions, handler: Handler8) => boolean;
    expectTypeOf(retry()).toExtend<(dispatch: Dispatch8) => Dispatch8>();
    expectTypeOf(retry()).toExtend<Dispatcher.DispatcherComposeInterceptor>();
  });
});

describe('options', () => {
  it('are checked when the interceptor is made, naming the option', () => {
    expect(() => retry({ maxRetries: 3 } as never)).toThrow(/`maxRetries`.*did you mean `retries`/);
    expect(() => retry({ maxRedirections: 3 } as never)).toThrow(/did you mean `maxRedirects`/);
    expect(() => retry({ retries: -1 })).toThrow(RangeError);
    expect(() => retry({ maxRedirects: 1.5 })).toThrow(/`maxRedirects`/);
    expect(() => retry({ coordinator: {} as never })).toThrow(
      /`coordinator` must be a RetryCoordinator/,
    );
    expect(() => retry({ sensitiveHeaders: ['bad header'] })).toThrow(/`sensitiveHeaders`/);
    expect(() => retry({ profile: 'fast' as never })).toThrow(/`profile` must be one of/);
  });

  it("a dispatch's own maxRedirections is checked, and wins over the interceptor's", async () => {
    server.route('/from', [{ redirect: '/to' }]);
    server.route('/to', [{ status: 200, body: 'here' }]);
    const { dispatcher } = intercepted({ maxRedirects: 5 });
    const followed = await request(`${server.url}/from`, { dispatcher });
    expect(await followed.body.text()).toBe('here');
    const handedBack = await request(`${server.url}/from`, {
      dispatcher,
      maxRedirections: 0,
    } as never);
    await handedBack.body.dump();
    expect(handedBack.statusCode).toBe(302);
    await expect(
      request(`${server.url}/from`, { dispatcher, maxRedirections: -1 } as never),
    ).rejects.toThrow(/`maxRedirections` must be/);
  });
});
