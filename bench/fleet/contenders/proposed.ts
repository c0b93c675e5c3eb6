import { jitters } from '../../../src/backoff/jitter.js';
import { profiles } from '../../../src/http/profiles.js';
import type { Contender } from '../world.js';
import { orion } from './orion.js';

/**
 * A candidate rule for `retry()`'s wait after a `Retry-After` of `s` seconds, measured
 * before adopting it: `s + U(0, f·s)`, `s + backoff` (the status's jittered backoff
 * draw) or `max(s, backoff)`. The real Session runs unchanged; the candidate wait is
 * handed to it as an exact `retry-after-ms` hint, which it honours as given. Each
 * process has one request, so the count of hints it saw is that request's retry number.
 */
export function proposedRetryAfter(name: string, rule: number | 'backoff' | 'max'): Contender {
  const base = orion(`proposed-${name}`, `proposed retry(): Retry-After ${name}`);
  return {
    ...base,
    client(world, tuning) {
      let state = { attempt: 0, prev: profiles.nonInteractive.base };
      const params = { base: profiles.nonInteractive.base, cap: profiles.nonInteractive.cap };
      const random = () => world.clock.random();
      const fetch = (async (input: unknown, init?: RequestInit) => {
        const response = await world.fetch(input as string, init);
        const after = response.headers.get('retry-after');
        if (after === null || !/^\d+$/.test(after)) return response;
        const s = Number(after);
        let wait: number;
        if (typeof rule === 'number') {
          wait = s + random() * rule * s;
        } else {
          const [drawn, next] = jitters[profiles.nonInteractive.jitter](state, params, random);
          state = next;
          wait = rule === 'backoff' ? s + drawn : Math.max(s, drawn);
        }
        return new Response(null, {
          status: response.status,
          headers: { 'retry-after-ms': String(wait * 1000) },
        });
      }) as typeof globalThis.fetch;
      return base.client({ clock: world.clock, fetch }, tuning);
    },
  };
}
