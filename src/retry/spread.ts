/**
 * The spread above a server's `Retry-After`: servers send whole seconds, so every client
 * told `Retry-After: 1` would come back in the same instant. A retry starts at a uniform
 * draw in `[s, s + w]`, never before `s`, where after the k-th `Retry-After` in a row
 * `w = min(maxSpread, s · (spread + slope · (k − 1)) · growth^(k − 1))`.
 */
import { checkNumber, checkSection } from '../validate.js';

/** The parameters of the spread above a `Retry-After` of `s` seconds. */
export interface RetryAfterSpreadOptions {
  /**
   * Width of the first spread, as a share of `s`.
   * @default 1
   */
  spread?: number;
  /**
   * Share of `s` added to the width with each further `Retry-After` in a row (linear growth).
   * @default 2 for `retry()` and `Session`, 0 for `Coordinator`
   */
  slope?: number;
  /**
   * Factor by which the width grows with each further `Retry-After` in a row (geometric
   * growth).
   * @default 1 for `retry()` and `Session`, 1.5 for `Coordinator`
   */
  growth?: number;
  /**
   * Widest spread, in seconds.
   * @default 30
   */
  maxSpread?: number;
}

/** A validated, complete spread. */
export type Spread = Readonly<Required<RetryAfterSpreadOptions>>;

/**
 * The default of `retry()` and `Session` without a coordinator: `w = min(30, s · (2k − 1))`,
 * so the k-th wait averages `(k + ½) · s`. Measured in the fleet benchmark (S2, independent
 * clients): against waiting `s` exactly it lowers the calls per success at every fleet
 * size, and a fleet larger than the 429 budget can drain no longer gives up.
 */
export const RETRY_SPREAD: Spread = Object.freeze({
  spread: 1,
  slope: 2,
  growth: 1,
  maxSpread: 30,
});

/** The default of the `Coordinator`'s shared wait: `w = min(30, s · 1.5^(k − 1))`. */
export const COORDINATOR_SPREAD: Spread = Object.freeze({
  spread: 1,
  slope: 0,
  growth: 1.5,
  maxSpread: 30,
});

/** The fields of {@link RetryAfterSpreadOptions}. */
export const spreadKeys: readonly string[] = ['spread', 'slope', 'growth', 'maxSpread'];
/** Spreads already checked: a request may hand its resolved spread on again and again. */
const resolved = new WeakSet<object>([RETRY_SPREAD, COORDINATOR_SPREAD]);

/**
 * The width `w` of the spread after the `k`-th `Retry-After` of `s` seconds in a row
 * (`k` counts from 1; 0 is read as 1).
 */
export function spreadWidth(s: number, k: number, o: Spread): number {
  const n = Math.max(0, k - 1);
  return Math.min(o.maxSpread, s * (o.spread + o.slope * n) * o.growth ** n);
}

/**
 * Validates a spread option: `undefined` or `true` give `defaults`, `false` gives
 * `undefined` (wait exactly `s`), an object overrides `defaults` field by field.
 * `name` prefixes the field names in errors (`retryAfterSpread.growth`).
 */
export function resolveSpread(name: string, value: unknown, defaults: Spread): Spread | undefined {
  if (value === undefined || value === true) return defaults;
  // A WeakSet holds no primitives: `has` is false for them, whatever the type says.
  if (resolved.has(value as object)) return value as Spread;
  const o = checkSection(name, value, spreadKeys) as RetryAfterSpreadOptions | false;
  if (!o) return undefined;
  const spread: Spread = Object.freeze({
    spread: checkNumber(`${name}.spread`, o.spread ?? defaults.spread, { min: 0 }),
    slope: checkNumber(`${name}.slope`, o.slope ?? defaults.slope, { min: 0 }),
    growth: checkNumber(`${name}.growth`, o.growth ?? defaults.growth, { min: 1 }),
    maxSpread: checkNumber(`${name}.maxSpread`, o.maxSpread ?? defaults.maxSpread, { min: 0 }),
  });
  resolved.add(spread);
  return spread;
}
