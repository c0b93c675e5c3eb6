import { retryAfterMs, ruleContender } from './rule.js';

/**
 * axios-retry 4.5.0 defaults, from `src/index.ts`: `retries: 3`,
 * `retryCondition: isNetworkOrIdempotentRequestError` (429 and 5xx on idempotent
 * methods), `retryDelay: noDelay`, which waits `Retry-After` when present (no cap) and
 * otherwise retries at once.
 */
export const axiosRetry = ruleContender(
  'axios-retry',
  'axios-retry 4 (defaults)',
  'axios-retry/src/index.ts',
  {
    statuses: [429, ...Array.from({ length: 100 }, (_, i) => 500 + i)],
    limit: 3,
    delayMs: ({ headers }) => Math.max(0, retryAfterMs(headers) ?? 0),
  },
  () => ({ statuses: [409], limit: Number.POSITIVE_INFINITY, delayMs: () => 0 }),
);
