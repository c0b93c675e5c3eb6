/**
 * Resuming a `GET` body that broke off, inside the interceptor: the bytes already handed on
 * stay, and the rest is asked for with `Range: bytes=N-` and `If-Range` set to the first
 * response's strong validator. The 206 must pass the checks that the CLI's downloads use
 * (same ETag and Last-Modified, a range from byte N, a body of the same length), or
 * nothing is spliced and the body fails. Each resume needs the body to have moved forward
 * since the last one, so a server that breaks off at once cannot make it loop.
 */
import { isTransientError } from '../http/classify.js';
import { type Representation, representation, resumeMismatch } from '../http/representation.js';
import type { RetryInfo } from '../retry/contract.js';
import { OrionError, RetryError } from '../retry/errors.js';
import { headerReader } from './headers.js';
import type { Reply } from './leg.js';

/** What the resume checks read of a held response head. */
function head(reply: Reply) {
  return {
    status: reply.status,
    statusText: reply.statusMessage,
    headers: headerReader(reply.headers),
  };
}

/** Whether the response a body started with may be resumed at all, before reading its headers. */
export function mayResume(method: string, ranged: boolean, reply: Reply): boolean {
  return method === 'GET' && !ranged && reply.status === 200;
}

/** The resumes of one body. */
export class Resumption {
  /** Where the last resume started, in bytes handed on. */
  from = -1;
  /** Why the body broke off the last time. */
  cause: Error | undefined;
  readonly #first: Representation;

  constructor(first: Reply) {
    this.#first = representation(head(first));
  }

  /**
   * Whether a body that broke off with `error` after `offset` bytes can be resumed: a
   * transient network failure, a strong validator, and progress since the last resume.
   */
  canResume(error: Error, offset: number): boolean {
    return offset > this.from && this.#first.validator !== undefined && isTransientError(error);
  }

  begin(offset: number, cause: Error): void {
    this.from = offset;
    this.cause = cause;
  }

  /** The headers that ask for the rest. */
  headers(): Readonly<Record<string, string>> {
    return { range: `bytes=${this.from}-`, 'if-range': this.#first.validator as string };
  }

  /**
   * Why `reply` cannot continue the body, as the error the body fails with; or
   * `undefined` when it can. A failed status is where the resume's retries ended (`info`
   * is its run's history): a `RetryError`. Any other answer than a matching 206 would
   * splice two versions.
   */
  refusal(reply: Reply, description: string, info: RetryInfo | undefined): Error | undefined {
    if (reply.status >= 300) {
      const attempts = info?.attempts ?? [];
      return new RetryError({
        attempts,
        reason: info?.reason ?? 'notRetryable',
        description,
        cause: this.cause,
        elapsed: attempts.at(-1)?.end ?? 0,
      });
    }
    const wrong =
      reply.status === 206
        ? resumeMismatch(this.#first, head(reply), this.from)
        : `status ${reply.status}`;
    if (wrong === undefined) return undefined;
    return new OrionError(`${description}: the range came back with ${wrong}; not spliced`, {
      cause: this.cause,
    });
  }
}
