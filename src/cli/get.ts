import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TooManyRedirects } from '../http/course.js';
import { Session } from '../http/session.js';
import { RetryError, redactUrl, safeUrl } from '../retry/errors.js';
import { type ProfileName, profiles } from '../retry/profiles.js';
import { choiceFlag, numberFlag, parseCommand } from './args.js';
import type { Command } from './command.js';
import { BodyError, type DownloadResult, download, type Sink } from './download.js';
import {
  bytes,
  type CliIo,
  exitCodeHelp,
  exitCodes,
  isTerminal,
  printable,
  statusLine,
  UsageError,
} from './output.js';
import { logView, type ProgressView, silentView, terminalView } from './progress.js';
import { prepare, stdoutSink } from './sinks.js';

const help = `Usage: orionclient get URL [options]

Downloads URL with retries: jittered backoff, per-status budgets, Retry-After obeyed,
and a broken connection resumed with Range + If-Range when the server offers a strong
validator (a strong ETag, or a Last-Modified at least a second before its Date). A resume
answered for another version of the file (another ETag or Last-Modified, another start,
another length) starts over from byte 0: two versions are never spliced together.
With -o the body is written to a temporary file beside FILE and renamed into place only
when it is complete; without -o it goes to stdout.

Options:
  -o, --output FILE      write the body to FILE (atomically) instead of stdout; FILE
                         may not be a directory
  -H, --header 'N: v'    send a request header (repeatable); values never appear in logs
  --profile NAME         interactive or nonInteractive (default: nonInteractive)
  --retries N            retries of a transient failure (503, reset, timeout, a body
                         that broke off...); they start afresh while the body moves on
  --retry-timeout S      no retry is scheduled once S seconds have passed
  --timeout S            per attempt: connect, send and wait for the response headers;
                         a body that sends nothing for S seconds is resumed
  -q, --quiet            print nothing but errors
  --json                 print one summary object on stdout (needs -o)
  -h, --help             show this help

On a terminal, stderr shows a progress bar and a live line during each backoff wait;
otherwise stderr gets plain lines, one per event. The last line counts the attempts, the
resumes (ranges that continued the body) and the restarts (times it started over).
Control characters in what the server sends (a reason phrase, a header) are not printed.

${exitCodeHelp}`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(
    argv,
    {
      output: { type: 'string', short: 'o' },
      header: { type: 'string', short: 'H', multiple: true },
      profile: { type: 'string' },
      retries: { type: 'string' },
      'retry-timeout': { type: 'string' },
      timeout: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      json: { type: 'boolean' },
    },
    true,
  );
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing URL' : 'give exactly one URL');
  }
  const url = parseUrl(positionals[0]!);
  const headers = parseHeaders(values.header ?? []);
  const profile: ProfileName =
    choiceFlag('--profile', values.profile, Object.keys(profiles) as ProfileName[]) ??
    'nonInteractive';
  const retries = numberFlag('--retries', values.retries, { integer: true });
  const retryTimeout = numberFlag('--retry-timeout', values['retry-timeout']);
  const timeout = numberFlag('--timeout', values.timeout);
  if (timeout === 0) throw new UsageError('--timeout must be > 0, got 0');
  if (values.json && values.output === undefined) {
    throw new UsageError('--json needs -o FILE: without it, stdout carries the body');
  }
  const output = values.output === undefined ? undefined : await outputPath(values.output);

  const live = isTerminal(io.stderr, io.env) && (output !== undefined || !io.stdout.isTTY);
  const view: ProgressView =
    values.quiet || values.json ? silentView : live ? terminalView(io.stderr) : logView(io.stderr);
  const started = performance.now();
  let attempts = 0;
  const session = new Session({
    profile,
    // -H is how credentials reach this command (X-Api-Key, …): none may follow a redirect
    // to another origin, not only the three the library knows by name.
    sensitiveHeaders: [...headers.keys()],
    ...(retries === undefined ? {} : { retries }),
    ...(retryTimeout === undefined ? {} : { retryTimeout }),
    ...(timeout === undefined ? {} : { requestTimeout: timeout }),
    ...(io.clock ? { clock: io.clock } : {}),
  });

  const target = output === undefined ? undefined : await prepare(output);
  const sink: Sink = target ?? stdoutSink(io.stdout, io.signal);
  const elapsed = () => (performance.now() - started) / 1000;
  const summary = (fields: Record<string, unknown>) => {
    if (values.json) io.stdout.write(`${JSON.stringify({ url: safeUrl(url), ...fields })}\n`);
  };
  const fail = (message: string) => {
    view.finish(`orionclient get: ${message}`);
    if (values.quiet || values.json) io.stderr.write(`orionclient get: ${message}\n`);
  };
  let result: DownloadResult;
  try {
    result = await download({
      url,
      headers,
      session,
      sink,
      view,
      onRequest: () => attempts++,
      ...(io.clock ? { clock: io.clock } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (result.ok) await target?.commit();
  } catch (error) {
    await target?.discard();
    const code = io.signal?.aborted ? exitCodes.interrupted : exitCodeOf(error);
    const message =
      code === exitCodes.interrupted
        ? 'interrupted'
        : printable(String((error as Error)?.message ?? error));
    fail(message);
    summary({ ok: false, error: message, exitCode: code, attempts, elapsed: elapsed() });
    return code;
  }
  const status = statusLine(result.status, result.statusText);
  const facts = {
    status: result.status,
    bytes: result.bytes,
    attempts: result.attempts,
    resumes: result.resumes,
    restarts: result.restarts,
    elapsed: Number(elapsed().toFixed(3)),
    path: result.ok ? (output ?? null) : null,
  };
  const tally = [
    plural(result.attempts, 'attempt'),
    ...(result.resumes === 0 ? [] : [plural(result.resumes, 'resume')]),
    ...(result.restarts === 0 ? [] : [plural(result.restarts, 'restart')]),
    `${elapsed().toFixed(1)} s`,
  ].join(', ');
  if (!result.ok) {
    await target?.discard();
    fail(`GET ${safeUrl(url)}: ${status} (${tally})`);
    summary({ ok: false, ...facts, exitCode: exitCodes.httpStatus });
    return exitCodes.httpStatus;
  }
  const where = output === undefined ? 'stdout' : printable(values.output!);
  view.finish(`${status}: ${bytes(result.bytes)} to ${where} (${tally})`);
  summary({ ok: true, ...facts });
  return exitCodes.ok;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The exit code of a download that ended without a response to report: the server
 * answered with redirects past the limit (3), with something that is not HTTP (5), or
 * not usefully at all (4); anything else (the output file) is 1.
 */
function exitCodeOf(error: unknown): number {
  if (error instanceof BodyError) return exitCodes.network;
  if (!(error instanceof RetryError)) return exitCodes.failure;
  const cause = error.cause as Error | undefined;
  if (cause instanceof TooManyRedirects) {
    return exitCodes.httpStatus;
  }
  for (let e: unknown = cause, depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e.name === 'HTTPParserError' || /^HPE_/.test(String((e as { code?: unknown }).code))) {
      return exitCodes.protocol;
    }
    e = e.cause;
  }
  return exitCodes.network;
}

/** `-o FILE` as an absolute path; a directory is refused before anything is sent. */
async function outputPath(value: string): Promise<string> {
  const path = resolve(value);
  const directory =
    /[/\\]$/.test(value) || (await stat(path).catch(() => undefined))?.isDirectory();
  if (directory) {
    throw new UsageError(`-o must name a file, got the directory '${printable(value)}'`);
  }
  return path;
}

function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // A URL that does not parse may still hold user:password@; never echo that part.
    throw new UsageError(
      `URL must be an absolute http:// or https:// URL, got '${redactUrl(text)}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`URL must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new UsageError("URL must not contain credentials; use -H 'Authorization: ...'");
  }
  return url.href;
}

/** `-H 'Name: value'`; a bad one is reported by name only, so a secret never reaches a log. */
function parseHeaders(list: readonly string[]): Headers {
  const headers = new Headers();
  for (const item of list) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`-H must be 'Name: value' with a valid header name`);
    }
    try {
      headers.append(name, item.slice(colon + 1).trim());
    } catch {
      throw new UsageError(`-H '${name}: …' has a value that is not a valid header value`);
    }
  }
  return headers;
}

/** `orionclient get`. */
export const get: Command = {
  name: 'get',
  summary: 'download a URL with retries, resume and an atomic write',
  help,
  run,
};
