/**
 * What a client remembers of the response a body started with, and the checks a 206 must
 * pass before its bytes may follow the ones already received (RFC 9110 §13.1.5, §14.4,
 * §15.3.7). A resume that fails them would splice two versions of the body. The CLI's
 * downloads and the undici interceptor resume through these same checks.
 */
import { printable } from './printable.js';

/** What the checks read of a response: a `Response`, or a transport's own head. */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
}

/** The response the body started with. */
export interface Representation {
  readonly status: number;
  readonly statusText: string;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** The length of the whole body, when the response said it. */
  readonly total: number | undefined;
  /** What to send in `If-Range`: a strong validator, or nothing when the body cannot be resumed. */
  readonly validator: string | undefined;
}

/** The facts of `response` that later resumes are checked against. */
export function representation(response: ResponseHead): Representation {
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  return {
    status: response.status,
    statusText: response.statusText,
    etag,
    lastModified,
    total: declaredLength(response),
    validator: strongValidator(response, etag, lastModified),
  };
}

/**
 * A strong validator, when the server offers ranges at all. An ETag is strong unless
 * marked `W/`; a client holding any ETag may not send a date instead, and a date is strong
 * only when the response's `Date` is at least a second later (RFC 9110 §8.8.2.2).
 */
function strongValidator(
  response: ResponseHead,
  etag: string | null,
  lastModified: string | null,
): string | undefined {
  if (!/\bbytes\b/i.test(response.headers.get('accept-ranges') ?? '')) return undefined;
  if (etag !== null) return etag.startsWith('W/') ? undefined : etag;
  if (lastModified === null) return undefined;
  const modified = Date.parse(lastModified);
  const date = Date.parse(response.headers.get('date') ?? '');
  return date - modified >= 1000 ? lastModified : undefined;
}

/** `Content-Length`, when it is the length of the bytes we will read. */
function declaredLength(response: ResponseHead): number | undefined {
  if (!identity(response)) return undefined;
  const value = response.headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

const identity = (response: ResponseHead) =>
  (response.headers.get('content-encoding') ?? 'identity') === 'identity';

/** `Content-Range: bytes first-last/length` (`length` may be `*`). */
function contentRange(
  response: ResponseHead,
): { first: number; length: number | undefined } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  if (!match || Number(match[2]) < Number(match[1])) return null;
  return { first: Number(match[1]), length: match[3] === '*' ? undefined : Number(match[3]) };
}

/**
 * Why the 206 `response` to `Range: bytes=offset-` cannot continue `first`, or
 * `undefined` when it can: it must carry the same validators, start at `offset`, and
 * belong to a body of the same length.
 */
export function resumeMismatch(
  first: Representation,
  response: ResponseHead,
  offset: number,
): string | undefined {
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  // A 206 carries the ETag a 200 would (§15.3.7); the date is the validator only without one.
  if (etag !== first.etag) return `ETag ${quote(etag)}, not ${quote(first.etag)}`;
  if ((lastModified !== null || first.etag === null) && lastModified !== first.lastModified) {
    return `Last-Modified ${quote(lastModified)}, not ${quote(first.lastModified)}`;
  }
  if (!identity(response)) return 'an encoded range';
  const range = contentRange(response);
  if (!range) return 'no usable Content-Range';
  if (range.first !== offset) return `a range from byte ${range.first}, not ${offset}`;
  if (first.total !== undefined && range.length !== first.total) {
    return `a body of ${range.length ?? 'unknown'} bytes, not ${first.total}`;
  }
  return undefined;
}

const quote = (value: string | null) => (value === null ? 'none' : printable(value));
