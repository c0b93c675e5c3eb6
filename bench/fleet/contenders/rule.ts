import type { Client, Contender, Tuning, World } from '../world.js';

/** What a transcribed client's retry rule sees after a failed response. */
export interface RuleInput {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly status: number;
  readonly headers: Headers;
  /** The run's seeded `Math.random`. */
  readonly random: () => number;
}

/**
 * A peer's documented default retry rule, transcribed: which statuses it retries, how
 * many times, and the delay in milliseconds before retry n (`undefined`: give up).
 */
export interface Rule {
  readonly statuses: readonly number[];
  readonly limit: number;
  delayMs(input: RuleInput): number | undefined;
}

/**
 * A contender that follows `rule` on the simulation's clock. For S1 the rule's own
 * shape is kept but rescaled by `occ(base, cap)` (milliseconds), retries unlimited, 409
 * retried.
 */
export function ruleContender(
  id: string,
  label: string,
  source: string,
  rule: Rule,
  occ: (baseMs: number, capMs: number) => Rule,
): Contender {
  return {
    id,
    label,
    group: 'peer',
    timers: 'virtual',
    source,
    client(world: World, tuning: Tuning): Client {
      const r = tuning.occ ? occ(tuning.occ.base * 1000, tuning.occ.cap * 1000) : rule;
      const random = () => world.clock.random();
      return {
        async get(url, signal) {
          try {
            for (let retry = 1; ; retry++) {
              const response = await world.fetch(url, { signal });
              if (response.ok) return true;
              if (!r.statuses.includes(response.status) || retry > r.limit) return false;
              const { status, headers } = response;
              const ms = r.delayMs({ retry, status, headers, random });
              if (ms === undefined) return false;
              await world.clock.sleep(ms / 1000, signal);
            }
          } catch {
            return false;
          }
        },
      };
    },
  };
}

/** `Retry-After` in delta-seconds as milliseconds, or undefined (the simulated servers send only these). */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  return value !== null && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}
