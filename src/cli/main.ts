#!/usr/bin/env node
/** The `orionclient` command: Node.js only (files, signals, the terminal). */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.js';
import { demo } from './demo.js';
import { get } from './get.js';
import { type CliIo, exitCodeHelp, exitCodes, printable, UsageError } from './output.js';
import { schedule } from './schedule.js';

const commands: readonly Command[] = [demo, get, schedule];

const help = `Usage: orionclient <command> [options]

Retries with jittered backoff and per-status budgets, from the command line.

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}
  help [cmd]  show the help of a command

Options:
  -h, --help     show this help (or a command's: orionclient <command> --help)
  -v, --version  print the version

${exitCodeHelp}`;

/** The package's version, read from its package.json (two levels up from src/cli and dist/cli). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

/**
 * Runs `orionclient` with `argv` (the arguments after the program name) and resolves to
 * the exit code. Writes only to `io`; never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(`${help}\n`);
    return exitCodes.usage;
  }
  if (name === '-h' || name === '--help') return print(io, help);
  if (name === '-v' || name === '--version') return print(io, version());
  if (name === 'help') {
    const topic = rest[0] === undefined ? undefined : find(rest[0]);
    if (rest[0] !== undefined && !topic)
      return usage(io, 'orionclient', `unknown command '${rest[0]}'`);
    return print(io, topic?.help ?? help);
  }
  const command = find(name);
  if (!command) {
    const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command '${name}'`;
    return usage(io, 'orionclient', what);
  }
  const ownArgs = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (ownArgs.includes('-h') || ownArgs.includes('--help')) return print(io, command.help);
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) return usage(io, `orionclient ${command.name}`, error.message);
    const message = printable(String((error as Error)?.message ?? error));
    io.stderr.write(`orionclient ${command.name}: ${message}\n`);
    return exitCodes.failure;
  }
}

const find = (name: string) => commands.find((c) => c.name === name);

function print(io: CliIo, text: string): number {
  io.stdout.write(`${text}\n`);
  return exitCodes.ok;
}

/** One line that says what is wrong, and where the whole story is. */
function usage(io: CliIo, where: string, message: string): number {
  io.stderr.write(`${where}: ${printable(message)}\nTry '${where} --help'.\n`);
  return exitCodes.usage;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * The process side: real streams, and a signal that aborts on the first SIGINT or SIGTERM
 * so the running command can clean up; a second one ends the process at once. After the
 * cleanup the process ends by the signal it got, as an interrupted program should: a shell
 * loop around `orionclient` stops at Ctrl+C.
 */
async function runProcess(): Promise<void> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const stopListening = () => {
    for (const name of SIGNALS) process.off(name, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      stopListening();
      process.kill(process.pid, signal);
      return;
    }
    received = signal;
    controller.abort(new Error('interrupted'));
  };
  for (const name of SIGNALS) process.on(name, onSignal);
  // A closed pipe (`orionclient schedule | head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') controller.abort(error);
    else process.stderr.write(`orionclient: stdout: ${error.message}\n`);
  });
  try {
    const code = await main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      signal: controller.signal,
    });
    process.exitCode = code;
  } finally {
    stopListening();
  }
  if (received) {
    // With no listener left, the signal's default action ends the process; what was
    // written must reach the pipes first.
    await Promise.all([flush(process.stdout), flush(process.stderr)]);
    process.kill(process.pid, received);
  }
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((done) => {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', () => done());
  });
}

function invokedDirectly(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runProcess();
