import { type Sleeper, sleepFor } from './sleep-queue.js';

export type { Sleeper };

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
  /**
   * `true` for a clock whose time passes only when told ({@link VirtualClock}): nothing
   * then waits on real time for it. A clock of real time (offset, scaled or logged) leaves
   * it out, and gets what {@link systemClock} gets: before a shared store's deadline counts,
   * the event loop reads the answers already received.
   */
  readonly virtual?: boolean;
}

/** Real time: `performance.now()`, `setTimeout` and `Math.random`. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now() / 1000,
  random: Math.random,
  sleep: (seconds: number, signal?: AbortSignal) =>
    new Promise<void>((wake, fail) => sleepThen(systemClock, seconds, signal, { wake, fail })),
});

/**
 * `clock.sleep` without a promise: calls `sleeper.wake()` after `seconds`, or
 * `sleeper.fail(reason)` when `signal` aborts (at once if it has). On the system clock a
 * waiting sleep is one small object in a queue served by one timer, plus an entry in the
 * signal's fan-out, which is what lets a process hold 100,000 waiting retries.
 */
export function sleepThen(
  clock: Clock,
  seconds: number,
  signal: AbortSignal | undefined,
  sleeper: Sleeper,
): void {
  if (clock === systemClock) {
    sleepFor(seconds * 1000, signal, sleeper);
  } else {
    clock.sleep(seconds, signal).then(
      () => sleeper.wake(),
      (reason: unknown) => sleeper.fail(reason),
    );
  }
}

const randoms = new WeakMap<Clock, () => number>();

/**
 * `clock.random` as a function that needs no `this`, made once per clock (a run that
 * waits holds a reference, not a closure of its own).
 */
export function randomOf(clock: Clock): () => number {
  if (clock === systemClock) return Math.random;
  let random = randoms.get(clock);
  if (!random) {
    random = () => clock.random();
    randoms.set(clock, random);
  }
  return random;
}
