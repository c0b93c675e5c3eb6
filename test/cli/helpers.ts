import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIo } from '../../src/cli/output.js';

const root = resolve(import.meta.dirname, '../..');

/** An in-memory `CliIo`: what a command wrote, and whether it believes it is on a terminal. */
export function memoryIo(options: { tty?: boolean; env?: Record<string, string> } = {}) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stream = (sink: Buffer[]) => ({
    write: (chunk: string | Uint8Array) => sink.push(Buffer.from(chunk)),
    isTTY: options.tty ?? false,
    columns: 80,
  });
  const io: CliIo = { stdout: stream(out), stderr: stream(err), env: options.env ?? {} };
  return {
    io,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => Buffer.concat(err).toString('utf8'),
  };
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(root, 'src'));
  hash.update(readFileSync(join(root, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Compiles src/ once per content into a package-shaped directory under the system's temp
 * directory (`dist/` plus `package.json`) and returns the path of the built `main.js`.
 * Test files share the build; the repository's own dist/ is left alone.
 */
export function buildCli(): string {
  const dir = join(tmpdir(), `orionclient-cli-test-${sourceHash()}`);
  pruneOldBuilds(dir);
  const main = join(dir, 'dist', 'cli', 'main.js');
  if (existsSync(main)) return main;
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    try {
      execFileSync(
        process.execPath,
        [
          join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          join(root, 'tsconfig.build.json'),
          '--outDir',
          join(staging, 'dist'),
          '--declaration',
          'false',
          '--declarationMap',
          'false',
          '--sourceMap',
          'false',
        ],
        { stdio: 'pipe' },
      );
    } catch (error) {
      // A type error elsewhere in src/ still emits JavaScript; only a missing CLI is fatal.
      if (!existsSync(join(staging, 'dist', 'cli', 'main.js'))) throw error;
    }
    cpSync(join(root, 'package.json'), join(staging, 'package.json'));
    try {
      renameSync(staging, dir);
    } catch {
      // Another test file finished the same build first; use theirs.
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return main;
}

/** Builds of older sources, untouched for an hour, are removed. */
function pruneOldBuilds(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith('orionclient-cli-test-') || path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 3_600_000) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built CLI in a child process; `onStderr` sees stderr as it arrives. */
export function runCli(
  main: string,
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    cwd?: string;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
    onSpawn?: (child: ReturnType<typeof spawn>) => unknown;
  } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: options.cwd ?? root,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      options.onStderr?.(err, child);
    });
    child.on('error', reject);
    void options.onSpawn?.(child);
    child.on('close', (code, signal) =>
      resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr: err }),
    );
  });
}
