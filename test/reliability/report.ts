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
  type TransportName,
  transportNames,
  transportNotes,
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
  if (e.outcome === 'fetchError') return `${requests} → fetch's own TypeError`;
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

/** A Markdown table, padded as a formatter would, so the source reads as a table too. */
function markdownTable(lines: readonly (readonly string[])[]): string[] {
  const width = (text: string) => [...text].length;
  const widths = lines[0]!.map((_, c) => Math.max(3, ...lines.map((l) => width(l[c]!))));
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, c) => cell + ' '.repeat(widths[c]! - width(cell))).join(' | ')} |`;
  const [head, ...body] = lines;
  return [format(head!), format(widths.map((w) => '-'.repeat(w))), ...body.map(format)];
}

function table(profile: Profile, rows: readonly FaultRow[]): string {
  const lines = [
    ['fault', ...methodClasses.map((m) => methodText[m])],
    ...rows.map((row) => [
      row.fault,
      ...methodClasses.map((m) => cellText(row.expect[profile][m])),
    ]),
  ];
  return [`### ${profileText[profile]}`, '', ...markdownTable(lines)].join('\n');
}

const transportText: Readonly<Record<TransportName, string>> = {
  session: '`Session`',
  'undici.request': 'the interceptor under `undici.request`',
  'undici.fetch': 'the interceptor under `undici.fetch`',
};

/** The rows where `transport` keeps another promise: which cells, and why. */
function differences(transport: TransportName, rows: readonly FaultRow[]): string {
  const differing = rows.filter((row) => row.differs?.[transport]);
  const heading = `### Through ${transportText[transport]}`;
  if (differing.length === 0) return `${heading}\n\nEvery cell as above.`;
  const lines = [
    ['fault', 'why', 'cells that differ'],
    ...differing.map((row) => {
      const d = row.differs![transport]!;
      let cells = profileNames.flatMap((p) =>
        methodClasses
          .filter((m) => d.expect?.[p]?.[m])
          .map((m) => `${profileShort[p]} ${methodText[m]}: ${cellText(d.expect![p]![m]!)}`),
      );
      const texts = new Set(cells.map((c) => c.slice(c.indexOf(': ') + 2)));
      const all = profileNames.length * methodClasses.length;
      if (cells.length === all && texts.size === 1) cells = [`every cell: ${[...texts][0]}`];
      const notes = [
        ...(d.resendsPost ? ['a bare POST reaches one path more than once'] : []),
        ...(d.sendsSensitive ? ['`x-api-key` reaches the other origin'] : []),
      ];
      return [row.fault, d.why, [...cells, ...notes].join('; ')];
    }),
  ];
  return [
    heading,
    '',
    `${transportNotes[transport] ?? ''} These ${differing.length} rows differ; every other cell is as above:`.trim(),
    '',
    ...markdownTable(lines),
  ].join('\n');
}

const profileShort: Readonly<Record<Profile, string>> = {
  nonInteractive: 'non-interactive',
  interactive: 'interactive',
};

/** The whole generated block, markers included. */
export function renderFaultMatrix(rows: readonly FaultRow[] = faults): string {
  const cells = rows.length * profileNames.length * methodClasses.length * transportNames.length;
  const intro = [
    `${rows.length} faults × ${profileNames.length} profiles × ${methodClasses.length} method classes × ${transportNames.length} transports (${transportNames.map((t) => `\`${t}\``).join(', ')}) = ${cells} cells, each a test against a real server (\`test/reliability/fault-matrix.test.ts\`).`,
    '"Requests" is what the servers received; "attempts" is what the client counted, shown when it differs.',
    `The reason in parentheses is \`retryInfo(response).reason\` (\`retryInfo(data.context)\` through the interceptor) or \`RetryError.reason\`. Rows marked with a \`requestTimeout\` run with that per-attempt timeout (${HANG_TIMEOUT} s); every other setting is the profile's, except that the interceptor under \`undici.request\` follows redirects (\`maxRedirects: 20\`, a session's default; its own default is 0, as undici's).`,
    'The tables hold for every transport; the rows where one keeps another promise follow them, with the reason.',
  ].join('\n');
  return [
    START,
    intro,
    ...profileNames.map((p) => table(p, rows)),
    ...transportNames.slice(1).map((t) => differences(t, rows)),
    END,
  ].join('\n\n');
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
