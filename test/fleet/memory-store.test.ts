import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/fleet/memory-store.js';
import { COLD, type QuotaCounts } from '../../src/fleet/state.js';
import type { QuotaReport } from '../../src/fleet/store.js';
import { WindowCount } from '../../src/fleet/window-count.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { policyOf, seen } from '../support/fleet.js';

// The store alone: it counts, applies the policy in order at its own now, and hands out slots.

const read = ({ accepted, requests, retries }: QuotaCounts) => ({ accepted, requests, retries });
const report = (r: Partial<QuotaReport>): QuotaReport => ({
  observations: [],
  retries: 0,
  take: 0,
  ...r,
});

describe('MemoryStore', () => {
  it('answers the cold state for a quota it has not seen, at its clock', async () => {
    const clock = new VirtualClock({ start: 42 });
    const store = new MemoryStore(clock);
    const answer = store.sync('a', report({}), policyOf());
    expect(answer).toMatchObject({ now: 42, state: COLD, slots: 0, fresh: 0 });
    expect(answer.counts).toMatchObject({ accepted: 0, requests: 0, retries: 0 });
  });

  it('counts first attempts, accepted answers and spent retries, each only with its mechanism on', () => {
    const clock = new VirtualClock();
    const observations = [seen({ first: true }), seen({ first: true }), seen({ answer: 'failed' })];
    const all = new MemoryStore(clock).sync('a', report({ observations, retries: 2 }), policyOf());
    expect(read(all.counts)).toEqual({ accepted: 2, requests: 2, retries: 2 });
    const none = new MemoryStore(clock).sync(
      'a',
      report({ observations, retries: 2 }),
      policyOf({ rateLimit: false, budget: false }),
    );
    expect(read(none.counts)).toEqual({ accepted: 0, requests: 0, retries: 0 });
  });

  it('applies observations in order: answers accepted before a throttle set its rate', () => {
    const store = new MemoryStore(new VirtualClock());
    const ok = seen({});
    const observations = [ok, ok, ok, seen({ answer: 'throttled', retry: true })];
    expect(store.sync('a', report({ observations }), policyOf()).state.rate).toBe(3);
    const reversed = new MemoryStore(new VirtualClock());
    const after = [seen({ answer: 'throttled', retry: true }), ok, ok, ok];
    // Throttled first: the minimum rate, then raised by the answers of the learning second.
    expect(reversed.sync('a', report({ observations: after }), policyOf()).state.rate).toBe(3);
    expect(
      new MemoryStore(new VirtualClock()).sync(
        'a',
        report({ observations: [seen({ answer: 'throttled', retry: true })] }),
        policyOf(),
      ).state.rate,
    ).toBe(0.5);
  });

  it('slides its windows with its clock: accepted answers over a second, the budget over its window', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore(clock);
    const p = policyOf({ budget: { window: 5 } });
    store.sync('a', report({ observations: [seen({ first: true })], retries: 1 }), p);
    const at = async (t: number) => {
      await clock.sleep(t - clock.now());
      return read(store.sync('a', report({}), p).counts);
    };
    expect(await at(0.5)).toEqual({ accepted: 1, requests: 1, retries: 1 });
    expect(await at(1.5)).toEqual({ accepted: 0, requests: 1, retries: 1 });
    expect(await at(5.5)).toEqual({ accepted: 0, requests: 0, retries: 0 });
  });

  it('keeps quotas apart', () => {
    const store = new MemoryStore(new VirtualClock());
    const p = policyOf({ rateLimit: false });
    store.sync('a', report({ observations: [seen({ retry: true, retryAfter: 9 })] }), p);
    expect(store.sync('a', report({}), p).state.until).toBe(9);
    expect(store.sync('b', report({}), p).state.until).toBe(Number.NEGATIVE_INFINITY);
  });

  it('hands out only the slot due now by default, and all slots due within its horizon if told', () => {
    const clock = new VirtualClock();
    const throttle = report({ observations: [seen({ answer: 'throttled', retry: true })] });
    const p = policyOf({ rateLimit: { minRate: 20 } });
    const exact = new MemoryStore(clock);
    exact.sync('a', throttle, p);
    expect(exact.sync('a', report({ take: 10 }), p)).toMatchObject({ slot: 0, slots: 1 });
    expect(exact.sync('a', report({ take: 10 }), p)).toMatchObject({ slot: 0.05, slots: 0 });
    const batched = new MemoryStore(clock, { fresh: 0.25, horizon: 0.25 });
    batched.sync('a', throttle, p);
    expect(batched.sync('a', report({ take: 10 }), p)).toMatchObject({
      slot: 0,
      slots: 6,
      gap: 0.05,
      fresh: 0.25,
    });
  });

  it('hands out no slots to a call it runs after the instant the caller stopped waiting', async () => {
    const clock = new VirtualClock();
    const p = policyOf({ rateLimit: { minRate: 20 } });
    const store = new MemoryStore(clock, { fresh: 0.25, horizon: 0.25 });
    store.sync('a', report({ observations: [seen({ answer: 'throttled', retry: true })] }), p);
    await clock.sleep(1);
    // Run late: nothing taken, so the next call still gets the slot due now.
    expect(store.sync('a', report({ take: 10, takeUntil: 0.99 }), p).slots).toBe(0);
    expect(store.sync('a', report({ take: 10, takeUntil: 1 }), p)).toMatchObject({
      slot: 1,
      slots: 6,
    });
  });

  it('replays outcomes onto a seeded state without counting them again', () => {
    const clock = new VirtualClock();
    const store = new MemoryStore(clock);
    const p = policyOf();
    const first = seen({ first: true, answer: 'throttled', retry: true, retryAfter: 5 });
    expect(store.sync('a', report({ observations: [first] }), p).counts.requests).toBe(1);
    const answer = store.seed('a', COLD, p, [first]);
    expect(answer.state.until).toBe(5);
    expect(answer.counts.requests).toBe(1);
  });

  it('starts a quota from a given state, and forgets quotas idle for ten minutes that hold nothing', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore(clock);
    const p = policyOf();
    store.seed('learned', { ...COLD, rate: 7 }, p, []);
    store.seed('held', { ...COLD, rate: 7, until: 2000 }, p, []);
    expect(store.sync('learned', report({}), p).state.rate).toBe(7);
    await clock.sleep(700);
    for (let i = 0; i < 1024; i++) store.sync('other', report({}), p);
    expect(store.sync('learned', report({}), p).state).toBe(COLD);
    expect(store.sync('held', report({}), p).state.rate).toBe(7);
  });
});

describe('WindowCount', () => {
  it('sums like a recount of the events in its buckets, however they arrive', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 3, noNaN: true }), fc.nat(5)), {
          maxLength: 60,
        }),
        (steps) => {
          const window = new WindowCount(1, 20);
          const events: [number, number][] = [];
          let now = 0;
          for (const [dt, n] of steps) {
            now += dt;
            window.add(now, n);
            events.push([Math.floor(now / 0.05), n]);
            const newest = Math.floor(now / 0.05);
            const expected = events
              .filter(([b]) => b > newest - 20)
              .reduce((sum, [, k]) => sum + k, 0);
            expect(window.sum(now)).toBe(expected);
          }
        },
      ),
    );
  });
});
