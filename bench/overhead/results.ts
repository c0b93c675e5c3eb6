/**
 * The overhead benchmark's results as rows: each table of a part (`capacity`, `cells`,
 * `rows`, `goals`) becomes one line per entry, led by `part` and `table`; the part's
 * `settings` go to the metadata with the machine it ran on. A run with `--only`
 * replaces the lines and metadata of its parts and keeps the others.
 */
import { existsSync } from 'node:fs';
import { readResults, writeResults } from '../common/results.js';
import type { ArithmeticResult } from './arithmetic.js';
import type { HttpResult } from './http.js';
import type { SessionCostResult } from './session-cost.js';
import type { TempPathResult } from './temp-path.js';
import type { WaitingResult } from './waiting.js';

export const PARTS = ['http', 'session-cost', 'waiting', 'arithmetic', 'temp-path'] as const;
export type Part = (typeof PARTS)[number];

export interface Goal {
  readonly goal: string;
  readonly met: boolean;
  readonly detail: string;
}

export type WaitingRow = WaitingResult | { scenario: string; count: number; error: string };

/** What each part measured. */
export interface Parts {
  http?: HttpResult;
  'session-cost'?: SessionCostResult;
  waiting?: { rows: WaitingRow[]; goals: Goal[] };
  arithmetic?: ArithmeticResult;
  'temp-path'?: TempPathResult;
}

/** Per part: where and how it ran, and its settings. */
export type Meta = Partial<Record<Part, Record<string, unknown>>>;

type Line = { part: Part; table: string } & Record<string, unknown>;

/** Writes `parts` (with `meta` per part), keeping what `file` holds for the parts not run. */
export function writeParts(file: string, parts: Parts, meta: Meta): void {
  const previous = existsSync(file) ? readResults<Meta, Line>(file) : undefined;
  const lines: Line[] = [];
  const merged: Meta = {};
  for (const part of PARTS) {
    const result = parts[part] as Record<string, unknown> | undefined;
    if (!result) {
      lines.push(...(previous?.rows.filter((l) => l.part === part) ?? []));
      if (previous?.meta[part]) merged[part] = previous.meta[part];
      continue;
    }
    for (const [table, value] of Object.entries(result))
      if (Array.isArray(value)) for (const entry of value) lines.push({ part, table, ...entry });
    merged[part] = { ...meta[part], ...(result.settings ? { settings: result.settings } : {}) };
  }
  writeResults(file, merged, lines);
}

/** Reads what {@link writeParts} wrote. */
export function readParts(file: string): { parts: Parts; meta: Meta } {
  const { meta, rows } = readResults<Meta, Line>(file);
  const parts: Record<string, Record<string, unknown[]>> = {};
  for (const { part, table, ...entry } of rows) {
    const tables = parts[part] ?? {};
    tables[table] = [...(tables[table] ?? []), entry];
    parts[part] = tables;
  }
  for (const part of PARTS) {
    const settings = meta[part]?.settings;
    if (parts[part] && settings !== undefined) Object.assign(parts[part], { settings });
  }
  return { parts: parts as unknown as Parts, meta };
}
