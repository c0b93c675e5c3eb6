/**
 * The one place the library reads time, waits and draws random numbers. Everything that
 * sleeps takes a `Clock`, so tests can swap in {@link VirtualClock} and run hours of
 * backoff in milliseconds.
 */
export interface Clock {
  /** Monotonic time in seconds (any origin). */
  now(): number;
  /**
   * Resolves after `seconds`; rejects with `signal.reason` as soon as `signal` aborts,
   * and at once if it already has. Leaves no timer or listener behind either way.
   */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

/** setTimeout's limit; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Real time: `performance.now()`, `setTimeout` and `Math.random`. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now() / 1000,
  random: Math.random,
  sleep: (seconds: number, signal?: AbortSignal) => abortableDelay(seconds * 1000, signal),
});

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const step = Math.min(Math.max(ms, 0), MAX_TIMER_MS);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      if (ms > MAX_TIMER_MS) abortableDelay(ms - step, signal).then(resolve, reject);
      else resolve();
    }, step);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
