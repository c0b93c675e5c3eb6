/**
 * `orionclient get -o FILE` against a hostile or unusual output directory: a link planted
 * in place of the temporary file changes nothing and is never renamed into place, a
 * directory is refused before any request, a 255-byte name works, and SIGTERM cleans up
 * as Ctrl+C does.
 */
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { type FaultServer, filler, startFaultServer } from '../support/fault-server.js';
import { buildCli, memoryIo, runCli } from './helpers.js';

let cli = '';
let server: FaultServer;
let root = '';
let dir = '';

beforeAll(() => {
  cli = buildCli();
}, 60_000);

beforeEach(async () => {
  server = await startFaultServer();
  root = mkdtempSync(join(tmpdir(), 'orionclient-output-'));
  dir = join(root, 'out');
  mkdirSync(dir);
});

afterEach(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Polls until `ready()` holds (the download is under way), at most about five seconds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(ready()).toBe(true);
}

const partFile = () => readdirSync(dir).find((name) => name.endsWith('.part'));

describe('a link planted in place of the temporary file', () => {
  it('is not followed by the commit: the target keeps its mode and bytes, and no link becomes FILE', async () => {
    const victim = join(root, 'victim');
    writeFileSync(victim, 'private', { mode: 0o600 });
    server.route('/f', [{ slowBody: { bytes: 20_000, chunks: 10, intervalMs: 40 } }]);
    const m = memoryIo();
    const running = main(['get', `${server.url}/f`, '-o', join(dir, 'result.bin')], m.io);
    await until(() => server.requests.length > 0 && partFile() !== undefined);
    const part = join(dir, partFile()!);
    // Someone who can rename entries in the directory swaps the file for a link.
    renameSync(part, join(root, 'moved-away'));
    symlinkSync(victim, part);
    const code = await running;

    expect(code).toBe(1);
    expect(m.stderr()).toMatch(/was replaced while downloading; .*result\.bin was left as it was/);
    expect(statSync(victim).mode & 0o777).toBe(0o600);
    expect(readFileSync(victim, 'utf8')).toBe('private');
    expect(readdirSync(dir)).toEqual([]);
    expect(lstatSync(victim).isFile()).toBe(true);
  });
});

describe('-o naming a directory', () => {
  it.each([
    ['an existing directory', () => dir],
    ['a path ending in a separator', () => join(root, 'new/')],
  ])('%s is a usage error before any request is sent', async (_, path) => {
    server.route('/f', [{ status: 200, body: 'x' }]);
    const m = memoryIo();
    expect(await main(['get', `${server.url}/f`, '-o', path()], m.io)).toBe(2);
    expect(m.stderr().split('\n')[0]).toMatch(
      /^orionclient get: -o must name a file, got the directory/,
    );
    expect(server.requests).toHaveLength(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('long output names', () => {
  it.each([236, 255])(
    'a name of %i bytes works: the temporary name gets shorter',
    async (length) => {
      const name = 'n'.repeat(length);
      server.route('/f', [{ file: { body: filler(5000), etag: '"v1"' } }]);
      const m = memoryIo();
      expect(await main(['get', `${server.url}/f`, '-o', join(dir, name)], m.io)).toBe(0);
      expect(readdirSync(dir)).toEqual([name]);
      expect(readFileSync(join(dir, name)).equals(Buffer.from(filler(5000)))).toBe(true);
    },
  );

  it('a name of 235 bytes keeps the temporary name that says whose it is', async () => {
    const name = 'n'.repeat(235);
    server.route('/f', [{ slowBody: { bytes: 10_000, chunks: 5, intervalMs: 40 } }]);
    const running = main(['get', `${server.url}/f`, '-o', join(dir, name)], memoryIo().io);
    await until(() => partFile() !== undefined);
    expect(partFile()).toMatch(new RegExp(`^\\.${name}\\.[a-z0-9]{13}\\.part$`));
    expect(await running).toBe(0);
  });
});

describe('SIGTERM, in a child process', () => {
  it('removes the temporary file, then the process ends by SIGTERM', async () => {
    server.route('/f', [{ slowBody: { bytes: 100_000, chunks: 100, intervalMs: 50 } }]);
    const r = await runCli(cli, ['get', `${server.url}/f`, '-o', join(dir, 'out.bin')], {
      onSpawn: async (child) => {
        await until(() => server.requests.length > 0 && partFile() !== undefined);
        await new Promise((r) => setTimeout(r, 200));
        child.kill('SIGTERM');
      },
    });
    expect([r.code, r.signal]).toEqual([null, 'SIGTERM']);
    expect(readdirSync(dir)).toEqual([]);
    expect(r.stderr).toContain('orionclient get: interrupted');
  });
});
