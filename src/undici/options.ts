/** The options of the undici interceptor, checked once when it is made. */

import { headerNames } from '../http/safe-input.js';
import { SENSITIVE_HEADERS } from '../http/session.js';
import type { RetryCoordinator, RetryEvent } from '../retry/contract.js';
import { type Policy, type RetryOptions, retryOptionNames } from '../retry/policy.js';
import type { ProfileName } from '../retry/profiles.js';
import { callPolicy, checkCoordinator } from '../retry/retry.js';
import {
  RETRY_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  type Spread,
} from '../retry/spread.js';
import { type Clock, systemClock } from '../time/clock.js';
import { TimeoutQueue } from '../time/timeout-queue.js';
import { checkClock, checkFunction, checkKeys, checkNumber } from '../validate.js';

/** Options of the undici interceptor: a profile, any policy field to override, and its own. */
export interface RetryInterceptorOptions extends Partial<RetryOptions> {
  /**
   * The retry profile: `'nonInteractive'` (the original Python API's budgets),
   * `'interactive'` (a person is waiting), or a complete custom policy.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /**
   * Where backoff sleeps and randomness come from (a `VirtualClock` in tests). The
   * per-attempt `requestTimeout` runs in real time.
   * @default systemClock
   */
  clock?: Clock;
  /** Called before each backoff sleep of every request. */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /** Shares pacing and a retry budget between the requests of this dispatcher (and others). */
  coordinator?: RetryCoordinator;
  /**
   * How far above a server's `Retry-After` of `s` seconds a retry may start when no
   * `coordinator` is given (see `retry()`); `false` waits exactly `s`.
   * @default { spread: 1, slope: 2, growth: 1, maxSpread: 30 }
   */
  retryAfterSpread?: boolean | RetryAfterSpreadOptions;
  /**
   * Redirects the interceptor follows itself, with `Session`'s rules: Authorization,
   * Cookie, Proxy-Authorization and `sensitiveHeaders` never reach another origin, and a
   * `POST` answered with a redirect is not sent again. `0` hands redirects back as they
   * are, as undici does; a dispatch's own `maxRedirections` wins (`fetch` sends `0`: it
   * follows redirects itself, one dispatch per hop). Use it instead of undici's
   * `interceptors.redirect`.
   * @default 0
   */
  maxRedirects?: number;
  /**
   * More headers to keep from other origins on a redirect the interceptor follows
   * (for example `['x-api-key']`).
   * @default []
   */
  sensitiveHeaders?: readonly string[];
}

/** The checked settings every request of one interceptor reads. */
export interface InterceptorSettings {
  readonly policy: Policy;
  readonly clock: Clock;
  readonly onRetry: ((event: RetryEvent) => void | Promise<void>) | undefined;
  readonly coordinator: RetryCoordinator | undefined;
  readonly spread: Spread | undefined;
  readonly maxRedirects: number;
  /** Lowercase names of the headers that never reach another origin. */
  readonly sensitive: readonly string[];
  /** The attempts' `requestTimeout`s; `undefined` when attempts have none. */
  readonly timeouts: TimeoutQueue | undefined;
}

/** Names other clients give to an option, and this interceptor's name for it. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  timeout: '`requestTimeout` (seconds per attempt, to the response headers)',
  maxRetries: '`retries`',
  maxRedirections: '`maxRedirects` (a dispatch may still carry `maxRedirections`)',
};

const keys = [
  ...retryOptionNames,
  'profile',
  'clock',
  'onRetry',
  'coordinator',
  'retryAfterSpread',
  'maxRedirects',
  'sensitiveHeaders',
];

/** Checks the interceptor's options: a `TypeError` or `RangeError` that names the option. */
export function resolveInterceptorOptions(
  options: RetryInterceptorOptions | undefined,
): InterceptorSettings {
  const what = 'retry interceptor options';
  if (typeof options === 'object' && options !== null) {
    for (const [name, ours] of Object.entries(OTHER_NAMES)) {
      if (Object.hasOwn(options, name)) {
        throw new TypeError(
          `Unknown option \`${name}\` in ${what}; did you mean ${ours}? (known: ${keys.join(', ')})`,
        );
      }
    }
  }
  const o = checkKeys(what, options, keys) as RetryInterceptorOptions;
  const policy = callPolicy(o, what);
  checkClock('clock', o.clock);
  checkCoordinator(o.coordinator);
  checkFunction('onRetry', o.onRetry);
  const maxRedirects = o.maxRedirects === undefined ? 0 : o.maxRedirects;
  return Object.freeze({
    policy,
    clock: o.clock ?? systemClock,
    onRetry: o.onRetry,
    coordinator: o.coordinator,
    spread: resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD),
    maxRedirects: checkNumber('maxRedirects', maxRedirects, { min: 0, integer: true }),
    sensitive: [...SENSITIVE_HEADERS, ...headerNames(o.sensitiveHeaders)],
    timeouts:
      policy.requestTimeout === Number.POSITIVE_INFINITY
        ? undefined
        : new TimeoutQueue(policy.requestTimeout * 1000),
  });
}
