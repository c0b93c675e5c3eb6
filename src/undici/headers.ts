/**
 * Request and response headers in undici's shapes: an object, a flat `[name, value, …]`
 * list, or an iterable of `[name, value]` pairs (a `Headers`, a `Map`). Names are matched
 * without regard to case; values are never put in an error message.
 */
import type { Dispatcher } from 'undici';

/** A request's headers as a dispatch carries them. */
export type DispatchHeaders = Dispatcher.DispatchOptions['headers'] | undefined;

/** A response's headers as an interceptor sees them: lowercase names. */
export type ResponseHeaders = Readonly<Record<string, string | string[] | undefined>>;

type Value = string | readonly string[] | undefined;

/**
 * The same headers in a shape that can be read more than once: an iterable that is not a
 * list (which a first reading could use up) becomes a flat list.
 */
export function stableHeaders<T extends DispatchHeaders>(headers: T): T | string[] {
  if (headers == null || Array.isArray(headers) || !(Symbol.iterator in headers)) return headers;
  const flat: string[] = [];
  for (const [name, value] of headers as Iterable<[string, Value]>) {
    for (const v of list(value)) flat.push(name, v);
  }
  return flat;
}

/** Calls `visit` with every name and value of (stable) `headers`. */
function each(headers: DispatchHeaders, visit: (name: string, value: Value) => void): void {
  if (headers == null) return;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) visit(String(headers[i]), headers[i + 1]);
  } else {
    for (const name of Object.keys(headers)) {
      visit(name, (headers as Record<string, Value>)[name]);
    }
  }
}

/** Whether `headers` has a field `name` (lowercase). */
export function hasHeader(headers: DispatchHeaders, name: string): boolean {
  let found = false;
  each(headers, (n, value) => {
    if (!found && value !== undefined && n.length === name.length && n.toLowerCase() === name) {
      found = true;
    }
  });
  return found;
}

/** `headers` as an object with lowercase names, `set` replacing fields of the same names. */
export function withHeaders(
  headers: DispatchHeaders,
  set: Readonly<Record<string, string>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  each(headers, (name, value) => {
    const key = name.toLowerCase();
    if (value === undefined || key in set) return;
    const had = out[key];
    out[key] = had === undefined ? [...list(value)] : [...list(had), ...list(value)];
  });
  return Object.assign(out, set);
}

/** `headers` as a `Headers`, for the redirect rules; a TypeError that names no value. */
export function toFetchHeaders(headers: DispatchHeaders, what: string): Headers {
  const out = new Headers();
  try {
    each(headers, (name, value) => {
      for (const v of list(value)) out.append(name, v);
    });
  } catch {
    throw new TypeError(`${what}: header names and values must be valid (values not shown)`);
  }
  return out;
}

/** A `Headers`-like reader of a response's headers (a repeated field reads joined by ", "). */
export function headerReader(headers: ResponseHeaders): { get(name: string): string | null } {
  return {
    get: (name) => {
      const value = headers[name];
      return value === undefined ? null : list(value).join(', ');
    },
  };
}

function list(value: Value): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value.map(String);
}
