/**
 * What a dispatch asks for, read once: its options (headers in a shape that can be read
 * again, `maxRedirections` taken out, as undici's own redirect interceptor does), its body
 * across attempts, and the traits the retry rules read while no redirect was followed.
 */
import type { Dispatcher } from 'undici';
import type { RequestTraits } from '../http/classify.js';
import { safeUrl } from '../retry/errors.js';
import { checkNumber } from '../validate.js';
import { hasHeader, stableHeaders } from './headers.js';
import { type DispatchBody, RequestBody } from './request-body.js';

/** A dispatch's options, with the per-request redirect limit undici's interceptors read. */
export type DispatchOptions = Dispatcher.DispatchOptions & { maxRedirections?: number };

export class DispatchRequest implements RequestTraits {
  readonly method: string;
  readonly opts: DispatchOptions;
  /** `undefined` when there is none. */
  readonly body: RequestBody | undefined;
  /** Redirects to follow: the dispatch's `maxRedirections`, or the interceptor's. */
  readonly maxRedirects: number;
  #idempotencyKey: boolean | undefined = undefined;
  #description: string | undefined = undefined;

  constructor(opts: DispatchOptions, maxRedirects: number) {
    // `toUpperCase()` makes a new string each time; `GET`, the common case, needs none.
    this.method = opts.method === 'GET' ? 'GET' : opts.method.toUpperCase();
    const { maxRedirections } = opts;
    this.maxRedirects =
      maxRedirections == null
        ? maxRedirects
        : checkNumber('maxRedirections', maxRedirections, { min: 0, integer: true });
    const headers = stableHeaders(opts.headers);
    if (maxRedirections !== undefined || headers !== opts.headers) {
      const { maxRedirections: _, ...rest } = opts;
      this.opts = headers === undefined ? rest : { ...rest, headers };
    } else this.opts = opts;
    this.body = opts.body == null ? undefined : new RequestBody(opts.body as DispatchBody);
  }

  get idempotencyKey(): boolean {
    this.#idempotencyKey ??= hasHeader(this.opts.headers, 'idempotency-key');
    return this.#idempotencyKey;
  }

  get replayable(): boolean {
    return this.body?.replayable ?? true;
  }

  /** The URL, when the dispatch names its origin (a `Client`'s may not). */
  get url(): URL | undefined {
    const { origin, path } = this.opts;
    return origin === undefined ? undefined : new URL(path, origin);
  }

  /** `GET http://host/path` (no credentials, no query), for messages and events. */
  get description(): string {
    if (this.#description === undefined) {
      const url = this.url;
      const where = url ? safeUrl(url) : (this.opts.path.split('?')[0] ?? '');
      this.#description = `${this.method} ${where}`;
    }
    return this.#description;
  }
}
