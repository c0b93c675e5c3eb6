import { retryAfterMs, ruleContender } from './rule.js';

/**
 * undici 8.13.1 `RetryAgent` defaults, from `lib/handler/retry-handler.js`
 * (`[kRetryHandlerDefaultRetry]` and the constructor): `maxRetries: 5`, statuses 500 502
 * 503 504 429, `minTimeout: 500`, `timeoutFactor: 2`, `maxTimeout: 30000`, no jitter;
 * `Retry-After` waited, clamped to `maxTimeout`.
 */
export const undici = ruleContender(
  'undici',
  'undici 8 RetryAgent (defaults)',
  'undici/lib/handler/retry-handler.js',
  {
    statuses: [500, 502, 503, 504, 429],
    limit: 5,
    delayMs: ({ retry, headers }) => {
      const after = retryAfterMs(headers);
      if (after === 0) return 0;
      if (after !== undefined) return Math.min(after, 30_000);
      return Math.min(500 * 2 ** (retry - 1), 30_000);
    },
  },
  (base, cap) => ({
    statuses: [409],
    limit: Number.POSITIVE_INFINITY,
    delayMs: ({ retry }) => Math.min(base * 2 ** (retry - 1), cap),
  }),
);
