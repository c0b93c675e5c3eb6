import { describe, expect, it } from 'vitest';
import { budgetAllows, isIdle, observation, observe, takeSlots } from '../../src/fleet/policy.js';
import { COLD, type QuotaCounts, type QuotaState } from '../../src/fleet/state.js';
import { policyOf, seen } from '../support/fleet.js';

// The policy alone: plain records in, plain records out; no clock, no store, no engine.

const counts = (accepted = 0, requests = 0, retries = 0): QuotaCounts => ({
  accepted,
  requests,
  retries,
});
const throttled = (retryAfter?: number) => seen({ answer: 'throttled', retry: true, retryAfter });
const state = (s: Partial<QuotaState>): QuotaState => Object.freeze({ ...COLD, ...s });

describe('observation', () => {
  it('reads a verdict as the fleet needs it: a throttling status, another status, or none', () => {
    const p = policyOf();
    expect(observation({ retry: true, status: 429, retryAfter: 2 }, 1, p, true)).toEqual({
      first: true,
      answer: 'throttled',
      quota: true,
      retry: true,
      retryAfter: 2,
      waiting: true,
    });
    expect(observation({ retry: true, status: 503 }, 1, p, false)).toMatchObject({
      answer: 'throttled',
      quota: false,
    });
    expect(observation({ retry: true, status: 500 }, 2, p, false)).toMatchObject({
      first: false,
      answer: 'answered',
      quota: false,
    });
    expect(observation({ retry: true }, 1, p, false).answer).toBe('failed');
    // Without a rate limit no status throttles.
    expect(
      observation({ retry: true, status: 429 }, 1, policyOf({ rateLimit: false }), false).answer,
    ).toBe('answered');
  });
});

describe('observe: the shared hold', () => {
  const p = policyOf({ rateLimit: false });

  it('holds until now + Retry-After, capped at maxHold, and keeps the later of two instants', () => {
    const held = observe(COLD, p, 10, counts(), throttled(5));
    expect(held).toMatchObject({ until: 15, span: 5, streak: 1 });
    expect(observe(held, p, 11, counts(), throttled(1))).toMatchObject({ until: 15, span: 5 });
    expect(observe(COLD, p, 0, counts(), throttled(1000)).until).toBe(300);
  });

  it('counts holds in a row, and a settled answer (not a failure without status) ends the row', () => {
    const twice = observe(
      observe(COLD, p, 0, counts(), throttled(1)),
      p,
      2,
      counts(),
      throttled(1),
    );
    expect(twice.streak).toBe(2);
    expect(observe(twice, p, 3, counts(), seen({ answer: 'failed' })).streak).toBe(2);
    expect(observe(twice, p, 3, counts(), seen({ answer: 'answered' })).streak).toBe(0);
    // A wave of first attempts that the hold already stops counts once; retries count each.
    const wave = observe(COLD, p, 0, counts(), seen({ ...throttled(1), first: true }));
    const rest = observe(wave, p, 0.05, counts(), seen({ ...throttled(1), first: true }));
    expect(rest.streak).toBe(1);
    expect(observe(rest, p, 0.05, counts(), throttled(1)).streak).toBe(2);
    expect(observe(rest, p, 1.1, counts(), seen({ ...throttled(1), first: true })).streak).toBe(2);
    // A retried answer does not end it either.
    expect(observe(twice, p, 3, counts(), seen({ answer: 'answered', retry: true })).streak).toBe(
      2,
    );
  });

  it('does not hold the others while the rate limit paces them, unless whilePacing', () => {
    const paced = state({ rate: 5 });
    expect(observe(paced, policyOf(), 0, counts(3), throttled(2)).until).toBe(
      Number.NEGATIVE_INFINITY,
    );
    const always = policyOf({ retryAfter: { whilePacing: true } });
    expect(observe(paced, always, 0, counts(3), throttled(2)).until).toBe(2);
  });

  it('returns the same record when nothing changes, and never writes to the one given', () => {
    const s = state({ rate: 5, lastCut: 0 });
    expect(observe(s, policyOf(), 0.5, counts(5), seen({}))).toBe(s);
    expect(observe(COLD, policyOf(), 0, counts(1), seen({ answer: 'answered' }))).toBe(COLD);
  });
});

describe('observe: the adaptive rate limit', () => {
  const p = policyOf({ retryAfter: false });

  it('starts at the rate the server just accepted, and learns it for a cooldown', () => {
    const first = observe(COLD, p, 5, counts(7), throttled());
    expect(first).toMatchObject({ rate: 7, learning: 6, lastCut: 5 });
    // Answers still in flight during the cooldown raise the start.
    expect(observe(first, p, 5.5, counts(9), seen({})).rate).toBe(9);
    expect(observe(first, p, 5.5, counts(6), seen({})).rate).toBe(7);
  });

  it('leaves a first Retry-After without evidence of the rate to the hold', () => {
    expect(observe(COLD, p, 0, counts(0), throttled(1)).rate).toBe(Number.POSITIVE_INFINITY);
    expect(observe(COLD, p, 0, counts(4), throttled(1)).rate).toBe(4);
    expect(observe(COLD, p, 0, counts(0), throttled()).rate).toBe(0.5);
  });

  it('grows only while attempts wait: ×growth per second of answers below the threshold, by probe above', () => {
    const s = state({ rate: 4, threshold: 10, learning: 0 });
    expect(observe(s, p, 1, counts(4), seen({ waiting: false }))).toBe(s);
    expect(observe(s, p, 1, counts(4), seen({ waiting: true })).rate).toBeCloseTo(4 * 1.6 ** 0.25);
    const above = state({ rate: 20, threshold: 10, learning: 0 });
    expect(observe(above, p, 1, counts(4), seen({ waiting: true })).rate).toBeCloseTo(
      20 + (0.005 * 10) / 20,
    );
  });

  it('cuts once per cooldown to the lower of rate × decrease and what the server admits', () => {
    const s = state({ rate: 20, lastCut: 0, learning: 1 });
    expect(observe(s, p, 0.5, counts(5), throttled())).toBe(s);
    expect(observe(s, p, 2, counts(30), throttled())).toMatchObject({
      rate: 18,
      threshold: 30,
      lastCut: 2,
    });
    expect(observe(s, p, 2, counts(12), throttled())).toMatchObject({ rate: 12, threshold: 12 });
    // Nothing admitted: halve, down to the minimum.
    expect(observe(s, p, 2, counts(0), throttled()).rate).toBe(10);
    expect(observe(state({ rate: 0.6, lastCut: 0 }), p, 2, counts(0), throttled()).rate).toBe(0.5);
    // Nothing of this client admitted, but a 429 (the server is up, others spend the quota):
    // rate × decrease, down to the minimum, and the server still counts as accepting.
    const quota = seen({ answer: 'throttled', retry: true, quota: true });
    const busy = state({ rate: 2, lastCut: 0, accepting: 1 });
    expect(observe(busy, p, 2, counts(0), quota)).toMatchObject({
      rate: 1.8,
      lastCut: 2,
      accepting: 1,
    });
    expect(observe(busy, p, 0.5, counts(0), quota)).toBe(busy);
    expect(observe(state({ rate: 0.52, lastCut: 0 }), p, 2, counts(0), quota).rate).toBe(0.5);
  });

  it('climbs at growth³ while no ceiling holds and the server was seen accepting, at growth after an outage', () => {
    const started = observe(COLD, p, 0, counts(4), throttled());
    expect(started).toMatchObject({ rate: 4, accepting: 1, threshold: Number.POSITIVE_INFINITY });
    const waiting = seen({ waiting: true });
    expect(observe(started, p, 2, counts(4), waiting).rate).toBeCloseTo(4 * 1.6 ** (3 / 4));
    const outage = observe(COLD, p, 0, counts(0), throttled());
    expect(outage).toMatchObject({ rate: 0.5, accepting: 0 });
    expect(observe(outage, p, 2, counts(1), waiting).rate).toBeCloseTo(0.5 * 1.6 ** 2);
    // An outage after a climb: the recovery climbs at growth again.
    const down = observe(
      state({ rate: 8, accepting: 1, lastCut: 0 }),
      p,
      2,
      counts(0),
      throttled(),
    );
    expect(down).toMatchObject({ rate: 4, accepting: 0 });
    expect(observe(down, p, 4, counts(1), waiting).rate).toBeCloseTo(4 * 1.6 ** 0.25);
  });

  it('cuts at most to deepestCut of the rate, however little this client saw accepted', () => {
    const s = state({ rate: 20, lastCut: 0 });
    expect(observe(s, p, 2, counts(2), throttled())).toMatchObject({ rate: 10, threshold: 10 });
    expect(observe(s, p, 2, counts(15), throttled())).toMatchObject({ rate: 15, threshold: 15 });
  });

  it('keeps a ceiling that the next cut finds again for confirmedHold; lets one it does not lapse after ceilingHold', () => {
    const waiting = seen({ waiting: true });
    // The first ceiling: 12, holding for 2 s.
    const cut = observe(
      state({ rate: 20, lastCut: 0, accepting: 1 }),
      p,
      2,
      counts(12),
      throttled(),
    );
    expect(cut).toMatchObject({ rate: 12, threshold: 12, ceilingUntil: 4, accepting: 1 });
    // While it holds: the slow probe above it.
    expect(observe(cut, p, 3, counts(12), waiting).rate).toBeCloseTo(12 + (0.005 * 12) / 12);
    // Once it lapsed: the climb at growth³, as with no ceiling.
    expect(observe(cut, p, 4, counts(12), waiting).rate).toBeCloseTo(12 * 1.6 ** (3 / 12));
    // Found again within 10 %: it holds for confirmedHold (10 s) after that cut.
    const again = observe({ ...cut, rate: 14 }, p, 5, counts(12), throttled());
    expect(again).toMatchObject({ threshold: 12, ceilingUntil: 15 });
    expect(observe(again, p, 14.9, counts(12), waiting).rate).toBeCloseTo(12 + 0.005);
    // Then it lapses too: a share found twice while others took the rest is not the
    // server's rate, and a client left alone climbs again instead of probing by 0.5 %.
    expect(observe(again, p, 15, counts(12), waiting).rate).toBeCloseTo(12 * 1.6 ** (3 / 12));
    // Found far from it: a new ceiling, for 2 s again.
    expect(observe({ ...cut, rate: 40 }, p, 5, counts(30), throttled())).toMatchObject({
      threshold: 30,
      ceilingUntil: 7,
    });
  });

  it('ignores failures without a status', () => {
    const s = state({ rate: 3 });
    expect(observe(s, p, 1, counts(), seen({ answer: 'failed', retry: true, waiting: true }))).toBe(
      s,
    );
  });
});

describe('takeSlots', () => {
  it('hands out the slot due now, then one every 1 / rate, never before the hold', () => {
    const s = state({ rate: 4 });
    const first = takeSlots(s, 10, 3, 0);
    expect(first).toMatchObject({ first: 10, count: 1, gap: 0.25 });
    expect(first.state.last).toBe(10);
    const early = takeSlots(first.state, 10.1, 3, 0);
    expect(early).toMatchObject({ first: 10.25, count: 0 });
    expect(early.state).toBe(first.state);
    expect(takeSlots(state({ rate: 4, until: 12 }), 10, 1, 0)).toMatchObject({
      first: 12,
      count: 0,
    });
  });

  it('within a horizon, hands out a batch of slots in one answer, also behind slots taken by others', () => {
    const granted = takeSlots(state({ rate: 40 }), 0, 100, 0.25);
    expect(granted).toMatchObject({ first: 0, count: 11, gap: 0.025 });
    expect(granted.state.last).toBeCloseTo(0.25);
    expect(takeSlots(state({ rate: 40 }), 0, 3, 0.25).count).toBe(3);
    const behind = takeSlots(state({ rate: 40, last: 0.2 }), 0, 100, 0.25);
    expect(behind).toMatchObject({ first: 0.225, count: 11 });
  });

  it('without a rate, hands out every slot wanted at once, and none when none is wanted', () => {
    expect(takeSlots(COLD, 3, 5, 0)).toMatchObject({ first: 3, count: 5, gap: 0 });
    expect(takeSlots(COLD, 3, 0, 0).count).toBe(0);
  });

  it('does not make up in a burst for time nobody asked for a slot', () => {
    const late = takeSlots(state({ rate: 10, last: 0 }), 50, 5, 0.25);
    expect(late.first).toBe(50);
    expect(late.count).toBe(3);
  });
});

describe('budgetAllows and isIdle', () => {
  const budget = { ratio: 0.2, minPerSecond: 0.1, window: 10 };

  it('allows retries up to ratio × requests plus minPerSecond × window', () => {
    expect(budgetAllows(counts(0, 10, 2), budget)).toBe(true);
    expect(budgetAllows(counts(0, 10, 3), budget)).toBe(false);
    expect(budgetAllows(counts(0, 0, 0), budget)).toBe(true);
    expect(budgetAllows(counts(0, 0, 1), budget)).toBe(false);
  });

  it('calls a quota idle once its hold has passed', () => {
    expect(isIdle(state({ until: 5 }), 4)).toBe(false);
    expect(isIdle(state({ until: 5 }), 6)).toBe(true);
    expect(isIdle(COLD, 0)).toBe(true);
  });
});
