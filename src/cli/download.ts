import {
  initialJitterState,
  type JitterState,
  jitters,
  nextJitterState,
} from '../backoff/jitter.js';
import type { Clock } from '../clock.js';
import { errorCode } from '../retry/errors.js';
import type { RetryOptions } from '../retry/policy.js';
import { bytes, statusLine } from './output.js';
import type { ProgressView } from './progress.js';

/** Where the body goes: a file that can start over, or a stream that cannot. */
export interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  /** Drops what was written; `false` when that is impossible (bytes already on stdout). */
  restart(): Promise<boolean>;
}

/** What {@link download} needs: a fetch with retries (a Session's) and the policy it uses. */
export interface DownloadOptions {
  readonly url: string;
  readonly headers: Headers;
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly sink: Sink;
  readonly view: ProgressView;
  /** Paces the resumes after a broken body, and bounds them with its `retries`. */
  readonly policy: RetryOptions;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

/** How a download ended. `response` is the last one; `status` is its status. */
export interface DownloadResult {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly bytes: number;
  /** Requests sent for the body after the first: resumes with `Range`, or fresh starts. */
  readonly resumes: number;
  /** Whether a resume had to start over from byte 0 (no validator, or the range was ignored). */
  readonly restarted: boolean;
}

/** The body broke off and the download ran out of resumes. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
}

/**
 * GETs `url` into `sink`. When the connection drops mid-body (or the body is shorter than
 * its `Content-Length`), asks for the rest with `Range` + `If-Range` if the server offered
 * `Accept-Ranges: bytes` and a strong validator, and otherwise (or when the server answers
 * 200 to the range) starts over from byte 0. Header-phase failures are the session's.
 */
export async function download(o: DownloadOptions): Promise<DownloadResult> {
  let offset = 0;
  let total: number | undefined;
  let validator: string | undefined;
  let resumes = 0;
  let restarted = false;
  let jitter: JitterState = initialJitterState(o.policy);
  // The status of the response the body started with (a resume's 206 only continues it).
  let first: { status: number; statusText: string } | undefined;
  for (;;) {
    const headers = new Headers(o.headers);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'identity');
    const ranged = offset > 0 && validator !== undefined;
    if (ranged) {
      headers.set('range', `bytes=${offset}-`);
      headers.set('if-range', validator!);
    }
    const response = await o.fetch(o.url, {
      method: 'GET',
      headers,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const result = (ok: boolean): DownloadResult => ({
      ok,
      ...(ok && first ? first : { status: response.status, statusText: response.statusText }),
      bytes: offset,
      resumes,
      restarted,
    });
    const resumedAt = ranged && response.status === 206 ? rangeStart(response) : undefined;
    if (ranged && resumedAt !== offset) {
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        if (!response.ok) return result(false);
        throw new BodyError(`the server answered the range with an unusable ${response.status}`);
      }
      o.view.note(`${statusLine(200)} to the range: starting over from byte 0`);
      await startOver();
    } else if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return result(false);
    }
    if (offset === 0) {
      first = { status: response.status, statusText: response.statusText };
      total = declaredLength(response);
      validator = resumable(response);
    }
    try {
      await readBody(response, o.signal, o.policy.requestTimeout, async (chunk) => {
        await o.sink.write(chunk);
        offset += chunk.byteLength;
        o.view.progress(offset, total);
      });
      if (total === undefined || offset === total) return result(true);
      if (offset > total)
        throw new BodyError(`got ${offset} bytes, more than the ${total} announced`);
      throw Object.assign(new Error(`body ended at ${offset} of ${total} bytes`), {
        code: 'ETRUNCATED',
      });
    } catch (error) {
      if (o.signal?.aborted) throw o.signal.reason;
      if (error instanceof BodyError || !isBroken(error)) throw error;
      if (resumes >= o.policy.retries) {
        throw new BodyError(
          `${o.url.split('?')[0]}: the body broke off at ${offset} bytes ${resumes + 1} times (${errorCode(error) ?? (error as Error).message})`,
        );
      }
      resumes++;
      const delay = jitters[o.policy.jitter](jitter, o.policy, () => o.clock.random());
      jitter = nextJitterState(jitter, delay);
      const how = validator ? `resuming from byte ${offset}` : 'starting over';
      o.view.waiting(
        `connection lost at ${bytes(offset)}, ${how}`,
        resumes,
        o.policy.retries,
        delay,
      );
      await o.clock.sleep(delay, o.signal);
      if (!validator) await startOver();
    }
  }

  async function startOver(): Promise<void> {
    if (offset > 0 && !(await o.sink.restart())) {
      throw new BodyError(
        `cannot start over at byte 0: ${offset} bytes were already written to stdout`,
      );
    }
    if (offset > 0) restarted = true;
    offset = 0;
  }
}

/**
 * Reads a body chunk by chunk. An abort cancels the read at once, whether or not the
 * fetch that produced the response still listens to the signal.
 */
async function readBody(
  response: Response,
  signal: AbortSignal | undefined,
  stall: number,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  // A body that sends nothing for `stall` seconds (the per-attempt timeout) is broken off
  // like a reset one, and resumed.
  let stalled = false;
  const timer =
    stall === Number.POSITIVE_INFINITY
      ? undefined
      : setTimeout(
          () => {
            stalled = true;
            void reader.cancel().catch(() => {});
          },
          Math.min(stall * 1000, 2 ** 31 - 1),
        );
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (stalled) {
        throw Object.assign(new Error(`no data for ${stall} s (--timeout)`), {
          code: 'ETIMEDOUT',
        });
      }
      if (done) return;
      timer?.refresh();
      await onChunk(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

/** `Content-Length`, when it is the length of the bytes we will read. */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return undefined;
  const value = response.headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The validator to send in `If-Range`, when the response can be resumed at all. */
function resumable(response: Response): string | undefined {
  if (!/\bbytes\b/i.test(response.headers.get('accept-ranges') ?? '')) return undefined;
  const etag = response.headers.get('etag');
  // A weak ETag may not be used in If-Range (RFC 9110 §13.1.5).
  if (etag && !etag.startsWith('W/')) return etag;
  return response.headers.get('last-modified') ?? undefined;
}

/** The first byte of a 206's `Content-Range: bytes first-last/length`. */
function rangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

/** A body that broke off: a reset, a closed socket, or fewer bytes than announced. */
function isBroken(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'ETRUNCATED') return true;
  if (code && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) return true;
  return error instanceof TypeError && /terminated|other side closed/i.test(error.message);
}
