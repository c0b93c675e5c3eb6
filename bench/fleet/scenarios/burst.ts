import { setMaxListeners } from 'node:events';
import type { Clock } from '../../library.js';
import { normal, peakInWindow } from '../stats.js';
import type { Contender, SimServer, World } from '../world.js';
import { simulatedFetch } from '../world.js';

/** One-way network delay of S2, S4 and S5: |Normal(25 ms, 5 ms)|, so a round trip is ~50 ms. */
export const NET = { mean: 0.025, sd: 0.005 } as const;
export const RTT = 2 * NET.mean;

/**
 * (a) one process per client; (b) every request through one shared client; `pP`: P
 * processes with a client each, the requests split evenly between them.
 */
export type Shape = 'a' | 'b' | `p${number}`;

export interface BurstResult {
  n: number;
  calls: number;
  successes: number;
  /** Time of the last success (seconds from the start); NaN when nobody succeeded. */
  time: number;
  /** Largest number of attempts reaching the server in any 1 s window at or after `peakFrom`. */
  peak: number;
  /** Seconds from `peakFrom` until the last success. */
  drain: number;
}

export interface BurstOptions {
  readonly n: number;
  readonly shape: Shape;
  readonly server: SimServer;
  /** Attempts before this time are left out of the peak (the simultaneous first wave). */
  readonly peakFrom: number;
  /** Virtual seconds after which unfinished clients count as having given up. */
  readonly horizon: number;
}

/** N clients that each need one success, all starting at t = 0 (S2 and S4). */
export async function runBurst(
  contender: Contender,
  clock: Clock,
  o: BurstOptions,
): Promise<BurstResult> {
  const oneWay = () => Math.abs(normal(() => clock.random(), NET.mean, NET.sd));
  const world: World = { clock, fetch: simulatedFetch(clock, oneWay, o.server) };
  const processes = o.shape === 'b' ? 1 : o.shape === 'a' ? 0 : Number(o.shape.slice(1));
  const pool = Array.from({ length: processes }, () => contender.client(world, {}));
  let successes = 0;
  let last = Number.NaN;
  const horizon = new AbortController();
  setMaxListeners(0, horizon.signal);
  const all = Promise.all(
    Array.from({ length: o.n }, async (_, i) => {
      const client = pool[i % processes] ?? contender.client(world, {});
      if (await client.get('http://sim.test/item', horizon.signal)) {
        successes++;
        last = clock.now();
      }
    }),
  );
  await untilDone(all, clock, o.horizon, horizon);
  const { attempts } = o.server.log;
  return {
    n: o.n,
    calls: attempts.length,
    successes,
    time: last,
    peak: peakInWindow(attempts, 1, o.peakFrom),
    drain: last - o.peakFrom,
  };
}

/**
 * Waits for `work`, or until virtual time reaches `horizon` (then whatever is still
 * running is abandoned and counts as given up).
 */
export async function untilDone(
  work: Promise<unknown>,
  clock: Clock,
  horizon: number,
  clients: AbortController,
): Promise<void> {
  const stop = new AbortController();
  const timeout = clock.sleep(horizon, stop.signal).then(
    () => 'horizon' as const,
    () => 'done' as const,
  );
  const first = await Promise.race([work, timeout]);
  stop.abort();
  if (first === 'horizon') clients.abort(new Error('horizon'));
}
