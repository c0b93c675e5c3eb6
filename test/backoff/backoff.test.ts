import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/backoff/backoff.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

describe('Backoff', () => {
  it('uses the original defaults: cap 90 s, base 0.1 s', () => {
    const backoff = new Backoff();
    expect(backoff.cap).toBe(90);
    expect(backoff.base).toBe(0.1);
  });

  it('keeps every delay within [base, cap] of its status', () => {
    const clock = new VirtualClock({ seed: 3 });
    const backoff = new Backoff({ clock, backoffDict: { 429: [1, 30], 404: [0.5, 5] } });
    for (let i = 0; i < 500; i++) {
      const d503 = backoff.next(503);
      const d429 = backoff.next(429);
      const d404 = backoff.next(404);
      expect(d503).toBeGreaterThanOrEqual(0.1);
      expect(d503).toBeLessThanOrEqual(90);
      expect(d429).toBeGreaterThanOrEqual(1);
      expect(d429).toBeLessThanOrEqual(30);
      expect(d404).toBeGreaterThanOrEqual(0.5);
      expect(d404).toBeLessThanOrEqual(5);
    }
  });

  it('follows min(cap, uniform(base, prev * 3)) with prev starting at base', () => {
    const draws = [0.5, 0.25, 1, 0];
    let i = 0;
    const clock = { now: () => 0, sleep: async () => {}, random: () => draws[i++]! };
    const backoff = new Backoff({ clock, base: 1, cap: 4 });
    expect(backoff.next()).toBe(2); // uniform(1, 3) at 0.5
    expect(backoff.next()).toBe(2.25); // uniform(1, 6) at 0.25
    expect(backoff.next()).toBe(4); // uniform(1, 6.75) at 1 → 6.75, clamped to the cap
    expect(backoff.next()).toBe(1); // uniform(1, 12) at 0 → base
  });

  it('draws with the jitter it was given, for every status within its own bounds', () => {
    const none = new Backoff({ jitter: 'none', backoffDict: { 429: [1, 10] } });
    expect([none.next(), none.next(), none.next()]).toEqual([0.2, 0.4, 0.8]);
    expect([none.next(429), none.next(429), none.next(429), none.next(429)]).toEqual([2, 4, 8, 10]);
    expect(none.next(503)).toBe(0.2);
    const clock = { now: () => 0, sleep: async () => {}, random: () => 0.5 };
    const full = new Backoff({ jitter: 'full', clock });
    expect([full.next(), full.next(), full.next()]).toEqual([0.1, 0.2, 0.4]);
    const equal = new Backoff({ jitter: 'equal', clock, base: 1 });
    expect([equal.next(), equal.next()]).toEqual([1.5, 3]);
  });

  it('keeps one independent state per status', () => {
    const a = new Backoff({ clock: new VirtualClock({ seed: 9 }) });
    const b = new Backoff({ clock: new VirtualClock({ seed: 9 }) });
    const alone = [a.next(503), a.next(503), a.next(503)];
    // The same random draws interleaved with another status give that status its own cursor.
    const first = b.next(503);
    const other = b.next(429);
    const second = b.next(503);
    expect(first).toBe(alone[0]);
    expect(other).toBeLessThanOrEqual(0.3); // a fresh 429 sequence draws from [base, 3 * base]
    expect(second).toBeLessThanOrEqual(first * 3);
  });

  it('reset() starts a status over, and without a status every sequence', () => {
    const draws = () => 1 - Number.EPSILON;
    const backoff = new Backoff({ clock: { now: () => 0, sleep: async () => {}, random: draws } });
    const growing = [backoff.next(503), backoff.next(503), backoff.next(503)];
    expect(growing[2]).toBeGreaterThan(growing[0]!);
    backoff.reset(503);
    expect(backoff.next(503)).toBeCloseTo(growing[0]!);
    backoff.next(429);
    backoff.next(429);
    backoff.next();
    const third = [backoff.next(), backoff.next()][1];
    expect(third).toBeGreaterThan(growing[0]!);
    backoff.reset();
    expect(backoff.next(429)).toBeCloseTo(growing[0]!);
    expect(backoff.next()).toBeCloseTo(growing[0]!);
    expect(() => backoff.reset(99)).toThrow(/^`status` must be an HTTP status code/);
  });

  it('exponential(tries) gives 0.2, 0.4 … 51.2, 90, 90 as in the original', () => {
    const backoff = new Backoff();
    const seed = [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90, 90];
    for (const [i, expected] of seed.entries())
      expect(backoff.exponential(i + 1)).toBeCloseTo(expected, 10);
    expect(backoff.exponential(0)).toBe(0.1);
  });

  it('never yields NaN, Infinity or more than the cap for huge tries', () => {
    const backoff = new Backoff({ backoffDict: { 429: [0, 5] } });
    for (const tries of [1024, 1e6, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      expect(backoff.exponential(tries)).toBe(90);
      expect(backoff.exponential(tries, 429)).toBe(0);
    }
  });

  it('sleep() waits the delay it resolves to, in virtual time', async () => {
    const clock = new VirtualClock({ seed: 5 });
    const backoff = new Backoff({ clock });
    let total = 0;
    for (let i = 0; i < 45; i++) total += await backoff.sleep(429);
    expect(clock.now()).toBeCloseTo(total, 9);
    expect(await backoff.exponentialSleep(10)).toBe(90);
    expect(clock.now()).toBeCloseTo(total + 90, 9);
  });

  it('a sleep aborted mid-way rejects with the abort reason', async () => {
    const clock = new VirtualClock({ auto: false });
    const backoff = new Backoff({ clock });
    const controller = new AbortController();
    const sleeping = backoff.exponentialSleep(5, undefined, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });

  it('holds its bounds for any valid base, cap, status and tries (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (x, y, tries, seed) => {
          const [base, cap] = x <= y ? [x, y] : [y, x];
          const backoff = new Backoff({ base, cap, clock: new VirtualClock({ seed }) });
          const e = backoff.exponential(tries);
          expect(Number.isFinite(e)).toBe(true);
          expect(e).toBeLessThanOrEqual(cap);
          expect(e).toBeGreaterThanOrEqual(Math.min(base, cap));
          for (let i = 0; i < 20; i++) {
            const d = backoff.next();
            expect(d).toBeGreaterThanOrEqual(base);
            expect(d).toBeLessThanOrEqual(cap);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('Backoff option validation', () => {
  const cases: Array<[string, unknown, ErrorConstructor, RegExp]> = [
    ['negative base', { base: -1 }, RangeError, /`base`.*-1/],
    ['NaN cap', { cap: Number.NaN }, RangeError, /`cap`.*NaN/],
    ['infinite cap', { cap: Number.POSITIVE_INFINITY }, RangeError, /`cap`.*Infinity/],
    [
      'base above cap',
      { base: 5, cap: 1 },
      RangeError,
      /`cap` must be a finite number >= `base` \(5\), got 1/,
    ],
    ['string base', { base: '0.1' }, TypeError, /`base` must be a number, got "0.1"/],
    [
      'unknown key',
      { bsae: 1 },
      TypeError,
      /Unknown option `bsae` in Backoff options; did you mean `base`/,
    ],
    ['clock without methods', { clock: {} }, TypeError, /^`clock` must be a Clock/],
    [
      'backoffDict key that is not a number',
      { backoffDict: new Map([[true, [1, 2]]]) },
      TypeError,
      /`backoffDict key` must be an HTTP status code/,
    ],
    [
      'status outside 100–599',
      { backoffDict: { 600: [1, 2] } },
      RangeError,
      /`backoffDict key`.*600/,
    ],
    [
      'entry that is not a pair',
      { backoffDict: { 429: [1] } },
      TypeError,
      /`backoffDict\[429\]`.*pair/,
    ],
    [
      'entry whose base exceeds its cap',
      { backoffDict: new Map([[429, [3, 2]]]) },
      RangeError,
      /`backoffDict\[429\]\.cap` must be a finite number >= its base \(3\), got 2/,
    ],
    ['unknown jitter', { jitter: 'fancy' }, RangeError, /`jitter` must be one of/],
  ];
  for (const [name, options, type, message] of cases) {
    it(`rejects ${name} with a ${type.name} naming the option`, () => {
      expect(() => new Backoff(options as never)).toThrow(type);
      expect(() => new Backoff(options as never)).toThrow(message);
    });
  }

  it('rejects a non-integer or negative tries and a bad status, naming them', () => {
    const backoff = new Backoff();
    expect(() => backoff.exponential(1.5)).toThrow(/`tries` must be an integer >= 0, got 1.5/);
    expect(() => backoff.exponential(-1)).toThrow(RangeError);
    expect(() => backoff.next(99)).toThrow(/`status`.*99/);
    expect(() => backoff.next(503.5)).toThrow(RangeError);
  });

  it('accepts a Map as backoffDict', () => {
    const backoff = new Backoff({ backoffDict: new Map([[429, [1, 2] as const]]) });
    expect(backoff.params(429)).toEqual({ base: 1, cap: 2 });
    expect(backoff.params(503)).toEqual({ base: 0.1, cap: 90 });
  });
});
