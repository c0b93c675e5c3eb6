/** The attempts waiting for a quota's start slots, in line. */
import { AttemptRefused } from '../retry/contract.js';
import { type AbortWaiter, join, leave } from '../time/abort-fanout.js';
import { type Clock, type Sleeper, sleepThen } from '../time/clock.js';
import type { QuotaAnswer } from './store.js';

/** One quota as the Coordinator holds it: the last answer about it, and its line of waiters. */
export class Quota {
  /** Last use, on the Coordinator's clock (an idle quota is forgotten). */
  used = 0;
  /** Waiters in order; `head` is the first live one (settled waiters are skipped). */
  queue: Waiter[] = [];
  head = 0;
  waiting = 0;
  /** The pump releases the waiters; `pump` cancels its sleep when the state changes. */
  running = false;
  pump: AbortController | undefined;
  /** Start slots in hand: `slots` of them from the instant `slot`, one every `gap` s. */
  slot = Number.NEGATIVE_INFINITY;
  slots = 0;
  gap = 0;

  constructor(
    readonly key: string,
    /** The last answer about this quota, on the Coordinator's clock. */
    public answer: QuotaAnswer,
  ) {}

  add(waiter: Waiter): void {
    this.queue.push(waiter);
    this.waiting++;
  }

  /** The first waiter still waiting (there is one when `waiting > 0`). */
  next(): Waiter {
    let waiter = this.queue[this.head++]!;
    while (waiter.settled) waiter = this.queue[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return waiter;
  }
}

/** An attempt waiting for its turn; leaves on its turn, on abort, or at its deadline. */
export class Waiter implements AbortWaiter, Sleeper {
  settled = false;
  /** Cancels the sleep that ends the wait at the request's deadline. */
  readonly #deadline: AbortController | undefined;

  constructor(
    readonly quota: Quota,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
    clock: Clock,
    limit: number,
  ) {
    if (signal) join(signal, this);
    if (limit !== Number.POSITIVE_INFINITY) {
      this.#deadline = new AbortController();
      sleepThen(clock, limit - clock.now(), this.#deadline.signal, this);
    }
  }

  /** Its turn came. */
  release(): void {
    this.#settle();
    this.resolve();
  }

  onAbort(reason: unknown): void {
    if (this.settled) return;
    this.#settle();
    this.reject(reason);
  }

  /** The deadline came first. */
  wake(): void {
    if (this.settled) return;
    this.#settle();
    this.reject(new AttemptRefused('retryTimeout', 0));
  }

  /** The deadline's sleep was cancelled: the waiter left already. */
  fail(): void {}

  /** Leaves the line and stops listening; the caller settles the promise. */
  #settle(): void {
    this.settled = true;
    this.quota.waiting--;
    if (this.signal) leave(this.signal, this);
    this.#deadline?.abort();
  }
}
