/**
 * Jitter strategies as pure functions: `(state, params, random) => delay`. They hold no
 * state of their own, so every retry loop keeps its own cursor and two concurrent
 * operations never share one. Every strategy moves the cursor the same way
 * ({@link nextJitterState}), so a loop can keep one mutable cursor and draw without
 * allocating.
 */

/** Delay bounds in seconds: `base` is the first (smallest) sleep's scale, `cap` the largest sleep. */
export interface JitterParams {
  /** Seconds: the first sleep's scale, and the least a decorrelated draw gives. */
  readonly base: number;
  /** Seconds: no sleep is longer. */
  readonly cap: number;
  /**
   * A lower cap for the first sleeps: the n-th sleep's doubling value is bounded by
   * `early.cap` instead of `cap` while `n <= early.retries`.
   */
  readonly early?: EarlyCap;
}

/**
 * The doubling value of a sequence's first `retries` sleeps is capped at `cap` seconds
 * (when that is below the sequence's own cap).
 */
export interface EarlyCap {
  /** How many of the first sleeps the early cap bounds. */
  readonly retries: number;
  /** Seconds: the bound on their doubling value. */
  readonly cap: number;
}

/** Where a sequence of sleeps stands: how many were drawn, and the last one. */
export interface JitterState {
  /** How many sleeps were drawn so far (0 before the first). */
  readonly attempt: number;
  /** Seconds: the last sleep drawn (`base` before the first), which decorrelated jitter grows from. */
  readonly prev: number;
}

/** A strategy: draws the next sleep in seconds from where the sequence stands. */
export type Jitter = (state: JitterState, params: JitterParams, random: () => number) => number;

/** The names of the built-in strategies. */
export type JitterName = 'none' | 'full' | 'equal' | 'decorrelated' | 'centered';

/** The state before the first sleep. */
export function initialJitterState(params: JitterParams): JitterState {
  return { attempt: 0, prev: params.base };
}

/** Where a sequence stands after drawing `delay` from `state`, whatever the strategy. */
export function nextJitterState(state: JitterState, delay: number): JitterState {
  return { attempt: state.attempt + 1, prev: delay };
}

/**
 * One sequence of sleeps, moved in place by each draw: the retry engine keeps one per
 * budget, `Backoff` one per status, `plan()` one per sample. Drawing allocates nothing.
 */
export class JitterCursor implements JitterState {
  attempt = 0;
  prev: number;

  constructor(readonly params: JitterParams) {
    this.prev = params.base;
  }

  /**
   * The next sleep in seconds, drawn with `jitter` (within `params`, by default the
   * cursor's own); the cursor moves past it.
   */
  draw(jitter: Jitter, random: () => number, params: JitterParams = this.params): number {
    const delay = jitter(this, params, random);
    this.attempt++;
    this.prev = delay;
    return delay;
  }

  /** Back to the start of the sequence. */
  reset(): void {
    this.attempt = 0;
    this.prev = this.params.base;
  }
}

/**
 * The cap on the doubling value of the `tries`-th sleep (1 for the first): `cap`, or the
 * early cap while `tries <= early.retries` (never more than `cap`).
 */
export function capAt(tries: number, { cap, early }: JitterParams): number {
  return early !== undefined && tries <= early.retries ? Math.min(cap, early.cap) : cap;
}

/**
 * The original API's "exponential sleep based on the number of tries": `min(cap, base * 2 ** tries)`,
 * with the early cap in place of `cap` for the first `early.retries` tries.
 * Never NaN or Infinity: the exponent is clamped, so a huge `tries` gives `cap`.
 */
export function exponentialDelay(tries: number, params: JitterParams): number {
  return Math.min(capAt(tries, params), params.base * 2 ** Math.min(tries, 1023));
}

const uniform = (random: () => number, low: number, high: number) => low + random() * (high - low);

/** Plain doubling, no randomness: the n-th sleep is `min(cap, base * 2 ** n)` (0.2, 0.4 … 90). */
export const none: Jitter = (state, params) => exponentialDelay(state.attempt + 1, params);

/** "Full jitter" (AWS): `uniform(0, min(cap, base * 2 ** n))`. Half the nominal wait on average. */
export const full: Jitter = (state, params, random) =>
  random() * exponentialDelay(state.attempt + 1, params);

/** "Equal jitter" (AWS): `v / 2 + uniform(0, v / 2)` with `v = min(cap, base * 2 ** n)`. */
export const equal: Jitter = (state, params, random) => {
  const v = exponentialDelay(state.attempt + 1, params);
  return uniform(random, v / 2, v);
};

/**
 * "Decorrelated jitter", exactly as in the AWS Architecture Blog and the original API:
 * `sleep = min(cap, uniform(base, prev * 3))`, `prev` starting at `base`.
 *
 * Two known flaws, kept because the original API names this formula:
 * - **Slow median growth.** Well below the cap, `ln(next / prev)` is distributed as
 *   `ln(uniform(0, 3))`, whose mean is `ln 3 - 1 ≈ 0.099`: the median grows only about
 *   1.1× per sleep, not 2×. Ten sleeps from base 0.1 s total about 17 s at the median,
 *   far below the original API's nominal 192.2 s.
 * - **Stickiness at the cap.** The draw is clamped after sampling, so once a sleep is at
 *   the cap, `(3·cap − cap) / (3·cap − base) ≈ 2/3` of the next sleeps are exactly the cap;
 *   over a long run (45 retries of a 429) about a quarter of all sleeps equal the cap,
 *   which re-synchronises clients that jitter was meant to spread.
 *
 * An early cap clamps the draws of the first sleeps in the same way.
 */
export const decorrelated: Jitter = (state, params, random) =>
  // prev * 3 overflows to Infinity for a cap above Number.MAX_VALUE / 3, and a draw of 0
  // times Infinity is NaN; the bound changes nothing for any smaller cap.
  Math.min(
    capAt(state.attempt + 1, params),
    uniform(random, params.base, Math.min(state.prev * 3, Number.MAX_VALUE)),
  );

/**
 * Centred jitter: `uniform(2/3 · v, min(cap, 4/3 · v))` with `v = min(cap, base * 2 ** n)`.
 * Below the cap the mean is exactly the nominal doubling value (8 retries of a 404 average
 * 51.0 s, as nominal); at the cap sleeps spread over [2/3 · cap, cap] instead of sticking
 * to it, and never exceed it, so a sleep at the cap averages 5/6 of it (10 retries of a
 * 503 average 177.2 s against 192.2 s nominal, 45 of a 429 2802 s against 3342.2 s). An early cap
 * bounds `v` only: sleeps spread around it as around any nominal value (an early cap of
 * 30 s draws from [20, 40]), so the mean stays the nominal schedule there too.
 */
export const centered: Jitter = (state, params, random) => {
  const v = exponentialDelay(state.attempt + 1, params);
  return uniform(random, (2 / 3) * v, Math.min(params.cap, (4 / 3) * v));
};

/** Every built-in strategy by name. */
export const jitters: Readonly<Record<JitterName, Jitter>> = Object.freeze({
  none,
  full,
  equal,
  decorrelated,
  centered,
});

/** The names of the built-in strategies, in the order they are usually compared. */
export const jitterNames: readonly JitterName[] = Object.freeze(
  Object.keys(jitters) as JitterName[],
);
