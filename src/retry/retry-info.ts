import type { RetryInfo } from './contract.js';

/**
 * Where {@link retryInfo} finds a value's history. A `Response` carries it on a hidden
 * symbol property: a `WeakMap` entry per request costs every garbage collection, which is
 * measurable on a busy session. Other values (which may be frozen, or the caller's own)
 * go in the map.
 */
const infos = new WeakMap<object, RetryInfo>();
const INFO = Symbol('orionclient.retryInfo');

/** Gives `value` its history; a value that an inner `retry()` already returned gets the outer one. */
export function attachInfo(value: object, info: RetryInfo): void {
  if (value instanceof Response && Object.isExtensible(value)) {
    Object.defineProperty(value, INFO, { value: info, configurable: true });
  } else {
    infos.set(value, info);
  }
}

/**
 * The attempt history of an object (such as a `Response`) that `retry()` or a `Session`
 * returned, or `undefined` for anything else.
 *
 * @example
 * ```ts
 * import { retryInfo, Session } from 'orionclient';
 *
 * const response = await new Session().get('https://api.example.com/v1/report');
 * const info = retryInfo(response);
 * console.log(info?.attempts.length); // 1 when the first attempt succeeded
 * console.log(info?.reason); // undefined after a success; 'retries', 'retryAfter', … otherwise
 * ```
 */
export function retryInfo(value: unknown): RetryInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [INFO]?: RetryInfo })[INFO] ?? infos.get(value);
}
