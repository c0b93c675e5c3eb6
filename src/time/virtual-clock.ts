import { checkBoolean, checkKeys, checkNumber } from '../validate.js';
import { type AbortWaiter, join, leave } from './abort-fanout.js';
import type { Clock } from './clock.js';
import { DeadlineHeap, type Timed } from './deadline-heap.js';
import { seededRandom } from './prng.js';

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * Seed of the deterministic `random()`; the same seed gives the same sequence.
   * @default 1
   */
  seed?: number;
  /**
   * Virtual time at the start, in seconds.
   * @default 0
   */
  start?: number;
  /**
   * Advance time by itself: whenever the process has run every pending callback and
   * sleepers remain, wake the earliest. With `false`, time moves only through
   * {@link VirtualClock.advance} and {@link VirtualClock.runAll}.
   * @default true
   */
  auto?: boolean;
}

/** A sleeper of the virtual clock: its wake-up time, and how to end its sleep. */
class Sleeper implements Timed, AbortWaiter {
  index = -1;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly heap: DeadlineHeap<Sleeper>,
  ) {}

  onAbort(reason: unknown): void {
    this.heap.remove(this);
    this.reject(reason);
  }

  wake(): void {
    if (this.signal) leave(this.signal, this);
    this.resolve();
  }
}

/**
 * A {@link Clock} for tests and simulations: a small discrete-event scheduler in virtual
 * time. Concurrent sleepers wake in order of their wake-up time (ties in the order they
 * slept), each one seeing `now()` equal to its own wake-up time; `random()` is seeded.
 *
 * @example
 * ```ts
 * import { Backoff, VirtualClock } from 'orionclient';
 *
 * const clock = new VirtualClock({ seed: 7 });
 * const backoff = new Backoff({ clock });
 * for (let i = 0; i < 45; i++) await backoff.sleep(429); // instant
 * clock.now(); // seconds of virtual time that passed
 * ```
 */
export class VirtualClock implements Clock {
  /** Its time passes only when told (see {@link Clock.virtual}). */
  readonly virtual = true;
  #now: number;
  readonly #random: () => number;
  #seq = 0;
  readonly #heap = new DeadlineHeap<Sleeper>();
  #pumping = false;
  readonly #auto: boolean;

  constructor(options?: VirtualClockOptions) {
    const o = checkKeys('VirtualClock options', options, ['seed', 'start', 'auto']);
    const seed = checkNumber('seed', o.seed === undefined ? 1 : o.seed, { integer: true });
    this.#random = seededRandom(seed);
    this.#now = checkNumber('start', o.start === undefined ? 0 : o.start);
    this.#auto = o.auto === undefined || checkBoolean('auto', o.auto);
  }

  now(): number {
    return this.#now;
  }

  /** A seeded draw in [0, 1) (mulberry32). */
  random(): number {
    return this.#random();
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const at = this.#now + Math.max(0, seconds);
      const sleeper = new Sleeper(at, this.#seq++, resolve, reject, signal, this.#heap);
      this.#heap.push(sleeper);
      if (signal) join(signal, sleeper);
      if (this.#auto) this.#schedulePump();
    });
  }

  /** Sleepers that have not woken or been aborted. */
  get pending(): number {
    return this.#heap.size;
  }

  /** Moves time forward by `seconds`, waking every sleeper due by then, in order. */
  async advance(seconds: number): Promise<void> {
    const until = this.#now + checkNumber('seconds', seconds, { min: 0 });
    for (let s = this.#heap.peek(); s && s.at <= until; s = this.#heap.peek()) {
      this.#wake();
      await settle();
    }
    this.#now = until;
  }

  /** Wakes sleepers in order until none is left (or `limit` have woken); returns how many woke. */
  async runAll(limit = 1_000_000): Promise<number> {
    let woken = 0;
    while (this.#heap.size > 0 && woken < limit) {
      this.#wake();
      woken++;
      await settle();
    }
    return woken;
  }

  #schedulePump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    afterPending(() => {
      this.#pumping = false;
      if (this.#heap.size > 0) {
        this.#wake();
        this.#schedulePump();
      }
    });
  }

  #wake(): void {
    const sleeper = this.#heap.pop();
    if (!sleeper) return;
    this.#now = Math.max(this.#now, sleeper.at);
    sleeper.wake();
  }
}

/** Lets the woken task run its continuation (and schedule its next sleep) before the next wake. */
function settle(): Promise<void> {
  return new Promise((resolve) => afterPending(resolve));
}

/**
 * Runs `fn` once the callbacks already queued have run: `setImmediate` where the runtime
 * has it (Node, Deno, Bun), a zero-delay timer in browsers, which lack it. Looked up on
 * each call, so fake timers installed after this module loaded still apply.
 */
function afterPending(fn: () => void): void {
  if (typeof setImmediate === 'function') setImmediate(fn);
  else setTimeout(fn, 0);
}
