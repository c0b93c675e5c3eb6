/**
 * What a fleet knows about one quota, as plain data: a record of numbers that a store can
 * keep anywhere (in this process, or as a Redis hash) and the policy reads and replaces.
 * Instants are seconds on the clock of whoever keeps the record (the store's), never
 * compared with another machine's clock.
 */

/** One quota's shared state. Every field is a number; a missing one means the cold value. */
export interface QuotaState {
  /** Instant before which no attempt starts (the shared `Retry-After`); `-Infinity`: none. */
  readonly until: number;
  /** Seconds of the hint that set `until` (the spread above it scales with it). */
  readonly span: number;
  /** Holds in a row without a settled answer: the k of the spread rule. */
  readonly streak: number;
  /** Requests per second the limit allows; `Infinity` while it is off. */
  readonly rate: number;
  /** The rate last throttled (the ceiling): slow start below it, a slow probe above it. */
  readonly threshold: number;
  /**
   * Instant until which `threshold` holds; `Infinity` while there is none. A ceiling that
   * the next cut does not find again lapses after `ceilingHold` seconds, one it finds again
   * `confirmedHold` seconds after that cut.
   */
  readonly ceilingUntil: number;
  /**
   * 1 when the rate was last set from answers the server accepted, 0 when it was halved
   * because nothing got through: with no ceiling holding, the rate then climbs at
   * `startGrowth` or at `growth`.
   */
  readonly accepting: number;
  /** Instant of the last cut of the rate (one cut per cooldown). */
  readonly lastCut: number;
  /** Until this instant the first throttle's rate is still learned from answers in flight. */
  readonly learning: number;
  /** Instant of the last start slot handed out; the next one comes `1 / rate` later. */
  readonly last: number;
}

/** The state of a quota nobody has heard of: no hold, no limit. */
export const COLD: QuotaState = Object.freeze({
  until: Number.NEGATIVE_INFINITY,
  span: 0,
  streak: 0,
  rate: Number.POSITIVE_INFINITY,
  threshold: Number.POSITIVE_INFINITY,
  ceilingUntil: Number.POSITIVE_INFINITY,
  accepting: 0,
  lastCut: Number.NEGATIVE_INFINITY,
  learning: Number.NEGATIVE_INFINITY,
  last: Number.NEGATIVE_INFINITY,
});

/** Events a store counts over sliding windows, summed up to its now. */
export interface QuotaCounts {
  /** Answers that did not throttle, over the last second (with the rate limit on). */
  readonly accepted: number;
  /** First attempts over the budget's window (with the budget on). */
  readonly requests: number;
  /** Retries spent from the budget over its window. */
  readonly retries: number;
}

/** No events counted. */
export const NO_COUNTS: QuotaCounts = Object.freeze({ accepted: 0, requests: 0, retries: 0 });

/**
 * One attempt's outcome as the fleet reads it: what the policy needs and nothing else (no
 * URL, no header, no instant), so it can be reported to a store as a few small numbers.
 */
export interface Observation {
  /** The first attempt of its request: it counts among the budget's requests. */
  readonly first: boolean;
  /**
   * `'throttled'`: a status that slows the limit down (`rateLimit.statuses`);
   * `'answered'`: any other status; `'failed'`: no status (a network error, a timeout).
   */
  readonly answer: 'throttled' | 'answered' | 'failed';
  /** A throttle with status 429: the server is up, and refuses for a spent quota. */
  readonly quota: boolean;
  /** The outcome will be retried. */
  readonly retry: boolean;
  /** The server's minimum wait, in seconds, when it sent one. */
  readonly retryAfter: number | undefined;
  /** Attempts of the reporting Coordinator were waiting for a slot (the rate grows only then). */
  readonly waiting: boolean;
}
