/**
 * The ways the fault matrix sends its requests: a `Session` over the global `fetch`, and
 * the undici interceptor under `undici.request` and under `undici.fetch`. Each one makes
 * the same request with the same policy and reports what happened in one shape: the
 * response (its status, its history, its body) or the error, unwrapped where the API
 * wraps it (`fetch` rejects with `TypeError: fetch failed` whose cause is the interceptor's
 * `RetryError`).
 */
import { once } from 'node:events';
import { Agent, type Dispatcher, request, fetch as undiciFetch } from 'undici';
import { Session } from '../../src/http/session.js';
import type { RetryInfo } from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import type { RetryOptions } from '../../src/retry/policy.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import type { Clock } from '../../src/time/clock.js';
import { retry } from '../../src/undici/index.js';
import type { TransportName } from './faults.js';

export { type TransportName, transportNames } from './faults.js';

/** One request of a cell. */
export interface CellRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/** How the request ended. */
export type Sent =
  | {
      readonly ok: true;
      readonly status: number;
      readonly info: RetryInfo | undefined;
      /** Reads the whole body: its length, or a rejection when it breaks. */
      readonly read: () => Promise<number>;
    }
  | {
      readonly ok: false;
      readonly error: unknown;
      /** `fetch` failed with an error of its own (not a dispatcher's, which is its cause). */
      readonly fetchError?: boolean;
    };

/** The settings every transport gets: the row's policy on top of the profile. */
export interface TransportSettings {
  readonly profile: 'nonInteractive' | 'interactive';
  readonly clock: Clock;
  readonly overrides: Partial<RetryOptions> | undefined;
  /** Sent with every request: credentials that must not reach another origin. */
  readonly headers: Readonly<Record<string, string>>;
  /** More headers that must not reach another origin. */
  readonly sensitiveHeaders: readonly string[];
}

export interface Transport {
  send(request: CellRequest): Promise<Sent>;
  /**
   * Abort listeners the API itself leaves on the caller's signal: `fetch` removes its own
   * only when the request is garbage-collected.
   */
  readonly ownListeners: number;
  close(): Promise<void>;
}

/** Redirects followed by a session by default, and by the interceptor when asked. */
const MAX_REDIRECTS = 20;

export function openTransport(name: TransportName, s: TransportSettings): Transport {
  if (name === 'session') return sessionTransport(s);
  return name === 'undici.request' ? requestTransport(s) : fetchTransport(s);
}

function sessionTransport(s: TransportSettings): Transport {
  const session = new Session({
    profile: s.profile,
    clock: s.clock,
    headers: s.headers,
    sensitiveHeaders: s.sensitiveHeaders,
    ...s.overrides,
  });
  return {
    async send(r) {
      try {
        const response = await session.fetch(r.url, {
          method: r.method,
          ...(r.body === undefined ? {} : { body: r.body }),
          headers: r.headers,
          signal: r.signal,
        });
        return {
          ok: true,
          status: response.status,
          info: retryInfo(response),
          read: bytes(response),
        };
      } catch (error) {
        return { ok: false, error };
      }
    },
    close: async () => {},
    ownListeners: 0,
  };
}

function interceptor(s: TransportSettings, maxRedirects: number) {
  return retry({
    profile: s.profile,
    clock: s.clock,
    sensitiveHeaders: s.sensitiveHeaders,
    maxRedirects,
    ...s.overrides,
  });
}

function requestTransport(s: TransportSettings): Transport {
  const agent = new Agent();
  const dispatcher = agent.compose(interceptor(s, MAX_REDIRECTS));
  return {
    async send(r) {
      try {
        const data = await request(r.url, {
          dispatcher,
          method: r.method,
          ...(r.body === undefined ? {} : { body: r.body }),
          headers: { ...s.headers, ...r.headers },
          signal: r.signal,
        });
        const read = async () => {
          const length = (await data.body.arrayBuffer()).byteLength;
          // The caller's abort listener goes when the body closes, a tick after its end.
          if (!data.body.closed) await once(data.body, 'close');
          return length;
        };
        return { ok: true, status: data.statusCode, info: retryInfo(data.context), read };
      } catch (error) {
        return { ok: false, error };
      }
    },
    close: () => agent.close(),
    ownListeners: 0,
  };
}

/**
 * `fetch` keeps no `context`: an interceptor composed outside the retry one sees the
 * context that the retry interceptor hands on, and keeps the last one.
 */
function fetchTransport(s: TransportSettings): Transport {
  const agent = new Agent();
  let context: object | undefined;
  const capture: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart: (controller, ctx) => {
        context = ctx;
        handler.onRequestStart?.(controller, ctx);
      },
      onResponseStart: (...args) => handler.onResponseStart?.(...args),
      onResponseData: (...args) => handler.onResponseData?.(...args),
      onResponseEnd: (...args) => handler.onResponseEnd?.(...args),
      onResponseError: (...args) => handler.onResponseError?.(...args),
    });
  // fetch follows redirects itself, one dispatch per hop (it sends `maxRedirections: 0`).
  const dispatcher = agent.compose(interceptor(s, MAX_REDIRECTS), capture);
  return {
    async send(r) {
      try {
        const response = await undiciFetch(r.url, {
          dispatcher,
          method: r.method,
          ...(r.body === undefined ? {} : { body: r.body }),
          headers: { ...s.headers, ...r.headers },
          signal: r.signal,
        });
        return {
          ok: true,
          status: response.status,
          info: retryInfo(context),
          read: bytes(response),
        };
      } catch (error) {
        // fetch wraps what the dispatcher failed with: a RetryError, or the abort reason.
        const cause = error instanceof TypeError ? error.cause : undefined;
        if (cause instanceof RetryError) return { ok: false, error: cause };
        return { ok: false, error, fetchError: error instanceof TypeError };
      }
    },
    close: () => agent.close(),
    ownListeners: 1,
  };
}

function bytes(response: { arrayBuffer(): Promise<ArrayBuffer> }): () => Promise<number> {
  return async () => (await response.arrayBuffer()).byteLength;
}
