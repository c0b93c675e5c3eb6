import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { temporaryPathInternals } from '../../src/fs/temporary-path.js';

/**
 * Fresh real directories for one test each, removed (with anything left in them) afterwards.
 * `inMemory` puts one on tmpfs where there is one, so that thousands of files are cheap.
 */
export function scratchDirs(): (inMemory?: 'inMemory') => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (inMemory) => {
    const base = inMemory && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = realpathSync(mkdtempSync(join(base, 'orionclient-test-')));
    made.push(dir);
    return dir;
  };
}

/** Puts the internal seams back after each test that replaced one. */
export function restoreSeams(): void {
  const original = { ...temporaryPathInternals };
  afterEach(() => {
    Object.assign(temporaryPathInternals, original);
  });
}

/** Makes the random part of names come from `names` in order, then from the real source. */
export function namesFrom(names: readonly string[]): { calls: () => number } {
  const queue = [...names];
  const real = temporaryPathInternals.randomPart;
  let calls = 0;
  temporaryPathInternals.randomPart = () => {
    calls++;
    return queue.shift() ?? real();
  };
  return { calls: () => calls };
}

/** An error such as `fs` throws, with a `code`. */
export function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected failure`), { code });
}

export interface CapturedWarning {
  name: string;
  code: string | undefined;
  message: string;
}

/**
 * Records the process warnings of each test. `process.emitWarning` delivers on a later
 * tick, so `settle()` waits for delivery before the test looks.
 */
export function watchWarnings() {
  const warnings: CapturedWarning[] = [];
  const listener = (warning: Error & { code?: string }) => {
    warnings.push({ name: warning.name, code: warning.code, message: warning.message });
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', listener);
  });
  afterEach(() => {
    process.off('warning', listener);
  });
  return {
    warnings,
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
}
