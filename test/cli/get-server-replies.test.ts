/**
 * What `orionclient get` makes of replies that are not a plain success or failure: terminal
 * controls in what the server sends are never printed, and a server that answered (with
 * redirects, or with something that is not HTTP) is not reported as "no response".
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exitCodes } from '../../src/cli/output.js';
import { VirtualClock } from '../../src/index.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { memoryIo } from './helpers.js';

let server: FaultServer;
let dir = '';

beforeEach(async () => {
  server = await startFaultServer();
  dir = mkdtempSync(join(tmpdir(), 'orionclient-replies-'));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(args: readonly string[], options: { tty?: boolean } = {}) {
  const m = memoryIo(options);
  const io = { ...m.io, clock: new VirtualClock() };
  const code = await main(['get', `${server.url}/f`, '-o', join(dir, 'out'), ...args], io);
  return { code, stderr: m.stderr(), stdout: m.stdout() };
}

/**
 * A raw reply whose reason phrase would retitle the window, clear the screen and turn the
 * text red (the C1 CSI, U+009B, sent in UTF-8 as fetch decodes it).
 */
const hostile = (status: number) => ({
  raw: Buffer.from(
    `HTTP/1.1 ${status} \x1b]0;owned\x07\x1b[2J\u009b31mgone\x7f\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
  ),
});

/** The characters of `text` a terminal would act on: C0 (but newline), DEL and C1. */
const controls = (text: string) =>
  [...text].filter((c) => {
    const n = c.charCodeAt(0);
    return (n < 0x20 && c !== '\n') || (n >= 0x7f && n <= 0x9f);
  });

describe('terminal controls from the server', () => {
  it('a reason phrase with escape sequences is printed without them (log lines)', async () => {
    server.route('/f', [hostile(400)]);
    const r = await get([]);
    expect(r.code).toBe(exitCodes.httpStatus);
    expect(r.stderr).toMatch(/: 400 31mgone \(1 attempt, /);
    expect(controls(r.stderr)).toEqual([]);
  });

  it('a reason phrase with escape sequences is printed without them (--quiet and --json)', async () => {
    server.route('/f', [hostile(400)]);
    const r = await get(['--json']);
    expect(r.code).toBe(exitCodes.httpStatus);
    expect(r.stderr).toContain('400 31mgone');
    expect(controls(r.stderr)).toEqual([]);
  });

  it('on a terminal, only the view draws escape codes, none of the server', async () => {
    server.route('/f', [hostile(404)]);
    const r = await get(['--retries', '0', '--profile', 'interactive'], { tty: true });
    expect(r.code).toBe(exitCodes.httpStatus);
    expect(r.stderr).toContain('404 31mgone');
    expect(r.stderr).not.toContain('owned');
    // The view's own codes are carriage returns and "erase line" (ESC [2K), nothing else.
    expect(controls(r.stderr.replaceAll('\r\x1b[2K', ''))).toEqual([]);
  });

  it('an ETag with control characters is quoted without them when a resume is refused', async () => {
    const body = new Uint8Array(2000).fill(97);
    server.route('/f', (q) =>
      q.headers.range
        ? {
            status: 206,
            headers: { etag: '"v2\x9b2J"', 'content-range': 'bytes 1000-1999/2000' },
            body: body.subarray(1000),
          }
        : { file: { body, etag: '"v1"', cutAfter: 1000 } },
    );
    const r = await get(['--retries', '1']);
    expect(r.code).toBe(exitCodes.network);
    expect(r.stderr).toContain('ETag "v22J", not "v1"');
    expect(controls(r.stderr)).toEqual([]);
  });
});

describe('exit codes of servers that did answer', () => {
  it('a redirect loop exits 3: the last answer was an HTTP redirect', async () => {
    server.route('/f', [{ redirect: '/f' }]);
    const r = await get([]);
    expect(r.code).toBe(exitCodes.httpStatus);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/more than 20 redirects/);
    // The redirect loop is not retried: 21 hops of one attempt.
    expect(server.requests).toHaveLength(21);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a reply that is not HTTP exits 5, not 4', async () => {
    server.route('/f', [{ invalid: true }]);
    const r = await get([]);
    expect(r.code).toBe(exitCodes.protocol);
    expect(r.code).toBe(5);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a connection reset before any answer still exits 4', async () => {
    server.route('/f', [{ reset: 'before-headers' }]);
    const r = await get(['--retries', '1']);
    expect(r.code).toBe(exitCodes.network);
    expect(server.requests).toHaveLength(2);
  });
});
