import { type Clock, systemClock } from '../clock.js';
import {
  checkBoolean,
  checkKeys,
  checkNumber,
  checkSection,
  checkStatus,
  show,
} from '../validate.js';
import type { RetryCoordinator, Verdict } from './retry.js';
import {
  COORDINATOR_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  type Spread,
  spreadKeys,
  spreadWidth,
} from './spread.js';

/**
 * Options of the shared `Retry-After` wait ({@link CoordinatorOptions.retryAfter}). Each
 * attempt held by a `Retry-After` of `s` seconds (server instant `T`) starts at a uniform
 * draw in `[T, T + w]`, never before `T`, with `w` from {@link spreadWidth} after the k-th
 * throttling response in a row (an accepted response resets k). Here the width grows
 * geometrically by default: `w = min(30, s · 1.5^(k − 1))`.
 */
export interface SharedRetryAfterOptions extends RetryAfterSpreadOptions {
  /**
   * Also hold every attempt for a `Retry-After` that arrives while the rate limit already
   * paces them. Off: the throttled request itself still waits its `Retry-After` in full,
   * the others keep the learned pace (which the limit lowers at once).
   * @default false
   */
  whilePacing?: boolean;
}

/** Options of the adaptive rate limit ({@link CoordinatorOptions.rateLimit}). */
export interface RateLimitOptions {
  /**
   * Statuses that mean "slow down": they turn the limit on and lower it. A retry after
   * one of them is paced by the limit and not charged to the retry budget.
   * @default [429, 503]
   */
  statuses?: readonly number[];
  /**
   * Lowest rate, requests per second (the pace of probes while a server is down).
   * @default 0.5
   */
  minRate?: number;
  /**
   * Growth factor per second of accepted responses while the rate is below the last rate
   * that was throttled (slow start). The rate grows only while attempts wait for it.
   * @default 1.6
   */
  growth?: number;
  /**
   * Above that rate the limit probes upward by this share of it per second of accepted
   * responses.
   * @default 0.005
   */
  probe?: number;
  /**
   * Multiplier applied to the rate when a throttling response arrives.
   * @default 0.9
   */
  decrease?: number;
  /**
   * Seconds after a decrease during which further throttling responses (from attempts
   * already under way) do not lower the rate again.
   * @default 1
   */
  cooldown?: number;
}

/** Options of the retry budget ({@link CoordinatorOptions.budget}). */
export interface RetryBudgetOptions {
  /**
   * Retries allowed per first attempt, over the window.
   * @default 0.1
   */
  ratio?: number;
  /**
   * Retries per second always allowed, so a quiet client can still retry.
   * @default 1
   */
  minPerSecond?: number;
  /**
   * Seconds of history the budget counts.
   * @default 10
   */
  window?: number;
}

/** Options of {@link Coordinator}. Each mechanism is on unless set to `false`. */
export interface CoordinatorOptions {
  /**
   * Where time, waiting and randomness come from (a `VirtualClock` in simulations).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * When one response says `Retry-After: s`, every attempt of the sharing requests waits
   * until that instant.
   * @default { spread: 1, slope: 0, growth: 1.5, maxSpread: 30, whilePacing: false }
   */
  retryAfter?: boolean | SharedRetryAfterOptions;
  /**
   * Adaptive client-side rate limit learned from throttling responses: off until the
   * first one, then attempts leave in order at a rate that backs off on throttling and
   * grows while the server accepts.
   * @default { statuses: [429, 503], minRate: 0.5, growth: 1.6, probe: 0.005, decrease: 0.9, cooldown: 1 }
   */
  rateLimit?: boolean | RateLimitOptions;
  /**
   * Retries of other failures (5xx, network errors, timeouts) are limited to a share of
   * the first attempts; a refused retry ends the request with reason `'budget'`.
   * @default { ratio: 0.1, minPerSecond: 1, window: 10 }
   */
  budget?: boolean | RetryBudgetOptions;
}

/** What a {@link Coordinator} currently believes, for logs and tests. */
export interface CoordinatorState {
  /** Requests per second the limit allows; `Infinity` while it is off. */
  readonly rate: number;
  /** Instant (clock seconds) before which no attempt starts. */
  readonly until: number;
  /** Attempts waiting for their turn. */
  readonly waiting: number;
  /** First attempts and budgeted retries counted in the budget's window. */
  readonly requests: number;
  readonly retries: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const keys = ['clock', 'retryAfter', 'rateLimit', 'budget'];

/**
 * Shared retry state for any number of requests and sessions: pass one instance as the
 * `coordinator` of several `Session`s (or `retry()` calls) and they wait out a server's
 * `Retry-After` together, pace themselves at a rate learned from 429s, and spend retries
 * of failures from one budget, so a fleet of requests does not turn an overload into a
 * collapse.
 *
 * @example
 * ```ts
 * const coordinator = new Coordinator();
 * const a = new Session({ coordinator });
 * const b = new Session({ coordinator, profile: 'interactive' });
 * ```
 */
export class Coordinator implements RetryCoordinator {
  readonly #clock: Clock;
  readonly #spread: Spread | undefined;
  readonly #whilePacing: boolean;
  readonly #limit: Required<RateLimitOptions> | undefined;
  readonly #budget: Required<RetryBudgetOptions> | undefined;

  #until = Number.NEGATIVE_INFINITY;
  #span = 0;
  #streak = 0;
  #rate = Number.POSITIVE_INFINITY;
  #threshold = Number.POSITIVE_INFINITY;
  #lastCut = Number.NEGATIVE_INFINITY;
  #lastRelease = Number.NEGATIVE_INFINITY;
  #accepted: number[] = [];
  #acceptedFrom = 0;
  #learning = Number.NEGATIVE_INFINITY;
  #queue: Waiter[] = [];
  #pump: AbortController | undefined;
  #requests: number[] = [];
  #retries: number[] = [];

  constructor(options?: CoordinatorOptions) {
    const o = checkKeys('Coordinator options', options, keys) as CoordinatorOptions;
    if (
      o.clock !== undefined &&
      (typeof o.clock !== 'object' || o.clock === null || typeof o.clock.sleep !== 'function')
    ) {
      throw new TypeError(`\`clock\` must be a Clock (now, sleep, random), got ${show(o.clock)}`);
    }
    this.#clock = o.clock ?? systemClock;
    const ra = checkSection('retryAfter', o.retryAfter, [...spreadKeys, 'whilePacing']) as
      | SharedRetryAfterOptions
      | false;
    const { whilePacing = false, ...spread } = ra || {};
    this.#spread = ra ? resolveSpread('retryAfter', spread, COORDINATOR_SPREAD) : undefined;
    this.#whilePacing = checkBoolean('retryAfter.whilePacing', whilePacing);
    this.#limit = rateLimitOptions(o.rateLimit);
    this.#budget = budgetOptions(o.budget);
  }

  /** What the coordinator currently believes. */
  get state(): CoordinatorState {
    this.#prune(this.#clock.now());
    return {
      rate: this.#rate,
      until: this.#until,
      waiting: this.#queue.length,
      requests: this.#requests.length,
      retries: this.#retries.length,
    };
  }

  /** Resolves when an attempt may start: after any shared `Retry-After`, at the learned pace. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    for (;;) {
      const wait = this.#until - this.#clock.now();
      // An attempt that arrives at about the instant itself (the throttled request, after
      // sleeping its own Retry-After, and a timer's lateness) is spread too.
      if (wait >= -(0.001 + 0.1 * this.#span)) {
        // Once the rate limit paces attempts, it spreads them already.
        const sp = this.#rate === Number.POSITIVE_INFINITY ? this.#spread : undefined;
        const width = sp ? spreadWidth(this.#span, this.#streak, sp) : 0;
        const target = this.#until;
        await this.#clock.sleep(Math.max(0, wait) + this.#clock.random() * width, signal);
        if (this.#until > target) continue;
      }
      if (this.#rate !== Number.POSITIVE_INFINITY || this.#queue.length > 0) {
        await this.#enqueue(signal);
      }
      return;
    }
  }

  /** Learns from an attempt's outcome. */
  record(verdict: Verdict, attempt: number): void {
    const now = this.#clock.now();
    if (attempt === 1 && this.#budget) this.#requests.push(now);
    const ra = verdict.retryAfter;
    if (this.#spread && verdict.retry && ra !== undefined) {
      this.#streak++;
      const pacing = this.#rate !== Number.POSITIVE_INFINITY && !this.#whilePacing;
      if (!pacing && now + ra > this.#until) {
        this.#until = now + ra;
        this.#span = ra;
        this.#restartPump();
      }
    } else if (!verdict.retry && verdict.status !== undefined) {
      this.#streak = 0;
    }
    const limit = this.#limit;
    if (!limit) return;
    const throttled = verdict.status !== undefined && limit.statuses.includes(verdict.status);
    // A Retry-After with no evidence yet of the server's rate is left to the shared wait.
    if (
      throttled &&
      this.#rate === Number.POSITIVE_INFINITY &&
      ra !== undefined &&
      this.#admitted(now) === 0
    ) {
      return;
    }
    if (!throttled) {
      if (verdict.status === undefined) return;
      this.#accepted.push(now);
      if (now < this.#learning) this.#rate = Math.max(this.#rate, this.#admitted(now));
      else this.#grow();
      return;
    }
    this.#throttled(now, limit);
  }

  /**
   * Whether one more retry may be spent. Retries after a throttling status are paced by
   * the rate limit instead; other retries spend the budget.
   */
  allowRetry(verdict?: Verdict): boolean {
    const budget = this.#budget;
    if (!budget) return true;
    const status = verdict?.status;
    if (this.#limit && status !== undefined && this.#limit.statuses.includes(status)) return true;
    const now = this.#clock.now();
    this.#prune(now);
    const allowed = budget.ratio * this.#requests.length + budget.minPerSecond * budget.window;
    if (this.#retries.length + 1 > allowed) return false;
    this.#retries.push(now);
    return true;
  }

  #throttled(now: number, limit: Required<RateLimitOptions>): void {
    const admitted = this.#admitted(now);
    if (this.#rate === Number.POSITIVE_INFINITY) {
      // The first throttle: start at what the server just accepted, and keep raising that
      // start while the rest of the first wave's answers come in.
      this.#rate = Math.max(limit.minRate, admitted);
      this.#learning = now + limit.cooldown;
    } else if (now - this.#lastCut >= limit.cooldown) {
      if (admitted > 0) {
        // Throttled, the server accepts about its rate: aim there, back off below it.
        this.#rate = Math.max(limit.minRate, Math.min(this.#rate * limit.decrease, admitted));
        this.#threshold = Math.max(this.#rate, admitted);
      } else {
        // Nothing gets through (an outage): halve, and remember the last good rate so
        // that recovery climbs back to it quickly.
        this.#rate = Math.max(limit.minRate, this.#rate / 2);
      }
    } else {
      return;
    }
    this.#lastCut = now;
    this.#restartPump();
  }

  /** Accepted responses in the last second: while throttled, about the server's rate. */
  #admitted(now: number): number {
    const list = this.#accepted;
    while (this.#acceptedFrom < list.length && list[this.#acceptedFrom]! < now - 1) {
      this.#acceptedFrom++;
    }
    if (this.#acceptedFrom > 1024) {
      this.#accepted = list.slice(this.#acceptedFrom);
      this.#acceptedFrom = 0;
    }
    return this.#accepted.length - this.#acceptedFrom;
  }

  /**
   * Raises the rate for one accepted response while attempts wait for it (so an idle
   * session or a server that accepts nothing never grows it): by `growth` per second's
   * worth of responses below the threshold (slow start), by `probe` of the threshold
   * per second above it.
   */
  #grow(): void {
    const limit = this.#limit;
    const rate = this.#rate;
    if (!limit || rate === Number.POSITIVE_INFINITY || this.#queue.length === 0) return;
    this.#rate =
      rate < this.#threshold
        ? Math.min(this.#threshold, rate * limit.growth ** (1 / rate))
        : rate + (limit.probe * this.#threshold) / rate;
    // The next slot comes sooner now.
    this.#pump?.abort();
  }

  #enqueue(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      if (!this.#pump) void this.#run();
    });
  }

  #restartPump(): void {
    this.#pump?.abort();
  }

  /** Releases waiting attempts one by one, each at its slot and after any shared wait. */
  async #run(): Promise<void> {
    while (this.#queue.length > 0) {
      const now = this.#clock.now();
      const gap = this.#rate === Number.POSITIVE_INFINITY ? 0 : 1 / this.#rate;
      const at = Math.max(this.#until, this.#lastRelease + gap);
      if (at <= now) {
        const waiter = this.#queue.shift()!;
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        this.#lastRelease = now;
        waiter.resolve();
        continue;
      }
      const pump = new AbortController();
      this.#pump = pump;
      await this.#clock.sleep(at - now, pump.signal).catch(() => {});
    }
    this.#pump = undefined;
  }

  #prune(now: number): void {
    const budget = this.#budget;
    if (!budget) return;
    const from = now - budget.window;
    for (const list of [this.#requests, this.#retries]) {
      let i = 0;
      while (i < list.length && list[i]! <= from) i++;
      if (i > 0) list.splice(0, i);
    }
  }
}

function rateLimitOptions(value: unknown): Required<RateLimitOptions> | undefined {
  const o = checkSection('rateLimit', value, [
    'statuses',
    'minRate',
    'growth',
    'probe',
    'decrease',
    'cooldown',
  ]) as RateLimitOptions | false;
  if (!o) return undefined;
  const statuses = o.statuses ?? [429, 503];
  if (!Array.isArray(statuses)) {
    throw new TypeError(
      `\`rateLimit.statuses\` must be an array of status codes, got ${show(statuses)}`,
    );
  }
  return {
    statuses: statuses.map((s, i) => checkStatus(`rateLimit.statuses[${i}]`, s)),
    minRate: checkNumber('rateLimit.minRate', o.minRate ?? 0.5, { min: Number.MIN_VALUE }),
    growth: checkNumber('rateLimit.growth', o.growth ?? 1.6, { min: 1 }),
    probe: checkNumber('rateLimit.probe', o.probe ?? 0.005, { min: 0 }),
    decrease: checkNumber('rateLimit.decrease', o.decrease ?? 0.9, { min: 0.01, max: 1 }),
    cooldown: checkNumber('rateLimit.cooldown', o.cooldown ?? 1, { min: 0 }),
  };
}

function budgetOptions(value: unknown): Required<RetryBudgetOptions> | undefined {
  const o = checkSection('budget', value, ['ratio', 'minPerSecond', 'window']) as
    | RetryBudgetOptions
    | false;
  if (!o) return undefined;
  return {
    ratio: checkNumber('budget.ratio', o.ratio ?? 0.1, { min: 0 }),
    minPerSecond: checkNumber('budget.minPerSecond', o.minPerSecond ?? 1, { min: 0 }),
    window: checkNumber('budget.window', o.window ?? 10, { min: Number.MIN_VALUE }),
  };
}
