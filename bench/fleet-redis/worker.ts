import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import {
  type Clock,
  Coordinator,
  fromIoredis,
  RedisStore,
  Session,
  systemClock,
} from '../library.js';

/**
 * One worker process of the fleet benchmark: waits for `go`, sends its share of the
 * requests all at once with the contender's client, and reports how many succeeded.
 */
export interface WorkerConfig {
  readonly contender: 'a' | 'b' | 'c' | 'd' | 'e';
  readonly url: string;
  readonly count: number;
  readonly redisPort: number;
  /** Seconds added to this worker's clock (the clock-offset chaos run). */
  readonly offset: number;
  /** A name of this run's own, for the keys in Redis. */
  readonly run: string;
  /** Seconds after which the run is given up. */
  readonly limit: number;
}

const config = JSON.parse(process.argv[2]!) as WorkerConfig;
const send = (message: object) => process.send!(message);

async function consume(response: Response): Promise<boolean> {
  await response.arrayBuffer().catch(() => undefined);
  return response.ok;
}

const clock: Clock =
  config.offset === 0
    ? systemClock
    : {
        now: () => systemClock.now() + config.offset,
        sleep: (s, signal) => systemClock.sleep(s, signal),
        random: () => systemClock.random(),
      };

type Get = (signal: AbortSignal) => Promise<boolean>;
const closers: (() => unknown)[] = [];
/** Connections to open before the barrier: a user's process starts before its traffic. */
const warmups: Promise<unknown>[] = [];
let redisCalls = 0;

function client(): Get {
  const { contender, url } = config;
  if (contender === 'd') {
    const session = new Session({ clock });
    return (signal) => session.get(url, { signal }).then(consume);
  }
  if (contender === 'a' || contender === 'b') {
    const session = new Session({ clock, coordinator: new Coordinator({ clock }) });
    return (signal) => session.get(url, { signal }).then(consume);
  }
  const redis = new Redis({ port: config.redisPort, host: '127.0.0.1' });
  redis.on('error', () => {});
  // Every command this process sends to Redis, counted where it leaves.
  const sendCommand = redis.sendCommand.bind(redis);
  redis.sendCommand = (...args: Parameters<typeof sendCommand>) => {
    redisCalls++;
    return sendCommand(...args);
  };
  closers.push(() => redis.disconnect());
  if (contender === 'c') {
    const store = new RedisStore({
      client: fromIoredis(redis),
      prefix: config.run,
      ...(process.env.BENCH_HORIZON ? { horizon: Number(process.env.BENCH_HORIZON) } : {}),
      ...(process.env.BENCH_FRESH ? { fresh: Number(process.env.BENCH_FRESH) } : {}),
    });
    warmups.push(store.ready());
    const session = new Session({ clock, coordinator: new Coordinator({ clock, store }) });
    return (signal) => session.get(url, { signal }).then(consume);
  }
  // Bottleneck clustering as @octokit/plugin-throttling uses it: one limiter shared through
  // Redis (10 at a time), each request rescheduled through it after its Retry-After
  // (1 s without one).
  const connection = new Bottleneck.IORedisConnection({ client: redis });
  connection.on('error', () => {});
  const limiter = new Bottleneck({
    id: config.run,
    maxConcurrent: 10,
    connection,
    timeout: 120_000,
  });
  closers.push(() => limiter.disconnect(false));
  warmups.push(limiter.ready());
  return async (signal) => {
    while (!signal.aborted) {
      // A job Bottleneck never runs (its queue stuck in Redis) ends with the run's limit.
      const aborted = new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
      aborted.catch(() => {});
      const response = await Promise.race([
        limiter.schedule(() => fetch(url, { signal })),
        aborted,
      ]);
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return true;
      const after = Number(response.headers.get('retry-after')) || 1;
      await new Promise((r) => setTimeout(r, after * 1000));
    }
    return false;
  };
}

const get = client();
process.once('message', async () => {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new Error('time limit')), config.limit * 1000);
  let successes = 0;
  await Promise.all(
    Array.from({ length: config.count }, () =>
      get(stop.signal).then(
        (ok) => {
          if (ok) successes++;
        },
        () => {},
      ),
    ),
  );
  clearTimeout(timer);
  send({ successes, redisCalls });
  for (const close of closers) await close();
  process.exit(0);
});
await Promise.all(warmups);
send({ ready: true });
