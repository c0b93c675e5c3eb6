import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import { Session } from '../../src/http/session.js';
import { RetryError } from '../../src/retry/errors.js';
import { retry } from '../../src/retry/retry.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { ok, throttled, unavailable } from '../support/fleet.js';

// Bounds on what one response can do to every request that shares a Coordinator.

let a: FaultServer;
let b: FaultServer;
beforeEach(async () => {
  [a, b] = await Promise.all([startFaultServer(), startFaultServer()]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

const hits = (server: FaultServer, path: string) =>
  server.requests.filter((r) => r.path === path).length;

describe('a Retry-After the receiving request will not wait for', () => {
  it('429 Retry-After: 21600 to an interactive session holds nothing, on that host or another', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock });
    a.route('/limited', [{ status: 429, headers: { 'retry-after': '21600' } }]);
    a.route('/fine', [{ status: 200, body: 'ok' }]);
    b.route('/fine', [{ status: 200, body: 'ok' }]);
    const session = new Session({ profile: 'interactive', coordinator, clock });
    const limited = await session.get(`${a.url}/limited`);
    expect(limited.status).toBe(429);
    expect(retryInfo(limited)).toMatchObject({ reason: 'retryAfter', retryAfter: 21600 });
    expect(coordinator.state(a.url).until).toBe(Number.NEGATIVE_INFINITY);
    const [sameHost, otherHost] = await Promise.all([
      session.get(`${a.url}/fine`),
      session.get(`${b.url}/fine`),
    ]);
    expect([sameHost.status, otherHost.status]).toEqual([200, 200]);
    expect([hits(a, '/fine'), hits(b, '/fine')]).toEqual([1, 1]);
    expect(clock.now()).toBe(0);
  });

  it('503 with Retry-After in the year 9999 holds nothing for a non-interactive session either', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock });
    a.route('/down', [
      { status: 503, headers: { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' } },
    ]);
    a.route('/fine', [{ status: 200 }]);
    const session = new Session({ coordinator, clock });
    const down = await session.get(`${a.url}/down`);
    expect(retryInfo(down)?.reason).toBe('retryAfter');
    expect(coordinator.state(a.url).until).toBe(Number.NEGATIVE_INFINITY);
    expect((await session.get(`${a.url}/fine`)).status).toBe(200);
    expect(clock.now()).toBe(0);
  });
});

describe('shared holds are bounded', () => {
  it('a long Retry-After holds the others for at most maxHold (300 s by default)', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false });
    coordinator.record(throttled(1000), 1, { url: new URL(a.url) });
    expect(coordinator.state(a.url).until).toBe(300);
    const short = new Coordinator({ clock, rateLimit: false, retryAfter: { maxHold: 20 } });
    short.record(throttled(1000), 1);
    expect(short.state().until).toBe(20);
    expect(() => new Coordinator({ retryAfter: { maxHold: -1 } })).toThrow(
      new RangeError('`retryAfter.maxHold` must be a finite number >= 0 and <= 86400, got -1'),
    );
  });

  it('a first attempt that cannot start within its own limits ends at once, sending nothing', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false });
    a.route('/x', [{ status: 200 }]);
    coordinator.record(throttled(200), 1, { url: new URL(a.url) });
    const interactive = new Session({ profile: 'interactive', coordinator, clock });
    const error = await interactive.get(`${a.url}/x`).catch((e) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toMatchObject({ reason: 'retryAfter', retryAfter: 200, attempts: [] });
    expect(error.message).toMatch(/failed after 0 attempts .*Retry-After beyond the budget/);
    expect(hits(a, '/x')).toBe(0);
    expect(clock.now()).toBe(0);
    // A request that may wait that long waits it out.
    const batch = new Session({ coordinator, clock });
    expect((await batch.get(`${a.url}/x`)).status).toBe(200);
    expect(clock.now()).toBeGreaterThanOrEqual(200);
  });

  it('a retry that a shared hold would start too late returns the last response at once', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false, budget: false });
    const request = { url: new URL(a.url) };
    // While the first attempt is under way, another request receives Retry-After: 60.
    a.route('/flaky', (_, n) => {
      if (n === 0) coordinator.record(throttled(60), 1, request);
      return n === 0 ? { status: 503 } : { status: 200 };
    });
    const session = new Session({ profile: 'interactive', coordinator, clock });
    const response = await session.get(`${a.url}/flaky`);
    expect(response.status).toBe(503);
    expect(retryInfo(response)).toMatchObject({ reason: 'retryAfter', retryAfter: 60 });
    expect(hits(a, '/flaky')).toBe(1);
    expect(clock.now()).toBe(0);
  });

  it('a paced attempt whose turn would come past its deadline is refused at once', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { minRate: 0.5, growth: 1 },
    });
    coordinator.record(unavailable, 1);
    expect(coordinator.state().rate).toBe(0.5);
    const first = coordinator.acquire(undefined, { deadline: 100 });
    const second = coordinator.acquire(undefined, { deadline: 100 });
    // Slots come 2 s apart: the third would start at 4 s, past a deadline of 3 s.
    await expect(coordinator.acquire(undefined, { deadline: 3 })).rejects.toMatchObject({
      name: 'AttemptRefused',
      reason: 'retryTimeout',
    });
    await Promise.all([first, second]);
    expect(clock.now()).toBe(2);
  });

  it('a waiter still queued at its deadline leaves the queue then', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      budget: false,
      retryAfter: { whilePacing: true, spread: 0 },
      rateLimit: { growth: 1 },
    });
    for (let i = 0; i < 4; i++) coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    // At 4 a second all six would start within 5 s; then a hold of 60 s arrives.
    const waiting = Array.from({ length: 6 }, () =>
      coordinator.acquire(undefined, { deadline: 5 }),
    );
    coordinator.record(throttled(60), 2);
    const results = await Promise.allSettled(waiting);
    expect(clock.now()).toBe(5);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(5).fill('rejected')]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      name: 'AttemptRefused',
      reason: 'retryTimeout',
    });
    expect(coordinator.state().waiting).toBe(0);
  });
});

describe('state per quota', () => {
  it('a 429 storm from one origin does not slow another (each origin is a quota)', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock });
    a.route('/busy', [
      { status: 200 },
      { status: 200 },
      { status: 200 },
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200 },
    ]);
    b.route('/x', [{ status: 200 }]);
    const session = new Session({ coordinator, clock });
    for (let i = 0; i < 3; i++) await session.get(`${a.url}/busy`);
    let during: Record<string, unknown> = {};
    // While the throttled request waits out its Retry-After, five requests go to the other origin.
    const busy = await session.get(`${a.url}/busy`, {
      onRetry: async () => {
        const started = clock.now();
        const others = await Promise.all(
          Array.from({ length: 5 }, () => session.get(`${b.url}/x`)),
        );
        during = {
          statuses: others.map((r) => r.status),
          waited: clock.now() - started,
          a: coordinator.state(a.url),
          b: coordinator.state(b.url),
        };
      },
    });
    expect(busy.status).toBe(200);
    expect(during).toMatchObject({
      statuses: [200, 200, 200, 200, 200],
      waited: 0,
      a: { rate: 3, until: 30 },
      b: { rate: Number.POSITIVE_INFINITY, until: Number.NEGATIVE_INFINITY },
    });
  });

  it('the key option makes a quota span hosts', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false, key: () => 'account-1' });
    coordinator.record(throttled(5), 1, { url: new URL(a.url) });
    expect(coordinator.state(b.url).until).toBe(5);
    expect(coordinator.state().until).toBe(Number.NEGATIVE_INFINITY);
    expect(() => new Coordinator({ key: 'origin' } as never)).toThrow(
      new TypeError('`key` must be a function, got "origin" (string)'),
    );
  });
});

describe('memory and listeners', () => {
  /**
   * Runs `step` on one Coordinator at steps `tick` seconds apart, `warm` steps and then up to
   * step `to`; returns the heap bytes the second stretch left behind (each after a full GC).
   */
  function heapAfter(
    step: (coordinator: Coordinator, t: number) => void,
    tick: number,
    warm: number,
    to: number,
  ) {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let now = 0;
    const clock = { now: () => now, sleep: () => Promise.resolve(), random: Math.random };
    const coordinator = new Coordinator({ clock });
    const run = (from: number, until: number) => {
      for (let t = from; t < until; t++) {
        now = t * tick;
        step(coordinator, t);
      }
    };
    run(0, warm);
    gc();
    const before = process.memoryUsage().heapUsed;
    run(warm, to);
    gc();
    return { coordinator, grown: process.memoryUsage().heapUsed - before };
  }

  it('an hour at 1,000 requests a second leaves the heap flat', () => {
    const request = { url: new URL(a.url) };
    const { coordinator, grown } = heapAfter(
      (c, t) => {
        c.record(ok, 1, request);
        if (t % 100 === 0) c.spendRetry({ retry: true, status: 500 }, request);
      },
      0.001,
      60_000,
      3_660_000,
    );
    // The timestamps of 3.6 million requests would take about 60 MiB.
    expect(grown).toBeLessThan(2 * 1024 * 1024);
    expect(coordinator.state(a.url).requests).toBeGreaterThan(9000);
  });

  it('a day of requests to 86,400 origins, one a second, leaves the heap flat', () => {
    const { grown } = heapAfter(
      // One request a second, each to an origin of its own.
      (c, t) => c.record(throttled(), 1, { url: new URL(`http://host-${t}.test`) }),
      1,
      3600,
      90_000,
    );
    // Each origin's state takes about a kilobyte: kept, they would take 80 MiB.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });

  it('many waiters on one signal put one listener on it', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, budget: false });
    coordinator.record(unavailable, 1);
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const waiting = Array.from({ length: 20 }, () =>
        Promise.resolve(coordinator.acquire(controller.signal)).catch((e: unknown) => e),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      controller.abort(new Error('stop'));
      const reasons = await Promise.all(waiting);
      expect(
        reasons.filter((r) => r instanceof Error && r.message === 'stop').length,
      ).toBeGreaterThan(15);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('options that would hang', () => {
  it('rejects a minimum rate that would never release a waiter, and a clock without its methods', () => {
    expect(() => new Coordinator({ rateLimit: { minRate: Number.MIN_VALUE } })).toThrow(
      new RangeError('`rateLimit.minRate` must be a finite number >= 0.01, got 5e-324'),
    );
    expect(() => new Coordinator({ clock: { sleep() {} } } as never)).toThrow(
      new TypeError('`clock` must be a Clock (an object with now, sleep, random), got an object'),
    );
  });

  it('retry(5) rejects with a TypeError naming the operation', async () => {
    await expect(retry(5 as never)).rejects.toThrow(
      new TypeError('`operation` must be a function returning a promise, got 5 (number)'),
    );
  });
});

describe('abort is at once', () => {
  it('a slow onRetry hook does not delay an abort', async () => {
    const controller = new AbortController();
    const never = new Promise<void>(() => {});
    const pending = retry(
      async () => {
        throw Object.assign(new Error('busy'), { status: 503 });
      },
      { clock: new VirtualClock(), signal: controller.signal, onRetry: () => never },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });

  it('an operation that ignores its signal does not delay an abort; its late result is dropped', async () => {
    const controller = new AbortController();
    let finish!: (value: { late: boolean }) => void;
    const discarded: unknown[] = [];
    const pending = retry(() => new Promise<{ late: boolean }>((resolve) => (finish = resolve)), {
      signal: controller.signal,
      discard: (value) => void discarded.push(value),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    finish({ late: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(discarded).toEqual([{ late: true }]);
  });

  it('an operation that ignores its signal still times out at requestTimeout', async () => {
    let calls = 0;
    const error = await retry(
      () => {
        calls++;
        return new Promise<never>(() => {});
      },
      { clock: new VirtualClock(), requestTimeout: 0.02, retries: 1 },
    ).catch((e) => e);
    expect(calls).toBe(2);
    expect(error).toMatchObject({ name: 'RetryError', reason: 'retries' });
    expect(error.cause).toMatchObject({ code: 'ETIMEDOUT' });
  });
});
