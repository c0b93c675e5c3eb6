import { type AbortWaiter, join, leave } from './abort-fanout.js';
import { DeadlineHeap, type Timed } from './deadline-heap.js';

/** What a sleep tells when it ends. */
export interface Sleeper {
  wake(): void;
  fail(reason: unknown): void;
}

/** setTimeout's limit; a later deadline re-arms the timer when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One pending sleep of the system clock: a deadline in a queue, and an entry in its
 * signal's fan-out. No timer, closure or promise of its own.
 */
class Sleep implements AbortWaiter, Timed {
  index = -1;

  constructor(
    /** Deadline, `performance.now()` milliseconds. */
    readonly at: number,
    readonly seq: number,
    readonly signal: AbortSignal | undefined,
    readonly sleeper: Sleeper,
  ) {}

  onAbort(reason: unknown): void {
    queue.remove(this);
    this.sleeper.fail(reason);
  }
}

/**
 * Every sleep of the system clock, earliest first, in one deadline heap served by one Node
 * timer armed for the earliest deadline: a waiting sleep costs a heap slot instead of a
 * `Timeout` object, and 100,000 waiting retries show as one pending timer.
 */
class SleepQueue {
  readonly #heap = new DeadlineHeap<Sleep>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer stands for (the earliest one, or a step towards it). */
  #armedFor = Number.POSITIVE_INFINITY;
  #seq = 0;
  /** The latest deadline a timer has served: time as far as the timers know. */
  #reached = 0;

  /**
   * Now, in `performance.now()` milliseconds, but never behind a deadline a timer has
   * already served: under fake timers only the timers move, and the queue follows them.
   */
  #now(): number {
    return Math.max(performance.now(), this.#reached);
  }

  add(ms: number, signal: AbortSignal | undefined, sleeper: Sleeper): void {
    const sleep = new Sleep(this.#now() + ms, this.#seq++, signal, sleeper);
    this.#heap.push(sleep);
    if (signal) join(signal, sleep);
    if (sleep.at < this.#armedFor) this.#arm();
  }

  remove(sleep: Sleep): void {
    this.#heap.remove(sleep);
    // An early timer finds nothing due and re-arms; an empty queue keeps no timer.
    if (this.#heap.size === 0) this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    const head = this.#heap.peek();
    if (!head) return;
    const now = this.#now();
    const delay = Math.min(Math.max(Math.ceil(head.at - now), 1), MAX_TIMER_MS);
    this.#armedFor = Math.min(head.at, now + delay);
    this.#timer = setTimeout(ring, delay, this);
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  /** The timer fired: wakes everything due, in order. */
  ring(): void {
    const due = Math.max(this.#armedFor, this.#now());
    this.#reached = due;
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    for (let head = this.#heap.peek(); head && head.at <= due; head = this.#heap.peek()) {
      this.remove(head);
      if (head.signal) leave(head.signal, head);
      head.sleeper.wake();
    }
    if (this.#timer === undefined) this.#arm();
  }
}

function ring(q: SleepQueue): void {
  q.ring();
}

const queue = new SleepQueue();

/**
 * Calls `sleeper.wake()` after `ms` milliseconds of real time, or `sleeper.fail(reason)`
 * when `signal` aborts (at once if it has).
 */
export function sleepFor(ms: number, signal: AbortSignal | undefined, sleeper: Sleeper): void {
  if (signal?.aborted) sleeper.fail(signal.reason);
  // NaN and negative waits are no wait: a NaN deadline would never come due.
  else queue.add(Number.isNaN(ms) || ms < 0 ? 0 : ms, signal, sleeper);
}
