/**
 * `orionclient/utils`: the seed's `orionclient.utils` module.
 * @module
 */
export {
  Backoff,
  type BackoffDict,
  type BackoffOptions,
  type SleepOptions,
} from './backoff/backoff.js';
export { type RetryGetOptions, retryGetWithBackoff } from './http/retry-get.js';
