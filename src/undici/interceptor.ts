/** `retry()`: this library's retry policy as an undici interceptor. */
import type { Dispatcher } from 'undici';
import { Exchange } from './exchange.js';
import { type RetryInterceptorOptions, resolveInterceptorOptions } from './options.js';

/**
 * An undici interceptor, as `dispatcher.compose()` takes it: given the dispatch function
 * below it, it returns the one above. Its type is generic rather than undici's own
 * `DispatcherComposeInterceptor`, so that it composes with undici 7 and 8 alike (their
 * handler types differ in members this interceptor never calls).
 *
 * @typeParam D - the `dispatch` function of the caller's undici, taken and returned as it is
 */
export type RetryInterceptor = <D extends (options: never, handler: never) => boolean>(
  dispatch: D,
) => D;

/**
 * An undici interceptor that retries the way a `Session` does, for `dispatcher.compose()`:
 * the same profiles, per-status budgets and `retryTimeout` rule, `Retry-After` as a
 * minimum with the spread above it, `POST` and `PATCH` resent only when that is safe, a
 * per-attempt `requestTimeout` to the response headers, a `Coordinator`, `onRetry` and the
 * `orionclient:retry` diagnostics channel. A `GET` body that breaks off is resumed with
 * `Range` + `If-Range` when the first response had a strong validator.
 *
 * A request that never got a response fails with a `RetryError`; the caller's `signal`
 * (of `request`, `stream` or `fetch`) cancels at once, a backoff sleep included. The
 * history is `retryInfo(data.context)` for `request` and `stream`.
 *
 * @example
 * ```ts
 * import { Agent, request } from 'undici';
 * import { retry } from 'orionclient/undici';
 *
 * const dispatcher = new Agent().compose(retry({ profile: 'interactive' }));
 * const { statusCode, body } = await request('https://api.example.com/jobs/42', { dispatcher });
 * ```
 */
export function retry(options?: RetryInterceptorOptions): RetryInterceptor {
  const settings = resolveInterceptorOptions(options);
  const interceptor = (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch =>
    function retryInterceptor(opts, handler) {
      // A connection handed over (CONNECT, WebSocket and other upgrades) is not a response.
      if (opts.upgrade || opts.method === 'CONNECT') return dispatch(opts, handler);
      return new Exchange(settings, dispatch, opts, handler).send();
    };
  return interceptor as unknown as RetryInterceptor;
}
