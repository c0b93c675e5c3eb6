/**
 * A retry policy: the fields a user sets ({@link RetryOptions}, every one optional) and
 * what they resolve to once checked ({@link Policy}, complete, frozen, its budgets decided
 * up front). User input is checked here and nowhere else; the engine only reads fields.
 */
import { backoffBounds } from '../backoff/backoff.js';
import {
  type Jitter,
  type JitterName,
  type JitterParams,
  jitterNames,
  jitters,
} from '../backoff/jitter.js';
import {
  checkKeys,
  checkNumber,
  checkOneOf,
  checkStatus,
  readPair,
  show,
  statusTable,
} from '../validate.js';
import { warnOnce } from '../warn.js';

/**
 * The fields of a retry policy a user can set, each optional: a field left out comes from
 * the profile (`nonInteractive` unless another is named). Times are in seconds.
 */
export interface RetryOptions {
  /**
   * Seconds: the scale of the first sleep; the n-th retry sleeps about `base * 2 ** n`.
   * @default 0.1
   */
  readonly base?: number;
  /**
   * Seconds: the longest sleep between two attempts (a server's `Retry-After` is not capped).
   * @default 90 (`interactive`: 5)
   */
  readonly cap?: number;
  /**
   * `status → [base, cap]` (or `{ base, cap }`), in seconds, for statuses that need their own pace.
   * @default {}
   */
  readonly backoffDict?: BackoffTable;
  /**
   * `status → { retries, cap }` (or `[retries, cap]`): for the first `retries` backoff sleeps
   * of that status's budget, the doubling value is capped at `cap` seconds. Opt-in: it changes
   * the documented schedule. `{ 429: { retries: 12, cap: 30 } }` measured well for fleets of
   * independent clients (see docs/benchmarks.md).
   * @default {}
   */
  readonly earlyCap?: EarlyCapTable;
  /**
   * How many retries a transient failure gets: a status in `transientStatuses`, a network
   * error or a per-attempt timeout. `Infinity` leaves it to `retryTimeout`.
   * @default 10 (`interactive`: 3)
   */
  readonly retries?: number;
  /**
   * `status → retries`: statuses with a budget of their own, which are retried too.
   * Replaces the profile's whole table.
   * @default { 404: 8, 429: 45 } (`interactive`: { 404: 2, 429: 5 })
   */
  readonly retriesByStatus?: Readonly<Record<number, number>>;
  /**
   * Statuses that are transient failures and spend `retries`.
   * @default [408, 500, 502, 503, 504]
   */
  readonly transientStatuses?: readonly number[];
  /**
   * Seconds from the first attempt after which no retry is scheduled (the last retry may
   * start past it: a retry is scheduled while less than this has passed).
   * @default 3600 (`interactive`: 15)
   */
  readonly retryTimeout?: number;
  /**
   * Seconds each attempt may take to connect, send and receive the response headers (not
   * the body). A value of 1000 or more draws a one-time warning: it is seconds, not ms.
   * @default 60 (`interactive`: 10)
   */
  readonly requestTimeout?: number;
  /**
   * Seconds: the longest `Retry-After` the client waits for; a longer one ends the
   * retries at once.
   * @default Infinity (`interactive`: 10)
   */
  readonly maxRetryAfter?: number;
  /**
   * How sleeps are drawn around the doubling schedule: `'none'`, `'full'`, `'equal'`,
   * `'decorrelated'` or `'centered'` (see `jitters`).
   * @default 'centered'
   */
  readonly jitter?: JitterName;
  /** @deprecated Renamed `retriesByStatus`; this name works until 0.3. */
  readonly statusRetries?: Readonly<Record<number, number>>;
  /** @deprecated Renamed `transientStatuses`; this name works until 0.3. */
  readonly retryStatuses?: readonly number[];
}

/** `status → [base, cap]` or `status → { base, cap }`, seconds; an object or a Map. */
export type BackoffTable =
  | Readonly<Record<number, readonly [base: number, cap: number] | BackoffBounds>>
  | ReadonlyMap<number, readonly [base: number, cap: number] | BackoffBounds>;

/** `status → { retries, cap }` or `status → [retries, cap]`; an object or a Map. */
export type EarlyCapTable =
  | Readonly<Record<number, readonly [retries: number, cap: number] | EarlyCapEntry>>
  | ReadonlyMap<number, readonly [retries: number, cap: number] | EarlyCapEntry>;

/** A status's own backoff bounds, in seconds. */
export interface BackoffBounds {
  /** Seconds: the scale of the status's first sleep. */
  readonly base: number;
  /** Seconds: the status's longest sleep; at least `base`. */
  readonly cap: number;
}

/** The first `retries` sleeps of a status capped at `cap` seconds. */
export interface EarlyCapEntry {
  /** How many of the status's first backoff sleeps the early cap bounds. */
  readonly retries: number;
  /** Seconds: the bound on their doubling value. */
  readonly cap: number;
}

/** Why a sequence of retries stopped. */
export type StopReason =
  | 'retries'
  | 'retryTimeout'
  | 'retryAfter'
  | 'notRetryable'
  | 'aborted'
  | 'budget';

/** The budget a failure spends: its own status's, or the shared one for transient failures. */
export interface Budget {
  /** Counter key: the status when it has its own budget, otherwise `'transient'`. */
  readonly key: number | 'transient';
  /** How many retries that counter allows. */
  readonly limit: number;
  /** The backoff parameters for the sleeps of this counter. */
  readonly params: JitterParams;
  /** The policy's jitter strategy. */
  readonly jitter: Jitter;
}

/** The fields of {@link RetryOptions} a policy resolves, in documentation order. */
export const retryOptionKeys = [
  'base',
  'cap',
  'backoffDict',
  'earlyCap',
  'retries',
  'retriesByStatus',
  'transientStatuses',
  'retryTimeout',
  'requestTimeout',
  'maxRetryAfter',
  'jitter',
] as const;

/** Every key a {@link RetryOptions} object may carry, the deprecated names included. */
export const retryOptionNames: readonly string[] = [
  ...retryOptionKeys,
  'statusRetries',
  'retryStatuses',
];

/**
 * The complete fields of a {@link Policy}: every field of {@link RetryOptions}, resolved
 * (the defaults are those of the profile it was made from).
 */
export interface PolicyFields {
  /** Seconds: the scale of the first sleep; the n-th retry sleeps about `base * 2 ** n`. */
  readonly base: number;
  /** Seconds: the longest backoff sleep (a server's `Retry-After` is not capped by it). */
  readonly cap: number;
  /** `status → { base, cap }` in seconds, for statuses with a pace of their own. */
  readonly backoffDict: Readonly<Record<number, BackoffBounds>>;
  /** `status → { retries, cap }`: a lower cap on the first sleeps of that status (opt-in). */
  readonly earlyCap: Readonly<Record<number, EarlyCapEntry>>;
  /** Retries of a transient failure (a status in `transientStatuses`, a network error, a timeout). */
  readonly retries: number;
  /** `status → retries`, for the statuses with a budget of their own. */
  readonly retriesByStatus: Readonly<Record<number, number>>;
  /** The statuses that spend `retries`. */
  readonly transientStatuses: readonly number[];
  /** Seconds from the first attempt after which no retry is scheduled. */
  readonly retryTimeout: number;
  /** Seconds each attempt may wait for the response headers. */
  readonly requestTimeout: number;
  /** Seconds: the longest `Retry-After` waited for; a longer one ends the retries at once. */
  readonly maxRetryAfter: number;
  /** How sleeps are drawn around the doubling schedule. */
  readonly jitter: JitterName;
}

/**
 * A complete, checked and frozen retry policy: what {@link RetryOptions} resolve to. The
 * budget of every retried status is decided when the policy is made.
 */
export class Policy implements PolicyFields {
  readonly base!: number;
  readonly cap!: number;
  readonly backoffDict!: Readonly<Record<number, BackoffBounds>>;
  readonly earlyCap!: Readonly<Record<number, EarlyCapEntry>>;
  readonly retries!: number;
  readonly retriesByStatus!: Readonly<Record<number, number>>;
  readonly transientStatuses!: readonly number[];
  readonly retryTimeout!: number;
  readonly requestTimeout!: number;
  readonly maxRetryAfter!: number;
  readonly jitter!: JitterName;
  /** The budget of transient failures, and those of statuses that differ from it. */
  readonly #transient: Budget;
  readonly #byStatus: ReadonlyMap<number, Budget>;

  /** Use {@link resolveRetryOptions}: the fields are not checked here. */
  constructor(fields: PolicyFields) {
    Object.assign(this, fields);
    const jitter = jitters[this.jitter];
    const plain = Object.freeze({ base: this.base, cap: this.cap });
    this.#transient = Object.freeze({
      key: 'transient',
      limit: this.retries,
      params: plain,
      jitter,
    });
    // A Map: an object keyed by 404 and 429 would get an elements store of 430 slots.
    const byStatus = new Map<number, Budget>();
    const statuses = [...this.transientStatuses, ...Object.keys(this.retriesByStatus).map(Number)];
    for (const status of statuses) {
      const own = this.retriesByStatus[status];
      const params = paramsOf(this, status, plain);
      // Most transient statuses share the one transient budget: a policy stays small.
      if (own === undefined && params === plain) continue;
      byStatus.set(
        status,
        Object.freeze(
          own === undefined
            ? { key: 'transient', limit: this.retries, params, jitter }
            : { key: status, limit: own, params, jitter },
        ),
      );
    }
    this.#byStatus = byStatus;
    Object.freeze(this);
  }

  /**
   * The budget that a failure with `status` spends (`undefined`: a network error or a
   * per-attempt timeout), or `undefined` when that status is not retried.
   */
  budget(status: number | undefined): Budget | undefined {
    if (status === undefined) return this.#transient;
    return (
      this.#byStatus.get(status) ??
      (this.transientStatuses.includes(status) ? this.#transient : undefined)
    );
  }
}

/** A status's backoff bounds: its `backoffDict` and `earlyCap` entries, or `plain`. */
function paramsOf(policy: PolicyFields, status: number, plain: JitterParams): JitterParams {
  const bounds = policy.backoffDict[status] ?? plain;
  const early = policy.earlyCap[status];
  // An early cap that changes no sleep is left out, so those params stay plain bounds.
  // Stryker disable next-line EqualityOperator: an early cap equal to the cap changes no sleep either
  if (early && early.retries > 0 && early.cap < bounds.cap) {
    return Object.freeze({ base: bounds.base, cap: bounds.cap, early });
  }
  return bounds === plain ? plain : Object.freeze({ base: bounds.base, cap: bounds.cap });
}

/** {@link Policy.budget}, as a function. */
export function budgetFor(policy: Policy, status: number | undefined): Budget | undefined {
  return policy.budget(status);
}

/**
 * Checks `overrides` on top of `defaults` and returns the resolved policy; a field left
 * out keeps the default's (its object is shared, not copied). Without `defaults`, every
 * field is required (the built-in profiles are made this way). Throws
 * `TypeError`/`RangeError` naming the option, the expectation and the value.
 */
export function resolveRetryOptions(
  overrides: RetryOptions | undefined,
  defaults: Policy | undefined,
  what = 'retry options',
): Policy {
  const o = renamed(checkKeys(what, overrides, retryOptionNames) as RetryOptions, what);
  const given = <K extends keyof PolicyFields>(key: K): unknown =>
    o[key] === undefined ? defaults?.[key] : o[key];
  const keep = <K extends keyof PolicyFields>(key: K, read: (value: unknown) => PolicyFields[K]) =>
    o[key] === undefined && defaults ? defaults[key] : read(given(key));
  const base = checkNumber('base', given('base'), { min: 0 });
  const cap = checkNumber('cap', given('cap'), { min: base, minText: `\`base\` (${base})` });
  const count = { min: 0, integer: true, infinite: true };
  const seconds = { min: 0, infinite: true };
  const requestTimeout = checkNumber('requestTimeout', given('requestTimeout'), seconds);
  if (o.requestTimeout !== undefined && requestTimeout >= 1000 && requestTimeout < Infinity) {
    warnOnce(
      'ORIONCLIENT_SECONDS',
      `\`requestTimeout\` is in seconds: ${requestTimeout} means ${minutes(requestTimeout)} per attempt`,
    );
  }
  return new Policy({
    base,
    cap,
    backoffDict: keep('backoffDict', backoffBounds),
    earlyCap: keep('earlyCap', (v) =>
      statusTable('earlyCap', v, (entry, label) => {
        const [r, c] = readPair(label, entry, ['retries', 'cap']);
        const retries = checkNumber(`${label}.retries`, r, count);
        return Object.freeze({ retries, cap: checkNumber(`${label}.cap`, c, { min: 0 }) });
      }),
    ),
    retries: checkNumber('retries', given('retries'), count),
    retriesByStatus: keep('retriesByStatus', (v) =>
      statusTable('retriesByStatus', v, (n, label) => checkNumber(label, n, count)),
    ),
    transientStatuses: keep('transientStatuses', statusList),
    retryTimeout: checkNumber('retryTimeout', given('retryTimeout'), seconds),
    requestTimeout,
    maxRetryAfter: checkNumber('maxRetryAfter', given('maxRetryAfter'), seconds),
    jitter: checkOneOf('jitter', given('jitter'), jitterNames),
  });
}

/** Moves the deprecated names to the new ones, warning once per name. */
function renamed(o: RetryOptions, what: string): RetryOptions {
  const moves = [
    ['statusRetries', 'retriesByStatus'],
    ['retryStatuses', 'transientStatuses'],
  ] as const;
  if (!moves.some(([old]) => o[old] !== undefined)) return o;
  const out: Record<string, unknown> = { ...o };
  for (const [old, now] of moves) {
    if (o[old] === undefined) continue;
    if (o[now] !== undefined) {
      throw new TypeError(`${what}: give \`${now}\` or its old name \`${old}\`, not both`);
    }
    warnOnce(`ORIONCLIENT_${old.toUpperCase()}`, `\`${old}\` is deprecated: use \`${now}\``, true);
    out[now] = o[old];
    delete out[old];
  }
  return out as RetryOptions;
}

function minutes(seconds: number): string {
  return seconds >= 7200
    ? `${(seconds / 3600).toFixed(1)} hours`
    : `${Math.round(seconds / 60)} minutes`;
}

function statusList(value: unknown): readonly number[] {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `\`transientStatuses\` must be an array of status codes, got ${show(value)}`,
    );
  }
  return Object.freeze(value.map((s, i) => checkStatus(`transientStatuses[${i}]`, s)));
}

/**
 * The stopping rule of the original API: after a failure, one more retry is scheduled
 * while the counter has retries left and less than `retryTimeout` has passed since the
 * first attempt ("rounding up", so the last retry may start past `retryTimeout`).
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
