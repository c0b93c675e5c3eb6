/** The fleet benchmark's goals, judged from the results: the "Goals" table of the document. */
import type { LoopbackResults, LoopbackRow } from '../loopback/types.js';
import { byPoint, completion, f2, find, mean } from './query.js';
import type { Row } from './types.js';

/** Published AWS numbers at N = 100 ("Exponential Backoff and Jitter", 2015): time ms, writes. */
export const AWS = {
  'orion-zero': ['no backoff', 2026, 2422],
  'orion-none': ['exponential (doubling)', 63572, 1861],
  'orion-full': ['full jitter', 4925, 795],
  'orion-equal': ['equal jitter', 6620, 813],
  'orion-decorrelated': ['decorrelated jitter', 4576, 1000],
} as const;

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Kendall's τ between two orderings of the same ids. */
function kendall(a: readonly string[], b: readonly string[]): number {
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = i + 1; j < a.length; j++) {
      const s = Math.sign(b.indexOf(a[j]!) - b.indexOf(a[i]!));
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  const pairs = (a.length * (a.length - 1)) / 2;
  return pairs ? (concordant - discordant) / pairs : 1;
}

function s1Gate(rows: readonly Row[]): Goal {
  const gate = Object.entries(AWS).map(([id, [, t, w]]) => {
    const r = find(rows, 'S1', { n: 100 }, id);
    const dt = mean(r, 'timeMs') / t - 1;
    const dw = mean(r, 'writes') / w - 1;
    return {
      ok: Math.abs(dt) <= 0.1 && Math.abs(dw) <= 0.1,
      worst: Math.max(Math.abs(dt), Math.abs(dw)),
    };
  });
  const own = find(rows, 'S1', { n: 100 }, 'orion');
  const beaters = byPoint(rows, 'S1', { n: 100 }).filter(
    (r) =>
      r.contender !== 'orion' &&
      mean(r, 'writes') < mean(own, 'writes') &&
      mean(r, 'timeMs') < mean(own, 'timeMs') &&
      mean(r, 'gaveUp') <= mean(own, 'gaveUp'),
  );
  return {
    goal: 'S1 gate met; no contender beats the default on both calls and time at N = 100',
    measured: `largest deviation from the AWS numbers: ${f2(100 * Math.max(...gate.map((g) => g.worst)), 1)} %; default (centered): ${f2(mean(own, 'writes'), 0)} writes, ${f2(mean(own, 'timeMs'), 0)} ms; beaten on both by: ${beaters.map((b) => b.label).join(', ') || 'nobody'}`,
    met: gate.every((g) => g.ok) && beaters.length === 0,
  };
}

function shared(rows: readonly Row[]): Goal[] {
  return ['retry-after', 'ratelimit'].map((hint) => {
    const r = find(rows, 'S2', { n: 1000, shape: 'b', hint, rate: 10 }, 'orion+coord');
    const calls = mean(r, 'calls');
    const bound = 1.05 * (2 * 1000 - 10);
    return {
      goal: `S2(b), one shared Session + Coordinator, N = 1000, ${hint === 'retry-after' ? 'Retry-After' : 'Retry-After + RateLimit'}: calls ≤ 1.05 × (2N − B), time ≤ 1.15 × floor`,
      measured: `${f2(calls, 0)} calls (bound ${f2(bound, 0)}), time ${f2(mean(r, 'timeOverFloor'))} × floor, gave up ${f2(mean(r, 'gaveUp'), 3)}`,
      met: calls <= bound && mean(r, 'timeOverFloor') <= 1.15 && mean(r, 'gaveUp') === 0,
    };
  });
}

/** S2(a): the defaults, the Coordinator and the opt-in early cap against every peer. */
function independent(rows: readonly Row[]): Goal[] {
  const out: Goal[] = [];
  for (const hint of ['none', 'retry-after', 'ratelimit']) {
    const point = { n: 1000, shape: 'a', hint, rate: 10 };
    const peers = byPoint(rows, 'S2', point).filter((r) => r.group === 'peer');
    for (const id of ['orion', 'orion+coord', 'orion-early30']) {
      const r = find(rows, 'S2', point, id);
      if (!r) continue;
      const lowerWa = peers.filter((p) => !(mean(r, 'wa') < mean(p, 'wa')));
      const sooner = peers.filter((p) => completion(r) > completion(p));
      out.push({
        goal: `S2(a), independent clients, N = 1000, hint ${hint}: ${r.label}${id === 'orion-early30' ? ' (opt-in)' : ''} has lower WA than every peer at no worse completion`,
        measured: `WA ${f2(mean(r, 'wa'))} (floor ${f2(mean(r, 'waFloor'))}), completion ${f2(completion(r))} × floor, gave up ${f2(mean(r, 'gaveUp'), 3)}; peers with WA ≤ it: ${lowerWa.map((p) => p.label).join(', ') || 'none'}; peers completing sooner: ${sooner.map((p) => `${p.label} (${f2(completion(p))})`).join(', ') || 'none'}`,
        met: lowerWa.length === 0 && sooner.length === 0,
      });
    }
  }
  return out;
}

function coordinator(rows: readonly Row[]): Goal[] {
  const out: Goal[] = [];
  for (const hint of ['retry-after', 'none']) {
    const r = find(rows, 'S5', { hint }, 'orion+coord');
    out.push({
      goal: `S5, hint ${hint}: work amplification ≤ 1.1 and goodput ≥ 0.95 C (Session + Coordinator)`,
      measured: `WA ${f2(mean(r, 'wa'), 3)}, goodput ${f2(mean(r, 'goodputOverC'), 3)} C`,
      met: mean(r, 'wa') <= 1.1 && mean(r, 'goodputOverC') >= 0.95,
    });
  }
  for (const id of ['orion+coord', 'orion+budget']) {
    const r = find(rows, 'S3', { p: 0.5, coupled: 0 }, id);
    out.push({
      goal: `S3 at p = 0.5: load amplification ≤ 1.25 with the retry budget on (${r?.label ?? id})`,
      measured: `load ${f2(mean(r, 'loadAmplification'), 3)}×, success rate ${f2(mean(r, 'successRate'), 3)}`,
      met: mean(r, 'loadAmplification') <= 1.25,
    });
  }
  // S4 is judged on shape (b): a client that shares nothing cannot both probe rarely during
  // the outage (peak) and find the recovery at once (drain).
  const downs = [10, 60, 300];
  const cells = downs.map((down) => find(rows, 'S4', { down, shape: 'b' }, 'orion+coord'));
  out.push({
    goal: 'S4, N clients sharing one Session + Coordinator (shape b): peak after recovery ≤ 1.5 C, drain ≤ 1.3 N/C',
    measured: cells
      .map(
        (r, i) =>
          `D = ${downs[i]} s: peak ${f2(mean(r, 'peakOverC'))} C, drain ${f2(mean(r, 'drainOverNC'))} N/C, gave up ${f2(mean(r, 'gaveUp'), 3)}`,
      )
      .join('; '),
    met: cells.every((r) => mean(r, 'peakOverC') <= 1.5 && mean(r, 'drainOverNC') <= 1.3),
  });
  return out;
}

/** Whether the loopback check ranks the clients as the simulator does at the same point. */
export function ranking(rows: readonly Row[], loopback: LoopbackResults | undefined): Goal {
  const goal =
    "Loopback check agrees with the simulator's ranking (Kendall τ ≥ 0.6 by WA over all clients and by give-ups over the peers; same best client)";
  if (!loopback) return { goal, measured: 'not run', met: false };
  const { n, rate } = loopback.meta;
  const sim = (id: string) => find(rows, 'S2', { n, rate, shape: 'a' }, id);
  const order = (xs: { id: string; v: number }[]) =>
    [...xs].sort((a, b) => a.v - b.v).map((x) => x.id);
  const rank = (of: readonly LoopbackRow[], metric: string) => {
    const loop = order(
      of.map((r) => ({ id: r.sim, v: r.metrics[metric]?.mean ?? Number.POSITIVE_INFINITY })),
    );
    const simulated = order(of.map((r) => ({ id: r.sim, v: mean(sim(r.sim), metric) })));
    return { loop, sim: simulated, tau: kendall(loop, simulated) };
  };
  const peers = loopback.rows.filter((r) => !r.contender.startsWith('orion'));
  const wa = rank(loopback.rows, 'wa');
  const gaveUp = rank(peers, 'gaveUp');
  const waPeers = rank(peers, 'wa');
  const peerWa = peers.map((r) => r.metrics.wa?.mean ?? Number.NaN);
  return {
    goal,
    measured: [
      `all clients by WA: loopback ${wa.loop.join(' < ')}; simulator ${wa.sim.join(' < ')} (Kendall τ = ${f2(wa.tau)})`,
      `peers by share that gave up: loopback ${gaveUp.loop.join(' < ')}; simulator ${gaveUp.sim.join(' < ')} (τ = ${f2(gaveUp.tau)})`,
      `peers alone by WA: τ = ${f2(waPeers.tau)} (on loopback their WA lie within ${f2(Math.min(...peerWa), 1)}–${f2(Math.max(...peerWa), 1)})`,
    ].join('; '),
    met: wa.tau >= 0.6 && gaveUp.tau >= 0.6 && wa.loop[0] === wa.sim[0],
  };
}

/** Every goal, in the order of the table. */
export function goals(rows: readonly Row[], loopback: LoopbackResults | undefined): Goal[] {
  return [
    s1Gate(rows),
    ...shared(rows),
    ...independent(rows),
    ...coordinator(rows),
    ranking(rows, loopback),
  ];
}
