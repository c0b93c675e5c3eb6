import type { Clock } from '../library.js';

/**
 * What a client of the simulation sees: a clock (virtual time) and a `fetch` whose
 * messages travel through the simulated network to the simulated server.
 */
export interface World {
  readonly clock: Clock;
  readonly fetch: typeof fetch;
}

/** The statuses a scenario's server answers with, and how a contender is tuned for it. */
export interface Tuning {
  /** S1 only: the delay rule rescaled to this base and cap (seconds), retries unlimited, 409 retried. */
  readonly occ?: { readonly base: number; readonly cap: number };
}

/** One client process: performs logical requests until success (true) or give-up (false). */
export interface Client {
  /** `signal` aborts at the simulation's horizon; a contender that cannot be aborted is abandoned. */
  get(url: string, signal: AbortSignal): Promise<boolean>;
}

/** A row of the benchmark: this library with some settings, a peer, or a reference rule. */
export interface Contender {
  readonly id: string;
  readonly label: string;
  readonly group: 'orion' | 'peer' | 'reference';
  /** `fake`: runs under @sinonjs/fake-timers (real package code using setTimeout). */
  readonly timers: 'virtual' | 'fake';
  /** Where the delay rule comes from (package file), for transcribed peers. */
  readonly source?: string;
  client(world: World, tuning: Tuning): Client;
}

/** What one attempt reached at the server, as the server logs it. */
export interface ServerLog {
  /** Arrival time of every attempt, in order. */
  readonly attempts: number[];
  /** Arrival time of every accepted attempt, in order. */
  readonly accepted: number[];
}

export function newLog(): ServerLog {
  return { attempts: [], accepted: [] };
}

/** The server side of a simulated HTTP exchange: decides a response at arrival time. */
export interface SimServer {
  readonly log: ServerLog;
  handle(now: number): { status: number; headers?: Record<string, string> };
}

/**
 * A `fetch` whose request and response each take one network delay on `clock`; the
 * server decides at the arrival instant. Bodies are empty, so nothing real is awaited.
 */
export function simulatedFetch(
  clock: Clock,
  oneWay: () => number,
  server: SimServer,
): typeof fetch {
  return (async (_input: unknown, init?: RequestInit) => {
    const signal = init?.signal ?? undefined;
    await clock.sleep(oneWay(), signal);
    const { status, headers } = server.handle(clock.now());
    await clock.sleep(oneWay(), signal);
    return new Response(null, { status, ...(headers ? { headers } : {}) });
  }) as typeof fetch;
}
