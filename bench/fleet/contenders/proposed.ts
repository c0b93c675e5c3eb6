import type { Contender } from '../world.js';
import { orion } from './orion.js';

/**
 * A candidate rule for `retry()`'s wait after the k-th `Retry-After: s` in a row,
 * measured before adopting it: `s + U(0, min(maxSpread, spread · s · growth^(k − 1)))`.
 * The real Session runs unchanged; the candidate wait is handed to it as an exact
 * `retry-after-ms` hint, which it honours as given. Each process has one request, so
 * the count of hints it saw is that request's k.
 */
export function proposedRetryAfter(
  name: string,
  formula: string,
  spread: number,
  growth: number,
  maxSpread = 30,
): Contender {
  const base = orion(`proposed-${name}`, `proposed retry(): wait ${formula}`);
  return {
    ...base,
    client(world, tuning) {
      let k = 0;
      const fetch = (async (input: unknown, init?: RequestInit) => {
        const response = await world.fetch(input as string, init);
        const after = response.headers.get('retry-after');
        if (after === null || !/^\d+$/.test(after)) return response;
        const s = Number(after);
        k++;
        const width = Math.min(maxSpread, spread * s * growth ** (k - 1));
        const wait = s + world.clock.random() * width;
        return new Response(null, {
          status: response.status,
          headers: { 'retry-after-ms': String(wait * 1000) },
        });
      }) as typeof globalThis.fetch;
      return base.client({ clock: world.clock, fetch }, tuning);
    },
  };
}
