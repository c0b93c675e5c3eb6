import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'orionclient-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the published package', () => {
  it('has no runtime dependencies: nothing is installed with it, and ESM with types is all it ships', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const field of [
      'dependencies',
      'peerDependencies',
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

  it('installs from `npm pack` and serves both entry points, with types, to another project', () => {
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
    writeFileSync(
      join(scratch, 'check.mjs'),
      `import { Backoff, TemporaryPath, retryGetWithBackoff } from 'orionclient/utils';
import { Session, plan, profiles } from 'orionclient';
import { startFaultServer } from 'orionclient/testing';
import { RedisStore, fromIoredis } from 'orionclient/redis';
const t = await TemporaryPath.create({ suffix: 'bar' });
const name = t.path;
await t[Symbol.asyncDispose]();
console.log(JSON.stringify({ e: new Backoff().exponential(3), total: plan().total, session: typeof Session,
  get: typeof retryGetWithBackoff, server: typeof startFaultServer, frozen: Object.isFrozen(profiles), name,
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
      redis: 'function',
      adapter: 'function',
    });
    expect(out.name).toMatch(/tmp[a-z0-9]{13}bar$/);
    expect(existsSync(out.name)).toBe(false);
    const installed = join(scratch, 'node_modules/orionclient');
    for (const file of [
      'dist/index.d.ts',
      'dist/utils.d.ts',
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
