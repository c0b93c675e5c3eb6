/**
 * Removing a temporary path: a file, or whatever the user put in its place. A missing
 * path counts as removed; errors that another process causes for a moment (Windows) are
 * retried; a failure to clean up becomes a process warning.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

const REMOVE_ATTEMPTS = 10;
const WARNING_CODE = 'ORIONCLIENT_TEMPORARY_PATH';
// On Windows another process (an antivirus, an indexer) briefly holding the file gives these;
// on POSIX, EPERM and EACCES are lasting permission errors that waiting does not fix.
const TRANSIENT = new Set(
  process.platform === 'win32' ? ['EBUSY', 'EPERM', 'EACCES', 'ENOTEMPTY'] : ['EBUSY', 'ENOTEMPTY'],
);
// The file cannot be at the path any more: the user moved it, or moved its directory away.
const GONE = new Set(['ENOENT', 'ENOTDIR']);

// `unlink` removes the file (or a symlink put in its place) in one call; a directory put
// there takes `rm`, `recursive` for its contents and `force` so that ENOENT is success.
const RM_OPTIONS = { recursive: true, force: true } as const;
const IS_DIRECTORY = new Set(['EISDIR', 'EPERM', 'EACCES']); // Linux, macOS, Windows

export async function removePath(path: string): Promise<void> {
  try {
    await fsp.unlink(path);
  } catch (error) {
    if (!IS_DIRECTORY.has(codeOf(error))) throw error;
    await fsp.rm(path, RM_OPTIONS);
  }
}

export function removePathSync(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch (error) {
    if (!IS_DIRECTORY.has(codeOf(error))) throw error;
    fs.rmSync(path, RM_OPTIONS);
  }
}

/** How a path is removed and how long to wait between attempts (tests replace them). */
export interface RemovalSeams {
  rm(path: string): Promise<void>;
  rmSync(path: string): void;
  retryDelayMs: number;
}

/** Removes `path`; a missing path is done, a transient error is retried a few times. */
export async function removeWithRetry(path: string, seams: RemovalSeams): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await seams.rm(path);
      return;
    } catch (error) {
      if (removalDone(error, attempt)) return;
      await new Promise((resolve) => setTimeout(resolve, seams.retryDelayMs));
    }
  }
}

/** {@link removeWithRetry}, blocking. */
export function removeWithRetrySync(path: string, seams: RemovalSeams): void {
  for (let attempt = 1; ; attempt++) {
    try {
      seams.rmSync(path);
      return;
    } catch (error) {
      if (removalDone(error, attempt)) return;
      const cell = new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(cell, 0, 0, seams.retryDelayMs);
    }
  }
}

/** After a failed attempt: true if the path is gone anyway, false to retry; else rethrows. */
function removalDone(error: unknown, attempt: number): boolean {
  if (GONE.has(codeOf(error))) return true;
  if (TRANSIENT.has(codeOf(error)) && attempt < REMOVE_ATTEMPTS) return false;
  throw error;
}

/** A cleanup failure is reported, never thrown: it must not hide the guarded body's error. */
export function warnCleanupFailed(path: string, error: unknown): void {
  process.emitWarning(
    `Could not remove temporary path ${JSON.stringify(path)}: ${messageOf(error)}`,
    {
      type: 'TemporaryPathWarning',
      code: WARNING_CODE,
      detail: 'The path is left on disk; remove it yourself or check its permissions.',
    },
  );
}

export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
