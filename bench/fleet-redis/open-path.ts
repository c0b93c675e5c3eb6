import { Redis } from 'ioredis';
import { Coordinator, fromIoredis, RedisStore } from '../library.js';
import type { BenchRedis } from './redis.js';

/**
 * The open path (no hold, no limit): what an `acquire` and a `record` cost per request
 * with the Redis store against the in-process Coordinator, and how often the process
 * calls Redis, over a stream of requests that are all accepted.
 */
export async function openPath(redis: BenchRedis) {
  const client = new Redis({ port: redis.port, host: '127.0.0.1' });
  const ok = { retry: false, status: 200 };
  const measure = async (coordinator: Coordinator, seconds: number) => {
    let count = 0;
    const start = performance.now();
    let busy = 0;
    while (performance.now() - start < seconds * 1000) {
      // Bursts of 1,000 requests, then a pause: a process that also has other work.
      const t = performance.now();
      for (let i = 0; i < 1000; i++) {
        await coordinator.acquire();
        coordinator.record(ok, 1);
      }
      busy += performance.now() - t;
      count += 1000;
      await new Promise((r) => setTimeout(r, 5));
    }
    return {
      count,
      usPerRequest: (busy * 1000) / count,
      seconds: (performance.now() - start) / 1000,
    };
  };
  try {
    const local = await measure(new Coordinator(), 2);
    await redis.reset();
    const store = new RedisStore({ client: fromIoredis(client), prefix: 'open' });
    const shared = await measure(new Coordinator({ store }), 2);
    const info = await redis.admin.info('commandstats');
    const calls = Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
    return {
      localUsPerRequest: local.usPerRequest,
      redisUsPerRequest: shared.usPerRequest,
      addedUsPerRequest: shared.usPerRequest - local.usPerRequest,
      requestsPerSecond: shared.count / shared.seconds,
      redisCallsPerSecond: calls / shared.seconds,
    };
  } finally {
    client.disconnect();
  }
}
