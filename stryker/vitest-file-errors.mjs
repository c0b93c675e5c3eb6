/**
 * A Stryker test runner: the vitest runner, except that a test file that fails as a whole
 * (it throws on import, or a hook of the file fails, such as test/support/setup.ts finding a
 * leaked socket) kills the mutant. The vitest runner counts only the tests that ran: a file
 * that cannot be imported contributes "0 tests", and the mutant is reported as survived
 * although `npm test` would fail.
 */

import path from 'node:path';
import {
  commonTokens,
  declareFactoryPlugin,
  PluginKind,
  tokens,
} from '@stryker-mutator/api/plugin';
import { DryRunStatus, MutantRunStatus } from '@stryker-mutator/api/test-runner';
import * as vitestRunner from '@stryker-mutator/vitest-runner';

const vitestPlugin = vitestRunner.strykerPlugins.find((plugin) => plugin.name === 'vitest');

/** Files that failed outside of their tests, with the first error of each. */
function failedFiles(runner) {
  return runner.ctx.state
    .getFiles()
    .filter((file) => file.result?.state === 'fail' && (file.result.errors?.length ?? 0) > 0)
    .map((file) => ({
      file: path.resolve(file.filepath),
      message: String(file.result.errors[0]?.message ?? 'the test file failed'),
    }));
}

class VitestFileErrorsRunner {
  constructor(inner) {
    this.inner = inner;
  }

  capabilities() {
    return this.inner.capabilities();
  }

  init() {
    return this.inner.init();
  }

  async dryRun(options) {
    const result = await this.inner.dryRun(options);
    if (result.status !== DryRunStatus.Complete) return result;
    const failed = failedFiles(this.inner);
    if (failed.length > 0) {
      const list = failed.map(({ file, message }) => `${file}: ${message}`).join('\n');
      return { status: DryRunStatus.Error, errorMessage: `Test files failed:\n${list}` };
    }
    return result;
  }

  async mutantRun(options) {
    const result = await this.inner.mutantRun(options);
    if (result.status !== MutantRunStatus.Survived) return result;
    const failed = failedFiles(this.inner);
    if (failed.length === 0) return result;
    // No test of the file ran, so none is named as the killer; the reason names the file.
    return {
      status: MutantRunStatus.Killed,
      failureMessage: `${path.relative(process.cwd(), failed[0].file)} failed: ${failed[0].message}`,
      killedBy: [],
      nrOfTests: result.nrOfTests,
    };
  }

  dispose() {
    return this.inner.dispose();
  }
}

function createRunner(injector) {
  return new VitestFileErrorsRunner(injector.injectFunction(vitestPlugin.factory));
}
createRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [
  declareFactoryPlugin(PluginKind.TestRunner, 'vitest-file-errors', createRunner),
];
