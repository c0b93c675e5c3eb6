/**
 * The types that the retry engine, the classifiers and the coordinators share: what an
 * attempt produced, how the policy reads it, and what a coordinator is asked.
 */
import { type AttemptRecord, type DelaySource, type ErrorSummary, OrionError } from './errors.js';
import type { StopReason } from './policy.js';

/** What an operation gets on each attempt. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborts when the caller aborts or this attempt's `requestTimeout` passes. */
  readonly signal: AbortSignal;
  /** Seconds since the first attempt started. */
  readonly elapsed: number;
}

/** Passed to `onRetry` and published on the `orionclient:retry` diagnostics channel. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** Which retry of its budget comes next (1-based). */
  readonly retry: number;
  /** The size of that budget (`Infinity` when only `retryTimeout` bounds it). */
  readonly limit: number;
  /** The status of the failed attempt, when it got a response. */
  readonly status?: number;
  /** The failed attempt's error, reduced to what is safe to log. */
  readonly error?: ErrorSummary;
  /** Seconds of sleep before the next attempt. */
  readonly delay: number;
  /** Where the delay came from. */
  readonly source: DelaySource;
  /** Seconds since the first attempt started. */
  readonly elapsed: number;
  /** What is being retried, e.g. `GET http://127.0.0.1:8080/path` (no credentials, no query). */
  readonly description: string;
}

/** What `retryInfo()` tells about a value that `retry()` (or a `Session`) returned. */
export interface RetryInfo {
  /** Every attempt, in order. */
  readonly attempts: readonly AttemptRecord[];
  /** Why retrying ended, or `undefined` when the last attempt succeeded. */
  readonly reason: StopReason | undefined;
  /** Seconds until the server would allow another try, when it said so and it was too far. */
  readonly retryAfter?: number;
}

/** An attempt's result as the classifier sees it. */
export type Outcome<T> =
  /** The operation returned a value (a `Response` with any status, for a `Session`). */
  | {
      /** The attempt returned. */
      readonly ok: true;
      /** What the operation resolved to. */
      readonly value: T;
    }
  /** The operation threw or rejected. */
  | {
      /** The attempt threw. */
      readonly ok: false;
      /** What the operation threw (a network error, a timeout, an abort reason, …). */
      readonly error: unknown;
    };

/** The policy's reading of one outcome. */
export interface Verdict {
  /** Whether this outcome is a failure that may be retried (budgets permitting). */
  readonly retry: boolean;
  /** The HTTP status that decides the budget; absent for network errors and timeouts. */
  readonly status?: number;
  /** A server's minimum wait in seconds (`Retry-After`), never undercut. */
  readonly retryAfter?: number;
}

/** What a coordinator is told about the request an attempt belongs to. */
export interface CoordinatedRequest {
  /** The URL the request goes to, when it is an HTTP request; a `Coordinator` keys its state by it. */
  readonly url?: URL | undefined;
  /**
   * Clock instant (seconds) by which an attempt must have started: the request's start
   * plus its `retryTimeout`. A coordinator never holds an attempt past it.
   */
  readonly deadline?: number;
  /** Longest wait, in seconds, the request accepts before an attempt: its `maxRetryAfter`. */
  readonly maxWait?: number;
}

/**
 * Shared state between the requests of one session (or several): it can hold attempts
 * back (a server's `Retry-After` seen by one request applies to all; a learned rate), and
 * refuse retries when too many requests are retries (a retry budget).
 */
export interface RetryCoordinator {
  /**
   * Resolves when an attempt may start; called before every attempt, the first included.
   * Rejects with the signal's reason on abort, and with an {@link AttemptRefused} when the
   * attempt could not start within the request's `deadline` or `maxWait`.
   */
  acquire(signal?: AbortSignal, request?: CoordinatedRequest): Promise<void> | void;
  /** Learns from an attempt's outcome (`retryAfter`, throttling, success). */
  record(verdict: Verdict, attempt: number, request?: CoordinatedRequest): void;
  /**
   * Spends one retry after `verdict` from the shared budget when there is one left;
   * `false` ends the retries with reason `'budget'`. A coordinator without it has no
   * retry budget.
   */
  spendRetry?(verdict: Verdict, request?: CoordinatedRequest): boolean;
  /** @deprecated Renamed {@link RetryCoordinator.spendRetry}; read when `spendRetry` is absent, until 0.3. */
  allowRetry?(verdict: Verdict, request?: CoordinatedRequest): boolean;
  /**
   * Seconds from now during which the coordinator holds every attempt of `request` (a
   * shared `Retry-After`), so a request can give up at once on a hold beyond its budget.
   */
  heldFor?(request?: CoordinatedRequest): number;
}

/**
 * A coordinator's refusal to let an attempt wait past what its request allows. The
 * request ends with a `RetryError` of this reason: `'retryAfter'` for a shared
 * `Retry-After` hold that lasts too long, `'retryTimeout'` when the pace would start the
 * attempt past the request's `retryTimeout`.
 */
export class AttemptRefused extends OrionError {
  /** Always `'AttemptRefused'`, so the error can be told apart after serialisation. */
  override readonly name = 'AttemptRefused';

  constructor(
    /** The stop reason the request ends with: the hold was too long, or the pace too slow. */
    readonly reason: 'retryAfter' | 'retryTimeout',
    /** Seconds the attempt would have had to wait. */
    readonly wait: number,
  ) {
    super(
      reason === 'retryAfter'
        ? `a Retry-After shared through the coordinator holds attempts for ${wait.toFixed(1)} s more, beyond what this request may wait`
        : "the coordinator's pace would start this attempt past the request's retryTimeout",
    );
  }
}
