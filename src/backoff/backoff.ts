import { type Clock, systemClock } from '../time/clock.js';
import {
  checkClock,
  checkKeys,
  checkNumber,
  checkOneOf,
  checkStatus,
  readPair,
  statusTable,
} from '../validate.js';
import {
  exponentialDelay,
  type Jitter,
  JitterCursor,
  type JitterName,
  type JitterParams,
  jitterNames,
  jitters,
} from './jitter.js';

/**
 * Per-status backoff parameters: status code → `[base, cap]` in seconds, as in the
 * original API (or `{ base, cap }`); a plain object or a Map.
 */
export type BackoffDict =
  | Readonly<Record<number, readonly [base: number, cap: number] | JitterParams>>
  | ReadonlyMap<number, readonly [base: number, cap: number] | JitterParams>;

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /**
   * Maximum sleep in seconds.
   * @default 90
   */
  cap?: number;
  /**
   * Initial sleep in seconds.
   * @default 0.1
   */
  base?: number;
  /**
   * `status → [base, cap]`; a status that is absent uses `base` and `cap`.
   * @default {}
   */
  backoffDict?: BackoffDict;
  /**
   * Where time, sleeping and randomness come from.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The strategy of {@link Backoff.next}.
   * @default 'decorrelated'
   */
  jitter?: JitterName;
}

/** Options of the sleeping methods. */
export interface SleepOptions {
  /**
   * Aborting it rejects the sleep at once with the signal's reason.
   * @default `undefined`: the sleep runs to its end
   */
  signal?: AbortSignal;
}

/**
 * Utility for jittered backoff (the original Python API's `orionclient.utils.Backoff`): instantiate it
 * and call {@link Backoff.sleep} as many times as necessary. It uses the decorrelated
 * jitter of the AWS Architecture Blog, `min(cap, uniform(base, prev * 3))`, keeping one
 * state per HTTP status; statuses in `backoffDict` get their own `[base, cap]`.
 *
 * One instance is one sequence of retries. The HTTP session does not share it between
 * requests: it keeps a cursor per request.
 *
 * @example
 * ```ts
 * import { Backoff } from 'orionclient';
 *
 * const backoff = new Backoff({ backoffDict: { 429: [1, 90] } }); // a 429 sleeps from 1 s
 * let response = await fetch('https://api.example.com/v1/report');
 * for (let tries = 1; !response.ok && tries < 10; tries++) {
 *   await backoff.sleep(response.status); // resolves to the seconds it slept
 *   response = await fetch('https://api.example.com/v1/report');
 * }
 * ```
 */
export class Backoff {
  /** Seconds: the initial sleep of a status without a `backoffDict` entry (option `base`). */
  readonly base: number;
  /** Seconds: the longest sleep of a status without a `backoffDict` entry (option `cap`). */
  readonly cap: number;
  readonly #dict = new Map<number, JitterParams>();
  /** Each status's place in its sequence; statuses without a `backoffDict` entry too. */
  readonly #cursors = new Map<number, JitterCursor>();
  /** The cursor of the sequence without a status. */
  #cursor: JitterCursor;
  readonly #clock: Clock;
  readonly #jitter: JitterName;
  /** Resolved once: `next()` runs per retry and should allocate nothing it can avoid. */
  readonly #defaults: JitterParams;
  readonly #draw: Jitter;
  readonly #random: () => number;

  constructor(options?: BackoffOptions) {
    const o = checkKeys('Backoff options', options, [
      'cap',
      'base',
      'backoffDict',
      'clock',
      'jitter',
    ]);
    this.base = checkNumber('base', o.base === undefined ? 0.1 : o.base, { min: 0 });
    this.cap = checkNumber('cap', o.cap === undefined ? 90 : o.cap, {
      min: this.base,
      minText: `\`base\` (${this.base})`,
    });
    checkClock('clock', o.clock);
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    this.#jitter = checkOneOf(
      'jitter',
      o.jitter === undefined ? 'decorrelated' : o.jitter,
      jitterNames,
    );
    this.#defaults = Object.freeze({ base: this.base, cap: this.cap });
    this.#cursor = new JitterCursor(this.#defaults);
    this.#draw = jitters[this.#jitter];
    const clock = this.#clock;
    this.#random = () => clock.random();
    const dict = o.backoffDict === undefined ? {} : backoffBounds(o.backoffDict);
    for (const [status, bounds] of Object.entries(dict)) this.#dict.set(Number(status), bounds);
  }

  /** The `[base, cap]` that applies to `status`. */
  params(status?: number): JitterParams {
    if (status === undefined) return this.#defaults;
    return this.#dict.get(checkStatus('status', status)) ?? this.#defaults;
  }

  /** The next delay in seconds for `status` (decorrelated jitter by default); advances that status's state. */
  next(status?: number): number {
    const cursor = status === undefined ? this.#cursor : this.#cursorFor(status);
    return cursor.draw(this.#draw, this.#random);
  }

  #cursorFor(status: number): JitterCursor {
    let cursor = this.#cursors.get(status);
    if (!cursor) {
      // params() checks the status: an invalid one never gets a cursor.
      cursor = new JitterCursor(this.params(status));
      this.#cursors.set(status, cursor);
    }
    return cursor;
  }

  /** Sleeps the next delay for `status` and resolves to it (seconds). */
  async sleep(status?: number, options: SleepOptions = {}): Promise<number> {
    const delay = this.next(status);
    await this.#clock.sleep(delay, options.signal);
    return delay;
  }

  /** Starts `status`'s sequence over; without a status, every sequence. */
  reset(status?: number): void {
    if (status === undefined) {
      // In place: a retry loop resets after every success, and that should not allocate.
      this.#cursor.reset();
      for (const cursor of this.#cursors.values()) cursor.reset();
    } else {
      const cursor = this.#cursors.get(checkStatus('status', status));
      cursor?.reset();
    }
  }

  /** Exponential sleep based on the number of tries: `min(cap, base * 2 ** tries)`. */
  exponential(tries: number, status?: number): number {
    checkNumber('tries', tries, { min: 0, integer: true, infinite: true });
    return exponentialDelay(tries, this.params(status));
  }

  /** Sleeps {@link Backoff.exponential} and resolves to it (seconds). */
  async exponentialSleep(
    tries: number,
    status?: number,
    options: SleepOptions = {},
  ): Promise<number> {
    const delay = this.exponential(tries, status);
    await this.#clock.sleep(delay, options.signal);
    return delay;
  }
}

/**
 * Checks a `backoffDict` (plain object or Map) of `status → [base, cap]` (the original
 * API's tuple) or `{ base, cap }`, into frozen bounds by status.
 */
export function backoffBounds(dict: unknown): Readonly<Record<number, JitterParams>> {
  return statusTable('backoffDict', dict, (entry, label) => {
    const [b, c] = readPair(label, entry, ['base', 'cap']);
    const base = checkNumber(`${label}.base`, b, { min: 0 });
    const cap = checkNumber(`${label}.cap`, c, { min: base, minText: `its base (${base})` });
    return Object.freeze({ base, cap });
  });
}
