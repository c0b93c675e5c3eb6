import { type AbortWaiter, join, leave } from '../abort-fanout.js';
import { initialJitterState, type JitterParams, type JitterState } from '../backoff/jitter.js';
import { type Clock, type Sleeper, sleepThen, systemClock } from '../clock.js';
import { retryChannel as channel } from '../diagnostics.js';
import { type ProfileName, profiles } from '../http/profiles.js';
import { checkFunction, checkKeys, checkMethods, checkOneOf, show } from '../validate.js';
import {
  AttemptRefused,
  type CoordinatedRequest,
  type Outcome,
  type RetryCoordinator,
  type Verdict,
} from './contract.js';
import {
  type AttemptRecord,
  type DelaySource,
  type ErrorSummary,
  RetryError,
  summarize,
} from './errors.js';
import {
  type Budget,
  budgetFor,
  isResolved,
  type RetryOptions,
  resolveRetryOptions,
  retryOptionKeys,
  type StopReason,
  stopReason,
} from './policy.js';
import {
  RETRY_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  spreadWidth,
} from './spread.js';

/** What an operation gets on each attempt. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborts when the caller aborts or this attempt's `requestTimeout` passes. */
  readonly signal: AbortSignal;
  /** Seconds since the first attempt started. */
  readonly elapsed: number;
}

export type {
  CoordinatedRequest,
  Outcome,
  RetryCoordinator,
  Verdict,
} from './contract.js';

/** Passed to `onRetry` and published on the `orionclient:retry` diagnostics channel. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** Which retry of its budget comes next (1-based), and that budget's size. */
  readonly retry: number;
  readonly limit: number;
  readonly status?: number;
  readonly error?: ErrorSummary;
  /** The sleep before the next attempt, in seconds, and where it came from. */
  readonly delay: number;
  readonly source: DelaySource;
  /** Seconds since the first attempt started. */
  readonly elapsed: number;
  /** What is being retried, e.g. `GET http://127.0.0.1:8080/path` (no credentials, no query). */
  readonly description: string;
}

/** Options of {@link retry}: any policy field, plus where time comes from and how outcomes read. */
export interface RetryCallOptions<T> extends Partial<RetryOptions> {
  /**
   * The profile the policy fields override.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /** @default systemClock */
  clock?: Clock;
  /** Cancels everything at once, a backoff sleep included; no attempt starts after it. */
  signal?: AbortSignal;
  /**
   * Reads an outcome. By default a value is a success, an error carrying a numeric
   * `status` or `statusCode` is retried when the policy retries that status, and any other
   * error except a programming error (`TypeError`, `RangeError`, `ReferenceError`,
   * `SyntaxError`) is a transient failure.
   */
  classify?: (outcome: Outcome<T>) => Verdict;
  /** Called before each backoff sleep; may be async (the sleep waits for it). */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /** Shares pacing and retry budget with other calls. */
  coordinator?: RetryCoordinator;
  /**
   * The URL the operation sends its requests to, when it is an HTTP call: a `Coordinator`
   * keeps its state per quota, by default the URL's origin. Calls without one share one
   * quota. A `Session` passes each request's URL itself.
   */
  url?: string | URL;
  /**
   * How far above a server's `Retry-After` of `s` seconds the next attempt may start when
   * no `coordinator` is given (a coordinator spreads the attempts it holds itself): a
   * uniform draw in `[s, s + w]`, never below `s`, with `w = min(30, s · (2k − 1))` after
   * the k-th `Retry-After` of this call, so the k-th wait averages `(k + ½) · s`. Servers send
   * whole seconds, and independent clients told `Retry-After: 1` would otherwise all come
   * back in the same instant; the fleet benchmark measures the rule. The spread never
   * moves an attempt past `retryTimeout`. `false` waits exactly `s`.
   * @default { spread: 1, slope: 2, growth: 1, maxSpread: 30 }
   */
  retryAfterSpread?: boolean | RetryAfterSpreadOptions;
  /**
   * Called with a value that a retry is about to replace (the session releases the
   * failed response's body here), before the backoff sleep.
   */
  discard?: (value: T) => void | Promise<void>;
  /**
   * Names the operation in messages and events.
   * @default 'operation'
   */
  description?: string;
}

/** What {@link retryInfo} tells about a value that {@link retry} returned. */
export interface RetryInfo {
  readonly attempts: readonly AttemptRecord[];
  /** Why retrying ended, or `undefined` when the last attempt succeeded. */
  readonly reason: StopReason | undefined;
  /** Seconds until the server would allow another try, when it said so and it was too far. */
  readonly retryAfter?: number;
}

/**
 * Where {@link retryInfo} finds a value's history. A `Response` carries it on a hidden
 * symbol property: a `WeakMap` entry per request costs every garbage collection, which is
 * measurable on a busy session. Other values (which may be frozen, or the caller's own)
 * go in the map.
 */
const infos = new WeakMap<object, RetryInfo>();
const INFO = Symbol('orionclient.retryInfo');

/** Gives `value` its history; a value that an inner `retry()` already returned gets the outer one. */
function attachInfo(value: object, info: RetryInfo): void {
  if (value instanceof Response && Object.isExtensible(value)) {
    Object.defineProperty(value, INFO, { value: info, configurable: true });
  } else {
    infos.set(value, info);
  }
}
const callKeys = [
  ...retryOptionKeys,
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

/** The attempt history of an object (such as a `Response`) that {@link retry} returned. */
export function retryInfo(value: unknown): RetryInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [INFO]?: RetryInfo })[INFO] ?? infos.get(value);
}

/** Resolves a profile name or object plus overrides into a complete, validated policy. */
export function resolvePolicy(
  options: Partial<RetryOptions> & { profile?: unknown },
  what: string,
): RetryOptions {
  const { profile } = options;
  const base = isResolved(profile)
    ? profile
    : typeof profile === 'object' && profile !== null
      ? resolveRetryOptions(profile as Partial<RetryOptions>, profiles.nonInteractive, '`profile`')
      : profiles[
          checkOneOf(
            'profile',
            profile === undefined ? 'nonInteractive' : profile,
            Object.keys(profiles) as ProfileName[],
          )
        ];
  // Runs for every request: the usual case (a profile, no field of its own) copies nothing.
  if (!retryOptionKeys.some((k) => k in options)) return base;
  const own = Object.fromEntries(
    retryOptionKeys.filter((k) => k in options).map((k) => [k, options[k]]),
  );
  return resolveRetryOptions(own, base, what);
}

/** The default reading of an outcome for generic operations. */
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

/**
 * One budget's counter: retries spent, and where its jitter sequence stands (it is its own
 * `JitterState`, one object per budget). Budgets form a list: a call rarely has more
 * than two.
 */
class Counter implements JitterState {
  used = 0;
  attempt: number;
  prev: number;

  constructor(
    readonly key: number | 'transient',
    params: JitterParams,
    readonly next: Counter | undefined,
  ) {
    ({ attempt: this.attempt, prev: this.prev } = initialJitterState(params));
  }
}

/**
 * An {@link AttemptRecord} built in one step, so every record of a call has its fields
 * in line (a record is held for as long as the call waits).
 */
class Attempt implements AttemptRecord {
  readonly status?: number;
  readonly error?: ErrorSummary;
  readonly delay?: number;
  readonly source?: DelaySource;

  constructor(
    readonly attempt: number,
    readonly start: number,
    readonly end: number,
    status: number | undefined,
    error: ErrorSummary | undefined,
    delay?: number,
    source?: DelaySource,
  ) {
    if (status !== undefined) this.status = status;
    if (error) this.error = error;
    if (delay !== undefined && source) {
      this.delay = delay;
      this.source = source;
    }
  }
}

/**
 * Runs `operation` until it succeeds or the policy says stop, sleeping between attempts.
 * Each call keeps its own counters and jitter cursors: a 429 spends the 429 budget, a 503
 * the transient one, and `retryTimeout` bounds them all with the seed's rule.
 *
 * Returns the last value (also a failed one, such as a `Response` with status 503, when the
 * retries end: fetch semantics); throws {@link RetryError} when the last attempt threw, and
 * the abort reason when `signal` aborts.
 *
 * @example
 * ```ts
 * const data = await retry(({ signal }) => readFromQueue({ signal }), { profile: 'interactive' });
 * ```
 */
export function retry<T>(
  operation: (context: AttemptContext) => Promise<T>,
  options?: RetryCallOptions<T>,
): Promise<T> {
  let o: RetryCallOptions<T>;
  let policy: RetryOptions;
  try {
    if (typeof operation !== 'function') {
      throw new TypeError(
        `\`operation\` must be a function returning a promise, got ${show(operation)} (${typeof operation})`,
      );
    }
    o = checkKeys('retry options', options, callKeys) as RetryCallOptions<T>;
    policy = resolvePolicy(o, 'retry options');
    checkCallables(o);
    resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD);
  } catch (error) {
    return Promise.reject(error);
  }
  return runRetry(operation, o, policy);
}

/**
 * {@link retry} with options already checked and `policy` resolved (a session checks its
 * parts once, not on every request).
 */
export function runRetry<T>(
  operation: (context: AttemptContext) => Promise<T>,
  options: RetryCallOptions<T>,
  policy: RetryOptions,
): Promise<T> {
  const run = new RetryRun(operation, options, policy);
  return new Promise<T>((resolve, reject) => {
    run.resolve = resolve;
    run.reject = reject;
    run.wake();
  });
}

/**
 * The state of one {@link retry} call. Each attempt runs as one async step that ends by
 * settling the call or by scheduling a sleep that starts the next step, so a call waiting
 * in a backoff sleep holds only this object, its history and the sleep, not a suspended
 * async function.
 */
class RetryRun<T> implements Sleeper {
  readonly #operation: (context: AttemptContext) => Promise<T>;
  readonly #options: RetryCallOptions<T>;
  readonly #policy: RetryOptions;
  readonly #clock: Clock;
  readonly #start: number;
  /** What the coordinator is told of this call, when there is one. */
  readonly #request: CoordinatedRequest | undefined;
  #attempts: readonly AttemptRecord[] = [];
  #counters: Counter | undefined;
  /** `Retry-After` answers so far: the k of the spread rule. */
  #throttles = 0;
  resolve!: (value: T) => void;
  reject!: (reason: unknown) => void;

  constructor(
    operation: (context: AttemptContext) => Promise<T>,
    options: RetryCallOptions<T>,
    policy: RetryOptions,
  ) {
    this.#operation = operation;
    this.#options = options;
    this.#policy = policy;
    this.#clock = options.clock ?? systemClock;
    this.#start = this.#clock.now();
    const { coordinator, url } = options;
    this.#request = coordinator && {
      url: url === undefined ? undefined : typeof url === 'string' ? new URL(url) : url,
      deadline: this.#start + policy.retryTimeout,
      maxWait: policy.maxRetryAfter,
    };
  }

  /** Starts the next attempt (the first, or after a sleep). */
  wake(): void {
    this.#step().catch(this.reject);
  }

  fail(reason: unknown): void {
    this.reject(reason);
  }

  async #step(): Promise<void> {
    const o = this.#options;
    const { signal } = o;
    signal?.throwIfAborted();
    if (o.coordinator) {
      try {
        await o.coordinator.acquire(signal, this.#request);
      } catch (error) {
        if (!(error instanceof AttemptRefused)) throw error;
        this.#refused(error);
        return;
      }
    }
    const attempt = this.#attempts.length + 1;
    const begin = this.#clock.now() - this.#start;
    const timeout = this.#policy.requestTimeout;
    const outcome = await runAttempt(this.#operation, attempt, begin, timeout, signal, o.discard);
    signal?.throwIfAborted();
    const event = this.#decide(outcome, attempt, begin);
    if (!event) return;
    if (outcome.ok) await o.discard?.(outcome.value);
    if (channel.hasSubscribers) channel.publish(event);
    if (o.onRetry) await unlessAborted(o.onRetry(event), signal);
    sleepThen(this.#clock, event.delay, signal, this);
  }

  /** The coordinator would not let the next attempt start in time: the call ends here. */
  #refused(refusal: AttemptRefused): void {
    const attempts = this.#attempts;
    this.reject(
      new RetryError({
        attempts,
        reason: refusal.reason,
        description: this.#options.description ?? 'operation',
        cause: refusal,
        elapsed: this.#clock.now() - this.#start,
        ...(refusal.reason === 'retryAfter' ? { retryAfter: refusal.wait } : {}),
      }),
    );
  }

  /**
   * Reads an attempt's outcome and records it. Returns the retry to make, or settles the
   * call and returns `undefined`.
   */
  #decide(outcome: Outcome<T>, attempt: number, begin: number): RetryEvent | undefined {
    const policy = this.#policy;
    const o = this.#options;
    const verdict = (o.classify ?? defaultClassify)(outcome);
    const elapsed = this.#clock.now() - this.#start;
    const error = outcome.ok ? undefined : summarize(outcome.error);
    const { status } = verdict;

    const budget = verdict.retry ? budgetFor(policy, status) : undefined;
    const counter = budget && this.#counter(budget.key, budget.params);
    let stop: StopReason | undefined =
      budget && counter
        ? stopReason(counter.used, budget.limit, elapsed, policy.retryTimeout)
        : 'notRetryable';
    const ra = verdict.retryAfter;
    const tooLong = (wait: number) =>
      wait > policy.maxRetryAfter || elapsed + wait > policy.retryTimeout;
    let later = !stop && ra !== undefined && tooLong(ra) ? ra : undefined;
    const coordinator = o.coordinator;
    if (coordinator) {
      // A hint this request will not wait for must not hold every other request either.
      const { retryAfter: _, ...unhinted } = verdict;
      coordinator.record(later === undefined ? verdict : unhinted, attempt, this.#request);
      const held = !stop && later === undefined ? coordinator.heldFor?.(this.#request) : undefined;
      if (held !== undefined && tooLong(held)) later = held;
    }
    if (later !== undefined) stop = 'retryAfter';
    if (!stop && coordinator && !coordinator.allowRetry(verdict, this.#request)) stop = 'budget';
    if (stop || !budget || !counter) {
      this.#attempts = this.#attempts.concat(new Attempt(attempt, begin, elapsed, status, error));
      this.#settle(outcome, verdict.retry ? stop : undefined, later);
      return undefined;
    }

    const drawn = budget.jitter(counter, budget.params, () => this.#clock.random());
    counter.attempt++;
    counter.prev = drawn;
    counter.used++;
    const delay = ra === undefined ? drawn : this.#afterRetryAfter(ra, budget, counter, elapsed);
    const source: DelaySource = ra === undefined ? 'backoff' : 'retry-after';
    const record = new Attempt(attempt, begin, elapsed, status, error, delay, source);
    this.#attempts = this.#attempts.concat(record);
    return {
      attempt,
      retry: counter.used,
      limit: budget.limit,
      ...(status === undefined ? {} : { status }),
      ...(error ? { error } : {}),
      delay,
      source,
      elapsed,
      description: o.description ?? 'operation',
    };
  }

  /**
   * The wait after a `Retry-After` of `ra` seconds: `ra`, or a draw above it (the
   * `retryAfterSpread` rule). The spread uses only time that waiting exactly would leave
   * unused: it never costs a retry of this budget, nor moves one past `retryTimeout`; a
   * coordinator spreads the attempts it holds itself.
   */
  #afterRetryAfter(ra: number, budget: Budget, counter: Counter, elapsed: number): number {
    const o = this.#options;
    const spread = resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD);
    this.#throttles++;
    if (!spread || o.coordinator) return ra;
    const left = Number.isFinite(budget.limit) ? budget.limit - counter.used : 0;
    const room = this.#policy.retryTimeout - elapsed - ra * (left + 1);
    const width = Math.min(spreadWidth(ra, this.#throttles, spread), room);
    return width > 0 ? ra + this.#clock.random() * width : ra;
  }

  /** Ends the call with the last outcome: its value (fetch semantics) or a `RetryError`. */
  #settle(outcome: Outcome<T>, reason: StopReason | undefined, retryAfter: number | undefined) {
    const attempts = this.#attempts;
    const later = retryAfter === undefined ? {} : { retryAfter };
    if (outcome.ok) {
      const { value } = outcome;
      if (typeof value === 'object' && value !== null) {
        attachInfo(value, { attempts, reason, ...later });
      }
      this.resolve(value);
      return;
    }
    this.reject(
      new RetryError({
        attempts,
        reason: reason ?? 'notRetryable',
        description: this.#options.description ?? 'operation',
        cause: outcome.error,
        elapsed: attempts[attempts.length - 1]?.end ?? 0,
        ...later,
      }),
    );
  }

  #counter(key: number | 'transient', params: JitterParams): Counter {
    for (let c = this.#counters; c; c = c.next) if (c.key === key) return c;
    this.#counters = new Counter(key, params, this.#counters);
    return this.#counters;
  }
}

/** The methods a `Clock` must have. */
export const CLOCK_METHODS: readonly string[] = ['now', 'sleep', 'random'];
/** The methods a {@link RetryCoordinator} must have. */
export const COORDINATOR_METHODS: readonly string[] = ['acquire', 'record', 'allowRetry'];

/** Fails fast on hooks of the wrong type, which would otherwise fail mid-retry. */
function checkCallables<T>(o: RetryCallOptions<T>): void {
  checkMethods('clock', o.clock, 'a Clock', CLOCK_METHODS);
  checkMethods('coordinator', o.coordinator, 'a RetryCoordinator', COORDINATOR_METHODS);
  checkFunction('classify', o.classify);
  checkFunction('onRetry', o.onRetry);
  checkFunction('discard', o.discard);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(`\`signal\` must be an AbortSignal, got ${show(o.signal)}`);
  }
  if (o.description !== undefined && typeof o.description !== 'string') {
    throw new TypeError(
      `\`description\` must be a string, got ${show(o.description)} (${typeof o.description})`,
    );
  }
}

/**
 * One attempt, bounded by `requestTimeout` (real time: it bounds real I/O). Every attempt
 * gets a signal of its own that follows the caller's through `AbortSignal.any`, which holds
 * it weakly: a response body stays cancellable by the caller after the attempt returns, and
 * a signal shared by many requests (the caller's, or any constant) collects no listener
 * from each `fetch` that received it.
 */
async function runAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  timeout: number,
  signal: AbortSignal | undefined,
  discard: ((value: T) => unknown) | undefined,
): Promise<Outcome<T>> {
  const timed = timeout === Number.POSITIVE_INFINITY ? undefined : new AbortController();
  const attemptSignal = timed
    ? signal
      ? AbortSignal.any([signal, timed.signal])
      : timed.signal
    : signal
      ? AbortSignal.any([signal])
      : new AbortController().signal;
  const timer =
    timed &&
    setTimeout(() => timed.abort(timeoutError(timeout)), Math.min(timeout * 1000, 2 ** 31 - 1));
  try {
    // An operation that ignores its signal must not hold up an abort or a timeout.
    const pending = operation({ attempt, signal: attemptSignal, elapsed });
    const value = await unlessAborted(pending, attemptSignal, discard);
    return { ok: true, value };
  } catch (error) {
    return {
      ok: false,
      error: timed?.signal.aborted && !signal?.aborted ? timed.signal.reason : error,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `result`, or a rejection with `signal`'s reason as soon as it aborts. A result that comes
 * after the abort is dropped: a value is handed to `onLate` (a response's body is released),
 * an error is ignored, so neither becomes an unhandled rejection.
 */
function unlessAborted<T>(
  result: T | Promise<T>,
  signal: AbortSignal | undefined,
  onLate?: (value: T) => unknown,
): Promise<T> {
  if (!signal || !(result instanceof Promise)) return Promise.resolve(result);
  return new Promise<T>((resolve, reject) => {
    const waiter: AbortWaiter = { onAbort: reject };
    const late = (value: T) => Promise.resolve(onLate?.(value)).catch(() => {});
    if (signal.aborted) reject(signal.reason);
    else join(signal, waiter);
    result.then(
      (value) => {
        if (signal.aborted) void late(value);
        else leave(signal, waiter);
        resolve(value);
      },
      (error: unknown) => {
        if (!signal.aborted) leave(signal, waiter);
        reject(error);
      },
    );
  });
}

function timeoutError(seconds: number): Error {
  const error = new Error(`attempt timed out after ${seconds} s (requestTimeout)`);
  error.name = 'TimeoutError';
  (error as Error & { code: string }).code = 'ETIMEDOUT';
  return error;
}
