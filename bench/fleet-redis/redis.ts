import { Redis } from 'ioredis';
import { RedisServer } from '../../test/support/redis-server.js';

/**
 * The benchmark's redis-server: the tests' own launcher (a free loopback port, no
 * persistence, stopped by its pid), with a connection of its own that reads its counters.
 */
export class BenchRedis {
  readonly admin: Redis;

  private constructor(readonly server: RedisServer) {
    this.admin = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    this.admin.on('error', () => {});
  }

  static async start(): Promise<BenchRedis> {
    const redis = new BenchRedis(await RedisServer.start());
    await redis.admin.connect();
    return redis;
  }

  get port(): number {
    return this.server.port;
  }

  /** Empties the server and its command statistics before a run. */
  async reset(): Promise<void> {
    await this.admin.flushall();
    await this.admin.config('RESETSTAT');
  }

  /**
   * Redis CPU (µs) since `reset()` in the commands clients send: scripts (their time holds
   * the commands they run) and PUBLISH.
   */
  async usage(): Promise<{ usec: number }> {
    const info = await this.admin.info('commandstats');
    let usec = 0;
    for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g)) {
      if (/^(evalsha|eval|publish)$/.test(m[1]!)) usec += Number(m[3]);
    }
    return { usec };
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.server.stop();
  }
}
