import { type JitterName, type PlanOptions, plan } from '../library.js';

/** The built-in jitters, in the order of the report. */
export const jitterNames = [
  'none',
  'full',
  'equal',
  'decorrelated',
  'centered',
] as const satisfies readonly JitterName[];

/** The windows of the original schedule: a transient failure (503), a 404 and a 429. */
export const WINDOWS = { transient: 503, 404: 404, 429: 429 } as const;
export type Window = keyof typeof WINDOWS;
export type Windows = Record<Window, number>;

const each = (f: (status: number) => number): Windows => ({
  transient: f(WINDOWS.transient),
  404: f(WINDOWS[404]),
  429: f(WINDOWS[429]),
});

/** Nominal seconds of sleeping before the last retry of each window (`plan().total`). */
export const nominalWindows = (options: PlanOptions = {}): Windows =>
  each((status) => plan({ ...options, status }).total);

/**
 * Expected seconds of sleeping before the last retry of each window when every attempt
 * fails at once, under the non-interactive profile (with `options` on top) and `jitter`:
 * the mean over `samples` schedules drawn by the library's own `plan()`.
 */
export function expectedWindows(
  jitter: JitterName,
  options: PlanOptions = {},
  samples = 20_000,
): Windows {
  return each(
    (status) => plan({ ...options, jitter, status, samples, seed: 11 }).jittered?.mean ?? NaN,
  );
}

/** Windows of every built-in jitter, for the report. */
export function allWindows(): Record<JitterName, Windows> {
  return Object.fromEntries(jitterNames.map((j) => [j, expectedWindows(j)])) as Record<
    JitterName,
    Windows
  >;
}
