import type { Outcome, Verdict } from '../retry/contract.js';
import { errorCode } from '../retry/errors.js';
import type { Policy } from '../retry/policy.js';
import { type HeadersLike, parseRetryAfter } from '../retry/retry-after.js';

/** Methods that may be retried after any retryable failure (RFC 9110 §9.2.2). */
export const IDEMPOTENT_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'TRACE',
]);

/** Network errors worth another attempt: the connection failed or broke, not the content. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** Failures after which the server provably never saw the request, so even a POST may be resent. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Network failures that carry no code, told by their message: Node's sockets ("socket hang
 * up", "other side closed"), and `fetch` in browsers and Deno, which rejects with a bare
 * TypeError ("Failed to fetch", "NetworkError when attempting to fetch resource.", "Load
 * failed", "fetch failed"). None of them proves that the request was not sent.
 */
const NETWORK_MESSAGE =
  /socket hang up|other side closed|failed to fetch|networkerror when attempting|^load failed$|^fetch failed$|error sending request/i;

/**
 * Whether an error is a transient network failure (or a per-attempt timeout). Without a
 * code, the message of the innermost cause decides: Node's `fetch` wraps every failure in
 * a `TypeError: fetch failed`, and what it wraps (a parser error, a hang-up) is what
 * happened; a bare `TypeError` of a browser's `fetch` has no cause.
 */
export function isTransientError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) return TRANSIENT_CODES.has(code);
  let inner = error as { message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; depth < 5 && inner?.cause && typeof inner.cause === 'object'; depth++) {
    inner = inner.cause as typeof inner;
  }
  // Stryker disable next-line StringLiteral: any stand-in for a missing message matches no network message
  return NETWORK_MESSAGE.test(String(inner?.message ?? ''));
}

/** How a request may be retried: freely, or only when it provably was not processed. */
export interface RequestTraits {
  readonly method: string;
  /** An `Idempotency-Key` header makes a POST or PATCH safe to resend. */
  readonly idempotencyKey: boolean;
  /** A body that was consumed by its first send cannot be resent. */
  readonly replayable: boolean;
  /**
   * An earlier request of the chain was a POST or PATCH that the server answered (with a
   * redirect): nothing proves that it was not processed, so a POST or PATCH that follows
   * it, on a 307 or 308, is not resent without an `Idempotency-Key` even after a 429 or
   * a refused connection.
   * @default false
   */
  readonly answered?: boolean;
}

/** What classification reads of a response: a `Response`, or a transport's own head. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: HeadersLike;
}

/** The HTTP reading of an attempt's outcome, for {@link retry}'s `classify`. */
export function classifyHttp(
  outcome: Outcome<HttpAnswer>,
  request: RequestTraits,
  policy: Policy,
  nowMs: () => number,
): Verdict {
  // Only a request that no server has answered yet can be known to be unprocessed.
  const untouched = request.answered !== true;
  if (outcome.ok) {
    const { status, headers } = outcome.value;
    if (!policy.budget(status)) return { retry: false, status };
    const retry = request.replayable && (safe(request) || (status === 429 && untouched));
    const hint = parseRetryAfter(headers, nowMs());
    return hint === undefined ? { retry, status } : { retry, status, retryAfter: hint.seconds };
  }
  const { error } = outcome;
  if (!isTransientError(error)) return { retry: false };
  // Stryker disable next-line StringLiteral: any stand-in for a missing code is no code in the list
  const notSent = untouched && NOT_SENT_CODES.has(errorCode(error) ?? '');
  return { retry: request.replayable && (notSent || safe(request)) };
}

/** Whether the request may be resent after any retryable failure. */
function safe(request: RequestTraits): boolean {
  return IDEMPOTENT_METHODS.includes(request.method) || request.idempotencyKey;
}
