import type { Contender } from '../world.js';
import { orion } from './orion.js';

/** What a candidate rule knows when it draws the width of the spread above `s`. */
export interface SpreadInput {
  /** The server's `Retry-After`, seconds. */
  readonly s: number;
  /** How many `Retry-After` hints this request has received, this one included. */
  readonly k: number;
  /** Seconds since the request's first attempt started. */
  readonly elapsed: number;
}

/**
 * A candidate rule for `retry()`'s wait after the k-th `Retry-After: s` in a row,
 * measured before adopting it: `s + U(0, width)`. The real Session runs unchanged; the
 * candidate wait is handed to it as a `retry-after-ms` hint, which it honours exactly
 * (`retryAfterSpread: false`). Each process has one request, so the count of hints it saw is that request's k.
 */
export function proposedRule(
  name: string,
  formula: string,
  width: (input: SpreadInput) => number,
): Contender {
  return proposedRuleDraw(name, formula, (input, u) => u * width(input));
}

/** A candidate rule that draws the extra wait above `s` itself from a uniform `u` in [0, 1). */
export function proposedRuleDraw(
  name: string,
  formula: string,
  extra: (input: SpreadInput, u: number) => number,
): Contender {
  const base = orion(`proposed-${name}`, `proposed retry(): wait ${formula}`, {
    options: { retryAfterSpread: false },
  });
  return {
    ...base,
    client(world, tuning) {
      let k = 0;
      let start: number | undefined;
      const fetch = (async (input: unknown, init?: RequestInit) => {
        start ??= world.clock.now();
        const response = await world.fetch(input as string, init);
        const after = response.headers.get('retry-after');
        if (after === null || !/^\d+$/.test(after)) return response;
        const s = Number(after);
        k++;
        const wait = s + extra({ s, k, elapsed: world.clock.now() - start }, world.clock.random());
        return new Response(null, {
          status: response.status,
          headers: { 'retry-after-ms': String(wait * 1000) },
        });
      }) as typeof globalThis.fetch;
      return base.client({ clock: world.clock, fetch }, tuning);
    },
  };
}

/** `s + U(0, min(maxSpread, spread · s · growth^(k − 1)))`. */
export function proposedRetryAfter(
  name: string,
  formula: string,
  spread: number,
  growth: number,
  maxSpread = 30,
): Contender {
  return proposedRule(name, formula, ({ s, k }) =>
    Math.min(maxSpread, spread * s * growth ** (k - 1)),
  );
}

/**
 * A candidate sleep schedule for 429s that come without a hint, measured before adopting it:
 * `sleep(k, u)` for the k-th such 429 of the request, `u` uniform in [0, 1). Handed to the
 * real Session as a `retry-after-ms` hint (honoured exactly), so the 429 budget of 45
 * retries and `retryTimeout` still apply.
 */
export function proposedSchedule(
  name: string,
  formula: string,
  sleep: (k: number, u: number) => number,
): Contender {
  const base = orion(`proposed-${name}`, `proposed 429 schedule: ${formula}`, {
    options: { retryAfterSpread: false },
  });
  return {
    ...base,
    client(world, tuning) {
      let k = 0;
      const fetch = (async (input: unknown, init?: RequestInit) => {
        const response = await world.fetch(input as string, init);
        if (response.status !== 429 || response.headers.has('retry-after')) return response;
        k++;
        const wait = sleep(k, world.clock.random());
        return new Response(null, {
          status: 429,
          headers: { 'retry-after-ms': String(wait * 1000) },
        });
      }) as typeof globalThis.fetch;
      return base.client({ clock: world.clock, fetch }, tuning);
    },
  };
}

/**
 * `centered` jitter around the doubling value `v = min(P, 0.1 · 2^k)` for the first `K`
 * retries and `min(90, 0.1 · 2^k)` afterwards: shorter sleeps while a burst drains, the
 * hour of the 429 budget kept by the later ones.
 */
export function plateau(p: number, retries: number): Contender {
  return proposedSchedule(
    `plateau${p}`,
    `centered, doubling capped at ${p} s for the first ${retries} retries, then at 90 s`,
    (k, u) => {
      const v = Math.min(k <= retries ? p : 90, 0.1 * 2 ** k);
      const lo = (2 / 3) * v;
      return lo + u * (Math.min(90, (4 / 3) * v) - lo);
    },
  );
}
