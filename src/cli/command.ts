import type { CliIo } from './output.js';

/** One subcommand of `orionclient`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /**
   * Runs with the arguments after the command's name and resolves to the exit code.
   * Throws a `UsageError` for a bad command line; writes everything else itself.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
