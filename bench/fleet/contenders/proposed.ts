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
