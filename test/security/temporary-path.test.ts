/**
 * TemporaryPath against a hostile directory: symlinks planted at the names it will try are
 * never followed, the file is private (0600) whatever the umask, and what the links point
 * at is untouched. Also what it does not promise: a process killed with SIGKILL runs no
 * cleanup, so its file stays.
 */
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemporaryPath } from '../../src/fs/temporary-path.js';
import { buildCli } from '../cli/helpers.js';
import { namesFrom, restoreSeams, scratchDirs } from '../fs/helpers.js';

const newDir = scratchDirs();
restoreSeams();

const TAKEN = ['aaaaaaaaaaaaa', 'bbbbbbbbbbbbb', 'ccccccccccccc', 'ddddddddddddd'];

/** A directory whose first four candidate names are symlinks pointing outside it. */
function plantedDir() {
  const root = newDir();
  const dir = join(root, 'dir');
  const outside = join(root, 'outside');
  mkdirSync(dir);
  mkdirSync(outside);
  const victim = join(outside, 'victim');
  writeFileSync(victim, 'victim', { mode: 0o644 });
  const targets = [victim, join(outside, 'missing'), outside, join(dir, 'loop-tmp')];
  for (const [i, name] of TAKEN.entries()) symlinkSync(targets[i]!, join(dir, `tmp${name}`));
  return { dir, outside, victim };
}

describe('symlinks planted at candidate names', () => {
  it.each([
    ['create', (dir: string) => TemporaryPath.create({ dir })],
    ['createSync', async (dir: string) => TemporaryPath.createSync({ dir })],
  ])('%s() skips every one and creates a private regular file of its own', async (_, make) => {
    const { dir, outside, victim } = plantedDir();
    const names = namesFrom(TAKEN);
    const temporary = await make(dir);
    expect(names.calls()).toBe(TAKEN.length + 1);
    expect(dirname(temporary.path)).toBe(dir);
    expect(TAKEN.map((n) => `tmp${n}`)).not.toContain(basename(temporary.path));
    const stats = lstatSync(temporary.path);
    expect(stats.isFile() && !stats.isSymbolicLink()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);

    await writeFile(temporary.path, 'mine');
    await temporary.remove();
    expect(readFileSync(victim, 'utf8')).toBe('victim');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(readdirSync(outside)).toEqual(['victim']);
    expect(readdirSync(dir).sort()).toEqual(TAKEN.map((n) => `tmp${n}`));
  });
});

describe('permissions', () => {
  it.each(['000', '002', '022', '077'])('the file is 0600 under umask %s', async (mask) => {
    const dir = newDir();
    const previous = process.umask(Number.parseInt(mask, 8));
    try {
      await using a = await TemporaryPath.create({ dir });
      using b = TemporaryPath.createSync({ dir });
      expect(statSync(a.path).mode & 0o777).toBe(0o600);
      expect(statSync(b.path).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});

describe('what is not promised', () => {
  it('a process killed with SIGKILL leaves its temporary file behind (no cleanup can run)', () => {
    const dir = newDir();
    const utils = join(dirname(dirname(buildCli())), 'utils.js');
    const script = `
      const { withTemporaryPath } = await import(${JSON.stringify(utils)});
      await withTemporaryPath(async () => {
        process.kill(process.pid, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }, { dir: ${JSON.stringify(dir)} });`;
    const killed = (() => {
      try {
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
        return undefined;
      } catch (error) {
        return (error as { signal?: string }).signal;
      }
    })();
    expect(killed).toBe('SIGKILL');
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
