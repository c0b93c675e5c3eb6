/**
 * orionclient: Orion Client Utilities for TypeScript.
 * @module orionclient
 */
export {
  Backoff,
  type BackoffDict,
  type BackoffOptions,
  type SleepOptions,
} from './backoff/backoff.js';
export {
  capAt,
  centered,
  decorrelated,
  type EarlyCap,
  equal,
  exponentialDelay,
  full,
  initialJitterState,
  type Jitter,
  type JitterName,
  type JitterParams,
  type JitterState,
  jitterNames,
  jitters,
  nextJitterState,
  none,
} from './backoff/jitter.js';
export { type Clock, systemClock } from './clock.js';
export { type BodyInit, type BodySource, isReplayable, releaseBody } from './http/body.js';
export {
  classifyHttp,
  IDEMPOTENT_METHODS,
  isTransientError,
  type RequestTraits,
} from './http/classify.js';
export { type ProfileName, profiles } from './http/profiles.js';
export { type RetryGetOptions, retryGetWithBackoff } from './http/retry-get.js';
export {
  interactiveSession,
  nonInteractiveSession,
  SENSITIVE_HEADERS,
  Session,
  type SessionOptions,
  type SessionRequestInit,
} from './http/session.js';
export {
  AttemptRefused,
  type CoordinatedRequest,
  type Outcome,
  type RetryCoordinator,
  type Verdict,
} from './retry/contract.js';
export {
  Coordinator,
  type CoordinatorOptions,
  type CoordinatorState,
  type RateLimitOptions,
  type RetryBudgetOptions,
  type SharedRetryAfterOptions,
} from './retry/coordinator.js';
export {
  type AttemptRecord,
  type DelaySource,
  type ErrorSummary,
  OrionError,
  RetryError,
  type RetryErrorInit,
} from './retry/errors.js';
export { type JitterSummary, type PlanOptions, plan, type RetryPlan } from './retry/plan.js';
export {
  type Budget,
  budgetFor,
  type RetryOptions,
  resolveRetryOptions,
  type StopReason,
  stopReason,
} from './retry/policy.js';
export {
  type AttemptContext,
  defaultClassify,
  type RetryCallOptions,
  type RetryEvent,
  type RetryInfo,
  retry,
  retryInfo,
} from './retry/retry.js';
export {
  DEFAULT_MAX_RETRY_AFTER,
  type HeadersLike,
  parseRetryAfter,
  parseRetryAfterValue,
  type RetryAfterHint,
  type RetryAfterOptions,
} from './retry/retry-after.js';
export {
  COORDINATOR_SPREAD,
  RETRY_SPREAD,
  type RetryAfterSpreadOptions,
  spreadWidth,
} from './retry/spread.js';
export { VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
