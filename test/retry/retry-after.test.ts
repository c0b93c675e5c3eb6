import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_MAX_RETRY_AFTER,
  type HeadersLike,
  parseRetryAfter,
  parseRetryAfterValue,
} from '../../src/retry/retry-after.js';

/** 1994-11-06T08:49:07Z: 30 s before the RFC's example date. */
const NOW = Date.UTC(1994, 10, 6, 8, 49, 7);

describe('parseRetryAfterValue', () => {
  it.each([
    ['0', 0],
    ['120', 120],
    ['  120\t', 120],
    ['007', 7],
    ['1.5', 1.5],
  ])('reads delta-seconds %j as %d s', (value, seconds) => {
    expect(parseRetryAfterValue(value, NOW)).toBe(seconds);
  });

  it.each([
    'soon',
    '',
    '   ',
    '-5',
    '+5',
    '1e3',
    '0x10',
    '1.',
    '.5',
    '1,5',
    '12 s',
    'Infinity',
    'NaN',
    '１２',
    '5\n',
  ])('rejects %j', (value) => {
    expect(parseRetryAfterValue(value, NOW)).toBeUndefined();
  });

  it('clamps a huge delta to 6 hours by default and to `max` when given', () => {
    expect(parseRetryAfterValue('9999999999', NOW)).toBe(21_600);
    expect(parseRetryAfterValue('9'.repeat(400), NOW)).toBe(DEFAULT_MAX_RETRY_AFTER);
    expect(parseRetryAfterValue('9999999999', NOW, { max: 90 })).toBe(90);
    expect(parseRetryAfterValue('30', NOW, { max: 0 })).toBe(0);
  });

  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ['asctime with a two-digit day', 'Sun Nov 06 08:49:37 1994'],
    ['IMF-fixdate in lower case', 'sun, 06 nov 1994 08:49:37 gmt'],
    ['IMF-fixdate with a one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['IMF-fixdate with surrounding spaces', ' \tSun, 06 Nov 1994 08:49:37 GMT '],
  ])('reads the %s form as the seconds until that date', (_form, value) => {
    expect(parseRetryAfterValue(value, NOW)).toBe(30);
  });

  it('keeps fractions of a second when now is not on a whole second', () => {
    expect(parseRetryAfterValue('Sun, 06 Nov 1994 08:49:37 GMT', NOW + 250)).toBe(29.75);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfterValue('Sun, 06 Nov 1994 08:49:06 GMT', NOW)).toBe(0);
    expect(parseRetryAfterValue('Thu, 01 Jan 1970 00:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfterValue('Sat, 01 Jan 0000 00:00:00 GMT', NOW)).toBe(0);
  });

  it('clamps a far-future date to `max`', () => {
    expect(parseRetryAfterValue('Fri, 31 Dec 9999 23:59:59 GMT', NOW)).toBe(21_600);
    expect(parseRetryAfterValue('Sun, 06 Nov 1994 10:49:37 GMT', NOW, { max: 3600 })).toBe(3600);
  });

  it('accepts leap days in leap years only', () => {
    const now = Date.UTC(2024, 1, 29);
    expect(parseRetryAfterValue('Thu, 29 Feb 2024 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfterValue('Wed, 01 Mar 2000 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterValue('Tue, 29 Feb 2000 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterValue('Sat, 29 Feb 2025 00:00:00 GMT', now)).toBeUndefined();
    expect(parseRetryAfterValue('Mon, 29 Feb 2100 00:00:00 GMT', now)).toBeUndefined();
  });

  it('counts a leap second as the next second', () => {
    expect(parseRetryAfterValue('Sun, 06 Nov 1994 08:49:60 GMT', NOW)).toBe(53);
  });

  it.each([
    'Sun, 30 Feb 1994 08:49:37 GMT',
    'Sun, 31 Apr 1994 08:49:37 GMT',
    'Sun, 00 Nov 1994 08:49:37 GMT',
    'Sun, 32 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    'Sun, 06 Nov 1994 08:60:00 GMT',
    'Sun, 06 Nov 1994 08:49:61 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    'Fun, 06 Nov 1994 08:49:37 GMT',
    'Sunday, 06 Nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 94 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 06 Nov 1994 08:49:37 +0000',
    'Sun, 06 Nov 1994 8:49:37 GMT',
    'Sun, 06 Nov 1994 08:49 GMT',
    'Sun, 06 Nov 1994',
    'Sun,  06 Nov 1994 08:49:37 GMT',
    'Sun, 06-Nov-94 08:49:37 GMT',
    'Sunnyday, 06-Nov-94 08:49:37 GMT',
    'Sunday, 06-Nov-1994 08:49:37 GMT',
    'Sunday, 31-Feb-94 08:49:37 GMT',
    'Sun Nov 31 08:49:37 1994',
    'Sun Nov  6 08:49:37 94',
    'Sun Nov  6 08:49:37 1994 GMT',
    '1994-11-06T08:49:37Z',
    'Nov 6 1994',
    'Sun, 1',
  ])('rejects the invalid date %j', (value) => {
    expect(parseRetryAfterValue(value, NOW)).toBeUndefined();
  });

  it('accepts a day name that does not match the date, as browsers do', () => {
    expect(parseRetryAfterValue('Mon, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(30);
  });

  describe('RFC 850 two-digit years (RFC 9110 §5.6.7)', () => {
    const at = (year: number) => Date.UTC(year, 0, 1);

    it('reads a year up to 50 years ahead as the future', () => {
      const seconds = parseRetryAfterValue('Friday, 01-Jan-50 00:00:00 GMT', at(2000), {
        max: 1e12,
      });
      expect(seconds).toBe((Date.UTC(2050, 0, 1) - at(2000)) / 1000);
    });

    it('reads a year more than 50 years ahead as the previous century', () => {
      // From 2025, "76" would be 2076, 51 years ahead, so it means 1976: past, 0 s.
      expect(parseRetryAfterValue('Thursday, 01-Jan-76 00:00:00 GMT', at(2025))).toBe(0);
      expect(parseRetryAfterValue('Wednesday, 01-Jan-75 00:00:00 GMT', at(2025))).toBe(21_600);
    });

    it('crosses into the next century when that is within 50 years', () => {
      const now = Date.UTC(2090, 0, 1);
      const seconds = parseRetryAfterValue('Friday, 01-Jan-10 00:00:00 GMT', now, { max: 1e12 });
      expect(seconds).toBe((Date.UTC(2110, 0, 1) - now) / 1000);
    });

    it('validates a leap day in the century the year resolves to', () => {
      // Early in 2000, "00" is 2000, a leap year; from 2075 it is 2100, which is not one.
      const now = Date.UTC(2000, 1, 28, 23, 59, 0);
      expect(parseRetryAfterValue('Tuesday, 29-Feb-00 00:00:00 GMT', now)).toBe(60);
      expect(parseRetryAfterValue('Monday, 29-Feb-00 00:00:00 GMT', at(2075))).toBeUndefined();
      expect(parseRetryAfterValue('Monday, 01-Mar-00 00:00:00 GMT', at(2075))).toBe(21_600);
    });
  });

  it('rejects a value that is not a string without throwing', () => {
    expect(parseRetryAfterValue(120 as unknown as string, NOW)).toBeUndefined();
  });

  it('throws RangeError for a bad `max` or `nowMs`, naming it', () => {
    expect(() => parseRetryAfterValue('1', NOW, { max: -1 })).toThrow(/`max`.*-1/);
    expect(() => parseRetryAfterValue('1', Number.NaN)).toThrow(/`nowMs`/);
    expect(() => parseRetryAfter({}, NOW, { max: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => parseRetryAfter({}, NOW, { maxx: 1 } as never)).toThrow(
      'Unknown option `maxx` in Retry-After options; did you mean `max`?',
    );
  });

  it('takes any nowMs a Date can hold, and nothing beyond', () => {
    expect(parseRetryAfterValue('5', 8.64e15)).toBe(5);
    expect(parseRetryAfterValue('5', -8.64e15)).toBe(5);
    for (const nowMs of [8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => parseRetryAfterValue('5', nowMs)).toThrow(RangeError);
      expect(() => parseRetryAfter({}, nowMs)).toThrow(
        `\`nowMs\` must be a finite number >= -8640000000000000 and <= 8640000000000000, got ${nowMs}`,
      );
    }
  });
});

describe('the current time', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defaults to Date.now() when nowMs is left out, for both functions', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    const date = 'Sun, 06 Nov 1994 08:49:37 GMT';
    expect(parseRetryAfterValue(date)).toBe(30);
    expect(parseRetryAfterValue('120')).toBe(120);
    expect(parseRetryAfterValue(date, undefined, { max: 10 })).toBe(10);
    expect(parseRetryAfter({ 'retry-after': date })).toEqual({
      seconds: 30,
      source: 'retry-after',
    });
    expect(parseRetryAfter({ 'retry-after': '5' }, undefined, { max: 2 })?.seconds).toBe(2);
    const later = Date.UTC(2025, 0, 1);
    vi.setSystemTime(later);
    const reset = String(later / 1000 + 90);
    expect(parseRetryAfter({ 'x-ratelimit-reset': reset })?.seconds).toBe(90);
  });
});

describe('parseRetryAfter', () => {
  const headers = (init: Record<string, string>) => new Headers(init);

  it('returns undefined when no header gives a hint', () => {
    expect(parseRetryAfter(headers({}), NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'content-type': 'text/plain' }, NOW)).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), NOW)).toBeUndefined();
  });

  it('reads Retry-After from Headers and from plain objects in any case', () => {
    const expected = { seconds: 120, source: 'retry-after' };
    expect(parseRetryAfter(headers({ 'Retry-After': '120' }), NOW)).toEqual(expected);
    expect(parseRetryAfter({ 'Retry-After': '120' }, NOW)).toEqual(expected);
    expect(parseRetryAfter({ 'retry-after': ['120'] }, NOW)).toEqual(expected);
  });

  it('prefers retry-after-ms, then x-ms-retry-after-ms, over Retry-After', () => {
    const all = { 'retry-after-ms': '1500', 'x-ms-retry-after-ms': '2500', 'retry-after': '9' };
    expect(parseRetryAfter(headers(all), NOW)).toEqual({
      seconds: 1.5,
      source: 'retry-after-ms',
    });
    const { 'retry-after-ms': _, ...rest } = all;
    expect(parseRetryAfter(headers(rest), NOW)).toEqual({
      seconds: 2.5,
      source: 'retry-after-ms',
    });
  });

  it('falls back to Retry-After when retry-after-ms is invalid', () => {
    const h = headers({ 'retry-after-ms': '-1', 'retry-after': '9' });
    expect(parseRetryAfter(h, NOW)).toEqual({ seconds: 9, source: 'retry-after' });
  });

  it('reads an HTTP-date Retry-After against nowMs', () => {
    const h = headers({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' });
    expect(parseRetryAfter(h, NOW)).toEqual({ seconds: 30, source: 'retry-after' });
  });

  it('takes the largest valid value of a repeated Retry-After', () => {
    const h = new Headers();
    h.append('retry-after', 'Sun, 06 Nov 1994 08:49:37 GMT');
    h.append('retry-after', '5');
    h.append('retry-after', 'soon');
    expect(h.get('retry-after')).toBe('Sun, 06 Nov 1994 08:49:37 GMT, 5, soon');
    expect(parseRetryAfter(h, NOW)?.seconds).toBe(30);
    expect(parseRetryAfter({ 'retry-after': ['5', 'later', '7'] }, NOW)?.seconds).toBe(7);
    expect(parseRetryAfter({ 'Retry-After': '5', 'retry-after': '8' }, NOW)?.seconds).toBe(8);
  });

  it('takes the largest value whatever the order of the repeats', () => {
    expect(parseRetryAfter({ 'retry-after': ['7', '5'] }, NOW)?.seconds).toBe(7);
    expect(parseRetryAfter({ 'retry-after': ['5', '7'] }, NOW)?.seconds).toBe(7);
    for (const order of [
      ['5', '7'],
      ['7', '5'],
    ]) {
      const h = new Headers();
      for (const value of order) h.append('retry-after', value);
      expect(parseRetryAfter(h, NOW)?.seconds).toBe(7);
      expect(parseRetryAfter({ 'retry-after-ms': order.map((v) => `${v}000`) }, NOW)?.seconds).toBe(
        7,
      );
    }
  });

  it('reads an HTTP-date anywhere in a joined Retry-After list', () => {
    const date = 'Sun, 06 Nov 1994 08:49:37 GMT';
    for (const value of [`5, ${date}`, `5, ${date}, 1`, `soon, ${date}`, `${date}, 5`]) {
      expect(parseRetryAfter({ 'retry-after': value }, NOW)?.seconds, value).toBe(30);
    }
    expect(parseRetryAfter({ 'retry-after': `45, ${date}` }, NOW)?.seconds).toBe(45);
    expect(parseRetryAfter({ 'retry-after': `Sun Nov  6 08:49:37 1994, 5` }, NOW)?.seconds).toBe(
      30,
    );
    expect(parseRetryAfter({ 'retry-after': 'soon, Sun, later' }, NOW)).toBeUndefined();
    // Read as a list or alone, a date keeps its own spelling: no blank before its comma.
    expect(
      parseRetryAfter({ 'retry-after': `Sun , 06 Nov 1994 08:49:37 GMT` }, NOW),
    ).toBeUndefined();
    expect(parseRetryAfterValue('Sun , 06 Nov 1994 08:49:37 GMT', NOW)).toBeUndefined();
  });

  it('lets Retry-After take precedence over every RateLimit field', () => {
    const h = headers({
      'retry-after': '3',
      ratelimit: '"default";r=0;t=30',
      'ratelimit-reset': '40',
      'x-ratelimit-reset': '50',
    });
    expect(parseRetryAfter(h, NOW)).toEqual({ seconds: 3, source: 'retry-after' });
  });

  it('reads the RateLimit structured field when a policy is exhausted', () => {
    const read = (value: string) => parseRetryAfter(headers({ ratelimit: value }), NOW);
    expect(read('"default";r=0;t=30')).toEqual({ seconds: 30, source: 'ratelimit' });
    expect(read('"burst";r=5;t=1, "day";r=0;t=600')?.seconds).toBe(600);
    expect(read('"a;b,c";r=0;t=12')?.seconds).toBe(12);
    expect(read('default;t=9;r=0')?.seconds).toBe(9);
    expect(read('"default";r=10;t=30')).toBeUndefined();
    expect(read('"default";t=30')).toBeUndefined();
    expect(read('"default";r=0;t=soon')).toBeUndefined();
    expect(read('limit=100, remaining=0, reset=20')?.seconds).toBe(20);
    expect(read('limit=100, remaining=3, reset=20')).toBeUndefined();
  });

  it('takes the largest t among exhausted RateLimit members, in any order', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW)?.seconds;
    expect(read('"a";r=0;t=50, "b";r=0;t=20')).toBe(50);
    expect(read('"a";r=0;t=20, "b";r=0;t=50')).toBe(50);
    expect(read('"a";r=0;t=20, "b";r=3;t=90, "c";r=0;t=40')).toBe(40);
    // Repeated fields are read the same way.
    expect(parseRetryAfter({ ratelimit: ['"a";r=0;t=50', '"b";r=0;t=20'] }, NOW)?.seconds).toBe(50);
    expect(parseRetryAfter({ ratelimit: ['"a";r=0;t=20', '"b";r=0;t=50'] }, NOW)?.seconds).toBe(50);
  });

  it('reads t=0 as retry now and ignores a negative t or r above 0', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW);
    expect(read('"p";r=0;t=0')).toEqual({ seconds: 0, source: 'ratelimit' });
    expect(read('"p";r=0;t=-5')).toBeUndefined();
    expect(read('"p";r=-1;t=5')?.seconds).toBe(5);
    expect(read('"p";r=1;t=5')).toBeUndefined();
    expect(read('"p";r=0;t=-5, "q";r=0;t=3')?.seconds).toBe(3);
  });

  it('allows optional whitespace around RateLimit members and after each semicolon', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW)?.seconds;
    expect(read('"p"; r=0; t=12')).toBe(12);
    expect(read('"p";\tr=0 ;\tt=12\t')).toBe(12);
    expect(read(' "a";r=5;t=1 ,\t"b";r=0;t=7 ')).toBe(7);
    expect(read('limit=100,  remaining=0 ,\treset=20')).toBe(20);
  });

  it('splits RateLimit members and parameters only outside quoted strings', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW)?.seconds;
    // Read without regard to quotes, each of these would hold an exhausted member.
    expect(read('"p";r=1;t=5;q="x, y;r=0;t=99;z=1"')).toBeUndefined();
    expect(read('"p";r=1;t=5;q="a;r=0;t=99;b"')).toBeUndefined();
    expect(read('"p";r=1;t=5;q="a\\"b, c;r=0;t=9;d"')).toBeUndefined();
    expect(read('"a,b;r=0;t=99";r=1;t=5')).toBeUndefined();
    expect(read('"a;b,c";r=0;t=12')).toBe(12);
    // A backslash escapes only inside a quoted string.
    expect(read('x\\;r=0;t=7')).toBe(7);
    // After the quoted string ends, separators count again.
    expect(read('"p";q="x,y";r=1;t=5, "o";r=0;t=8')).toBe(8);
  });

  it('matches RateLimit parameters and dictionary entries whole, not a part of them', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW)?.seconds;
    expect(read('"p";r=0;t=5')).toBe(5);
    expect(read('"p";xr=0;t=5')).toBeUndefined();
    expect(read('"p";r=0x;t=5')).toBeUndefined();
    expect(read('"p";r=0;t=5x')).toBeUndefined();
    expect(read('"p";r=0;tt=5')).toBeUndefined();
    expect(read('remaining=0, reset=20')).toBe(20);
    expect(read('xremaining=0, reset=20')).toBeUndefined();
    expect(read('1remaining=0, reset=20')).toBeUndefined();
    expect(read('remaining=0x, reset=20')).toBeUndefined();
    expect(read('remaining=0, reset=20s')).toBeUndefined();
  });

  it('reads only the draft-07 dictionary when it is the whole field', () => {
    const read = (value: string) => parseRetryAfter({ ratelimit: value }, NOW)?.seconds;
    expect(read('remaining=0, reset=20')).toBe(20);
    expect(read('reset=20, remaining=0')).toBe(20);
    expect(read('remaining=0')).toBeUndefined();
    expect(read('reset=20')).toBeUndefined();
    // An exhausted structured member wins over the dictionary.
    expect(read('remaining=0, reset=20, "p";r=0;t=5')).toBe(5);
    expect(read('remaining=0;x=1, reset=20')).toBeUndefined();
  });

  it('reads a reset of exactly 1e9 as an epoch time and anything below as a delay', () => {
    const now = (1e9 - 60) * 1000;
    const read = (h: Record<string, string>) => parseRetryAfter(h, now)?.seconds;
    expect(read({ 'x-ratelimit-reset': '1000000000' })).toBe(60);
    expect(read({ 'ratelimit-reset': '1000000000' })).toBe(60);
    expect(read({ 'x-ratelimit-reset': '999999999' })).toBe(21_600);
    expect(read({ 'x-ratelimit-reset': '999999999' })).toBe(DEFAULT_MAX_RETRY_AFTER);
  });

  it('tries X-RateLimit-Reset when RateLimit-Remaining says requests are left', () => {
    const h = {
      'ratelimit-remaining': '5',
      'ratelimit-reset': '30',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '40',
    };
    expect(parseRetryAfter(h, NOW)).toEqual({ seconds: 40, source: 'ratelimit' });
    expect(parseRetryAfter({ ...h, 'ratelimit-remaining': '0' }, NOW)?.seconds).toBe(30);
    expect(parseRetryAfter({ 'ratelimit-remaining': '0' }, NOW)).toBeUndefined();
    expect(
      parseRetryAfter({ 'ratelimit-remaining': 'none', 'ratelimit-reset': '30' }, NOW)?.seconds,
    ).toBe(30);
  });

  it('reads RateLimit-Reset and X-RateLimit-Reset as delta or epoch seconds', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfter(headers({ 'ratelimit-reset': '30' }), now)).toEqual({
      seconds: 30,
      source: 'ratelimit',
    });
    const epoch = String(now / 1000 + 90);
    expect(parseRetryAfter(headers({ 'x-ratelimit-reset': epoch }), now)?.seconds).toBe(90);
    const past = String(now / 1000 - 90);
    expect(parseRetryAfter(headers({ 'x-ratelimit-reset': past }), now)?.seconds).toBe(0);
  });

  it('ignores a reset time while the matching remaining count is above 0', () => {
    const busy = { 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': '3600' };
    expect(parseRetryAfter(headers(busy), NOW)).toBeUndefined();
    const spent = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3600' };
    expect(parseRetryAfter(headers(spent), NOW)?.seconds).toBe(3600);
  });

  it('clamps every source to `max`', () => {
    const opts = { max: 60 };
    for (const init of [
      { 'retry-after-ms': '99999999' },
      { 'retry-after': '99999' },
      { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' },
      { ratelimit: '"p";r=0;t=99999' },
      { 'ratelimit-reset': '99999' },
      { 'x-ratelimit-reset': '9'.repeat(400) },
    ]) {
      expect(parseRetryAfter(headers(init), NOW, opts)?.seconds).toBe(60);
    }
  });

  it('never throws for headers that are not what the types promise', () => {
    const hostile = {
      get() {
        throw new Error('boom');
      },
    };
    expect(parseRetryAfter(hostile, NOW)).toBeUndefined();
    expect(parseRetryAfter(null as unknown as HeadersLike, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 5 as unknown as string }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': [null, '4'] as never }, NOW)?.seconds).toBe(4);
  });
});

describe('properties', () => {
  const names = fc.constantFrom(
    'retry-after',
    'Retry-After',
    'retry-after-ms',
    'x-ms-retry-after-ms',
    'ratelimit',
    'ratelimit-reset',
    'ratelimit-remaining',
    'x-ratelimit-reset',
    'x-ratelimit-remaining',
    'other',
  );
  const values = fc.oneof(
    fc.string(),
    fc.stringMatching(/^-?\d{1,25}(\.\d{0,3})?$/),
    fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    fc.constantFrom('"p";r=0;t=30', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994'),
  );
  const headerMaps = fc.dictionary(
    fc.oneof(names, fc.string()),
    fc.oneof(values, fc.array(values)),
  );
  const nows = fc.integer({ min: -8.64e15, max: 8.64e15 });
  const maxes = fc.oneof(fc.constant(undefined), fc.double({ min: 0, max: 1e9, noNaN: true }));

  const inRange = (seconds: number | undefined, max = DEFAULT_MAX_RETRY_AFTER) =>
    seconds === undefined || (Number.isFinite(seconds) && seconds >= 0 && seconds <= max);

  it('parseRetryAfterValue never throws and returns undefined or a finite delay in [0, max]', () => {
    fc.assert(
      fc.property(values, nows, maxes, (value, now, max) => {
        const options = max === undefined ? {} : { max };
        expect(inRange(parseRetryAfterValue(value, now, options), max)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('parseRetryAfter never throws and returns undefined or a finite delay in [0, max]', () => {
    fc.assert(
      fc.property(headerMaps, nows, maxes, (map, now, max) => {
        const options = max === undefined ? {} : { max };
        const plain = parseRetryAfter(map, now, options);
        expect(inRange(plain?.seconds, max)).toBe(true);
        const h = new Headers();
        for (const [k, v] of Object.entries(map)) {
          for (const item of [v].flat()) {
            try {
              h.append(k, item);
            } catch {
              // Headers refuses invalid names and values; the plain-object form covered them.
            }
          }
        }
        expect(inRange(parseRetryAfter(h, now, options)?.seconds, max)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('an IMF-fixdate written by toUTCString parses back to the same whole-second delay', () => {
    const wholeSecondNows = fc
      .integer({ min: 0, max: Date.UTC(2200, 0, 1) / 1000 })
      .map((s) => s * 1000);
    fc.assert(
      fc.property(wholeSecondNows, fc.integer({ min: 0, max: 1e6 }), (now, d) => {
        const value = new Date(now + d * 1000).toUTCString();
        expect(parseRetryAfterValue(value, now, { max: 1e6 })).toBe(d);
        expect(parseRetryAfter({ 'retry-after': value }, now, { max: 1e6 })?.seconds).toBe(d);
      }),
      { numRuns: 1000 },
    );
  });
});
