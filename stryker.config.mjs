/**
 * Mutation testing of the core modules: `npm run mutation` (slow; not part of `npm test`).
 * One file: `npm run mutation -- --mutate src/retry/spread.ts`. See docs/reliability.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: [
    'src/backoff/jitter.ts',
    'src/backoff/backoff.ts',
    'src/retry/retry-after.ts',
    'src/retry/policy.ts',
    'src/http/classify.ts',
    'src/retry/retry.ts',
    'src/fleet/policy.ts',
    'src/fleet/coordinator.ts',
    'src/retry/spread.ts',
    'src/retry/errors.ts',
  ],
  plugins: [
    '@stryker-mutator/vitest-runner',
    './stryker/vitest-file-errors.mjs',
    './stryker/typescript-checker.mjs',
  ],
  // The vitest runner, except that a test file failing on import kills the mutant.
  testRunner: 'vitest-file-errors',
  vitest: { configFile: 'stryker/vitest.config.mjs' },
  // Mutants that do not type-check are reported as compile errors, outside the score.
  checkers: ['typescript-lite'],
  coverageAnalysis: 'perTest',
  ignorePatterns: ['/bench', '/docs', '/dist', '/coverage', '/.scratch'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  concurrency: 2,
  timeoutMS: 10_000,
};
