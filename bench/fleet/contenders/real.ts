import {
  AdaptiveRetryStrategy,
  DEFAULT_MAX_ATTEMPTS,
  StandardRetryStrategy,
} from '@smithy/util-retry';
import { retry as cockatielRetry, ExponentialBackoff, handleAll } from 'cockatiel';
import { backOff } from 'exponential-backoff';
import pRetry from 'p-retry';
import type { Client, Contender, Tuning, World } from '../world.js';

/** A failed response as an error, for libraries that retry on a thrown error. */
class StatusError extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

/** One attempt that throws on a non-2xx response (409 included, for S1). */
function attempt(world: World, url: string, signal: AbortSignal): () => Promise<Response> {
  return async () => {
    const response = await world.fetch(url, { signal });
    if (!response.ok) throw new StatusError(response);
    return response;
  };
}

function real(
  id: string,
  label: string,
  get: (world: World, tuning: Tuning) => Client['get'],
): Contender {
  return {
    id,
    label,
    group: 'peer',
    timers: 'fake',
    client: (world, tuning) => ({ get: get(world, tuning) }),
  };
}

const ok = (p: Promise<unknown>) =>
  p.then(
    () => true,
    () => false,
  );

/** p-retry 9 with its defaults: 10 retries, 1 s doubling, no randomisation, any error retried. */
export const pRetryDefaults = real('p-retry', 'p-retry 9 (defaults)', (world, tuning) => {
  const occ = tuning.occ
    ? {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: tuning.occ.base * 1000,
        maxTimeout: tuning.occ.cap * 1000,
      }
    : {};
  return (url, signal) => ok(pRetry(attempt(world, url, signal), { ...occ, signal }));
});

/** exponential-backoff 3 with its defaults: 10 attempts, 100 ms doubling, no jitter. */
export const exponentialBackoffDefaults = real(
  'exponential-backoff',
  'exponential-backoff 3 (defaults)',
  (world, tuning) => {
    const occ = tuning.occ
      ? {
          numOfAttempts: Number.POSITIVE_INFINITY,
          startingDelay: tuning.occ.base * 1000,
          maxDelay: tuning.occ.cap * 1000,
        }
      : {};
    return (url, signal) => ok(backOff(attempt(world, url, signal), occ));
  },
);

/**
 * cockatiel 4 as its README shows it: `retry(handleAll, { backoff: new
 * ExponentialBackoff() })`, whose defaults are unlimited attempts and Polly's
 * decorrelated jitter (V2) from 128 ms up to 30 s.
 */
export const cockatielDefaults = real('cockatiel', 'cockatiel 4 (defaults)', (world, tuning) => {
  const backoff = tuning.occ
    ? new ExponentialBackoff({
        initialDelay: tuning.occ.base * 1000,
        maxDelay: tuning.occ.cap * 1000,
      })
    : new ExponentialBackoff();
  const policy = cockatielRetry(handleAll, { backoff });
  return (url, signal) => ok(policy.execute(attempt(world, url, signal), signal));
});

interface Strategy {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, info: ErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}
interface RetryToken {
  getRetryDelay(): number;
}
interface ErrorInfo {
  error: unknown;
  errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

/**
 * The AWS SDK v3 retry loop (`retryMiddleware.ts` in smithy-typescript's retry
 * submodule) around a strategy of @smithy/util-retry: 429 is THROTTLING, 500/502/503/504
 * TRANSIENT; a `Retry-After` becomes `retryAfterHint`, as `parseRetryAfterHeader` does.
 */
function smithyLoop(strategy: Strategy, world: World, occ: boolean): Client['get'] {
  return async (url, signal) => {
    let token = await strategy.acquireInitialRetryToken('');
    for (;;) {
      try {
        await attempt(world, url, signal)();
        strategy.recordSuccess(token);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        const response = (error as StatusError).response;
        const status = response?.status ?? 0;
        const errorType =
          status === 429
            ? 'THROTTLING'
            : [500, 502, 503, 504].includes(status) || (occ && status === 409)
              ? 'TRANSIENT'
              : status >= 500
                ? 'SERVER_ERROR'
                : 'CLIENT_ERROR';
        const after = response?.headers.get('retry-after');
        const info: ErrorInfo = {
          error,
          errorType,
          ...(after && /^\d+$/.test(after)
            ? { retryAfterHint: new Date(Date.now() + Number(after) * 1000) }
            : {}),
        };
        try {
          token = await strategy.refreshRetryTokenForRetry(token, info);
        } catch {
          return false;
        }
        const delay = token.getRetryDelay();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

/** @smithy/util-retry 4 `StandardRetryStrategy` defaults (the AWS SDK v3 "standard" mode). */
export const smithyStandard = real(
  'smithy-standard',
  '@smithy/util-retry standard',
  (world, tuning) => {
    const strategy = tuning.occ
      ? new StandardRetryStrategy({
          maxAttempts: Number.POSITIVE_INFINITY,
          baseDelay: tuning.occ.base * 1000,
        })
      : new StandardRetryStrategy(DEFAULT_MAX_ATTEMPTS);
    return smithyLoop(strategy as unknown as Strategy, world, tuning.occ !== undefined);
  },
);

/** @smithy/util-retry 4 `AdaptiveRetryStrategy` with the SDK's default of 3 attempts ("adaptive" mode). */
export const smithyAdaptive = real(
  'smithy-adaptive',
  '@smithy/util-retry adaptive',
  (world, tuning) => {
    const strategy = tuning.occ
      ? new AdaptiveRetryStrategy(Number.POSITIVE_INFINITY, {
          maxAttempts: Number.POSITIVE_INFINITY,
          baseDelay: tuning.occ.base * 1000,
        } as ConstructorParameters<typeof AdaptiveRetryStrategy>[1])
      : new AdaptiveRetryStrategy(async () => DEFAULT_MAX_ATTEMPTS);
    return smithyLoop(strategy as unknown as Strategy, world, tuning.occ !== undefined);
  },
);
