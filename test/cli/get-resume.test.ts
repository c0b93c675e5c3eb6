/**
 * `orionclient get` against servers that answer a resume with something else: the body is
 * never spliced from two versions, a resume is tried only with a strong validator, and the
 * summary tells resumes (a Range that continued the body) from restarts (byte 0 again).
 * In-process, with the backoff waits in virtual time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { VirtualClock } from '../../src/index.js';
import {
  type Fault,
  type FaultServer,
  filler,
  partialContent,
  type RecordedRequest,
  startFaultServer,
} from '../support/fault-server.js';
import { memoryIo } from './helpers.js';

let server: FaultServer;
let dir = '';

beforeEach(async () => {
  server = await startFaultServer();
  dir = mkdtempSync(join(tmpdir(), 'orionclient-ranges-'));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const SIZE = 4000;
const v1 = filler(SIZE);
const v2 = filler(SIZE, 13);
const out = () => join(dir, 'out.bin');

/** Runs `get URL -o out.bin ...args` in-process; backoff sleeps take no real time. */
async function get(...args: string[]) {
  const m = memoryIo();
  const io = { ...m.io, clock: new VirtualClock() };
  const code = await main(['get', `${server.url}/f`, '-o', out(), ...args], io);
  return { code, stderr: m.stderr(), stdout: m.stdout() };
}

/** The first byte a `Range: bytes=N-` asks for. */
const rangeStart = (request: RecordedRequest) =>
  Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1]);

/** Every request without Range gets v1 cut after 1000 bytes (a new Fault cuts again). */
const cutV1 = (): Fault => ({ file: { body: v1, etag: '"v1"', cutAfter: 1000 } });

describe('a resume answered for another version is never spliced', () => {
  it.each<[string, (request: RecordedRequest) => Fault, RegExp]>([
    [
      'another ETag',
      (q) => partialContent('"v2"', rangeStart(q), SIZE, v2.subarray(rangeStart(q))),
      /the range came back with ETag "v2", not "v1", starting over/,
    ],
    [
      'a range that starts at another byte',
      (q) => partialContent('"v1"', rangeStart(q) - 100, SIZE, v1.subarray(rangeStart(q) - 100)),
      /the range came back with a range from byte \d+, not \d+, starting over/,
    ],
    [
      'another total length',
      (q) => partialContent('"v1"', rangeStart(q), SIZE + 500, filler(SIZE + 500 - rangeStart(q))),
      /the range came back with a body of 4500 bytes, not 4000, starting over/,
    ],
  ])(
    '%s: starts over from byte 0, and after the retries exits 4 with no file',
    async (_, ranged, line) => {
      server.route('/f', (q) => (q.headers.range ? ranged(q) : cutV1()));
      const r = await get('--retries', '3');
      expect(r.code).toBe(4);
      expect(readdirSync(dir)).toEqual([]);
      // Every resume was followed by a request from byte 0, never by another range.
      const ranges = server.requests.map((q) => q.headers.range !== undefined);
      expect(ranges).toEqual([false, true, false, true]);
      expect(server.requests[1]!.headers['if-range']).toBe('"v1"');
      expect(r.stderr).toMatch(line);
      expect(r.stderr).toMatch(/^orionclient get: GET .* failed after 4 attempts/m);
    },
  );

  it('takes the whole new version when the request from byte 0 gets it in one piece', async () => {
    let plain = 0;
    server.route('/f', (q) => {
      if (q.headers.range)
        return partialContent('"v2"', rangeStart(q), SIZE, v2.subarray(rangeStart(q)));
      return plain++ === 0 ? cutV1() : { file: { body: v2, etag: '"v2"' } };
    });
    const r = await get('--json');
    expect(r.code).toBe(0);
    expect(readFileSync(out()).equals(Buffer.from(v2))).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, attempts: 3, resumes: 0, restarts: 1 });
  });
});

describe('only a strong validator is sent in If-Range', () => {
  it('a Last-Modified not a second before the Date is weak: no Range, the body starts over', async () => {
    // A date after the response's own Date: the file may change again within that second.
    const lastModified = new Date(Date.now() + 3_600_000).toUTCString();
    server.route('/f', [{ file: { body: v1, lastModified, cutAfter: 1000 } }]);
    const r = await get();
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.headers.range)).toEqual([undefined, undefined]);
    expect(readFileSync(out()).equals(Buffer.from(v1))).toBe(true);
    expect(r.stderr).toMatch(/connection lost at .*, starting over — retry 1\/10/);
  });

  it('a weak ETag is not replaced by the Last-Modified date: no Range', async () => {
    server.route('/f', [
      {
        file: {
          body: v1,
          etag: 'W/"v1"',
          lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
          cutAfter: 1000,
        },
      },
    ]);
    const r = await get();
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.headers.range)).toEqual([undefined, undefined]);
    expect(readFileSync(out()).equals(Buffer.from(v1))).toBe(true);
  });

  it('a Last-Modified well before the Date resumes with If-Range set to it', async () => {
    const lastModified = 'Mon, 01 Jan 2024 00:00:00 GMT';
    server.route('/f', [{ file: { body: v1, lastModified, cutAfter: 1000 } }]);
    const r = await get();
    expect(r.code).toBe(0);
    expect(server.requests[1]!.headers['if-range']).toBe(lastModified);
    expect(readFileSync(out()).equals(Buffer.from(v1))).toBe(true);
  });
});

describe('the summary tells resumes from restarts', () => {
  it('counts a start-over from byte 0 as a restart, not a resume', async () => {
    server.route('/f', [{ file: { body: v1, cutAfter: 1000 } }]);
    const r = await get();
    expect(r.code).toBe(0);
    expect(server.requests[1]!.headers.range).toBeUndefined();
    const last = r.stderr.trimEnd().split('\n').at(-1);
    expect(last).toMatch(/\(2 attempts, 1 restart, [\d.]+ s\)$/);
    expect(last).not.toContain('resume');
    server.route('/f', [{ file: { body: v1, cutAfter: 1000 } }]);
    const json = await get('--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ resumes: 0, restarts: 1 });
  });

  it('counts a Range that continued the body as a resume', async () => {
    server.route('/f', [{ file: { body: v1, etag: '"v1"', cutAfter: 1000 } }]);
    const r = await get();
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/\(2 attempts, 1 resume, [\d.]+ s\)$/);
  });
});

describe('the retries are the library retry() run', () => {
  it('a body that moves forward on every attempt is finished, the retries starting afresh', async () => {
    // Each answer carries 1000 more bytes, then the connection drops; the last one is whole.
    server.route('/f', (q) => {
      const left = SIZE - (q.headers.range ? rangeStart(q) : 0);
      return { file: { body: v1, etag: '"v1"', ...(left > 1000 ? { cutAfter: 1000 } : {}) } };
    });
    const r = await get('--retries', '1');
    expect(r.code).toBe(0);
    expect(readFileSync(out()).equals(Buffer.from(v1))).toBe(true);
    expect(server.requests.map(rangeStart)).toEqual([Number.NaN, 1000, 2000, 3000]);
    expect(r.stderr).toContain('(the body moved forward: the retries start afresh)');
  });

  it('a body that stops moving forward fails after the retries with exit 4', async () => {
    server.route('/f', (q) => (q.headers.range ? { reset: 'before-headers' } : cutV1()));
    const r = await get('--retries', '2');
    expect(r.code).toBe(4);
    expect(server.requests).toHaveLength(3);
    expect(r.stderr).toMatch(/ECONNRESET — retry 2\/2 in/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a Retry-After on a failed resume is waited for, in the same run', async () => {
    let n = 0;
    server.route('/f', (q) => {
      if (!q.headers.range) return cutV1();
      return n++ === 0
        ? { status: 503, headers: { 'retry-after': '7' } }
        : { file: { body: v1, etag: '"v1"' } };
    });
    const r = await get();
    expect(r.code).toBe(0);
    const wait = /503 Service Unavailable — retry 2\/10 in ([\d.]+) s/.exec(r.stderr);
    expect(Number(wait?.[1])).toBeGreaterThanOrEqual(7);
    expect(readFileSync(out()).equals(Buffer.from(v1))).toBe(true);
  });
});
