import { isTransientError } from '../http/classify.js';
import { type Representation, representation, resumeMismatch } from '../http/representation.js';
import type { Session } from '../http/session.js';
import type { AttemptContext, Outcome, RetryEvent, Verdict } from '../retry/contract.js';
import { errorCode, RetryError, safeUrl } from '../retry/errors.js';
import { retry } from '../retry/retry.js';
import { parseRetryAfter } from '../retry/retry-after.js';
import { type Clock, systemClock } from '../time/clock.js';
import { bytes, statusLine } from './output.js';
import type { ProgressView } from './progress.js';
import { readBody } from './read-body.js';

/** Where the body goes: a file that can start over, or a stream that cannot. */
export interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  /** Drops what was written; `false` when that is impossible (bytes already on stdout). */
  restart(): Promise<boolean>;
}

/** What {@link download} needs. */
export interface DownloadOptions {
  readonly url: string;
  readonly headers: Headers;
  /**
   * Sends each request as a single attempt (`retry: false`), so redirects, credential
   * stripping and the per-attempt timeout stay its own; its policy paces and bounds the
   * retries of the whole download.
   */
  readonly session: Session;
  readonly sink: Sink;
  readonly view: ProgressView;
  /** Paces the backoff waits. @default systemClock */
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Called as each request is sent. */
  readonly onRequest?: () => void;
}

/** How a download ended. */
export interface DownloadResult {
  readonly ok: boolean;
  /** The status the body came with (a resume's 206 only continues it), or the failed one. */
  readonly status: number;
  readonly statusText: string;
  readonly bytes: number;
  /** Requests sent. */
  readonly attempts: number;
  /** Requests sent with `Range` whose 206 continued the body. */
  readonly resumes: number;
  /** Times the body started over from byte 0 after some of it had been written. */
  readonly restarts: number;
}

/**
 * A body that could not be used: it broke off, stalled, or a resume was answered for
 * another version (another attempt may do better), or it cannot go on at all.
 */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  readonly code?: string;

  constructor(
    message: string,
    /** Whether another attempt may get the body. */
    readonly retryable: boolean,
    /** Whether the attempt that broke off wrote bytes that the next one keeps. */
    readonly progressed = false,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? {} : { cause });
    const code = errorCode(cause);
    if (code) this.code = code;
  }
}

/** The sink failed (a full disk, a closed pipe): not the server's doing, never retried. */
class OutputError extends Error {
  override readonly name = 'OutputError';
}

/**
 * GETs `url` into `sink` through {@link retry}: every attempt continues from the bytes
 * already written, asking for the rest with `Range` + `If-Range` when the first response
 * offered ranges and a strong validator, and starting over from byte 0 otherwise, or when
 * the server answers the range with a whole body (200) or with a 206 that does not
 * continue the same version. A failed status, a broken or stalled body and a network error
 * are retried under the session's policy, as one operation: its budgets, its Retry-After
 * handling, its `onRetry` events. When the retries run out while the body was still moving
 * forward, they start afresh from where it stands.
 *
 * Resolves to how it ended (a failed status included); rejects with the abort reason, a
 * `RetryError` when no usable response came, or the sink's own error.
 */
export async function download(o: DownloadOptions): Promise<DownloadResult> {
  const transfer = new Transfer(o);
  for (;;) {
    try {
      const { response } = await retry((context) => transfer.attempt(context), {
        profile: o.session.policy,
        // The session bounds each attempt's wait for headers; a body may take as long as
        // it keeps sending (see `readBody`).
        requestTimeout: Number.POSITIVE_INFINITY,
        clock: o.clock ?? systemClock,
        ...(o.signal ? { signal: o.signal } : {}),
        classify,
        description: `GET ${safeUrl(o.url)}`,
        onRetry: (event) =>
          o.view.waiting(transfer.failure(event), event.retry, event.limit, event.delay),
      });
      return transfer.result(response);
    } catch (error) {
      const cause = error instanceof RetryError ? error.cause : undefined;
      if (cause instanceof OutputError) throw cause.cause;
      if (!(cause instanceof BodyError && cause.progressed)) throw error;
      o.view.note(`${transfer.failure(cause)} (the body moved forward: the retries start afresh)`);
    }
  }
}

/** The state of one download across its attempts. */
class Transfer {
  readonly #o: DownloadOptions;
  /** Bytes written to the sink. */
  #offset = 0;
  /** The most bytes ever written: a failed attempt that got further moved the download forward. */
  #reached = 0;
  #first: Representation | undefined;
  #attempts = 0;
  #resumes = 0;
  #restarts = 0;

  constructor(o: DownloadOptions) {
    this.#o = o;
  }

  /**
   * One request. The response comes wrapped: the session already gave it a retry history
   * of one attempt, and this call's history is the download's.
   */
  async attempt({ signal }: AttemptContext): Promise<Answer> {
    const o = this.#o;
    if (this.#offset > 0 && this.#first?.validator === undefined) await this.#startOver();
    const ranged = this.#offset > 0;
    const headers = new Headers(o.headers);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
    if (ranged) {
      headers.set('range', `bytes=${this.#offset}-`);
      headers.set('if-range', this.#first!.validator!);
    }
    this.#attempts++;
    o.onRequest?.();
    const response = await this.#send(headers, signal);
    if (ranged && response.status === 200) {
      o.view.note(`${statusLine(200)} to the range: starting over from byte 0`);
      await this.#startOver();
    } else if (ranged && response.ok) {
      const wrong =
        response.status === 206
          ? resumeMismatch(this.#first!, response, this.#offset)
          : `${statusLine(response.status)}`;
      if (wrong !== undefined) return this.#refuse(response, `the range came back with ${wrong}`);
      this.#resumes++;
    } else if (ranged && response.status === 416) {
      return this.#refuse(response, `the range came back with ${statusLine(416)}`);
    } else if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return { response };
    } else if (response.status === 206) {
      return this.#refuse(response, `${statusLine(206)} came to a request without Range`);
    }
    if (this.#offset === 0) this.#first = representation(response);
    await this.#read(response, signal);
    return { response };
  }

  /** Reads the body into the sink; a body that breaks off or stalls is a retryable failure. */
  async #read(response: Response, signal: AbortSignal): Promise<void> {
    const { total, validator } = this.#first!;
    const lost = (cause: unknown) => {
      const progressed = validator !== undefined && this.#offset > this.#reached;
      this.#reached = Math.max(this.#reached, this.#offset);
      return new BodyError(`connection lost at ${bytes(this.#offset)}`, true, progressed, cause);
    };
    try {
      await readBody(response, signal, this.#o.session.policy.requestTimeout, async (chunk) => {
        try {
          await this.#o.sink.write(chunk);
        } catch (error) {
          throw new OutputError('the output cannot be written', { cause: error });
        }
        this.#offset += chunk.byteLength;
        this.#o.view.progress(this.#offset, total);
      });
    } catch (error) {
      if (error instanceof OutputError || signal.aborted) throw error;
      throw lost(error);
    }
    if (total === undefined || this.#offset === total) return;
    if (this.#offset > total) {
      throw new BodyError(`got ${this.#offset} bytes, more than the ${total} announced`, false);
    }
    throw lost(
      Object.assign(new Error(`body ended at ${this.#offset} of ${total} bytes`), {
        code: 'ETRUNCATED',
      }),
    );
  }

  /** One request, one attempt: the session's redirects and timeout, none of its retries. */
  async #send(headers: Headers, signal: AbortSignal): Promise<Response> {
    try {
      return await this.#o.session.fetch(this.#o.url, {
        method: 'GET',
        headers,
        signal,
        retry: false,
      });
    } catch (error) {
      // This call's retries are the only ones: judge the attempt by what went wrong.
      throw error instanceof RetryError ? error.cause : error;
    }
  }

  /** A response that cannot continue the body: start over on the next attempt. */
  async #refuse(response: Response, why: string): Promise<never> {
    await response.body?.cancel().catch(() => {});
    await this.#startOver();
    throw new BodyError(why, true);
  }

  async #startOver(): Promise<void> {
    if (this.#offset === 0) return;
    if (!(await this.#o.sink.restart())) {
      throw new BodyError(
        `cannot start over at byte 0: ${this.#offset} bytes were already written to stdout`,
        false,
      );
    }
    this.#offset = 0;
    this.#first = undefined;
    this.#restarts++;
    this.#o.view.progress(0, undefined);
  }

  /**
   * What failed, for the retry line: `503 Service Unavailable`, `ECONNRESET`, or what
   * became of the body and what the next attempt does about it.
   */
  failure(failed: Pick<RetryEvent, 'status' | 'error'> | BodyError): string {
    const error = failed instanceof BodyError ? failed : failed.error;
    if (!(failed instanceof BodyError) && failed.status !== undefined) {
      return statusLine(failed.status);
    }
    if (error?.name !== 'BodyError') return error?.code ?? error?.name ?? 'error';
    const resumes = this.#offset > 0 && this.#first?.validator !== undefined;
    return `${error.message}, ${resumes ? `resuming from byte ${this.#offset}` : 'starting over'}`;
  }

  result(response: Response): DownloadResult {
    const ok = response.ok;
    const from = ok && this.#first ? this.#first : response;
    return {
      ok,
      status: from.status,
      statusText: from.statusText,
      bytes: this.#offset,
      attempts: this.#attempts,
      resumes: this.#resumes,
      restarts: this.#restarts,
    };
  }
}

/** What an attempt resolves to. */
interface Answer {
  readonly response: Response;
}

/** An HTTP reading of an attempt: failed statuses and broken transfers are worth another. */
function classify(outcome: Outcome<Answer>): Verdict {
  if (outcome.ok) {
    const { status, headers, ok } = outcome.value.response;
    if (ok) return { retry: false, status };
    // Whether this status has a budget is the policy's question, not this function's.
    const hint = parseRetryAfter(headers, Date.now());
    return hint === undefined
      ? { retry: true, status }
      : { retry: true, status, retryAfter: hint.seconds };
  }
  const { error } = outcome;
  if (error instanceof BodyError) return { retry: error.retryable };
  return { retry: !(error instanceof OutputError) && isTransientError(error) };
}
