import { redactUrl, safeUrl } from '../retry/errors.js';
import { retry } from '../retry/retry.js';
import type { Clock } from '../time/clock.js';
import { checkKeys, checkNumber, show } from '../validate.js';
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
  /**
   * Cancels the tries and the sleeps between them.
   * @default `undefined`: only `attempts` ends the tries
   */
  signal?: AbortSignal;
  /**
   * Where time, sleeping and randomness come from (a `VirtualClock` in tests).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The `fetch` to call, e.g. one bound to an undici dispatcher.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
}

/**
 * The original API's `retry_get_with_backoff` example, done right: GET `url` up to `attempts`
 * times, sleeping a decorrelated-jitter backoff (base 0.1 s, cap 90 s) between tries, and
 * return the first ok response, or the last response when none was ok. Network errors
 * and timeouts are retried too; when the last try failed without a response it throws
 * a `RetryError`. For budgets per status and the rest, use `Session`.
 *
 * @example
 * ```ts
 * import { retryGetWithBackoff } from 'orionclient/utils';
 *
 * const response = await retryGetWithBackoff('https://api.example.com/v1/report', { attempts: 5 });
 * console.log(response.ok);
 * ```
 */
export async function retryGetWithBackoff(
  url: string | URL,
  options?: RetryGetOptions,
): Promise<Response> {
  checkUrl(url);
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

/** An absolute http(s) URL without `user:password@`; the message never shows a credential or a query. */
function checkUrl(url: unknown): void {
  if (typeof url !== 'string' && !(url instanceof URL)) {
    throw new TypeError(`\`url\` must be a string or a URL, got ${show(url)} (${typeof url})`);
  }
  const text = String(url);
  if (!URL.canParse(text)) {
    throw new TypeError(`\`url\` must be an absolute URL, got ${show(redactUrl(text))}`);
  }
  const parsed = new URL(text);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`\`url\` must be an http: or https: URL, got ${show(parsed.protocol)}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError(
      `\`url\` must not contain credentials (user:password@), got ${safeUrl(parsed)}`,
    );
  }
}
