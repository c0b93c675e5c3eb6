/** The loopback check's results: written by `run.ts`, read by the fleet document. */
import type { Summary } from '../fleet/stats.js';

/** One client library over its runs: one line of `fleet-loopback.jsonl`. */
export interface LoopbackRow {
  readonly contender: string;
  readonly label: string;
  /** The simulator's row for the same client, for the ranking comparison. */
  readonly sim: string;
  readonly runs: number;
  readonly metrics: Readonly<Record<string, Summary>>;
}

/** The settings and machine of a run (`fleet-loopback.meta.json`). */
export interface LoopbackMeta {
  readonly date: string;
  readonly node: string;
  readonly n: number;
  readonly rate: number;
  readonly burst: number;
  readonly runs: number;
  readonly limit: number;
  readonly loadAverage: readonly number[];
  readonly [key: string]: unknown;
}

export interface LoopbackResults {
  readonly meta: LoopbackMeta;
  readonly rows: readonly LoopbackRow[];
}
