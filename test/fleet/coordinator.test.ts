import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import { Session } from '../../src/http/session.js';
import type { RetryCoordinator, Verdict } from '../../src/retry/contract.js';
import { retry } from '../../src/retry/retry.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { failed, ok, throttled, unavailable } from '../support/fleet.js';

/** A coordinator that records every call and refuses retries after `retries`. */
function spy(retries = Number.POSITIVE_INFINITY) {
  const calls: string[] = [];
  const coordinator: RetryCoordinator = {
    acquire: () => void calls.push('acquire'),
    record: (verdict: Verdict, attempt: number) =>
      void calls.push(`record ${attempt} ${verdict.status ?? verdict.retry}`),
    spendRetry: () => {
      calls.push('spendRetry');
      return retries-- > 0;
    },
  };
  return { calls, coordinator };
}

/** Starts attempts at once and records when each one was allowed to start. */
async function starts(coordinator: Coordinator, clock: VirtualClock, count: number) {
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      await coordinator.acquire();
      times.push(clock.now());
    }),
  );
  return times;
}

describe('the coordinator option', () => {
  it('retry() accepts a coordinator and consults it around every attempt', async () => {
    const { calls, coordinator } = spy(1);
    const clock = new VirtualClock();
    const failing = async () => {
      throw Object.assign(new Error('busy'), { status: 503 });
    };
    await expect(retry(failing, { clock, coordinator, jitter: 'none' })).rejects.toMatchObject({
      reason: 'budget',
    });
    expect(calls).toEqual([
      'acquire',
      'record 1 503',
      'spendRetry',
      'acquire',
      'record 2 503',
      'spendRetry',
    ]);
  });

  it('still reads a budget under its old name, allowRetry, and none at all as no budget', async () => {
    const clock = new VirtualClock();
    const failing = async () => {
      throw Object.assign(new Error('busy'), { status: 503 });
    };
    let asked = 0;
    const old = {
      acquire() {},
      record() {},
      allowRetry: () => asked++ < 2,
    };
    await expect(retry(failing, { clock, coordinator: old, jitter: 'none' })).rejects.toMatchObject(
      { reason: 'budget', attempts: { length: 3 } },
    );
    const none = { acquire() {}, record() {} };
    await expect(
      retry(failing, { clock, coordinator: none, jitter: 'none', retries: 4 }),
    ).rejects.toMatchObject({ reason: 'retries', attempts: { length: 5 } });
    expect(() => new Coordinator().allowRetry({ retry: true, status: 500 })).not.toThrow();
  });

  it('Session accepts a coordinator and passes it to every request', async () => {
    const { calls, coordinator } = spy();
    const clock = new VirtualClock();
    const fetch = async () => new Response('ok', { status: 200 });
    const session = new Session({ clock, coordinator, fetch });
    const response = await session.get('http://127.0.0.1:1/x');
    expect(response.status).toBe(200);
    expect(calls).toEqual(['acquire', 'record 1 200']);
  });
});

describe('Coordinator options', () => {
  it('rejects unknown keys, naming them', () => {
    expect(() => new Coordinator({ retryafter: true } as never)).toThrow(
      /Unknown option `retryafter`.*did you mean `retryAfter`/,
    );
    expect(() => new Coordinator({ budget: { ratio: 0.1, windw: 5 } } as never)).toThrow(
      /Unknown option `windw` in `budget`/,
    );
  });

  it('rejects values out of range with RangeError naming the option and the value', () => {
    expect(() => new Coordinator({ rateLimit: { minRate: 0 } })).toThrow(
      new RangeError('`rateLimit.minRate` must be a finite number >= 0.01, got 0'),
    );
    expect(() => new Coordinator({ budget: { ratio: -1 } })).toThrow(RangeError);
    expect(() => new Coordinator({ budget: { ratio: -1 } })).toThrow(/`budget.ratio`.*got -1/);
    expect(() => new Coordinator({ rateLimit: { decrease: 2 } })).toThrow(
      /`rateLimit.decrease` must be a finite number >= 0.01 and <= 1, got 2/,
    );
    expect(() => new Coordinator({ retryAfter: { spread: -0.5 } })).toThrow(
      /`retryAfter.spread`.*got -0.5/,
    );
    expect(() => new Coordinator({ rateLimit: { statuses: [429, 99] } })).toThrow(
      /`rateLimit.statuses\[1\]`.*got 99/,
    );
  });

  it('rejects values of the wrong type with TypeError', () => {
    expect(() => new Coordinator({ retryAfter: 'yes' } as never)).toThrow(
      new TypeError('`retryAfter` must be a boolean or an options object, got "yes"'),
    );
    expect(() => new Coordinator({ clock: {} } as never)).toThrow(TypeError);
    expect(() => new Coordinator({ rateLimit: { statuses: 429 } } as never)).toThrow(
      /`rateLimit.statuses` must be an array/,
    );
    expect(() => new Coordinator({ budget: { window: '10' } } as never)).toThrow(TypeError);
  });
});

describe('Coordinator option ranges', () => {
  it.each([
    [
      { rateLimit: { minRate: 0.001 } },
      '`rateLimit.minRate` must be a finite number >= 0.01, got 0.001',
    ],
    [
      { rateLimit: { growth: 0.5 } },
      '`rateLimit.growth` must be a finite number >= 1 and <= 1000, got 0.5',
    ],
    [
      { rateLimit: { probe: -1 } },
      '`rateLimit.probe` must be a finite number >= 0 and <= 1000, got -1',
    ],
    [
      { rateLimit: { decrease: 0 } },
      '`rateLimit.decrease` must be a finite number >= 0.01 and <= 1, got 0',
    ],
    [
      { rateLimit: { cooldown: -1 } },
      '`rateLimit.cooldown` must be a finite number >= 0 and <= 86400, got -1',
    ],
    [{ budget: { ratio: -0.1 } }, '`budget.ratio` must be a finite number >= 0, got -0.1'],
    [
      { budget: { minPerSecond: -1 } },
      '`budget.minPerSecond` must be a finite number >= 0, got -1',
    ],
    [
      { budget: { window: 0 } },
      '`budget.window` must be a finite number >= 0.001 and <= 86400, got 0',
    ],
    [
      { retryAfter: { maxHold: 1e6 } },
      '`retryAfter.maxHold` must be a finite number >= 0 and <= 86400, got 1000000',
    ],
    [{ retryAfter: { growth: 0.5 } }, '`retryAfter.growth` must be a finite number >= 1, got 0.5'],
    [
      { retryAfter: { maxSpread: -1 } },
      '`retryAfter.maxSpread` must be a finite number >= 0, got -1',
    ],
  ])('%j is refused: %s', (options, message) => {
    expect(() => new Coordinator(options)).toThrow(new RangeError(message));
  });

  it('refuses values of the wrong type, naming the option', () => {
    expect(() => new Coordinator({ retryAfter: { whilePacing: 1 } } as never)).toThrow(
      new TypeError('`retryAfter.whilePacing` must be a boolean, got 1 (number)'),
    );
    expect(() => new Coordinator({ rateLimit: 'fast' } as never)).toThrow(
      new TypeError('`rateLimit` must be a boolean or an options object, got "fast"'),
    );
    expect(() => new Coordinator({ budget: [] } as never)).toThrow(
      new TypeError('`budget` must be a boolean or an options object, got an array of length 0'),
    );
    expect(() => new Coordinator(7 as never)).toThrow(
      new TypeError('Coordinator options must be an object, got 7'),
    );
  });
});

describe('shared Retry-After', () => {
  it('holds every attempt until the instant one response asked for', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: { spread: 0 },
      rateLimit: false,
      budget: false,
    });
    await clock.sleep(2);
    coordinator.record(throttled(5), 1);
    expect(coordinator.state().until).toBe(7);
    expect(await starts(coordinator, clock, 3)).toEqual([7, 7, 7]);
    // Once it has passed, attempts start at once.
    expect(await starts(coordinator, clock, 1)).toEqual([7]);
  });

  it('keeps the latest instant when hints overlap, and ignores hints on successes', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false, budget: false });
    coordinator.record(throttled(10), 1);
    coordinator.record(throttled(3), 1);
    coordinator.record({ retry: false, status: 200, retryAfter: 60 }, 1);
    expect(coordinator.state().until).toBe(10);
  });

  it('spreads the waiters over [T, T + spread · Retry-After], never before T', async () => {
    const clock = new VirtualClock({ seed: 3 });
    const coordinator = new Coordinator({
      clock,
      retryAfter: { spread: 0.5 },
      rateLimit: false,
      budget: false,
    });
    coordinator.record(throttled(4), 1);
    const times = await starts(coordinator, clock, 200);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...times)).toBeLessThanOrEqual(6);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(1.5);
  });

  it('makes a second session wait for the Retry-After the first one received', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: { spread: 0 },
      rateLimit: false,
      budget: false,
    });
    const seen: number[] = [];
    let answered = 0;
    const fetch = async () => {
      seen.push(clock.now());
      return answered++ === 0
        ? new Response(null, { status: 429, headers: { 'retry-after': '3' } })
        : new Response('ok');
    };
    const first = new Session({ clock, coordinator, fetch });
    const second = new Session({ clock, coordinator, fetch, profile: 'interactive' });
    await first.get('http://127.0.0.1:1/a');
    const response = await second.get('http://127.0.0.1:1/b');
    expect(response.status).toBe(200);
    expect(seen).toEqual([0, 3, 3]);
  });

  it('widens the spread with each throttle in a row, up to maxSpread, and resets it on success', async () => {
    const clock = new VirtualClock({ seed: 9 });
    const coordinator = new Coordinator({
      clock,
      retryAfter: { spread: 1, growth: 2, maxSpread: 5 },
      rateLimit: false,
      budget: false,
    });
    const latest = async () => {
      const from = clock.now();
      return Math.max(...(await starts(coordinator, clock, 100))) - from;
    };
    coordinator.record(throttled(1), 1);
    expect(await latest()).toBeGreaterThan(1.9);
    coordinator.record(throttled(1), 2);
    coordinator.record(throttled(1), 3);
    const third = await latest();
    expect(third).toBeGreaterThan(4.5);
    expect(third).toBeLessThanOrEqual(5);
    coordinator.record(throttled(1), 4);
    expect(await latest()).toBeLessThanOrEqual(6);
    coordinator.record(ok, 5);
    coordinator.record(throttled(1), 1);
    expect(await latest()).toBeLessThanOrEqual(2);
  });

  it('counts a whole first wave refused with Retry-After as one throttle: its spread stays s wide', async () => {
    const clock = new VirtualClock({ seed: 3 });
    const coordinator = new Coordinator({ clock, budget: false });
    // 25 requests sent at once, every one refused; their answers arrive over 50 ms.
    for (let i = 0; i < 25; i++) {
      coordinator.record(throttled(1), 1);
      await clock.sleep(0.002);
    }
    const held = clock.now() + coordinator.heldFor();
    const times = await starts(coordinator, clock, 25);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(held);
    // One throttle in a row: w = s = 1 s (counted one by one it was min(30, 1.5^24) = 30 s).
    expect(Math.max(...times)).toBeLessThanOrEqual(held + 1);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(0.5);
  });

  it('holds attempts already waiting until a later, longer Retry-After', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: { spread: 0 },
      rateLimit: false,
      budget: false,
    });
    coordinator.record(throttled(5), 1);
    const waiting = starts(coordinator, clock, 3);
    await clock.sleep(2);
    coordinator.record(throttled(10), 1);
    expect(await waiting).toEqual([12, 12, 12]);
  });

  it('can be turned off', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, rateLimit: false });
    coordinator.record(throttled(30), 1);
    expect(await starts(coordinator, clock, 2)).toEqual([0, 0]);
  });
});

describe('adaptive rate limit', () => {
  it('lets attempts through freely until the first throttling response', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock });
    coordinator.record(ok, 1);
    expect(coordinator.state().rate).toBe(Number.POSITIVE_INFINITY);
    expect(await starts(coordinator, clock, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('leaves a first 429 with Retry-After to the shared wait, one without to backoff, and paces a first bare 503 at the minimum rate', async () => {
    const clock = new VirtualClock();
    const hinted = new Coordinator({ clock, budget: false });
    hinted.record(throttled(1), 1);
    expect(hinted.state()).toMatchObject({ rate: Number.POSITIVE_INFINITY, until: 1 });
    // A 429 says the server is up and the quota is spent (by others, when nothing of ours
    // got through): each request's own backoff decides until an answer is accepted.
    const spent = new Coordinator({ clock, budget: false, rateLimit: { minRate: 0.75 } });
    spent.record(throttled(), 1);
    expect(spent.state()).toMatchObject({ rate: Number.POSITIVE_INFINITY });
    spent.record(ok, 2);
    spent.record(throttled(), 2);
    expect(spent.state().rate).toBe(1);
    // A 503 with nothing accepted may be an outage: probes at the minimum rate.
    const down = new Coordinator({ clock, budget: false, rateLimit: { minRate: 0.75 } });
    down.record(unavailable, 1);
    expect(down.state()).toMatchObject({ rate: 0.75, until: Number.NEGATIVE_INFINITY });
  });

  it('paces attempts one by one at the rate the server accepted before throttling', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { growth: 1 },
    });
    for (let i = 0; i < 4; i++) coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    expect(coordinator.state().rate).toBe(4);
    const times = await starts(coordinator, clock, 5);
    expect(times).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('falls to the minimum rate when nothing gets through', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { minRate: 0.25, growth: 1 },
    });
    coordinator.record(unavailable, 1);
    expect(coordinator.state().rate).toBe(0.25);
    const times = await starts(coordinator, clock, 3);
    expect(times).toEqual([0, 4, 8]);
  });

  it('halves the rate once per cooldown while nothing gets through, down to the minimum', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { minRate: 0.5, growth: 1, cooldown: 1 },
    });
    for (let i = 0; i < 8; i++) coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    expect(coordinator.state().rate).toBe(8);
    await clock.sleep(1.5);
    coordinator.record(unavailable, 2);
    expect(coordinator.state().rate).toBe(4);
    coordinator.record(unavailable, 2);
    expect(coordinator.state().rate).toBe(4);
    for (const expected of [2, 1, 0.5, 0.5]) {
      await clock.sleep(1);
      coordinator.record(unavailable, 2);
      expect(coordinator.state().rate).toBe(expected);
    }
  });

  it('cuts the rate to the lower of rate × decrease and the rate the server admits, once per cooldown', async () => {
    const cut = async (accepted: number, decrease: number) => {
      const clock = new VirtualClock();
      const coordinator = new Coordinator({
        clock,
        retryAfter: false,
        budget: false,
        rateLimit: { growth: 1, decrease, cooldown: 1, minRate: 0.5 },
      });
      for (let i = 0; i < 20; i++) coordinator.record(ok, 1);
      coordinator.record(throttled(), 1);
      expect(coordinator.state().rate).toBe(20);
      await clock.sleep(1.5);
      for (let i = 0; i < accepted; i++) coordinator.record(ok, 1);
      coordinator.record(throttled(), 1);
      const after = coordinator.state().rate;
      // Within the cooldown a second throttle changes nothing.
      coordinator.record(throttled(), 1);
      expect(coordinator.state().rate).toBe(after);
      return after;
    };
    // 20 × 0.9 = 18 is below the 30 admitted; 12 admitted is below 18.
    expect(await cut(30, 0.9)).toBe(18);
    expect(await cut(12, 0.9)).toBe(12);
    // 20 × 0.5 = 10; the minimum rate bounds it from below.
    expect(await cut(15, 0.5)).toBe(10);
    expect(await cut(0, 0.5)).toBe(10);
  });

  it('grows the rate with accepted responses while attempts wait (slow start doubles it per second of them)', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, budget: false });
    coordinator.record(ok, 1);
    coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    expect(coordinator.state().rate).toBe(2);
    // Past the first second (which only learns the start), each attempt is accepted.
    await clock.sleep(1.5);
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        await coordinator.acquire();
        times.push(clock.now());
        coordinator.record(ok, 1);
      }),
    );
    const inSecond = (k: number) => times.filter((t) => t >= 1.5 + k && t < 2.5 + k).length;
    expect(inSecond(0)).toBeGreaterThanOrEqual(2);
    expect(inSecond(1)).toBeGreaterThanOrEqual(2 * inSecond(0) - 1);
    expect(coordinator.state().rate).toBeGreaterThan(8);
  });

  it('does not grow while the server accepts nothing or nobody waits', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, budget: false });
    coordinator.record(unavailable, 1);
    expect(coordinator.state().rate).toBe(0.5);
    await clock.sleep(60);
    for (let i = 0; i < 5; i++) coordinator.record(ok, 1);
    expect(coordinator.state().rate).toBe(0.5);
    await starts(coordinator, clock, 3);
    coordinator.record(unavailable, 2);
    await clock.sleep(2);
    coordinator.record(unavailable, 2);
    expect(coordinator.state().rate).toBe(0.5);
  });

  it('does not count the statuses it paces against the retry budget', () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, budget: { ratio: 0, minPerSecond: 0 } });
    coordinator.record(throttled(1), 1);
    expect(coordinator.spendRetry(throttled(1))).toBe(true);
    coordinator.record(failed, 1);
    expect(coordinator.spendRetry(failed)).toBe(false);
  });

  it('drops an aborted waiter from the queue and rejects it with the reason', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, budget: false });
    coordinator.record(unavailable, 1);
    await coordinator.acquire();
    const controller = new AbortController();
    const waiting = coordinator.acquire(controller.signal);
    expect(coordinator.state().waiting).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(coordinator.state().waiting).toBe(0);
  });
});

describe('retry budget', () => {
  it('allows retries up to ratio × first attempts plus a floor per second, over the window', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      rateLimit: false,
      budget: { ratio: 0.2, minPerSecond: 0.1, window: 10 },
    });
    for (let i = 0; i < 10; i++) coordinator.record(failed, 1);
    const allowed = Array.from({ length: 5 }, () => coordinator.spendRetry(failed));
    expect(allowed).toEqual([true, true, true, false, false]);
    expect(coordinator.state()).toMatchObject({ requests: 10, retries: 3 });
    // The window moves on: old requests and retries no longer count.
    await clock.sleep(10.5);
    expect(coordinator.state()).toMatchObject({ requests: 0, retries: 0 });
    expect(coordinator.spendRetry(failed)).toBe(true);
  });

  it('counts only first attempts as requests, and only spent retries as retries', () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, retryAfter: false, rateLimit: false });
    for (let i = 0; i < 5; i++) coordinator.record(failed, 2);
    expect(coordinator.state()).toMatchObject({ requests: 0, retries: 0 });
    coordinator.record(failed, 1);
    expect(coordinator.spendRetry(failed)).toBe(true);
    expect(coordinator.state()).toMatchObject({ requests: 1, retries: 1 });
  });

  it('ends a request with reason budget once the fleet has spent its retries', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      budget: { ratio: 0.1, minPerSecond: 0, window: 60 },
    });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw Object.assign(new Error('boom'), { status: 500 });
    };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => retry(failing, { clock, coordinator })),
    );
    // 20 first attempts buy 2 retries in all.
    expect(calls).toBe(22);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason.reason);
    expect(reasons.filter((r) => r === 'budget')).toHaveLength(20);
  });

  it('can be turned off', () => {
    const coordinator = new Coordinator({ clock: new VirtualClock(), budget: false });
    expect(Array.from({ length: 50 }, () => coordinator.spendRetry(failed)).every(Boolean)).toBe(
      true,
    );
  });
});

describe('Coordinator in a fleet', () => {
  it('brings a burst through one session close to the floor of 2N − B calls', async () => {
    const clock = new VirtualClock({ seed: 5 });
    const rate = 10;
    let tokens = 5;
    let last = 0;
    let calls = 0;
    const fetch = async () => {
      await clock.sleep(0.02);
      calls++;
      tokens = Math.min(5, tokens + (clock.now() - last) * rate);
      last = clock.now();
      const admitted = tokens >= 1;
      if (admitted) tokens -= 1;
      await clock.sleep(0.02);
      return admitted
        ? new Response('ok')
        : new Response(null, { status: 429, headers: { 'retry-after': '1' } });
    };
    const coordinator = new Coordinator({ clock });
    const session = new Session({ clock, coordinator, fetch, requestTimeout: Infinity });
    const n = 100;
    const responses = await Promise.all(
      Array.from({ length: n }, () => session.get('http://127.0.0.1:1/item')),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(calls).toBeLessThanOrEqual(1.1 * (2 * n - 5));
    expect(clock.now()).toBeLessThan(1.3 * ((n - 5) / rate + 1));
  });
});
