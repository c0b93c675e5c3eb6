import type { Clock } from '../../library.js';
import { normal } from '../stats.js';
import type { Client, Contender, SimServer, World } from '../world.js';
import { newLog } from '../world.js';

/**
 * S1, the model of aws-samples/aws-arch-backoff-simulator (Brooker 2015): N clients each
 * read a row's version and write it back conditionally; one write per version wins. A
 * losing client backs off and repeats the whole read + write. Every message takes
 * |Normal(10 ms, 2 ms)|. "Calls" are writes; "time" is when the last client succeeds.
 */
export const OCC = { delayMean: 0.01, delaySd: 0.002, base: 0.005, cap: 2 } as const;

export interface OccResult {
  /** Seconds until the last client's successful write response. */
  time: number;
  writes: number;
  gaveUp: number;
}

/** One seeded run with `n` clients of `contender`. */
export async function runOcc(
  contender: Contender,
  n: number,
  clock: Clock & { dispose?: () => void },
): Promise<OccResult> {
  let version = 0;
  let writes = 0;
  const oneWay = () => Math.abs(normal(() => clock.random(), OCC.delayMean, OCC.delaySd));
  const log = newLog();
  const server: SimServer = { log, handle: () => ({ status: 200 }) };
  // The "request" is the whole read + conditional write; 409 tells the client it lost.
  const fetch = (async (_input: unknown, init?: RequestInit) => {
    const signal = init?.signal ?? undefined;
    await clock.sleep(oneWay(), signal);
    const seen = version;
    await clock.sleep(oneWay(), signal);
    await clock.sleep(oneWay(), signal);
    writes++;
    const ok = seen === version;
    if (ok) version++;
    await clock.sleep(oneWay(), signal);
    return new Response(null, { status: ok ? 200 : 409 });
  }) as typeof globalThis.fetch;
  void server;
  const world: World = { clock, fetch };
  const clients: Client[] = Array.from({ length: n }, () =>
    contender.client(world, { occ: { base: OCC.base, cap: OCC.cap } }),
  );
  const never = new AbortController().signal;
  let last = 0;
  let gaveUp = 0;
  await Promise.all(
    clients.map(async (c) => {
      const ok = await c.get('http://sim.test/row', never);
      if (ok) last = Math.max(last, clock.now());
      else gaveUp++;
    }),
  );
  return { time: last, writes, gaveUp };
}
