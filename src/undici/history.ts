/**
 * The attempt history of one dispatch. It is the `context` that undici hands the caller
 * (`data.context` of `undici.request`, the factory's `context` of `undici.stream`), where
 * `retryInfo()` reads it.
 */
import type { RetryInfo } from '../retry/contract.js';
import { type AttemptRecord, RetryError } from '../retry/errors.js';
import { attachInfo, CarriesRetryInfo } from '../retry/retry-info.js';
import type { Clock } from '../time/clock.js';

/** Its fields are private: the caller reads the history through `retryInfo()` only. */
export class History extends CarriesRetryInfo {
  #attempts: readonly AttemptRecord[] = [];
  readonly #began: number;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    super();
    this.#began = clock.now();
    this.#clock = clock;
  }

  /** Clock time (seconds) at which the dispatch's first attempt started. */
  get began(): number {
    return this.#began;
  }

  /** The first attempt was answered with `status`, and that answer stands. */
  first(status: number): void {
    this.#attempts = [{ attempt: 1, start: 0, end: this.#clock.now() - this.began, status }];
    attachInfo(this, { attempts: this.#attempts, reason: undefined });
  }

  /** The engine's history of the call, when it settled. */
  record(info: RetryInfo | undefined): void {
    if (!info) return;
    this.#attempts = info.attempts;
    attachInfo(this, info);
  }

  /**
   * A resume's run ended, with `outcome`'s history (its value's, or its `RetryError`'s),
   * having started at clock time `began`. Its first attempt is the break itself, so it
   * takes the number of the attempt whose body broke.
   */
  resumed(outcome: unknown, began: number): void {
    const info = outcome instanceof RetryError ? outcome : (outcome as RetryInfo | undefined);
    if (!info?.attempts) return;
    const shift = this.#attempts.length - 1;
    const offset = began - this.began;
    this.#attempts = this.#attempts.concat(
      info.attempts.map((a) => ({
        ...a,
        attempt: a.attempt + shift,
        start: a.start + offset,
        end: a.end + offset,
      })),
    );
    const later = info.retryAfter === undefined ? {} : { retryAfter: info.retryAfter };
    attachInfo(this, { attempts: this.#attempts, reason: info.reason, ...later });
  }
}
