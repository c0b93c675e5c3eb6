import { describe, expect, it } from 'vitest';
import { PLAN_LIMITS, plan } from '../../src/retry/plan.js';

// Expected numbers are the original documentation's own arithmetic
// (seed/orionclient-utils.txt): the non-interactive profile with no option set.
const seed = {} as const;
const early429 = { earlyCap: { 429: [12, 30] } } as const;

describe('plan() reproduces the original documentation', () => {
  it('"10 attempts will be made in about 192 seconds": 0.2 + 0.4 + … + 51.2 + 90 = 192.2', () => {
    const p = plan(seed);
    expect(p.retries).toBe(10);
    expect(p.delays).toEqual([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90]);
    expect(p.total).toBe(192.2);
    expect(p.stop).toBe('retries');
    expect(p.cumulative.at(-1)).toBe(192.2);
  });

  it('"A 404 Not Found error will be retried 8 times, or 51 seconds"', () => {
    const p = plan({ ...seed, status: 404 });
    expect(p.retries).toBe(8);
    expect(p.total).toBe(51);
  });

  it('"A 429 … retried up to 45 times or an hour": 10 doubling sleeps then 35 at the 90 s cap', () => {
    const p = plan({ ...seed, status: 429 });
    expect(p.retries).toBe(45);
    expect(p.total).toBe(192.2 + 35 * 90);
    expect(p.total).toBe(3342.2);
    expect(p.total).toBeLessThan(3600);
    expect(p.stop).toBe('retries');
  });

  it('"to retry only 300 seconds … 192 seconds for the first 10, 108 left, 2 more (rounding up)"', () => {
    const p = plan({ ...seed, status: 429, retryTimeout: 300 });
    expect(p.retries).toBe(12);
    expect(p.cumulative[10]).toBe(282.2);
    expect(p.cumulative[11]).toBe(372.2);
    expect(p.stop).toBe('retryTimeout');
  });

  it('plans a network error with the transient budget (its nominal window: 192.2 s)', () => {
    expect(plan({ ...seed, status: null }).total).toBe(192.2);
  });
});

describe('plan() with the opt-in early cap for 429 (first 12 sleeps capped at 30 s)', () => {
  it('leaves the transient and 404 windows at 192.2 s and 51.0 s', () => {
    expect(plan(early429)).toEqual(plan(seed));
    expect(plan({ ...early429, status: 404 })).toEqual(plan({ ...seed, status: 404 }));
    expect(plan({ ...early429, status: null }).total).toBe(192.2);
  });

  it('sleeps 0.2 + … + 25.6 = 51.0 s, then 4 × 30 s, then 33 × 90 s: 45 retries in 3141.0 s', () => {
    const p = plan({ ...early429, status: 429 });
    expect(p.retries).toBe(45);
    expect(p.delays.slice(0, 8)).toEqual([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6]);
    expect(p.cumulative[7]).toBe(51);
    expect(p.delays.slice(8, 12)).toEqual([30, 30, 30, 30]);
    expect(p.cumulative[11]).toBe(171);
    expect(p.delays.slice(12)).toEqual(Array(33).fill(90));
    expect(p.total).toBe(51 + 4 * 30 + 33 * 90);
    expect(p.total).toBe(3141);
    expect(p.stop).toBe('retries');
  });

  it("keeps the 429 window in expectation within 25 % of the seed's 3342.2 s", () => {
    const j = plan({ ...early429, status: 429, samples: 2000 }).jittered!;
    expect(j.mean / 3342.2).toBeGreaterThan(0.75);
    expect(j.mean / 3342.2).toBeLessThan(0.85);
  });

  it('gives 14 retries within a retryTimeout of 300 s: the 13th starts at 171 s, the 14th at 261 s', () => {
    const p = plan({ ...early429, status: 429, retryTimeout: 300 });
    expect(p.retries).toBe(14);
    expect(p.cumulative.slice(-3)).toEqual([171, 261, 351]);
    expect(p.stop).toBe('retryTimeout');
  });

  it('follows an early cap given per call, for any status', () => {
    const p = plan({ status: 503, earlyCap: { 503: [2, 0.3] } });
    expect(p.delays.slice(0, 4)).toEqual([0.2, 0.3, 0.8, 1.6]);
  });
});

describe('plan()', () => {
  it('plans a network error with the transient budget and a non-retryable status with none', () => {
    expect(plan({ status: null }).retries).toBe(10);
    const p400 = plan({ status: 400 });
    expect(p400.retries).toBe(0);
    expect(p400.stop).toBe('notRetryable');
  });

  it('plans the interactive profile with fewer retries and a shorter window', () => {
    const p = plan({ profile: 'interactive' });
    expect(p.retries).toBeLessThan(10);
    expect(p.total).toBeLessThan(30);
  });

  it('samples the jittered total with a seed, reproducibly', () => {
    const a = plan({ samples: 2000, seed: 3 });
    const b = plan({ samples: 2000, seed: 3 });
    expect(a.jittered).toEqual(b.jittered);
    const j = a.jittered!;
    expect(j.p5).toBeLessThanOrEqual(j.median);
    expect(j.median).toBeLessThanOrEqual(j.p95);
    expect(Math.abs(j.mean / 192.2 - 1)).toBeLessThan(0.25);
    const aws = plan({ samples: 2000, jitter: 'decorrelated' }).jittered!;
    expect(aws.median).toBeLessThan(40); // far below the seed's 192.2 s
  });

  it('measures the centered means over 100,000 samples: 177.2 s for a 503, 51.0 s for a 404, 2802 s for a 429', () => {
    // Below the cap a draw averages the doubling value; at the 90 s cap, 5/6 of it (75 s).
    const mean = (status: number) => plan({ status, samples: 100_000 }).jittered!.mean;
    expect(mean(503)).toBeCloseTo(102.2 + 75, 0);
    expect(mean(404)).toBeCloseTo(51.0, 0);
    expect(Math.abs(mean(429) - (102.2 + 36 * 75))).toBeLessThan(1);
  });

  it('refuses a schedule of more than 100,000 retries, naming the budget, instead of running forever', () => {
    expect(PLAN_LIMITS).toEqual({ retries: 100_000, samples: 1_000_000, sleeps: 10_000_000 });
    expect(() => plan({ retries: Number.POSITIVE_INFINITY, base: 0, cap: 0 })).toThrow(
      new RangeError(
        '`retries` must be at most 100,000 in plan() unless `retryTimeout` ends the schedule sooner, got Infinity (100,000 retries sleep 0 s in all, and `retryTimeout` is 3,600 s)',
      ),
    );
    expect(() => plan({ retries: 1e9, retryTimeout: Number.POSITIVE_INFINITY })).toThrow(
      /^`retries` must be at most 100,000 in plan\(\) unless `retryTimeout` ends the schedule sooner, got 1,000,000,000 /,
    );
    expect(() =>
      plan({ status: 429, retriesByStatus: { 429: Number.POSITIVE_INFINITY }, base: 0, cap: 0 }),
    ).toThrow(/^`retriesByStatus\[429\]` must be at most 100,000 in plan\(\)/);
    // The bound itself is planned, and a retryTimeout that ends a longer budget sooner is fine.
    expect(plan({ retries: 100_000, retryTimeout: Number.POSITIVE_INFINITY }).retries).toBe(
      100_000,
    );
    // 0.2 + … + 51.2 + 90 = 192.2 s, then 38 more sleeps of 90 s pass 3600 s.
    expect(plan({ retries: Number.POSITIVE_INFINITY }).retries).toBe(48);
  });

  it('refuses more than 1,000,000 samples, or more than 10,000,000 sleeps drawn in all', () => {
    expect(() => plan({ samples: 1e9 })).toThrow(
      new RangeError('`samples` must be an integer >= 0 and <= 1000000, got 1000000000'),
    );
    // 45 retries a schedule: at most 222,222 samples.
    expect(() => plan({ status: 429, samples: 222_223 })).toThrow(
      new RangeError(
        '`samples` must be at most 222,222 for a schedule of 45 retries (at most 10,000,000 sleeps drawn in all), got 222,223',
      ),
    );
    expect(() =>
      plan({ retries: 100_000, retryTimeout: Number.POSITIVE_INFINITY, samples: 101 }),
    ).toThrow(/^`samples` must be at most 100 for a schedule of 100,000 retries/);
  });

  it('counts the sleeps of jittered schedules that need more retries than the nominal one', () => {
    // Nominally 10 sleeps of 0.1 s reach the 0.95 s retryTimeout; `full` jitter draws
    // below 0.1 s, so its schedules need about twice as many.
    const options = {
      base: 0.1,
      cap: 0.1,
      retries: Number.POSITIVE_INFINITY,
      retryTimeout: 0.95,
      jitter: 'full',
    } as const;
    expect(plan(options).retries).toBe(10);
    expect(plan({ ...options, samples: 100 }).jittered?.samples).toBe(100);
    expect(() => plan({ ...options, samples: 1_000_000 })).toThrow(
      new RangeError(
        '`samples` × retries must be at most 10,000,000 sleeps drawn in all, and 1,000,000 jittered schedules need more; lower `samples`',
      ),
    );
  });

  it('rejects bad options naming them', () => {
    expect(() => plan({ status: 42 })).toThrow(/`status`.*42/);
    expect(() => plan({ retryTimeout: -1 })).toThrow(/`retryTimeout`/);
    expect(() => plan({ profile: 'batch' as never })).toThrow(/`profile` must be one of/);
    expect(() => plan({ samples: 0.5 })).toThrow(/`samples`/);
    expect(() =>
      plan({ retries: Number.POSITIVE_INFINITY, retryTimeout: Number.POSITIVE_INFINITY }),
    ).toThrow(/never end/);
  });
});
