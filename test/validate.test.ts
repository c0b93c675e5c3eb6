/**
 * The messages of option errors, exactly: they are the whole of what a user sees of a
 * typo, so each part (the option, what is expected, what was given) is pinned here.
 */
import { describe, expect, it } from 'vitest';
import {
  checkKeys,
  checkMethods,
  checkNumber,
  checkOneOf,
  checkSection,
  checkStatus,
  readPair,
  show,
} from '../src/validate.js';

describe('show', () => {
  it('renders each kind of value briefly', () => {
    expect(show('a'.repeat(40))).toBe(JSON.stringify('a'.repeat(40)));
    expect(show('a'.repeat(41))).toBe(JSON.stringify(`${'a'.repeat(40)}…`));
    expect(show(-0)).toBe('-0');
    expect(show(0)).toBe('0');
    expect(show(1.5)).toBe('1.5');
    expect(show(12n)).toBe('12n');
    expect(show(null)).toBe('null');
    expect(show([1, 2])).toBe('an array of length 2');
    expect(show({ secret: 'x' })).toBe('an object');
    expect(show(undefined)).toBe('undefined');
    expect(show(true)).toBe('true');
  });
});

describe('checkNumber', () => {
  it('states the kind and both bounds, and only the bounds there are', () => {
    expect(() => checkNumber('n', -1, { min: 0, max: 10 })).toThrow(
      new RangeError('`n` must be a finite number >= 0 and <= 10, got -1'),
    );
    expect(() => checkNumber('n', 11, { max: 10 })).toThrow(
      new RangeError('`n` must be a finite number <= 10, got 11'),
    );
    expect(() => checkNumber('n', Number.NaN)).toThrow(
      new RangeError('`n` must be a finite number, got NaN'),
    );
    expect(() => checkNumber('n', 0.5, { min: 1, minText: '`base` (1)', integer: true })).toThrow(
      new RangeError('`n` must be an integer >= `base` (1), got 0.5'),
    );
    expect(() => checkNumber('n', Number.NEGATIVE_INFINITY, { infinite: true })).toThrow(
      new RangeError('`n` must be a number, got -Infinity'),
    );
    expect(checkNumber('n', Number.POSITIVE_INFINITY, { infinite: true, integer: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('checkStatus', () => {
  it('takes three-digit strings and integers 100 to 599, nothing else', () => {
    expect(checkStatus('s', '503')).toBe(503);
    expect(checkStatus('s', 100)).toBe(100);
    expect(checkStatus('s', 599)).toBe(599);
    for (const value of ['5030', '50', 'x503', '503x', 'abc']) {
      expect(() => checkStatus('s', value), value).toThrow(TypeError);
    }
    for (const value of [99, 600, 503.5]) {
      expect(() => checkStatus('s', value), String(value)).toThrow(
        new RangeError(`\`s\` must be an HTTP status code (an integer 100–599), got ${value}`),
      );
    }
    expect(() => checkStatus('s', '099')).toThrow(RangeError);
  });
});

describe('checkSection', () => {
  it('reads true and absence as the defaults, false as off, and refuses anything else', () => {
    expect(checkSection('x', undefined, ['a'])).toEqual({});
    expect(checkSection('x', true, ['a'])).toEqual({});
    expect(checkSection('x', false, ['a'])).toBe(false);
    expect(checkSection('x', { a: 1 }, ['a'])).toEqual({ a: 1 });
    for (const value of [null, [], 'yes', 1]) {
      expect(() => checkSection('x', value, ['a']), String(value)).toThrow(
        new TypeError(`\`x\` must be a boolean or an options object, got ${show(value)}`),
      );
    }
  });
});

describe('checkMethods', () => {
  it('takes an object or a function that has the methods', () => {
    const clock = Object.assign(() => {}, { now() {}, sleep() {} });
    expect(() => checkMethods('clock', clock, 'a Clock', ['now', 'sleep'])).not.toThrow();
    expect(() =>
      checkMethods('clock', { now() {}, sleep() {} }, 'a Clock', ['now', 'sleep']),
    ).not.toThrow();
    for (const value of [null, 5, 'now', { now() {} }]) {
      expect(
        () => checkMethods('clock', value, 'a Clock', ['now', 'sleep']),
        String(value),
      ).toThrow(
        new TypeError(`\`clock\` must be a Clock (an object with now, sleep), got ${show(value)}`),
      );
    }
  });
});

describe('checkKeys and checkOneOf', () => {
  it('names an unknown key, the closest known one, and the known ones', () => {
    expect(() => checkKeys('`x`', { retires: 1 }, ['retries', 'base'])).toThrow(
      new TypeError(
        'Unknown option `retires` in `x`; did you mean `retries`? (known: retries, base)',
      ),
    );
    expect(() => checkKeys('`x`', { zzzzzz: 1 }, ['retries', 'base'])).toThrow(
      new TypeError('Unknown option `zzzzzz` in `x` (known: retries, base)'),
    );
  });

  it('prefers the first of two equally close names', () => {
    expect(() => checkKeys('`x`', { cat: 1 }, ['bat', 'hat'])).toThrow(/did you mean `bat`\?/);
  });

  it('lists the choices, quoted', () => {
    expect(() => checkOneOf('jitter', 'fast', ['none', 'full'])).toThrow(
      new RangeError('`jitter` must be one of "none", "full", got "fast"'),
    );
    expect(() => checkOneOf('jitter', 5, ['none', 'full'])).toThrow(
      new TypeError('`jitter` must be one of "none", "full", got 5'),
    );
  });
});

describe('readPair', () => {
  it('reads [a, b] and { a, b }, checks the names of the object form, and refuses anything else', () => {
    expect(readPair('p', [1, 2], ['base', 'cap'])).toEqual([1, 2]);
    expect(readPair('p', { base: 1, cap: 2 }, ['base', 'cap'])).toEqual([1, 2]);
    expect(() => readPair('p', { bse: 1 }, ['base', 'cap'])).toThrow(/Unknown option `bse` in `p`/);
    for (const value of [null, [1], 'x', 3]) {
      expect(() => readPair('p', value, ['base', 'cap']), String(value)).toThrow(
        new TypeError(`\`p\` must be a [base, cap] pair or { base, cap }, got ${show(value)}`),
      );
    }
  });
});
