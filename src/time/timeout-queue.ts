/** What a {@link TimeoutQueue} calls when a timeout runs out. */
export interface Expiring {
  expire(): void;
}

/** setTimeout's limit; a later deadline re-arms the timer when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One running timeout: a link in its queue, made once and started again for each use. */
export class QueuedTimeout {
  /** Deadline, `performance.now()` milliseconds. */
  at = 0;
  prev: QueuedTimeout | undefined = undefined;
  next: QueuedTimeout | undefined = undefined;
  queued = false;

  constructor(readonly target: Expiring) {}
}

/**
 * Timeouts that all last the same `ms`, in real time, served by one Node timer. Equal
 * lengths make the queue a list in deadline order: starting and stopping a timeout is
 * a few field writes, where a `setTimeout` per timeout costs a timer object, its async
 * context and a place in Node's timer lists. The timer holds the process open only
 * while a timeout runs, as a `setTimeout` per timeout would.
 */
export class TimeoutQueue {
  readonly #ms: number;
  #head: QueuedTimeout | undefined = undefined;
  #tail: QueuedTimeout | undefined = undefined;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The deadline the timer stands for (the head's, or a step towards it). */
  #armedFor = 0;
  /** The latest deadline the timer has served: time as far as the timers know. */
  #reached = 0;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /**
   * Starts `timeout` (stopping it first if it runs): its target expires in `ms`. `now` is
   * `performance.now()`, when the caller has just read it.
   */
  start(timeout: QueuedTimeout, now = performance.now()): void {
    if (timeout.queued) this.stop(timeout);
    timeout.at = Math.max(now, this.#reached) + this.#ms;
    timeout.queued = true;
    const tail = this.#tail;
    timeout.prev = tail;
    if (tail) tail.next = timeout;
    else this.#head = timeout;
    this.#tail = timeout;
    if (this.#timer === undefined) this.#arm(timeout.at);
    else if (tail === undefined) this.#timer.ref();
  }

  /** Stops `timeout`; a no-op when it does not run. */
  stop(timeout: QueuedTimeout): void {
    if (!timeout.queued) return;
    timeout.queued = false;
    const { prev, next } = timeout;
    if (prev) prev.next = next;
    else this.#head = next;
    if (next) next.prev = prev;
    else this.#tail = prev;
    timeout.prev = undefined;
    timeout.next = undefined;
    // An idle timer may fire: it finds nothing due and stops. It must not keep the
    // process open meanwhile.
    if (this.#head === undefined) this.#timer?.unref();
  }

  #arm(at: number): void {
    const now = Math.max(performance.now(), this.#reached);
    const delay = Math.min(Math.max(Math.ceil(at - now), 1), MAX_TIMER_MS);
    this.#armedFor = Math.min(at, now + delay);
    this.#timer = setTimeout(ring, delay, this);
  }

  /** The timer fired: expires everything due, in order, then waits for the next. */
  ring(): void {
    this.#timer = undefined;
    const due = Math.max(this.#armedFor, performance.now());
    this.#reached = due;
    for (let head = this.#head; head && head.at <= due; head = this.#head) {
      this.stop(head);
      head.target.expire();
    }
    if (this.#head && this.#timer === undefined) this.#arm(this.#head.at);
  }
}

function ring(queue: TimeoutQueue): void {
  queue.ring();
}
