import type { Clock } from './clock.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';

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

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
  done: boolean;
}

/**
 * A {@link Clock} for tests and simulations: a small discrete-event scheduler in virtual
 * time. Concurrent sleepers wake in order of their wake-up time (ties in the order they
 * slept), each one seeing `now()` equal to its own wake-up time; `random()` is seeded.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock({ seed: 7 });
 * const backoff = new Backoff({ clock });
 * for (let i = 0; i < 45; i++) await backoff.sleep(429); // instant
 * clock.now(); // seconds of virtual time that passed
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #state: number;
  #seq = 0;
  #heap: Sleeper[] = [];
  #pumping = false;
  readonly #auto: boolean;

  constructor(options?: VirtualClockOptions) {
    const o = checkKeys('VirtualClock options', options, ['seed', 'start', 'auto']);
    this.#state = checkNumber('seed', o.seed === undefined ? 1 : o.seed, { integer: true }) >>> 0;
    this.#now = checkNumber('start', o.start === undefined ? 0 : o.start);
    this.#auto = o.auto === undefined || checkBoolean('auto', o.auto);
  }

  now(): number {
    return this.#now;
  }

  /** mulberry32: small, fast, and good enough for jitter and simulations. */
  random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + Math.max(0, seconds),
        seq: this.#seq++,
        resolve,
        done: false,
      };
      if (signal) {
        const onAbort = () => {
          sleeper.done = true;
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        sleeper.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      this.#push(sleeper);
      if (this.#auto) this.#schedulePump();
    });
  }

  /** Sleepers that have not woken or been aborted. */
  get pending(): number {
    return this.#heap.filter((s) => !s.done).length;
  }

  /** Moves time forward by `seconds`, waking every sleeper due by then, in order. */
  async advance(seconds: number): Promise<void> {
    const until = this.#now + checkNumber('seconds', seconds, { min: 0 });
    for (let s = this.#peek(); s && s.at <= until; s = this.#peek()) {
      this.#wake();
      await settle();
    }
    this.#now = until;
  }

  /** Wakes sleepers in order until none is left (or `limit` have woken); returns how many woke. */
  async runAll(limit = 1_000_000): Promise<number> {
    let woken = 0;
    while (this.#peek() && woken < limit) {
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
      if (this.#peek()) {
        this.#wake();
        this.#schedulePump();
      }
    });
  }

  #wake(): void {
    const sleeper = this.#pop();
    if (!sleeper) return;
    this.#now = Math.max(this.#now, sleeper.at);
    sleeper.done = true;
    sleeper.resolve();
  }

  /** Earliest live sleeper; aborted ones are dropped lazily here. */
  #peek(): Sleeper | undefined {
    while (this.#heap[0]?.done) this.#pop();
    return this.#heap[0];
  }

  #push(sleeper: Sleeper): void {
    const heap = this.#heap;
    heap.push(sleeper);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): Sleeper | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Sleeper, b: Sleeper): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
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
