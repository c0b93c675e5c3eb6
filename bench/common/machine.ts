/** What a result was measured on and with, for its metadata file. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BENCH, ROOT } from './paths.js';

/** The machine, Node.js and the checkout's commit. */
export function machine() {
  let commit: string | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout: the commit is simply not recorded.
  }
  return {
    date: new Date().toISOString(),
    platform: `${os.platform()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown'}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    ...(commit ? { commit } : {}),
  };
}

/** Installed versions of the named packages of the bench package. */
export function versions(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    names.map((name) => {
      const file = join(BENCH, 'node_modules', name, 'package.json');
      return [name, (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version];
    }),
  );
}

/** How the run was started, as a user would type it from the repository. */
export const command = (script: string) =>
  [`npm run ${script}`, ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
    ' ',
  );
