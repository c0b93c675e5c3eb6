// Runs a script of bench/package.json from the repository (`npm run bench:fleet -- --quick`
// is `node bench/run.mjs fleet --quick`): installs the bench package's dependencies when
// they are missing or older than its lockfile, then runs the script on Node.js 22.19 or
// later, through `npx node@24` when this Node.js is older (the peers need it). Scripts that
// use no peer (the soak) run on this Node.js.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node bench/run.mjs <script of bench/package.json> [arguments]');
  process.exit(2);
}
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const recent = major > 22 || (major === 22 && minor >= 19);
const anyNode = new Set(['soak']);

function run(command, onNode24) {
  const argv = onNode24 && !recent ? ['npx', '-y', '-p', 'node@24', '--', ...command] : command;
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd: bench,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const installed = join(bench, 'node_modules/.package-lock.json');
const lockfile = join(bench, 'package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lockfile).mtimeMs) {
  console.error('bench: installing its dependencies (npm ci in bench/)');
  run(['npm', 'ci', '--no-audit', '--no-fund'], true);
}
run(['npm', 'run', '--silent', script, '--', ...args], !anyNode.has(script));
