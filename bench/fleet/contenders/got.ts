import { retryAfterMs, ruleContender } from './rule.js';

/**
 * got 16.1.0 defaults, from `source/core/calculate-retry-delay.ts` and the `retry`
 * defaults in `source/core/options.ts`: `limit: 2`; statuses 408 413 429 500 502 503 504
 * 521 522 524; `Retry-After` waited exactly (`maxRetryAfter` undefined, so no cap);
 * otherwise `min(2 ** (n - 1) * 1000, backoffLimit = Infinity) + noise`, noise uniform in
 * [0, 100) ms.
 */
export const got = ruleContender(
  'got',
  'got 16 (defaults)',
  'got/source/core/calculate-retry-delay.ts',
  {
    statuses: [408, 413, 429, 500, 502, 503, 504, 521, 522, 524],
    limit: 2,
    delayMs: ({ retry, headers, status, random }) => {
      const after = retryAfterMs(headers);
      if (after !== undefined) return Math.max(1, after);
      if (status === 413) return undefined;
      return Math.max(1, 2 ** (retry - 1) * 1000 + random() * 100);
    },
  },
  (base, cap) => ({
    statuses: [409],
    limit: Number.POSITIVE_INFINITY,
    delayMs: ({ retry, random }) => Math.min(2 ** (retry - 1) * base, cap) + random() * base * 0.1,
  }),
);
