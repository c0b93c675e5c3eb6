/**
 * `orionclient/utils`: the original Python API's `orionclient.utils` module, in TypeScript.
 * Node.js only: `TemporaryPath` needs `node:fs`. `Backoff` and `retryGetWithBackoff` are
 * also exported by the main entry, `orionclient`, which runs wherever `fetch` does.
 * @module orionclient/utils
 */
export {
  Backoff,
  type BackoffDict,
  type BackoffOptions,
  type SleepOptions,
} from './backoff/backoff.js';
export {
  TemporaryPath,
  type TemporaryPathOptions,
  withTemporaryPath,
} from './fs/temporary-path.js';
export { type RetryGetOptions, retryGetWithBackoff } from './http/retry-get.js';
