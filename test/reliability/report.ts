/**
 * Renders the fault matrix of `faults.ts` as the Markdown table of `docs/reliability.md`.
 * `report.test.ts` checks that the document holds exactly this rendering; run as a script
 * (`npm run report:reliability`) it rewrites the table in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Expected,
  type FaultRow,
  faults,
  HANG_TIMEOUT,
  type MethodClass,
  methodClasses,
  type Profile,
  profileNames,
} from './faults.js';

export const START = '<!-- fault-matrix:start (generated from test/reliability/faults.ts) -->';
export const END = '<!-- fault-matrix:end -->';

export const methodText: Readonly<Record<MethodClass, string>> = {
  GET: 'GET',
  POST: 'POST',
  'POST+key': 'POST with Idempotency-Key',
};

const profileText: Readonly<Record<Profile, string>> = {
  nonInteractive: 'Non-interactive profile',
  interactive: 'Interactive profile',
};

/** One promise in words: `11 requests → 503 (retries)`. */
export function cellText(e: Expected): string {
  const requests = `${e.seen} request${e.seen === 1 ? '' : 's'}`;
  const tries =
    e.attempts === e.seen ? '' : ` in ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}`;
  const result =
    e.outcome === 'retryError'
      ? `RetryError (${e.reason})`
      : e.outcome === 'bodyError'
        ? `${e.status}, then the body read fails`
        : `${e.status}${e.reason ? ` (${e.reason})` : ''}${e.bytes === undefined ? '' : `, body of ${e.bytes} bytes`}`;
  return `${requests}${tries} → ${result}`;
}

function table(profile: Profile, rows: readonly FaultRow[]): string {
  const lines = [
    ['fault', ...methodClasses.map((m) => methodText[m])],
    ...rows.map((row) => [
      row.fault,
      ...methodClasses.map((m) => cellText(row.expect[profile][m])),
    ]),
  ];
  // Padded as a Markdown formatter would, so the source reads as a table too.
  const width = (text: string) => [...text].length;
  const widths = lines[0]!.map((_, c) => Math.max(3, ...lines.map((l) => width(l[c]!))));
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => cell + ' '.repeat(widths[c]! - width(cell))).join(' | ')} |`;
  const [head, ...body] = lines;
  return [
    `### ${profileText[profile]}`,
    '',
    format(head!),
    format(widths.map((w) => '-'.repeat(w))),
    ...body.map(format),
  ].join('\n');
}

/** The whole generated block, markers included. */
export function renderFaultMatrix(rows: readonly FaultRow[] = faults): string {
  const cells = rows.length * profileNames.length * methodClasses.length;
  const intro = [
    `${rows.length} faults × ${profileNames.length} profiles × ${methodClasses.length} method classes = ${cells} cells, each a test against a real server (\`test/reliability/fault-matrix.test.ts\`).`,
    '"Requests" is what the servers received; "attempts" is what the client counted, shown when it differs.',
    `The reason in parentheses is \`retryInfo(response).reason\` or \`RetryError.reason\`. Rows marked with a \`requestTimeout\` run with that per-attempt timeout (${HANG_TIMEOUT} s); every other setting is the profile's.`,
  ].join('\n');
  return [START, intro, ...profileNames.map((p) => table(p, rows)), END].join('\n\n');
}

/** `text` with the block between the markers replaced by `block`. */
export function replaceBlock(text: string, block: string): string {
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`markers ${START} … ${END} not found`);
  return text.slice(0, from) + block + text.slice(to + END.length);
}

/** The block between the markers of `text`, markers included, or `undefined`. */
export function extractBlock(text: string): string | undefined {
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  return from < 0 || to < from ? undefined : text.slice(from, to + END.length);
}

/**
 * Markdown with table padding taken out, so a table the formatter aligned compares equal
 * to the plain rendering: cells trimmed, separator dashes shortened to `---`.
 */
export function normalizeTables(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line.trimEnd();
      const cells = line.split('|').slice(1, -1);
      return `| ${cells.map((c) => c.trim().replace(/^:?-+:?$/, '---')).join(' | ')} |`;
    })
    .join('\n');
}

export const REPORT_PATH = 'docs/reliability.md';

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const path = resolve(REPORT_PATH);
  writeFileSync(path, replaceBlock(readFileSync(path, 'utf8'), renderFaultMatrix()));
  console.log(`${REPORT_PATH}: fault matrix rewritten (${faults.length} rows)`);
}
