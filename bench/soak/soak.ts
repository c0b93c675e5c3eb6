/**
 * `npm run soak`: long runs that look for leaks and slow degradation, not speed.
 *
 * 1. One million retry decisions through `retry()` in virtual time.
 * 2. 100,000 sessions' worth of requests (three each) through an in-memory fetch, in
 *    virtual time.
 * 3. A bounded loopback run (60 s by default) against the fault server under continuous
 *    faults, on real sockets.
 *
 * Heap is measured after a full GC (`--expose-gc`, which the npm script passes), after a
 * short warm-up run of each phase. Prints a table and writes `bench/results/soak.jsonl`
 * (one line per phase; the machine in `soak.meta.json`).
 *
 * Options: `--seconds N` (loopback duration), `--decisions N`, `--sessions N`, `--quick`
 * (10 s, 100,000 decisions, 10,000 sessions), `--out=scratch/name.jsonl` (relative to
 * bench/results). It runs on the Node.js that starts it, 20.19 or later.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { command, machine } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { writeResults } from '../common/results.js';
import { loopback } from './loopback.js';
import { exactHeap } from './measure.js';
import { retryDecisions, sessions } from './virtual.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    decisions: { type: 'string' },
    sessions: { type: 'string' },
    quick: { type: 'boolean' },
    out: { type: 'string' },
  },
});
const quick = values.quick === true;
const seconds = Number(values.seconds ?? (quick ? 10 : 60));
const decisionTarget = Number(values.decisions ?? (quick ? 100_000 : 1_000_000));
const sessionCount = Number(values.sessions ?? (quick ? 10_000 : 100_000));
const out = resolve(RESULTS, values.out ?? (quick ? 'soak-quick.jsonl' : 'soak.jsonl'));
if (!exactHeap) console.warn('soak: run with node --expose-gc for exact heap figures');

const log = (text: string) => process.stderr.write(`${text}\n`);
// A short run of each phase first, so the figures below count steady state, not the first
// use of fetch, Response and the JIT's code (about 3 MiB of heap on Node 20).
log('soak: warming up…');
await retryDecisions(10_000, 1);
await sessions(1_000, 1);
await loopback(2);
log(`soak: ${decisionTarget.toLocaleString('en')} retry decisions in virtual time…`);
const decisions = await retryDecisions(decisionTarget);
log(`soak: ${sessionCount.toLocaleString('en')} sessions in virtual time…`);
const many = await sessions(sessionCount);
log(`soak: ${seconds} s on loopback under faults…`);
const real = await loopback(seconds);

const faultsPlayed = Object.entries(real.played)
  .filter(([kind]) => kind !== 'ok')
  .reduce((sum, [, n]) => sum + n, 0);
const rows: Array<[string, string]> = [
  ['retry decisions (virtual time)', decisions.decisions.toLocaleString('en')],
  [
    '  retry() calls / virtual time',
    `${decisions.calls.toLocaleString('en')} / ${Math.round(decisions.virtualSeconds).toLocaleString('en')} s`,
  ],
  [
    '  heap before → after (MiB)',
    `${decisions.before} → ${decisions.after} (${sign(decisions.growth)})`,
  ],
  ['  heap after each of 10 rounds (MiB)', decisions.rounds.join(' ')],
  ['  wall time', `${decisions.wallSeconds.toFixed(1)} s`],
  ['sessions (virtual time)', many.sessions.toLocaleString('en')],
  [
    '  requests / attempts',
    `${many.requests.toLocaleString('en')} / ${many.attempts.toLocaleString('en')}`,
  ],
  ['  heap before → after (MiB)', `${many.before} → ${many.after} (${sign(many.growth)})`],
  ['  heap after each of 10 rounds (MiB)', many.rounds.join(' ')],
  ['  wall time', `${many.wallSeconds.toFixed(1)} s`],
  [
    'loopback run',
    `${real.seconds} s, ${real.concurrency} concurrent, requestTimeout ${real.requestTimeout} s`,
  ],
  ['  requests done', real.requests.toLocaleString('en')],
  ['  attempts the server saw', real.attempts.toLocaleString('en')],
  [
    '  faults played / retried by the client',
    `${faultsPlayed.toLocaleString('en')} / ${real.retries.toLocaleString('en')}`,
  ],
  [
    '  outcomes',
    Object.entries(real.outcomes)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', '),
  ],
  ['  bare POSTs resent without a 429', String(real.duplicatedPosts)],
  [
    '  heap before → after (MiB)',
    `${real.heap.before} → ${real.heap.after} (${sign(real.heap.growth)})`,
  ],
  ['  heap during the run (MiB)', real.heap.during.join(' ')],
  [
    '  handles left at the end',
    Object.keys(real.leftover).length ? JSON.stringify(real.leftover) : 'none',
  ],
  ['  server sockets left', String(real.serverSocketsAtEnd)],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));

writeResults(out, { ...machine(), command: command('soak'), exactHeap }, [
  { phase: 'decisions', ...decisions },
  { phase: 'sessions', ...many },
  { phase: 'loopback', ...real, faultsPlayed },
]);
log(`soak: wrote ${out}`);

function sign(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
}
