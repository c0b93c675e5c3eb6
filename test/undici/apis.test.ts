/**
 * The interceptor under each undici API (`request`, `stream`, `fetch`), with each kind of
 * request body, and with redirects it follows itself (`maxRedirects`) or hands back.
 */
import { Readable, Writable } from 'node:stream';
import { request, stream, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';
import { closeAll, intercepted } from './helpers.js';

let server: FaultServer;
let other: FaultServer;
beforeEach(async () => {
  [server, other] = await Promise.all([startFaultServer(), startFaultServer()]);
});
afterEach(async () => {
  await closeAll();
  await Promise.all([server.close(), other.close()]);
});

const bodies = (path: string) =>
  server.requests.filter((r) => r.path === path).map((r) => String(r.body));

describe('each undici API', () => {
  it('undici.stream: the factory is called once, for the response the policy settled on, with the history', async () => {
    server.route('/s', [
      { status: 503, body: 'no' },
      { status: 200, body: 'streamed' },
    ]);
    const { dispatcher } = intercepted();
    const chunks: Buffer[] = [];
    const contexts: object[] = [];
    await stream(`${server.url}/s`, { dispatcher, method: 'GET' }, ({ statusCode, context }) => {
      expect(statusCode).toBe(200);
      contexts.push(context);
      return new Writable({
        write(chunk, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
    });
    expect(Buffer.concat(chunks).toString()).toBe('streamed');
    expect(contexts).toHaveLength(1);
    expect(retryInfo(contexts[0])?.attempts.map((a) => a.status)).toEqual([503, 200]);
  });

  it('undici.fetch: retried, the failed bodies released, the final body read', async () => {
    server.route('/f', [
      { status: 502, body: 'x'.repeat(100) },
      { status: 200, body: 'fetched' },
    ]);
    const { dispatcher } = intercepted();
    const response = await undiciFetch(`${server.url}/f`, { dispatcher });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('fetched');
    // The 502's body was read to its end: its connection served the retry.
    const [first, second] = server.requests;
    expect(second?.socketId).toBe(first?.socketId);
  });

  it('undici.fetch: a request never answered rejects with fetch failed, the RetryError its cause', async () => {
    const { dispatcher } = intercepted({ profile: 'interactive' });
    const error = await undiciFetch(`${await refusedUrl()}/f`, { dispatcher }).catch((e) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.cause).toBeInstanceOf(RetryError);
    expect(error.cause.attempts).toHaveLength(4);
  });
});

describe('request bodies', () => {
  it('a string, bytes and a POST through fetch (which streams every body) are sent again whole', async () => {
    for (const path of ['/t', '/y', '/j']) server.route(path, [{ status: 503 }, { status: 200 }]);
    const { dispatcher } = intercepted();
    const key = { 'idempotency-key': 'k' };
    await (
      await request(`${server.url}/t`, { dispatcher, method: 'PUT', body: 'text' })
    ).body.dump();
    const bytes = Buffer.from('bytes');
    await (
      await request(`${server.url}/y`, { dispatcher, method: 'PUT', body: bytes })
    ).body.dump();
    const url = `${server.url}/j`;
    await (
      await undiciFetch(url, { dispatcher, method: 'POST', body: 'json', headers: key })
    ).text();
    expect([...bodies('/t'), ...bodies('/y'), ...bodies('/j')]).toEqual([
      'text',
      'text',
      'bytes',
      'bytes',
      'json',
      'json',
    ]);
  });

  it('a stream is recorded as it is sent, and sent again from the record', async () => {
    server.route('/s', [{ status: 503 }, { status: 500 }, { status: 200 }]);
    const { dispatcher } = intercepted();
    const body = Readable.from([Buffer.from('chunk-1,'), Buffer.from('chunk-2')]);
    const data = await request(`${server.url}/s`, { dispatcher, method: 'PUT', body });
    await data.body.dump();
    expect(data.statusCode).toBe(200);
    expect(bodies('/s')).toEqual(Array(3).fill('chunk-1,chunk-2'));
  });

  it('a stream larger than the record keeps is sent once', async () => {
    server.route('/big', [{ status: 503 }, { status: 200 }]);
    const { dispatcher } = intercepted();
    const chunk = Buffer.alloc(256 * 1024, 97);
    const body = Readable.from([chunk, chunk, chunk, chunk, chunk]);
    const data = await request(`${server.url}/big`, { dispatcher, method: 'PUT', body });
    await data.body.dump();
    expect(data.statusCode).toBe(503);
    expect(retryInfo(data.context)?.reason).toBeUndefined();
    expect(bodies('/big').map((b) => b.length)).toEqual([5 * 256 * 1024]);
  });

  it('a stream that no attempt started reading does not stop the retries (a refused connection)', async () => {
    const { dispatcher, events } = intercepted({ profile: 'interactive' });
    let reads = 0;
    async function* body() {
      reads++;
      yield 'once';
    }
    const error = await request(`${await refusedUrl()}/r`, {
      dispatcher,
      method: 'PUT',
      body: body() as never,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect(events).toHaveLength(3);
    expect(reads).toBe(0);
  });
});

describe('redirects', () => {
  it('are handed back by default, as undici does', async () => {
    server.route('/from', [{ redirect: '/to' }]);
    const { dispatcher } = intercepted();
    const data = await request(`${server.url}/from`, { dispatcher });
    await data.body.dump();
    expect([data.statusCode, data.headers.location]).toEqual([302, '/to']);
  });

  it('with maxRedirects, are followed by the session rules: credentials stay on their origin', async () => {
    server.route('/from', [{ redirect: `${other.url}/to`, status: 307 }]);
    other.route('/to', [{ status: 200, body: 'landed' }]);
    const { dispatcher } = intercepted({ maxRedirects: 5, sensitiveHeaders: ['x-api-key'] });
    const headers = { authorization: 'Bearer t', 'x-api-key': 'k', accept: 'text/plain' };
    const data = await request(`${server.url}/from`, { dispatcher, headers });
    expect(await data.body.text()).toBe('landed');
    const [landed] = other.requests;
    expect(landed?.headers).toMatchObject({ accept: 'text/plain' });
    expect(landed?.headers.authorization).toBeUndefined();
    expect(landed?.headers['x-api-key']).toBeUndefined();
    expect(server.requests[0]?.headers.authorization).toBe('Bearer t');
  });

  it('a POST answered 303 is not sent again: the GET it led to is retried', async () => {
    server.route('/order', [{ redirect: '/receipt', status: 303 }]);
    server.route('/receipt', [{ status: 503 }, { status: 200, body: 'receipt' }]);
    const { dispatcher } = intercepted({ maxRedirects: 5 });
    const data = await request(`${server.url}/order`, { dispatcher, method: 'POST', body: 'o' });
    expect(await data.body.text()).toBe('receipt');
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /order',
      'GET /receipt',
      'GET /receipt',
    ]);
  });
});
