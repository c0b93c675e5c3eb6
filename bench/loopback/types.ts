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

/** What a worker of the multi-process run is told to do (`processes-worker.ts`). */
export interface WorkerTask {
  readonly url: string;
  readonly requests: number;
  /** `coordinator`: one Session with its own Coordinator; `session`: a Session alone. */
  readonly client: 'coordinator' | 'session';
  /** Seconds after which what still runs counts as given up. */
  readonly limit: number;
}

/** What a worker reports back. */
export interface WorkerReport {
  readonly successes: number;
  /** Milliseconds from the start instant to the last success (NaN without one). */
  readonly last: number;
}

/** One client kind at one fleet size and hint, over its runs: one line of `fleet-processes.jsonl`. */
export interface ProcessesRow {
  readonly client: WorkerTask['client'];
  readonly processes: number;
  readonly hint: 'none' | 'retry-after';
  readonly runs: number;
  readonly metrics: Readonly<Record<string, Summary>>;
}

/** The settings and machine of a multi-process run (`fleet-processes.meta.json`): the same fields. */
export type ProcessesMeta = LoopbackMeta;
