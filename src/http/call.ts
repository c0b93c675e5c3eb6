/**
 * A `Session` call's request as read before its body: checked, its URL resolved, its
 * method and headers settled. Bad input throws here, before anything is sent.
 */
import { safeUrl } from '../retry/errors.js';
import { show } from '../validate.js';
import { mergeHeaders, requestUrl } from './safe-input.js';

type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** The members of a call's options that are read here (a `SessionRequestInit` has them). */
export interface CallInit {
  readonly retry?: unknown;
  readonly method?: string;
  readonly headers?: HeadersInit;
}

/** What a call's request is, read before its body. */
export interface Call<I extends CallInit> {
  readonly init: I;
  readonly request: Request | undefined;
  readonly url: URL;
  /** Uppercase. */
  readonly method: string;
  /** The call as messages name it, e.g. `GET http://host/path` (no credentials, no query). */
  readonly description: string;
  /** `undefined` when neither the session nor the call has headers. */
  readonly headers: Headers | undefined;
}

/** The options of a call that gave none, shared: nothing to copy. */
export const NO_OPTIONS: Readonly<Record<never, never>> = Object.freeze({});

/**
 * Reads a call of a session whose `baseUrl` and `headers` are given; `forced` is the method
 * of a method shortcut (`get`, `post`, …), which wins over the call's own.
 */
export function readCall<I extends CallInit>(
  input: string | URL | Request,
  init: I,
  forced: string | undefined,
  session: { readonly baseUrl?: string | URL | undefined; readonly headers?: HeadersInit },
): Call<I> {
  const { retry } = init;
  if (
    retry !== undefined &&
    retry !== false &&
    (typeof retry !== 'object' || retry === null || Array.isArray(retry))
  ) {
    throw new TypeError(`\`retry\` must be an options object or false, got ${show(retry)}`);
  }
  const request = input instanceof Request ? input : undefined;
  const url = requestUrl(request ? request.url : (input as string | URL), session.baseUrl);
  const method = (forced ?? init.method ?? request?.method ?? 'GET').toUpperCase();
  const description = `${method} ${safeUrl(url)}`;
  const own = init.headers ?? request?.headers;
  // What is empty stays out of the init: fetch pays for every member it converts.
  const headers =
    session.headers === undefined && own === undefined
      ? undefined
      : mergeHeaders(session.headers, own, description);
  return { init, request, url, method, description, headers };
}

/** A call's options without the session's own members: what `fetch` gets of them. */
export function fetchOptions(init: CallInit & object): RequestInit {
  if (init === NO_OPTIONS) return NO_OPTIONS;
  const {
    retry: _r,
    timeout: _t,
    onRetry: _o,
    body: _b,
    headers: _h,
    ...rest
  } = init as {
    [key: string]: unknown;
  };
  return rest as RequestInit;
}
