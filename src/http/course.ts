/**
 * One call's request across its attempts and redirect hops. The session follows redirects
 * itself, so credentials never cross origins, and so a retry knows which request of the
 * chain failed: classification reads a {@link Course} as the traits of that request.
 */
import { safeUrl } from '../retry/errors.js';
import { show } from '../validate.js';
import { releaseBody } from './body.js';
import { IDEMPOTENT_METHODS, type RequestTraits } from './classify.js';

/** A redirect chain longer than `maxRedirects`: the server answered, with redirects only. */
export class TooManyRedirects extends TypeError {}

/** The statuses that redirect when they carry a `Location`. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** One request of a redirect chain. */
export interface Hop {
  readonly url: URL;
  /** Uppercase. */
  readonly method: string;
  /** `undefined` when the request sends no header of its own. */
  readonly headers: Headers | undefined;
  /** Whether it carries the call's body (a 303, and a 301 or 302 after a POST, drop it). */
  readonly body: boolean;
}

/** What a {@link Course} needs to know about its call and its session. */
export interface CourseSettings {
  /** Whether the call's body can be sent again. */
  readonly replayableBody: boolean;
  /** The call as messages name it, e.g. `POST http://host/orders`. */
  readonly description: string;
  /** Whether redirects are followed (`redirect: 'follow'`), or handed to `fetch`. */
  readonly follow: boolean;
  readonly maxRedirects: number;
  /** Lowercase names of the headers that never reach another origin. */
  readonly sensitive: readonly string[];
}

/**
 * Where one call's request stands. An attempt starts at `start`: the original request or,
 * once a POST or PATCH was answered with a redirect, the request that the redirect led
 * to. So a retry never sends an answered POST again, and a failed GET after a
 * `303 See Other` retries that GET. Any other chain starts over from the original
 * request, which may redirect elsewhere this time (a fresh signed URL, a healthy node).
 */
export class Course implements RequestTraits {
  start: Hop;
  /** The request that the last attempt ended with. */
  last: Hop;
  answered = false;
  readonly #settings: CourseSettings;

  constructor(first: Hop, settings: CourseSettings) {
    this.start = first;
    this.last = first;
    this.#settings = settings;
  }

  get method(): string {
    return this.last.method;
  }
  get idempotencyKey(): boolean {
    return this.last.headers?.has('idempotency-key') ?? false;
  }
  get replayable(): boolean {
    return !this.last.body || this.#settings.replayableBody;
  }

  /** Begins an attempt: returns the request it starts with, which is now {@link last}. */
  restart(): Hop {
    this.last = this.start;
    return this.start;
  }

  /** Sends an attempt, `init` built for {@link start}, and follows its redirects. */
  async follow(fetch: typeof globalThis.fetch, init: RequestInit): Promise<Response> {
    let hop = this.start;
    for (let hops = 0; ; hops++) {
      this.last = hop;
      const response = await fetch(hop.url.href, init);
      // Where `fetch` followed redirects itself (a browser), an answered POST is answered.
      if (!IDEMPOTENT_METHODS.includes(hop.method) && response.redirected) this.answered = true;
      const { status } = response;
      // Reading a header costs `fetch`: only a redirect's status makes `Location` matter.
      if (!this.#settings.follow || !REDIRECT_STATUSES.has(status)) return response;
      const location = response.headers.get('location');
      if (location === null) return response;
      await releaseBody(response);
      const next = this.next(status, location, hops);
      init = { ...init, method: next.method, headers: next.headers };
      if (!next.body) delete init.body;
      hop = next;
    }
  }

  /**
   * The request that the redirect answering {@link last} leads to, `hops` redirects into
   * the attempt, which becomes {@link last}. A POST or PATCH that was answered so is never
   * sent again: the next attempt starts from where it led. Throws {@link TooManyRedirects}
   * past `maxRedirects`, and what {@link redirectHop} throws.
   */
  next(status: number, location: string, hops: number): Hop & { readonly headers: Headers } {
    const settings = this.#settings;
    if (hops >= settings.maxRedirects) {
      throw new TooManyRedirects(
        `${settings.description}: more than ${settings.maxRedirects} redirects (maxRedirects)`,
      );
    }
    const hop = this.last;
    const next = redirectHop(hop, status, location, settings.sensitive);
    if (!IDEMPOTENT_METHODS.includes(hop.method)) {
      this.start = next;
      this.answered = true;
    }
    this.last = next;
    return next;
  }
}

/** Describe the body, which a request turned into a GET no longer has. */
const CONTENT_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];

/**
 * The request that a `status` redirect to `location` leads to, with the method rewritten
 * as `fetch` does and the sensitive headers dropped on another origin. Throws a
 * `TypeError` (not retried) for a `Location` that is not a URL, a scheme other than
 * http: and https:, or a URL with `user:password@`; the message shows no part of either
 * URL but the origin and path of the request that was redirected.
 */
export function redirectHop(
  hop: Hop,
  status: number,
  location: string,
  sensitive: readonly string[],
): Hop & { readonly headers: Headers } {
  const from = `${hop.method} ${safeUrl(hop.url)}`;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    // The URL parser's own error carries the base URL, query string included.
    throw new TypeError(`${from}: redirected to a Location that is not a valid URL; not followed`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(
      `${from}: redirected to a ${show(url.protocol)} URL; only http: and https: redirects are followed`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // fetch refuses these too, but its message quotes the password.
    throw new TypeError(
      `${from}: redirected to a URL with credentials (user:password@); not followed`,
    );
  }
  const headers = new Headers(hop.headers);
  if (url.origin !== hop.url.origin) for (const name of sensitive) headers.delete(name);
  const toGet =
    status === 303
      ? hop.method !== 'HEAD'
      : hop.method === 'POST' && (status === 301 || status === 302);
  if (!toGet) return { url, method: hop.method, headers, body: hop.body };
  for (const name of CONTENT_HEADERS) headers.delete(name);
  return { url, method: 'GET', headers, body: false };
}
