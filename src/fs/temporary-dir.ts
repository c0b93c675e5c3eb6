/**
 * The directory a temporary path is created in: `dir` resolved to its real absolute path
 * (or the real path of `os.tmpdir()`), and errors that say what is wrong with it.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { codeOf, messageOf } from './remove-path.js';

// Only `realpath` here: whether `dir` is a directory shows when the file is opened in it.
// The native realpath (as `fsp.realpath` uses) also expands Windows 8.3 short names.
export async function realDir(dir: string | undefined): Promise<string> {
  const given = nodePath.resolve(dir ?? defaultDir());
  const known = realDirs.get(given);
  if (known !== undefined) return known;
  try {
    return remember(given, await fsp.realpath(given));
  } catch (error) {
    throw dirError(dir, error);
  }
}

export function realDirSync(dir: string | undefined): string {
  const given = nodePath.resolve(dir ?? defaultDir());
  const known = realDirs.get(given);
  if (known !== undefined) return known;
  try {
    return remember(given, fs.realpathSync.native(given));
  } catch (error) {
    throw dirError(dir, error);
  }
}

/**
 * Directories already resolved (as Python's `tempfile` keeps `tempdir`): resolving costs a
 * system call, and in async code a round trip through the thread pool, per file. A
 * directory that disappears later still gets its error from `open` (see `openError`).
 */
const realDirs = new Map<string, string>();

/** `os.tmpdir()` (a few microseconds: it reads several environment variables), read once. */
let tmpdir: string | undefined;
function defaultDir(): string {
  tmpdir ??= os.tmpdir();
  return tmpdir;
}

function remember(given: string, real: string): string {
  if (realDirs.size >= 64) realDirs.clear();
  realDirs.set(given, real);
  return real;
}

/** Explains an `open` failure that comes from `dir` rather than from the name. */
export function openError(given: string | undefined, dir: string, error: unknown): unknown {
  if (codeOf(error) !== 'ENOENT' && codeOf(error) !== 'ENOTDIR') return error;
  try {
    return fs.statSync(dir).isDirectory() ? error : dirError(given, undefined);
  } catch (statError) {
    return dirError(given, statError);
  }
}

/** `error` is undefined when `dir` exists but is not a directory. */
function dirError(dir: string | undefined, error: unknown): Error {
  const given = JSON.stringify(dir ?? os.tmpdir()) + (dir === undefined ? ' (os.tmpdir())' : '');
  const code = codeOf(error);
  if (error === undefined || code === 'ENOTDIR') {
    return new RangeError(`\`dir\` must be a directory, got ${given}, which is not one`);
  }
  if (code === 'ENOENT') return new RangeError(`\`dir\` must exist, got ${given}, which does not`);
  return new Error(`\`dir\` ${given} cannot be used: ${messageOf(error)}`, { cause: error });
}
