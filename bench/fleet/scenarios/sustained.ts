import { setMaxListeners } from 'node:events';
import type { Clock } from '../../library.js';
import { exponential, normal } from '../stats.js';
import type { Client, Contender, SimServer, World } from '../world.js';
import { simulatedFetch } from '../world.js';
import { NET, untilDone } from './burst.js';

export interface StreamResult {
  requests: number;
  calls: number;
  successes: number;
  /** Calls and successes that happened inside the measured window. */
  windowCalls: number;
  windowSuccesses: number;
  peak: number;
}

export interface StreamOptions {
  /** Client processes; each sends its own stream of requests. */
  readonly clients: number;
  /** Requests per second of each client. */
  readonly rate: number;
  /** Arrivals: a Poisson process, or evenly spaced. */
  readonly arrivals: 'poisson' | 'even';
  /** Seconds during which requests arrive (the measured window). */
  readonly duration: number;
  /** All requests through one shared client (S5) instead of one client per process (S3). */
  readonly shared: boolean;
  readonly server: SimServer;
  /** One-way delay: exponential with this mean (S3), or the S2 network when absent. */
  readonly oneWayMean?: number;
  /** Virtual seconds after the window when unfinished requests are abandoned. */
  readonly grace: number;
}

/** Open-loop streams of requests (S3, S5): every request is sent whether or not others finished. */
export async function runStream(
  contender: Contender,
  clock: Clock,
  o: StreamOptions,
): Promise<StreamResult> {
  const random = () => clock.random();
  const oneWay =
    o.oneWayMean === undefined
      ? () => Math.abs(normal(random, NET.mean, NET.sd))
      : () => exponential(random, o.oneWayMean!);
  const world: World = { clock, fetch: simulatedFetch(clock, oneWay, o.server) };
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const shared = o.shared ? contender.client(world, {}) : undefined;
  let requests = 0;
  let successes = 0;
  let windowSuccesses = 0;
  const pending: Promise<void>[] = [];
  const send = (client: Client) => {
    requests++;
    pending.push(
      client.get('http://sim.test/job', stop.signal).then((ok) => {
        if (!ok) return;
        successes++;
        if (clock.now() <= o.duration) windowSuccesses++;
      }),
    );
  };
  const streams = Array.from({ length: o.clients }, async () => {
    const client = shared ?? contender.client(world, {});
    for (let t = 0; ; ) {
      t += o.arrivals === 'poisson' ? exponential(random, 1 / o.rate) : 1 / o.rate;
      if (t > o.duration) return;
      await clock.sleep(t - clock.now());
      send(client);
    }
  });
  await Promise.all(streams);
  await untilDone(Promise.all(pending), clock, o.duration + o.grace - clock.now(), stop);
  const { attempts } = o.server.log;
  let windowCalls = 0;
  while (windowCalls < attempts.length && attempts[windowCalls]! <= o.duration) windowCalls++;
  let peak = 0;
  for (let lo = 0, hi = 0; hi < attempts.length; hi++) {
    while (attempts[hi]! - attempts[lo]! >= 1) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return {
    requests,
    calls: attempts.length,
    successes,
    windowCalls,
    windowSuccesses,
    peak,
  };
}
