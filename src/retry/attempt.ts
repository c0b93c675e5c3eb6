/** One attempt of a retry run: the operation, bounded by its timeout and the caller's abort. */
import { whenAborted } from '../time/abort-fanout.js';
import type { AttemptContext, Outcome } from './contract.js';

/**
 * Starts one attempt, bounded by `requestTimeout` (real time: it bounds real I/O); `done`
 * gets its outcome. Every attempt gets a signal of its own that follows the caller's
 * through `AbortSignal.any`, which holds it weakly: a response body stays cancellable by
 * the caller after the attempt returns, and a signal shared by many requests (the
 * caller's, or any constant) collects no listener from each `fetch` that received it.
 */
export function startAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  timeout: number,
  signal: AbortSignal | undefined,
  discard: ((value: T) => unknown) | undefined,
  done: (outcome: Outcome<T>) => void,
): void {
  // Stryker disable next-line ConditionalExpression: an infinite timeout would only arm a timer of 24.8 days, cleared when the attempt ends
  if (timeout === Number.POSITIVE_INFINITY) {
    void untimedAttempt(operation, attempt, elapsed, signal, discard).then(done);
  } else {
    new TimedAttempt(done, timeout, signal, discard).run(operation, attempt, elapsed);
  }
}

/** An attempt without a timeout: only the caller's signal can end it early. */
async function untimedAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  signal: AbortSignal | undefined,
  discard: ((value: T) => unknown) | undefined,
): Promise<Outcome<T>> {
  const attemptSignal = signal ? AbortSignal.any([signal]) : new AbortController().signal;
  try {
    // An operation that ignores its signal must not hold up an abort.
    const pending = operation({ attempt, signal: attemptSignal, elapsed });
    return { ok: true, value: await unlessAborted(pending, attemptSignal, discard, listenOwn) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * One attempt under a `requestTimeout`: it settles with the operation's outcome, or with
 * the timeout's error when its timer fires first, or with the caller's reason when the
 * caller aborts first, whether or not the operation follows its signal. Its timer calls
 * it back directly, so an attempt of a call without a signal puts no listener on any; a
 * result that comes after it settled is handed to `discard`.
 */
class TimedAttempt<T> {
  readonly #resolve: (outcome: Outcome<T>) => void;
  readonly #timeout: number;
  readonly #caller: AbortSignal | undefined;
  readonly #discard: ((value: T) => unknown) | undefined;
  readonly #controller = new AbortController();
  readonly #signal: AbortSignal;
  /** Listens to the attempt's signal, when the caller gave one. */
  readonly #onAbort: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #settled = false;

  constructor(
    resolve: (outcome: Outcome<T>) => void,
    timeout: number,
    caller: AbortSignal | undefined,
    discard: ((value: T) => unknown) | undefined,
  ) {
    this.#resolve = resolve;
    this.#timeout = timeout;
    this.#caller = caller;
    this.#discard = discard;
    const own = this.#controller.signal;
    this.#signal = caller ? AbortSignal.any([caller, own]) : own;
    this.#onAbort = caller && (() => this.aborted());
  }

  run(operation: (context: AttemptContext) => Promise<T>, attempt: number, elapsed: number) {
    const signal = this.#signal;
    this.#timer = setTimeout(expire<T>, Math.min(this.#timeout * 1000, 2 ** 31 - 1), this);
    if (this.#onAbort) signal.addEventListener('abort', this.#onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = operation({ attempt, signal, elapsed });
    } catch (error) {
      this.#settle({ ok: false, error });
      return;
    }
    if (signal.aborted) this.aborted();
    Promise.resolve(pending).then(
      (value) => {
        if (this.#settled) void this.#late(value);
        else this.#settle({ ok: true, value });
      },
      (error: unknown) => {
        if (!this.#settled) this.#settle({ ok: false, error });
      },
    );
  }

  /** The timer fired: the attempt's signal aborts with the timeout's error, which ends it. */
  expire(): void {
    this.#timer = undefined;
    const error = timeoutError(this.#timeout);
    this.#controller.abort(error);
    if (!this.#settled) this.#settle({ ok: false, error });
  }

  /** The attempt's signal aborted (the caller's abort, or the timeout). */
  aborted(): void {
    if (this.#settled) return;
    const own = this.#controller.signal;
    // When only the timeout fired, the attempt's signal carries the timeout's error.
    const caller = this.#caller;
    this.#settle({
      ok: false,
      error: own.aborted && !caller?.aborted ? own.reason : this.#signal.reason,
    });
  }

  #settle(outcome: Outcome<T>): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onAbort) this.#signal.removeEventListener('abort', this.#onAbort);
    this.#resolve(outcome);
  }

  async #late(value: T): Promise<void> {
    try {
      await this.#discard?.(value);
    } catch {
      // A late result's release has nothing left to report to.
    }
  }
}

function expire<T>(attempt: TimedAttempt<T>): void {
  attempt.expire();
}

/**
 * `result`, or a rejection with `signal`'s reason as soon as it aborts. A result that comes
 * after the abort is dropped: a value is handed to `onLate` (a response's body is released),
 * an error is ignored, so neither becomes an unhandled rejection.
 */
export function unlessAborted<T>(
  result: T | Promise<T>,
  signal: AbortSignal | undefined,
  onLate?: (value: T) => unknown,
  listen: (signal: AbortSignal, fn: (reason: unknown) => void) => () => void = whenAborted,
): Promise<T> {
  if (!signal || !(result instanceof Promise)) return Promise.resolve(result);
  return new Promise<T>((resolve, reject) => {
    const late = (value: T) => Promise.resolve(onLate?.(value)).catch(() => {});
    if (signal.aborted) reject(signal.reason);
    const stopWaiting = signal.aborted ? undefined : listen(signal, reject);
    result.then(
      (value) => {
        if (signal.aborted) void late(value);
        else stopWaiting?.();
        resolve(value);
      },
      (error: unknown) => {
        if (!signal.aborted) stopWaiting?.();
        reject(error);
      },
    );
  });
}

/**
 * One attempt of an operation that bounds itself: it enforces its `requestTimeout` and
 * follows the caller's abort by its own means (undici's controllers), so no signal or
 * timer is made for it. The context's signal is the caller's, or one that never aborts.
 */
export function runBoundedAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  signal: AbortSignal | undefined,
): Promise<Outcome<T>> {
  let pending: Promise<T>;
  try {
    pending = operation({ attempt, signal: signal ?? NEVER, elapsed });
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
  return pending.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** A signal that never aborts, for attempts of a call without one. */
const NEVER = new AbortController().signal;

/** The error of an attempt that passed its `requestTimeout` (a transient failure). */
export function timeoutError(seconds: number): Error {
  const error = new Error(`attempt timed out after ${seconds} s (requestTimeout)`);
  error.name = 'TimeoutError';
  (error as Error & { code: string }).code = 'ETIMEDOUT';
  return error;
}

/**
 * Listens to a signal that no one else listens to (an attempt's own): one plain listener
 * costs less than the fan-out, which is for signals many waiters share.
 */
function listenOwn(signal: AbortSignal, fn: (reason: unknown) => void): () => void {
  const onAbort = () => fn(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}
