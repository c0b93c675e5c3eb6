import type { Clock } from '../../library.js';
import { peerIds } from '../contenders/index.js';
import { FlakyServer, type Hint, TokenBucketServer } from '../servers.js';
import type { Params } from '../types.js';
import type { Contender } from '../world.js';
import { RTT, runBurst, type Shape } from './burst.js';
import { OCC, runOcc } from './occ.js';
import { runStream } from './sustained.js';

export type Metrics = Record<string, number>;

/** One scenario: its grid of points, its contenders, and one seeded run. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  points(quick: boolean): Params[];
  contenders(params: Params, quick: boolean): string[];
  run(contender: Contender, params: Params, clock: Clock): Promise<Metrics>;
}

const orionRows = [
  'orion',
  'orion-interactive',
  'orion-none',
  'orion-full',
  'orion-equal',
  'orion-decorrelated',
];
const coordinatorRows = ['orion+coord', 'orion+ra', 'orion+rl', 'orion+budget'];
/** The opt-in early cap for 429: it matters only where a 429 comes without a hint. */
const earlyCapRows = ['orion-early30', 'orion-early20'];
const proposedRows = ['proposed-g1', 'proposed-g1.5', 'proposed-g2', 'proposed-hold6'];
/** The rows of the Retry-After spread comparison. */
const spreadRows = ['orion', 'orion-exact', 'orion+ra', ...proposedRows, 'cockatiel'];
const simPeers = peerIds.filter((p) => p !== 'fetch-retry');

/** This library's S1 rows: no backoff, each jitter, and the sessions' default. */
export const s1Orion: readonly string[] = [
  'orion-zero',
  'orion-none',
  'orion-full',
  'orion-equal',
  'orion-decorrelated',
  'orion',
];
/**
 * Shape (b) rows: only contenders that share state between the requests of one client
 * (the others behave exactly as in shape (a)).
 */
const sharedRows = [
  'orion',
  'orion-interactive',
  ...coordinatorRows,
  'smithy-standard',
  'smithy-adaptive',
];

/** S1: the AWS "Exponential Backoff and Jitter" OCC simulation. */
const s1: Scenario = {
  id: 'S1',
  title: 'OCC contention (AWS 2015 replication)',
  points: (quick) =>
    (quick ? [100] : Array.from({ length: 19 }, (_, i) => 10 * (i + 1))).map((n) => ({ n })),
  contenders: (params, quick) => [...s1Orion, ...(params.n === 100 && !quick ? simPeers : [])],
  async run(contender, params, clock) {
    const n = Number(params.n);
    const r = await runOcc(contender, n, clock);
    const floor = 2 * OCC.delayMean * n + 2 * OCC.delayMean;
    return {
      timeMs: r.time * 1000,
      writes: r.writes,
      timeOverFloor: r.time / floor,
      writesPerClient: r.writes / n,
      gaveUp: r.gaveUp / n,
    };
  },
};

/** Metrics of a burst in which every client needs one success. */
function burstMetrics(
  r: Awaited<ReturnType<typeof runBurst>>,
  rate: number,
  burst: number,
  floorFrom = 0,
): Metrics {
  const floorTime = Math.max(0, r.n - burst) / rate + RTT;
  return {
    calls: r.calls,
    successes: r.successes,
    wa: r.successes > 0 ? r.calls / r.successes : Number.NaN,
    waFloor: (2 * r.n - burst) / r.n,
    time: r.time - floorFrom,
    timeOverFloor: r.successes > 0 ? (r.time - floorFrom) / floorTime : Number.NaN,
    peakOverC: r.peak / rate,
    gaveUp: 1 - r.successes / r.n,
  };
}

/** S2: a burst of N clients against a token-bucket server. */
const s2: Scenario = {
  id: 'S2',
  title: 'Rate-limited burst',
  points(quick) {
    const points: Params[] = [];
    for (const shape of ['a', 'b'])
      for (const n of [100, 1000])
        for (const hint of ['none', 'retry-after', 'ratelimit'])
          points.push({ n, hint, shape, rate: 10, burst: 10 });
    // The loopback check's setting, for comparing the two rankings.
    points.push({ n: 200, hint: 'retry-after', shape: 'a', rate: 50, burst: 10 });
    // Between the two fleet sizes: where a spread rule tuned to both of them shows.
    points.push({ n: 300, hint: 'retry-after', shape: 'a', rate: 10, burst: 10 });
    // The loopback setting through one process, and split between 4 and 8 processes.
    for (const shape of ['b', 'p4', 'p8'])
      for (const hint of ['none', 'retry-after'])
        points.push({ n: 200, hint, shape, rate: 50, burst: 10 });
    if (!quick) return points;
    return points.filter(
      (p) =>
        (p.shape === 'b' && p.n === 1000 && p.hint === 'retry-after') ||
        (p.shape === 'a' && p.n === 100 && p.hint !== 'none') ||
        (p.rate === 50 && p.shape !== 'a'),
    );
  },
  contenders(params, quick) {
    if (params.rate === 50 && params.shape !== 'a') return ['orion', 'orion+coord'];
    if (params.shape === 'b') return quick ? ['orion+coord'] : sharedRows;
    if (params.rate === 50) return ['orion', 'orion-exact', 'orion+coord', ...peerIds];
    if (params.n === 300) return spreadRows;
    if (quick) return ['orion', 'orion+coord', 'cockatiel', 'got', 'undici'];
    // The RateLimit fields change nothing when Retry-After is present (every client reads
    // Retry-After first), so that variant gets the main rows only.
    if (params.hint === 'ratelimit') return ['orion', 'orion+coord', ...simPeers];
    // With a Retry-After the jitter is not used, so the jitter rows equal the default one.
    if (params.hint !== 'none')
      return [
        'orion',
        'orion-exact',
        'orion-interactive',
        'orion+coord',
        'orion+ra',
        ...proposedRows,
        ...simPeers,
      ];
    return [...orionRows, 'orion+coord', ...earlyCapRows, ...simPeers];
  },
  async run(contender, p, clock) {
    const rate = Number(p.rate);
    const burst = Number(p.burst);
    const server = new TokenBucketServer({ rate, burst, hint: p.hint as Hint });
    const r = await runBurst(contender, clock, {
      n: Number(p.n),
      shape: p.shape as Shape,
      server,
      peakFrom: 2 * RTT,
      horizon: 7200,
    });
    return burstMetrics(r, rate, burst);
  },
};

/** S3: sustained independent failures (Brooker 2022), and failures that grow with load. */
const s3: Scenario = {
  id: 'S3',
  title: 'Sustained failures',
  points: (quick) =>
    quick
      ? [{ p: 0.5, coupled: 0 }]
      : [...[0, 0.01, 0.1, 0.5, 1].map((p) => ({ p, coupled: 0 })), { p: 0.1, coupled: 1 }],
  contenders: (_params, quick) =>
    quick
      ? ['orion', 'orion-3', 'orion+coord', 'orion+budget']
      : ['orion', 'orion-interactive', 'orion-3', 'orion+coord', 'orion+budget', ...simPeers],
  async run(contender, p, clock) {
    const clients = 10;
    const rate = 10;
    const coupled = Number(p.coupled) === 1;
    const server = new FlakyServer({
      p: Number(p.p),
      random: () => clock.random(),
      ...(coupled ? { capacity: clients * rate * 0.9 } : {}),
    });
    const r = await runStream(contender, clock, {
      clients,
      rate,
      arrivals: 'poisson',
      duration: 10,
      shared: false,
      server,
      oneWayMean: 0.005,
      grace: 300,
    });
    return {
      requests: r.requests,
      calls: r.calls,
      loadAmplification: r.calls / r.requests,
      successRate: r.successes / r.requests,
      peakOverOffered: r.peak / (clients * rate),
    };
  },
};

/** S4: the server is down for D seconds, then serves C per second. */
const s4: Scenario = {
  id: 'S4',
  title: 'Outage then recovery',
  points(quick) {
    const points: Params[] = [];
    for (const shape of ['a', 'b'])
      for (const down of quick ? [60] : [10, 60, 300])
        points.push({ down, shape, n: 500, rate: 25, burst: 10 });
    return points;
  },
  contenders: (params, quick) => {
    if (params.shape === 'b') return quick ? ['orion+coord'] : sharedRows;
    return quick ? ['orion'] : [...orionRows, 'orion+coord', ...simPeers];
  },
  async run(contender, p, clock) {
    const rate = Number(p.rate);
    const burst = Number(p.burst);
    const down = Number(p.down);
    const server = new TokenBucketServer({ rate, burst, hint: 'retry-after', downUntil: down });
    const r = await runBurst(contender, clock, {
      n: Number(p.n),
      shape: p.shape as Shape,
      server,
      peakFrom: down,
      horizon: 7200,
    });
    const m = burstMetrics(r, rate, burst, down);
    return { ...m, drainOverNC: m.time! / (Number(p.n) / rate) };
  },
};

/** S5: a batch job pushes 2C requests per second through one Session for 120 s. */
const s5: Scenario = {
  id: 'S5',
  title: 'Sustained overload through one session',
  points: (quick) => [
    { hint: 'retry-after', rate: 10, burst: 10 },
    ...(quick ? [] : [{ hint: 'none', rate: 10, burst: 10 }]),
  ],
  contenders: (params, quick) =>
    quick
      ? ['orion+coord', 'orion+rl', 'got']
      : [
          'orion',
          ...(params.hint === 'none' ? ['orion-early30'] : []),
          'orion-interactive',
          ...coordinatorRows,
          ...simPeers,
        ],
  async run(contender, p, clock) {
    const rate = Number(p.rate);
    const server = new TokenBucketServer({ rate, burst: Number(p.burst), hint: p.hint as Hint });
    const duration = 120;
    const r = await runStream(contender, clock, {
      clients: 1,
      rate: 2 * rate,
      arrivals: 'even',
      duration,
      shared: true,
      server,
      grace: 0,
    });
    return {
      requests: r.requests,
      windowCalls: r.windowCalls,
      windowSuccesses: r.windowSuccesses,
      wa: r.windowSuccesses > 0 ? r.windowCalls / r.windowSuccesses : Number.NaN,
      goodputOverC: r.windowSuccesses / duration / rate,
      peakOverC: r.peak / rate,
    };
  },
};

export const scenarios: readonly Scenario[] = [s1, s2, s3, s4, s5];
