import { chmod, open, rename } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { systemClock } from '../clock.js';
import { TemporaryPath } from '../fs/temporary-path.js';
import { type ProfileName, profiles } from '../http/profiles.js';
import { Session } from '../http/session.js';
import { RetryError, redact, safeUrl } from '../retry/errors.js';
import type { RetryEvent } from '../retry/retry.js';
import { choiceFlag, numberFlag, parseCommand } from './args.js';
import type { Command } from './command.js';
import { BodyError, type DownloadResult, download, type Sink } from './download.js';
import {
  bytes,
  type CliIo,
  type CliStream,
  exitCodeHelp,
  exitCodes,
  isTerminal,
  statusLine,
  UsageError,
} from './output.js';
import { logView, type ProgressView, silentView, terminalView } from './progress.js';

const help = `Usage: orionclient get URL [options]

Downloads URL with retries: jittered backoff, per-status budgets, Retry-After obeyed,
and a broken connection resumed with Range + If-Range when the server allows it.
With -o the body is written to a temporary file beside FILE and renamed into place only
when it is complete; without -o it goes to stdout.

Options:
  -o, --output FILE      write the body to FILE (atomically) instead of stdout
  -H, --header 'N: v'    send a request header (repeatable); values never appear in logs
  --profile NAME         interactive or nonInteractive (default: nonInteractive)
  --retries N            retries of a transient failure (503, reset, timeout...)
  --retry-timeout S      no retry is scheduled once S seconds have passed
  --timeout S            per attempt: connect, send and wait for the response headers;
                         a body that sends nothing for S seconds is resumed
  --quiet                print nothing but errors
  --json                 print one summary object on stdout (needs -o)
  -h, --help             show this help

On a terminal, stderr shows a progress bar and a live line during each backoff wait;
otherwise stderr gets plain lines, one per event.

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
  const output = values.output === undefined ? undefined : resolve(values.output);

  const live = isTerminal(io.stderr, io.env) && (output !== undefined || !io.stdout.isTTY);
  const view: ProgressView =
    values.quiet || values.json ? silentView : live ? terminalView(io.stderr) : logView(io.stderr);
  const started = performance.now();
  // One per request the download sends, plus one per retry the session makes inside it.
  let attempts = 0;
  const session = new Session({
    profile,
    // -H is how credentials reach this command (X-Api-Key, …): none may follow a redirect
    // to another origin, not only the three the library knows by name.
    sensitiveHeaders: [...headers.keys()],
    ...(retries === undefined ? {} : { retries }),
    ...(retryTimeout === undefined ? {} : { retryTimeout }),
    ...(timeout === undefined ? {} : { requestTimeout: timeout }),
    onRetry: (event: RetryEvent) => {
      attempts++;
      view.waiting(failure(event), event.retry, event.limit, event.delay);
    },
  });
  const fetchCounted = (target: string, init: RequestInit) => {
    attempts++;
    return session.fetch(target, init);
  };

  const target = output === undefined ? undefined : await prepare(output);
  const sink: Sink = target ?? stdoutSink(io.stdout, io.signal);
  const elapsed = () => (performance.now() - started) / 1000;
  const summary = (fields: Record<string, unknown>) => {
    if (values.json) io.stdout.write(`${JSON.stringify({ url: safeUrl(url), ...fields })}\n`);
  };
  let result: DownloadResult;
  try {
    result = await download({
      url,
      headers,
      fetch: fetchCounted,
      sink,
      view,
      policy: session.policy,
      clock: systemClock,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (result.ok) await target?.commit();
  } catch (error) {
    await target?.discard();
    const code = io.signal?.aborted
      ? exitCodes.interrupted
      : error instanceof RetryError || error instanceof BodyError
        ? exitCodes.network
        : exitCodes.failure;
    const message =
      code === exitCodes.interrupted ? 'interrupted' : String((error as Error)?.message ?? error);
    view.finish(`orionclient get: ${message}`);
    if (values.quiet || values.json) io.stderr.write(`orionclient get: ${message}\n`);
    summary({ ok: false, error: message, exitCode: code, attempts, elapsed: elapsed() });
    return code;
  }
  const status = statusLine(result.status, result.statusText);
  const facts = {
    status: result.status,
    bytes: result.bytes,
    attempts,
    resumes: result.resumes,
    elapsed: Number(elapsed().toFixed(3)),
    path: result.ok ? (output ?? null) : null,
  };
  const resumed = result.resumes === 0 ? '' : `, ${plural(result.resumes, 'resume')}`;
  const tally = `${plural(attempts, 'attempt')}${resumed}, ${elapsed().toFixed(1)} s`;
  if (!result.ok) {
    await target?.discard();
    const message = `GET ${safeUrl(url)}: ${status} (${tally})`;
    view.finish(`orionclient get: ${message}`);
    if (values.quiet || values.json) io.stderr.write(`orionclient get: ${message}\n`);
    summary({ ok: false, ...facts, exitCode: exitCodes.httpStatus });
    return exitCodes.httpStatus;
  }
  const where = output === undefined ? 'stdout' : values.output!;
  view.finish(`${status}: ${bytes(result.bytes)} to ${where} (${tally})`);
  summary({ ok: true, ...facts });
  return exitCodes.ok;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `503 Service Unavailable` or `ECONNRESET`: what failed, for the retry line. */
function failure(event: RetryEvent): string {
  if (event.status !== undefined) return statusLine(event.status);
  return event.error?.code ?? event.error?.name ?? 'error';
}

function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // A URL that does not parse may still hold user:password@; never echo that part.
    throw new UsageError(`URL must be an absolute http:// or https:// URL, got '${redact(text)}'`);
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

interface FileTarget extends Sink {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** A temporary file beside `output`, renamed onto it by `commit()`. */
async function prepare(output: string): Promise<FileTarget> {
  let temporary: TemporaryPath;
  try {
    temporary = await TemporaryPath.create({
      dir: dirname(output),
      prefix: `.${basename(output)}.`,
      suffix: '.part',
    });
  } catch (error) {
    throw new Error(`cannot write beside ${output}: ${(error as Error).message}`);
  }
  const handle = await open(temporary.path, 'r+');
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(chunk) {
      await handle.write(chunk, 0, chunk.byteLength, position);
      position += chunk.byteLength;
    },
    async restart() {
      await handle.truncate(0);
      position = 0;
      return true;
    },
    async commit() {
      await handle.truncate(position);
      await handle.sync();
      await close();
      // TemporaryPath makes the file private (0600); the result gets the usual permissions.
      await chmod(temporary.path, 0o666 & ~process.umask());
      await rename(temporary.path, output);
      temporary.keep();
    },
    async discard() {
      await close().catch(() => {});
      await temporary.remove();
    },
  };
}

/** Stdout, waiting for `drain` when the reader is slower than the network. */
function stdoutSink(stream: CliStream, signal: AbortSignal | undefined): Sink {
  const s = stream as CliStream & {
    once?: (event: 'drain', fn: () => void) => unknown;
    off?: (event: 'drain', fn: () => void) => unknown;
  };
  return {
    async write(chunk) {
      if (stream.write(chunk) !== false || !s.once) return;
      // A closed pipe never drains; the abort (EPIPE, Ctrl+C) ends the wait instead.
      await new Promise<void>((done, fail) => {
        const onAbort = () => {
          s.off?.('drain', onDrain);
          fail(signal?.reason);
        };
        const onDrain = () => {
          signal?.removeEventListener('abort', onAbort);
          done();
        };
        s.once!('drain', onDrain);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    restart: async () => false,
  };
}

/** `orionclient get`. */
export const get: Command = {
  name: 'get',
  summary: 'download a URL with retries, resume and an atomic write',
  help,
  run,
};
