import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import {
  type FleetEvent,
  fromIoredis,
  fromNodeRedis,
  type RedisCommands,
  RedisStore,
} from '../../src/redis/index.js';
import { ok, throttled } from '../support/fleet.js';
import { RedisServer } from '../support/redis-server.js';

// Two Coordinators, each with its own connection (two processes of one fleet), on real
// time against a real redis-server that is killed, stopped, restarted empty or loses its
// scripts. No acquire may wait for Redis: every one resolves while the server is still
// down, at the pace the fleet had learned, and the fleet is one again once it is back.

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every 20 ms, up to `tries` times; whether it came true. */
async function eventually(condition: () => boolean, tries = 150): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (condition()) return true;
    await pause(20);
  }
  return condition();
}

/** Whether `c` holds its attempts for more than `seconds` (asking the store when due). */
function heldAtLeast(c: Coordinator, seconds: number): boolean {
  c.state();
  return c.heldFor() > seconds;
}

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

interface Connection {
  commands: RedisCommands;
  close(): void;
}

const connect: Record<string, () => Promise<Connection>> = {
  ioredis: async () => {
    const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect();
    return { commands: fromIoredis(redis), close: () => redis.disconnect() };
  },
  'node-redis': async () => {
    const client = createClient({ url: server.url });
    client.on('error', () => {});
    await client.connect();
    return { commands: fromNodeRedis(client), close: () => client.destroy() };
  },
};

describe.each(Object.keys(connect))('a fleet on Redis through %s', (name) => {
  let connections: Connection[] = [];
  let events: FleetEvent[] = [];
  const listen = (m: unknown) => events.push(m as FleetEvent);
  let a: Coordinator;
  let b: Coordinator;
  let quota = 0;

  beforeEach(async () => {
    events = [];
    subscribe('orionclient:fleet', listen);
    connections = [await connect[name]!(), await connect[name]!()];
    // A quota of its own for each test.
    const prefix = `${name}-${quota++}`;
    // A deadline that a busy test machine does not miss by itself: the faults here are
    // the server's (test/redis/store.test.ts checks the 50 ms default).
    const [ca, cb] = connections.map(
      (c) => new RedisStore({ client: c.commands, prefix, timeout: 0.25 }),
    );
    const options = { budget: false as const, retryAfter: { whilePacing: true } };
    a = new Coordinator({ ...options, store: ca! });
    b = new Coordinator({ ...options, store: cb! });
    // The fleet learns 20 requests a second from one throttle after 20 accepted answers.
    for (let i = 0; i < 20; i++) a.record(ok, 1);
    a.record(throttled(), 1);
    expect(await eventually(() => b.state().rate === 20)).toBe(true);
  });

  afterEach(async () => {
    unsubscribe('orionclient:fleet', listen);
    for (const c of connections) c.close();
    server.resume();
    if (!(await reachable())) await server.restart();
  });

  async function reachable(): Promise<boolean> {
    try {
      const c = await connect.ioredis!();
      c.close();
      return true;
    } catch {
      return false;
    }
  }

  /** `count` acquires on `c`, each noting whether Redis was still `down` when it resolved. */
  async function acquireWhile(c: Coordinator, count: number, down: () => boolean) {
    const during = await Promise.all(
      Array.from({ length: count }, async () => {
        await c.acquire();
        c.record(ok, 1);
        return down();
      }),
    );
    return during.filter(Boolean).length;
  }

  /**
   * A Retry-After received by `a` holds `b`: the two are one fleet again. (Each rejoins
   * on its own probe, up to 1.5 s apart, and node-redis waits up to 2 s between its
   * attempts to reconnect; news that `a` gets while it is still alone stays with `a`.)
   */
  function sharedAgain(): Promise<boolean> {
    return eventually(() => {
      a.record(throttled(30), 2);
      return heldAtLeast(b, 29);
    }, 400);
  }

  it('goes on alone when Redis is killed, at the learned pace, and rejoins a server restarted empty', async () => {
    let down = true;
    await server.kill();
    expect(await acquireWhile(a, 10, () => down)).toBe(10);
    // Paced at what the fleet had learned (grown by the answers since), never unlimited.
    expect(a.state().rate).toBeGreaterThanOrEqual(20);
    expect(a.state().rate).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(events.map((e) => e.type)).toContain('fallback');
    await server.restart();
    down = false;
    expect(await sharedAgain()).toBe(true);
  });

  it('goes on alone while Redis is stopped (SIGSTOP), and rejoins after SIGCONT', async () => {
    let down = true;
    server.pause();
    expect(await acquireWhile(a, 10, () => down)).toBe(10);
    // Paced at what the fleet had learned (grown by the answers since), never unlimited.
    expect(a.state().rate).toBeGreaterThanOrEqual(20);
    expect(a.state().rate).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(events.map((e) => e.type)).toContain('fallback');
    server.resume();
    down = false;
    expect(await sharedAgain()).toBe(true);
  });

  it('keeps a known Retry-After while Redis is down', async () => {
    a.record(throttled(10), 2);
    expect(await eventually(() => heldAtLeast(b, 6))).toBe(true);
    await server.kill();
    // b heard of the hold before Redis died; it keeps it, it does not fall back to no limit.
    await pause(300);
    expect(heldAtLeast(b, 4)).toBe(true);
    await pause(600);
    expect(heldAtLeast(b, 4)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['fallback']);
    await server.restart();
  });

  it('loads its script again after SCRIPT FLUSH without a single failed call', async () => {
    const admin = await connect.ioredis!();
    await admin.commands.send(['SCRIPT', 'FLUSH'], '');
    admin.close();
    a.record(throttled(30), 2);
    expect(await eventually(() => heldAtLeast(b, 29))).toBe(true);
    expect(events).toEqual([]);
  });
});
