/**
 * `orionclient/undici`: the retry policy of `orionclient` as an undici interceptor, for
 * `undici.request`, `undici.stream`, `undici.fetch`, and the global `fetch` through
 * `setGlobalDispatcher`. Node.js only; needs `undici` 7 or later (an optional peer
 * dependency of this entry alone).
 * @module orionclient/undici
 */
export { type RetryInterceptor, retry } from './interceptor.js';
export type { RetryInterceptorOptions } from './options.js';
