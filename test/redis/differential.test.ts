import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/fleet/memory-store.js';
import type { PolicySettings } from '../../src/fleet/settings.js';
import type { Observation } from '../../src/fleet/state.js';
import type { QuotaAnswer, QuotaReport } from '../../src/fleet/store.js';
import { fromIoredis, RedisStore } from '../../src/redis/index.js';
import { shiftClock } from '../../src/redis/redis-store.js';
import { RedisServer } from '../support/redis-server.js';

// The same reports, at the same instants, to the store in memory and to the store in Redis
// (whose Lua script ports the policy): every answer must be the same. The Redis store's
// clock is moved forward by each step's pause (a duration), so minutes pass in no time;
// the memory store reads the instant the Redis server answered at.

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const observation: fc.Arbitrary<Observation> = fc
  .record({
    first: fc.boolean(),
    answer: fc.constantFrom('throttled', 'answered', 'answered', 'failed'),
    quota: fc.boolean(),
    retry: fc.boolean(),
    retryAfter: fc.option(fc.constantFrom(0, 0.5, 1, 2, 7.25, 60, 1000), { nil: undefined }),
    waiting: fc.boolean(),
  })
  .map((o) => ({ ...o, quota: o.quota && o.answer === 'throttled' }));

const step = fc.record({
  pause: fc.constantFrom(0, 0, 0.001, 0.03, 0.2, 0.7, 1.3, 4, 12),
  // Single outcomes, and runs of equal ones (sent to Redis as one with a count).
  observations: fc
    .array(
      fc.oneof(
        observation.map((o) => [o]),
        fc.tuple(observation, fc.integer({ min: 2, max: 40 })).map(([o, k]) => Array(k).fill(o)),
      ),
      { maxLength: 4 },
    )
    .map((runs) => runs.flat()),
  retries: fc.constantFrom(0, 0, 1, 3),
  take: fc.constantFrom(0, 0, 1, 5, 64),
  // Seconds after the last answer's now past which no slots are handed out.
  takeWithin: fc.option(fc.constantFrom(0.0005, 0.1, 5), { nil: undefined }),
});

const settings: fc.Arbitrary<PolicySettings> = fc.record({
  hold: fc.option(
    fc.record({
      spread: fc.constant(undefined),
      whilePacing: fc.boolean(),
      maxHold: fc.constantFrom(0, 5, 300),
    }),
    { nil: undefined },
  ),
  limit: fc.option(
    fc.record({
      statuses: fc.constant([429]),
      minRate: fc.constantFrom(0.5, 2),
      growth: fc.constantFrom(1, 1.6, 3),
      probe: fc.constantFrom(0, 0.005, 0.3),
      decrease: fc.constantFrom(0.5, 0.9),
      cooldown: fc.constantFrom(0, 1, 2.5),
      startGrowth: fc.constantFrom(1, 4.096, 27),
      deepestCut: fc.constantFrom(0.5, 0.8),
      ceilingHold: fc.constantFrom(0, 2),
      confirmedHold: fc.constantFrom(0, 3, 10),
      confirmBand: fc.constantFrom(0.9, 1),
    }),
    { nil: undefined },
  ),
  budget: fc.option(
    fc.record({
      ratio: fc.constant(0.1),
      minPerSecond: fc.constant(1),
      window: fc.constantFrom(1, 10),
    }),
    { nil: undefined },
  ),
});

/** What a Coordinator reads of an answer, with each instant as a duration from `now`. */
function decisions(a: QuotaAnswer) {
  const from = (t: number) => (Number.isFinite(t) ? t - a.now : t);
  const s = a.state;
  return {
    until: from(s.until),
    span: s.span,
    streak: s.streak,
    rate: s.rate,
    threshold: s.threshold,
    lastCut: from(s.lastCut),
    learning: from(s.learning),
    last: from(s.last),
    counts: [a.counts.accepted, a.counts.requests, a.counts.retries],
    slot: from(a.slot),
    slots: a.slots,
    gap: a.gap,
  };
}

/**
 * The same decisions, every real number within a relative 1e-9: Lua's `^` (the C library's
 * pow) and V8's `**` may differ in the last bit of a grown rate (rounding both to a number of
 * digits is not enough: two values a bit apart can round apart). Counts, slots and streaks
 * stay exact.
 */
function expectAlike(remote: Decisions, local: Decisions) {
  expect(Object.keys(remote)).toEqual(Object.keys(local));
  for (const [key, value] of Object.entries(remote)) {
    const other = local[key as keyof Decisions];
    if (typeof value === 'number' && typeof other === 'number' && Number.isFinite(value)) {
      const scale = Math.max(1, Math.abs(value), Math.abs(other));
      expect(Math.abs(value - other), `${key}: ${value} against ${other}`).toBeLessThanOrEqual(
        1e-9 * scale,
      );
    } else {
      expect(value, key).toEqual(other);
    }
  }
}

type Decisions = ReturnType<typeof decisions>;

describe('the Redis store and the memory store', () => {
  it('decide alike on the same sequences of outcomes', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        settings,
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (policy, steps) => {
          const key = `differential-${run++}`;
          const store = new RedisStore({ client: fromIoredis(redis), timeout: 5, horizon: 0.5 });
          let now = 0;
          const memory = new MemoryStore(
            { now: () => now, sleep: () => Promise.resolve(), random: () => 0 },
            { fresh: 0.25, horizon: 0.5 },
          );
          let shift = 0;
          let last: number | undefined;
          for (const s of steps) {
            shift += s.pause;
            shiftClock(store, shift);
            const r: QuotaReport = {
              observations: s.observations,
              retries: s.retries,
              take: s.take,
              takeUntil:
                last === undefined || s.takeWithin === undefined ? undefined : last + s.takeWithin,
            };
            const remote = await store.sync(key, r, policy);
            now = remote.now;
            last = now;
            const local = memory.sync(key, r, policy);
            expectAlike(decisions(remote), decisions(local));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
