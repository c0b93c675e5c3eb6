/**
 * Option validation under generated wrong values: for every public constructor and function
 * that takes options, each option given a wrong type must throw `TypeError`, a value out of
 * range `RangeError`, and the message must name the option in backticks. 1,000 cases each.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/backoff/backoff.js';
import { Session } from '../../src/http/session.js';
import { plan } from '../../src/retry/plan.js';
import { resolveRetryOptions } from '../../src/retry/policy.js';
import { profiles } from '../../src/retry/profiles.js';
import { retry } from '../../src/retry/retry.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

const RUNS = 1000;

type Bad = readonly [value: unknown, type: typeof TypeError | typeof RangeError];
const typeError = (a: fc.Arbitrary<unknown>) => a.map((v): Bad => [v, TypeError]);
const rangeError = (a: fc.Arbitrary<unknown>) => a.map((v): Bad => [v, RangeError]);

const notNumber = typeError(
  fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.bigInt(),
    fc.array(fc.double()),
    fc.object(),
    fc.constant(Symbol('s')),
  ),
);
const notString = typeError(
  fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object()),
);
const notFunction = typeError(
  fc.oneof(
    fc.double(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.object(),
    fc.array(fc.nat()),
  ),
);
const nan = rangeError(fc.constant(Number.NaN));
const negative = rangeError(fc.double({ max: -Number.MIN_VALUE, noNaN: true }));
const infinite = rangeError(fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
const fraction = rangeError(
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
);

/** The wrong values of each kind of option. */
const kinds = {
  /** Finite and >= 0 (`base`). */
  finiteNonNegative: fc.oneof(notNumber, nan, negative, infinite),
  /** >= 0, Infinity allowed (`retryTimeout`, `requestTimeout`, `maxRetryAfter`). */
  seconds: fc.oneof(notNumber, nan, negative),
  /** An integer >= 0, Infinity allowed (`retries`). */
  count: fc.oneof(notNumber, nan, negative, fraction),
  /** An integer >= 0, finite (`maxRedirects`, `samples`). */
  finiteCount: fc.oneof(notNumber, nan, negative, fraction, infinite),
  /** Any finite integer (`seed`). */
  integer: fc.oneof(notNumber, nan, fraction, infinite),
  /** Any finite number (`start`). */
  finite: fc.oneof(notNumber, nan, infinite),
  /** `cap`: finite, and not below the default `base` of 0.1. */
  cap: fc.oneof(
    notNumber,
    nan,
    negative,
    infinite,
    rangeError(fc.double({ min: 0, max: 0.0999, noNaN: true })),
  ),
  jitter: fc.oneof(notString, rangeError(fc.constantFrom('', 'fancy', 'NONE', 'decorrelated '))),
  profile: fc.oneof(
    typeError(fc.oneof(fc.double(), fc.boolean(), fc.array(fc.string()))),
    rangeError(fc.constantFrom('', 'batch', 'Interactive', 'nonInteractive ')),
  ),
  status: fc.oneof(
    typeError(fc.oneof(fc.boolean(), fc.object(), fc.constantFrom('x', '5O3'))),
    rangeError(fc.constantFrom(0, 99, 600, 503.5, -503, Number.NaN)),
  ),
  backoffDict: fc.oneof(
    typeError(fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null))),
    typeError(fc.constantFrom({ 429: 5 }, { 429: [1] }, { 503: [1, 2, 3] }, { 429: '1,2' })),
    rangeError(fc.constantFrom({ 600: [1, 2] }, { 99: [1, 2] }, { 429: [3, 2] }, { 429: [-1, 2] })),
  ),
  earlyCap: fc.oneof(
    typeError(
      fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.nat())),
    ),
    typeError(
      fc.constantFrom({ 429: 30 }, { 429: [12] }, { 429: [12, 30, 1] }, { 429: ['12', 30] }),
    ),
    rangeError(
      fc.constantFrom(
        { 42: [12, 30] },
        { 700: [1, 2] },
        { 429: [-1, 30] },
        { 429: [1.5, 30] },
        { 429: [12, -1] },
        { 429: [12, Number.NaN] },
      ),
    ),
  ),
  retriesByStatus: fc.oneof(
    typeError(fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.array(fc.nat()))),
    typeError(fc.constantFrom({ 429: '5' }, { 429: null })),
    rangeError(fc.constantFrom({ 42: 1 }, { 429: -1 }, { 429: 1.5 }, { 700: 1 })),
  ),
  transientStatuses: fc.oneof(
    typeError(fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.object())),
    typeError(fc.constantFrom([503, 'x'], [null])),
    rangeError(fc.constantFrom([99], [503, 600], [503.5])),
  ),
  function: notFunction,
  boolean: typeError(fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.object())),
  /** A Clock: an object with now, sleep and random. */
  clock: fc.oneof(notFunction, typeError(fc.constantFrom({}, { now: 1, sleep: 2, random: 3 }))),
  url: typeError(fc.constantFrom('not a url', '', '/relative', 5, 'http//x')),
  headers: typeError(
    fc.constantFrom(5, 'x', [['a']], { 'bad name': 'v' }, { a: 'v\r\nx' }, [['a', 'b', 'c']]),
  ),
  headerNames: typeError(fc.constantFrom('x-api-key', 5, [5], ['bad name'], [null], {})),
  signal: typeError(fc.constantFrom(5, 'x', {}, { aborted: false })),
  coordinator: typeError(fc.constantFrom(5, 'x', {}, { acquire: 1 })),
} satisfies Record<string, fc.Arbitrary<Bad>>;
type Kind = keyof typeof kinds;

const policyOptions: Record<string, Kind> = {
  base: 'finiteNonNegative',
  cap: 'cap',
  backoffDict: 'backoffDict',
  earlyCap: 'earlyCap',
  retries: 'count',
  retriesByStatus: 'retriesByStatus',
  transientStatuses: 'transientStatuses',
  retryTimeout: 'seconds',
  requestTimeout: 'seconds',
  maxRetryAfter: 'seconds',
  jitter: 'jitter',
};

interface Target {
  readonly name: string;
  readonly call: (options: Record<string, unknown>) => unknown;
  readonly options: Readonly<Record<string, Kind>>;
}

const targets: readonly Target[] = [
  {
    name: 'new Backoff',
    call: (o) => new Backoff(o as never),
    options: {
      base: 'finiteNonNegative',
      cap: 'cap',
      backoffDict: 'backoffDict',
      clock: 'clock',
      jitter: 'jitter',
    },
  },
  {
    name: 'resolveRetryOptions',
    call: (o) => resolveRetryOptions(o as never, profiles.nonInteractive),
    options: policyOptions,
  },
  {
    name: 'new Session',
    call: (o) => new Session(o as never),
    options: {
      ...policyOptions,
      profile: 'profile',
      baseUrl: 'url',
      headers: 'headers',
      clock: 'clock',
      onRetry: 'function',
      fetch: 'function',
      sensitiveHeaders: 'headerNames',
      maxRedirects: 'finiteCount',
      coordinator: 'coordinator',
    },
  },
  {
    name: 'new VirtualClock',
    call: (o) => new VirtualClock(o as never),
    options: { seed: 'integer', start: 'finite', auto: 'boolean' },
  },
  {
    name: 'plan',
    call: (o) => plan(o as never),
    options: {
      ...policyOptions,
      status: 'status',
      profile: 'profile',
      samples: 'finiteCount',
      seed: 'integer',
    },
  },
  {
    name: 'retry',
    call: (o) => retry(async () => 'ok', o as never),
    options: {
      ...policyOptions,
      profile: 'profile',
      clock: 'clock',
      signal: 'signal',
      classify: 'function',
      onRetry: 'function',
      discard: 'function',
      coordinator: 'coordinator',
    },
  },
];

/** The error `call` threw or rejected with, or `undefined` when it accepted the options. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Whether a message names `key` as the conventions write it: `` `key` ``, `` `key[…` `` or `` `key key` ``. */
const names = (message: string, key: string) => new RegExp(`\`${key}[\`\\[ ]`).test(message);

describe('option validation under generated wrong values', () => {
  for (const target of targets) {
    it(`${target.name}: every wrong value of every option is a TypeError or RangeError naming it`, async () => {
      const case_ = fc
        .constantFrom(...Object.keys(target.options))
        .chain((key) =>
          kinds[target.options[key]!].map((bad) => ({ key, value: bad[0], type: bad[1] })),
        );
      await fc.assert(
        fc.asyncProperty(case_, async ({ key, value, type }) => {
          const error = await failure(() => target.call({ [key]: value }));
          expect(
            error,
            `${target.name}({ ${key}: ${fc.stringify(value)} }) was accepted`,
          ).toBeInstanceOf(type);
          expect(names((error as Error).message, key), (error as Error).message).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${target.name}: an unknown option or options that are not an object is a TypeError`, async () => {
      const known = Object.keys(target.options);
      const unknownKey = fc.string({ minLength: 1 }).filter((k) => !known.includes(k));
      await fc.assert(
        fc.asyncProperty(unknownKey, async (key) => {
          const error = await failure(() => target.call({ [key]: 1 }));
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toContain(`Unknown option \`${key}\``);
        }),
        { numRuns: RUNS },
      );
      for (const options of [5, 'x', null, [1]]) {
        expect(await failure(() => target.call(options as never))).toBeInstanceOf(TypeError);
      }
    });
  }
});
