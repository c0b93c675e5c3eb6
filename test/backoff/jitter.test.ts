import { describe, expect, it } from 'vitest';
import {
  capAt,
  centered,
  decorrelated,
  equal,
  exponentialDelay,
  full,
  initialJitterState,
  type Jitter,
  type JitterParams,
  jitters,
  nextJitterState,
  none,
} from '../../src/backoff/jitter.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

const seed = { base: 0.1, cap: 90 };

function draw(
  jitter: Jitter,
  n: number,
  random: () => number,
  params: JitterParams = seed,
): number[] {
  let state = initialJitterState(params);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const delay = jitter(state, params, random);
    out.push(delay);
    state = nextJitterState(state, delay);
  }
  return out;
}

describe('jitter strategies', () => {
  it('none is the original doubling: 0.2 + 0.4 + … + 90 = 192.2', () => {
    const delays = draw(none, 10, () => 0.5);
    expect(delays.map((d) => Math.round(d * 10) / 10)).toEqual([
      0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90,
    ]);
    expect(delays.reduce((a, b) => a + b)).toBeCloseTo(192.2, 9);
  });

  it('full draws from [0, v], equal from [v/2, v]', () => {
    expect(draw(full, 3, () => 0)).toEqual([0, 0, 0]);
    expect(draw(full, 3, () => 0.5)).toEqual([0.1, 0.2, 0.4]);
    expect(draw(equal, 3, () => 0)).toEqual([0.1, 0.2, 0.4]);
  });

  it('centered stays within [2/3 v, min(cap, 4/3 v)] and never exceeds the cap', () => {
    const clock = new VirtualClock({ seed: 11 });
    for (let run = 0; run < 200; run++) {
      draw(centered, 45, () => clock.random()).forEach((d, i) => {
        const v = exponentialDelay(i + 1, seed);
        expect(d).toBeGreaterThanOrEqual((2 / 3) * v - 1e-12);
        expect(d).toBeLessThanOrEqual(Math.min(90, (4 / 3) * v));
      });
    }
  });

  it('centered keeps the original windows in expectation within 25 % (192.2 s, 51.0 s, 3342.2 s)', () => {
    const clock = new VirtualClock({ seed: 2 });
    const mean = (n: number) => {
      let sum = 0;
      for (let run = 0; run < 4000; run++)
        sum += draw(centered, n, () => clock.random()).reduce((a, b) => a + b);
      return sum / 4000;
    };
    expect(Math.abs(mean(10) / 192.2 - 1)).toBeLessThan(0.25);
    expect(Math.abs(mean(8) / 51.0 - 1)).toBeLessThan(0.25);
    expect(Math.abs(mean(45) / 3342.2 - 1)).toBeLessThan(0.25);
  });

  it('decorrelated sticks at the cap: two thirds of the sleeps after a capped one, about a quarter of late sleeps', () => {
    const clock = new VirtualClock({ seed: 4 });
    let atCap = 0;
    let afterCap = 0;
    let all = 0;
    let capped = 0;
    for (let run = 0; run < 2000; run++) {
      const delays = draw(decorrelated, 45, () => clock.random());
      delays.forEach((d, i) => {
        if (i >= 20) {
          all++;
          if (d === 90) capped++;
        }
        if (i > 0 && delays[i - 1] === 90) {
          afterCap++;
          if (d === 90) atCap++;
        }
      });
    }
    expect(atCap / afterCap).toBeCloseTo(2 / 3, 1);
    expect(capped / all).toBeGreaterThan(0.15);
    expect(capped / all).toBeLessThan(0.35);
  });

  it('decorrelated grows about 1.1× per sleep at the median, far below doubling', () => {
    const clock = new VirtualClock({ seed: 8 });
    const totals = Array.from({ length: 4001 }, () =>
      draw(decorrelated, 10, () => clock.random()).reduce((a, b) => a + b),
    ).sort((a, b) => a - b);
    const median = totals[2000]!;
    expect(median).toBeGreaterThan(8);
    expect(median).toBeLessThan(30);
  });

  it('every strategy is a pure function of its inputs', () => {
    for (const jitter of Object.values(jitters)) {
      const state = { attempt: 3, prev: 0.7 };
      expect(jitter(state, seed, () => 0.42)).toEqual(jitter(state, seed, () => 0.42));
      expect(state).toEqual({ attempt: 3, prev: 0.7 });
    }
  });

  describe('with an early cap', () => {
    const early = { base: 0.1, cap: 90, early: { retries: 12, cap: 30 } };

    it('exponentialDelay caps the first `retries` tries at the early cap, then at the cap', () => {
      const nominal = Array.from({ length: 14 }, (_, i) => exponentialDelay(i + 1, early));
      expect(nominal.map((d) => Math.round(d * 10) / 10)).toEqual([
        0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30, 30, 90, 90,
      ]);
      expect(exponentialDelay(12, early)).toBe(30);
      expect(exponentialDelay(13, early)).toBe(90);
      expect(exponentialDelay(5000, early)).toBe(90);
      // Without an early cap, the original doubling: 51.2 at the 9th try.
      expect(exponentialDelay(9, seed)).toBeCloseTo(51.2, 9);
    });

    it('capAt never raises the cap: an early cap above it changes nothing', () => {
      expect(capAt(1, early)).toBe(30);
      expect(capAt(13, early)).toBe(90);
      expect(capAt(1, { base: 0.1, cap: 5, early: { retries: 12, cap: 30 } })).toBe(5);
      expect(capAt(1, seed)).toBe(90);
    });

    it('every strategy bounds its first 12 sleeps by the early cap (centered by 4/3 of it), and later ones by the cap', () => {
      const clock = new VirtualClock({ seed: 5 });
      for (const [name, jitter] of Object.entries(jitters)) {
        const bound = name === 'centered' ? 40 : 30;
        let late = 0;
        for (let run = 0; run < 100; run++) {
          const delays = draw(jitter, 45, () => clock.random(), early);
          expect(Math.max(...delays.slice(0, 12)), name).toBeLessThanOrEqual(bound);
          expect(Math.max(...delays), name).toBeLessThanOrEqual(90);
          late = Math.max(late, ...delays.slice(12));
        }
        expect(late, name).toBeGreaterThan(bound);
      }
    });

    it('centered spreads the early-capped sleeps over [20, 40] s, around the nominal 30 s', () => {
      const clock = new VirtualClock({ seed: 6 });
      const ninth: number[] = [];
      for (let run = 0; run < 2000; run++)
        ninth.push(draw(centered, 9, () => clock.random(), early)[8]!);
      expect(Math.min(...ninth)).toBeGreaterThanOrEqual(20);
      expect(Math.max(...ninth)).toBeLessThanOrEqual(40);
      expect(ninth.reduce((a, b) => a + b) / ninth.length).toBeCloseTo(30, 0);
    });

    it('decorrelated clamps exactly the first `retries` draws at the early cap', () => {
      const params = { base: 0.125, cap: 90, early: { retries: 2, cap: 0.5 } };
      // With every draw at the top, a sleep is prev · 3 unless a cap holds it back.
      expect(draw(decorrelated, 4, () => 1, params)).toEqual([0.375, 0.5, 1.5, 4.5]);
      expect(
        draw(decorrelated, 3, () => 1, { ...params, early: { retries: 0, cap: 0.5 } }),
      ).toEqual([0.375, 1.125, 3.375]);
    });

    it('decorrelated clamps its first 12 draws at the early cap', () => {
      const clock = new VirtualClock({ seed: 9 });
      let clamped = 0;
      for (let run = 0; run < 200; run++) {
        const delays = draw(decorrelated, 12, () => clock.random(), early);
        clamped += delays.filter((d) => d === 30).length;
      }
      expect(clamped).toBeGreaterThan(0);
    });

    it('keeps the 429 window of 45 retries within 25 % of the original 3342.2 s in expectation', () => {
      const clock = new VirtualClock({ seed: 2 });
      let sum = 0;
      for (let run = 0; run < 2000; run++)
        sum += draw(centered, 45, () => clock.random(), early).reduce((a, b) => a + b);
      // 0.2 + … + 25.6 (51.0), 4 sleeps of about 30 s, 33 of about 75 s: about 2646 s.
      expect(sum / 2000 / 3342.2).toBeGreaterThan(0.75);
      expect(sum / 2000).toBeCloseTo(2646, -2);
    });
  });
});
