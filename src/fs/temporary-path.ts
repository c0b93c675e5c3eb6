import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { checkBoolean, checkKeys, show } from '../validate.js';
import {
  codeOf,
  removePath,
  removePathSync,
  removeWithRetry,
  removeWithRetrySync,
  warnCleanupFailed,
} from './remove-path.js';
import { openError, realDir, realDirSync } from './temporary-dir.js';

/** Options of {@link TemporaryPath.create}, {@link TemporaryPath.createSync} and {@link withTemporaryPath}. */
export interface TemporaryPathOptions {
  /**
   * Appended verbatim to the file name, as in Python (`'bar'` gives `tmp…bar`; no dot is
   * added). Must not contain `/`, `\` or NUL, nor be `.` or `..`.
   * @default ''
   */
  suffix?: string;
  /**
   * The start of the file name. Same rules as `suffix`.
   * @default 'tmp'
   */
  prefix?: string;
  /**
   * An existing directory to create the file in; it is resolved to its absolute real path.
   * A `dir` that is empty or contains NUL is a `RangeError`.
   * @default the real path of `os.tmpdir()`
   */
  dir?: string;
  /**
   * Whether disposal (`await using`, `using`, {@link withTemporaryPath}) removes the path.
   * @default true
   */
  delete?: boolean;
}

const OPTION_KEYS = ['suffix', 'prefix', 'dir', 'delete'] as const;
const RANDOM_LENGTH = 13; // 36^13 ≈ 2^67: names are unguessable, not merely unique
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'; // one case: safe on case-insensitive disks
const MAX_TRIES = 100;
const NAME_MAX_BYTES = 255; // NAME_MAX on Linux and macOS; Windows allows 255 UTF-16 units
const IS_WINDOWS = process.platform === 'win32';
const { O_CREAT, O_EXCL, O_RDWR, O_NOFOLLOW = 0 } = fs.constants;
const OPEN_FLAGS = O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW;

/**
 * Seams for tests: where the random part of a name comes from, how a path is removed and
 * how long to wait between removal attempts. Not part of the public API.
 * @internal
 */
export const temporaryPathInternals = {
  randomPart: randomName,
  rm: removePath,
  rmSync: removePathSync,
  retryDelayMs: 100,
};

const CONSTRUCT = Symbol('TemporaryPath.construct');

/**
 * A path to a fresh, private, closed file (the original Python API's `orionclient.utils.TemporaryPath`):
 * safe cross-platform where an open temporary file is not, because no handle stays open.
 *
 * The file is created exclusively (`O_CREAT | O_EXCL`, and `O_NOFOLLOW` where the platform
 * has it) with mode `0600`, under an unguessable name, and closed at once. Disposal removes
 * whatever is at the path then (a file, or a directory the caller put there); a path that is
 * already gone counts as removed, and a failure to remove becomes a process warning with code
 * `ORIONCLIENT_TEMPORARY_PATH` instead of an exception, so it never hides the body's error.
 *
 * Node.js only (`node:fs`, `node:os`): it is exported by `orionclient/utils`, never by the
 * main entry, which runs wherever `fetch` does.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { TemporaryPath } from 'orionclient/utils';
 *
 * {
 *   await using temporary = await TemporaryPath.create({ suffix: 'bar' });
 *   await writeFile(temporary.path, 'data');
 * } // removed here
 * ```
 */
export class TemporaryPath {
  /** The absolute path of the file: `dir` + `prefix` + 13 random `[a-z0-9]` + `suffix`. */
  readonly path: string;
  readonly #delete: boolean;
  #state: 'owned' | 'kept' | 'removed' = 'owned';
  #removing: Promise<void> | undefined;

  private constructor(token: symbol, path: string, deleteOnDispose: boolean) {
    if (token !== CONSTRUCT) {
      throw new TypeError('Use `TemporaryPath.create()` or `TemporaryPath.createSync()`');
    }
    this.path = path;
    this.#delete = deleteOnDispose;
  }

  /** Creates the file and resolves to its owner; use it with `await using`. */
  static async create(options?: TemporaryPathOptions): Promise<TemporaryPath> {
    const o = checkOptions(options);
    const path = await createExclusive(o, await realDir(o.dir));
    return new TemporaryPath(CONSTRUCT, path, o.delete);
  }

  /** Creates the file and returns its owner; use it with `using`. */
  static createSync(options?: TemporaryPathOptions): TemporaryPath {
    const o = checkOptions(options);
    const path = createExclusiveSync(o, realDirSync(o.dir));
    return new TemporaryPath(CONSTRUCT, path, o.delete);
  }

  /** The path, so the object can stand where a string is expected. */
  toString(): string {
    return this.path;
  }

  /**
   * Gives up ownership: disposal and {@link TemporaryPath.remove} leave the file alone from
   * now on. Returns the path. Throws if the path was already removed.
   */
  keep(): string {
    if (this.#state === 'removed' || this.#removing !== undefined) {
      throw new Error(
        `Cannot keep temporary path ${JSON.stringify(this.path)}: it was already removed`,
      );
    }
    this.#state = 'kept';
    return this.path;
  }

  /**
   * Removes the path (recursively if a directory was put there). Idempotent; a path that is
   * already gone counts as removed. Unlike disposal it rejects when removal fails, and a
   * later call tries again.
   */
  remove(): Promise<void> {
    if (this.#state !== 'owned') return Promise.resolve();
    this.#removing ??= removeWithRetry(this.path, temporaryPathInternals).then(
      () => {
        this.#state = 'removed';
        this.#removing = undefined;
      },
      (error: unknown) => {
        this.#removing = undefined;
        throw error;
      },
    );
    return this.#removing;
  }

  /** {@link TemporaryPath.remove}, synchronously; throws when removal fails. */
  removeSync(): void {
    if (this.#state !== 'owned') return;
    removeWithRetrySync(this.path, temporaryPathInternals);
    this.#state = 'removed';
  }

  /** Removes the path unless `delete: false` or kept; never throws (failures become warnings). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#delete) return;
    try {
      await this.remove();
    } catch (error) {
      warnCleanupFailed(this.path, error);
    }
  }

  /** The same as `[Symbol.asyncDispose]`, synchronously; for `using`. */
  [Symbol.dispose](): void {
    if (!this.#delete) return;
    try {
      this.removeSync();
    } catch (error) {
      warnCleanupFailed(this.path, error);
    }
  }
}

/**
 * Calls `fn` with the path of a fresh temporary file and resolves to what `fn` returns;
 * the path is removed afterwards (unless `delete: false`), whether `fn` returns or throws.
 * A cleanup failure becomes a process warning, so `fn`'s own error reaches the caller intact.
 *
 * @example
 * ```ts
 * import { stat, writeFile } from 'node:fs/promises';
 * import { withTemporaryPath } from 'orionclient/utils';
 *
 * const size = await withTemporaryPath(async (path) => {
 *   await writeFile(path, 'data');
 *   return (await stat(path)).size;
 * }, { suffix: '.json' });
 * ```
 */
export async function withTemporaryPath<T>(
  fn: (path: string) => T | PromiseLike<T>,
  options?: TemporaryPathOptions,
): Promise<Awaited<T>> {
  if (typeof fn !== 'function') {
    throw new TypeError(`\`fn\` must be a function, got ${show(fn)} (${typeof fn})`);
  }
  const temporary = await TemporaryPath.create(options);
  try {
    return await fn(temporary.path);
  } finally {
    await temporary[Symbol.asyncDispose]();
  }
}

interface Checked {
  prefix: string;
  suffix: string;
  dir: string | undefined;
  delete: boolean;
}

function checkOptions(options: unknown): Checked {
  const o = checkKeys('TemporaryPath options', options, OPTION_KEYS);
  const prefix = checkAffix('prefix', o.prefix === undefined ? 'tmp' : o.prefix);
  const suffix = checkAffix('suffix', o.suffix === undefined ? '' : o.suffix);
  const bytes = Buffer.byteLength(prefix + suffix);
  if (bytes > NAME_MAX_BYTES - RANDOM_LENGTH) {
    throw new RangeError(
      `\`prefix\` and \`suffix\` together must be at most ${NAME_MAX_BYTES - RANDOM_LENGTH} bytes in UTF-8 (a file name is at most ${NAME_MAX_BYTES}), got ${bytes}`,
    );
  }
  const deleteOnDispose = checkBoolean('delete', o.delete === undefined ? true : o.delete);
  if (o.dir !== undefined && (typeof o.dir !== 'string' || o.dir === '')) {
    const error = typeof o.dir === 'string' ? RangeError : TypeError;
    throw new error(`\`dir\` must be a non-empty string, got ${show(o.dir)} (${typeof o.dir})`);
  }
  // No path can hold NUL; the file system calls would fail with a less helpful error.
  if (typeof o.dir === 'string' && o.dir.includes('\0')) {
    throw new RangeError(`\`dir\` must not contain a NUL character, got ${show(o.dir)}`);
  }
  return { prefix, suffix, dir: o.dir, delete: deleteOnDispose };
}

// Each affix must keep the name one path component inside `dir`, whatever the platform.
const AFFIX_RULES: ReadonlyArray<readonly [(value: string) => boolean, string]> = [
  [(v) => /[/\\]/.test(v), 'not contain a path separator (/ or \\)'],
  [(v) => v.includes('\0'), 'not contain a NUL character'],
  [(v) => v === '.' || v === '..', 'not be `.` or `..`'],
  [(v) => nodePath.isAbsolute(v), 'not be an absolute path'],
  // `C:x` is drive-relative and `name:x` names an alternate data stream on Windows.
  [(v) => IS_WINDOWS && v.includes(':'), 'not contain `:` on Windows'],
  // A lone surrogate would be written as U+FFFD: the name on disk would differ from `path`.
  [(v) => Buffer.from(v).toString() !== v, 'be well-formed Unicode (no lone surrogates)'],
];

function checkAffix(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`\`${name}\` must be a string, got ${show(value)} (${typeof value})`);
  }
  for (const [broken, rule] of AFFIX_RULES) {
    if (broken(value)) throw new RangeError(`\`${name}\` must ${rule}, got ${show(value)}`);
  }
  return value;
}

/** 13 characters of `[a-z0-9]`, by rejection sampling so that no character is favoured. */
function randomName(): string {
  let name = '';
  while (name.length < RANDOM_LENGTH) {
    if (poolAt === pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const byte = pool[poolAt++] as number;
    // 252 = 7 × 36: bytes 252–255 would favour the first four characters.
    if (byte < 252) name += ALPHABET[byte % 36];
  }
  return name;
}

/** Random bytes drawn 512 at a time: one `randomBytes` call per name cost more than the name. */
const pool = Buffer.alloc(512);
let poolAt = pool.length;

function candidate(dir: string, prefix: string, suffix: string): string {
  const path = nodePath.join(dir, `${prefix}${temporaryPathInternals.randomPart()}${suffix}`);
  // The affix checks make this impossible; the guard keeps it impossible if they change.
  if (nodePath.dirname(path) !== dir) {
    throw new RangeError(
      `\`prefix\`/\`suffix\` would place the file outside \`dir\`: ${JSON.stringify(path)}`,
    );
  }
  return path;
}

/** Whether `open` failing with `error` means that the name is taken, so another should be tried. */
function nameTaken(error: unknown, path: string): boolean {
  const code = codeOf(error);
  if (code === 'EEXIST') return true;
  // Windows reports a directory at the name as access denied (Python retries the same way).
  if (!IS_WINDOWS || (code !== 'EACCES' && code !== 'EPERM')) return false;
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exhausted(dir: string): Error {
  return Object.assign(
    new Error(
      `Could not create a temporary file in ${JSON.stringify(dir)}: ${MAX_TRIES} names were taken`,
    ),
    { code: 'EEXIST' },
  );
}

async function createExclusive(o: Checked, dir: string): Promise<string> {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const path = candidate(dir, o.prefix, o.suffix);
    try {
      await openAndCloseAsync(path);
      return path;
    } catch (error) {
      if (!nameTaken(error, path)) throw openError(o.dir, dir, error);
    }
  }
  throw exhausted(dir);
}

function createExclusiveSync(o: Checked, dir: string): string {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const path = candidate(dir, o.prefix, o.suffix);
    try {
      const fd = fs.openSync(path, OPEN_FLAGS, 0o600);
      closeOrUnlinkSync(fd, path);
      return path;
    } catch (error) {
      if (!nameTaken(error, path)) throw openError(o.dir, dir, error);
    }
  }
  throw exhausted(dir);
}

/** A raw descriptor rather than a FileHandle: it is closed at once, so nothing else is needed. */
function openAndCloseAsync(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(path, OPEN_FLAGS, 0o600, (openError, fd) => {
      if (openError) reject(openError);
      // A file that could not be closed is not handed out, so it must not stay behind.
      else fs.close(fd, (error) => (error ? fs.unlink(path, () => reject(error)) : resolve()));
    });
  });
}

function closeOrUnlinkSync(fd: number, path: string): void {
  try {
    fs.closeSync(fd);
  } catch (error) {
    fs.rmSync(path, { force: true });
    throw error;
  }
}
