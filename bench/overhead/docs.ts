/** The generated regions of docs/benchmarks.md's "Overhead and scale" section: its tables. */
import { join } from 'node:path';
import { DOC, RESULTS } from '../common/paths.js';
import { writeRegions } from '../common/regions.js';
import { arithmeticTable } from './arithmetic.js';
import { httpTables } from './http.js';
import { type Parts, readParts } from './results.js';
import { sessionCostTable } from './session-cost.js';
import { tempPathTable } from './temp-path.js';
import { waitingTable } from './waiting-run.js';

/** The content of each overhead region, for the parts that were measured. */
export function overheadRegions(parts: Parts): Record<string, string> {
  return {
    ...(parts.http ? { 'overhead-http': httpTables(parts.http) } : {}),
    ...(parts['session-cost']
      ? { 'overhead-session-cost': sessionCostTable(parts['session-cost']) }
      : {}),
    ...(parts.waiting ? { 'overhead-waiting': waitingTable(parts.waiting.rows) } : {}),
    ...(parts.arithmetic ? { 'overhead-arithmetic': arithmeticTable(parts.arithmetic) } : {}),
    ...(parts['temp-path'] ? { 'overhead-temp-path': tempPathTable(parts['temp-path']) } : {}),
  };
}

/** Rewrites the overhead regions of docs/benchmarks.md from `bench/results/overhead.jsonl`. */
export function writeOverheadDocs(): void {
  writeRegions(DOC, overheadRegions(readParts(join(RESULTS, 'overhead.jsonl')).parts));
}
