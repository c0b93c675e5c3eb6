import type { StopReason } from './policy.js';

/** Where a retry's delay came from. */
export type DelaySource = 'backoff' | 'retry-after' | 'coordinator';

/** An error reduced to what is safe to log: no headers, no credentials. */
export interface ErrorSummary {
  /** The error's `name` (`TypeError`, `TimeoutError`, …), or the type of a thrown non-error. */
  readonly name: string;
  /** `ECONNRESET`, `UND_ERR_SOCKET`, `ETIMEDOUT`, … when there is one. */
  readonly code?: string;
  /** The error's message, with credentials and queries cut from any URL in it. */
  readonly message: string;
}

/** One attempt in a retry history. Times are seconds since the first attempt started. */
export interface AttemptRecord {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Seconds from the first attempt's start to this attempt's start. */
  readonly start: number;
  /** Seconds from the first attempt's start to when this attempt's outcome was known. */
  readonly end: number;
  /** The HTTP status (or the status an error carried), when there was one. */
  readonly status?: number;
  /** What the attempt threw, when it threw. */
  readonly error?: ErrorSummary;
  /** Seconds of sleep that followed this attempt, when a retry followed. */
  readonly delay?: number;
  /** Where that sleep came from, when a retry followed. */
  readonly source?: DelaySource;
}

/** The base class of the errors this library throws (option errors are plain `TypeError`/`RangeError`). */
export class OrionError extends Error {
  /** The class's name: `'OrionError'` here, each subclass its own. */
  override name = 'OrionError';
}

/** Details of a {@link RetryError}. */
export interface RetryErrorInit {
  /** Every attempt, in order; the last one's status or error goes into the message. */
  readonly attempts: readonly AttemptRecord[];
  /** Why no retry followed the last attempt. */
  readonly reason: StopReason;
  /** What was retried, e.g. `GET http://host/path`; it must hold no credentials. */
  readonly description: string;
  /** The last attempt's error, kept as the error's `cause`. */
  readonly cause: unknown;
  /** Seconds from the first attempt's start to the end, for the message. */
  readonly elapsed: number;
  /** Seconds until the server would allow a retry, when it said so. */
  readonly retryAfter?: number;
}

/**
 * Thrown when an operation never succeeded and the retries ended: the last error is
 * `cause`, every attempt is in `attempts`, and `reason` says why no retry followed.
 * The message reads like `GET http://host/path failed after 11 attempts in 192.4 s:
 * ECONNREFUSED (retries exhausted)` and never contains header values or credentials.
 *
 * @example
 * ```ts
 * import { RetryError, Session } from 'orionclient';
 *
 * try {
 *   await new Session({ profile: 'interactive' }).get('https://unreachable.example/');
 * } catch (error) {
 *   if (!(error instanceof RetryError)) throw error;
 *   console.log(error.reason, error.attempts.length); // 'retries' 4: no attempt got a response
 *   console.log(error.message); // GET https://unreachable.example/ failed after 4 attempts in 1.4 s: ENOTFOUND (retries exhausted)
 * }
 * ```
 */
export class RetryError extends OrionError {
  /** Always `'RetryError'`. */
  override readonly name = 'RetryError';
  /** Every attempt, in order, with its status or error and the sleep that followed it. */
  readonly attempts: readonly AttemptRecord[];
  /** Why no retry followed the last attempt (budget spent, `retryTimeout` reached, …). */
  readonly reason: StopReason;
  /** Seconds from the last failure until the server would allow a retry (from `Retry-After`). */
  readonly retryAfter?: number;

  constructor(init: RetryErrorInit) {
    const last = init.attempts.at(-1);
    const what = last?.error
      ? (last.error.code ?? `${last.error.name}: ${last.error.message}`)
      : `status ${last?.status}`;
    const count = init.attempts.length;
    super(
      `${init.description} failed after ${count} attempt${count === 1 ? '' : 's'} in ${init.elapsed.toFixed(1)} s: ${what} (${reasonText[init.reason]})`,
      { cause: init.cause },
    );
    this.attempts = init.attempts;
    this.reason = init.reason;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}

const reasonText: Record<StopReason, string> = {
  retries: 'retries exhausted',
  retryTimeout: 'retryTimeout reached',
  retryAfter: 'Retry-After beyond the budget',
  notRetryable: 'not retryable',
  aborted: 'aborted',
  budget: 'retry budget spent',
};

/** Summarises any thrown value without copying properties that might hold secrets. */
export function summarize(error: unknown): ErrorSummary {
  if (!(error instanceof Error)) return { name: typeof error, message: redact(String(error)) };
  const { name } = error;
  const message = redact(error.message);
  const code = errorCode(error);
  // One literal each: adding `code` to a finished object would move it out of line.
  return code ? { name, message, code } : { name, message };
}

/** The system or undici error code of an error or of its `cause` chain. */
export function errorCode(error: unknown): string | undefined {
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Makes the URLs inside a text safe to show (see {@link redactUrl}). A URL ends at
 * whitespace here; for a string that is one URL, whitespace and all, use `redactUrl`.
 */
export function redact(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, redactUrl);
}

/**
 * A URL safe to show: no `user:password@`, no query, no fragment. One that parses is shown
 * as {@link safeUrl} shows it. One that does not is cut after its last `@`, since no parser
 * says where its userinfo ends (`http://user:pa/ss@[bad` shows as `http://[bad`).
 */
export function redactUrl(url: string): string {
  if (URL.canParse(url)) return safeUrl(url);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const host = rest.slice(rest.lastIndexOf('@') + 1);
  const end = host.search(/[?#]/);
  return `${scheme}${end < 0 ? host : `${host.slice(0, end)}${host[end] === '?' ? '?…' : ''}`}`;
}

/** A URL for messages: no credentials, no query (it may carry keys). */
export function safeUrl(url: string | URL): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
