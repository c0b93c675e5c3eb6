import { describe, expect, it } from 'vitest';
import {
  budgetFor,
  type RetryOptions,
  resolveRetryOptions,
  stopReason,
} from '../../src/retry/policy.js';
import { profiles } from '../../src/retry/profiles.js';

describe('profiles', () => {
  it('non-interactive holds the original defaults', () => {
    const p = profiles.nonInteractive;
    expect(p.base).toBe(0.1);
    expect(p.cap).toBe(90);
    expect(p.retries).toBe(10);
    expect(p.retriesByStatus).toEqual({ 404: 8, 429: 45 });
    expect(p.transientStatuses).toEqual([408, 500, 502, 503, 504]);
    expect(p.retryTimeout).toBe(3600);
  });

  it('neither profile has an early cap: the original schedule is the default', () => {
    expect(profiles.nonInteractive.earlyCap).toEqual({});
    expect(profiles.interactive.earlyCap).toEqual({});
  });

  it('interactive has a smaller budget on every field', () => {
    const i = profiles.interactive;
    const n = profiles.nonInteractive;
    for (const key of [
      'cap',
      'retries',
      'retryTimeout',
      'requestTimeout',
      'maxRetryAfter',
    ] as const) {
      expect(i[key], key).toBeLessThan(n[key]);
    }
    for (const [status, count] of Object.entries(n.retriesByStatus)) {
      expect(i.retriesByStatus[Number(status)], `retriesByStatus[${status}]`).toBeLessThan(count);
    }
  });

  it('take overrides typed as RetryOptions, every field optional, and keep the rest', () => {
    // Type-checked by `npm run typecheck`: an override names only the fields it changes.
    const overrides: RetryOptions[] = [{}, { retries: 2 }, { cap: 5, retryTimeout: 30 }];
    const [none, two, short] = overrides.map((o) => resolveRetryOptions(o, profiles.interactive));
    expect(none).toEqual(profiles.interactive);
    expect([two!.retries, two!.cap, two!.retryTimeout]).toEqual([2, 5, 15]);
    expect([short!.retries, short!.cap, short!.retryTimeout]).toEqual([3, 5, 30]);
  });

  it('are frozen, down to their nested values', () => {
    expect(Object.isFrozen(profiles)).toBe(true);
    expect(Object.isFrozen(profiles.nonInteractive)).toBe(true);
    expect(Object.isFrozen(profiles.nonInteractive.retriesByStatus)).toBe(true);
    expect(Object.isFrozen(profiles.nonInteractive.transientStatuses)).toBe(true);
    expect(Object.isFrozen(profiles.nonInteractive.earlyCap)).toBe(true);
    const early = resolveRetryOptions({ earlyCap: { 429: [12, 30] } }, profiles.nonInteractive);
    expect(Object.isFrozen(early.earlyCap[429])).toBe(true);
  });
});

describe('budgetFor', () => {
  const p = profiles.nonInteractive;
  it('gives 429 and 404 their own counters and 5xx, 408 and network errors the transient one', () => {
    expect(budgetFor(p, 429)).toMatchObject({ key: 429, limit: 45 });
    expect(budgetFor(p, 404)).toMatchObject({ key: 404, limit: 8 });
    expect(budgetFor(p, 503)).toMatchObject({ key: 'transient', limit: 10 });
    expect(budgetFor(p, 408)).toMatchObject({ key: 'transient', limit: 10 });
    expect(budgetFor(p, undefined)).toMatchObject({ key: 'transient', limit: 10 });
    expect(budgetFor(p, 400)).toBeUndefined();
    expect(budgetFor(p, 501)).toBeUndefined();
  });

  it('uses backoffDict parameters for their status', () => {
    const q = resolveRetryOptions({ backoffDict: { 429: [1, 30] } }, p);
    expect(budgetFor(q, 429)?.params).toEqual({ base: 1, cap: 30 });
    expect(budgetFor(q, 503)?.params).toEqual({ base: 0.1, cap: 90 });
  });

  it('gives the early cap to the budget of its status only', () => {
    const e = resolveRetryOptions({ earlyCap: { 429: [12, 30] } }, p);
    expect(budgetFor(p, 429)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(budgetFor(e, 429)?.params).toEqual({
      base: 0.1,
      cap: 90,
      early: { retries: 12, cap: 30 },
    });
    expect(budgetFor(e, 503)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(budgetFor(e, 404)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(budgetFor(e, undefined)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(Object.isFrozen(budgetFor(e, 429)?.params.early)).toBe(true);
  });

  it('combines an early cap with a backoffDict entry, and leaves out one that changes no sleep', () => {
    const q = resolveRetryOptions(
      { backoffDict: { 429: [1, 60] }, earlyCap: { 429: [3, 10], 503: [5, 120], 404: [0, 1] } },
      p,
    );
    expect(budgetFor(q, 429)?.params).toEqual({ base: 1, cap: 60, early: { retries: 3, cap: 10 } });
    expect(budgetFor(q, 503)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(budgetFor(q, 404)?.params).toEqual({ base: 0.1, cap: 90 });
  });

  it("keeps the profile's early-cap table when another field is overridden, and drops it with {}", () => {
    const e = resolveRetryOptions({ earlyCap: { 429: [12, 30] } }, p);
    expect(resolveRetryOptions({ base: 0.2 }, e).earlyCap).toBe(e.earlyCap);
    const seed = resolveRetryOptions({ earlyCap: {} }, e);
    expect(seed.earlyCap).toEqual({});
    expect(budgetFor(seed, 429)?.params).toEqual({ base: 0.1, cap: 90 });
    expect(
      resolveRetryOptions({ earlyCap: new Map([[429, [2, 5]]]) } as never, p).earlyCap,
    ).toEqual({
      429: { retries: 2, cap: 5 },
    });
  });

  it('answers questions about several policies and statuses in any order', () => {
    const q = resolveRetryOptions({ retries: 3, retriesByStatus: { 404: 1 } }, p);
    for (let i = 0; i < 3; i++) {
      expect(budgetFor(p, 503)?.limit).toBe(10);
      expect(budgetFor(q, 503)?.limit).toBe(3);
      expect(budgetFor(q, 503)?.limit).toBe(3);
      expect(budgetFor(q, 404)?.limit).toBe(1);
      expect(budgetFor(p, 404)?.limit).toBe(8);
      expect(budgetFor(p, 400)).toBeUndefined();
      expect(budgetFor(p, 400)).toBeUndefined();
    }
  });
});

describe('stopReason', () => {
  it('retries while budget remains and the elapsed time is under retryTimeout', () => {
    expect(stopReason(0, 10, 0, 3600)).toBeUndefined();
    expect(stopReason(10, 10, 0, 3600)).toBe('retries');
    expect(stopReason(3, 10, 300, 300)).toBe('retryTimeout');
    expect(stopReason(3, 10, 299.9, 300)).toBeUndefined();
  });
});

describe('resolveRetryOptions validation', () => {
  const base = profiles.nonInteractive;
  const cases: Array<[string, Record<string, unknown>, ErrorConstructor, RegExp]> = [
    ['negative retries', { retries: -1 }, RangeError, /`retries` must be an integer >= 0, got -1/],
    ['fractional retries', { retries: 2.5 }, RangeError, /`retries`/],
    ['string retries', { retries: '3' }, TypeError, /`retries` must be a number, got "3"/],
    ['NaN retryTimeout', { retryTimeout: Number.NaN }, RangeError, /`retryTimeout`/],
    ['negative requestTimeout', { requestTimeout: -5 }, RangeError, /`requestTimeout`/],
    ['negative maxRetryAfter', { maxRetryAfter: -1 }, RangeError, /`maxRetryAfter`/],
    ['cap below base', { base: 1, cap: 0.5 }, RangeError, /`cap`.*`base` \(1\)/],
    [
      'a retriesByStatus key that is not a status',
      { retriesByStatus: { 42: 1 } },
      RangeError,
      /retriesByStatus key/,
    ],
    [
      'a negative retriesByStatus count',
      { retriesByStatus: { 429: -1 } },
      RangeError,
      /`retriesByStatus\[429\]`/,
    ],
    [
      'transientStatuses that is not an array',
      { transientStatuses: 503 },
      TypeError,
      /`transientStatuses`/,
    ],
    [
      'a bad entry in transientStatuses',
      { transientStatuses: [503, 'x'] },
      TypeError,
      /`transientStatuses\[1\]`/,
    ],
    [
      'an earlyCap that is not an object',
      { earlyCap: 30 },
      TypeError,
      /`earlyCap` must be an object/,
    ],
    [
      'an earlyCap key that is not a status',
      { earlyCap: { 42: [1, 2] } },
      RangeError,
      /`earlyCap key`.*42/,
    ],
    [
      'an earlyCap entry that is not a pair',
      { earlyCap: { 429: 30 } },
      TypeError,
      /`earlyCap\[429\]` must be a \[retries, cap\] pair or \{ retries, cap \}, got 30/,
    ],
    [
      'a fractional earlyCap retry count',
      { earlyCap: { 429: [1.5, 30] } },
      RangeError,
      /`earlyCap\[429\]\.retries` must be an integer >= 0, got 1.5/,
    ],
    [
      'a negative early cap',
      { earlyCap: { 429: [12, -30] } },
      RangeError,
      /`earlyCap\[429\]\.cap` must be a finite number >= 0, got -30/,
    ],
    ['an unknown jitter', { jitter: 'wild' }, RangeError, /`jitter`/],
    ['an unknown key', { retrys: 3 }, TypeError, /Unknown option `retrys`.*did you mean `retries`/],
  ];
  for (const [name, overrides, type, message] of cases) {
    it(`rejects ${name} with a ${type.name} naming the option`, () => {
      expect(() => resolveRetryOptions(overrides as never, base)).toThrow(type);
      expect(() => resolveRetryOptions(overrides as never, base)).toThrow(message);
    });
  }

  it('accepts Infinity for budgets that may be unlimited', () => {
    const p = resolveRetryOptions({ retries: Number.POSITIVE_INFINITY, retryTimeout: 60 }, base);
    expect(p.retries).toBe(Number.POSITIVE_INFINITY);
  });

  it('accepts Infinity for a status budget, an early-cap retry count and every time limit', () => {
    const inf = Number.POSITIVE_INFINITY;
    const p = resolveRetryOptions(
      {
        retriesByStatus: { 429: inf, 404: 2 },
        earlyCap: { 429: [inf, 30] },
        retryTimeout: inf,
        requestTimeout: inf,
        maxRetryAfter: inf,
      },
      base,
    );
    expect(p.retriesByStatus).toEqual({ 429: inf, 404: 2 });
    expect(p.earlyCap).toEqual({ 429: { retries: inf, cap: 30 } });
    expect([p.retryTimeout, p.requestTimeout, p.maxRetryAfter]).toEqual([inf, inf, inf]);
    expect(budgetFor(p, 429)).toMatchObject({
      key: 429,
      limit: inf,
      params: { base: 0.1, cap: 90, early: { retries: inf, cap: 30 } },
    });
  });

  it.each([
    ['base', { base: Number.POSITIVE_INFINITY }],
    ['cap', { cap: Number.POSITIVE_INFINITY }],
    ['retries', { retries: Number.NEGATIVE_INFINITY }],
    ['retriesByStatus[429]', { retriesByStatus: { 429: Number.NEGATIVE_INFINITY } }],
    ['earlyCap[429].cap', { earlyCap: { 429: [3, Number.POSITIVE_INFINITY] } }],
    ['retryTimeout', { retryTimeout: Number.NEGATIVE_INFINITY }],
  ])('rejects an infinite %s where it has no meaning, naming it', (name, overrides) => {
    const call = () => resolveRetryOptions(overrides as never, base);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(`\`${name}\``);
  });
});

describe('options under their old names, and the seconds guard', () => {
  const warnings = async (run: () => void) => {
    const seen: Error[] = [];
    const listen = (w: Error) => seen.push(w);
    process.on('warning', listen);
    try {
      run();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    return seen.map((w) => `${w.name} ${(w as Error & { code?: string }).code}: ${w.message}`);
  };
  const p = profiles.nonInteractive;

  it('reads statusRetries and retryStatuses as retriesByStatus and transientStatuses, warning once each', async () => {
    let q = p;
    const seen = await warnings(() => {
      q = resolveRetryOptions({ statusRetries: { 404: 1 }, retryStatuses: [503] }, p);
      resolveRetryOptions({ statusRetries: { 404: 2 } }, p);
    });
    expect(q.retriesByStatus).toEqual({ 404: 1 });
    expect(q.transientStatuses).toEqual([503]);
    expect(seen).toEqual([
      'DeprecationWarning ORIONCLIENT_STATUSRETRIES: `statusRetries` is deprecated: use `retriesByStatus`',
      'DeprecationWarning ORIONCLIENT_RETRYSTATUSES: `retryStatuses` is deprecated: use `transientStatuses`',
    ]);
    expect(() =>
      resolveRetryOptions({ statusRetries: { 404: 1 }, retriesByStatus: { 404: 2 } }, p),
    ).toThrow(
      new TypeError(
        'retry options: give `retriesByStatus` or its old name `statusRetries`, not both',
      ),
    );
  });

  it('keeps every other option when it moves an old name', () => {
    const q = resolveRetryOptions({ statusRetries: { 404: 1 }, retries: 3, jitter: 'full' }, p);
    expect([q.retries, q.jitter, q.retriesByStatus[404]]).toEqual([3, 'full', 1]);
    expect(q.transientStatuses).toEqual(p.transientStatuses);
  });

  it('warns once that requestTimeout is in seconds when it looks like milliseconds', async () => {
    const seen = await warnings(() => {
      resolveRetryOptions({ requestTimeout: 999 }, p);
      resolveRetryOptions({ requestTimeout: 5000 }, p);
      resolveRetryOptions({ requestTimeout: 30_000 }, p);
    });
    expect(seen).toEqual([
      'Warning ORIONCLIENT_SECONDS: `requestTimeout` is in seconds: 5000 means 83 minutes per attempt',
    ]);
  });
});
