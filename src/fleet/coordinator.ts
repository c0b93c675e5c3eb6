import {
  AttemptRefused,
  type CoordinatedRequest,
  type RetryCoordinator,
  type Verdict,
} from '../retry/contract.js';
import { spreadWidth } from '../retry/spread.js';
import type { Clock } from '../time/clock.js';
import { MemoryStore } from './memory-store.js';
import {
  type CoordinatorOptions,
  type CoordinatorSettings,
  coordinatorSettings,
} from './options.js';
import { budgetAllows, observation } from './policy.js';
import { Remote } from './remote.js';
import type { QuotaAnswer, QuotaReport } from './store.js';
import { Quota, Waiter } from './waiter.js';

export type {
  CoordinatorOptions,
  RateLimitOptions,
  RetryBudgetOptions,
  SharedRetryAfterOptions,
} from './options.js';

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

const NOTHING: QuotaReport = Object.freeze({ observations: [], retries: 0, take: 0 });

/**
 * Shared retry state for any number of requests and sessions: pass one instance as the
 * `coordinator` of several `Session`s (or `retry()` calls) and they wait out a server's
 * `Retry-After` together, pace themselves at a rate learned from 429s, and spend retries
 * of failures from one budget, so a fleet of requests does not turn an overload into a
 * collapse. The state is kept per quota: by default the request's origin, so a 429 storm
 * from one API never slows another. With a shared `store`, many processes are one fleet.
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
  /** The state of every quota as this process knows it: the store, or a mirror of it. */
  readonly #local: MemoryStore;
  readonly #remote: Remote | undefined;
  readonly #quotas = new Map<string, Quota>();
  #lookups = 0;

  constructor(options?: CoordinatorOptions) {
    this.#settings = coordinatorSettings(options);
    this.#clock = this.#settings.clock;
    this.#local = new MemoryStore(this.#clock);
    const store = this.#settings.store;
    this.#remote =
      store &&
      new Remote(store, this.#clock, this.#local, this.#settings.policy, (q) =>
        this.#changed(q as Quota),
      );
  }

  /** What the coordinator currently believes about the quota of `url` (default: requests without a URL). */
  state(url?: string | URL): CoordinatorState {
    const q = this.#quota(url === undefined ? undefined : new URL(url));
    this.#remote?.refresh(q);
    const { state, counts } = this.#sync(q, NOTHING);
    const fleet = this.#remote?.counts(q) ?? counts;
    return {
      rate: state.rate,
      until: state.until,
      waiting: q.waiting,
      requests: fleet.requests,
      retries: fleet.retries,
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
    this.#remote?.refresh(q);
    for (;;) {
      const now = clock.now();
      const s = q.answer.state;
      const wait = s.until - now;
      // An attempt that arrives at about the instant itself (the throttled request, after
      // sleeping its own Retry-After, and a timer's lateness) is spread too.
      // Stryker disable next-line EqualityOperator: at the boundary instant, spread or not are both right
      if (wait >= -(0.001 + 0.1 * s.span)) {
        if (s.until > limit) throw new AttemptRefused('retryAfter', wait);
        // Once the rate limit paces attempts, it spreads them already.
        const spread =
          s.rate === Number.POSITIVE_INFINITY ? this.#settings.policy.hold?.spread : undefined;
        const width = spread ? spreadWidth(s.span, s.streak, spread) : 0;
        const target = s.until;
        const at = Math.min(Math.max(now, target) + clock.random() * width, limit);
        await clock.sleep(at - now, signal);
        if (q.answer.state.until > target) continue;
      }
      // Waiters with no rate limit exist only after a shared store lost its state; the pump
      // then releases them all at once, so whether a newcomer queues changes no start time.
      // Stryker disable next-line ConditionalExpression: see above
      if (q.answer.state.rate !== Number.POSITIVE_INFINITY || q.waiting > 0)
        await this.#enqueue(q, signal, limit);
      return;
    }
  }

  /** Learns from an attempt's outcome. */
  record(verdict: Verdict, attempt: number, request?: CoordinatedRequest): void {
    const q = this.#quota(request?.url);
    const o = observation(verdict, attempt, this.#settings.policy, q.waiting > 0);
    const before = q.answer.state;
    const { state } = this.#sync(q, { observations: [o], retries: 0, take: 0 });
    this.#remote?.report(q, o);
    // Stryker disable next-line ConditionalExpression: a pump woken when nothing changed sleeps again until the same instant
    if (state.rate !== before.rate || state.until !== before.until) this.#changed(q);
  }

  /**
   * Spends one retry when the budget allows it. Retries after a throttling status are
   * paced by the rate limit instead; other retries spend the budget.
   */
  spendRetry(verdict?: Verdict, request?: CoordinatedRequest): boolean {
    const { budget, limit } = this.#settings.policy;
    if (!budget) return true;
    const status = verdict?.status;
    if (limit && status !== undefined && limit.statuses.includes(status)) return true;
    const q = this.#quota(request?.url);
    const remote = this.#remote;
    if (remote) return remote.spend(q, budget);
    if (!budgetAllows(this.#sync(q, NOTHING).counts, budget)) return false;
    this.#sync(q, { observations: [], retries: 1, take: 0 });
    return true;
  }

  /** @deprecated Renamed {@link Coordinator.spendRetry}; this name works until 0.3. */
  allowRetry(verdict?: Verdict, request?: CoordinatedRequest): boolean {
    return this.spendRetry(verdict, request);
  }

  /** Seconds from now during which the shared `Retry-After` holds the attempts of `request`. */
  heldFor(request?: CoordinatedRequest): number {
    const q = this.#quota(request?.url);
    this.#remote?.refresh(q);
    return Math.max(0, q.answer.state.until - this.#clock.now());
  }

  /** Applies a report to the local state of `q`. */
  #sync(q: Quota, report: QuotaReport): QuotaAnswer {
    q.answer = this.#local.sync(q.key, report, this.#settings.policy);
    return q.answer;
  }

  /** The state of a quota changed: a waiting pump looks again. */
  #changed(q: Quota): void {
    q.pump?.abort();
  }

  /** The state of a request's quota; forgets idle quotas now and then, so memory stays bounded. */
  #quota(url: URL | undefined): Quota {
    const key = url === undefined ? '' : this.#settings.key(url);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator,UpdateOperator: how often idle quotas are swept is a cost, not a behaviour (a sweep never takes a quota in use)
    if (++this.#lookups % 1024 === 0) this.#forgetIdle();
    let q = this.#quotas.get(key);
    if (!q) {
      q = new Quota(key, this.#local.sync(key, NOTHING, this.#settings.policy));
      this.#quotas.set(key, q);
    }
    q.used = this.#clock.now();
    return q;
  }

  #forgetIdle(): void {
    const now = this.#clock.now();
    for (const [key, q] of this.#quotas) {
      if (q.waiting > 0) continue;
      // A quota's state lives in the local store (which keeps a hold and forgets by itself):
      // how long its Quota stays is a memory choice, which the heap tests bound.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: see above
      if (now - q.used > IDLE_SECONDS) this.#quotas.delete(key);
    }
  }

  #enqueue(q: Quota, signal: AbortSignal | undefined, limit: number): Promise<void> {
    const now = this.#clock.now();
    const s = q.answer.state;
    const gap = 1 / s.rate;
    // The turn this attempt would get at the current pace: refuse at once what comes too late.
    const turn = Math.max(s.until, s.last + gap) + gap * q.waiting;
    if (turn > limit) return Promise.reject(new AttemptRefused('retryTimeout', turn - now));
    return new Promise<void>((resolve, reject) => {
      q.add(new Waiter(q, resolve, reject, signal, this.#clock, limit));
      if (!q.running) void this.#run(q);
    });
  }

  /** Releases waiting attempts one by one, each at its slot and after any shared wait. */
  async #run(q: Quota): Promise<void> {
    const clock = this.#clock;
    const remote = this.#remote;
    q.running = true;
    while (q.waiting > 0) {
      const now = clock.now();
      // Slots handed out before a hold pass unused.
      // Stryker disable next-line EqualityOperator: a hold ending now leaves nothing to skip; dropping the slots only asks again
      if (q.answer.state.until > now) q.slots = 0;
      if (q.slots > 0 && q.slot <= now) {
        q.slots--;
        q.slot += q.gap;
        q.next().release();
        continue;
      }
      if (q.slots === 0) {
        const granted = remote
          ? await remote.take(q, q.waiting)
          : this.#sync(q, { observations: [], retries: 0, take: q.waiting });
        q.slot = granted.slot;
        q.slots = granted.slots;
        q.gap = granted.gap;
        // A slot due now is released at once (with none granted, `slot` is a future instant).
        if (q.slot <= clock.now()) continue;
      }
      const pump = new AbortController();
      q.pump = pump;
      await clock
        .sleep(Math.max(q.slot, q.answer.state.until) - clock.now(), pump.signal)
        .catch(() => {});
      q.pump = undefined;
    }
    q.slots = 0;
    q.running = false;
  }
}
