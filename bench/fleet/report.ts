import type { Row } from './types.js';

/** Formats a mean ± sd. */
export function fmt(row: Row, metric: string, digits = 2): string {
  const m = row.metrics[metric];
  // JSON turns NaN into null.
  if (!m || m.mean === null || Number.isNaN(m.mean)) return '–';
  return m.sd > 0 && Math.abs(m.sd) >= 10 ** -digits
    ? `${m.mean.toFixed(digits)} ± ${m.sd.toFixed(digits)}`
    : m.mean.toFixed(digits);
}

const columns: Record<string, [string, string, number][]> = {
  S1: [
    ['time ms', 'timeMs', 0],
    ['writes', 'writes', 0],
    ['time/T*', 'timeOverFloor', 2],
    ['gave up', 'gaveUp', 3],
  ],
  S2: [
    ['WA', 'wa', 2],
    ['WA floor', 'waFloor', 2],
    ['T/T*', 'timeOverFloor', 2],
    ['peak/C', 'peakOverC', 1],
    ['gave up', 'gaveUp', 3],
  ],
  S3: [
    ['load ×', 'loadAmplification', 2],
    ['success', 'successRate', 3],
  ],
  S4: [
    ['WA', 'wa', 2],
    ['peak/C after', 'peakOverC', 2],
    ['drain/(N/C)', 'drainOverNC', 2],
    ['gave up', 'gaveUp', 3],
  ],
  S5: [
    ['WA', 'wa', 2],
    ['goodput/C', 'goodputOverC', 3],
    ['peak/C', 'peakOverC', 1],
  ],
};

/** Prints one plain-text table per scenario point. */
export function printTables(rows: readonly Row[]): void {
  const points = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.scenario} ${JSON.stringify(row.params)}`;
    points.set(key, [...(points.get(key) ?? []), row]);
  }
  for (const [key, group] of points) {
    const cols = columns[group[0]!.scenario] ?? [];
    console.log(`\n${key}`);
    console.log(['contender'.padEnd(48), ...cols.map(([h]) => h.padStart(16))].join(''));
    for (const row of group) {
      console.log(
        [row.label.padEnd(48), ...cols.map(([, m, d]) => fmt(row, m, d).padStart(16))].join(''),
      );
    }
  }
}
