/**
 * The policy's settings, checked and complete: plain data that the policy reads and that a
 * store receives with every call (a remote store passes it on to its scripts).
 */
import type { Spread } from '../retry/spread.js';

/** The shared wait (option `retryAfter`). */
export interface HoldSettings {
  readonly spread: Spread | undefined;
  readonly whilePacing: boolean;
  readonly maxHold: number;
}

/**
 * The adaptive rate limit (option `rateLimit`); see `RateLimitOptions` for the fields named
 * after an option. The others follow from them.
 */
export interface LimitSettings {
  readonly statuses: readonly number[];
  readonly minRate: number;
  readonly growth: number;
  readonly probe: number;
  readonly decrease: number;
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
  /**
   * A cut finds the last ceiling again when the new one is within this ratio of it either
   * way: 0.9 (from 0.9 to 1.11 times it); that ceiling then holds until the next cut.
   */
  readonly confirmBand: number;
}

/** The retry budget (option `budget`); see `RetryBudgetOptions` for each field. */
export interface BudgetSettings {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly window: number;
}

/** Every mechanism of the policy; `undefined` for one that is off. */
export interface PolicySettings {
  readonly hold: HoldSettings | undefined;
  readonly limit: LimitSettings | undefined;
  readonly budget: BudgetSettings | undefined;
}
