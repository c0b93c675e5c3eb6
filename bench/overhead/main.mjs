// Entry of `npm run bench:overhead`: compiles the benchmark (and the sources it imports)
// with tsc, then runs it on Node.js 22 or later, through `npx node@24` when this Node.js is
// older (the peers got 16, ky 2, undici 8 and p-retry 9 need Node.js 22).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const built = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);

const entry = join(here, '../../node_modules/.cache/orionclient-overhead/bench/overhead/run.js');
const args = [...process.argv.slice(2), `--root=${join(here, '..', '..')}`];
const major = Number(process.versions.node.split('.')[0]);
const run =
  major >= 22
    ? spawnSync(process.execPath, [entry, ...args], { stdio: 'inherit' })
    : spawnSync('npx', ['-y', '-p', 'node@24', '--', 'node', entry, ...args], {
        stdio: 'inherit',
        shell: process.platform === 'win32',
      });
process.exit(run.status ?? 1);
