/**
 * The library's internals that a benchmark measures directly, and only these: the overhead
 * benchmark times the retry loop's own decision (`budgetFor`, `stopReason`) and makes a
 * waiting `retry()` reuse one resolved policy as a `Session` does (`resolveRetryOptions`);
 * the soak draws its faults from the library's seeded generator (`seededRandom`).
 * When they move inside `src/`, this file is the one to change.
 */
export { budgetFor, resolveRetryOptions, stopReason } from '../src/retry/policy.js';
export { seededRandom } from '../src/time/prng.js';
