/** Lookups and number formats over the fleet results, for the goals and the document. */
import type { Row } from './types.js';

/** Parameters to match: a row matches when each given one is equal (as text). */
export type Point = Readonly<Record<string, number | string>>;

const at = (row: Row, scenario: string, params: Point) =>
  row.scenario === scenario &&
  Object.entries(params).every(([k, v]) => String(row.params[k]) === String(v));

/** The rows of one point of a scenario, in table order. */
export const byPoint = (rows: readonly Row[], scenario: string, params: Point): Row[] =>
  rows.filter((r) => at(r, scenario, params));

/** One contender's row at one point. */
export const find = (
  rows: readonly Row[],
  scenario: string,
  params: Point,
  contender: string,
): Row | undefined => rows.find((r) => r.contender === contender && at(r, scenario, params));

/** A metric's mean; NaN when the row or the metric is missing (JSON turns NaN into null). */
export const mean = (row: Row | undefined, metric: string): number =>
  row?.metrics[metric]?.mean ?? Number.NaN;

/** A number with `d` decimals, or `–`. */
export const f2 = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** Completion of a burst: the last success over the floor, or ∞ when some client gave up. */
export const completion = (row: Row | undefined): number =>
  mean(row, 'gaveUp') > 0 ? Number.POSITIVE_INFINITY : mean(row, 'timeOverFloor');
