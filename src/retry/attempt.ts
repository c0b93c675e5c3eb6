/** One attempt of a retry run: the operation, bounded by its timeout and the caller's abort. */
import { whenAborted } from '../time/abort-fanout.js';
import type { AttemptContext, Outcome } from './contract.js';

/**
 * One attempt, bounded by `requestTimeout` (real time: it bounds real I/O). Every attempt
 * gets a signal of its own that follows the caller's through `AbortSignal.any`, which holds
 * it weakly: a response body stays cancellable by the caller after the attempt returns, and
 * a signal shared by many requests (the caller's, or any constant) collects no listener
 * from each `fetch` that received it.
 */
export async function runAttempt<T>(
  operation: (context: AttemptContext) => Promise<T>,
  attempt: number,
  elapsed: number,
  timeout: number,
  signal: AbortSignal | undefined,
  discard: ((value: T) => unknown) | undefined,
): Promise<Outcome<T>> {
  // Stryker disable next-line ConditionalExpression: an infinite timeout would only arm a timer of 24.8 days, cleared when the attempt ends
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
    const value = await unlessAborted(pending, attemptSignal, discard, listenOwn);
    return { ok: true, value };
  } catch (error) {
    return {
      ok: false,
      // Stryker disable next-line BooleanLiteral: when only the timeout fired, the attempt's signal has already rejected with its reason
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
