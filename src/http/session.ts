import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { safeUrl } from '../retry/errors.js';
import type { RetryOptions } from '../retry/policy.js';
import { resolveRetryOptions, retryOptionKeys } from '../retry/policy.js';
import {
  CLOCK_METHODS,
  COORDINATOR_METHODS,
  type RetryCoordinator,
  type RetryEvent,
  resolvePolicy,
  runRetry,
} from '../retry/retry.js';
import {
  RETRY_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  type Spread,
} from '../retry/spread.js';
import { checkFunction, checkKeys, checkMethods, checkNumber, show } from '../validate.js';
import { type BodyInit, type BodySource, isReplayable, releaseBody } from './body.js';
import { classifyHttp } from './classify.js';
import type { ProfileName } from './profiles.js';
import { checkBaseUrl, checkHeaders, headerNames, mergeHeaders, requestUrl } from './safe-input.js';

/** Headers that never follow a redirect to another origin. */
export const SENSITIVE_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'cookie',
  'proxy-authorization',
]);

/** Options of {@link Session}: a profile, any policy field to override, and HTTP settings. */
export interface SessionOptions extends Partial<RetryOptions> {
  /**
   * The retry profile: `'nonInteractive'` (the seed's budgets), `'interactive'` (a person
   * is waiting), or a complete custom policy.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /** Relative request URLs resolve against it. */
  baseUrl?: string | URL;
  /** Sent with every request; a request's own headers win. */
  headers?: ConstructorParameters<typeof Headers>[0];
  /** @default systemClock */
  clock?: Clock;
  /** Called before each backoff sleep of every request. */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
  /**
   * The `fetch` to call, e.g. one bound to an undici dispatcher.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * More headers to keep from other origins on redirect, besides Authorization, Cookie
   * and Proxy-Authorization (for example `['x-api-key']`).
   * @default []
   */
  sensitiveHeaders?: readonly string[];
  /** @default 20 */
  maxRedirects?: number;
  /** Shares pacing and a retry budget between this session's requests (and other sessions'). */
  coordinator?: RetryCoordinator;
  /**
   * How far above a server's `Retry-After` of `s` seconds a retry may start when no
   * `coordinator` is given: a uniform draw in `[s, s + min(30, s · (2k − 1))]` after the
   * k-th `Retry-After` of a request, never below `s`; `false` waits exactly `s` (see
   * `retry()`).
   * @default { spread: 1, slope: 2, growth: 1, maxSpread: 30 }
   */
  retryAfterSpread?: boolean | RetryAfterSpreadOptions;
}

/** A request's options: `RequestInit`, a body factory, and per-call retry settings. */
export interface SessionRequestInit extends Omit<RequestInit, 'body'> {
  /** A body, or a factory called once per attempt (the way to retry a stream body). */
  body?: BodySource;
  /** Policy fields for this call, or `false` for a single attempt. */
  retry?: Partial<RetryOptions> | false;
  /** This call's per-attempt timeout in seconds (its `requestTimeout`). */
  timeout?: number;
  /** Called before each backoff sleep of this request (after the session's hook). */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
}

const sessionKeys = [
  ...retryOptionKeys,
  'profile',
  'baseUrl',
  'headers',
  'clock',
  'onRetry',
  'fetch',
  'sensitiveHeaders',
  'maxRedirects',
  'coordinator',
  'retryAfterSpread',
];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * An HTTP client on `fetch` that retries the way the profile says: per-status budgets,
 * jittered backoff, `Retry-After` honoured, non-idempotent requests resent only when
 * that is safe, failed bodies released so keep-alive sockets are reused.
 *
 * The result is the final `Response`, a failed one included (as `fetch` does); a request
 * that never got a response rejects with `RetryError`; an abort rejects with its reason.
 *
 * @example
 * ```ts
 * const session = new Session({ profile: 'interactive', baseUrl: 'https://api.example.com' });
 * const response = await session.get('/jobs/42');
 * ```
 */
export class Session {
  readonly policy: RetryOptions;
  readonly #options: SessionOptions;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  readonly #sensitive: readonly string[];
  readonly #maxRedirects: number;
  readonly #spread: Spread | false;

  constructor(options?: SessionOptions) {
    const o = checkKeys('Session options', options, sessionKeys) as SessionOptions;
    this.policy = resolvePolicy(o, 'Session options');
    if (o.fetch !== undefined && typeof o.fetch !== 'function') {
      throw new TypeError(`\`fetch\` must be a function, got ${show(o.fetch)}`);
    }
    checkBaseUrl(o.baseUrl);
    checkMethods('clock', o.clock, 'a Clock', CLOCK_METHODS);
    checkMethods('coordinator', o.coordinator, 'a RetryCoordinator', COORDINATOR_METHODS);
    checkFunction('onRetry', o.onRetry);
    checkHeaders(o.headers);
    this.#options = o;
    this.#fetch = o.fetch ?? globalThis.fetch;
    this.#clock = o.clock ?? systemClock;
    this.#sensitive = [...SENSITIVE_HEADERS, ...headerNames(o.sensitiveHeaders)];
    const maxRedirects = o.maxRedirects === undefined ? 20 : o.maxRedirects;
    this.#maxRedirects = checkNumber('maxRedirects', maxRedirects, { min: 0, integer: true });
    this.#spread = resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD) ?? false;
  }

  /** `fetch` with this session's retries. */
  async fetch(input: string | URL | Request, init: SessionRequestInit = {}): Promise<Response> {
    const request = input instanceof Request ? input : undefined;
    const url = requestUrl(request ? request.url : (input as string | URL), this.#options.baseUrl);
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const description = `${method} ${safeUrl(url)}`;
    const headers = mergeHeaders(
      this.#options.headers,
      init.headers ?? request?.headers,
      description,
    );
    const source: BodySource =
      init.body !== undefined ? init.body : request?.body ? await request.arrayBuffer() : null;
    const factory = typeof source === 'function';
    const signal = init.signal ?? request?.signal ?? undefined;
    const traits = {
      method,
      idempotencyKey: headers.has('idempotency-key'),
      replayable: factory || isReplayable(source),
    };
    const policy =
      init.retry === undefined && init.timeout === undefined
        ? this.policy
        : resolveRetryOptions(
            {
              ...(init.retry ? init.retry : {}),
              ...(init.retry === false ? { retries: 0, statusRetries: {} } : {}),
              ...(init.timeout === undefined
                ? {}
                : { requestTimeout: checkNumber('timeout', init.timeout, { min: 0 }) }),
            },
            this.policy,
            'request options',
          );
    const { retry: _r, timeout: _t, onRetry: callHook, body: _b, headers: _h, ...rest } = init;
    const sessionHook = this.#options.onRetry;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`\`signal\` must be an AbortSignal, got ${show(signal)}`);
    }
    checkFunction('onRetry', callHook);
    const mode = init.redirect ?? 'follow';
    const redirect = mode === 'follow' ? 'manual' : mode;
    // Nothing can abort an attempt without a signal or a timeout, and a signal costs fetch.
    const abortable = signal !== undefined || policy.requestTimeout !== Number.POSITIVE_INFINITY;
    // What is empty stays out of the init: fetch pays for every member it converts.
    const hasHeaders =
      this.#options.headers !== undefined || (init.headers ?? request?.headers) !== undefined;
    const send = (attemptSignal: AbortSignal, body: BodyInit | null) =>
      this.#follow(
        url,
        {
          ...rest,
          method,
          // Attempts share `headers`: #follow copies them before a redirect changes them.
          ...(hasHeaders ? { headers } : {}),
          ...(body === null ? {} : { body }),
          ...(abortable ? { signal: attemptSignal } : {}),
          redirect,
        },
        mode,
      );
    return runRetry<Response>(
      factory
        ? async ({ signal: s }) => send(s, await (source as () => BodyInit | null)())
        : ({ signal: s }) => send(s, source as BodyInit | null),
      {
        clock: this.#clock,
        ...(signal ? { signal } : {}),
        ...(this.#options.coordinator ? { coordinator: this.#options.coordinator, url } : {}),
        retryAfterSpread: this.#spread,
        description,
        classify: (outcome) => classifyHttp(outcome, traits, policy, Date.now),
        discard: releaseBody,
        onRetry: async (event) => {
          await sessionHook?.(event);
          await callHook?.(event);
        },
      },
      policy,
    );
  }

  /** Sends one attempt, following redirects itself so credentials never cross origins. */
  async #follow(
    url: URL,
    init: RequestInit & { headers?: Headers; method: string },
    mode: NonNullable<RequestInit['redirect']>,
  ): Promise<Response> {
    let current = url;
    for (let hops = 0; ; hops++) {
      const response = await this.#fetch(current.href, init);
      const location = response.headers.get('location');
      if (mode !== 'follow' || !REDIRECTS.has(response.status) || location === null)
        return response;
      await releaseBody(response);
      if (hops >= this.#maxRedirects) {
        throw new TypeError(
          `${init.method} ${safeUrl(url)}: more than ${this.#maxRedirects} redirects (maxRedirects)`,
        );
      }
      const next = new URL(location, current);
      // The caller's attempt shares `headers` with the next attempt: change a copy.
      const headers = hops === 0 ? new Headers(init.headers) : (init.headers ?? new Headers());
      init.headers = headers;
      if (next.origin !== current.origin) for (const name of this.#sensitive) headers.delete(name);
      const toGet =
        response.status === 303
          ? init.method !== 'HEAD'
          : init.method === 'POST' && response.status !== 307 && response.status !== 308;
      if (toGet) {
        init.method = 'GET';
        delete init.body;
        for (const name of [
          'content-type',
          'content-length',
          'content-encoding',
          'content-language',
          'content-location',
        ]) {
          headers.delete(name);
        }
      }
      current = next;
    }
  }

  /** `GET` with retries. */
  get(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'GET' });
  }
  /** `HEAD` with retries. */
  head(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'HEAD' });
  }
  /** `POST`: resent only after a 429, a refused connection, or with an `Idempotency-Key`. */
  post(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'POST' });
  }
  /** `PUT` with retries. */
  put(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'PUT' });
  }
  /** `PATCH`: resent only after a 429, a refused connection, or with an `Idempotency-Key`. */
  patch(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'PATCH' });
  }
  /** `DELETE` with retries. */
  delete(url: string | URL, init: SessionRequestInit = {}): Promise<Response> {
    return this.fetch(url, { ...init, method: 'DELETE' });
  }
}

/** A session with the interactive profile: short timeouts, few retries. */
export function interactiveSession(options: Omit<SessionOptions, 'profile'> = {}): Session {
  return new Session({ ...options, profile: 'interactive' });
}

/** A session with the non-interactive profile: the seed's budgets. */
export function nonInteractiveSession(options: Omit<SessionOptions, 'profile'> = {}): Session {
  return new Session({ ...options, profile: 'nonInteractive' });
}
