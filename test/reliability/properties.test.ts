/**
 * Hostile input, generated: what the unit tests' own properties do not already cover.
 * Every property runs {@link RUNS} cases (the report quotes these counts).
 */
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Backoff } from '../../src/backoff/backoff.js';
import {
  exponentialDelay,
  type JitterParams,
  jitterNames,
  jitters,
  nextJitterState,
} from '../../src/backoff/jitter.js';
import { TemporaryPath, withTemporaryPath } from '../../src/fs/temporary-path.js';
import { parseRetryAfter, parseRetryAfterValue } from '../../src/retry/retry-after.js';

const RUNS = 1000;

describe('parseRetryAfter against hostile values', () => {
  const DAY = 86_400_000;
  // Whole-second nows from 1000 to 9000 AD, so every generated date has a four-digit year.
  const nows = fc
    .integer({ min: Date.UTC(1000, 0, 1) / 1000, max: Date.UTC(9000, 0, 1) / 1000 })
    .map((s) => s * 1000);
  const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const forms = {
    imf: (d: Date) => d.toUTCString(),
    rfc850: (d: Date) => {
      const [, day, month, , time] = d.toUTCString().split(' ');
      const yy = String(d.getUTCFullYear() % 100).padStart(2, '0');
      return `${LONG_DAYS[d.getUTCDay()]}, ${day}-${month}-${yy} ${time} GMT`;
    },
    asctime: (d: Date) => {
      const [wd, day, month, year, time] = d.toUTCString().replace(',', '').split(' ');
      return `${wd} ${month} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`;
    },
  } as const;
  const form = fc.constantFrom(...(Object.keys(forms) as (keyof typeof forms)[]));

  it('a date in the past, in any of the three forms, gives exactly 0', () => {
    fc.assert(
      fc.property(nows, fc.integer({ min: 1, max: 49 * 365 * 86_400 }), form, (now, ago, f) => {
        const value = forms[f](new Date(now - ago * 1000));
        expect(parseRetryAfterValue(value, now)).toBe(0);
        expect(parseRetryAfter({ 'retry-after': value }, now)).toEqual({
          seconds: 0,
          source: 'retry-after',
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('a future date, in any of the three forms, gives its distance clamped to `max`', () => {
    fc.assert(
      fc.property(
        nows,
        fc.integer({ min: 0, max: 49 * 365 * 86_400 }),
        form,
        fc.integer({ min: 0, max: 10 * DAY }),
        (now, ahead, f, max) => {
          const value = forms[f](new Date(now + ahead * 1000));
          expect(parseRetryAfterValue(value, now, { max })).toBe(Math.min(ahead, max));
          expect(parseRetryAfterValue(value, now)).toBe(Math.min(ahead, 21_600));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('an absurdly long run of digits (up to 400) is clamped to `max`, never Infinity', () => {
    const digits = fc.stringMatching(/^[0-9]{1,400}(\.[0-9]{1,50})?$/);
    const ows = fc.constantFrom('', ' ', '\t', ' \t ');
    fc.assert(
      fc.property(
        digits,
        ows,
        ows,
        fc.double({ min: 0, max: 1e12, noNaN: true }),
        (d, l, r, max) => {
          const expected = Math.min(Number(d), max);
          expect(parseRetryAfterValue(`${l}${d}${r}`, 0, { max })).toBe(expected);
          const ms = parseRetryAfter({ 'retry-after-ms': `${l}${d}${r}` }, 0, { max });
          expect(ms?.seconds).toBe(Math.min(Number(d) / 1000, max));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a number in any other spelling (sign, exponent, hex, unit, full-width) is ignored', () => {
    const spelled = fc
      .tuple(fc.nat(1e6), fc.constantFrom('-', '+', 'e', 'x', 's', '.', 'E3', '0x', '１', '%'))
      .map(([n, t]) =>
        t === '-' || t === '+' || t === '0x' ? `${t}${n}` : t === '１' ? `${t}${n}` : `${n}${t}`,
      );
    fc.assert(
      fc.property(spelled, fc.integer({ min: 0, max: 8.64e15 }), (value, now) => {
        expect(parseRetryAfterValue(value, now)).toBeUndefined();
        expect(parseRetryAfter({ 'retry-after': value, 'retry-after-ms': value }, now)).toBe(
          undefined,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws whatever is passed as headers', () => {
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withNullPrototype: true }), (h) => {
        const hint = parseRetryAfter(h as never, 0);
        expect(hint === undefined || (hint.seconds >= 0 && hint.seconds <= 21_600)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('jitter and Backoff for any finite input', () => {
  /** Any finite non-negative double: subnormals, 0, and values near Number.MAX_VALUE included. */
  const finite = fc.oneof(
    fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }),
    fc.constantFrom(0, Number.MIN_VALUE, 1e-300, Number.MAX_VALUE, Number.MAX_VALUE / 3),
  );
  const params = fc.tuple(finite, finite).map(([x, y]): JitterParams => {
    const [base, cap] = x <= y ? [x, y] : [y, x];
    return { base, cap };
  });
  /** A random source that also returns its extremes: 0 and the largest double below 1. */
  const randoms = fc.oneof(
    fc.constantFrom(0, 1 - 2 ** -53, 0.5),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  );
  const attempts = fc.oneof(
    fc.nat(100),
    fc.constantFrom(1023, 1024, 2 ** 31, Number.MAX_SAFE_INTEGER),
  );

  it('every strategy returns a finite delay in [0, cap] (decorrelated: [base, cap]) and a finite state', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...jitterNames),
        params,
        attempts,
        fc.double({ min: 0, max: 1, noNaN: true }),
        randoms,
        (name, p, attempt, prevShare, r) => {
          const prev = p.base + prevShare * (p.cap - p.base);
          const delay = jitters[name]({ attempt, prev }, p, () => r);
          const next = nextJitterState({ attempt, prev }, delay);
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(name === 'decorrelated' ? p.base : 0);
          expect(delay).toBeLessThanOrEqual(p.cap);
          expect(Number.isFinite(next.prev) && next.attempt === attempt + 1).toBe(true);
          if (name === 'none') expect(delay).toBe(exponentialDelay(attempt + 1, p));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a Backoff with any finite base and cap and every jitter stays in bounds for 50 sleeps and any tries', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...jitterNames),
        params,
        fc.array(randoms, { minLength: 1, maxLength: 8 }),
        fc.oneof(attempts, fc.constant(Number.POSITIVE_INFINITY)),
        (jitter, p, rs, tries) => {
          let i = 0;
          const clock = { now: () => 0, sleep: async () => {}, random: () => rs[i++ % rs.length]! };
          const backoff = new Backoff({ ...p, jitter, clock });
          const e = backoff.exponential(tries);
          expect(Number.isFinite(e) && e >= 0 && e <= p.cap).toBe(true);
          for (let n = 0; n < 50; n++) {
            const d = backoff.next(503);
            expect(Number.isFinite(d) && d >= 0 && d <= p.cap).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('TemporaryPath affixes that try to leave `dir`', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'orionclient-affix-')));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'dir');
  const sibling = join(root, 'sibling');
  mkdirSync(dir);
  mkdirSync(sibling);

  const escapes = fc.constantFrom(
    '../sibling/',
    '..',
    '../',
    `${sibling}/`,
    `${sibling}\\`,
    '..\\sibling\\',
    'a/b',
    'a\\b',
    '\0',
    'x\0/../',
    '/',
    '.',
    './',
    'C:',
    '\\\\?\\C:\\',
  );
  const filler = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('', 'é', '🙂', '\u202e', 'ﬁ', 'A\u030a'),
  );
  const affix = fc.oneof(
    fc.tuple(filler, escapes, filler).map((parts) => parts.join('')),
    filler,
    fc.string({ unit: 'grapheme', minLength: 100, maxLength: 300 }),
  );
  const form = fc.constantFrom('create', 'withTemporaryPath');

  it('whatever the prefix and suffix, async create and withTemporaryPath never put a file outside `dir`', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(affix, affix, form, async (prefix, suffix, how) => {
        let path: string | undefined;
        try {
          if (how === 'create') {
            const temporary = await TemporaryPath.create({ dir, prefix, suffix });
            path = temporary.path;
            await temporary.remove();
          } else {
            path = await withTemporaryPath((p) => p, { dir, prefix, suffix });
          }
        } catch (error) {
          expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
        }
        if (path !== undefined) {
          created++;
          expect(dirname(path)).toBe(dir);
          expect(basename(path).startsWith(prefix)).toBe(true);
        }
        expect(readdirSync(dir)).toEqual([]);
        expect(readdirSync(sibling)).toEqual([]);
        expect(readdirSync(root).sort()).toEqual(['dir', 'sibling']);
      }),
      { numRuns: RUNS },
    );
    expect(created).toBeGreaterThan(RUNS / 10);
  });
});
