import { ruleContender } from './rule.js';

/**
 * fetch-retry 6.0.0 defaults, from `index.js`: `retries: 3`, `retryDelay: 1000`,
 * `retryOn: []`, so only network errors are retried and a 429 or 503 is returned as it is.
 */
export const fetchRetry = ruleContender(
  'fetch-retry',
  'fetch-retry 6 (defaults)',
  'fetch-retry/index.js',
  { statuses: [], limit: 3, delayMs: () => 1000 },
  () => ({ statuses: [409], limit: Number.POSITIVE_INFINITY, delayMs: () => 1000 }),
);
