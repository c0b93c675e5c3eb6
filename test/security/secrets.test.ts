/**
 * Planted credentials never reach an output channel: the `RetryError` (message, stack,
 * fields, `cause` chain), the returned `Response`'s retry history, `onRetry` events,
 * `orionclient:retry` diagnostics events, option errors, and the CLI's stdout and stderr.
 */
import diagnostics from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryGetWithBackoff } from '../../src/http/retry-get.js';
import { Session, type SessionRequestInit } from '../../src/http/session.js';
import type { RetryEvent } from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { buildCli, runCli } from '../cli/helpers.js';
import {
  type Fault,
  type FaultServer,
  refusedUrl,
  startFaultServer,
} from '../support/fault-server.js';
import { leak, planted, render, SECRET, withCredentials, withQueryToken } from './exposure.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

/** Runs one request with every credential planted and returns all it exposed. */
async function exposed(url: string, init: SessionRequestInit = {}) {
  const events: RetryEvent[] = [];
  const published: unknown[] = [];
  const onPublish = (message: unknown) => void published.push(message);
  diagnostics.subscribe('orionclient:retry', onPublish);
  try {
    const session = new Session({
      clock: new VirtualClock(),
      retries: 2,
      requestTimeout: 0.05,
      headers: planted,
      sensitiveHeaders: ['x-api-key'],
      onRetry: (event) => void events.push(event),
    });
    let outcome: unknown;
    let history: unknown;
    try {
      const response = await session.fetch(url, init);
      history = retryInfo(response);
      outcome = await response.text().catch((error: unknown) => error);
    } catch (error) {
      outcome = error;
    }
    return { outcome, history, events, published };
  } finally {
    diagnostics.unsubscribe('orionclient:retry', onPublish);
  }
}

const faults: ReadonlyArray<[string, Fault]> = [
  ['503 until the retries end', { status: 503, body: 'busy' }],
  ['429 with Retry-After', { status: 429, headers: { 'retry-after': '1' } }],
  ['a reset before the headers', { reset: 'before-headers' }],
  ['a close before the headers', { close: 'before-headers' }],
  ['no answer (per-attempt timeout)', { hang: true }],
  ['a reset mid-body', { reset: 'mid-body', bodyBytes: 1000, after: 10 }],
  ['bytes that are not HTTP', { invalid: true }],
  ['a redirect loop', { redirect: '/f' }],
];

describe('planted credentials never appear in what a request exposes', () => {
  it.each(faults)('after %s', async (_, fault) => {
    server.route('/f', [fault]);
    const result = await exposed(withQueryToken(`${server.url}/f`), { method: 'PUT', body: 'x' });
    // The fault was real: the server saw the credentials, the caller got a failure.
    expect(server.requests[0]!.headers.authorization).toBe(planted.authorization);
    expect(result.events.length + (result.outcome instanceof Error ? 1 : 0)).toBeGreaterThan(0);
    expect(result.published).toEqual(result.events);
    expect(leak(render(result.outcome, result.history, result.events, result.published))).toBe(
      undefined,
    );
  });

  it('after a refused connection', async () => {
    const result = await exposed(withQueryToken(`${await refusedUrl()}/f`));
    expect(result.outcome).toBeInstanceOf(RetryError);
    expect(result.events).toHaveLength(2);
    expect(leak(render(result.outcome, result.events, result.published))).toBe(undefined);
  });

  it('with user:password in the URL: the request is refused without showing them', async () => {
    server.route('/f', [{ status: 200 }]);
    const result = await exposed(withCredentials(`${server.url}/f`));
    expect(result.outcome).toBeInstanceOf(TypeError);
    expect(String(result.outcome)).toMatch(/credentials/);
    expect(server.requests).toHaveLength(0);
    expect(leak(render(result.outcome, result.events, result.published))).toBe(undefined);
  });

  it.each([
    ['a Location that is not a URL', 'http://[::1'],
    ['a Location with user:password@', `http://user:${SECRET}-location@127.0.0.1:1/`],
    ['a Location with user:password@ that does not parse', `http://user:pa/${SECRET}@[bad`],
    ['a data: URL', `data:text/plain,${SECRET}-data`],
  ])('after a redirect to %s: refused, and the error chain is clean', async (_, location) => {
    server.route('/f', [{ redirect: location }]);
    // A per-attempt timeout long enough that a busy machine never turns the refusal into one.
    const result = await exposed(withQueryToken(`${server.url}/f`), {
      method: 'PUT',
      body: 'x',
      timeout: 10,
    });
    expect(leak(render(result.outcome, result.events, result.published))).toBe(undefined);
    expect(result.outcome).toBeInstanceOf(RetryError);
    expect((result.outcome as RetryError).cause).toBeInstanceOf(TypeError);
    expect(String((result.outcome as RetryError).cause)).toMatch(
      /^TypeError: PUT http:\/\/127\.0\.0\.1:\d+\/f\?…: redirected to /,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('after a redirect to another origin that refuses, with the secret in the Location query', async () => {
    const refused = await refusedUrl();
    server.route('/f', [{ redirect: `${refused}/g?token=${SECRET}-location`, status: 307 }]);
    const result = await exposed(withQueryToken(`${server.url}/f`), {
      method: 'PUT',
      body: 'x',
      timeout: 10,
    });
    expect(result.outcome).toBeInstanceOf(RetryError);
    expect((result.outcome as RetryError).attempts.map((a) => a.error?.code)).toEqual(
      Array(3).fill('ECONNREFUSED'),
    );
    expect(leak(render(result.outcome, result.events, result.published))).toBe(undefined);
  });

  it('with user:password in a request URL that does not parse, through Session and retryGetWithBackoff', async () => {
    const url = `http://user:pa/${SECRET}@[bad`;
    const errors = [
      await new Session().get(url).catch((error: unknown) => error),
      await retryGetWithBackoff(url).catch((error: unknown) => error),
    ];
    expect(errors.every((e) => e instanceof TypeError)).toBe(true);
    expect(leak(render(errors))).toBe(undefined);
  });

  it('with user:password in the baseUrl, valid or not', () => {
    const errors = [
      `http://user:${SECRET}@127.0.0.1/`,
      `http://user:${SECRET}@exa mple/`,
      `http://user:${SECRET}@[::1`,
      `http://user:pa/${SECRET}@[bad`,
    ].map((baseUrl) => {
      try {
        new Session({ baseUrl });
        return undefined;
      } catch (error) {
        return error;
      }
    });
    expect(errors.every((e) => e instanceof TypeError)).toBe(true);
    expect(leak(render(errors))).toBe(undefined);
  });

  it('in a header value that is not valid, on the session or on one request', async () => {
    const bad = { 'x-api-key': `${SECRET}\0`, authorization: `Bearer ${SECRET}\r\nx: y` };
    let fromSession: unknown;
    try {
      new Session({ headers: bad });
    } catch (error) {
      fromSession = error;
    }
    const fromRequest = await new Session()
      .get(`${server.url}/f`, { headers: bad })
      .catch((error: unknown) => error);
    expect(fromSession).toBeInstanceOf(TypeError);
    expect(fromRequest).toBeInstanceOf(TypeError);
    expect(server.requests).toHaveLength(0);
    expect(leak(render(fromSession, fromRequest))).toBe(undefined);
  });
});

describe('the CLI never prints planted credentials', () => {
  const cli = buildCli();
  const headerArgs = Object.entries(planted).flatMap(([name, value]) => [
    '-H',
    `${name}: ${value}`,
  ]);

  it.each([
    ['503 until the retries end', [{ status: 503 }] as Fault[]],
    ['a reset before the headers', [{ reset: 'before-headers' }] as Fault[]],
    ['a body cut short', [{ truncate: { declared: 1000, sent: 10 } }] as Fault[]],
  ])('after %s, in log and JSON form', async (_, script) => {
    server.route('/f', script);
    const url = withQueryToken(`${server.url}/f`);
    const plain = await runCli(cli, ['get', url, ...headerArgs, '--retries', '1']);
    const json = await runCli(cli, [
      'get',
      url,
      ...headerArgs,
      '--retries',
      '1',
      '--json',
      '-o',
      '/dev/null',
    ]);
    expect(plain.code).not.toBe(0);
    expect(server.requests[0]!.headers.cookie).toBe(planted.cookie);
    for (const r of [plain, json]) {
      expect(leak(`${r.stdout.toString()}\n${r.stderr}`)).toBe(undefined);
    }
  });

  it('after a refused connection, with user:password in the URL, and with a URL that does not parse', async () => {
    const refused = withQueryToken(`${await refusedUrl()}/f`);
    const runs = [
      await runCli(cli, ['get', refused, ...headerArgs, '--retries', '1']),
      await runCli(cli, ['get', withCredentials(`${server.url}/f`), ...headerArgs]),
      await runCli(cli, ['get', `http://user:${SECRET}@exa mple/`, ...headerArgs]),
      await runCli(cli, ['get', `${server.url}/f`, '-H', `X-Api-Key: ${SECRET}\r\nx: y`]),
    ];
    expect(runs.map((r) => r.code)).toEqual([4, 2, 2, 2]);
    for (const r of runs) expect(leak(`${r.stdout.toString()}\n${r.stderr}`)).toBe(undefined);
    expect(server.requests).toHaveLength(0);
  });
});
