/** The fleet benchmark's results: shared by the runner, the tables and the document. */
import type { Summary } from './stats.js';

export type Params = Readonly<Record<string, number | string>>;

/** One contender at one point of one scenario, summarized over its seeded runs: one line of the results. */
export interface Row {
  readonly scenario: string;
  readonly params: Params;
  readonly contender: string;
  readonly label: string;
  readonly group: string;
  readonly runs: number;
  readonly metrics: Readonly<Record<string, Summary>>;
}

/** Rows measured again after a run and merged into its results (`--merge`). */
export interface Rerun {
  readonly date: string;
  readonly commit: string | undefined;
  readonly command: string;
  readonly rows: number;
}

/** The metadata of a run (`fleet.meta.json`). */
export interface Meta {
  readonly date: string;
  readonly node: string;
  readonly mode: 'quick' | 'full';
  readonly runsPerPoint: number;
  readonly heavyRunsPerPoint: number;
  readonly workers: number;
  readonly elapsedSeconds: number;
  /** Reruns merged into the results since. */
  readonly reruns?: readonly Rerun[];
  readonly [key: string]: unknown;
}

export interface Results {
  readonly meta: Meta;
  readonly rows: readonly Row[];
}
