import {
  initialJitterState,
  type JitterName,
  jitterNames,
  jitters,
  nextJitterState,
} from '../../src/backoff/jitter.js';
import { profiles } from '../../src/http/profiles.js';
import {
  budgetFor,
  type RetryOptions,
  resolveRetryOptions,
  stopReason,
} from '../../src/retry/policy.js';
import { VirtualClock } from '../../src/virtual-clock.js';

/** The seed's windows: nominal seconds of sleeping for a transient failure, a 404 and a 429. */
export const NOMINAL = { transient: 192.2, 404: 51.0, 429: 3342.2 } as const;

/** The seed's policy: the non-interactive profile without its early cap for 429. */
export const seedPolicy: RetryOptions = resolveRetryOptions(
  { earlyCap: {} },
  profiles.nonInteractive,
);

/**
 * Expected seconds of sleeping before the last retry, for each window, when every
 * attempt fails at once (the seed's nominal schedule), under `policy` (the non-interactive
 * profile, whose 429 budget has an early cap) with `jitter`: the library's own budgets,
 * jitter functions and stopping rule, averaged over `samples` draws.
 */
export function expectedWindows(
  jitter: JitterName,
  samples = 20_000,
  policy: RetryOptions = profiles.nonInteractive,
): Record<keyof typeof NOMINAL, number> {
  const random = new VirtualClock({ seed: 11 });
  const out = { transient: 0, 404: 0, 429: 0 };
  for (const key of ['transient', 404, 429] as const) {
    const budget = budgetFor(policy, key === 'transient' ? 503 : key)!;
    let total = 0;
    for (let i = 0; i < samples; i++) {
      let state = initialJitterState(budget.params);
      let elapsed = 0;
      for (let used = 0; !stopReason(used, budget.limit, elapsed, policy.retryTimeout); used++) {
        const delay = jitters[jitter](state, budget.params, () => random.random());
        state = nextJitterState(state, delay);
        elapsed += delay;
      }
      total += elapsed;
    }
    out[key] = total / samples;
  }
  return out;
}

/** Windows of every built-in jitter, for the report. */
export function allWindows(): Record<JitterName, Record<keyof typeof NOMINAL, number>> {
  return Object.fromEntries(jitterNames.map((j) => [j, expectedWindows(j)])) as Record<
    JitterName,
    Record<keyof typeof NOMINAL, number>
  >;
}
