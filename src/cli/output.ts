import { STATUS_CODES } from 'node:http';
import { printable } from '../http/printable.js';
import type { Clock } from '../time/clock.js';

export { printable };

/**
 * Exit codes of the `orionclient` command. Scripts can tell a server that kept failing
 * from a network that never answered, and both from a typo on the command line.
 */
export const exitCodes = Object.freeze({
  /** Done. */
  ok: 0,
  /** Anything not listed below (a file that cannot be written, a bug). */
  failure: 1,
  /** Bad command line: unknown flag, bad value, missing argument. */
  usage: 2,
  /**
   * The server answered, but with an error status after every retry was spent, or with
   * redirects past the limit.
   */
  httpStatus: 3,
  /**
   * No usable response after every retry was spent: refused, reset, timed out, a body
   * that kept breaking off, or a resume answered with another version of the file.
   */
  network: 4,
  /** The server's reply was not HTTP (a wrong port, another protocol). */
  protocol: 5,
  /**
   * Interrupted (Ctrl+C); nothing partial is left behind. The process ends by the signal
   * it got (SIGINT, or SIGTERM), which shells report as 130 (or 143).
   */
  interrupted: 130,
});

/** The exit-code table as printed by `--help`. */
export const exitCodeHelp = `Exit codes:
  0    success
  1    other failure (for example the output file cannot be written)
  2    usage error (unknown flag, bad value)
  3    HTTP error status after the retries were spent, or too many redirects
  4    network failure after the retries were spent: no response, a body that kept
       breaking off, or a resume answered with another version of the file
  5    the reply was not HTTP (wrong port or protocol)
  130  interrupted (Ctrl+C): temporary files are removed, then the process ends by
       SIGINT; SIGTERM is handled the same way (the shell reports 143)`;

/** A stream the CLI writes to; `isTTY` and `columns` are read when present. */
export interface CliStream {
  write(chunk: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything a command touches outside itself, so tests can run it in-process. */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts when the user interrupts (SIGINT, SIGTERM). */
  readonly signal?: AbortSignal;
  /** Paces the backoff waits. @default systemClock */
  readonly clock?: Clock;
}

/** A command-line mistake: exits 2 with the message and a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Whether to draw live lines and escape codes on `stream`: a terminal that is not `dumb`.
 * Off a terminal, output is plain lines that logs and pipes can keep.
 */
export function isTerminal(stream: CliStream, env: CliIo['env']): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Colour and emphasis, only on a terminal and unless `NO_COLOR` is set. */
export function styles(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39) };
}

/** Seconds for people: one decimal, or two significant digits below one second (`0.23`). */
export function seconds(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const one = value.toFixed(1);
  if (Math.abs(value) >= 1 || Math.abs(Number(one) - value) < 1e-9) return one;
  return String(Number(value.toPrecision(2)));
}

/** A byte count with a binary unit: `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit === 0 ? `${v} B` : `${v.toFixed(1)} ${units[unit]}`;
}

/** `503 Service Unavailable`, or the bare number when Node does not know the reason. */
export function statusLine(status: number, statusText?: string): string {
  const text = printable(statusText ?? '').trim() || STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

/** Left-aligned text columns and right-aligned numbers, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]+( s)?$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
