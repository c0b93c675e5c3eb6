/**
 * `orionclient/redis`: a Coordinator's quotas in Redis, shared by every process that uses
 * them. Pass your own client through an adapter; the library loads none.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { Coordinator } from 'orionclient';
 * import { RedisStore, fromNodeRedis } from 'orionclient/redis';
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const coordinator = new Coordinator({
 *   store: new RedisStore({ client: fromNodeRedis(client) }),
 *   key: () => 'api.example.com account 42',
 * });
 * ```
 *
 * @module
 */
export {
  fromIoredis,
  fromNodeRedis,
  fromNodeRedisCluster,
  type IoredisLike,
  type NodeRedisClusterLike,
  type NodeRedisLike,
  type RedisCommands,
} from './client.js';
export type { FleetEvent } from './events.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
