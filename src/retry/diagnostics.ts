/**
 * The `orionclient:retry` diagnostics channel, reached without a static `node:` import so
 * that the main entry loads in any runtime with `fetch`. Node (20.16+), Deno and Bun have
 * `diagnostics_channel` and `process.getBuiltinModule`; elsewhere (browsers, workers
 * without Node compatibility) the channel is absent and publishing is a no-op.
 */

/** The part of a `diagnostics_channel` `Channel` that the library uses. */
export interface RetryChannel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/** Stands in where the runtime has no `diagnostics_channel`: nobody can subscribe. */
const absent: RetryChannel = Object.freeze({ hasSubscribers: false, publish() {} });

/** A Node built-in module by name, or `undefined` outside runtimes that provide one. */
function nodeBuiltin(id: string): object | undefined {
  // `process` is not declared at all in a browser: `typeof` is the safe probe.
  if (typeof process !== 'object' || process === null) return undefined;
  const get = (process as { getBuiltinModule?: (id: string) => object | undefined })
    .getBuiltinModule;
  return typeof get === 'function' ? get.call(process, id) : undefined;
}

/** The `diagnostics_channel` channel `name`, or one nobody can subscribe to outside Node. */
export function openChannel(name: string): RetryChannel {
  const module = nodeBuiltin('node:diagnostics_channel') as
    | typeof import('node:diagnostics_channel')
    | undefined;
  return module ? module.channel(name) : absent;
}

/** Where each retry is published (see `RetryEvent`); subscribe with Node's `diagnostics_channel`. */
export const retryChannel: RetryChannel = openChannel('orionclient:retry');
