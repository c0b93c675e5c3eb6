/**
 * Retries across redirects, against a real server: a retry resends the request that
 * failed, never a POST or PATCH that the server already answered (Post/Redirect/Get), and
 * a chain of idempotent requests starts over from its first request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyHttp } from '../../src/http/classify.js';
import { Course, TooManyRedirects } from '../../src/http/course.js';
import { Session } from '../../src/http/session.js';
import { RetryError } from '../../src/retry/errors.js';
import { profiles } from '../../src/retry/profiles.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

const session = (options: ConstructorParameters<typeof Session>[0] = {}) =>
  new Session({ clock: new VirtualClock({ seed: 1 }), ...options });
/** `METHOD /path` of every request the server saw, in order. */
const seen = () => server.requests.map((r) => `${r.method} ${r.path}`);

describe('Post/Redirect/Get: the POST was answered, so only the GET is retried', () => {
  it('POST /orders, 303 to a GET that is refused: one POST, then 11 attempts at the GET', async () => {
    const refused = await refusedUrl();
    server.route('/orders', [{ redirect: `${refused}/orders/1`, status: 303 }]);
    const error = await session()
      .post(`${server.url}/orders`, { body: '{"item":1}' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    const { attempts, reason } = error as RetryError;
    expect(reason).toBe('retries');
    expect(attempts.map((a) => a.error?.code)).toEqual(Array(11).fill('ECONNREFUSED'));
    expect(seen()).toEqual(['POST /orders']);
  });

  it('POST /orders, 303 to a GET answered 429 twice and then 200: one POST, three GETs without the body', async () => {
    server.route('/orders', [{ redirect: '/orders/1', status: 303 }]);
    server.route('/orders/1', [
      { status: 429 },
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 200, body: 'order 1' },
    ]);
    const response = await session().post(`${server.url}/orders`, {
      body: '{"item":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect([response.status, await response.text()]).toEqual([200, 'order 1']);
    expect(seen()).toEqual(['POST /orders', 'GET /orders/1', 'GET /orders/1', 'GET /orders/1']);
    for (const get of server.requests.slice(1)) {
      expect([get.body.length, get.headers['content-type']]).toEqual([0, undefined]);
    }
    expect(retryInfo(response)?.attempts.map((a) => a.status)).toEqual([429, 429, 200]);
  });

  it('a PATCH answered 303, whose GET gets 503s, is not resent either', async () => {
    server.route('/doc', [{ redirect: '/doc/view', status: 303 }]);
    server.route('/doc/view', [{ status: 503 }, { status: 503 }, { status: 200 }]);
    const response = await session().patch(`${server.url}/doc`, { body: 'edit' });
    expect(response.status).toBe(200);
    expect(seen()).toEqual(['PATCH /doc', 'GET /doc/view', 'GET /doc/view', 'GET /doc/view']);
  });

  it('a body factory is called once: attempts that start at the GET carry no body', async () => {
    server.route('/upload', [{ redirect: '/upload/done', status: 303 }]);
    server.route('/upload/done', [{ reset: 'before-headers' }, { status: 200 }]);
    let calls = 0;
    const response = await session().post(`${server.url}/upload`, {
      body: () => {
        calls++;
        return new Blob(['bytes']).stream();
      },
      duplex: 'half',
    } as never);
    expect(response.status).toBe(200);
    expect(calls).toBe(1);
    expect(seen()).toEqual(['POST /upload', 'GET /upload/done', 'GET /upload/done']);
  });

  it('a POST with an Idempotency-Key is not sent again either: the GET is what failed', async () => {
    server.route('/orders', [{ redirect: '/orders/1', status: 303 }]);
    server.route('/orders/1', [{ status: 503 }, { status: 200 }]);
    const response = await session().post(`${server.url}/orders`, {
      body: 'x',
      headers: { 'idempotency-key': 'order-7' },
    });
    expect(response.status).toBe(200);
    expect(seen()).toEqual(['POST /orders', 'GET /orders/1', 'GET /orders/1']);
  });
});

describe('a POST kept by a 307 or 308', () => {
  it('is not resent without a key when the server it was sent on to refuses it or answers 429', async () => {
    const refused = await refusedUrl();
    server.route('/pay', [{ redirect: `${refused}/pay`, status: 307 }]);
    server.route('/charge', [{ redirect: '/charge/v2', status: 308 }]);
    server.route('/charge/v2', [{ status: 429 }, { status: 201 }]);
    const s = session();
    const error = await s.post(`${server.url}/pay`, { body: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect((error as RetryError).reason).toBe('notRetryable');
    expect((error as RetryError).attempts).toHaveLength(1);
    const response = await s.post(`${server.url}/charge`, { body: 'y' });
    expect(response.status).toBe(429);
    expect(seen()).toEqual(['POST /pay', 'POST /charge', 'POST /charge/v2']);
  });

  it('with an Idempotency-Key, is resent where the redirect led, not to the server that redirected', async () => {
    server.route('/pay', [{ redirect: '/pay/eu', status: 307 }]);
    server.route('/pay/eu', [{ status: 503 }, { reset: 'before-headers' }, { status: 201 }]);
    const response = await session().post(`${server.url}/pay`, {
      body: 'amount=5',
      headers: { 'idempotency-key': 'pay-1' },
    });
    expect(response.status).toBe(201);
    expect(seen()).toEqual(['POST /pay', 'POST /pay/eu', 'POST /pay/eu', 'POST /pay/eu']);
    expect(server.requests.map((r) => r.body.toString())).toEqual(Array(4).fill('amount=5'));
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual(
      Array(4).fill('pay-1'),
    );
  });
});

describe('a chain of idempotent requests', () => {
  it('starts over from its first request on a retry: a temporary redirect may lead elsewhere next time', async () => {
    server.route('/latest', (_request, n) => ({ redirect: `/build/${n}`, status: 302 }));
    server.route('/build/0', [{ status: 503 }]);
    server.route('/build/1', [{ status: 200, body: 'build 1' }]);
    const response = await session().get(`${server.url}/latest`);
    expect(await response.text()).toBe('build 1');
    expect(seen()).toEqual(['GET /latest', 'GET /build/0', 'GET /latest', 'GET /build/1']);
  });

  it('a PUT kept by a 307 is retried from the first request too', async () => {
    server.route('/put', [{ redirect: '/put/here', status: 307 }]);
    server.route('/put/here', [{ status: 503 }, { status: 204 }]);
    const response = await session().put(`${server.url}/put`, { body: 'v' });
    expect(response.status).toBe(204);
    expect(seen()).toEqual(['PUT /put', 'PUT /put/here', 'PUT /put', 'PUT /put/here']);
  });
});

describe('where fetch follows redirects itself (a browser)', () => {
  it('a POST whose redirect fetch followed counts as answered: a 503 after it is not resent', async () => {
    server.route('/orders', [{ redirect: '/orders/1', status: 303 }]);
    server.route('/orders/1', [{ status: 503 }]);
    const course = new Course(
      { url: new URL(`${server.url}/orders`), method: 'POST', headers: undefined, body: true },
      {
        replayableBody: true,
        description: 'POST /orders',
        follow: false,
        maxRedirects: 20,
        sensitive: [],
      },
    );
    const response = await course.follow(globalThis.fetch, {
      method: 'POST',
      body: '{}',
      redirect: 'follow',
    });
    expect([response.status, response.redirected]).toEqual([503, true]);
    expect(course.answered).toBe(true);
    expect(
      classifyHttp({ ok: true, value: response }, course, profiles.nonInteractive, Date.now),
    ).toEqual({
      retry: false,
      status: 503,
    });
    await response.body?.cancel();
  });
});

describe('a redirect loop', () => {
  it('ends the attempt with a TooManyRedirects TypeError, not retried', async () => {
    server.route('/loop', [{ redirect: '/loop' }]);
    const error = await session({ maxRedirects: 2 })
      .get(`${server.url}/loop`)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'notRetryable' });
    expect((error as RetryError).cause).toBeInstanceOf(TooManyRedirects);
    expect((error as RetryError).cause).toMatchObject({
      name: 'TypeError',
      message: `GET ${server.url}/loop: more than 2 redirects (maxRedirects)`,
    });
    expect(seen()).toEqual(['GET /loop', 'GET /loop', 'GET /loop']);
  });
});
