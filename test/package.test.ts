import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'orionclient-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the published package', () => {
  it('has no runtime dependencies: nothing is installed with it, and ESM with types is all it ships', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    // undici is a peer of orionclient/undici alone, and optional: npm installs no optional peer.
    expect(manifest.peerDependencies).toEqual({ undici: '>=7.0.0' });
    expect(manifest.peerDependenciesMeta).toEqual({ undici: { optional: true } });
    for (const field of [
      'dependencies',
      'optionalDependencies',
      'bundleDependencies',
      'bundledDependencies',
    ]) {
      expect(manifest[field], field).toBeUndefined();
    }
    expect(manifest.type).toBe('module');
    expect(manifest.engines).toEqual({ node: '>=20.19' });
    for (const entry of Object.values(manifest.exports) as Array<string | Record<string, string>>) {
      if (typeof entry === 'object') expect(Object.keys(entry)).toEqual(['types', 'default']);
    }
  });

  it('installs from `npm pack` and serves every entry point, with types, to another project', () => {
    // `npm test` builds dist/ before the tests run; the tarball is what users get.
    expect(existsSync(join(root, 'dist/index.js'))).toBe(true);
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: root,
    });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--silent', `./${tarball}`],
      { cwd: scratch },
    );
    // undici is an optional peer of orionclient/undici: not installed with the package, so
    // every entry must load without it; the interceptor then runs on this project's undici.
    const undici = pathToFileURL(join(root, 'node_modules/undici/index.js')).href;
    writeFileSync(
      join(scratch, 'check.mjs'),
      `import { Backoff, TemporaryPath, retryGetWithBackoff } from 'orionclient/utils';
import { Session, plan, profiles, retryInfo } from 'orionclient';
import { startFaultServer } from 'orionclient/testing';
import { retry } from 'orionclient/undici';
import { RedisStore, fromIoredis } from 'orionclient/redis';
const t = await TemporaryPath.create({ suffix: 'bar' });
const name = t.path;
await t[Symbol.asyncDispose]();
const interceptor = retry({ base: 0.001, cap: 0.001 });
const { Agent, request } = await import(${JSON.stringify(undici)});
const server = await startFaultServer();
server.route('/u', [{ status: 503 }, { status: 200, body: 'ok' }]);
const agent = new Agent();
const data = await request(server.url + '/u', { dispatcher: agent.compose(interceptor) });
const body = await data.body.text();
await agent.close();
await server.close();
console.log(JSON.stringify({ e: new Backoff().exponential(3), total: plan().total, session: typeof Session,
  get: typeof retryGetWithBackoff, server: typeof startFaultServer, frozen: Object.isFrozen(profiles), name,
  undici: [data.statusCode, body, retryInfo(data.context).attempts.length],
  redis: typeof RedisStore, adapter: typeof fromIoredis }));`,
    );
    const out = JSON.parse(
      execFileSync(process.execPath, ['check.mjs'], { cwd: scratch, encoding: 'utf8' }),
    );
    expect(out).toMatchObject({
      e: 0.8,
      total: 192.2,
      session: 'function',
      get: 'function',
      frozen: true,
      undici: [200, 'ok', 2],
      redis: 'function',
      adapter: 'function',
    });
    expect(out.name).toMatch(/tmp[a-z0-9]{13}bar$/);
    expect(existsSync(out.name)).toBe(false);
    const installed = join(scratch, 'node_modules/orionclient');
    expect(existsSync(join(scratch, 'node_modules/undici'))).toBe(false);
    for (const file of [
      'dist/index.d.ts',
      'dist/utils.d.ts',
      'dist/undici/index.d.ts',
      'dist/redis/index.d.ts',
      'dist/cli/main.js',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(readdirSync(installed)).not.toContain('src');
    expect(readdirSync(installed)).toContain('LICENSE');
    // No source maps that point at files the package does not ship, no internal CLI types.
    const files = readdirSync(join(installed, 'dist'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('cli') && f.endsWith('.d.ts'))).toEqual([]);
    expect(existsSync(join(scratch, 'node_modules/.bin/orionclient'))).toBe(true);
  });
});
