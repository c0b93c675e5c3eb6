import { describe, expect, it } from 'vitest';
import type { RetryCoordinator, RetryEvent } from '../../src/retry/contract.js';
import { profiles } from '../../src/retry/profiles.js';
import { retry } from '../../src/retry/retry.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import {
  COORDINATOR_SPREAD,
  RETRY_SPREAD,
  resolveSpread,
  spreadWidth,
} from '../../src/retry/spread.js';
import type { Clock } from '../../src/time/clock.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

/** A VirtualClock whose random draws are all `u`, so a spread's width can be read off. */
function fixedDraw(u: number): Clock & { now(): number } {
  const clock = new VirtualClock();
  return { now: () => clock.now(), sleep: (s, signal) => clock.sleep(s, signal), random: () => u };
}

/** Throttled `throttles` times with `Retry-After: s`, then a success; returns the waits. */
async function waits(
  clock: Clock,
  throttles: number,
  s: number,
  options: Parameters<typeof retry>[1] = {},
): Promise<number[]> {
  const events: RetryEvent[] = [];
  let n = 0;
  await retry(async () => ++n, {
    clock,
    classify: (o) =>
      o.ok && o.value <= throttles ? { retry: true, status: 429, retryAfter: s } : { retry: false },
    onRetry: (e) => void events.push(e),
    ...options,
  });
  return events.map((e) => e.delay);
}

describe('spreadWidth', () => {
  it('widens linearly by default for retry(): s · (2k − 1), capped at 30 s', () => {
    const widths = Array.from({ length: 18 }, (_, i) => spreadWidth(1, i + 1, RETRY_SPREAD));
    expect(widths.slice(0, 5)).toEqual([1, 3, 5, 7, 9]);
    expect(widths.slice(15)).toEqual([30, 30, 30]);
    expect(spreadWidth(2, 3, RETRY_SPREAD)).toBe(10);
    expect(spreadWidth(60, 1, RETRY_SPREAD)).toBe(30);
  });

  it('widens geometrically by default for the Coordinator: s · 1.5^(k − 1)', () => {
    expect([1, 2, 3].map((k) => spreadWidth(2, k, COORDINATOR_SPREAD))).toEqual([2, 3, 4.5]);
    expect(spreadWidth(1, 20, COORDINATOR_SPREAD)).toBe(30);
  });

  it('reads k = 0 as the first throttle and gives no width for a Retry-After of 0', () => {
    expect(spreadWidth(1, 0, RETRY_SPREAD)).toBe(1);
    expect(spreadWidth(0, 5, RETRY_SPREAD)).toBe(0);
  });
});

describe('resolveSpread', () => {
  it('gives the defaults for undefined and true, nothing for false, and overrides field by field', () => {
    expect(resolveSpread('x', undefined, RETRY_SPREAD)).toBe(RETRY_SPREAD);
    expect(resolveSpread('x', true, RETRY_SPREAD)).toBe(RETRY_SPREAD);
    expect(resolveSpread('x', false, RETRY_SPREAD)).toBeUndefined();
    expect(resolveSpread('x', { maxSpread: 5 }, RETRY_SPREAD)).toEqual({
      spread: 1,
      slope: 2,
      growth: 1,
      maxSpread: 5,
    });
  });

  it('returns a spread it resolved before as it is, whatever the defaults', () => {
    expect(resolveSpread('x', COORDINATOR_SPREAD, RETRY_SPREAD)).toBe(COORDINATOR_SPREAD);
    expect(resolveSpread('x', RETRY_SPREAD, COORDINATOR_SPREAD)).toBe(RETRY_SPREAD);
    const custom = resolveSpread('x', { slope: 0 }, RETRY_SPREAD);
    expect(resolveSpread('y', custom, COORDINATOR_SPREAD)).toBe(custom);
    // An equal object that was not resolved here is checked and copied.
    const copy = { ...RETRY_SPREAD };
    expect(resolveSpread('x', copy, COORDINATOR_SPREAD)).not.toBe(copy);
    expect(resolveSpread('x', copy, COORDINATOR_SPREAD)).toEqual(RETRY_SPREAD);
  });

  it('takes every field given over the defaults and freezes the result', () => {
    const given = { spread: 2, slope: 3, growth: 4, maxSpread: 5 };
    const spread = resolveSpread('x', given, COORDINATOR_SPREAD);
    expect(spread).toEqual(given);
    expect(Object.isFrozen(spread)).toBe(true);
    expect(resolveSpread('x', {}, COORDINATOR_SPREAD)).toEqual(COORDINATOR_SPREAD);
    // Zero is a value, not an absent field.
    expect(resolveSpread('x', { spread: 0, slope: 0, maxSpread: 0 }, RETRY_SPREAD)).toEqual({
      spread: 0,
      slope: 0,
      growth: 1,
      maxSpread: 0,
    });
  });

  it.each([
    ['spread', -1, '>= 0'],
    ['slope', -0.5, '>= 0'],
    ['growth', 0.5, '>= 1'],
    ['maxSpread', -1, '>= 0'],
    ['maxSpread', Number.POSITIVE_INFINITY, '>= 0'],
  ])('rejects %s %d with a RangeError naming it in full', (field, value, bound) => {
    const call = () => resolveSpread('retryAfterSpread', { [field]: value }, RETRY_SPREAD);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(
      `\`retryAfterSpread.${field}\` must be a finite number ${bound}, got ${value}`,
    );
  });

  it('names the option and the value it rejects', () => {
    expect(() => resolveSpread('retryAfterSpread', { growth: 0.5 }, RETRY_SPREAD)).toThrow(
      RangeError,
    );
    expect(() => resolveSpread('retryAfterSpread', { slope: -1 }, RETRY_SPREAD)).toThrow(
      /`retryAfterSpread.slope` must be a finite number >= 0, got -1/,
    );
    expect(() => resolveSpread('retryAfterSpread', { spred: 1 }, RETRY_SPREAD)).toThrow(
      /Unknown option `spred`.*did you mean `spread`/,
    );
    expect(() => resolveSpread('retryAfterSpread', 'wide', RETRY_SPREAD)).toThrow(
      /`retryAfterSpread` must be a boolean or an options object, got/,
    );
  });
});

describe('retry() spreads its wait above a Retry-After when no coordinator is given', () => {
  it('never waits less than s nor more than s plus the width, whatever the seed', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const delays = await waits(new VirtualClock({ seed }), 20, 1);
      expect(delays).toHaveLength(20);
      delays.forEach((d, i) => {
        expect(d).toBeGreaterThanOrEqual(1);
        expect(d).toBeLessThanOrEqual(1 + Math.min(30, 2 * (i + 1) - 1));
      });
    }
  });

  it('widens with each Retry-After of the call as the rule says', async () => {
    // With every draw at 0.5 the wait is s plus half the width: the k-th wait is (k + ½) · s.
    expect(await waits(fixedDraw(0.5), 5, 2)).toEqual([3, 5, 7, 9, 11]);
    expect(
      await waits(fixedDraw(0.5), 2, 2, { retryAfterSpread: { slope: 0, growth: 2 } }),
    ).toEqual([3, 4]);
  });

  it('averages (k + ½) · s on the k-th throttle over many seeds', async () => {
    const sums = [0, 0, 0, 0];
    const runs = 400;
    for (let seed = 1; seed <= runs; seed++) {
      const delays = await waits(new VirtualClock({ seed }), 4, 1);
      delays.forEach((d, i) => {
        sums[i]! += d;
      });
    }
    sums.forEach((sum, i) => {
      expect(Math.abs(sum / runs - (i + 1.5))).toBeLessThan(0.25);
    });
  });

  it('waits exactly s when retryAfterSpread is false', async () => {
    expect(await waits(new VirtualClock({ seed: 3 }), 6, 1.5, { retryAfterSpread: false })).toEqual(
      Array(6).fill(1.5),
    );
  });

  it('waits exactly s when a coordinator is given (the coordinator spreads what it holds)', async () => {
    const coordinator: RetryCoordinator = {
      acquire() {},
      record() {},
      allowRetry: () => true,
    };
    expect(await waits(new VirtualClock({ seed: 3 }), 4, 1, { coordinator })).toEqual(
      Array(4).fill(1),
    );
  });

  it('never costs a retry of the budget: the interactive profile still makes all 5 retries of a 429', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const clock = new VirtualClock({ seed });
      const events: RetryEvent[] = [];
      let n = 0;
      const result = await retry(async () => ({ n: ++n }), {
        clock,
        profile: profiles.interactive,
        classify: () => ({ retry: true, status: 429, retryAfter: 2 }),
        onRetry: (e) => void events.push(e),
      });
      expect(n).toBe(6);
      expect(retryInfo(result)?.reason).toBe('retries');
      expect(events.every((e) => e.delay >= 2)).toBe(true);
      // The last retry starts within retryTimeout (15 s), as it would waiting exactly.
      expect(clock.now()).toBeLessThanOrEqual(15);
    }
  });
});
