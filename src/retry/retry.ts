import diagnostics from 'node:diagnostics_channel';
import { initialJitterState, type JitterState, jitters } from '../backoff/jitter.js';
import { type Clock, systemClock } from '../clock.js';
import { type ProfileName, profiles } from '../http/profiles.js';
import { checkFunction, checkKeys, checkMethods, checkOneOf, show } from '../validate.js';
import {
  type AttemptRecord,
  type DelaySource,
  type ErrorSummary,
  RetryError,
  summarize,
} from './errors.js';
import {
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

/** An attempt's result as the classifier sees it. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** The policy's reading of one outcome. */
export interface Verdict {
  /** Whether this outcome is a failure that may be retried (budgets permitting). */
  readonly retry: boolean;
  /** The HTTP status that decides the budget; absent for network errors and timeouts. */
  readonly status?: number;
  /** A server's minimum wait in seconds (`Retry-After`), never undercut. */
  readonly retryAfter?: number;
}

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

/**
 * Shared state between the requests of one session (or several): it can hold attempts
 * back (a server's `Retry-After` seen by one request applies to all; a learned rate), and
 * refuse retries when too many requests are retries (a retry budget).
 */
export interface RetryCoordinator {
  /** Resolves when an attempt may start; called before every attempt, the first included. */
  acquire(signal?: AbortSignal): Promise<void> | void;
  /** Learns from an attempt's outcome (`retryAfter`, throttling, success). */
  record(verdict: Verdict, attempt: number): void;
  /** Whether one more retry after `verdict` may be spent now; `false` ends the retries with reason `'budget'`. */
  allowRetry(verdict: Verdict): boolean;
}

/** What {@link retryInfo} tells about a value that {@link retry} returned. */
export interface RetryInfo {
  readonly attempts: readonly AttemptRecord[];
  /** Why retrying ended, or `undefined` when the last attempt succeeded. */
  readonly reason: StopReason | undefined;
  /** Seconds until the server would allow another try, when it said so and it was too far. */
  readonly retryAfter?: number;
}

const infos = new WeakMap<object, RetryInfo>();
const channel = diagnostics.channel('orionclient:retry');
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
];

/** The attempt history of an object (such as a `Response`) that {@link retry} returned. */
export function retryInfo(value: unknown): RetryInfo | undefined {
  return typeof value === 'object' && value !== null ? infos.get(value) : undefined;
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

interface Counter {
  used: number;
  state: JitterState;
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
export async function retry<T>(
  operation: (context: AttemptContext) => Promise<T>,
  options?: RetryCallOptions<T>,
): Promise<T> {
  const o = checkKeys('retry options', options, callKeys) as RetryCallOptions<T>;
  const policy = resolvePolicy(o, 'retry options');
  checkCallables(o);
  const clock = o.clock ?? systemClock;
  const classify = o.classify ?? (defaultClassify as (outcome: Outcome<T>) => Verdict);
  const description = o.description ?? 'operation';
  const { signal } = o;
  const spread = resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD);
  const start = clock.now();
  const counters = new Map<number | 'transient', Counter>();
  const attempts: AttemptRecord[] = [];
  let throttles = 0;

  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    await o.coordinator?.acquire(signal);
    const begin = clock.now() - start;
    const outcome = await runAttempt(operation, attempt, begin, policy.requestTimeout, signal);
    if (signal?.aborted) throw signal.reason;
    const verdict = classify(outcome);
    o.coordinator?.record(verdict, attempt);
    const elapsed = clock.now() - start;
    const record: AttemptRecord = {
      attempt,
      start: begin,
      end: elapsed,
      ...(verdict.status === undefined ? {} : { status: verdict.status }),
      ...(outcome.ok ? {} : { error: summarize(outcome.error) }),
    };
    attempts.push(record);

    const budget = verdict.retry ? budgetFor(policy, verdict.status) : undefined;
    let stop: StopReason | undefined = 'notRetryable';
    let counter: Counter | undefined;
    if (budget) {
      counter = counters.get(budget.key) ?? { used: 0, state: initialJitterState(budget.params) };
      counters.set(budget.key, counter);
      stop = stopReason(counter.used, budget.limit, elapsed, policy.retryTimeout);
    }
    const ra = verdict.retryAfter;
    if (
      !stop &&
      ra !== undefined &&
      (ra > policy.maxRetryAfter || elapsed + ra > policy.retryTimeout)
    ) {
      stop = 'retryAfter';
    }
    if (!stop && o.coordinator && !o.coordinator.allowRetry(verdict)) stop = 'budget';
    if (stop || !budget || !counter) {
      const reason = verdict.retry ? stop : undefined;
      const retryAfter = stop === 'retryAfter' ? ra : undefined;
      if (outcome.ok) {
        if (typeof outcome.value === 'object' && outcome.value !== null) {
          infos.set(outcome.value, {
            attempts,
            reason,
            ...(retryAfter === undefined ? {} : { retryAfter }),
          });
        }
        return outcome.value;
      }
      throw new RetryError({
        attempts,
        reason: reason ?? 'notRetryable',
        description,
        cause: outcome.error,
        elapsed,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      });
    }

    const [drawn, state] = jitters[policy.jitter](counter.state, budget.params, () =>
      clock.random(),
    );
    counter.state = state;
    counter.used++;
    const fromServer = ra !== undefined;
    let delay = drawn;
    if (fromServer) {
      throttles++;
      // The spread uses only time that waiting exactly would leave unused: it never costs
      // a retry of this budget, nor moves one past `retryTimeout`.
      const left = Number.isFinite(budget.limit) ? budget.limit - counter.used : 0;
      const room = policy.retryTimeout - elapsed - ra * (left + 1);
      // A coordinator spreads the attempts it holds itself.
      const width =
        spread && !o.coordinator ? Math.min(spreadWidth(ra, throttles, spread), room) : 0;
      delay = width > 0 ? ra + clock.random() * width : ra;
    }
    const source: DelaySource = fromServer ? 'retry-after' : 'backoff';
    attempts[attempts.length - 1] = { ...record, delay, source };
    const event: RetryEvent = {
      attempt,
      retry: counter.used,
      limit: budget.limit,
      ...(record.status === undefined ? {} : { status: record.status }),
      ...(record.error ? { error: record.error } : {}),
      delay,
      source,
      elapsed,
      description,
    };
    if (outcome.ok) await o.discard?.(outcome.value);
    if (channel.hasSubscribers) channel.publish(event);
    await o.onRetry?.(event);
    await clock.sleep(delay, signal);
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
 * One attempt, bounded by `requestTimeout` (real time: it bounds real I/O). The attempt's
 * signal follows the caller's through `AbortSignal.any`, which holds it weakly: a response
 * body stays cancellable by the caller after the attempt returns, and a signal shared by
 * many requests collects no listeners.
 */
async function runAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<Outcome<T>> {
  const timed = timeout === Number.POSITIVE_INFINITY ? undefined : new AbortController();
  const attemptSignal = timed
    ? signal
      ? AbortSignal.any([signal, timed.signal])
      : timed.signal
    : signal;
  const timer =
    timed &&
    setTimeout(() => timed.abort(timeoutError(timeout)), Math.min(timeout * 1000, 2 ** 31 - 1));
  try {
    const value = await operation({
      attempt,
      signal: attemptSignal ?? neverAborted,
      elapsed,
    });
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

/** The signal of attempts that nothing can abort (no caller signal, no timeout). */
const neverAborted = new AbortController().signal;

function timeoutError(seconds: number): Error {
  const error = new Error(`attempt timed out after ${seconds} s (requestTimeout)`);
  error.name = 'TimeoutError';
  (error as Error & { code: string }).code = 'ETIMEDOUT';
  return error;
}
