/**
 * Reading a request's URL and headers without ever putting a credential in an error
 * message: the errors that `URL` and `Headers` throw quote the input (a password in the
 * URL, a token in a header value), so their messages are replaced.
 */
import { redactUrl, safeUrl } from '../retry/errors.js';
import { show } from '../validate.js';

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Validates the session's `baseUrl`: absolute, and without `user:password@`. */
export function checkBaseUrl(value: unknown): void {
  if (value === undefined) return;
  const text = String(value);
  if (!URL.canParse(text)) {
    throw new TypeError(`\`baseUrl\` must be an absolute URL, got ${show(redactUrl(text))}`);
  }
  if (hasCredentials(new URL(text))) {
    throw new TypeError(
      `\`baseUrl\` must not contain credentials (user:password@), got ${safeUrl(text)}; send them in an Authorization header`,
    );
  }
}

/** The URL of a request, resolved against `base`; refused when it carries `user:password@`. */
export function requestUrl(input: string | URL, base: string | URL | undefined): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new TypeError(
      `The request URL must be absolute or resolve against \`baseUrl\`, got ${show(redactUrl(String(input)))}`,
    );
  }
  // fetch refuses these too, but its message quotes the password.
  if (hasCredentials(url)) {
    throw new TypeError(
      `The request URL must not contain credentials (user:password@), got ${safeUrl(url)}; send them in an Authorization header`,
    );
  }
  return url;
}

function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

type HeadersInit = ConstructorParameters<typeof Headers>[0];

/** `defaults` overridden by `own`, or a TypeError that names no value. */
export function mergeHeaders(defaults: HeadersInit, own: HeadersInit, what: string): Headers {
  try {
    const headers = new Headers(defaults);
    if (own !== undefined) for (const [k, v] of new Headers(own)) headers.set(k, v);
    return headers;
  } catch {
    throw new TypeError(`${what}: header names and values must be valid (values not shown)`);
  }
}

/** Fails at construction, not at the first request; the message never shows header values. */
export function checkHeaders(value: unknown): void {
  if (value === undefined) return;
  try {
    new Headers(value as HeadersInit);
  } catch {
    throw new TypeError(
      `\`headers\` must be a Headers, an object or a list of [name, value] pairs with valid names and values, got ${show(value)} (values not shown)`,
    );
  }
}

/** The lowercased names of `sensitiveHeaders`. */
export function headerNames(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && TOKEN.test(h))) {
    throw new TypeError(
      `\`sensitiveHeaders\` must be an array of header names, got ${show(value)}`,
    );
  }
  return value.map((h: string) => h.toLowerCase());
}
