import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

// Every runtime export is an API to keep: the list is pinned, and each name is one the
// README documents.
describe('the public entries', () => {
  it('orionclient exports what users need and nothing internal', async () => {
    const main = await import('../src/index.js');
    expect(Object.keys(main).sort()).toEqual([
      'AttemptRefused',
      'Backoff',
      'Coordinator',
      'OrionError',
      'RetryError',
      'Session',
      'VirtualClock',
      'defaultClassify',
      'interactiveSession',
      'jitters',
      'nonInteractiveSession',
      'parseRetryAfter',
      'parseRetryAfterValue',
      'plan',
      'profiles',
      'retry',
      'retryGetWithBackoff',
      'retryInfo',
      'systemClock',
    ]);
  });

  it('orionclient/redis exports the Redis store and its client adapters', async () => {
    const redis = await import('../src/redis/index.js');
    expect(Object.keys(redis).sort()).toEqual([
      'RedisStore',
      'fromIoredis',
      'fromNodeRedis',
      'fromNodeRedisCluster',
    ]);
  });

  it('orionclient/utils exports the original API', async () => {
    const utils = await import('../src/utils.js');
    expect(Object.keys(utils).sort()).toEqual([
      'Backoff',
      'TemporaryPath',
      'retryGetWithBackoff',
      'withTemporaryPath',
    ]);
  });

  it('orionclient/undici exports the interceptor', async () => {
    const entry = await import('../src/undici/index.js');
    expect(Object.keys(entry).sort()).toEqual(['retry']);
  });

  it('imports undici for its types alone, and only in orionclient/undici', () => {
    const files = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => join(e.parentPath, e.name));
    const importsUndici = (text: string, kind: RegExp) =>
      [...text.matchAll(/^import (type )?[^;]*?from '(undici[^']*)'/gms)].filter((m) =>
        kind.test(m[1] ?? ''),
      ).length;
    const typeOnly = files.filter((f) => importsUndici(readFileSync(f, 'utf8'), /^type $/) > 0);
    const runtime = files.filter((f) => importsUndici(readFileSync(f, 'utf8'), /^$/) > 0);
    expect(runtime).toEqual([]);
    expect(typeOnly.length).toBeGreaterThan(0);
    expect(typeOnly.every((f) => f.startsWith(join(src, 'undici')))).toBe(true);
  });
});
