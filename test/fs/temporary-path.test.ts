import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  TemporaryPath,
  temporaryPathInternals,
  withTemporaryPath,
} from '../../src/fs/temporary-path.js';
import { fsError, namesFrom, restoreSeams, scratchDirs, watchWarnings } from './helpers.js';

const newDir = scratchDirs();
restoreSeams();
const { warnings, settle } = watchWarnings();

const NAME = /^tmp[a-z0-9]{13}$/;

describe('creating', () => {
  test('create() makes an empty 0600 file named tmp + 13 of [a-z0-9] in the real tmpdir', async () => {
    await using temporary = await TemporaryPath.create();
    expect(dirname(temporary.path)).toBe(realpathSync(tmpdir()));
    expect(basename(temporary.path)).toMatch(NAME);
    const stats = statSync(temporary.path);
    expect(stats.isFile()).toBe(true);
    expect(stats.size).toBe(0);
    expect(stats.mode & 0o777).toBe(0o600);
  });

  test('createSync() makes the same kind of file, and `using` removes it', () => {
    let path: string;
    {
      using temporary = TemporaryPath.createSync();
      path = temporary.path;
      expect(basename(path)).toMatch(NAME);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(path)).toBe(false);
  });

  test('the suffix is appended verbatim, with no dot added, as in Python', async () => {
    const dir = newDir();
    await using temporary = await TemporaryPath.create({ suffix: 'bar', prefix: 'pre-', dir });
    expect(basename(temporary.path)).toMatch(/^pre-[a-z0-9]{13}bar$/);
    expect(String(temporary)).toBe(temporary.path);
    expect(`${temporary}`).toBe(temporary.path);
  });

  test('`dir` is resolved to its absolute real path (a symlinked dir gives the target)', async () => {
    const real = newDir();
    const link = join(newDir(), 'link');
    symlinkSync(real, link);
    await using temporary = await TemporaryPath.create({ dir: link });
    expect(dirname(temporary.path)).toBe(real);
  });

  test('a name that is taken is never opened: the next name is tried and the file is untouched', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'tmptaken'), 'planted');
    const names = namesFrom(['taken', 'fresh']);
    await using temporary = await TemporaryPath.create({ dir });
    expect(temporary.path).toBe(join(dir, 'tmpfresh'));
    expect(names.calls()).toBe(2);
    expect(readFileSync(join(dir, 'tmptaken'), 'utf8')).toBe('planted');
  });

  test('createSync() also skips a taken name without opening it', () => {
    const dir = newDir();
    writeFileSync(join(dir, 'tmptaken'), 'planted');
    namesFrom(['taken', 'fresh']);
    using temporary = TemporaryPath.createSync({ dir });
    expect(temporary.path).toBe(join(dir, 'tmpfresh'));
    expect(readFileSync(join(dir, 'tmptaken'), 'utf8')).toBe('planted');
  });

  test.each([
    ['create', (dir: string) => TemporaryPath.create({ dir })],
    ['createSync', async (dir: string) => TemporaryPath.createSync({ dir })],
  ])('%s() never follows a symlink planted at a candidate name', async (_, make) => {
    const dir = newDir();
    const outside = newDir();
    const existing = join(outside, 'existing');
    const missing = join(outside, 'missing');
    writeFileSync(existing, 'target');
    symlinkSync(existing, join(dir, 'tmplinked'));
    symlinkSync(missing, join(dir, 'tmpdangling'));
    namesFrom(['linked', 'dangling', 'fresh']);
    await using temporary = await make(dir);
    expect(temporary.path).toBe(join(dir, 'tmpfresh'));
    expect(readFileSync(existing, 'utf8')).toBe('target');
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(outside)).toEqual(['existing']);
    expect(lstatSync(join(dir, 'tmpdangling')).isSymbolicLink()).toBe(true);
  });

  test('after 100 taken names creation fails with EEXIST instead of looping forever', async () => {
    const dir = newDir();
    writeFileSync(join(dir, 'tmpsame'), '');
    const names = namesFrom(Array(200).fill('same'));
    await expect(TemporaryPath.create({ dir })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(names.calls()).toBe(100);
    expect(() => TemporaryPath.createSync({ dir })).toThrow(/100 names were taken/);
  });

  test('10,000 concurrent creations give 10,000 distinct files, all removed afterwards', async () => {
    const dir = newDir('inMemory');
    const made = await Promise.all(
      Array.from({ length: 10_000 }, () => TemporaryPath.create({ dir })),
    );
    expect(new Set(made.map((t) => t.path)).size).toBe(10_000);
    expect(readdirSync(dir)).toHaveLength(10_000);
    await Promise.all(made.map((t) => t[Symbol.asyncDispose]()));
    expect(readdirSync(dir)).toEqual([]);
  });

  test('the constructor is not for users: create() and createSync() are', () => {
    const Constructor = TemporaryPath as unknown as new (...args: unknown[]) => unknown;
    expect(() => new Constructor(Symbol('x'), '/tmp/x', true)).toThrow(TypeError);
  });
});

describe('disposing', () => {
  test('withTemporaryPath passes the path of an existing file, returns fn’s result and removes it', async () => {
    let seen = '';
    const result = await withTemporaryPath(
      (path) => {
        seen = path;
        expect(statSync(path).isFile()).toBe(true);
        return 42;
      },
      { suffix: '.json' },
    );
    expect(result).toBe(42);
    expect(seen.endsWith('.json')).toBe(true);
    expect(existsSync(seen)).toBe(false);
    await expect(withTemporaryPath(async () => 'async result')).resolves.toBe('async result');
  });

  test('a throwing callback gets its own error back (the same object) and the file is removed', async () => {
    const error = new Error('body failed');
    let seen = '';
    const run = withTemporaryPath(async (path) => {
      seen = path;
      throw error;
    });
    await expect(run).rejects.toBe(error);
    expect(existsSync(seen)).toBe(false);
  });

  test('a throwing `await using` body keeps its own error and the file is removed', async () => {
    const error = new Error('body failed');
    let seen = '';
    const run = async () => {
      await using temporary = await TemporaryPath.create();
      seen = temporary.path;
      throw error;
    };
    await expect(run()).rejects.toBe(error);
    expect(existsSync(seen)).toBe(false);
  });

  test('a throwing `using` body keeps its own error and the file is removed', () => {
    const error = new Error('body failed');
    let seen = '';
    const run = () => {
      using temporary = TemporaryPath.createSync();
      seen = temporary.path;
      throw error;
    };
    expect(run).toThrow(error);
    expect(existsSync(seen)).toBe(false);
  });

  test('`delete: false` keeps the file on dispose, for all three forms', async () => {
    const kept: string[] = [];
    try {
      await withTemporaryPath((path) => kept.push(path), { delete: false });
      {
        await using a = await TemporaryPath.create({ delete: false });
        using b = TemporaryPath.createSync({ delete: false });
        kept.push(a.path, b.path);
      }
      expect(kept.every((path) => statSync(path).isFile())).toBe(true);
    } finally {
      for (const path of kept) rmSync(path, { force: true });
    }
  });

  test('keep() gives up ownership: it returns the path and neither remove() nor dispose removes it', async () => {
    let path = '';
    try {
      {
        await using temporary = await TemporaryPath.create();
        path = temporary.keep();
        expect(path).toBe(temporary.path);
        await temporary.remove();
        temporary.removeSync();
      }
      expect(statSync(path).isFile()).toBe(true);
    } finally {
      rmSync(path, { force: true });
    }
  });

  test('remove() and removeSync() are idempotent, and keep() after removal throws', async () => {
    const temporary = await TemporaryPath.create();
    await Promise.all([temporary.remove(), temporary.remove()]);
    expect(existsSync(temporary.path)).toBe(false);
    await temporary.remove();
    temporary.removeSync();
    await temporary[Symbol.asyncDispose]();
    expect(() => temporary.keep()).toThrow(/already removed/);
    await settle();
    expect(warnings).toEqual([]);
  });

  test('a file moved away before dispose disposes quietly: no warning, no throw', async () => {
    const elsewhere = join(newDir(), 'moved');
    {
      await using temporary = await TemporaryPath.create();
      renameSync(temporary.path, elsewhere);
    }
    {
      using temporary = TemporaryPath.createSync();
      rmSync(temporary.path);
    }
    await settle();
    expect(warnings).toEqual([]);
    expect(existsSync(elsewhere)).toBe(true);
  });

  test('a directory put at the path is removed with its contents', async () => {
    let path = '';
    {
      await using temporary = await TemporaryPath.create();
      path = temporary.path;
      rmSync(path);
      mkdirSync(join(path, 'nested'), { recursive: true });
      writeFileSync(join(path, 'nested', 'file'), 'x');
    }
    expect(existsSync(path)).toBe(false);
  });

  test('a symlink put at the path is removed, and what it points to is left alone', async () => {
    const target = newDir();
    writeFileSync(join(target, 'keep-me'), 'x');
    let path = '';
    {
      using temporary = TemporaryPath.createSync();
      path = temporary.path;
      rmSync(path);
      symlinkSync(target, path);
    }
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(target)).toEqual(['keep-me']);
  });

  test('an injected EIO from rm becomes a process warning, not an exception, for every form', async () => {
    temporaryPathInternals.rm = async () => Promise.reject(fsError('EIO'));
    temporaryPathInternals.rmSync = () => {
      throw fsError('EIO');
    };
    const error = new Error('body failed');
    const paths: string[] = [];
    try {
      const callback = withTemporaryPath((path) => {
        paths.push(path);
        throw error;
      });
      await expect(callback).rejects.toBe(error);
      const awaitUsing = async () => {
        await using temporary = await TemporaryPath.create();
        paths.push(temporary.path);
        throw error;
      };
      await expect(awaitUsing()).rejects.toBe(error);
      const syncUsing = () => {
        using temporary = TemporaryPath.createSync();
        paths.push(temporary.path);
      };
      expect(syncUsing).not.toThrow();
      await settle();
      expect(warnings).toHaveLength(3);
      for (const [i, warning] of warnings.entries()) {
        expect(warning).toMatchObject({
          name: 'TemporaryPathWarning',
          code: 'ORIONCLIENT_TEMPORARY_PATH',
        });
        expect(warning.message).toContain(paths[i]);
        expect(warning.message).toContain('EIO');
      }
    } finally {
      for (const path of paths) rmSync(path, { force: true });
    }
  });

  test('a real removal failure (the parent replaced by a symlink loop: ELOOP) becomes a warning', async () => {
    const parent = newDir();
    const dir = join(parent, 'dir');
    mkdirSync(dir);
    const temporary = await TemporaryPath.create({ dir });
    rmSync(dir, { recursive: true });
    symlinkSync(dir, dir);
    await expect(temporary.remove()).rejects.toMatchObject({ code: 'ELOOP' });
    await temporary[Symbol.asyncDispose]();
    temporary[Symbol.dispose]();
    await settle();
    expect(warnings.map((w) => w.code)).toEqual([
      'ORIONCLIENT_TEMPORARY_PATH',
      'ORIONCLIENT_TEMPORARY_PATH',
    ]);
    expect(warnings[0]?.message).toContain('ELOOP');
  });

  test('a failed remove() rejects, and a later remove() tries again', async () => {
    const temporary = await TemporaryPath.create();
    const realRm = temporaryPathInternals.rm;
    temporaryPathInternals.rm = async () => {
      temporaryPathInternals.rm = realRm;
      throw fsError('EIO');
    };
    await expect(temporary.remove()).rejects.toMatchObject({ code: 'EIO' });
    expect(existsSync(temporary.path)).toBe(true);
    await temporary.remove();
    expect(existsSync(temporary.path)).toBe(false);
  });

  test('EBUSY is retried, so a briefly busy file is still removed without a warning', async () => {
    temporaryPathInternals.retryDelayMs = 1;
    const realRm = temporaryPathInternals.rm;
    const realRmSync = temporaryPathInternals.rmSync;
    let calls = 0;
    temporaryPathInternals.rm = async (path) => {
      if (++calls < 3) throw fsError('EBUSY');
      return realRm(path);
    };
    temporaryPathInternals.rmSync = (path) => {
      if (++calls < 6) throw fsError('EBUSY');
      realRmSync(path);
    };
    const a = await TemporaryPath.create();
    await a[Symbol.asyncDispose]();
    const b = TemporaryPath.createSync();
    b[Symbol.dispose]();
    expect(calls).toBe(6);
    expect(existsSync(a.path) || existsSync(b.path)).toBe(false);
    await settle();
    expect(warnings).toEqual([]);
  });
});

describe('validating', () => {
  const badAffixes = ['../x', 'a/b', 'a\\b', 'a\0b', '..', '.', '/abs', 'x/..'];

  test.each(
    badAffixes.flatMap((value) => [
      ['prefix', value],
      ['suffix', value],
    ]),
  )('`%s` %j is rejected with a RangeError naming it, by every form', async (name, value) => {
    const dir = newDir();
    const options = { dir, [name]: value };
    const message = new RegExp(`\`${name}\``);
    await expect(TemporaryPath.create(options)).rejects.toThrow(RangeError);
    await expect(TemporaryPath.create(options)).rejects.toThrow(message);
    expect(() => TemporaryPath.createSync(options)).toThrow(message);
    let called = false;
    await expect(withTemporaryPath(() => (called = true), options)).rejects.toThrow(RangeError);
    expect(called).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a non-string prefix or suffix, or a non-boolean delete, is a TypeError naming it', () => {
    expect(() => TemporaryPath.createSync({ prefix: 5 as never })).toThrow(
      /`prefix` must be a string, got 5 \(number\)/,
    );
    expect(() => TemporaryPath.createSync({ suffix: null as never })).toThrow(TypeError);
    expect(() => TemporaryPath.createSync({ delete: 'yes' as never })).toThrow(
      /`delete` must be a boolean, got "yes"/,
    );
  });

  test('prefix and suffix longer than a file name allows are a RangeError', () => {
    expect(() =>
      TemporaryPath.createSync({ prefix: 'x'.repeat(200), suffix: 'y'.repeat(50) }),
    ).toThrow(/`prefix` and `suffix` together must be at most 242 bytes/);
  });

  test('a `dir` that does not exist, or is a file, is a RangeError naming `dir` and the value', async () => {
    const missing = join(newDir(), 'missing');
    const file = join(newDir(), 'file');
    writeFileSync(file, '');
    await expect(TemporaryPath.create({ dir: missing })).rejects.toThrow(
      new RangeError(`\`dir\` must exist, got ${JSON.stringify(missing)}, which does not`),
    );
    expect(() => TemporaryPath.createSync({ dir: missing })).toThrow(RangeError);
    await expect(TemporaryPath.create({ dir: file })).rejects.toThrow(/`dir` must be a directory/);
    expect(() => TemporaryPath.createSync({ dir: file })).toThrow(RangeError);
    expect(() => TemporaryPath.createSync({ dir: join(file, 'below') })).toThrow(
      /`dir` must be a directory/,
    );
    expect(() => TemporaryPath.createSync({ dir: '' })).toThrow(RangeError);
    expect(() => TemporaryPath.createSync({ dir: 7 as never })).toThrow(TypeError);
  });

  test('a `dir` containing NUL is a RangeError naming `dir`, by every form, and creates nothing', async () => {
    const dir = newDir();
    const options = { dir: `${dir}\0/elsewhere` };
    const message = /^`dir` must not contain a NUL character, got "/;
    await expect(TemporaryPath.create(options)).rejects.toThrow(RangeError);
    await expect(TemporaryPath.create(options)).rejects.toThrow(message);
    expect(() => TemporaryPath.createSync(options)).toThrow(RangeError);
    expect(() => TemporaryPath.createSync(options)).toThrow(message);
    await expect(withTemporaryPath(() => 1, options)).rejects.toThrow(RangeError);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('an unknown option key is rejected with a hint', async () => {
    await expect(TemporaryPath.create({ sufix: 'x' } as never)).rejects.toThrow(
      /Unknown option `sufix` in TemporaryPath options; did you mean `suffix`\?/,
    );
    expect(() => TemporaryPath.createSync('x' as never)).toThrow(TypeError);
    await expect(withTemporaryPath('not a function' as never)).rejects.toThrow(
      /`fn` must be a function/,
    );
  });

  test('property: any prefix/suffix either is rejected with TypeError/RangeError or yields a file directly in `dir`', () => {
    const parent = newDir('inMemory');
    const dir = join(parent, 'inside');
    mkdirSync(dir);
    const tricky = fc.constantFrom('/', '\\', '.', '..', '\0', ':', 'a', '\uD800', 'é', '🙂', ' ');
    const affix = fc.oneof(
      { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 5 },
      { arbitrary: fc.string({ unit: tricky, maxLength: 8 }), weight: 3 },
      { arbitrary: fc.string({ unit: 'grapheme', minLength: 40, maxLength: 160 }), weight: 1 },
      fc.constantFrom('', '..', '../x', '/etc/x', 'C:\\x', 'C:x', 'a/../../b'),
    );
    let created = 0;
    fc.assert(
      fc.property(affix, affix, (prefix, suffix) => {
        let temporary: TemporaryPath | undefined;
        try {
          temporary = TemporaryPath.createSync({ dir, prefix, suffix });
        } catch (error) {
          expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
        }
        if (temporary) {
          const name = basename(temporary.path);
          expect(dirname(temporary.path)).toBe(dir);
          expect(name.startsWith(prefix) && name.endsWith(suffix)).toBe(true);
          expect(name.slice(prefix.length, name.length - suffix.length)).toMatch(/^[a-z0-9]{13}$/);
          expect(readdirSync(dir)).toEqual([name]);
          temporary.removeSync();
          created++;
        }
        expect(readdirSync(dir)).toEqual([]);
        expect(readdirSync(parent)).toEqual(['inside']);
      }),
      { numRuns: 1000 },
    );
    // Both outcomes must be exercised, or the property says little about the other one.
    expect(created).toBeGreaterThan(250);
    expect(created).toBeLessThan(900);
  });
});
