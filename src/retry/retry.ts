/** `retry()`: any operation, retried under a profile's policy; its options checked once. */
import { type Clock, systemClock } from '../time/clock.js';
import {
  checkClock,
  checkFunction,
  checkKeys,
  checkOneOf,
  checkSignal,
  show,
} from '../validate.js';
import type { AttemptContext, Outcome, RetryCoordinator, RetryEvent, Verdict } from './contract.js';
import { Policy, type RetryOptions, resolveRetryOptions, retryOptionNames } from './policy.js';
import { type ProfileName, profiles } from './profiles.js';
import { runRetry } from './run.js';
import { RETRY_SPREAD, type RetryAfterSpreadOptions, resolveSpread } from './spread.js';

/** Options of {@link retry}: any policy field, plus where time comes from and how outcomes read. */
export interface RetryCallOptions<T> extends RetryOptions {
  /**
   * The profile the policy fields override: a name, or policy fields on top of
   * `nonInteractive`.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /**
   * Where time, sleeping and randomness come from (a `VirtualClock` in tests).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Cancels everything at once, a backoff sleep included; no attempt starts after it.
   * @default `undefined`: only the policy ends the call
   */
  signal?: AbortSignal;
  /**
   * Reads an outcome. By default a value is a success, an error carrying a numeric
   * `status` or `statusCode` is retried when the policy retries that status, and any other
   * error except a programming error (`TypeError`, `RangeError`, `ReferenceError`,
   * `SyntaxError`) is a transient failure.
   * @default defaultClassify
   */
  classify?: (outcome: Outcome<T>) => Verdict;
  /**
   * Called before each backoff sleep; may be async (the sleep waits for it, an abort does not).
   * @default `undefined`: no hook
   */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /**
   * Shares pacing and a retry budget with other calls (a `Coordinator`).
   * @default `undefined`: the call paces itself alone
   */
  coordinator?: RetryCoordinator;
  /**
   * The URL the operation sends its requests to, when it is an HTTP call: a `Coordinator`
   * keeps its state per quota, by default the URL's origin. Calls without one share one
   * quota. A `Session` passes each request's URL itself.
   * @default `undefined`: the call shares the one quota of calls without a URL
   */
  url?: string | URL;
  /**
   * How far above a server's `Retry-After` of `s` seconds the next attempt may start when
   * no `coordinator` is given (a coordinator spreads the attempts it holds itself): a
   * uniform draw in `[s, s + w]`, never below `s`, with `w = min(30, s · (2k − 1))` after
   * the k-th `Retry-After` of this call, so the k-th wait averages `(k + ½) · s`. Servers
   * send whole seconds, and independent clients told `Retry-After: 1` would otherwise all
   * come back in the same instant; the fleet benchmark measures the rule. The spread never
   * moves an attempt past `retryTimeout`. `false` waits exactly `s`.
   * @default { spread: 1, slope: 2, growth: 1, maxSpread: 30 }
   */
  retryAfterSpread?: boolean | RetryAfterSpreadOptions;
  /**
   * Called with a value that a retry is about to replace (the session releases the
   * failed response's body here), before the backoff sleep; also with a value that came
   * after an abort.
   * @default `undefined`: a replaced value is dropped as it is
   */
  discard?: (value: T) => void | Promise<void>;
  /**
   * Names the operation in messages and events.
   * @default 'operation'
   */
  description?: string;
}

const callKeys = [
  ...retryOptionNames,
  'profile',
  'clock',
  'signal',
  'classify',
  'onRetry',
  'discard',
  'description',
  'coordinator',
  'retryAfterSpread',
  'url',
];

/**
 * Runs `operation` until it succeeds or the policy says stop, sleeping between attempts.
 * Each call keeps its own counters and jitter cursors: a 429 spends the 429 budget, a 503
 * the transient one, and `retryTimeout` bounds them all.
 *
 * Returns the last value (also a failed one, such as a `Response` with status 503, when the
 * retries end: fetch semantics); throws `RetryError` when the last attempt threw, and
 * the abort reason when `signal` aborts.
 *
 * @example
 * ```ts
 * import { retry } from 'orionclient';
 *
 * const text = await retry(
 *   async ({ signal }) => {
 *     const response = await fetch('https://api.example.com/v1/report', { signal });
 *     // An error with a numeric `status` spends that status's budget (a 429 its own).
 *     if (!response.ok) throw Object.assign(new Error('not ok'), { status: response.status });
 *     return response.text();
 *   },
 *   { profile: 'interactive' },
 * );
 * ```
 */
export function retry<T>(
  operation: (context: AttemptContext) => Promise<T>,
  options?: RetryCallOptions<T>,
): Promise<T> {
  try {
    if (typeof operation !== 'function') {
      throw new TypeError(
        `\`operation\` must be a function returning a promise, got ${show(operation)} (${typeof operation})`,
      );
    }
    const o = checkKeys('retry options', options, callKeys) as RetryCallOptions<T>;
    checkClock('clock', o.clock);
    checkCoordinator(o.coordinator);
    checkFunction('classify', o.classify);
    checkFunction('onRetry', o.onRetry);
    checkFunction('discard', o.discard);
    checkSignal('signal', o.signal);
    if (o.description !== undefined && typeof o.description !== 'string') {
      throw new TypeError(
        `\`description\` must be a string, got ${show(o.description)} (${typeof o.description})`,
      );
    }
    return runRetry(operation, {
      policy: callPolicy(o, 'retry options'),
      clock: o.clock ?? systemClock,
      signal: o.signal,
      classify: o.classify ?? defaultClassify,
      onRetry: o.onRetry,
      discard: o.discard,
      description: o.description ?? 'operation',
      coordinator: o.coordinator,
      url: o.url === undefined ? undefined : requestUrl(o.url),
      spread: resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD),
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The policy of a call: its `profile` (a name, or fields on top of `nonInteractive`),
 * with the call's own policy fields on top.
 */
export function callPolicy(options: RetryOptions & { profile?: unknown }, what: string): Policy {
  const { profile } = options;
  const base =
    profile instanceof Policy
      ? profile
      : typeof profile === 'object' && profile !== null
        ? resolveRetryOptions(profile as RetryOptions, profiles.nonInteractive, '`profile`')
        : profiles[
            checkOneOf(
              'profile',
              profile === undefined ? 'nonInteractive' : profile,
              Object.keys(profiles) as ProfileName[],
            )
          ];
  // The usual case (a profile, no field of its own) copies nothing.
  const own = retryOptionNames.filter((k) => k in options);
  if (own.length === 0) return base;
  const fields = Object.fromEntries(own.map((k) => [k, options[k as keyof RetryOptions]]));
  return resolveRetryOptions(fields, base, what);
}

/** Fails fast on something that is not a coordinator, which would otherwise fail mid-retry. */
export function checkCoordinator(value: unknown): void {
  const c = value as Record<string, unknown> | undefined;
  if (
    c !== undefined &&
    (c === null ||
      typeof c !== 'object' ||
      typeof c.acquire !== 'function' ||
      typeof c.record !== 'function')
  ) {
    throw new TypeError(
      `\`coordinator\` must be a RetryCoordinator (an object with acquire, record), got ${show(value)}`,
    );
  }
}

function requestUrl(url: string | URL): URL {
  if (url instanceof URL) return url;
  if (typeof url === 'string' && URL.canParse(url)) return new URL(url);
  throw new TypeError('`url` must be an absolute URL (a string or a URL), got one that is not');
}

/**
 * The default reading of an outcome for generic operations (the `classify` of `retry()`):
 * a value is a success; an error carrying a numeric `status` or `statusCode` is a failure
 * of that status (retried when the policy retries the status); a `TypeError`,
 * `RangeError`, `ReferenceError` or `SyntaxError` is a programming error and final; any
 * other error is a transient failure.
 */
export function defaultClassify(outcome: Outcome<unknown>): Verdict {
  if (outcome.ok) return { retry: false };
  const { error } = outcome;
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return { retry: true, status };
  const bug =
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError;
  return { retry: !bug };
}
