import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultServer, filler, refusedUrl, startFaultServer } from './fault-server.js';

/** Node 20 bundles undici 6, Node 24 undici 7; some error shapes differ between them. */
const undiciMajor = Number(process.versions.undici?.split('.')[0]);

type FetchError = Error & { cause: { code?: string; name?: string; message?: string } };

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    return error as FetchError;
  }
  throw new Error('expected a rejection');
}

/** Polls `condition` every 5 ms for up to 2 s; the assertion after it reports a timeout. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

describe('scripted responses', () => {
  it('plays a plain response with its status, headers and body', async () => {
    server.route('/busy', [{ status: 503, headers: { 'retry-after': '7' }, body: 'later' }]);
    const response = await fetch(`${server.url}/busy`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.text()).toBe('later');
  });

  it('sends `bodyBytes` filler bytes when no body is given', async () => {
    server.route('/big', [{ status: 200, bodyBytes: 1000 }]);
    const response = await fetch(`${server.url}/big`);
    expect(response.headers.get('content-length')).toBe('1000');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(filler(1000));
  });

  it('plays the script in order and repeats the last entry', async () => {
    server.route('/flaky', [{ status: 500 }, { status: 502 }, { status: 200 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/flaky?i=${i}`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([500, 502, 200, 200, 200]);
    expect(server.requests.map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it('asks a script function for each request, with its index', async () => {
    server.route('/fn', (request, n) => ({ status: 200, body: `${request.method} ${n}` }));
    expect(await (await fetch(`${server.url}/fn`)).text()).toBe('GET 0');
    expect(await (await fetch(`${server.url}/fn`, { method: 'DELETE' })).text()).toBe('DELETE 1');
  });

  it('answers 500 naming the path when a script function throws', async () => {
    server.route('/bad', () => {
      throw new Error('oops');
    });
    const response = await fetch(`${server.url}/bad`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('fault script for /bad threw: Error: oops');
  });

  it('restarts the count when a path is routed again', async () => {
    server.route('/r', [{ status: 500 }, { status: 200 }]);
    await (await fetch(`${server.url}/r`)).arrayBuffer();
    server.route('/r', [{ status: 404 }, { status: 200 }]);
    expect((await fetch(`${server.url}/r`)).status).toBe(404);
  });

  it('answers 404 for a path nobody routed', async () => {
    const response = await fetch(`${server.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not found');
  });

  it('refuses an empty script', () => {
    expect(() => server.route('/empty', [])).toThrow(RangeError);
  });

  it('redirects to a relative URL, which fetch follows', async () => {
    server.route('/old', [{ redirect: '/new', status: 307 }]);
    server.route('/new', [{ status: 200, body: 'moved' }]);
    const response = await fetch(`${server.url}/old`);
    expect(await response.text()).toBe('moved');
    expect(response.url).toBe(`${server.origin}/new`);
    const manual = await fetch(`${server.url}/old`, { redirect: 'manual' });
    expect([manual.status, manual.headers.get('location')]).toEqual([307, '/new']);
  });
});

describe('network faults, as Node fetch reports them', () => {
  it('close before headers: fetch rejects with UND_ERR_SOCKET "other side closed"', async () => {
    server.route('/close', [{ close: 'before-headers' }]);
    const error = await rejection(fetch(`${server.url}/close`));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('fetch failed');
    // A graceful close (FIN) reads the same on Node 20 and 24.
    expect(error.cause.code).toBe('UND_ERR_SOCKET');
    expect(error.cause.message).toBe('other side closed');
  });

  it('reset before headers: fetch rejects with ECONNRESET', async () => {
    server.route('/reset', [{ reset: 'before-headers' }]);
    const error = await rejection(fetch(`${server.url}/reset`));
    expect(error.message).toBe('fetch failed');
    expect(error.cause.code).toBe('ECONNRESET');
  });

  it('reset mid-body: the headers arrive, then reading the body rejects', async () => {
    server.route('/cut', [{ reset: 'mid-body', bodyBytes: 1000, after: 100 }]);
    const response = await fetch(`${server.url}/cut`);
    expect(response.status).toBe(200);
    const error = await rejection(response.arrayBuffer());
    expect(error.message).toBe('terminated');
    // undici 6 (Node 20) reports the RST as a plain socket close; undici 7 (Node 24) keeps ECONNRESET.
    expect(error.cause.code).toBe(undiciMajor >= 7 ? 'ECONNRESET' : 'UND_ERR_SOCKET');
  });

  it('truncate: reading a body shorter than its Content-Length rejects', async () => {
    server.route('/short', [{ truncate: { declared: 1000, sent: 10 } }]);
    const response = await fetch(`${server.url}/short`);
    expect(response.headers.get('content-length')).toBe('1000');
    const error = await rejection(response.arrayBuffer());
    expect(error.message).toBe('terminated');
    expect(error.cause.code).toBe('UND_ERR_SOCKET');
  });

  it('invalid: a reply that is not HTTP makes fetch reject with a parser error', async () => {
    server.route('/junk', [{ invalid: true }]);
    const error = await rejection(fetch(`${server.url}/junk`));
    expect(error.message).toBe('fetch failed');
    expect(error.cause.name).toBe('HTTPParserError');
    // undici 7 leaves `code` unset on this error.
    expect(error.cause.code).toBe(undiciMajor >= 7 ? undefined : 'HPE_INVALID_CONSTANT');
  });

  it('raw: the bytes go out as the whole reply, control characters in the reason phrase included', async () => {
    const reason = '\x1b]0;owned\x07\x1b[2J';
    server.route('/raw', [
      { raw: `HTTP/1.1 400 ${reason}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nno` },
    ]);
    const response = await fetch(`${server.url}/raw`);
    expect(response.status).toBe(400);
    expect(response.statusText).toBe(reason);
    expect(await response.text()).toBe('no');
    expect(server.requests).toHaveLength(1);
  });

  it('hang: the request stays unanswered until the client aborts', async () => {
    server.route('/hang', [{ hang: true }]);
    const controller = new AbortController();
    let settled = false;
    const pending = rejection(fetch(`${server.url}/hang`, { signal: controller.signal }));
    void pending.finally(() => {
      settled = true;
    });
    await until(() => server.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    controller.abort();
    expect((await pending).name).toBe('AbortError');
  });

  it('hang: an AbortSignal.timeout rejects the fetch with a TimeoutError', async () => {
    server.route('/hang', [{ hang: true }]);
    const error = await rejection(fetch(`${server.url}/hang`, { signal: AbortSignal.timeout(50) }));
    expect(error.name).toBe('TimeoutError');
  });

  it('hang: closing the server ends the hanging request', async () => {
    server.route('/hang', [{ hang: true }]);
    const pending = rejection(fetch(`${server.url}/hang`));
    await until(() => server.requests.length === 1);
    await server.close();
    expect((await pending).cause.code).toBe('UND_ERR_SOCKET');
  });

  it('slow headers: a client timeout shorter than the delay fires first', async () => {
    server.route('/slow', [{ slowHeaders: 150, reply: { status: 200, body: 'finally' } }]);
    const error = await rejection(fetch(`${server.url}/slow`, { signal: AbortSignal.timeout(20) }));
    expect(error.name).toBe('TimeoutError');
    expect(await (await fetch(`${server.url}/slow`)).text()).toBe('finally');
  });

  it('slow body: the headers come first and the body arrives complete in pieces', async () => {
    server.route('/drip', [{ slowBody: { bytes: 400, chunks: 4, intervalMs: 20 } }]);
    const response = await fetch(`${server.url}/drip`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const pieces: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) pieces.push(r.value);
    expect(pieces.length).toBeGreaterThan(1);
    expect(new Uint8Array(Buffer.concat(pieces))).toEqual(filler(400));
  });

  it('refusedUrl: connecting fails with ECONNREFUSED', async () => {
    const error = await rejection(fetch(`${await refusedUrl()}/x`));
    expect(error.message).toBe('fetch failed');
    expect(error.cause.code).toBe('ECONNREFUSED');
  });
});

describe('files with ranges', () => {
  const body = filler(100);
  const etag = '"v1"';
  const lastModified = 'Sun, 06 Nov 1994 08:49:37 GMT';
  const get = (headers: Record<string, string> = {}) => fetch(`${server.url}/file`, { headers });

  beforeEach(() => {
    server.route('/file', [{ file: { body, etag, lastModified } }]);
  });

  it('serves the whole file with its validators', async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('etag')).toBe(etag);
    expect(response.headers.get('last-modified')).toBe(lastModified);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(body);
  });

  it.each([
    ['bytes=10-19', 10, 19],
    ['bytes=90-', 90, 99],
    ['bytes=-5', 95, 99],
    ['bytes=95-500', 95, 99],
  ])('answers Range %s with 206 and exactly those bytes', async (range, start, end) => {
    const response = await get({ range });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/100`);
    expect(text(new Uint8Array(await response.arrayBuffer()))).toBe(
      text(body.subarray(start, end + 1)),
    );
  });

  it('answers 416 to a range that starts past the end', async () => {
    const response = await get({ range: 'bytes=100-' });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */100');
  });

  it('honours If-Range when the ETag or date matches, and sends 200 otherwise', async () => {
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    expect((await get({ range: 'bytes=0-9', 'if-range': lastModified })).status).toBe(206);
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"v0"' });
    expect(stale.status).toBe(200);
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(body);
  });

  it('answers 412 when If-Match does not match', async () => {
    expect((await get({ 'if-match': '"v0"' })).status).toBe(412);
    expect((await get({ 'if-match': etag, range: 'bytes=5-' })).status).toBe(206);
  });

  it('ignores Range when ranges are off or ignoreRange is set', async () => {
    server.route('/file', [{ file: { body, acceptRanges: false } }]);
    const off = await get({ range: 'bytes=10-19' });
    expect([off.status, off.headers.get('accept-ranges')]).toEqual([200, null]);
    await off.arrayBuffer();
    server.route('/file', [{ file: { body, ignoreRange: true } }]);
    const ignored = await get({ range: 'bytes=10-19' });
    expect([ignored.status, ignored.headers.get('accept-ranges')]).toEqual([200, 'bytes']);
    expect((await ignored.arrayBuffer()).byteLength).toBe(100);
  });

  it('cuts the first response after `cutAfter` bytes, so a client can resume with Range', async () => {
    server.route('/file', [{ file: { body, etag, cutAfter: 30 } }]);
    const first = await get();
    const reader = first.body!.getReader();
    const got: Uint8Array[] = [];
    const error = await rejection(
      (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) got.push(r.value);
      })(),
    );
    expect(error.message).toBe('terminated');
    const received = Buffer.concat(got);
    expect(received.length).toBe(30);
    const rest = await get({ range: `bytes=${received.length}-`, 'if-match': etag });
    expect(rest.status).toBe(206);
    const whole = Buffer.concat([received, Buffer.from(await rest.arrayBuffer())]);
    expect(new Uint8Array(whole)).toEqual(body);
  });
});

describe('recording', () => {
  it('records method, path, lowercased headers, body, time and request index', async () => {
    server.route('/items', [{ status: 201 }]);
    const before = performance.now();
    await fetch(`${server.url}/items?x=1`, {
      method: 'POST',
      headers: { 'X-Trace': 'abc', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    await fetch(`${server.url}/items`, { method: 'PUT', body: new Uint8Array([0, 255]) });
    const [post, put] = server.requests;
    expect(post).toMatchObject({ method: 'POST', url: '/items?x=1', path: '/items', n: 0 });
    expect(post!.headers['x-trace']).toBe('abc');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.body.toString()).toBe('{"a":1}');
    expect(put).toMatchObject({ method: 'PUT', n: 1 });
    expect([...put!.body]).toEqual([0, 255]);
    expect(post!.time).toBeGreaterThanOrEqual(before);
    expect(put!.time).toBeGreaterThanOrEqual(post!.time);
  });

  it('counts sockets: two sequential fetches reuse one keep-alive connection', async () => {
    server.route('/a', [{ status: 200, body: 'a' }]);
    await (await fetch(`${server.url}/a`)).text();
    // undici frees the connection a tick after the body ends; a fetch sent sooner opens another.
    await new Promise((resolve) => setImmediate(resolve));
    await (await fetch(`${server.url}/a`)).text();
    expect(server.sockets).toBe(1);
    expect(server.openSockets()).toBe(1);
    expect(server.requests.map((r) => r.socketId)).toEqual([1, 1]);
  });

  it('counts a new socket after the server closed the previous one', async () => {
    server.route('/c', [{ close: 'before-headers' }, { status: 200 }]);
    await rejection(fetch(`${server.url}/c`));
    await (await fetch(`${server.url}/c`)).arrayBuffer();
    expect(server.sockets).toBe(2);
    expect(server.requests.map((r) => r.socketId)).toEqual([1, 2]);
  });
});

describe('close', () => {
  const tcpHandles = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
      .length;

  it('ends hanging and delayed requests and leaves no listening server or socket behind', async () => {
    await server.close();
    const baseline = tcpHandles();
    const local = await startFaultServer();
    local.route('/ok', [{ status: 200, body: 'ok' }]);
    local.route('/hang', [{ hang: true }]);
    local.route('/slow', [{ slowHeaders: 10_000, reply: { status: 200 } }]);
    await (await fetch(`${local.url}/ok`)).text();
    const hanging = [rejection(fetch(`${local.url}/hang`)), rejection(fetch(`${local.url}/slow`))];
    await until(() => local.requests.length === 3);
    expect(tcpHandles()).toBeGreaterThan(baseline);
    await local.close();
    for (const error of await Promise.all(hanging)) expect(error.cause.code).toBe('UND_ERR_SOCKET');
    expect(local.openSockets()).toBe(0);
    // Client sockets notice the close a few event-loop turns later.
    await until(() => tcpHandles() <= baseline);
    expect(tcpHandles()).toBeLessThanOrEqual(baseline);
    // Give the per-test server a live replacement so afterEach has something to close.
    server = await startFaultServer();
  });
});
