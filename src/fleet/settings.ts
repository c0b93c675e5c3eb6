/**
 * The policy's settings, checked and complete: plain data that the policy reads and that a
 * store receives with every call (a remote store passes it on to its scripts).
 */
import type { Spread } from '../retry/spread.js';

/** The shared wait (option `retryAfter`). */
export interface HoldSettings {
  /** The spread above a hold's instant (`retryAfter`'s spread fields); `undefined`: none. */
  readonly spread: Spread | undefined;
  /** `retryAfter.whilePacing`: hold every attempt also while the rate limit paces them. */
  readonly whilePacing: boolean;
  /** `retryAfter.maxHold`: longest shared hold, in seconds. */
  readonly maxHold: number;
}

/**
 * The adaptive rate limit (option `rateLimit`); see `RateLimitOptions` for the fields named
 * after an option. The others follow from them.
 */
export interface LimitSettings {
  /** `rateLimit.statuses`: statuses that mean "slow down". */
  readonly statuses: readonly number[];
  /** `rateLimit.minRate`: lowest rate, requests per second. */
  readonly minRate: number;
  /** `rateLimit.growth`: growth factor per second of accepted responses below the ceiling. */
  readonly growth: number;
  /** `rateLimit.probe`: share of the ceiling added per second of accepted responses above it. */
  readonly probe: number;
  /** `rateLimit.decrease`: multiplier of the rate at a throttle. */
  readonly decrease: number;
  /** `rateLimit.cooldown`: seconds after a cut during which throttles do not cut again. */
  readonly cooldown: number;
  /**
   * Growth factor per second of accepted responses while no ceiling holds and the server
   * was last seen accepting: `growth³` (×4.1 per second by default), since nothing yet
   * tells how far the server's rate is.
   */
  readonly startGrowth: number;
  /** Lowest share of the rate that one cut keeps: 0.5 (a cut at most halves the rate). */
  readonly deepestCut: number;
  /** Seconds a ceiling holds unless the next cut finds it again: 2. */
  readonly ceilingHold: number;
  /** Seconds a ceiling that a cut found again holds after that cut: 10. */
  readonly confirmedHold: number;
  /**
   * A cut finds the last ceiling again when the new one is within this ratio of it either
   * way: 0.9 (from 0.9 to 1.11 times it); that ceiling then holds `confirmedHold` seconds.
   */
  readonly confirmBand: number;
}

/** The retry budget (option `budget`); see `RetryBudgetOptions` for each field. */
export interface BudgetSettings {
  /** `budget.ratio`: retries allowed per first attempt over the window. */
  readonly ratio: number;
  /** `budget.minPerSecond`: retries per second always allowed. */
  readonly minPerSecond: number;
  /** `budget.window`: seconds of history the budget counts. */
  readonly window: number;
}

/** Every mechanism of the policy; `undefined` for one that is off. */
export interface PolicySettings {
  /** The shared `Retry-After` wait. */
  readonly hold: HoldSettings | undefined;
  /** The adaptive rate limit. */
  readonly limit: LimitSettings | undefined;
  /** The retry budget. */
  readonly budget: BudgetSettings | undefined;
}
