import { exponentialDelay, JitterCursor } from '../backoff/jitter.js';
import { seededRandom } from '../time/prng.js';
import { checkKeys, checkNumber, checkStatus } from '../validate.js';
import {
  type Budget,
  type Policy,
  type RetryOptions,
  retryOptionNames,
  type StopReason,
  stopReason,
} from './policy.js';
import type { ProfileName } from './profiles.js';
import { callPolicy } from './retry.js';

/** Options of {@link plan}: a status, a profile, and any policy field to override. */
export interface PlanOptions extends RetryOptions {
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
   * How many jittered schedules to draw for the percentiles; 0 for none. At most
   * 1,000,000, and at most 10,000,000 sleeps drawn in all (`samples` × the retries of a
   * schedule), which takes about a second; more is a `RangeError`.
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
  /** How many jittered schedules were drawn. */
  readonly samples: number;
  /** Seconds: the 5th percentile of the total wait. */
  readonly p5: number;
  /** Seconds: the median total wait. */
  readonly median: number;
  /** Seconds: the 95th percentile of the total wait. */
  readonly p95: number;
  /** Seconds: the mean total wait. */
  readonly mean: number;
}

/** The nominal retry schedule of one failing status. */
export interface RetryPlan {
  /** The planned status, or `undefined` for a network error. */
  readonly status: number | undefined;
  /** Retries made before stopping. */
  readonly retries: number;
  /**
   * Seconds: the sleep before each retry, `min(cap, base * 2 ** n)` for the n-th (the early
   * cap in place of `cap` for the first ones, when the status has one).
   */
  readonly delays: readonly number[];
  /** Seconds: when each retry starts, from the first attempt (attempts taken as instant). */
  readonly cumulative: readonly number[];
  /** Seconds: the sum of the sleeps. */
  readonly total: number;
  /** Why the schedule ends: the status's retry count or the `retryTimeout`. */
  readonly stop: StopReason;
  /** The budget that applied. */
  readonly limit: number;
  /** Seconds: the policy's `retryTimeout`, after which no retry is scheduled. */
  readonly retryTimeout: number;
  /** Present when `samples > 0`: the distribution of the total under the policy's jitter. */
  readonly jittered?: JitterSummary;
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/**
 * The most that {@link plan} computes, so that no option makes it run for minutes:
 * `retries` planned retries in one schedule, `samples` jittered schedules, and `sleeps`
 * sleeps drawn for all the samples together (about a second of work).
 */
export const PLAN_LIMITS = Object.freeze({
  retries: 100_000,
  samples: 1_000_000,
  sleeps: 10_000_000,
});

/** `100,000`; `Infinity` as itself. */
const count = (n: number) => (Number.isFinite(n) ? n.toLocaleString('en-US') : String(n));

/**
 * The nominal schedule for a status under a policy, with the original API's arithmetic: the
 * n-th retry sleeps `min(cap, base * 2 ** n)` (with the status's `earlyCap` in place of
 * `cap` for its first retries), and retries go on while the budget has some left and the
 * time since the first attempt is under `retryTimeout`. A schedule of more than 100,000
 * retries (a large or `Infinity` budget whose sleeps do not reach `retryTimeout` sooner) is
 * a `RangeError` naming the budget.
 *
 * @example
 * ```ts
 * import { plan } from 'orionclient';
 *
 * plan().total;                                                   // 192.2 (10 retries of a 503)
 * plan({ status: 404 }).total;                                    // 51
 * plan({ status: 429 }).total;                                    // 3342.2 (45 retries)
 * plan({ status: 429, retryTimeout: 300 }).retries;               // 12, "rounding up"
 * ```
 */
export function plan(options?: PlanOptions): RetryPlan {
  const o = checkKeys('plan options', options, [
    ...retryOptionNames,
    'status',
    'profile',
    'samples',
    'seed',
  ]);
  const status =
    o.status === undefined ? 503 : o.status === null ? undefined : checkStatus('status', o.status);
  const { status: _s, samples: _n, seed: _seed, ...rest } = o;
  // The same reading of `profile` as Session and retry(): a name, or a (partial) policy.
  const policy = callPolicy(rest as RetryOptions, 'plan options');
  const samples = checkNumber('samples', o.samples === undefined ? 0 : o.samples, {
    min: 0,
    max: PLAN_LIMITS.samples,
    integer: true,
  });
  // Checked even when no samples are drawn: a bad option is a bad option.
  const seed = checkNumber('seed', o.seed === undefined ? 1 : o.seed, { integer: true });
  const budget = policy.budget(status);
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
  if (samples * nominal.delays.length > PLAN_LIMITS.sleeps) {
    throw new RangeError(
      `\`samples\` must be at most ${count(Math.floor(PLAN_LIMITS.sleeps / nominal.delays.length))} for a schedule of ${count(nominal.delays.length)} retries (at most ${count(PLAN_LIMITS.sleeps)} sleeps drawn in all), got ${count(samples)}`,
    );
  }
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
  const random = seededRandom(seed);
  const { jitter } = budget;
  // A jitter that draws below the doubling value may need more retries than the nominal
  // schedule to reach `retryTimeout`.
  let drawn = 0;
  const totals = Array.from({ length: samples }, () => {
    const cursor = new JitterCursor(budget.params);
    return schedule(
      policy,
      budget,
      () => {
        if (++drawn > PLAN_LIMITS.sleeps) {
          throw new RangeError(
            `\`samples\` × retries must be at most ${count(PLAN_LIMITS.sleeps)} sleeps drawn in all, and ${count(samples)} jittered schedules need more; lower \`samples\``,
          );
        }
        return cursor.draw(jitter, random);
      },
      false,
    ).total;
  }).sort((a, b) => a - b);
  const at = (q: number) => round(totals[Math.min(samples - 1, Math.floor(q * samples))]!);
  const mean = round(totals.reduce((a, b) => a + b, 0) / samples);
  return { ...result, jittered: { samples, p5: at(0.05), median: at(0.5), p95: at(0.95), mean } };
}

/** A schedule's sleeps; `keep: false` counts them and sums them without keeping them. */
function schedule(policy: Policy, budget: Budget, delayOf: (retry: number) => number, keep = true) {
  const delays: number[] = [];
  const starts: number[] = [];
  let total = 0;
  for (let n = 0; ; n++) {
    const stop = stopReason(n, budget.limit, total, policy.retryTimeout);
    if (stop) return { delays, starts, total, stop };
    if (n === PLAN_LIMITS.retries) throw tooManyRetries(policy, budget, total);
    const delay = delayOf(n + 1);
    total += delay;
    if (keep) {
      delays.push(delay);
      starts.push(total);
    }
  }
}

/** Why a schedule is refused past {@link PLAN_LIMITS}`.retries`, naming the budget that allows it. */
function tooManyRetries(policy: Policy, budget: Budget, total: number): RangeError {
  const name = budget.key === 'transient' ? 'retries' : `retriesByStatus[${budget.key}]`;
  return new RangeError(
    `\`${name}\` must be at most ${count(PLAN_LIMITS.retries)} in plan() unless \`retryTimeout\` ends the schedule sooner, got ${count(budget.limit)} (${count(PLAN_LIMITS.retries)} retries sleep ${round(total)} s in all, and \`retryTimeout\` is ${count(policy.retryTimeout)} s)`,
  );
}
