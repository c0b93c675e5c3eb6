import { describe, expect, it } from 'vitest';

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
});
