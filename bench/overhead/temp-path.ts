/**
 * 4. TemporaryPath: a file created and then removed, per second, async and sync, against
 * `tmp` and `tempy` doing the same with their own APIs (a plain unlink where a library
 * has no removal of its own). All in `os.tmpdir()`.
 *
 * What each one does for safety (see docs/benchmarks.md): TemporaryPath opens with
 * `O_CREAT | O_EXCL | O_NOFOLLOW`, mode 0600, and closes at once; tmp opens with
 * `O_CREAT | O_EXCL`, mode 0600 (after a `stat` of the candidate name); tempy writes with
 * `writeFile` (no `O_EXCL`, no `O_NOFOLLOW`, mode 0644 under umask 022).
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { temporaryWrite, temporaryWriteSync, temporaryWriteTask } from 'tempy';
import tmp from 'tmp';
import { TemporaryPath } from '../library.js';
import { type MicroRow, type MicroTask, runMicro } from './micro.js';
import { num, ratio, table } from './report.js';

export interface TempPathRow extends MicroRow {
  library: 'orionclient' | 'tmp' | 'tempy';
  mode: 'async' | 'sync';
}

export interface TempPathResult {
  rows: TempPathRow[];
  goals: Array<{ goal: string; met: boolean; detail: string }>;
}

const tmpFile = () =>
  new Promise<void>((resolve, reject) => {
    tmp.file({ discardDescriptor: true }, (error, _path, _fd, remove) => {
      if (error) reject(error);
      // The async remove callback takes a completion callback (its typings omit it).
      else (remove as (done: (error?: Error) => void) => void)((e) => (e ? reject(e) : resolve()));
    });
  });

export async function runTempPath(options: {
  rounds: number;
  timeMs: number;
}): Promise<TempPathResult> {
  const tasks: MicroTask[] = [
    {
      name: 'TemporaryPath.create() + remove()',
      fn: async () => {
        const path = await TemporaryPath.create();
        await path.remove();
      },
    },
    { name: 'tmp.file() + removeCallback()', fn: tmpFile },
    {
      name: 'tempy temporaryWrite() + unlink',
      fn: async () => {
        await fsp.unlink(await temporaryWrite(''));
      },
    },
    { name: 'tempy temporaryWriteTask()', fn: () => temporaryWriteTask('', () => {}) },
    {
      name: 'TemporaryPath.createSync() + removeSync()',
      fn: () => {
        TemporaryPath.createSync().removeSync();
      },
    },
    {
      name: 'tmp.fileSync() + removeCallback()',
      fn: () => {
        tmp.fileSync({ discardDescriptor: true }).removeCallback();
      },
    },
    {
      name: 'tempy temporaryWriteSync() + unlinkSync',
      fn: () => {
        fs.unlinkSync(temporaryWriteSync(''));
      },
    },
  ];
  const measured = await runMicro(tasks, { ...options, iterations: 50 });
  const rows: TempPathRow[] = measured.map((r) => ({
    ...r,
    library: r.name.startsWith('TemporaryPath')
      ? 'orionclient'
      : r.name.startsWith('tmp')
        ? 'tmp'
        : 'tempy',
    mode: /Sync\(/.test(r.name) ? 'sync' : 'async',
  }));
  const goals = (['async', 'sync'] as const).map((mode) => {
    const same = rows.filter((r) => r.mode === mode);
    const ours = same.find((r) => r.library === 'orionclient');
    const best = same
      .filter((r) => r.library !== 'orionclient')
      .reduce((a, b) => (b.opsPerSecond > a.opsPerSecond ? b : a));
    const x = (ours?.opsPerSecond ?? 0) / best.opsPerSecond;
    return {
      goal: `TemporaryPath ${mode} ≥ 1.0 × the faster of tmp and tempy`,
      met: x >= 1,
      detail: `${num(ours?.opsPerSecond ?? 0)}/s vs ${best.name} ${num(best.opsPerSecond)}/s (${ratio(x)})`,
    };
  });
  return { rows, goals };
}

export function tempPathTable(result: TempPathResult): string {
  return table(
    ['create + remove', 'mode', 'ops/s', '± %', 'vs fastest peer', 'samples'],
    result.rows.map((r) => {
      const best = Math.max(
        ...result.rows
          .filter((x) => x.mode === r.mode && x.library !== 'orionclient')
          .map((x) => x.opsPerSecond),
      );
      return [
        r.name,
        r.mode,
        num(r.opsPerSecond),
        num(r.rme, 1),
        ratio(r.opsPerSecond / best),
        String(r.samples),
      ];
    }),
  );
}
