/** Outcomes and settings the Coordinator's tests feed it. */
import { coordinatorSettings } from '../../src/fleet/options.js';
import type { PolicySettings } from '../../src/fleet/settings.js';
import type { Observation } from '../../src/fleet/state.js';
import type { Verdict } from '../../src/retry/contract.js';

/** A 429, with the server's `Retry-After` in seconds when given. */
export const throttled = (retryAfter?: number): Verdict =>
  retryAfter === undefined
    ? { retry: true, status: 429 }
    : { retry: true, status: 429, retryAfter };
/**
 * A 503 without a hint: a throttle that may be an outage. The first one, with nothing
 * accepted, starts the rate limit at `minRate` (a first 429 leaves it to backoff).
 */
export const unavailable: Verdict = { retry: true, status: 503 };
export const ok: Verdict = { retry: false, status: 200 };
export const failed: Verdict = { retry: true, status: 500 };

/** The policy settings of a Coordinator built with `options`. */
export const policyOf = (options: Parameters<typeof coordinatorSettings>[0] = {}): PolicySettings =>
  coordinatorSettings(options).policy;

/** An observation: a later attempt, answered and settled, unless `o` says otherwise. */
export const seen = (o: Partial<Observation>): Observation => ({
  first: false,
  answer: 'answered',
  quota: false,
  retry: false,
  retryAfter: undefined,
  waiting: false,
  ...o,
});
