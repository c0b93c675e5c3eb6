import type { Clock } from '../clock.js';
import { safeUrl } from '../retry/errors.js';
import { retry } from '../retry/retry.js';
import { checkKeys, checkNumber } from '../validate.js';
import { releaseBody } from './body.js';
import { isTransientError } from './classify.js';

/** Options of {@link retryGetWithBackoff}. */
export interface RetryGetOptions {
  /**
   * Tries in all, the first included.
   * @default 10
   */
  attempts?: number;
  /**
   * Seconds each try may wait for the response headers.
   * @default 10
   */
  requestTimeout?: number;
  /** Cancels the tries and the sleeps between them. */
  signal?: AbortSignal;
  /** @default systemClock */
  clock?: Clock;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * The seed's `retry_get_with_backoff` example, done right: GET `url` up to `attempts`
 * times, sleeping a decorrelated-jitter backoff (base 0.1 s, cap 90 s) between tries, and
 * return the first ok response, or the last response when none was ok. Network errors
 * and timeouts are retried too; when the last try failed without a response it throws
 * a `RetryError`. For budgets per status and the rest, use `Session`.
 *
 * @example
 * ```ts
 * const response = await retryGetWithBackoff('https://example.com/report', { attempts: 5 });
 * ```
 */
export async function retryGetWithBackoff(
  url: string | URL,
  options?: RetryGetOptions,
): Promise<Response> {
  const o = checkKeys('retryGetWithBackoff options', options, [
    'attempts',
    'requestTimeout',
    'signal',
    'clock',
    'fetch',
  ]);
  const attempts = checkNumber('attempts', o.attempts ?? 10, { min: 1, integer: true });
  const requestTimeout = checkNumber('requestTimeout', o.requestTimeout ?? 10, { min: 0 });
  const doFetch = (o.fetch as typeof fetch | undefined) ?? globalThis.fetch;
  return retry<Response>(({ signal }) => doFetch(url, { signal }), {
    retries: attempts - 1,
    retryTimeout: Number.POSITIVE_INFINITY,
    requestTimeout,
    jitter: 'decorrelated',
    description: `GET ${safeUrl(url)}`,
    classify: (outcome) => ({
      retry: outcome.ok ? !outcome.value.ok : isTransientError(outcome.error),
    }),
    discard: releaseBody,
    ...(o.signal ? { signal: o.signal as AbortSignal } : {}),
    ...(o.clock ? { clock: o.clock as Clock } : {}),
  });
}
