/**
 * Which outcomes the session resends, rule by rule: every idempotent method, every
 * transient error code, every code that proves the request was never sent, the message
 * fallback, budgets and hints. Each list entry has a test that fails when it is removed.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyHttp,
  IDEMPOTENT_METHODS,
  isTransientError,
  type RequestTraits,
} from '../../src/http/classify.js';
import type { Outcome } from '../../src/retry/contract.js';
import { resolveRetryOptions } from '../../src/retry/policy.js';
import { profiles } from '../../src/retry/profiles.js';

const policy = profiles.nonInteractive;
const now = () => 1_700_000_000_000;

const respond = (status: number, headers: Record<string, string> = {}): Outcome<Response> => ({
  ok: true,
  value: new Response(null, { status, headers }),
});
const fail = (error: unknown): Outcome<Response> => ({ ok: false, error });
const coded = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
/** What Node's fetch throws: the code sits on the cause. */
const fetchFailed = (code: string) => new TypeError('fetch failed', { cause: coded(code) });

const traits = (method: string, more: Partial<RequestTraits> = {}): RequestTraits => ({
  method,
  idempotencyKey: false,
  replayable: true,
  ...more,
});
const GET = traits('GET');
const POST = traits('POST');
const KEYED_POST = traits('POST', { idempotencyKey: true });

/** Connection failures where the request never reached the server. */
const NOT_SENT = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'];
/** Transient failures where the request may have reached the server. */
const MAYBE_SENT = [
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
];

describe('methods', () => {
  it('lists the idempotent methods of RFC 9110, frozen', () => {
    expect([...IDEMPOTENT_METHODS].sort()).toEqual(
      ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'TRACE'].sort(),
    );
    expect(Object.isFrozen(IDEMPOTENT_METHODS)).toBe(true);
  });

  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])(
    '%s is retried after a 503 and after a reset',
    (method) => {
      expect(classifyHttp(respond(503), traits(method), policy, now)).toEqual({
        retry: true,
        status: 503,
      });
      expect(classifyHttp(fail(fetchFailed('ECONNRESET')), traits(method), policy, now)).toEqual({
        retry: true,
      });
    },
  );

  it.each(['POST', 'PATCH', 'CONNECT', 'LOCK', 'get'])(
    '%s is not retried after a 503 or a reset',
    (method) => {
      expect(classifyHttp(respond(503), traits(method), policy, now)).toEqual({
        retry: false,
        status: 503,
      });
      expect(classifyHttp(fail(fetchFailed('ECONNRESET')), traits(method), policy, now)).toEqual({
        retry: false,
      });
    },
  );

  it('an Idempotency-Key makes a POST retryable after a 503 and a reset', () => {
    expect(classifyHttp(respond(503), KEYED_POST, policy, now)).toEqual({
      retry: true,
      status: 503,
    });
    expect(classifyHttp(fail(fetchFailed('ECONNRESET')), KEYED_POST, policy, now)).toEqual({
      retry: true,
    });
  });

  it('a POST is retried after a 429 (the server did not process it)', () => {
    expect(classifyHttp(respond(429), POST, policy, now)).toEqual({ retry: true, status: 429 });
  });
});

describe('network errors', () => {
  it.each([...NOT_SENT, ...MAYBE_SENT])('%s is transient, on the error or its cause', (code) => {
    expect(isTransientError(coded(code))).toBe(true);
    expect(isTransientError(fetchFailed(code))).toBe(true);
  });

  it.each(NOT_SENT)('a POST is resent after %s: the server never saw it', (code) => {
    expect(classifyHttp(fail(fetchFailed(code)), POST, policy, now)).toEqual({ retry: true });
  });

  it.each(MAYBE_SENT)('a POST is not resent after %s: the server may have it', (code) => {
    expect(classifyHttp(fail(fetchFailed(code)), POST, policy, now)).toEqual({ retry: false });
  });

  it.each(['EACCES', 'ECONNRESETX', 'HPE_INVALID_CONSTANT', 'ERR_TLS_CERT_ALTNAME_INVALID'])(
    '%s is not transient, and nothing is retried after it',
    (code) => {
      expect(isTransientError(coded(code))).toBe(false);
      expect(classifyHttp(fail(fetchFailed(code)), GET, policy, now)).toEqual({ retry: false });
    },
  );

  it('without a code, "socket hang up" and "other side closed" are transient, in any case', () => {
    for (const message of [
      'socket hang up',
      'Socket Hang Up',
      'other side closed',
      'OTHER SIDE CLOSED',
    ]) {
      expect(isTransientError(new Error(message)), message).toBe(true);
      expect(isTransientError({ message }), message).toBe(true);
    }
    expect(classifyHttp(fail(new Error('socket hang up')), GET, policy, now)).toEqual({
      retry: true,
    });
    // A hang-up proves nothing about whether the server processed the request.
    expect(classifyHttp(fail(new Error('socket hang up')), POST, policy, now)).toEqual({
      retry: false,
    });
  });

  it('a code decides over the message', () => {
    expect(isTransientError(coded('EACCES', 'socket hang up'))).toBe(false);
    expect(isTransientError(coded('ECONNRESET', 'all fine'))).toBe(true);
  });

  it("fetch's bare network TypeErrors in browsers and Deno are transient, but never prove a POST unsent", () => {
    for (const message of [
      'Failed to fetch',
      'NetworkError when attempting to fetch resource.',
      'Load failed',
      'fetch failed',
      'error sending request for url (http://127.0.0.1:1/)',
    ]) {
      expect(isTransientError(new TypeError(message)), message).toBe(true);
      expect(classifyHttp(fail(new TypeError(message)), POST, policy, now)).toEqual({
        retry: false,
      });
      expect(classifyHttp(fail(new TypeError(message)), GET, policy, now)).toEqual({
        retry: true,
      });
    }
  });

  it("Node's `fetch failed` is judged by its cause: a protocol error without a code (undici 7's HTTPParserError) is not transient", () => {
    const parser = Object.assign(
      new Error('Response does not match the HTTP/1.1 protocol (Expected HTTP/, RTSP/ or ICE/)'),
      { name: 'HTTPParserError', code: undefined },
    );
    expect(isTransientError(new TypeError('fetch failed', { cause: parser }))).toBe(false);
    expect(
      isTransientError(new TypeError('fetch failed', { cause: new Error('socket hang up') })),
    ).toBe(true);
  });

  it('anything else is not transient: other messages, values that are not errors', () => {
    for (const value of [
      new Error('boom'),
      new TypeError('Failed to parse URL from http://x y'),
      new TypeError('load failed to parse'),
      new TypeError('Upload failed'),
      new TypeError('prefetch failed'),
      new TypeError('fetch failed to parse the response'),
      null,
      undefined,
      'socket hang up',
      42,
    ]) {
      expect(isTransientError(value), String(value)).toBe(false);
    }
  });
});

describe('bodies that cannot be sent again', () => {
  const stream = (method: string, key = false) =>
    traits(method, { replayable: false, idempotencyKey: key });

  it('are never resent, whatever the failure', () => {
    expect(classifyHttp(respond(503), stream('GET'), policy, now)).toEqual({
      retry: false,
      status: 503,
    });
    expect(classifyHttp(respond(429), stream('POST'), policy, now)).toEqual({
      retry: false,
      status: 429,
    });
    expect(classifyHttp(respond(503), stream('POST', true), policy, now)).toEqual({
      retry: false,
      status: 503,
    });
    expect(classifyHttp(fail(fetchFailed('ECONNREFUSED')), stream('POST'), policy, now)).toEqual({
      retry: false,
    });
    expect(classifyHttp(fail(fetchFailed('ECONNRESET')), stream('PUT'), policy, now)).toEqual({
      retry: false,
    });
  });
});

describe('a request after an answered POST (a 307 or 308 kept the method)', () => {
  const answeredThen = (method: string, key = false) =>
    traits(method, { answered: true, idempotencyKey: key });

  it('a POST is not resent after a 429 or a refused connection', () => {
    expect(classifyHttp(respond(429), answeredThen('POST'), policy, now)).toEqual({
      retry: false,
      status: 429,
    });
    for (const code of NOT_SENT) {
      expect(classifyHttp(fail(fetchFailed(code)), answeredThen('POST'), policy, now)).toEqual({
        retry: false,
      });
    }
  });

  it('an idempotent request, or a POST with a key, is retried as before', () => {
    expect(classifyHttp(respond(429), answeredThen('GET'), policy, now)).toEqual({
      retry: true,
      status: 429,
    });
    expect(classifyHttp(respond(503), answeredThen('GET'), policy, now)).toEqual({
      retry: true,
      status: 503,
    });
    expect(classifyHttp(respond(503), answeredThen('POST', true), policy, now)).toEqual({
      retry: true,
      status: 503,
    });
    expect(
      classifyHttp(fail(fetchFailed('ECONNREFUSED')), answeredThen('POST', true), policy, now),
    ).toEqual({ retry: true });
  });

  it('`answered: false` reads as no answer', () => {
    expect(classifyHttp(respond(429), traits('POST', { answered: false }), policy, now)).toEqual({
      retry: true,
      status: 429,
    });
  });
});

describe('statuses and hints', () => {
  it('a status without a budget is final, and its Retry-After is not read', () => {
    for (const status of [200, 201, 301, 400, 401, 403, 501]) {
      expect(
        classifyHttp(respond(status, { 'retry-after': '5' }), GET, policy, now),
        String(status),
      ).toEqual({ retry: false, status });
    }
  });

  it('a status with a budget of its own (404, 429) or in transientStatuses is retried', () => {
    for (const status of [404, 408, 429, 500, 502, 503, 504]) {
      expect(classifyHttp(respond(status), GET, policy, now), String(status)).toEqual({
        retry: true,
        status,
      });
    }
  });

  it('follows the policy it is given: a 5xx outside transientStatuses is final', () => {
    const only503 = resolveRetryOptions({ transientStatuses: [503] }, policy);
    expect(classifyHttp(respond(500), GET, only503, now)).toEqual({ retry: false, status: 500 });
    expect(classifyHttp(respond(503), GET, only503, now)).toEqual({ retry: true, status: 503 });
  });

  it('reads Retry-After in seconds, and an HTTP-date against the clock it is given', () => {
    expect(classifyHttp(respond(503, { 'retry-after': '7' }), GET, policy, now)).toEqual({
      retry: true,
      status: 503,
      retryAfter: 7,
    });
    const date = new Date(now() + 30_000).toUTCString();
    expect(classifyHttp(respond(429, { 'retry-after': date }), POST, policy, now)).toEqual({
      retry: true,
      status: 429,
      retryAfter: 30,
    });
  });

  it('gives the hint even when the request is not resent (the caller learns when to try)', () => {
    expect(classifyHttp(respond(503, { 'retry-after': '9' }), POST, policy, now)).toEqual({
      retry: false,
      status: 503,
      retryAfter: 9,
    });
  });
});
