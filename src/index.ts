/**
 * orionclient: Orion Client Utilities for TypeScript. Runs wherever `fetch` does.
 * @module orionclient
 */
export {
  Backoff,
  type BackoffDict,
  type BackoffOptions,
  type SleepOptions,
} from './backoff/backoff.js';
export {
  type EarlyCap,
  type Jitter,
  type JitterName,
  type JitterParams,
  type JitterState,
  jitters,
} from './backoff/jitter.js';
export {
  Coordinator,
  type CoordinatorOptions,
  type CoordinatorState,
  type RateLimitOptions,
  type RetryBudgetOptions,
  type SharedRetryAfterOptions,
} from './fleet/coordinator.js';
export type {
  BudgetSettings,
  HoldSettings,
  LimitSettings,
  PolicySettings,
} from './fleet/settings.js';
export type { Observation, QuotaCounts, QuotaState } from './fleet/state.js';
export type { QuotaAnswer, QuotaReport, QuotaStore } from './fleet/store.js';
export type { BodyInit, BodySource } from './http/body.js';
export { type RetryGetOptions, retryGetWithBackoff } from './http/retry-get.js';
export {
  interactiveSession,
  nonInteractiveSession,
  Session,
  type SessionOptions,
  type SessionRequestInit,
} from './http/session.js';
export {
  type AttemptContext,
  AttemptRefused,
  type CoordinatedRequest,
  type Outcome,
  type RetryCoordinator,
  type RetryEvent,
  type RetryInfo,
  type Verdict,
} from './retry/contract.js';
export {
  type AttemptRecord,
  type DelaySource,
  type ErrorSummary,
  OrionError,
  RetryError,
  type RetryErrorInit,
} from './retry/errors.js';
export { type JitterSummary, type PlanOptions, plan, type RetryPlan } from './retry/plan.js';
export type {
  BackoffBounds,
  BackoffTable,
  Budget,
  EarlyCapEntry,
  EarlyCapTable,
  Policy,
  PolicyFields,
  RetryOptions,
  StopReason,
} from './retry/policy.js';
export { type ProfileName, profiles } from './retry/profiles.js';
export { defaultClassify, type RetryCallOptions, retry } from './retry/retry.js';
export {
  type HeadersLike,
  parseRetryAfter,
  parseRetryAfterValue,
  type RetryAfterHint,
  type RetryAfterOptions,
} from './retry/retry-after.js';
export { retryInfo } from './retry/retry-info.js';
export type { RetryAfterSpreadOptions } from './retry/spread.js';
export { type Clock, systemClock } from './time/clock.js';
export { VirtualClock, type VirtualClockOptions } from './time/virtual-clock.js';
