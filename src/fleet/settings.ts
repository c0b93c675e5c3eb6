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

/** The adaptive rate limit (option `rateLimit`); see `RateLimitOptions` for each field. */
export interface LimitSettings {
  readonly statuses: readonly number[];
  readonly minRate: number;
  readonly growth: number;
  readonly probe: number;
  readonly decrease: number;
  readonly cooldown: number;
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
