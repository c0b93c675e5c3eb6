import { type AbortWaiter, join, leave } from '../time/abort-fanout.js';
import { type Clock, type Sleeper, sleepThen } from '../time/clock.js';
import {
  AttemptRefused,
  type CoordinatedRequest,
  type RetryCoordinator,
  type Verdict,
} from './contract.js';
import {
  type CoordinatorOptions,
  type CoordinatorSettings,
  coordinatorSettings,
  type RateLimitOptions,
} from './coordinator-options.js';
import { spreadWidth } from './spread.js';
import { WindowCount } from './window-count.js';

export type {
  CoordinatorOptions,
  RateLimitOptions,
  RetryBudgetOptions,
  SharedRetryAfterOptions,
} from './coordinator-options.js';

/** What a {@link Coordinator} currently believes about one quota, for logs and tests. */
export interface CoordinatorState {
  /** Requests per second the limit allows; `Infinity` while it is off. */
  readonly rate: number;
  /** Instant (clock seconds) before which no attempt starts. */
  readonly until: number;
  /** Attempts waiting for their turn. */
  readonly waiting: number;
  /** First attempts counted in the budget's window. */
  readonly requests: number;
  /** Budgeted retries counted in the budget's window. */
  readonly retries: number;
}

/** A quota nobody used for this long (and that holds nothing back) is forgotten. */
const IDLE_SECONDS = 600;

/** Buckets of the window counters: the budget's window in 100, the last second in 20. */
const BUDGET_BUCKETS = 100;
const ACCEPTED_BUCKETS = 20;

/**
 * Shared retry state for any number of requests and sessions: pass one instance as the
 * `coordinator` of several `Session`s (or `retry()` calls) and they wait out a server's
 * `Retry-After` together, pace themselves at a rate learned from 429s, and spend retries
 * of failures from one budget, so a fleet of requests does not turn an overload into a
 * collapse. The state is kept per quota: by default the request's origin, so a 429 storm
 * from one API never slows another.
 *
 * @example
 * ```ts
 * const coordinator = new Coordinator();
 * const a = new Session({ coordinator });
 * const b = new Session({ coordinator, profile: 'interactive' });
 * ```
 */
export class Coordinator implements RetryCoordinator {
  readonly #settings: CoordinatorSettings;
  readonly #clock: Clock;
  readonly #quotas = new Map<string, Quota>();
  #lookups = 0;

  constructor(options?: CoordinatorOptions) {
    this.#settings = coordinatorSettings(options);
    this.#clock = this.#settings.clock;
  }

  /** What the coordinator currently believes about the quota of `url` (default: requests without a URL). */
  state(url?: string | URL): CoordinatorState {
    const q = this.#quota(url === undefined ? undefined : new URL(url));
    const now = this.#clock.now();
    return {
      rate: q.rate,
      until: q.until,
      waiting: q.waiting,
      requests: q.requests?.sum(now) ?? 0,
      retries: q.retries?.sum(now) ?? 0,
    };
  }

  /**
   * Resolves when an attempt may start: after any shared `Retry-After`, at the learned
   * pace. Rejects with an {@link AttemptRefused} instead of waiting past the request's
   * `deadline` or `maxWait`.
   */
  async acquire(signal?: AbortSignal, request?: CoordinatedRequest): Promise<void> {
    signal?.throwIfAborted();
    const q = this.#quota(request?.url);
    const clock = this.#clock;
    const limit = Math.min(
      request?.deadline ?? Number.POSITIVE_INFINITY,
      clock.now() + (request?.maxWait ?? Number.POSITIVE_INFINITY),
    );
    for (;;) {
      const now = clock.now();
      const wait = q.until - now;
      // An attempt that arrives at about the instant itself (the throttled request, after
      // sleeping its own Retry-After, and a timer's lateness) is spread too.
      if (wait >= -(0.001 + 0.1 * q.span)) {
        if (now + wait > limit) throw new AttemptRefused('retryAfter', wait);
        // Once the rate limit paces attempts, it spreads them already.
        const spread =
          q.rate === Number.POSITIVE_INFINITY ? this.#settings.hold?.spread : undefined;
        const width = spread ? spreadWidth(q.span, q.streak, spread) : 0;
        const target = q.until;
        const at = Math.min(Math.max(now, target) + clock.random() * width, limit);
        await clock.sleep(at - now, signal);
        if (q.until > target) continue;
      }
      if (q.rate !== Number.POSITIVE_INFINITY || q.waiting > 0)
        await this.#enqueue(q, signal, limit);
      return;
    }
  }

  /** Learns from an attempt's outcome. */
  record(verdict: Verdict, attempt: number, request?: CoordinatedRequest): void {
    const q = this.#quota(request?.url);
    const now = this.#clock.now();
    if (attempt === 1) q.requests?.add(now);
    const ra = verdict.retryAfter;
    const hold = this.#settings.hold;
    if (hold && verdict.retry && ra !== undefined) {
      q.streak++;
      const span = Math.min(ra, hold.maxHold);
      const pacing = q.rate !== Number.POSITIVE_INFINITY && !hold.whilePacing;
      if (!pacing && now + span > q.until) {
        q.until = now + span;
        q.span = span;
        q.pump?.abort();
      }
    } else if (!verdict.retry && verdict.status !== undefined) {
      q.streak = 0;
    }
    const limit = this.#settings.limit;
    if (!limit) return;
    const throttled = verdict.status !== undefined && limit.statuses.includes(verdict.status);
    // A Retry-After with no evidence yet of the server's rate is left to the shared wait.
    if (
      throttled &&
      q.rate === Number.POSITIVE_INFINITY &&
      ra !== undefined &&
      q.accepted.sum(now) === 0
    ) {
      return;
    }
    if (!throttled) {
      if (verdict.status === undefined) return;
      q.accepted.add(now);
      if (now < q.learning) q.rate = Math.max(q.rate, q.accepted.sum(now));
      else grow(q, limit);
      return;
    }
    throttle(q, now, limit);
  }

  /**
   * Spends one retry when the budget allows it. Retries after a throttling status are
   * paced by the rate limit instead; other retries spend the budget.
   */
  spendRetry(verdict?: Verdict, request?: CoordinatedRequest): boolean {
    const budget = this.#settings.budget;
    if (!budget) return true;
    const status = verdict?.status;
    const limit = this.#settings.limit;
    if (limit && status !== undefined && limit.statuses.includes(status)) return true;
    const q = this.#quota(request?.url);
    const now = this.#clock.now();
    const allowed = budget.ratio * q.requests!.sum(now) + budget.minPerSecond * budget.window;
    if (q.retries!.sum(now) + 1 > allowed) return false;
    q.retries!.add(now);
    return true;
  }

  /** @deprecated Renamed {@link Coordinator.spendRetry}; this name works until 0.3. */
  allowRetry(verdict?: Verdict, request?: CoordinatedRequest): boolean {
    return this.spendRetry(verdict, request);
  }

  /** Seconds from now during which the shared `Retry-After` holds the attempts of `request`. */
  heldFor(request?: CoordinatedRequest): number {
    return Math.max(0, this.#quota(request?.url).until - this.#clock.now());
  }

  /** The state of a request's quota; forgets idle quotas now and then, so memory stays bounded. */
  #quota(url: URL | undefined): Quota {
    const key = url === undefined ? '' : this.#settings.key(url);
    let q = this.#quotas.get(key);
    if (++this.#lookups % 1024 === 0) this.#forgetIdle();
    if (!q) {
      q = new Quota(this.#settings);
      this.#quotas.set(key, q);
    }
    q.used = this.#clock.now();
    return q;
  }

  #forgetIdle(): void {
    const now = this.#clock.now();
    for (const [key, q] of this.#quotas) {
      if (now - q.used > IDLE_SECONDS && q.waiting === 0 && q.until < now) this.#quotas.delete(key);
    }
  }

  #enqueue(q: Quota, signal: AbortSignal | undefined, limit: number): Promise<void> {
    const now = this.#clock.now();
    const gap = q.rate === Number.POSITIVE_INFINITY ? 0 : 1 / q.rate;
    // The turn this attempt would get at the current pace: refuse at once what comes too late.
    if (Math.max(q.until, q.lastRelease + gap) + gap * q.waiting > limit) {
      return Promise.reject(new AttemptRefused('retryTimeout', limit - now));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = new Waiter(q, resolve, reject, signal);
      if (signal) join(signal, waiter);
      if (limit !== Number.POSITIVE_INFINITY) {
        waiter.deadline = new AbortController();
        sleepThen(this.#clock, limit - now, waiter.deadline.signal, waiter);
      }
      q.queue.push(waiter);
      q.waiting++;
      if (!q.pump) void this.#run(q);
    });
  }

  /** Releases waiting attempts one by one, each at its slot and after any shared wait. */
  async #run(q: Quota): Promise<void> {
    const clock = this.#clock;
    while (q.waiting > 0) {
      const now = clock.now();
      const gap = q.rate === Number.POSITIVE_INFINITY ? 0 : 1 / q.rate;
      const at = Math.max(q.until, q.lastRelease + gap);
      if (at <= now) {
        const waiter = q.next();
        q.lastRelease = now;
        waiter.settle();
        waiter.resolve();
        continue;
      }
      const pump = new AbortController();
      q.pump = pump;
      await clock.sleep(at - now, pump.signal).catch(() => {});
    }
    q.pump = undefined;
  }
}

/** One quota's shared state: its hold, its learned rate, its budget and its waiters. */
class Quota {
  /** The shared hold: no attempt starts before `until`; `span` and `streak` size its spread. */
  until = Number.NEGATIVE_INFINITY;
  span = 0;
  streak = 0;
  /** The learned rate (`Infinity`: off), the rate last throttled, and when it was last cut. */
  rate = Number.POSITIVE_INFINITY;
  threshold = Number.POSITIVE_INFINITY;
  lastCut = Number.NEGATIVE_INFINITY;
  /** Until then, the first throttle's rate is still being learned from answers in flight. */
  learning = Number.NEGATIVE_INFINITY;
  lastRelease = Number.NEGATIVE_INFINITY;
  used = 0;
  /** Accepted responses over the last second: while throttled, about the server's rate. */
  readonly accepted = new WindowCount(1, ACCEPTED_BUCKETS);
  readonly requests: WindowCount | undefined;
  readonly retries: WindowCount | undefined;
  /** Waiters in order; `head` is the first live one (settled waiters are skipped). */
  queue: Waiter[] = [];
  head = 0;
  waiting = 0;
  pump: AbortController | undefined;

  constructor(settings: CoordinatorSettings) {
    const window = settings.budget?.window;
    this.requests = window === undefined ? undefined : new WindowCount(window, BUDGET_BUCKETS);
    this.retries = window === undefined ? undefined : new WindowCount(window, BUDGET_BUCKETS);
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
class Waiter implements AbortWaiter, Sleeper {
  settled = false;
  /** Cancels the sleep that ends the wait at the request's deadline. */
  deadline: AbortController | undefined;

  constructor(
    readonly quota: Quota,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Leaves the queue and stops listening; the caller settles the promise. */
  settle(): void {
    this.settled = true;
    this.quota.waiting--;
    if (this.signal) leave(this.signal, this);
    this.deadline?.abort();
  }

  onAbort(reason: unknown): void {
    if (this.settled) return;
    this.settle();
    this.reject(reason);
  }

  /** The deadline came first. */
  wake(): void {
    if (this.settled) return;
    this.settle();
    this.reject(new AttemptRefused('retryTimeout', 0));
  }

  /** The deadline's sleep was cancelled: the waiter left already. */
  fail(): void {}
}

/**
 * Raises the rate for one accepted response while attempts wait for it (so an idle
 * session or a server that accepts nothing never grows it): by `growth` per second's
 * worth of responses below the threshold (slow start), by `probe` of the threshold
 * per second above it.
 */
function grow(q: Quota, limit: Required<RateLimitOptions>): void {
  const rate = q.rate;
  if (rate === Number.POSITIVE_INFINITY || q.waiting === 0) return;
  q.rate =
    rate < q.threshold
      ? Math.min(q.threshold, rate * limit.growth ** (1 / rate))
      : rate + (limit.probe * q.threshold) / rate;
  // The next slot comes sooner now.
  q.pump?.abort();
}

function throttle(q: Quota, now: number, limit: Required<RateLimitOptions>): void {
  const admitted = q.accepted.sum(now);
  if (q.rate === Number.POSITIVE_INFINITY) {
    // The first throttle: start at what the server just accepted, and keep raising that
    // start while the rest of the first wave's answers come in.
    q.rate = Math.max(limit.minRate, admitted);
    q.learning = now + limit.cooldown;
  } else if (now - q.lastCut >= limit.cooldown) {
    if (admitted > 0) {
      // Throttled, the server accepts about its rate: aim there, back off below it.
      q.rate = Math.max(limit.minRate, Math.min(q.rate * limit.decrease, admitted));
      q.threshold = Math.max(q.rate, admitted);
    } else {
      // Nothing gets through (an outage): halve, and remember the last good rate so
      // that recovery climbs back to it quickly.
      q.rate = Math.max(limit.minRate, q.rate / 2);
    }
  } else {
    return;
  }
  q.lastCut = now;
  q.pump?.abort();
}
