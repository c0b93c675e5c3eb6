/** The options of {@link Coordinator}, and their validation into complete settings. */
import {
  COORDINATOR_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  spreadKeys,
} from '../retry/spread.js';
import { type Clock, systemClock } from '../time/clock.js';
import {
  checkBoolean,
  checkFunction,
  checkKeys,
  checkMethods,
  checkNumber,
  checkSection,
  checkStatus,
  show,
} from '../validate.js';
import type { BudgetSettings, HoldSettings, LimitSettings, PolicySettings } from './settings.js';
import type { QuotaStore } from './store.js';

/**
 * Options of the shared `Retry-After` wait ({@link CoordinatorOptions.retryAfter}). Each
 * attempt held by a `Retry-After` of `s` seconds (server instant `T`) starts at a uniform
 * draw in `[T, T + w]`, never before `T`, with `w` the spread's width after the k-th
 * throttling response in a row (an accepted response resets k). Here the width grows
 * geometrically by default: `w = min(30, s · 1.5^(k − 1))`.
 */
export interface SharedRetryAfterOptions extends RetryAfterSpreadOptions {
  /**
   * Also hold every attempt for a `Retry-After` that arrives while the rate limit already
   * paces them. Off: the throttled request itself still waits its `Retry-After` in full,
   * the others keep the learned pace (which the limit lowers at once).
   * @default false
   */
  whilePacing?: boolean;
  /**
   * Longest shared hold, in seconds: a `Retry-After` longer than this holds the request
   * that received it for its full length, and the other requests only this long (after it,
   * one of them probes the server again). A hint that the receiving request itself refuses
   * to wait for (beyond its `maxRetryAfter` or `retryTimeout`) never becomes a shared hold.
   * @default 300
   */
  maxHold?: number;
}

/** Options of the adaptive rate limit ({@link CoordinatorOptions.rateLimit}). */
export interface RateLimitOptions {
  /**
   * Statuses that mean "slow down": they turn the limit on and lower it. A retry after
   * one of them is paced by the limit and not charged to the retry budget.
   * @default [429, 503]
   */
  statuses?: readonly number[];
  /**
   * Lowest rate, requests per second (the pace of probes while a server is down); at
   * least 0.01 (one attempt every 100 s).
   * @default 0.5
   */
  minRate?: number;
  /**
   * Growth factor per second of accepted responses while the rate is below the last rate
   * that was throttled (slow start). While no such ceiling holds (after the first throttle,
   * once a ceiling that the next throttle did not find again has lapsed after 2 s, or one
   * it found again 10 s after that throttle) the rate grows by `growth³` per second
   * instead, unless it was last lowered because nothing got through. The rate grows only
   * while attempts wait for it.
   * @default 1.6
   */
  growth?: number;
  /**
   * While that ceiling holds, above it the limit probes upward by this share of it per
   * second of accepted responses.
   * @default 0.005
   */
  probe?: number;
  /**
   * Multiplier applied to the rate when a throttling response arrives; the cut goes lower,
   * to the rate the server accepted over the last second, but never below half the rate.
   * While nothing is accepted, a 503 halves the rate (an outage) and a 429 cuts by this.
   * @default 0.9
   */
  decrease?: number;
  /**
   * Seconds after a decrease during which further throttling responses (from attempts
   * already under way) do not lower the rate again.
   * @default 1
   */
  cooldown?: number;
}

/** Options of the retry budget ({@link CoordinatorOptions.budget}). */
export interface RetryBudgetOptions {
  /**
   * Retries allowed per first attempt, over the window.
   * @default 0.1
   */
  ratio?: number;
  /**
   * Retries per second always allowed, so a quiet client can still retry.
   * @default 1
   */
  minPerSecond?: number;
  /**
   * Seconds of history the budget counts (at most one day).
   * @default 10
   */
  window?: number;
}

/** Options of {@link Coordinator}. Each mechanism is on unless set to `false`. */
export interface CoordinatorOptions {
  /**
   * Where time, waiting and randomness come from (a `VirtualClock` in simulations).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The quota a request counts against: requests with the same key share one state
   * (shared wait, learned rate, retry budget); different keys never slow each other.
   * Called with the request's URL; requests without one (plain `retry()` calls) share the
   * key `''`. Name a quota that spans hosts, e.g. `() => 'api-account-1'`.
   * @default (url) => url.origin
   */
  key?: (url: URL) => string;
  /**
   * When one response says `Retry-After: s`, every attempt of the sharing requests waits
   * until that instant.
   * @default { spread: 1, slope: 0, growth: 1.5, maxSpread: 30, whilePacing: false, maxHold: 300 }
   */
  retryAfter?: boolean | SharedRetryAfterOptions;
  /**
   * Adaptive client-side rate limit learned from throttling responses: off until the
   * first one that tells the server's rate (one while responses were accepted over the
   * last second, or a 503 without `Retry-After`, which starts at `minRate`), then attempts
   * leave in order at a rate that backs off on throttling and grows while the server
   * accepts. A first 429 with nothing accepted leaves each request to its own backoff (the
   * server is up; others spent the quota), one with `Retry-After` to the shared wait.
   * @default { statuses: [429, 503], minRate: 0.5, growth: 1.6, probe: 0.005, decrease: 0.9, cooldown: 1 }
   */
  rateLimit?: boolean | RateLimitOptions;
  /**
   * Retries of other failures (5xx, network errors, timeouts) are limited to a share of
   * the first attempts; a refused retry ends the request with reason `'budget'`.
   * @default { ratio: 0.1, minPerSecond: 1, window: 10 }
   */
  budget?: boolean | RetryBudgetOptions;
  /**
   * Where the state of each quota lives. By default in this process; a store shared by
   * several processes (such as Redis) makes them one fleet: one shared wait, one learned
   * rate, one retry budget.
   * @default a store in this process's memory
   */
  store?: QuotaStore;
}

/** Every option of a Coordinator, checked and complete. */
export interface CoordinatorSettings {
  readonly clock: Clock;
  readonly key: (url: URL) => string;
  /** `undefined`: the Coordinator keeps its quotas in its own memory. */
  readonly store: QuotaStore | undefined;
  readonly policy: PolicySettings;
}

const keys = ['clock', 'key', 'retryAfter', 'rateLimit', 'budget', 'store'];

/** Checks a Coordinator's options; throws TypeError/RangeError naming the option. */
export function coordinatorSettings(options: unknown): CoordinatorSettings {
  const o = checkKeys('Coordinator options', options, keys) as CoordinatorOptions;
  checkMethods('clock', o.clock, 'a Clock', ['now', 'sleep', 'random']);
  checkFunction('key', o.key);
  checkMethods('store', o.store, 'a QuotaStore', ['sync']);
  return {
    clock: o.clock ?? systemClock,
    key: o.key ?? origin,
    store: o.store,
    policy: Object.freeze({
      hold: holdSettings(o.retryAfter),
      limit: rateLimitSettings(o.rateLimit),
      budget: budgetSettings(o.budget),
    }),
  };
}

const origin = (url: URL) => url.origin;

function holdSettings(value: unknown): HoldSettings | undefined {
  const o = checkSection('retryAfter', value, [...spreadKeys, 'whilePacing', 'maxHold']) as
    | SharedRetryAfterOptions
    | false;
  if (!o) return undefined;
  const { whilePacing = false, maxHold = 300, ...spread } = o;
  return {
    spread: resolveSpread('retryAfter', spread, COORDINATOR_SPREAD),
    whilePacing: checkBoolean('retryAfter.whilePacing', whilePacing),
    maxHold: checkNumber('retryAfter.maxHold', maxHold, { min: 0, max: 86_400 }),
  };
}

function rateLimitSettings(value: unknown): LimitSettings | undefined {
  const o = checkSection('rateLimit', value, [
    'statuses',
    'minRate',
    'growth',
    'probe',
    'decrease',
    'cooldown',
  ]) as RateLimitOptions | false;
  if (!o) return undefined;
  const statuses = o.statuses ?? [429, 503];
  if (!Array.isArray(statuses)) {
    throw new TypeError(
      `\`rateLimit.statuses\` must be an array of status codes, got ${show(statuses)}`,
    );
  }
  const growth = checkNumber('rateLimit.growth', o.growth ?? 1.6, { min: 1, max: 1000 });
  return {
    statuses: statuses.map((s, i) => checkStatus(`rateLimit.statuses[${i}]`, s)),
    minRate: checkNumber('rateLimit.minRate', o.minRate ?? 0.5, { min: 0.01 }),
    growth,
    probe: checkNumber('rateLimit.probe', o.probe ?? 0.005, { min: 0, max: 1000 }),
    decrease: checkNumber('rateLimit.decrease', o.decrease ?? 0.9, { min: 0.01, max: 1 }),
    cooldown: checkNumber('rateLimit.cooldown', o.cooldown ?? 1, { min: 0, max: 86_400 }),
    // Measured at the loopback setting (N = 200, C = 50/s, B = 10, one process and 4 or 8
    // processes with a Coordinator each) against S2(b), S4 and S5: docs/benchmarks.md.
    startGrowth: growth ** 3,
    deepestCut: 0.5,
    ceilingHold: 2,
    confirmedHold: 10,
    confirmBand: 0.9,
  };
}

function budgetSettings(value: unknown): BudgetSettings | undefined {
  const o = checkSection('budget', value, ['ratio', 'minPerSecond', 'window']) as
    | RetryBudgetOptions
    | false;
  if (!o) return undefined;
  return {
    ratio: checkNumber('budget.ratio', o.ratio ?? 0.1, { min: 0 }),
    minPerSecond: checkNumber('budget.minPerSecond', o.minPerSecond ?? 1, { min: 0 }),
    window: checkNumber('budget.window', o.window ?? 10, { min: 0.001, max: 86_400 }),
  };
}
