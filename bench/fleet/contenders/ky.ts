import { retryAfterMs, ruleContender } from './rule.js';

/**
 * ky 2.1.0 defaults, from `source/utils/normalize.ts` (`limit: 2`, `delay: n => 0.3 *
 * 2 ** (n - 1) * 1000`, no jitter, `backoffLimit` and `maxRetryAfter` Infinity) and
 * `source/core/Ky.ts` `#calculateRetryDelay`: statuses 408 413 429 500 502 503 504;
 * for 413/429/503 a `Retry-After` is waited exactly, never jittered.
 */
export const ky = ruleContender(
  'ky',
  'ky 2 (defaults)',
  'ky/source/core/Ky.ts, source/utils/normalize.ts',
  {
    statuses: [408, 413, 429, 500, 502, 503, 504],
    limit: 2,
    delayMs: ({ retry, headers, status }) => {
      const after = [413, 429, 503].includes(status) ? retryAfterMs(headers) : undefined;
      if (after !== undefined) return after;
      if (status === 413) return undefined;
      return 0.3 * 2 ** (retry - 1) * 1000;
    },
  },
  (base, cap) => ({
    statuses: [409],
    limit: Number.POSITIVE_INFINITY,
    delayMs: ({ retry }) => Math.min(cap, 2 ** (retry - 1) * base),
  }),
);
