/**
 * The part of a Redis client the store uses: one method that sends a command. The store
 * never loads a Redis client itself; the user passes theirs through an adapter, so the
 * library depends on none (the shapes below are what ioredis 5 and node-redis 4–5 provide).
 */
import { checkMethods } from '../validate.js';

/** Checks a client passed to an adapter (a missing one too). */
function need(name: string, value: unknown, kind: string, method: string): void {
  if (value === undefined) {
    throw new TypeError(`\`${name}\` must be ${kind} (an object with ${method}), got undefined`);
  }
  checkMethods(name, value, kind, [method]);
}

/** Sends Redis commands for a {@link RedisStore}. */
export interface RedisCommands {
  /**
   * Sends one command (its name, then its arguments, all strings) and resolves with the
   * server's reply (an error reply rejects). `key` is the first key the command touches,
   * for clients that route commands by key (Redis Cluster).
   */
  send(command: readonly string[], key: string): Promise<unknown>;
}

/** What {@link fromIoredis} needs of an ioredis `Redis` or `Cluster` instance. */
export interface IoredisLike {
  /** Sends `command` with `args` (ioredis's generic command method). */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** What {@link fromNodeRedis} needs of a node-redis client (`createClient()`). */
export interface NodeRedisLike {
  /** Sends one command, its name first. */
  sendCommand(args: string[]): Promise<unknown>;
}

/** What {@link fromNodeRedisCluster} needs of a node-redis cluster (`createCluster()`). */
export interface NodeRedisClusterLike {
  /** Sends one command, its name first, to the node that holds `firstKey`. */
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
}

/**
 * Adapts an ioredis client (`new Redis()` or `new Cluster()`); ioredis routes a script by
 * its first key in a cluster.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client: fromIoredis(new Redis()) });
 * ```
 */
export function fromIoredis(client: IoredisLike): RedisCommands {
  need('fromIoredis(client)', client, 'an ioredis client', 'call');
  return { send: ([name, ...args]) => client.call(name!, ...args) };
}

/**
 * Adapts a connected node-redis client (`await createClient().connect()`).
 *
 * @example
 * ```ts
 * const store = new RedisStore({ client: fromNodeRedis(await createClient().connect()) });
 * ```
 */
export function fromNodeRedis(client: NodeRedisLike): RedisCommands {
  need('fromNodeRedis(client)', client, 'a node-redis client', 'sendCommand');
  return { send: (command) => client.sendCommand([...command]) };
}

/** Adapts a connected node-redis cluster (`await createCluster(options).connect()`). */
export function fromNodeRedisCluster(cluster: NodeRedisClusterLike): RedisCommands {
  need('fromNodeRedisCluster(cluster)', cluster, 'a node-redis cluster', 'sendCommand');
  return { send: (command, key) => cluster.sendCommand(key, false, [...command]) };
}
