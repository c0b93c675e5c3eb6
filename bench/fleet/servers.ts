import { newLog, type ServerLog, type SimServer } from './world.js';

/** What a throttling server tells the client besides the 429. */
export type Hint = 'none' | 'retry-after' | 'ratelimit';

export interface TokenBucketOptions {
  /** Sustained rate C, requests per second. */
  readonly rate: number;
  /** Burst B: tokens held at most (and at the start). */
  readonly burst: number;
  readonly hint: Hint;
  /** Before this time every request gets 503 with no hint (S4's outage). @default 0 */
  readonly downUntil?: number;
}

/**
 * A rate-limited server (S2, S4, S5): a token bucket of `burst` tokens refilled at `rate`
 * per second; a request without a token gets 429. `Retry-After` is whole seconds, rounded
 * up (at least 1), as most servers send it; the `ratelimit` variant adds the IETF draft's
 * `RateLimit-Policy` and `RateLimit` fields.
 */
export class TokenBucketServer implements SimServer {
  readonly log: ServerLog = newLog();
  #tokens: number;
  #last: number;
  readonly #o: TokenBucketOptions;

  constructor(options: TokenBucketOptions) {
    this.#o = options;
    this.#tokens = options.burst;
    this.#last = options.downUntil ?? 0;
  }

  handle(now: number): { status: number; headers?: Record<string, string> } {
    const o = this.#o;
    this.log.attempts.push(now);
    if (now < (o.downUntil ?? 0)) return { status: 503 };
    this.#tokens = Math.min(o.burst, this.#tokens + (now - this.#last) * o.rate);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.log.accepted.push(now);
      return { status: 200 };
    }
    const wait = Math.max(1, Math.ceil((1 - this.#tokens) / o.rate));
    if (o.hint === 'none') return { status: 429 };
    const headers: Record<string, string> = { 'retry-after': String(wait) };
    if (o.hint === 'ratelimit') {
      headers['ratelimit-policy'] = `"bucket";q=${o.rate};w=1`;
      headers.ratelimit = `"bucket";r=0;t=${wait}`;
    }
    return { status: 429, headers };
  }
}

export interface FlakyOptions {
  /** Probability that an attempt fails with 503. */
  readonly p: number;
  /**
   * With a capacity, the failure probability rises with the offered load instead:
   * `max(p, 1 - capacity / attempts in the last second)`.
   */
  readonly capacity?: number;
  readonly random: () => number;
}

/** S3: every attempt fails independently with probability p (500, no hint). */
export class FlakyServer implements SimServer {
  readonly log: ServerLog = newLog();
  #windowStart = 0;
  readonly #o: FlakyOptions;

  constructor(options: FlakyOptions) {
    this.#o = options;
  }

  handle(now: number): { status: number } {
    const { attempts } = this.log;
    attempts.push(now);
    let p = this.#o.p;
    if (this.#o.capacity !== undefined) {
      while (attempts[this.#windowStart]! <= now - 1) this.#windowStart++;
      const offered = attempts.length - this.#windowStart;
      p = Math.max(p, 1 - this.#o.capacity / offered);
    }
    if (this.#o.random() < p) return { status: 500 };
    this.log.accepted.push(now);
    return { status: 200 };
  }
}
