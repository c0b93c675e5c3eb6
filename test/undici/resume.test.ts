/**
 * A `GET` body that breaks off is resumed inside the interceptor with `Range` + `If-Range`
 * when the first response carried a strong validator, and the 206 passes the checks the
 * CLI's downloads use; otherwise the body fails, and no two versions are ever spliced.
 */
import { Writable } from 'node:stream';
import { request, stream, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RetryError } from '../../src/retry/errors.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import {
  type Fault,
  type FaultServer,
  type FileFault,
  filler,
  partialContent,
  startFaultServer,
} from '../support/fault-server.js';
import { closeAll, intercepted } from './helpers.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await closeAll();
  await server.close();
});

const SIZE = 4000;
const v1 = filler(SIZE);
const v2 = filler(SIZE, 13);
const file = (f: Partial<FileFault> = {}): Fault => ({
  file: { body: v1, etag: '"v1"', ...f },
});
/** The file without an ETag. */
const dated = (f: Partial<FileFault> & { lastModified: string }): Fault => ({
  file: { body: v1, ...f },
});

const ranges = () => server.requests.map((r) => [r.headers.range, r.headers['if-range']]);

/** GETs /f through the interceptor: the status, and the body or how it failed. */
async function get(path = '/f') {
  const { dispatcher, events } = intercepted();
  const data = await request(`${server.url}${path}`, { dispatcher });
  const body = await data.body.arrayBuffer().then(
    (b) => Buffer.from(b),
    (error: Error) => error,
  );
  return { status: data.statusCode, body, events, info: retryInfo(data.context) };
}

describe('a body that breaks off', () => {
  it('is resumed from where it broke, with Range and If-Range set to the strong ETag', async () => {
    server.route('/f', [file({ cutAfter: 1000 }), file()]);
    const { status, body, events, info } = await get();
    expect(status).toBe(200);
    expect(body).toEqual(Buffer.from(v1));
    expect(ranges()).toEqual([
      [undefined, undefined],
      ['bytes=1000-', '"v1"'],
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]?.description).toMatch(/\/f \(resuming from byte 1000\)$/);
    expect(events[0]?.error?.code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
    // The attempt whose body broke shows twice: its answer, then the break.
    expect(info?.attempts.map((a) => [a.attempt, a.status, a.error?.name])).toEqual([
      [1, 200, undefined],
      [1, undefined, events[0]?.error?.name],
      [2, 206, undefined],
    ]);
  });

  it('resumes with If-Range set to a Last-Modified a second or more before the Date', async () => {
    const lastModified = new Date(Date.now() - 60_000).toUTCString();
    server.route('/f', [dated({ lastModified, cutAfter: 1500 }), dated({ lastModified })]);
    const { body } = await get();
    expect(body).toEqual(Buffer.from(v1));
    expect(ranges()[1]).toEqual(['bytes=1500-', lastModified]);
  });

  it('resumes again after a second break, as long as the body moves forward', async () => {
    server.route('/f', [file({ cutAfter: 1000 }), file({ cutAfter: 1000 }), file()]);
    const { body } = await get();
    expect(body).toEqual(Buffer.from(v1));
    expect(ranges().map(([range]) => range)).toEqual([undefined, 'bytes=1000-', 'bytes=2000-']);
  });

  it('retries the range request under the policy: a 503 to it is retried', async () => {
    server.route('/f', [file({ cutAfter: 1000 }), { status: 503 }, file()]);
    const { body, events } = await get();
    expect(body).toEqual(Buffer.from(v1));
    expect(events.map((e) => e.status ?? e.error?.code)).toEqual([
      expect.stringMatching(/^(UND_ERR_SOCKET|ECONNRESET)$/),
      503,
    ]);
  });

  it('through undici.fetch and undici.stream too', async () => {
    server.route('/f', [file({ cutAfter: 1000 }), file()]);
    const { dispatcher } = intercepted();
    const fetched = await undiciFetch(`${server.url}/f`, { dispatcher });
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(Buffer.from(v1));
    server.route('/f', [file({ cutAfter: 2000 }), file()]);
    const chunks: Buffer[] = [];
    await stream(`${server.url}/f`, { dispatcher, method: 'GET' }, () => {
      return new Writable({
        write(chunk, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
    });
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(v1));
    expect(server.requests.map((r) => r.headers.range)).toEqual([
      undefined,
      'bytes=1000-',
      undefined,
      'bytes=2000-',
    ]);
  });
});

describe('a resume that cannot continue the body fails it, and splices nothing', () => {
  const refused = async (second: Fault, why: RegExp) => {
    server.route('/f', [file({ cutAfter: 1000 }), second]);
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body).toBeInstanceOf(Error);
    expect((body as Error).message).toMatch(why);
    expect((body as Error).message).toMatch(/not spliced/);
  };

  it('a 206 of another ETag', () =>
    refused(partialContent('"v2"', 1000, SIZE, v2.subarray(1000)), /ETag "v2", not "v1"/));

  it('a 206 from another byte', () =>
    refused(
      partialContent('"v1"', 500, SIZE, v1.subarray(500)),
      /a range from byte 500, not 1000/,
    ));

  it('a 206 of a body of another length', () =>
    refused(
      partialContent('"v1"', 1000, 4500, filler(3500, 1000)),
      /a body of 4500 bytes, not 4000/,
    ));

  it('a 200 with the whole body (the validator no longer matched)', () =>
    refused({ file: { body: v2, etag: '"v2"' } }, /status 200/));
});

describe('a body that a redirect led to', () => {
  it('is resumed at the redirect target, with its validator', async () => {
    server.route('/from', [{ redirect: '/f' }]);
    server.route('/f', [file({ cutAfter: 1000 }), file()]);
    const { dispatcher } = intercepted({ maxRedirects: 5 });
    const data = await request(`${server.url}/from`, { dispatcher });
    expect(Buffer.from(await data.body.arrayBuffer())).toEqual(Buffer.from(v1));
    expect(server.requests.map((r) => [r.path, r.headers.range])).toEqual([
      ['/from', undefined],
      ['/f', undefined],
      ['/f', 'bytes=1000-'],
    ]);
  });
});

describe('a body that is not resumed', () => {
  /** How many requests /path got, when its body failed. */
  const fails = async (path: string, first: Fault, ...rest: Fault[]) => {
    server.route(path, [first, ...rest]);
    const { body } = await get(path);
    expect(body).toBeInstanceOf(Error);
    return server.requests.filter((r) => r.path === path).length;
  };

  it('without a strong validator: a weak ETag, no Accept-Ranges, a Last-Modified as late as the Date', async () => {
    expect(await fails('/weak', file({ etag: 'W/"v1"', cutAfter: 1000 }), file())).toBe(1);
    expect(await fails('/plain', file({ acceptRanges: false, cutAfter: 1000 }), file())).toBe(1);
    const now = new Date().toUTCString();
    expect(await fails('/late', dated({ lastModified: now, cutAfter: 1000 }), file())).toBe(1);
  });

  it('when the request asked for a range itself, or was not a GET', async () => {
    server.route('/own', [file({ cutAfter: 1000 }), file()]);
    server.route('/post', [file({ cutAfter: 1000 }), file()]);
    const { dispatcher } = intercepted();
    const failed = async (
      path: string,
      options: Omit<Parameters<typeof request>[1], 'dispatcher'>,
    ) => {
      const data = await request(`${server.url}${path}`, { ...options, dispatcher });
      return data.body.arrayBuffer().then(
        () => undefined,
        (error: unknown) => error,
      );
    };
    expect(await failed('/own', { headers: { range: 'bytes=0-' } })).toBeInstanceOf(Error);
    const key = { 'idempotency-key': 'k-1' };
    expect(await failed('/post', { method: 'POST', body: 'x', headers: key })).toBeInstanceOf(
      Error,
    );
    expect(server.requests.map((r) => r.path)).toEqual(['/own', '/post']);
  });

  it('when it broke again without moving forward since the last resume', async () => {
    expect(await fails('/f', file({ cutAfter: 1000 }), file({ cutAfter: 0 }), file())).toBe(2);
  });

  it('when the resume runs out of retries: the body fails with its RetryError', async () => {
    server.route('/f', [file({ cutAfter: 1000 }), { status: 503 }]);
    const { dispatcher } = intercepted({ profile: 'interactive' });
    const data = await request(`${server.url}/f`, { dispatcher });
    const error = await data.body.arrayBuffer().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect((error as RetryError).message).toMatch(
      /\(resuming from byte 1000\) failed after 4 attempts/,
    );
    expect(server.requests).toHaveLength(4);
  });
});
