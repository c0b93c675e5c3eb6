/** Where the benchmarks read and write, found from this file (in the sources or the build). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findBench(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === 'orionclient-bench')
      return dir;
    if (dirname(dir) === dir) throw new Error(`no orionclient-bench package.json above ${from}`);
  }
}

/** The bench package (`bench/`). */
export const BENCH = findBench(dirname(fileURLToPath(import.meta.url)));
/** The repository. */
export const ROOT = dirname(BENCH);
/** Committed results: `<name>.jsonl` and `<name>.meta.json`. */
export const RESULTS = join(BENCH, 'results');
/** The document whose marked regions the benchmarks regenerate. */
export const DOC = join(ROOT, 'docs/benchmarks.md');
/** The plots it shows. */
export const IMG = join(ROOT, 'docs/img');
