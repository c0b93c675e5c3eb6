/** The fleet section's plots (docs/img/fleet-*.svg), from the results. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMG } from '../common/paths.js';
import { byPoint, find, mean } from './query.js';
import { s1Orion } from './scenarios/index.js';
import { barChart, lineChart } from './svg.js';
import type { Row } from './types.js';

/** Coordinates to 0.01 px, so a rerun with the same numbers writes the same file. */
const write = (file: string, svg: string) =>
  writeFileSync(
    join(IMG, file),
    svg.replace(/\d+\.\d{3,}/g, (n) => String(Number(Number(n).toFixed(2)))),
  );

/** The plots: S1 writes and time over N, S2(a) calls per success at N = 1000. */
export function writeFleetPlots(rows: readonly Row[]): void {
  mkdirSync(IMG, { recursive: true });
  const s1series = (metric: string) =>
    s1Orion.map((id) => ({
      name:
        find(rows, 'S1', { n: 100 }, id)
          ?.label.replace('orion ', '')
          .replace(' (default: nonInteractive, centered)', ' (default, centered)') ?? id,
      points: rows
        .filter((r) => r.scenario === 'S1' && r.contender === id)
        .map((r) => [Number(r.params.n), mean(r, metric)] as const)
        .sort((a, b) => a[0] - b[0]),
      dashed: id === 'orion',
    }));
  for (const [file, title, metric, y] of [
    ['fleet-s1-writes.svg', 'S1: writes until every client succeeded', 'writes', 'writes'],
    ['fleet-s1-time.svg', 'S1: time until the last client succeeded', 'timeMs', 'ms'],
  ] as const)
    write(file, lineChart({ title, x: 'clients N', y, series: s1series(metric), logY: true }));
  const bars = byPoint(rows, 'S2', { shape: 'a', n: 1000, hint: 'retry-after', rate: 10 }).filter(
    (r) => !r.contender.startsWith('proposed'),
  );
  write(
    'fleet-s2-wa.svg',
    barChart({
      title: 'S2(a), N = 1000, Retry-After: calls per success',
      x: 'work amplification (log scale)',
      bars: bars.map((r) => ({
        label: r.label,
        value: mean(r, 'wa'),
        highlight: r.group === 'orion',
      })),
      reference: { value: 1.99, label: 'floor 2N−B' },
      logX: true,
    }),
  );
}
