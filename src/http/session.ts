import type { RetryCoordinator, RetryEvent } from '../retry/contract.js';
import {
  type Policy,
  type RetryOptions,
  resolveRetryOptions,
  retryOptionNames,
} from '../retry/policy.js';
import type { ProfileName } from '../retry/profiles.js';
import { callPolicy, checkCoordinator } from '../retry/retry.js';
import { runRetry } from '../retry/run.js';
import {
  RETRY_SPREAD,
  type RetryAfterSpreadOptions,
  resolveSpread,
  type Spread,
} from '../retry/spread.js';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/clock.js';
import {
  checkClock,
  checkFunction,
  checkKeys,
  checkNumber,
  checkSignal,
  show,
} from '../validate.js';
import { type BodyInit, type BodySource, isReplayable, releaseBody } from './body.js';
import { type Call, fetchOptions, NO_OPTIONS, readCall } from './call.js';
import { classifyHttp } from './classify.js';
import { Course, type Hop } from './course.js';
import { checkBaseUrl, checkHeaders, headerNames } from './safe-input.js';

/**
 * Whether this is a browser (a page or a worker), whose `fetch` hides redirects from
 * `redirect: 'manual'`. Node.js, Deno, Bun and edge workers show them.
 */
const BROWSER =
  typeof (globalThis as { document?: unknown }).document === 'object' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function';

/** Headers that never follow a redirect to another origin. */
export const SENSITIVE_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'cookie',
  'proxy-authorization',
]);

/** Options of {@link Session}: a profile, any policy field to override, and HTTP settings. */
export interface SessionOptions extends Partial<RetryOptions> {
  /**
   * The retry profile: `'nonInteractive'` (the original Python API's budgets), `'interactive'` (a person
   * is waiting), or a complete custom policy.
   * @default 'nonInteractive'
   */
  profile?: ProfileName | RetryOptions;
  /**
   * Relative request URLs resolve against it.
   * @default `undefined`: every request URL must be absolute
   */
  baseUrl?: string | URL;
  /**
   * Sent with every request; a request's own headers win.
   * @default `undefined`: no header of the session's own
   */
  headers?: ConstructorParameters<typeof Headers>[0];
  /**
   * Where time, sleeping and randomness come from (a `VirtualClock` in tests).
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Called before each backoff sleep of every request; may be async (the sleep waits for
   * it, an abort does not).
   * @default `undefined`: no hook
   */
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
  /**
   * How many redirects one attempt follows; a longer chain ends the request with a
   * `RetryError` whose `cause` is a `TypeError` (not retried). 0 follows none.
   * @default 20
   */
  maxRedirects?: number;
  /**
   * Shares pacing and a retry budget between this session's requests (and other sessions').
   * @default `undefined`: every request paces itself alone
   */
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
  /**
   * A body, or a factory called once per attempt (the way to retry a stream body). A
   * stream given as it is is sent once: a failure after it is not retried.
   * @default `null`: no body
   */
  body?: BodySource;
  /**
   * Policy fields for this call, on top of the session's, or `false` for a single attempt.
   * @default `undefined`: the session's policy
   */
  retry?: Partial<RetryOptions> | false;
  /**
   * This call's per-attempt timeout in seconds (its `requestTimeout`).
   * @default the session's `requestTimeout` (60 s; `interactive`: 10 s)
   */
  timeout?: number;
  /**
   * Called before each backoff sleep of this request (after the session's hook).
   * @default `undefined`: no hook
   */
  onRetry?: (event: RetryEvent) => void | Promise<void>;
}

/** Names other clients give to an option, and this library's name for it. */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  timeout: "`requestTimeout` (seconds per attempt; `timeout` is its name in a call's options)",
  maxRetries: '`retries`',
};

const sessionKeys = [
  ...retryOptionNames,
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
 * import { Session } from 'orionclient';
 *
 * const session = new Session({ profile: 'interactive', baseUrl: 'https://api.example.com/v1/' });
 * const response = await session.get('jobs/42'); // at most 3 retries of a 503, within 30 s
 * console.log(response.status, await response.json());
 * ```
 */
export class Session {
  /** The policy every request starts from: the profile with the session's own fields. */
  readonly policy: Policy;
  readonly #options: SessionOptions;
  readonly #fetch: typeof fetch;
  readonly #clock: Clock;
  readonly #sensitive: readonly string[];
  readonly #maxRedirects: number;
  readonly #spread: Spread | undefined;

  /**
   * `fetch` with this session's retries: the global `fetch`'s signature, with the per-call
   * options of {@link SessionRequestInit}. It is bound to the session, so it can be handed
   * on as it is: `new OpenAI({ fetch: session.fetch, maxRetries: 0 })`.
   */
  readonly fetch: (input: string | URL | Request, init?: SessionRequestInit) => Promise<Response>;

  constructor(options?: SessionOptions) {
    const o = checkSessionKeys(options);
    this.policy = callPolicy(o, 'Session options');
    if (o.fetch !== undefined && typeof o.fetch !== 'function') {
      throw new TypeError(`\`fetch\` must be a function, got ${show(o.fetch)}`);
    }
    checkBaseUrl(o.baseUrl);
    checkClock('clock', o.clock);
    checkCoordinator(o.coordinator);
    checkFunction('onRetry', o.onRetry);
    checkHeaders(o.headers);
    this.#options = o;
    this.#fetch = o.fetch ?? globalThis.fetch;
    this.#clock = o.clock ?? systemClock;
    this.#sensitive = [...SENSITIVE_HEADERS, ...headerNames(o.sensitiveHeaders)];
    const maxRedirects = o.maxRedirects === undefined ? 20 : o.maxRedirects;
    this.#maxRedirects = checkNumber('maxRedirects', maxRedirects, { min: 0, integer: true });
    this.#spread = resolveSpread('retryAfterSpread', o.retryAfterSpread, RETRY_SPREAD);
    this.fetch = (input, init) => this.#request(input, init ?? NO_OPTIONS);
  }

  /**
   * One call, `forced` its method when a method shortcut made it. Not an async function:
   * bad input still rejects the promise it returns, and a call whose body is at hand
   * reaches `fetch` and hands its response back without an async frame's extra turns.
   */
  #request(
    input: string | URL | Request,
    init: SessionRequestInit,
    forced?: string,
  ): Promise<Response> {
    try {
      const call = readCall(input, init, forced, this.#options);
      const { request } = call;
      if (init.body !== undefined) return this.#run(call, init.body);
      if (!request?.body) return this.#run(call, null);
      return request.arrayBuffer().then((bytes) => this.#run(call, bytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs a call whose URL, method and headers are read, with its body `source`. */
  #run(call: Call<SessionRequestInit>, source: BodySource): Promise<Response> {
    const { init, request, url, method, description, headers } = call;
    const { retry } = init;
    const factory = typeof source === 'function';
    const signal = init.signal ?? request?.signal ?? undefined;
    const policy =
      retry === undefined && init.timeout === undefined
        ? this.policy
        : resolveRetryOptions(
            {
              ...(retry === false ? { retries: 0, retriesByStatus: {} } : retry),
              ...(init.timeout === undefined
                ? {}
                : { requestTimeout: checkNumber('timeout', init.timeout, { min: 0 }) }),
            },
            this.policy,
            'request options',
          );
    const callHook = init.onRetry;
    const rest = fetchOptions(init);
    const sessionHook = this.#options.onRetry;
    checkSignal('signal', signal);
    checkFunction('onRetry', callHook);
    const mode = init.redirect ?? 'follow';
    // A browser's `fetch` hides a redirect from `manual` (an opaque response, status 0): there
    // the browser follows it, and drops Authorization on another origin itself.
    const followsItself = mode === 'follow' && !BROWSER;
    const redirect = followsItself ? 'manual' : mode;
    // Nothing can abort an attempt without a signal or a timeout, and a signal costs fetch.
    const abortable = signal !== undefined || policy.requestTimeout !== Number.POSITIVE_INFINITY;
    const course = new Course(
      // Attempts share `headers`: a redirect hop gets a copy of its own.
      { url, method, headers, body: source !== null },
      {
        replayableBody: factory || isReplayable(source),
        description,
        follow: followsItself,
        maxRedirects: this.#maxRedirects,
        sensitive: this.#sensitive,
      },
    );
    const send = (attemptSignal: AbortSignal, start: Hop, body: BodyInit | null) => {
      const sent: RequestInit = { ...rest, method: start.method, redirect };
      if (start.headers) sent.headers = start.headers;
      if (body !== null && start.body) sent.body = body;
      if (abortable) sent.signal = attemptSignal;
      return course.follow(this.#fetch, sent);
    };
    return runRetry<Response>(
      factory
        ? async ({ signal: s }) => {
            const start = course.restart();
            // Not called for an attempt that starts past the request that carries the body.
            return send(s, start, start.body ? await (source as () => BodyInit | null)() : null);
          }
        : ({ signal: s }) => send(s, course.restart(), source as BodyInit | null),
      {
        policy,
        clock: this.#clock,
        signal,
        classify: (outcome) => classifyHttp(outcome, course, policy, Date.now),
        onRetry:
          sessionHook && callHook
            ? async (event) => {
                await sessionHook(event);
                await callHook(event);
              }
            : (sessionHook ?? callHook),
        discard: releaseBody,
        description,
        coordinator: this.#options.coordinator,
        url,
        spread: this.#spread,
      },
    );
  }

  /** `GET` with retries. */
  get(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'GET');
  }
  /** `HEAD` with retries. */
  head(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'HEAD');
  }
  /** `POST`: resent only after a 429, a refused connection, or with an `Idempotency-Key`. */
  post(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'POST');
  }
  /** `PUT` with retries. */
  put(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'PUT');
  }
  /** `PATCH`: resent only after a 429, a refused connection, or with an `Idempotency-Key`. */
  patch(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'PATCH');
  }
  /** `DELETE` with retries. */
  delete(url: string | URL, init: SessionRequestInit = NO_OPTIONS): Promise<Response> {
    return this.#request(url, init, 'DELETE');
  }
}

/** Session options checked for unknown keys, with a hint for the names other clients use. */
function checkSessionKeys(options: SessionOptions | undefined): SessionOptions {
  if (typeof options === 'object' && options !== null) {
    for (const [name, ours] of Object.entries(OTHER_NAMES)) {
      if (Object.hasOwn(options, name)) {
        throw new TypeError(
          `Unknown option \`${name}\` in Session options; did you mean ${ours}? (known: ${sessionKeys.join(', ')})`,
        );
      }
    }
  }
  return checkKeys('Session options', options, sessionKeys) as SessionOptions;
}

/**
 * A session with the interactive profile: short timeouts, few retries.
 *
 * @example
 * ```ts
 * import { interactiveSession } from 'orionclient';
 *
 * const session = interactiveSession({ baseUrl: 'https://api.example.com/v1/' });
 * session.policy.retryTimeout; // 15 (seconds)
 * ```
 */
export function interactiveSession(options: Omit<SessionOptions, 'profile'> = {}): Session {
  return new Session({ ...options, profile: 'interactive' });
}

/** A session with the non-interactive profile: the original Python API's budgets. */
export function nonInteractiveSession(options: Omit<SessionOptions, 'profile'> = {}): Session {
  return new Session({ ...options, profile: 'nonInteractive' });
}
