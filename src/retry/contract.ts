/**
 * The types that the retry engine, the classifiers and the coordinators share: what an
 * attempt produced, how the policy reads it, and what a coordinator is asked.
 */
import { OrionError } from './errors.js';

/** An attempt's result as the classifier sees it. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

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
   * `false` ends the retries with reason `'budget'`.
   */
  allowRetry(verdict: Verdict, request?: CoordinatedRequest): boolean;
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
  override readonly name = 'AttemptRefused';

  constructor(
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
