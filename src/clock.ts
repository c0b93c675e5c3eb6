import { type AbortWaiter, join, leave } from './abort-fanout.js';

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
  sleep: (seconds: number, signal?: AbortSignal) =>
    new Promise<void>((wake, fail) => sleepThen(systemClock, seconds, signal, { wake, fail })),
});

/** What {@link sleepThen} tells when the sleep ends. */
export interface Sleeper {
  wake(): void;
  fail(reason: unknown): void;
}

/**
 * `clock.sleep` without a promise: calls `sleeper.wake()` after `seconds`, or
 * `sleeper.fail(reason)` when `signal` aborts (at once if it has). On the system clock a
 * waiting sleep is one small object, a timer and an entry in the signal's fan-out, which
 * is what lets a process hold 100,000 waiting retries.
 */
export function sleepThen(
  clock: Clock,
  seconds: number,
  signal: AbortSignal | undefined,
  sleeper: Sleeper,
): void {
  if (clock !== systemClock) {
    clock.sleep(seconds, signal).then(
      () => sleeper.wake(),
      (reason: unknown) => sleeper.fail(reason),
    );
  } else if (signal?.aborted) {
    sleeper.fail(signal.reason);
  } else {
    new Sleep(Math.max(seconds * 1000, 0), signal, sleeper);
  }
}

class Sleep implements AbortWaiter {
  #left: number;
  #timer: ReturnType<typeof setTimeout>;
  readonly #signal: AbortSignal | undefined;
  readonly #sleeper: Sleeper;

  constructor(ms: number, signal: AbortSignal | undefined, sleeper: Sleeper) {
    this.#signal = signal;
    this.#sleeper = sleeper;
    const step = Math.min(ms, MAX_TIMER_MS);
    this.#left = ms - step;
    this.#timer = setTimeout(ring, step, this);
    if (signal) join(signal, this);
  }

  /** The timer fired: wait the rest of a long sleep, or wake up. */
  ring(): void {
    if (this.#left > 0) {
      const step = Math.min(this.#left, MAX_TIMER_MS);
      this.#left -= step;
      this.#timer = setTimeout(ring, step, this);
      return;
    }
    if (this.#signal) leave(this.#signal, this);
    this.#sleeper.wake();
  }

  onAbort(reason: unknown): void {
    clearTimeout(this.#timer);
    this.#sleeper.fail(reason);
  }
}

/** The timers' callback: one function for every sleep, so a sleep needs no closure. */
function ring(sleep: Sleep): void {
  sleep.ring();
}
