import { type Clock, type RetryCoordinator, Session, type SessionOptions } from '../../library.js';
import type { Client, Contender, Tuning, World } from '../world.js';

/** Settings of one row of this library: Session options plus an optional coordinator. */
export interface OrionSettings {
  readonly options?: Omit<SessionOptions, 'clock' | 'fetch' | 'coordinator'>;
  readonly coordinator?: (clock: Clock) => RetryCoordinator;
}

/**
 * This library's `Session`, driven for real: its retry loop, classification, Retry-After
 * handling and jitter run unchanged on the simulation's clock and fetch. Each call of
 * `client()` is one process with its own session (and its own coordinator, if any).
 */
export function orion(id: string, label: string, settings: OrionSettings = {}): Contender {
  return {
    id,
    label,
    group: 'orion',
    timers: 'virtual',
    client(world: World, tuning: Tuning): Client {
      const occ = tuning.occ
        ? {
            base: tuning.occ.base,
            cap: tuning.occ.cap,
            retries: Number.POSITIVE_INFINITY,
            transientStatuses: [409],
            retryTimeout: Number.POSITIVE_INFINITY,
          }
        : {};
      const session = new Session({
        ...settings.options,
        ...occ,
        requestTimeout: Number.POSITIVE_INFINITY,
        clock: world.clock,
        fetch: world.fetch,
        ...(settings.coordinator ? { coordinator: settings.coordinator(world.clock) } : {}),
      });
      return {
        async get(url, signal) {
          try {
            const response = await session.get(url, { signal });
            return response.ok;
          } catch {
            return false;
          }
        },
      };
    },
  };
}

/** No backoff at all: every retry at once (the AWS simulation's "None"). */
export const orionNoBackoff: Contender = {
  ...orion('orion-zero', 'no backoff', { options: { jitter: 'none' } }),
  client(world, tuning) {
    const occ = tuning.occ ? { occ: { base: 0, cap: 0 } } : {};
    return orion('orion-zero', 'no backoff', {
      options: { jitter: 'none', base: 0, cap: 0 },
    }).client(world, { ...tuning, ...occ });
  },
};
