import { entriesOf } from '../backoff/backoff.js';
import {
  type Jitter,
  type JitterName,
  type JitterParams,
  jitterNames,
  jitters,
} from '../backoff/jitter.js';
import { checkKeys, checkNumber, checkOneOf, checkStatus, show } from '../validate.js';

/**
 * A retry policy as plain data. Both built-in profiles are values of this type; every
 * field can be overridden per session or per call. Times are in seconds.
 */
export interface RetryOptions {
  /** Initial sleep: the n-th retry of a sequence sleeps about `base * 2 ** n`. */
  readonly base: number;
  /** Largest sleep between two attempts (not counting a server's `Retry-After`). */
  readonly cap: number;
  /** `status → [base, cap]` for statuses that need their own pace. */
  readonly backoffDict: Readonly<Record<number, readonly [number, number]>>;
  /**
   * `status → [retries, cap]`: for the first `retries` backoff sleeps of that status's
   * budget, the doubling value is capped at `cap` seconds instead of the budget's cap (the
   * jitter draws around it as usual; a `Retry-After` is not capped). A rate limit that
   * gives no hint usually clears within a minute, so a long 429 budget polls about every
   * half minute at first and spreads out to the full cap later: in the fleet benchmark
   * (1000 independent clients, a 10/s server, 429 without `Retry-After`)
   * `{ 429: [12, 30] }` finishes in about 1.3× the floor instead of 2× for about the same
   * number of calls, and the 429 budget still lasts about 79 % of the seed's hour.
   */
  readonly earlyCap: Readonly<Record<number, readonly [retries: number, cap: number]>>;
  /** Retries for transient failures: `retryStatuses`, network errors and per-attempt timeouts. */
  readonly retries: number;
  /** Statuses with a budget of their own (`404: 8`, `429: 45` in the seed). They are retried too. */
  readonly statusRetries: Readonly<Record<number, number>>;
  /** Statuses that are transient failures and spend the `retries` budget. */
  readonly retryStatuses: readonly number[];
  /**
   * Time budget from the first attempt: after a failure, another retry is scheduled only
   * while less than this has passed (so the last retry may start past it, as in the seed).
   */
  readonly retryTimeout: number;
  /** Per attempt: connecting, sending and waiting for the response headers. Not the body. */
  readonly requestTimeout: number;
  /** Longest `Retry-After` the client will wait; a longer one ends the retries at once. */
  readonly maxRetryAfter: number;
  /** How sleeps are drawn around the doubling schedule (see `jitters`). */
  readonly jitter: JitterName;
}

/** Why a sequence of retries stopped. */
export type StopReason =
  | 'retries'
  | 'retryTimeout'
  | 'retryAfter'
  | 'notRetryable'
  | 'aborted'
  | 'budget';

/** The keys of {@link RetryOptions}, in documentation order. */
export const retryOptionKeys = [
  'base',
  'cap',
  'backoffDict',
  'earlyCap',
  'retries',
  'statusRetries',
  'retryStatuses',
  'retryTimeout',
  'requestTimeout',
  'maxRetryAfter',
  'jitter',
] as const satisfies ReadonlyArray<keyof RetryOptions>;

/**
 * Validates `overrides` on top of `defaults` and returns a frozen, complete policy.
 * Throws `TypeError`/`RangeError` naming the option, the expectation and the value.
 */
export function resolveRetryOptions(
  overrides: Partial<RetryOptions> | undefined,
  defaults: RetryOptions,
  what = 'retry options',
): RetryOptions {
  if (
    overrides !== undefined &&
    resolved.has(overrides as RetryOptions) &&
    Object.keys(overrides).length === retryOptionKeys.length
  ) {
    return overrides as RetryOptions;
  }
  const o = checkKeys(what, overrides, retryOptionKeys);
  const pick = <K extends keyof RetryOptions>(key: K): unknown =>
    o[key] === undefined ? defaults[key] : o[key];
  const base = checkNumber('base', pick('base'), { min: 0 });
  const cap = checkNumber('cap', pick('cap'), { min: base, minText: `\`base\` (${base})` });
  const count = { min: 0, integer: true, infinite: true };
  const seconds = { min: 0, infinite: true };
  const policy: RetryOptions = Object.freeze({
    base,
    cap,
    // A field the overrides leave alone is the defaults' own (already valid and frozen)
    // object: a per-call override of `base` does not copy every table.
    backoffDict:
      o.backoffDict === undefined && resolved.has(defaults)
        ? defaults.backoffDict
        : Object.freeze(
            Object.fromEntries(
              entriesOf(pick('backoffDict')).map(([s, p]) => [
                s,
                Object.freeze([p.base, p.cap] as const),
              ]),
            ),
          ),
    earlyCap:
      o.earlyCap === undefined && resolved.has(defaults)
        ? defaults.earlyCap
        : Object.freeze(earlyCaps(pick('earlyCap'))),
    retries: checkNumber('retries', pick('retries'), count),
    statusRetries:
      o.statusRetries === undefined && resolved.has(defaults)
        ? defaults.statusRetries
        : Object.freeze(statusCounts(pick('statusRetries'))),
    retryStatuses:
      o.retryStatuses === undefined && resolved.has(defaults)
        ? defaults.retryStatuses
        : Object.freeze(statusList(pick('retryStatuses'))),
    retryTimeout: checkNumber('retryTimeout', pick('retryTimeout'), seconds),
    requestTimeout: checkNumber('requestTimeout', pick('requestTimeout'), {
      min: 0,
      infinite: true,
    }),
    maxRetryAfter: checkNumber('maxRetryAfter', pick('maxRetryAfter'), seconds),
    jitter: checkOneOf('jitter', pick('jitter'), jitterNames),
  });
  resolved.add(policy);
  return policy;
}

/** Policies this module produced: already valid and frozen, so they are used as they are. */
const resolved = new WeakSet<RetryOptions>();

/** Whether `value` is a complete policy returned by {@link resolveRetryOptions}. */
export function isResolved(value: unknown): value is RetryOptions {
  return typeof value === 'object' && value !== null && resolved.has(value as RetryOptions);
}

function statusCounts(value: unknown): Record<number, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `\`statusRetries\` must be an object of status → retries, got ${show(value)}`,
    );
  }
  const out: Record<number, number> = {};
  for (const [key, count] of Object.entries(value)) {
    const status = checkStatus('statusRetries key', Number(key));
    out[status] = checkNumber(`statusRetries[${status}]`, count, {
      min: 0,
      integer: true,
      infinite: true,
    });
  }
  return out;
}

function earlyCaps(value: unknown): Record<number, readonly [number, number]> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `\`earlyCap\` must be an object of status → [retries, cap], got ${show(value)}`,
    );
  }
  const out: Record<number, readonly [number, number]> = {};
  // A Map is read like backoffDict's.
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [key, pair] of entries) {
    const status = checkStatus('earlyCap key', typeof key === 'string' ? Number(key) : key);
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(
        `\`earlyCap[${status}]\` must be a [retries, cap] pair, got ${show(pair)}`,
      );
    }
    const retries = checkNumber(`earlyCap[${status}][0]`, pair[0], {
      min: 0,
      integer: true,
      infinite: true,
    });
    const cap = checkNumber(`earlyCap[${status}][1]`, pair[1], { min: 0 });
    out[status] = Object.freeze([retries, cap] as const);
  }
  return out;
}

function statusList(value: unknown): number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`\`retryStatuses\` must be an array of status codes, got ${show(value)}`);
  }
  return value.map((s, i) => checkStatus(`retryStatuses[${i}]`, s));
}

/** The budget a failure spends: its own status's, or the shared one for transient failures. */
export interface Budget {
  /** Counter key: the status when it has its own budget, otherwise `'transient'`. */
  readonly key: number | 'transient';
  /** How many retries that counter allows. */
  readonly limit: number;
  /** The backoff parameters for the sleeps of this counter. */
  readonly params: JitterParams;
  /** The policy's jitter strategy (`jitters[policy.jitter]`), looked up once. */
  readonly jitter: Jitter;
}

/**
 * Which budget a failure spends, or `undefined` when it is not retried at all.
 * `status` is an HTTP status, or `undefined` for a network error or a per-attempt timeout.
 */
export function budgetFor(policy: RetryOptions, status: number | undefined): Budget | undefined {
  // A loop asks about the same policy and status again and again: answer the last question
  // without a lookup.
  if (policy === last.policy && status === last.status) return last.budget;
  let table = budgetTables.get(policy);
  if (!table) {
    // Only a policy this module froze is known never to change.
    if (!resolved.has(policy)) return computeBudget(policy, status);
    table = new Map();
    budgetTables.set(policy, table);
  }
  let budget = table.get(status);
  if (budget === undefined) {
    budget = computeBudget(policy, status) ?? null;
    // Policies are frozen, so a status's budget never changes: decide it once per policy.
    if (table.size < 1000) table.set(status, budget);
  }
  last = { policy, status, budget: budget ?? undefined };
  return last.budget;
}

/** Budgets already decided, per policy and status (`null`: not retried). */
const budgetTables = new WeakMap<RetryOptions, Map<number | undefined, Budget | null>>();
/** The last answer of {@link budgetFor} (it holds one policy alive, which is harmless). */
let last: { policy?: RetryOptions; status?: number | undefined; budget?: Budget | undefined } = {};

function computeBudget(policy: RetryOptions, status: number | undefined): Budget | undefined {
  const own = status === undefined ? undefined : policy.statusRetries[status];
  if (status !== undefined && own === undefined && !policy.retryStatuses.includes(status))
    return undefined;
  const pair = status === undefined ? undefined : policy.backoffDict[status];
  const early = status === undefined ? undefined : policy.earlyCap[status];
  const bounds = pair ? { base: pair[0], cap: pair[1] } : { base: policy.base, cap: policy.cap };
  // An early cap that changes no sleep is left out, so those params stay plain bounds.
  const params: JitterParams = Object.freeze(
    early && early[0] > 0 && early[1] < bounds.cap
      ? { ...bounds, early: Object.freeze({ retries: early[0], cap: early[1] }) }
      : bounds,
  );
  const jitter = jitters[policy.jitter];
  return Object.freeze(
    own === undefined
      ? { key: 'transient' as const, limit: policy.retries, params, jitter }
      : { key: status!, limit: own, params, jitter },
  );
}

/**
 * The seed's stopping rule: after a failure, one more retry is scheduled while the
 * counter has retries left and less than `retryTimeout` has passed since the first
 * attempt ("rounding up", so the last retry may start past `retryTimeout`).
 * Returns why to stop, or `undefined` to retry.
 */
export function stopReason(
  used: number,
  limit: number,
  elapsed: number,
  retryTimeout: number,
): StopReason | undefined {
  if (used >= limit) return 'retries';
  if (elapsed >= retryTimeout) return 'retryTimeout';
  return undefined;
}
