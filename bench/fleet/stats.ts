/** Summary statistics over the seeded runs of one point. */
export interface Summary {
  mean: number;
  sd: number;
  min: number;
  p50: number;
  max: number;
}

/** Mean, sample standard deviation, min, median and max; NaN entries are ignored. */
export function summarize(values: readonly number[]): Summary {
  const xs = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0)
    return { mean: Number.NaN, sd: Number.NaN, min: Number.NaN, p50: Number.NaN, max: Number.NaN };
  const mean = xs.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: xs[0]!, p50: quantile(xs, 0.5), max: xs[n - 1]! };
}

/** The q-quantile of sorted values, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A normal draw (Box–Muller) from a uniform source. */
export function normal(random: () => number, mean: number, sd: number): number {
  const u = 1 - random();
  const v = random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** An exponential draw with the given mean. */
export function exponential(random: () => number, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** The largest number of events in any window of `width` seconds (events sorted by time). */
export function peakInWindow(times: readonly number[], width: number, from = -Infinity): number {
  let best = 0;
  let lo = 0;
  const xs = times.filter((t) => t >= from);
  for (let hi = 0; hi < xs.length; hi++) {
    while (xs[hi]! - xs[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
