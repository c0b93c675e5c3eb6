import {
  exponentialDelay,
  initialJitterState,
  jitters,
  nextJitterState,
} from '../backoff/jitter.js';
import type { ProfileName } from '../http/profiles.js';
import { checkKeys, checkNumber, checkStatus } from '../validate.js';
import { VirtualClock } from '../virtual-clock.js';
import {
  type Budget,
  budgetFor,
  type RetryOptions,
  retryOptionKeys,
  type StopReason,
  stopReason,
} from './policy.js';
import { resolvePolicy } from './retry.js';

/** Options of {@link plan}: a status, a profile, and any policy field to override. */
export interface PlanOptions extends Partial<RetryOptions> {
  /**
   * The failing status to plan for; `null` for a network error or timeout.
   * @default 503
   */
  status?: number | null;
  /**
   * The profile the overrides apply to.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /**
   * How many jittered schedules to draw for the percentiles; 0 for none.
   * @default 0
   */
  samples?: number;
  /**
   * Seed of the sampling.
   * @default 1
   */
  seed?: number;
}

/** Percentiles of the jittered total wait, in seconds. */
export interface JitterSummary {
  readonly samples: number;
  readonly p5: number;
  readonly median: number;
  readonly p95: number;
  readonly mean: number;
}

/** The nominal retry schedule of one failing status. */
export interface RetryPlan {
  /** The planned status, or `undefined` for a network error. */
  readonly status: number | undefined;
  /** Retries made before stopping. */
  readonly retries: number;
  /** The sleep before each retry: `min(cap, base * 2 ** n)` for the n-th (or the early cap's). */
  readonly delays: readonly number[];
  /** When each retry starts, from the first attempt (attempts taken as instant). */
  readonly cumulative: readonly number[];
  /** The sum of the sleeps. */
  readonly total: number;
  /** Why the schedule ends: the status's retry count or the `retryTimeout`. */
  readonly stop: StopReason;
  /** The budget that applied. */
  readonly limit: number;
  readonly retryTimeout: number;
  /** Present when `samples > 0`: the distribution of the total under the policy's jitter. */
  readonly jittered?: JitterSummary;
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/**
 * The nominal schedule for a status under a policy, with the seed's arithmetic: the
 * n-th retry sleeps `min(cap, base * 2 ** n)` (with the status's `earlyCap` in place of
 * `cap` for its first retries), and retries go on while the budget has some left and the
 * time since the first attempt is under `retryTimeout`.
 *
 * @example
 * ```ts
 * plan().total;                                                   // 192.2 (10 retries of a 503)
 * plan({ status: 404 }).total;                                    // 51
 * plan({ status: 429 }).total;                                    // 3342.2 (45 retries)
 * plan({ status: 429, retryTimeout: 300 }).retries;               // 12, "rounding up"
 * ```
 */
export function plan(options?: PlanOptions): RetryPlan {
  const o = checkKeys('plan options', options, [
    ...retryOptionKeys,
    'status',
    'profile',
    'samples',
    'seed',
  ]);
  const status =
    o.status === undefined ? 503 : o.status === null ? undefined : checkStatus('status', o.status);
  const { status: _s, samples: _n, seed: _seed, ...rest } = o;
  // The same reading of `profile` as Session and retry(): a name, or a (partial) policy.
  const policy = resolvePolicy(rest as Partial<RetryOptions>, 'plan options');
  const samples = checkNumber('samples', o.samples === undefined ? 0 : o.samples, {
    min: 0,
    integer: true,
  });
  // Checked even when no samples are drawn: a bad option is a bad option.
  const seed = checkNumber('seed', o.seed === undefined ? 1 : o.seed, { integer: true });
  const budget = budgetFor(policy, status);
  if (
    budget &&
    budget.limit === Number.POSITIVE_INFINITY &&
    policy.retryTimeout === Number.POSITIVE_INFINITY
  ) {
    throw new RangeError(
      '`retries` and `retryTimeout` cannot both be Infinity: the schedule would never end',
    );
  }
  if (!budget) {
    return {
      status,
      retries: 0,
      delays: [],
      cumulative: [],
      total: 0,
      stop: 'notRetryable',
      limit: 0,
      retryTimeout: policy.retryTimeout,
    };
  }
  const nominal = schedule(policy, budget, (n) => exponentialDelay(n, budget.params));
  const result: RetryPlan = {
    status,
    retries: nominal.delays.length,
    delays: nominal.delays.map(round),
    cumulative: nominal.starts.map(round),
    total: round(nominal.total),
    stop: nominal.stop,
    limit: budget.limit,
    retryTimeout: policy.retryTimeout,
  };
  if (samples === 0) return result;
  const clock = new VirtualClock({ seed, auto: false });
  const totals = Array.from({ length: samples }, () => {
    let state = initialJitterState(budget.params);
    return schedule(policy, budget, () => {
      const delay = jitters[policy.jitter](state, budget.params, () => clock.random());
      state = nextJitterState(state, delay);
      return delay;
    }).total;
  }).sort((a, b) => a - b);
  const at = (q: number) => round(totals[Math.min(samples - 1, Math.floor(q * samples))]!);
  const mean = round(totals.reduce((a, b) => a + b, 0) / samples);
  return { ...result, jittered: { samples, p5: at(0.05), median: at(0.5), p95: at(0.95), mean } };
}

function schedule(policy: RetryOptions, budget: Budget, delayOf: (retry: number) => number) {
  const delays: number[] = [];
  const starts: number[] = [];
  let total = 0;
  for (;;) {
    const stop = stopReason(delays.length, budget.limit, total, policy.retryTimeout);
    if (stop) return { delays, starts, total, stop };
    const delay = delayOf(delays.length + 1);
    delays.push(delay);
    total += delay;
    starts.push(total);
  }
}
