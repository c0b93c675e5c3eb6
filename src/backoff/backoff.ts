import { type Clock, systemClock } from '../clock.js';
import {
  checkKeys,
  checkMethods,
  checkNumber,
  checkOneOf,
  checkStatus,
  show,
} from '../validate.js';
import {
  exponentialDelay,
  initialJitterState,
  type Jitter,
  type JitterName,
  type JitterParams,
  type JitterState,
  jitterNames,
  jitters,
} from './jitter.js';

/** Per-status backoff parameters: status code → `[base, cap]` in seconds. */
export type BackoffDict =
  | Readonly<Record<number, readonly [base: number, cap: number]>>
  | ReadonlyMap<number, readonly [base: number, cap: number]>;

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
  /** Aborting it rejects the sleep at once with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Utility for jittered backoff (the seed's `orionclient.utils.Backoff`): instantiate it
 * and call {@link Backoff.sleep} as many times as necessary. It uses the decorrelated
 * jitter of the AWS Architecture Blog, `min(cap, uniform(base, prev * 3))`, keeping one
 * state per HTTP status; statuses in `backoffDict` get their own `[base, cap]`.
 *
 * One instance is one sequence of retries. The HTTP session does not share it between
 * requests: it keeps a cursor per request.
 *
 * @example
 * ```ts
 * const backoff = new Backoff({ backoffDict: { 429: [1, 90] } });
 * while (!(response = await fetch(url)).ok) await backoff.sleep(response.status);
 * ```
 */
export class Backoff {
  readonly base: number;
  readonly cap: number;
  readonly #dict = new Map<number, JitterParams>();
  /** Each status's place in its sequence; statuses without a `backoffDict` entry too. */
  readonly #cursors = new Map<number, Cursor>();
  /** The cursor of the sequence without a status. */
  #cursor: Cursor;
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
    checkMethods('clock', o.clock, 'a Clock', ['now', 'sleep', 'random']);
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    this.#jitter = checkOneOf(
      'jitter',
      o.jitter === undefined ? 'decorrelated' : o.jitter,
      jitterNames,
    );
    this.#defaults = Object.freeze({ base: this.base, cap: this.cap });
    this.#cursor = newCursor(this.#defaults);
    this.#draw = jitters[this.#jitter];
    const clock = this.#clock;
    this.#random = () => clock.random();
    for (const [status, params] of entriesOf(o.backoffDict)) {
      this.#dict.set(status, params);
    }
  }

  /** The `[base, cap]` that applies to `status`. */
  params(status?: number): JitterParams {
    if (status === undefined) return this.#defaults;
    return this.#dict.get(checkStatus('status', status)) ?? this.#defaults;
  }

  /** The next delay in seconds for `status` (decorrelated jitter by default); advances that status's state. */
  next(status?: number): number {
    const cursor = status === undefined ? this.#cursor : this.#cursorFor(status);
    const delay = this.#draw(cursor, cursor.params, this.#random);
    cursor.attempt++;
    cursor.prev = delay;
    return delay;
  }

  #cursorFor(status: number): Cursor {
    let cursor = this.#cursors.get(status);
    if (!cursor) {
      // params() checks the status: an invalid one never gets a cursor.
      cursor = newCursor(this.params(status));
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
      rewind(this.#cursor);
      for (const cursor of this.#cursors.values()) rewind(cursor);
    } else {
      const cursor = this.#cursors.get(checkStatus('status', status));
      if (cursor) rewind(cursor);
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

/** A sequence's state with its bounds, changed in place on each draw (no allocation). */
interface Cursor extends JitterState {
  readonly params: JitterParams;
  attempt: number;
  prev: number;
}

function newCursor(params: JitterParams): Cursor {
  const { attempt, prev } = initialJitterState(params);
  return { params, attempt, prev };
}

function rewind(cursor: Cursor): void {
  const { attempt, prev } = initialJitterState(cursor.params);
  cursor.attempt = attempt;
  cursor.prev = prev;
}

/** Validates a `backoffDict` (plain object or Map) into `[status, params]` pairs. */
export function entriesOf(dict: unknown): Array<[number, JitterParams]> {
  if (dict === undefined) return [];
  if (dict === null || typeof dict !== 'object') {
    throw new TypeError(
      `\`backoffDict\` must be an object or a Map of status → [base, cap], got ${show(dict)}`,
    );
  }
  const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
  return entries.map(([key, value]) => {
    const status = checkStatus('backoffDict key', typeof key === 'string' ? Number(key) : key);
    if (!Array.isArray(value) || value.length !== 2) {
      throw new TypeError(
        `\`backoffDict[${status}]\` must be a [base, cap] pair, got ${show(value)}`,
      );
    }
    const base = checkNumber(`backoffDict[${status}][0]`, value[0], { min: 0 });
    const cap = checkNumber(`backoffDict[${status}][1]`, value[1], {
      min: base,
      minText: `its base (${base})`,
    });
    return [status, { base, cap }];
  });
}
