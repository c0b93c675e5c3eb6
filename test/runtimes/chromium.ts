/**
 * Headless Chromium driven over the Chrome DevTools Protocol through a pipe
 * (`--remote-debugging-pipe`: requests on fd 3, answers and events on fd 4, each message
 * JSON ended by a NUL byte), so no debugging port is opened and no driver package or
 * browser download is needed. Debian's `chromium` package provides the binary.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable on `PATH` (or `$CHROMIUM`), or `undefined`. */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM
    ? [process.env.CHROMIUM]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .flatMap((dir) => NAMES.map((name) => join(dir, name)));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Flags that keep the browser headless, quiet and off the network. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--remote-debugging-pipe',
  'about:blank',
];

interface Pending {
  resolve: (value: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

/** What the page reported through the console or threw, for failure messages. */
export interface PageLog {
  readonly lines: string[];
}

/**
 * Opens `url` in a fresh headless Chromium, waits for its load event, evaluates
 * `expression` (awaiting a promise) and returns its value. The browser is closed and its
 * profile directory removed on every path; `timeoutMs` bounds the whole run.
 */
export async function evaluateInChromium(
  url: string,
  expression: string,
  log: PageLog = { lines: [] },
  timeoutMs = 30_000,
): Promise<unknown> {
  const executable = findChromium();
  if (!executable) {
    throw new Error(
      "Chromium not found on PATH: install Debian's `chromium` package (`.ci/run` does)",
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'orionclient-chromium-'));
  // Chromium also writes crash reports and desktop settings under HOME: keep them here too.
  const env = { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile };
  const child = spawn(executable, [`--user-data-dir=${profile}`, ...FLAGS], {
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  try {
    const cdp = new Cdp(child);
    const run = drive(cdp, url, expression, log);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Chromium took over ${timeoutMs} ms\n${log.lines.join('\n')}`)),
        timeoutMs,
      );
    });
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`Chromium exited (${code ?? signal}): ${stderr.join('').slice(-2000)}`)),
      );
      child.once('error', reject);
    });
    const value = await Promise.race([run, timeout, exited]);
    await cdp.send('Browser.close').catch(() => {});
    return value;
  } finally {
    clearTimeout(timer);
    await stop(child);
    rmSync(profile, { recursive: true, force: true });
  }
}

async function drive(cdp: Cdp, url: string, expression: string, log: PageLog): Promise<unknown> {
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const session = sessionId as string;
  cdp.onEvent = (method, params) => {
    if (method === 'Runtime.consoleAPICalled') {
      const args = params.args as { value?: unknown; description?: string }[];
      log.lines.push(`console: ${args.map((a) => a.description ?? String(a.value)).join(' ')}`);
    } else if (method === 'Runtime.exceptionThrown') {
      const details = params.exceptionDetails as { exception?: { description?: string } };
      log.lines.push(`exception: ${details.exception?.description ?? JSON.stringify(details)}`);
    }
  };
  await cdp.send('Runtime.enable', {}, session);
  await cdp.send('Page.enable', {}, session);
  const loaded = cdp.waitFor('Page.loadEventFired');
  const navigation = await cdp.send('Page.navigate', { url }, session);
  if (navigation.errorText) throw new Error(`${url}: ${String(navigation.errorText)}`);
  await loaded;
  const { result, exceptionDetails } = await cdp.send(
    'Runtime.evaluate',
    { expression, awaitPromise: true, returnByValue: true },
    session,
  );
  if (exceptionDetails) {
    throw new Error(`evaluating ${expression}: ${JSON.stringify(exceptionDetails)}`);
  }
  return (result as { value?: unknown }).value;
}

/** Waits for the browser to exit after `Browser.close`; kills it if it lingers. */
async function stop(child: ChildProcess): Promise<void> {
  // No pid: it never started (the 'error' event said why).
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const grace = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(grace);
}

/** One CDP connection over the pipe; `sessionId` addresses an attached page. */
class Cdp {
  readonly #in: Writable;
  #id = 0;
  #buffer = '';
  readonly #pending = new Map<number, Pending>();
  readonly #waiters = new Map<string, () => void>();
  onEvent: (method: string, params: Record<string, unknown>) => void = () => {};

  constructor(child: ChildProcess) {
    this.#in = child.stdio[3] as Writable;
    const out = child.stdio[4] as Readable;
    this.#in.on('error', () => {});
    out.on('data', (chunk: Buffer) => this.#receive(chunk.toString()));
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    const message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#in.write(`${JSON.stringify(message)}\0`);
    });
  }

  /** Resolves on the next event named `method`. */
  waitFor(method: string): Promise<void> {
    return new Promise((resolve) => this.#waiters.set(method, resolve));
  }

  #receive(text: string): void {
    this.#buffer += text;
    for (let end = this.#buffer.indexOf('\0'); end >= 0; end = this.#buffer.indexOf('\0')) {
      const message = JSON.parse(this.#buffer.slice(0, end)) as {
        id?: number;
        method?: string;
        params?: Record<string, unknown>;
        result?: Record<string, unknown>;
        error?: { message: string };
      };
      this.#buffer = this.#buffer.slice(end + 1);
      if (message.id !== undefined) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(`CDP: ${message.error.message}`));
        else pending?.resolve(message.result ?? {});
      } else if (message.method) {
        this.onEvent(message.method, message.params ?? {});
        this.#waiters.get(message.method)?.();
        this.#waiters.delete(message.method);
      }
    }
  }
}
