import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import { MemoryStore, type MemoryStoreOptions } from '../../src/fleet/memory-store.js';
import type { PolicySettings } from '../../src/fleet/settings.js';
import type { QuotaAnswer, QuotaReport, QuotaStore } from '../../src/fleet/store.js';
import type { Clock } from '../../src/time/clock.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { failed, ok, throttled, unavailable } from '../support/fleet.js';

// The engine with a shared store that answers through promises, as a remote one would: the
// store stands in a MemoryStore on a clock of its own, reached after a network delay.

type Mode = 'ok' | 'hang' | 'reject' | 'throw';

class SharedStore implements QuotaStore {
  calls = 0;
  /** The slots each call handed out, in the order the store ran them. */
  readonly granted: number[] = [];
  mode: Mode = 'ok';
  readonly #inner: MemoryStore;

  constructor(
    readonly clock: VirtualClock,
    options: MemoryStoreOptions = { fresh: 0.25, horizon: 0.25 },
    /** Seconds the store's clock runs ahead of the clients'. */
    skew = 0,
    /** Seconds each way between a client and the store. */
    public delay = 0.002,
  ) {
    const own: Clock = {
      now: () => clock.now() + skew,
      sleep: (s, signal) => clock.sleep(s, signal),
      random: () => clock.random(),
    };
    this.#inner = new MemoryStore(own, options);
  }

  sync(key: string, report: QuotaReport, policy: PolicySettings): Promise<QuotaAnswer> {
    this.calls++;
    if (this.mode === 'throw') throw new Error('store unreachable');
    if (this.mode === 'reject') return Promise.reject(new Error('connection reset'));
    if (this.mode === 'hang') return new Promise<QuotaAnswer>(() => {});
    // What crosses the wire is a copy, taken when the store applies the report.
    const sent = { ...report, observations: [...report.observations] };
    return this.clock.sleep(this.delay).then(async () => {
      const a = this.#inner.sync(key, sent, policy);
      this.granted.push(a.slots);
      const { accepted, requests, retries } = a.counts;
      const copy: QuotaAnswer = { ...a, state: a.state, counts: { accepted, requests, retries } };
      await this.clock.sleep(this.delay);
      return copy;
    });
  }
}

describe('Coordinators sharing a store', () => {
  it('hold every process for a Retry-After one of them received, on each one’s own clock', async () => {
    const clock = new VirtualClock();
    // The store's clock is more than an hour ahead: only durations count.
    const store = new SharedStore(clock, undefined, 5000);
    const a = new Coordinator({ clock, store, rateLimit: false });
    const b = new Coordinator({ clock, store, rateLimit: false });
    a.record(throttled(5), 1);
    // The process that received it holds at once, before the store answers.
    expect(a.state().until).toBe(5);
    await clock.sleep(0.5);
    b.state();
    await clock.sleep(0.01);
    const until = b.state().until;
    expect(until).toBeGreaterThanOrEqual(5);
    expect(until).toBeLessThan(5.01);
    await b.acquire();
    expect(clock.now()).toBeGreaterThanOrEqual(5);
  });

  it('calls the store a few times a second on the open path, however many requests pass', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock);
    const coordinator = new Coordinator({ clock, store });
    for (let i = 0; i < 2000; i++) {
      await coordinator.acquire();
      coordinator.record(ok, 1);
      await clock.sleep(0.005);
    }
    expect(clock.now()).toBeGreaterThan(9.9);
    expect(store.calls).toBeLessThanOrEqual(5 * clock.now());
    expect(store.calls).toBeGreaterThan(0);
  });

  it('calls the store once for what is pending, however short the time its answers stand', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock, { fresh: 0, horizon: 0.25 });
    const coordinator = new Coordinator({ clock, store });
    // The acquire asks for a view (the first answer has not come), the outcome is reported:
    // two calls, and none after them while nothing is pending.
    await coordinator.acquire();
    coordinator.record(ok, 1);
    await clock.sleep(1);
    expect(store.calls).toBe(2);
    await coordinator.acquire();
    await clock.sleep(1);
    expect(store.calls).toBe(3);
  });

  it('takes no slots in a call that the store runs after the caller stopped waiting for it', async () => {
    const clock = new VirtualClock();
    // The store's clock is more than an hour ahead: the instant is read from its answers.
    const store = new SharedStore(clock, undefined, 5000);
    const coordinator = new Coordinator({ clock, store, retryAfter: false, budget: false });
    for (let i = 0; i < 20; i++) coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    await clock.sleep(1.5);
    await coordinator.acquire();
    expect(store.granted.at(-1)).toBeGreaterThan(0);
    // The store stalls: each call runs a second after it was sent, long past its deadline.
    store.delay = 1;
    const before = store.granted.length;
    for (let i = 0; i < 10; i++) await coordinator.acquire();
    await clock.sleep(3);
    const late = store.granted.slice(before);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((slots) => slots === 0)).toBe(true);
  });

  it('paces two processes together at the one learned rate, fetching slots in batches', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock);
    const options = { clock, store, retryAfter: false, budget: false, rateLimit: { growth: 1 } };
    const a = new Coordinator(options);
    const b = new Coordinator(options);
    for (let i = 0; i < 20; i++) a.record(ok, 1);
    a.record(throttled(), 1);
    await clock.sleep(1.5);
    b.state();
    await clock.sleep(0.01);
    expect(b.state().rate).toBe(20);
    const before = store.calls;
    const starts: number[] = [];
    await Promise.all(
      [a, b].flatMap((c) =>
        Array.from({ length: 100 }, async () => {
          await c.acquire();
          starts.push(clock.now());
        }),
      ),
    );
    const span = Math.max(...starts) - Math.min(...starts);
    // 200 starts at 20 a second between them take about 10 s, not 5.
    expect(span).toBeGreaterThan(9.5);
    expect((store.calls - before) / 200).toBeLessThanOrEqual(0.3);
  });

  it('send a throttle at once, with the answers accepted before it', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock);
    const options = { clock, store, retryAfter: false, budget: false } as const;
    const a = new Coordinator(options);
    for (let i = 0; i < 3; i++) a.record(ok, 1);
    await clock.sleep(0.01);
    // The first answer went out at once; the other two wait for a reason to call.
    expect(store.calls).toBe(1);
    a.record(throttled(), 1);
    expect(store.calls).toBe(2);
    await clock.sleep(0.01);
    // The fleet's first throttle starts its rate at the 3 answers accepted before it.
    const b = new Coordinator(options);
    b.state();
    await clock.sleep(0.01);
    expect(b.state().rate).toBe(3);
  });

  it('wake an attempt waiting for its turn when the store answers with a higher rate', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock);
    const options = { clock, store, retryAfter: false, budget: false, rateLimit: { minRate: 0.5 } };
    const a = new Coordinator(options);
    const b = new Coordinator(options);
    a.record(unavailable, 1);
    await a.acquire();
    const second = a.acquire().then(() => clock.now());
    await clock.sleep(0.1);
    // The other process sees the server accept 10 a second.
    for (let i = 0; i < 10; i++) b.record(ok, 1);
    await clock.sleep(0.3);
    b.state();
    await clock.sleep(0.01);
    expect(a.state().rate).toBe(0.5);
    // A network error here changes nothing locally; the answer to its report does.
    a.record({ retry: true }, 1);
    expect(await second).toBeLessThan(0.5);
  });

  it('leave slots granted before a hold unused until it ends', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock, { fresh: 0.25, horizon: 1 });
    const coordinator = new Coordinator({
      clock,
      store,
      budget: false,
      retryAfter: { whilePacing: true, spread: 0 },
      rateLimit: { growth: 1 },
    });
    for (let i = 0; i < 10; i++) coordinator.record(ok, 1);
    coordinator.record(throttled(), 1);
    await clock.sleep(2);
    const starts: number[] = [];
    const all = Array.from({ length: 8 }, async () => {
      await coordinator.acquire();
      starts.push(clock.now());
    });
    await clock.sleep(0.15);
    // A batch of slots is in hand when a Retry-After of 5 s arrives.
    const hold = clock.now() + 5;
    coordinator.record(throttled(5), 2);
    await Promise.all(all);
    const before = starts.filter((t) => t < hold);
    const after = starts.filter((t) => t >= hold);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((t) => t <= hold - 5)).toBe(true);
    // After it, at the pace again (which the throttle lowered), not all at once on stale slots.
    expect(after.length).toBeGreaterThan(2);
    expect(Math.max(...after) - Math.min(...after)).toBeGreaterThanOrEqual((after.length - 1) / 10);
  });

  it('share one retry budget', async () => {
    const clock = new VirtualClock();
    const store = new SharedStore(clock, { fresh: 0, horizon: 0 });
    const budget = { ratio: 0, minPerSecond: 0.3, window: 10 };
    const a = new Coordinator({ clock, store, budget, rateLimit: false });
    const b = new Coordinator({ clock, store, budget, rateLimit: false });
    expect([a.spendRetry(failed), a.spendRetry(failed)]).toEqual([true, true]);
    await clock.sleep(0.1);
    b.state();
    await clock.sleep(0.1);
    // Three retries in ten seconds for the fleet: two are spent.
    expect([b.spendRetry(failed), b.spendRetry(failed)]).toEqual([true, false]);
  });
});

describe('a shared store that fails', () => {
  it.each<Mode>(['hang', 'reject', 'throw'])(
    '(%s) delays no attempt beyond its deadline, keeps the known hold and pace, and is asked again later',
    async (mode) => {
      const clock = new VirtualClock();
      const store = new SharedStore(clock);
      const coordinator = new Coordinator({
        clock,
        store,
        budget: false,
        retryAfter: { whilePacing: true },
      });
      for (let i = 0; i < 10; i++) coordinator.record(ok, 1);
      coordinator.record(throttled(), 1);
      await clock.sleep(2);
      expect(coordinator.state().rate).toBe(10);
      store.mode = mode;
      const calls = store.calls;
      const starts: number[] = [];
      const from = clock.now();
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          await coordinator.acquire();
          starts.push(clock.now() - from);
        }),
      );
      // The first waits at most for the deadline (0.05 s); then the local pace of 10 a second.
      expect(starts[0]).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(starts[4]! - starts[0]!).toBeCloseTo(0.4, 6);
      coordinator.record(throttled(3), 2);
      expect(coordinator.heldFor()).toBe(3);
      // Left alone for about a second, then asked again; once it answers, the process rejoins.
      expect(store.calls - calls).toBeLessThanOrEqual(2);
      store.mode = 'ok';
      await clock.sleep(2);
      coordinator.state();
      await clock.sleep(0.01);
      expect(store.calls - calls).toBeGreaterThan(1);
      coordinator.record(throttled(7), 2);
      await clock.sleep(0.01);
      const other = new Coordinator({ clock, store, budget: false });
      other.state();
      await clock.sleep(0.01);
      expect(other.heldFor()).toBeGreaterThan(6.9);
    },
  );
});
