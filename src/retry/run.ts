/**
 * The retry engine: one {@link RetryRun} per call, reading settings that were checked
 * before it started (`retry()` checks its options, a `Session` its own).
 */
import { JitterCursor } from '../backoff/jitter.js';
import { type Clock, randomOf, type Sleeper, sleepThen } from '../time/clock.js';
import { runBoundedAttempt, startAttempt, unlessAborted } from './attempt.js';
import {
  type AttemptContext,
  AttemptRefused,
  type CoordinatedRequest,
  type Outcome,
  type RetryCoordinator,
  type RetryEvent,
  type Verdict,
} from './contract.js';
import { retryChannel } from './diagnostics.js';
import {
  type AttemptRecord,
  type DelaySource,
  type ErrorSummary,
  RetryError,
  summarize,
} from './errors.js';
import { type Budget, type Policy, type StopReason, stopReason } from './policy.js';
import { attachInfo } from './retry-info.js';
import { type Spread, spreadWidth } from './spread.js';

/** Everything a run reads, checked and complete. */
export interface RunSettings<T> {
  readonly policy: Policy;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
  readonly classify: (outcome: Outcome<T>) => Verdict;
  readonly onRetry: ((event: RetryEvent) => void | Promise<void>) | undefined;
  readonly discard: ((value: T) => void | Promise<void>) | undefined;
  readonly description: string;
  readonly coordinator: RetryCoordinator | undefined;
  /** The URL the coordinator keys its state by. */
  readonly url: URL | undefined;
  /** The spread above a `Retry-After` (`undefined`: wait it exactly); unused with a coordinator. */
  readonly spread: Spread | undefined;
  /**
   * Whether the operation bounds each attempt itself: it enforces `requestTimeout`,
   * settles at once when `signal` aborts and then releases what it got, so the engine makes
   * no signal or timer per attempt (a transport with cheaper means: undici's controllers).
   * @default false
   */
  readonly boundsAttempts?: boolean;
  /**
   * The clock time (seconds) at which the call's first attempt started, when a transport
   * made that attempt before handing the call to the engine (its first outcome comes from
   * the operation at once): `retryTimeout` counts from it, and the first attempt is
   * recorded as starting at 0.
   * @default the clock's time when the run starts
   */
  readonly start?: number | undefined;
}

/** Runs `operation` under `settings`: the engine behind `retry()` and every `Session` request. */
export function runRetry<T>(
  operation: (context: AttemptContext) => Promise<T>,
  settings: RunSettings<T>,
): Promise<T> {
  const run = new RetryRun(operation, settings);
  return new Promise<T>((resolve, reject) => {
    run.resolve = resolve;
    run.reject = reject;
    run.wake();
  });
}

/**
 * One budget's counter: retries spent, and where its jitter sequence stands. Budgets form
 * a list: a call rarely has more than two.
 */
class Counter extends JitterCursor {
  used = 0;

  constructor(
    readonly budget: Budget,
    readonly after: Counter | undefined,
  ) {
    super(budget.params);
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
 * The state of one call. Each attempt runs as one async step that ends by settling the
 * call or by scheduling a sleep that starts the next step, so a call waiting in a backoff
 * sleep holds only this object, its history and the sleep, not a suspended async function.
 */
class RetryRun<T> implements Sleeper {
  readonly #operation: (context: AttemptContext) => Promise<T>;
  readonly #settings: RunSettings<T>;
  readonly #random: () => number;
  readonly #start: number;
  /** What the coordinator is told of this call, when there is one. */
  readonly #request: CoordinatedRequest | undefined;
  #attempts: readonly AttemptRecord[] = [];
  #counters: Counter | undefined;
  /** `Retry-After` answers so far: the k of the spread rule. */
  #throttles = 0;
  resolve!: (value: T) => void;
  reject!: (reason: unknown) => void;

  constructor(operation: (context: AttemptContext) => Promise<T>, settings: RunSettings<T>) {
    this.#operation = operation;
    this.#settings = settings;
    const { clock, coordinator, policy } = settings;
    this.#random = randomOf(clock);
    this.#start = settings.start ?? clock.now();
    this.#request = coordinator && {
      url: settings.url,
      deadline: this.#start + policy.retryTimeout,
      maxWait: policy.maxRetryAfter,
    };
  }

  /**
   * Starts the next attempt (the first, or after a sleep). Without a coordinator to wait
   * for, the attempt starts at once and calls the run back: no async frame per attempt.
   */
  wake(): void {
    const { coordinator, signal } = this.#settings;
    if (coordinator) this.#step(coordinator).catch(this.reject);
    else if (signal?.aborted) this.reject(signal.reason);
    else this.#launch();
  }

  fail(reason: unknown): void {
    this.reject(reason);
  }

  /** Waits for the coordinator's turn, then sends the next attempt. */
  async #step(coordinator: RetryCoordinator): Promise<void> {
    const { signal } = this.#settings;
    signal?.throwIfAborted();
    try {
      await coordinator.acquire(signal, this.#request);
    } catch (error) {
      if (!(error instanceof AttemptRefused)) throw error;
      this.#refused(error);
      return;
    }
    this.#launch();
  }

  /** Sends the next attempt; its outcome comes back to {@link #attempted}. */
  #launch(): void {
    const s = this.#settings;
    const attempt = this.#attempts.length + 1;
    const begin = attempt === 1 && s.start !== undefined ? 0 : s.clock.now() - this.#start;
    const done = (outcome: Outcome<T>) => this.#attempted(outcome, attempt, begin);
    if (s.boundsAttempts) {
      runBoundedAttempt(this.#operation, attempt, begin, s.signal).then(done, this.reject);
    } else {
      const timeout = s.policy.requestTimeout;
      startAttempt(this.#operation, attempt, begin, timeout, s.signal, s.discard, done);
    }
  }

  /** An attempt ended: settles the call, or schedules the retry. */
  #attempted(outcome: Outcome<T>, attempt: number, begin: number): void {
    try {
      this.#settings.signal?.throwIfAborted();
      const event = this.#decide(outcome, attempt, begin);
      if (event) this.#retry(event, outcome).catch(this.reject);
    } catch (error) {
      this.reject(error);
    }
  }

  /** Releases a failed attempt's value, tells the hooks of `event` and sleeps its delay. */
  async #retry(event: RetryEvent, outcome: Outcome<T>): Promise<void> {
    const s = this.#settings;
    const { signal } = s;
    if (outcome.ok) await s.discard?.(outcome.value);
    // Stryker disable next-line ConditionalExpression: publishing to a channel without subscribers does nothing
    if (retryChannel.hasSubscribers) retryChannel.publish(event);
    if (s.onRetry) await unlessAborted(s.onRetry(event), signal);
    sleepThen(s.clock, event.delay, signal, this);
  }

  /** The coordinator would not let the next attempt start in time: the call ends here. */
  #refused(refusal: AttemptRefused): void {
    this.reject(
      new RetryError({
        attempts: this.#attempts,
        reason: refusal.reason,
        description: this.#settings.description,
        cause: refusal,
        elapsed: this.#settings.clock.now() - this.#start,
        ...(refusal.reason === 'retryAfter' ? { retryAfter: refusal.wait } : {}),
      }),
    );
  }

  /**
   * Reads an attempt's outcome and records it. Returns the retry to make, or settles the
   * call and returns `undefined`.
   */
  #decide(outcome: Outcome<T>, attempt: number, begin: number): RetryEvent | undefined {
    const s = this.#settings;
    const { policy, coordinator } = s;
    const verdict = s.classify(outcome);
    const elapsed = s.clock.now() - this.#start;
    const error = outcome.ok ? undefined : summarize(outcome.error);
    const { status } = verdict;
    if (!verdict.retry && !coordinator) {
      // The common end (a success, or a failure no budget covers): nothing to weigh.
      this.#attempts = this.#attempts.concat(new Attempt(attempt, begin, elapsed, status, error));
      this.#settle(outcome, undefined, undefined);
      return undefined;
    }

    const budget = verdict.retry ? policy.budget(status) : undefined;
    const counter = budget && this.#counter(budget);
    let stop: StopReason | undefined = counter
      ? stopReason(counter.used, budget.limit, elapsed, policy.retryTimeout)
      : 'notRetryable';
    const ra = verdict.retryAfter;
    const tooLong = (wait: number) =>
      wait > policy.maxRetryAfter || elapsed + wait > policy.retryTimeout;
    let later = !stop && ra !== undefined && tooLong(ra) ? ra : undefined;
    if (coordinator) {
      // A hint this request will not wait for must not hold every other request either.
      const { retryAfter: _, ...unhinted } = verdict;
      coordinator.record(later === undefined ? verdict : unhinted, attempt, this.#request);
      const held = !stop && later === undefined ? coordinator.heldFor?.(this.#request) : undefined;
      if (held !== undefined && tooLong(held)) later = held;
    }
    if (later !== undefined) stop = 'retryAfter';
    if (!stop && coordinator && !spendRetry(coordinator, verdict, this.#request)) stop = 'budget';
    if (stop || !budget || !counter) {
      this.#attempts = this.#attempts.concat(new Attempt(attempt, begin, elapsed, status, error));
      this.#settle(outcome, verdict.retry ? stop : undefined, later);
      return undefined;
    }

    // The sleep takes the bounds of the status that failed now (statuses share a budget).
    const drawn = counter.draw(budget.jitter, this.#random, budget.params);
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
      description: s.description,
    };
  }

  /**
   * The wait after a `Retry-After` of `ra` seconds: `ra`, or a draw above it (the
   * `retryAfterSpread` rule). The spread uses only time that waiting exactly would leave
   * unused: it never costs a retry of this budget, nor moves one past `retryTimeout`; a
   * coordinator spreads the attempts it holds itself.
   */
  #afterRetryAfter(ra: number, budget: Budget, counter: Counter, elapsed: number): number {
    const { spread, coordinator, policy } = this.#settings;
    this.#throttles++;
    if (!spread || coordinator) return ra;
    const { limit } = budget;
    const left = Number.isFinite(limit) ? limit - counter.used : 0;
    const room = policy.retryTimeout - elapsed - ra * (left + 1);
    const width = Math.min(spreadWidth(ra, this.#throttles, spread), room);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a width of 0 adds 0 either way; the test saves a random draw
    return width > 0 ? ra + this.#random() * width : ra;
  }

  /** Ends the call with the last outcome: its value (fetch semantics) or a `RetryError`. */
  #settle(outcome: Outcome<T>, reason: StopReason | undefined, retryAfter: number | undefined) {
    const attempts = this.#attempts;
    if (outcome.ok) {
      const { value } = outcome;
      if (typeof value === 'object' && value !== null) {
        attachInfo(
          value,
          retryAfter === undefined ? { attempts, reason } : { attempts, reason, retryAfter },
        );
      }
      this.resolve(value);
      return;
    }
    this.reject(
      new RetryError({
        attempts,
        reason: reason ?? 'notRetryable',
        description: this.#settings.description,
        cause: outcome.error,
        elapsed: attempts[attempts.length - 1]?.end ?? 0,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      }),
    );
  }

  #counter(budget: Budget): Counter {
    for (let c = this.#counters; c; c = c.after) if (c.budget.key === budget.key) return c;
    this.#counters = new Counter(budget, this.#counters);
    return this.#counters;
  }
}

/** A coordinator's retry budget: `spendRetry`, or the name it had before 0.2 (`allowRetry`). */
function spendRetry(
  coordinator: RetryCoordinator,
  verdict: Verdict,
  request: CoordinatedRequest | undefined,
): boolean {
  return coordinator.spendRetry
    ? coordinator.spendRetry(verdict, request)
    : (coordinator.allowRetry?.(verdict, request) ?? true);
}
