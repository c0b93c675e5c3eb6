/**
 * The test suite as the mutation run uses it: the project's vitest configuration without
 * the files that only slow every mutant down. Each left-out file either runs code in a child
 * process or a browser (where no mutant is active: the CLI, the packed tarball, the README
 * examples, the TLS redirect checks, Chromium, Deno and Bun) or measures cost rather than behaviour (the 10,000-request leak run,
 * the parsing-cost ratios).
 */
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from '../vitest.config.ts';

export const leftOut = [
  'test/cli/**',
  'test/package.test.ts',
  'test/readme.test.ts',
  'test/security/redirects.test.ts',
  'test/security/secrets.test.ts',
  'test/security/temporary-path.test.ts',
  'test/http/resources.test.ts',
  'test/retry/retry-after-cost.test.ts',
  'test/runtimes/**',
];

export default mergeConfig(
  base,
  defineConfig({
    root: fileURLToPath(new URL('..', import.meta.url)),
    test: {
      exclude: [...configDefaults.exclude, ...leftOut],
      // Some loopback tests give an attempt 50 ms for its headers; on a loaded machine a
      // failure by chance would count as a kill. A mutant's real failure fails every try.
      retry: 2,
    },
  }),
);
