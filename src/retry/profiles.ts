import { type Policy, resolveRetryOptions } from './policy.js';

/**
 * The non-interactive profile: the defaults of the original Python API (`orionclient.utils`),
 * for batch jobs and services that can afford to wait out an outage. 10 retries of a
 * transient failure take about 192 s, a 404 is retried 8 times (about 51 s), a 429 up to
 * 45 times or for an hour (10 doubling sleeps, then 35 at the 90 s cap: 3342.2 s).
 */
const nonInteractive: Policy = resolveRetryOptions(
  {
    base: 0.1,
    cap: 90,
    backoffDict: {},
    earlyCap: {},
    retries: 10,
    retriesByStatus: { 404: 8, 429: 45 },
    transientStatuses: [408, 500, 502, 503, 504],
    retryTimeout: 3600,
    requestTimeout: 60,
    maxRetryAfter: Number.POSITIVE_INFINITY,
    jitter: 'centered',
  },
  undefined,
  'the nonInteractive profile',
);

/**
 * The interactive profile: a person is waiting, so every budget is smaller. No retry is
 * scheduled once 15 s have passed since the first attempt, so the last one starts within
 * 20 s (one sleep of at most the 5 s cap later); no attempt waits more than 10 s for its
 * headers, so even the worst case ends within 30 s.
 */
const interactive: Policy = resolveRetryOptions(
  {
    cap: 5,
    retries: 3,
    retriesByStatus: { 404: 2, 429: 5 },
    retryTimeout: 15,
    requestTimeout: 10,
    maxRetryAfter: 10,
  },
  nonInteractive,
  'the interactive profile',
);

/**
 * The two built-in profiles, frozen. Defaults are written here and nowhere else.
 *
 * @example
 * ```ts
 * profiles.nonInteractive.retries; // 10
 * profiles.interactive.retryTimeout; // 15 (seconds)
 * new Session({ profile: 'interactive' }); // a profile is chosen by its name
 * ```
 */
export const profiles: Readonly<{
  /**
   * For batch jobs and services that can wait out an outage: the original Python API's
   * budgets (10 retries of a transient failure in about 192 s, a 404 8 times in about
   * 51 s, a 429 up to 45 times or an hour, `requestTimeout` 60 s).
   */
  nonInteractive: Policy;
  /**
   * A person is waiting: 3 retries of a transient failure, a 404 twice, a 429 5 times, no
   * retry scheduled after 15 s, 10 s per attempt, at most a 10 s `Retry-After`, sleeps capped
   * at 5 s: a request gives up within 30 s.
   */
  interactive: Policy;
}> = Object.freeze({
  nonInteractive,
  interactive,
});

/** The name of a built-in profile. */
export type ProfileName = keyof typeof profiles;
