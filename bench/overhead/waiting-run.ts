/**
 * The parent side of the waiting part: each scenario of `waiting.ts` in a fresh process
 * with `--expose-gc`, so heaps do not mix; its table and goals.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytes, num, table } from './report.js';
import type { Goal, WaitingRow } from './results.js';
import type { Scenario, WaitingResult } from './waiting.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one scenario in a fresh process. */
export function runScenario(
  scenario: Scenario,
  count: number,
  timeoutSeconds: number,
): Promise<WaitingRow> {
  const script = join(here, 'waiting.js');
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', script, 'measure', scenario, String(count)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill(), timeoutSeconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(JSON.parse(out) as WaitingResult);
      else
        done({
          scenario,
          count,
          error: signal ? `did not finish in ${timeoutSeconds} s` : `exited with ${code}`,
        });
    });
  });
}

export function waitingTable(rows: WaitingRow[]): string {
  return table(
    [
      'waiting at once',
      'count',
      'heap each',
      'RSS each',
      'timers',
      'abort listeners',
      'all waiting after',
      'cancel all',
      'timers after',
      'listeners after',
    ],
    rows.map((r) =>
      'error' in r
        ? [r.scenario, num(r.count), r.error, '', '', '', '', '', '', '']
        : [
            r.scenario,
            num(r.count),
            bytes(r.heapPerWaiting),
            bytes(r.rssPerWaiting),
            num(r.timersWhileWaiting),
            num(r.listenersWhileWaiting),
            `${num(r.startSeconds, 2)} s`,
            `${num(r.cancelSeconds * 1000, 0)} ms`,
            num(r.timersAfter),
            num(r.listenersAfter),
          ],
    ),
  );
}

export function waitingGoals(rows: WaitingRow[]): Goal[] {
  const ours = rows.find((r) => r.scenario === 'retry');
  if (!ours || 'error' in ours) {
    return [
      { goal: 'retry() waiting at scale', met: false, detail: ours ? ours.error : 'not run' },
    ];
  }
  return [
    {
      goal: `≤ 1 KiB heap per waiting retry() (${num(ours.count)} at once)`,
      met: ours.heapPerWaiting <= 1024,
      detail: bytes(ours.heapPerWaiting),
    },
    {
      goal: 'cancel all with one AbortSignal in < 1 s',
      met: ours.cancelSeconds < 1,
      detail: `${num(ours.cancelSeconds * 1000)} ms`,
    },
    {
      goal: 'nothing pending after the cancel',
      met: ours.timersAfter <= 0 && ours.listenersAfter === 0 && ours.rejected === ours.count,
      detail: `${ours.timersAfter} timers, ${ours.listenersAfter} listeners, ${num(ours.rejected)} rejected`,
    },
  ];
}
