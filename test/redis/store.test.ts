import { createHash } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import type { PolicySettings } from '../../src/fleet/settings.js';
import { COLD, type Observation } from '../../src/fleet/state.js';
import type { QuotaReport } from '../../src/fleet/store.js';
import {
  type FleetEvent,
  fromIoredis,
  fromNodeRedis,
  type RedisCommands,
  RedisStore,
} from '../../src/redis/index.js';
import { SYNC_SCRIPT } from '../../src/redis/script.js';
import { type Clock, systemClock } from '../../src/time/clock.js';
import { seen as later } from '../support/fleet.js';
import { RedisServer } from '../support/redis-server.js';

const policy: PolicySettings = {
  hold: { spread: undefined, whilePacing: false, maxHold: 300 },
  limit: {
    statuses: [429],
    minRate: 0.5,
    growth: 1.6,
    probe: 0.005,
    decrease: 0.9,
    cooldown: 1,
    startGrowth: 1.6 ** 3,
    deepestCut: 0.5,
    ceilingHold: 2,
    confirmedHold: 10,
    confirmBand: 0.9,
  },
  budget: { ratio: 0.1, minPerSecond: 1, window: 10 },
};
/** A first attempt's outcome, answered and settled, unless `o` says otherwise. */
const seen = (o: Partial<Observation>): Observation => later({ first: true, ...o });
const report = (observations: Observation[], take = 0, retries = 0): QuotaReport => ({
  observations,
  retries,
  take,
});

let server: RedisServer;
let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;
const clients: Record<string, () => RedisCommands> = {
  ioredis: () => fromIoredis(ioredis),
  'node-redis': () => fromNodeRedis(nodeRedis),
};

beforeAll(async () => {
  server = await RedisServer.start();
  ioredis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  await ioredis.connect();
  nodeRedis = createClient({ url: server.url });
  nodeRedis.on('error', () => {});
  await nodeRedis.connect();
});

afterAll(async () => {
  ioredis?.disconnect();
  nodeRedis?.destroy();
  await server?.stop();
});

describe.each(Object.keys(clients))('RedisStore through %s', (name) => {
  const quota = `https://api.example.com user:secret-${name}`;
  // A deadline that a busy test machine never misses: these tests are about the data.
  const make = () => new RedisStore({ client: clients[name]!(), prefix: `t-${name}`, timeout: 2 });

  it('keeps one quota’s state in two hash-tagged keys that expire, never naming the quota', async () => {
    const store = make();
    const a = await store.sync(quota, report([seen({}), seen({})]), policy);
    expect(a.counts).toEqual({ accepted: 2, requests: 2, retries: 0 });
    const keys = await ioredis.keys(`{t-${name}:*`);
    expect(keys.sort()).toEqual([...store.keys(quota)].sort());
    expect(keys.join()).not.toContain('secret');
    expect(new Set(keys.map((k) => k.slice(0, k.indexOf('}') + 1))).size).toBe(1);
    for (const key of keys) expect(await ioredis.pttl(key)).toBeGreaterThan(0);
    expect(await ioredis.pttl(store.keys(quota)[0])).toBeGreaterThan(599_000);
    expect(await ioredis.pttl(store.keys(quota)[1])).toBeLessThanOrEqual(12_000);
  });

  it('shares a Retry-After on the server’s clock and hands out slots on one timeline', async () => {
    const a = make();
    const b = make();
    const key = `${quota}-hold`;
    const held = await a.sync(
      key,
      report([seen({ answer: 'throttled', retry: true, retryAfter: 2.5 })]),
      policy,
    );
    expect(held.state.until - held.now).toBeCloseTo(2.5, 9);
    expect(held.state.span).toBe(2.5);
    const other = await b.sync(key, report([], 3), policy);
    expect(other.state.until).toBe(held.state.until);
    // No slot before the hold ends; the next one is due when it does.
    expect(other.slots).toBe(0);
    expect(other.slot).toBe(held.state.until);
    expect(other.fresh).toBe(0.25);
  });

  it('loads its script when it is made, and says when Redis holds it', async () => {
    await ioredis.script('FLUSH');
    const sha = createHash('sha1').update(SYNC_SCRIPT).digest('hex');
    const store = make();
    await store.ready();
    expect(await ioredis.script('EXISTS', sha)).toEqual([1]);
  });

  it('recovers by itself when the server lost the script (NOSCRIPT → EVAL)', async () => {
    const store = make();
    await store.sync(`${quota}-flush`, report([seen({})]), policy);
    await ioredis.script('FLUSH');
    const after = await store.sync(`${quota}-flush`, report([seen({})]), policy);
    expect(after.counts.requests).toBe(2);
  });

  it('reads a tampered, garbage or foreign key as a cold start', async () => {
    const store = make();
    const key = `${quota}-garbage`;
    const [state, counts] = store.keys(key);
    await store.sync(
      key,
      report([seen({ answer: 'throttled', retry: true, retryAfter: 30 })]),
      policy,
    );
    await ioredis.hset(state, 'until', 'soon', 'rate', '-3');
    await ioredis.hset(state, 'u', 'NaN');
    const a = await store.sync(key, report([]), policy);
    expect(a.state).toEqual(COLD);
    // A hold far beyond any maxHold cannot come from the script.
    await store.sync(
      key,
      report([seen({ answer: 'throttled', retry: true, retryAfter: 30 })]),
      policy,
    );
    await ioredis.hset(state, 'u', String(1e15));
    expect((await store.sync(key, report([]), policy)).state.until).toBe(-Infinity);
    await ioredis.hset(counts, 'qt', 'x', 'q3', '-1');
    const b = await store.sync(key, report([seen({})]), policy);
    expect(b.counts.requests).toBe(1);
    await ioredis.del(state, counts);
    await ioredis.set(state, 'not a hash');
    await expect(store.sync(key, report([]), policy)).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('RedisStore events and options', () => {
  it('says on orionclient:fleet when it falls back and when it rejoins', async () => {
    const events: FleetEvent[] = [];
    const listen = (m: unknown) => events.push(m as FleetEvent);
    subscribe('orionclient:fleet', listen);
    try {
      let fail = true;
      const inner = fromIoredis(ioredis);
      const store = new RedisStore({
        client: { send: (c, k) => (fail ? Promise.reject(new Error('down')) : inner.send(c, k)) },
        timeout: 2,
      });
      await expect(store.sync('q', report([]), policy)).rejects.toThrow('down');
      await expect(store.sync('q', report([]), policy)).rejects.toThrow('down');
      fail = false;
      await store.sync('q', report([]), policy);
      await store.sync('q', report([]), policy);
      expect(events.map((e) => e.type)).toEqual(['fallback', 'rejoin']);
    } finally {
      unsubscribe('orionclient:fleet', listen);
    }
  });

  // Any clock of real time, not only the library's own (a process may offset or log it).
  const ahead: Clock = {
    now: () => systemClock.now() + 5,
    sleep: (s, signal) => systemClock.sleep(s, signal),
    random: () => systemClock.random(),
  };
  it.each([
    ['systemClock', systemClock],
    ['a clock of real time 5 s ahead', ahead],
  ])(
    'reads an answer that came while the event loop was busy past the deadline (%s)',
    async (name, clock) => {
      const events: FleetEvent[] = [];
      const listen = (m: unknown) => events.push(m as FleetEvent);
      subscribe('orionclient:fleet', listen);
      try {
        const store = new RedisStore({ client: fromIoredis(ioredis), prefix: `busy-${name}` });
        await store.ready();
        const coordinator = new Coordinator({ clock, store });
        coordinator.record({ retry: true, status: 429, retryAfter: 30 }, 1);
        // Redis answers at once (even on a busy machine, well within 0.4 s); this process
        // reads nothing for eight deadlines.
        const until = performance.now() + 400;
        while (performance.now() < until) {}
        await new Promise((r) => setTimeout(r, 20));
        expect(events.map((e) => String(e.error))).toEqual([]);
        expect(await ioredis.hget(store.keys('')[0], 'sp')).toBe('30');
        // The Coordinator did not give up on the store either: the next news goes out at once.
        coordinator.record({ retry: true, status: 429, retryAfter: 60 }, 1);
        await new Promise((r) => setTimeout(r, 20));
        expect(await ioredis.hget(store.keys('')[0], 'sp')).toBe('60');
      } finally {
        unsubscribe('orionclient:fleet', listen);
      }
    },
  );

  it('sends a run of equal outcomes as one, with its count', async () => {
    const sent: number[] = [];
    const inner = fromIoredis(ioredis);
    const store = new RedisStore({
      client: {
        send: (c, k) => {
          sent.push(c.length);
          return inner.send(c, k);
        },
      },
      prefix: 'runs',
      timeout: 2,
    });
    await store.ready();
    const accepted = Array.from({ length: 10_000 }, () => seen({}));
    const answer = await store.sync('q', report([...accepted, seen({ first: false })]), policy);
    expect(answer.counts).toEqual({ accepted: 10_001, requests: 10_000, retries: 0 });
    // EVALSHA, its sha, the key count, 2 keys, 21 settings, and 6 for each of the 2 runs.
    expect(sent.at(-1)).toBe(3 + 2 + 21 + 12);
  });

  it('gives up on a call after its deadline, and on new calls while many hang', async () => {
    let sent = 0;
    const store = new RedisStore({
      client: {
        send: () => {
          sent++;
          return new Promise(() => {});
        },
      },
      timeout: 0.01,
    });
    const calls = Array.from({ length: 10 }, () => store.sync('q', report([]), policy));
    const results = await Promise.allSettled(calls);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // The script's load when the store was made, then 8 calls; the other 2 fail at once.
    expect(sent).toBe(9);
  });

  it('rejects bad options with the option’s name and the value given', () => {
    const client = fromIoredis(ioredis);
    expect(() => new RedisStore({ client, timeout: 0 })).toThrow(/`timeout`.*got 0/);
    expect(() => new RedisStore({ client, prefix: 'a{b' })).toThrow(/`prefix`.*a\{b/);
    expect(() => new RedisStore({ client: ioredis as never })).toThrow(
      /`client` must be a RedisCommands/,
    );
    expect(() => new RedisStore({ client, fresh: -1 })).toThrow(RangeError);
    expect(() => fromIoredis({} as never)).toThrow(/fromIoredis\(client\)/);
    expect(() => fromNodeRedis(undefined as never)).toThrow(/got undefined/);
  });
});
