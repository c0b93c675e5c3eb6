import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type FaultServer, filler, refusedUrl, startFaultServer } from '../support/fault-server.js';
import { buildCli, memoryIo, runCli } from './helpers.js';

let cli = '';
let server: FaultServer;
let dir = '';

beforeAll(() => {
  cli = buildCli();
}, 60_000);

beforeEach(async () => {
  server = await startFaultServer();
  dir = mkdtempSync(join(tmpdir(), 'orionclient-get-'));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const ESC = '\x1b';
const body = filler(200_000);

describe('orionclient get, in a child process', () => {
  it('writes the body to -o FILE and leaves nothing else beside it', async () => {
    server.route('/f', [{ file: { body, etag: '"v1"' } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out.bin')).equals(Buffer.from(body))).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.bin']);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^200 OK: 195\.3 KiB to .*out\.bin \(1 attempt, [\d.]+ s\)\n$/);
  });

  it('writes the body to stdout without -o', async () => {
    server.route('/f', [{ file: { body } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`]);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(Buffer.from(body))).toBe(true);
  });

  it('rides out two 503s and logs each retry as a plain line without escape codes', async () => {
    server.route('/f', [{ status: 503 }, { status: 503 }, { status: 200, body: 'done' }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.txt')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('done');
    expect(server.requests).toHaveLength(3);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^503 Service Unavailable — retry 1\/10 in [\d.]+ s$/);
    expect(lines[1]).toMatch(/^503 Service Unavailable — retry 2\/10 in [\d.]+ s$/);
    expect(lines[2]).toMatch(/^200 OK: 4 B to .*\(3 attempts, /);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr).not.toContain('\r');
  });

  it('resumes a body cut mid-way with Range and If-Range, and the file bytes are exact', async () => {
    server.route('/f', [{ file: { body, etag: '"v1"', cutAfter: 50_000 } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out.bin')).equals(Buffer.from(body))).toBe(true);
    expect(server.requests).toHaveLength(2);
    const resumed = server.requests[1]!.headers;
    expect(resumed.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(resumed['if-range']).toBe('"v1"');
    expect(r.stderr).toMatch(/connection lost at .*, resuming from byte \d+ — retry 1\/10/);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('resumes a body that stops sending for --timeout seconds, and the file bytes are exact', async () => {
    server.route('/f', [{ file: { body, etag: '"v1"', stallAfter: 50_000 } }]);
    const r = await runCli(cli, [
      'get',
      `${server.url}/f`,
      '-o',
      join(dir, 'out.bin'),
      '--timeout',
      '0.5',
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'out.bin')).equals(Buffer.from(body))).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(r.stderr).toMatch(/connection lost at .*, resuming from byte \d+ — retry 1\/10/);
  });

  it('starts over cleanly when the server answers the range with the whole body (200)', async () => {
    server.route('/f', [{ file: { body, etag: '"v1"', cutAfter: 50_000, ignoreRange: true } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')]);
    expect(r.code).toBe(0);
    expect(server.requests[1]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(readFileSync(join(dir, 'out.bin')).equals(Buffer.from(body))).toBe(true);
    expect(r.stderr).toContain('200 OK to the range: starting over from byte 0');
  });

  it('starts over without Range when the server offers no validator', async () => {
    server.route('/f', [{ file: { body, cutAfter: 50_000 } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')]);
    expect(r.code).toBe(0);
    expect(server.requests[1]!.headers.range).toBeUndefined();
    expect(readFileSync(join(dir, 'out.bin')).equals(Buffer.from(body))).toBe(true);
  });

  it('exits 3 after the retries when the server keeps failing, leaving no FILE and no temp file', async () => {
    server.route('/f', [{ status: 503 }]);
    const r = await runCli(cli, [
      'get',
      `${server.url}/f`,
      '-o',
      join(dir, 'out.bin'),
      '--retries',
      '2',
    ]);
    expect(r.code).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toMatch(
      /orionclient get: GET http:\/\/127\.0\.0\.1:\d+\/f: 503 Service Unavailable \(3 attempts/,
    );
  });

  it('exits 4 when no connection can be made, leaving no FILE and no temp file', async () => {
    const url = await refusedUrl();
    const r = await runCli(cli, ['get', `${url}/f`, '-o', join(dir, 'out.bin'), '--retries', '1']);
    expect(r.code).toBe(4);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toMatch(/ECONNREFUSED — retry 1\/1 in/);
    expect(r.stderr).toMatch(/failed after 2 attempts/);
  });

  it('exits 4 when every body is shorter than its Content-Length, leaving no FILE', async () => {
    server.route('/f', [{ truncate: { declared: 1000, sent: 400 } }]);
    const r = await runCli(cli, [
      'get',
      `${server.url}/f`,
      '-o',
      join(dir, 'out.bin'),
      '--retries',
      '1',
    ]);
    expect(r.code).toBe(4);
    expect(server.requests).toHaveLength(2);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toMatch(/connection lost at 400 B, starting over — retry 1\/1/);
  });

  it('ends by SIGINT after removing the temporary file when interrupted during a slow body', async () => {
    server.route('/f', [{ slowBody: { bytes: 100_000, chunks: 100, intervalMs: 50 } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')], {
      onSpawn: async (child) => {
        // Interrupt once the temporary file exists and the body has started to arrive.
        for (
          let i = 0;
          i < 200 && !(server.requests.length > 0 && readdirSync(dir).length > 0);
          i++
        ) {
          await new Promise((r) => setTimeout(r, 25));
        }
        await new Promise((r) => setTimeout(r, 200));
        child.kill('SIGINT');
      },
    });
    // Ended by the signal itself (a shell reports 130), so a loop around the CLI stops.
    expect([r.code, r.signal]).toEqual([null, 'SIGINT']);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toContain('orionclient get: interrupted');
  });

  it('never prints -H values, even when the request fails', async () => {
    server.route('/f', [{ status: 503 }]);
    const r = await runCli(cli, [
      'get',
      `${server.url}/f`,
      '-H',
      'Authorization: Bearer s3cret-token',
      '-H',
      'X-Api-Key: k3y-value',
      '--retries',
      '1',
    ]);
    expect(r.code).toBe(3);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer s3cret-token');
    expect(server.requests[0]!.headers['x-api-key']).toBe('k3y-value');
    expect(r.stderr).not.toMatch(/s3cret|k3y/);
  });

  it('prints one JSON summary with --json', async () => {
    server.route('/f', [{ status: 503 }, { file: { body } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin'), '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.toString());
    expect(summary).toMatchObject({ ok: true, status: 200, bytes: body.length, attempts: 2 });
    expect(summary.path).toBe(join(dir, 'out.bin'));
    expect(r.stderr).toBe('');
  });
});

describe('orionclient get on a terminal (in-process)', () => {
  it('draws a progress bar with escape codes and ends with a plain summary line', async () => {
    server.route('/f', [
      { status: 503 },
      { slowBody: { bytes: 60_000, chunks: 6, intervalMs: 120 } },
    ]);
    const m = memoryIo({ tty: true });
    const code = await main(['get', `${server.url}/f`, '-o', join(dir, 'out.bin')], m.io);
    expect(code).toBe(0);
    const err = m.stderr();
    expect(err).toContain('\r\x1b[2K');
    expect(err).toMatch(/\[█+░*\] +\d+% {2}[\d.]+ KiB \/ 58\.6 KiB/);
    // The finished wait stays on screen as a line of its own.
    expect(err).toMatch(/503 Service Unavailable — retry 1\/10 in [\d.]+ s\n/);
    expect(err.split('\r\x1b[2K').at(-1)).toMatch(
      /^200 OK: 58\.6 KiB to .*\(2 attempts, [\d.]+ s\)\n$/,
    );
  });
});

describe('orionclient get, in-process', () => {
  it('gives each attempt --timeout seconds for its headers, then exits 4', async () => {
    server.route('/f', [{ hang: true }]);
    const m = memoryIo();
    const args = ['get', `${server.url}/f`, '-o', join(dir, 'out.bin'), '--timeout', '0.2'];
    expect(await main([...args, '--retries', '1'], m.io)).toBe(4);
    expect(server.requests).toHaveLength(2);
    expect(m.stderr()).toMatch(/^ETIMEDOUT — retry 1\/1 in [\d.]+ s$/m);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops a backoff wait at once when interrupted, exits 130 and leaves no file', async () => {
    server.route('/f', [{ status: 503, headers: { 'retry-after': '30' } }]);
    const controller = new AbortController();
    const m = memoryIo();
    const io = {
      ...m.io,
      signal: controller.signal,
      stderr: {
        write: (chunk: string | Uint8Array) => {
          m.io.stderr.write(chunk);
          // The first retry line means the 30 s wait has begun.
          controller.abort(new Error('interrupted'));
        },
      },
    };
    expect(await main(['get', `${server.url}/f`, '-o', join(dir, 'out.bin')], io)).toBe(130);
    expect(server.requests).toHaveLength(1);
    // Retry-After: 30, plus the spread above it (at most 30 s more on the first throttle).
    const wait = /retry 1\/10 in (\d+\.\d) s\norionclient get: interrupted\n$/.exec(m.stderr());
    expect(Number(wait?.[1])).toBeGreaterThanOrEqual(30);
    expect(Number(wait?.[1])).toBeLessThanOrEqual(60);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('orionclient get usage', () => {
  it.each([
    [[], 'missing URL'],
    [['ftp://example.com/x'], 'URL'],
    [['http://127.0.0.1/x', '--retries', 'many'], '--retries'],
    [['http://127.0.0.1/x', '-H', 'no colon here'], '-H'],
    [['http://127.0.0.1/x', '--json'], '--json'],
    [['http://127.0.0.1/x', '--profile', 'x'], '--profile'],
  ])('exits 2 for %j, names %s in one line and points to --help', async (args, what) => {
    const m = memoryIo();
    expect(await main(['get', ...args], m.io)).toBe(2);
    const lines = m.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(what);
    expect(lines[1]).toBe("Try 'orionclient get --help'.");
  });

  it('never echoes the password of a URL that does not parse, even one with a space', async () => {
    const m = memoryIo();
    expect(await main(['get', 'http://user:p w-SECRET@[bad/x'], m.io)).toBe(2);
    expect(m.stderr()).toContain('URL must be an absolute');
    expect(m.stderr()).not.toMatch(/SECRET|p w/);
  });

  it.each([
    [['--timeout', '-1'], "--timeout must be a number >= 0, got '-1'"],
    [['--retries', '-1'], "--retries must be an integer >= 0, got '-1'"],
    [['--retry-timeout', '-.5'], "--retry-timeout must be a number >= 0, got '-.5'"],
    [['-o'], '-o needs a value'],
    [['--output'], '--output needs a value'],
    [
      ['--timeout', '--json'],
      "--timeout needs a value (one that starts with '-' is written --timeout=-…)",
    ],
    [['-o', '--json'], "-o needs a value (one that starts with '-' is written --output=-…)"],
    [['--json=yes'], '--json does not take a value'],
  ])('says what is wrong with the value of %j', async (args, message) => {
    const m = memoryIo();
    expect(await main(['get', 'http://127.0.0.1/x', ...args], m.io)).toBe(2);
    expect(m.stderr().split('\n')[0]).toBe(`orionclient get: ${message}`);
  });

  it('documents -q, the short form of --quiet, and honours it', async () => {
    const help = memoryIo();
    expect(await main(['get', '--help'], help.io)).toBe(0);
    expect(help.stdout()).toMatch(/^ {2}-q, --quiet /m);
    server.route('/f', [{ status: 200, body: 'done' }]);
    const m = memoryIo();
    expect(await main(['get', `${server.url}/f`, '-q', '-o', join(dir, 'out.txt')], m.io)).toBe(0);
    expect(m.stderr()).toBe('');
  });

  it('names only the header, not its value, when a -H value is invalid', async () => {
    const m = memoryIo();
    expect(await main(['get', 'http://127.0.0.1/x', '-H', 'Authorization: se\0cret'], m.io)).toBe(
      2,
    );
    expect(m.stderr()).toContain('Authorization');
    expect(m.stderr()).not.toContain('cret');
  });
});
