/**
 * Redirects the interceptor follows itself, by a `Session`'s rules (`http/course.ts`):
 * credentials kept from other origins, a `POST` answered with a redirect never sent again.
 * A dispatch only becomes a {@link Course} when it is redirected, so a request that is not
 * pays nothing for it.
 */
import type { Dispatcher } from 'undici';
import { Course, type Hop } from '../http/course.js';
import { toFetchHeaders } from './headers.js';
import type { RequestBody } from './request-body.js';

type DispatchOptions = Dispatcher.DispatchOptions;
type Body = NonNullable<DispatchOptions['body']>;

/** What a course needs to know of the dispatch being redirected for the first time. */
export interface Redirected {
  readonly url: URL;
  readonly method: string;
  readonly opts: DispatchOptions;
  readonly body: RequestBody | undefined;
  readonly description: string;
  readonly maxRedirects: number;
  /** Lowercase names of the headers that never reach another origin. */
  readonly sensitive: readonly string[];
}

/** The course of a dispatch, starting at its own request. */
export function startCourse(r: Redirected): Course {
  const { body } = r;
  return new Course(
    {
      url: r.url,
      method: r.method,
      headers: toFetchHeaders(r.opts.headers, r.description),
      body: r.opts.body != null,
    },
    {
      get replayableBody() {
        return body?.replayable ?? true;
      },
      description: r.description,
      follow: true,
      maxRedirects: r.maxRedirects,
      sensitive: r.sensitive,
    },
  );
}

/** The dispatch options of `hop`, the rest taken from the dispatch's own. */
export function hopOptions(
  opts: DispatchOptions,
  hop: Hop,
  body: RequestBody | undefined,
): DispatchOptions {
  const headers: Record<string, string> = {};
  // The Host of the first request is not the host of the next.
  for (const [name, value] of hop.headers ?? []) if (name !== 'host') headers[name] = value;
  return {
    ...opts,
    origin: hop.url.origin,
    path: `${hop.url.pathname}${hop.url.search}`,
    method: hop.method,
    headers,
    body: hop.body && body ? (body.next() as Body) : null,
  };
}
