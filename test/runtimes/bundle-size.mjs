// Bundle size of the main entry beside ky's, p-retry's and cockatiel's: each bundled by
// esbuild for the browser (ESM, minified, nothing external) and gzipped at level 9. The
// peers are installed from the npm registry into a temporary folder, removed afterwards.
// Run with `npm run bench:bundle` (it builds dist/ first); prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The versions the benchmarks in bench/ compare against. */
const PEERS = ['ky@2.1.0', 'p-retry@9.0.0', 'cockatiel@4.0.0'];
const entry = JSON.stringify(join(root, 'dist/index.js'));

/** What each row bundles: the whole entry, and what a typical caller imports. */
const ROWS = [
  ['orionclient', 'whole main entry', `export * from ${entry};`],
  ['orionclient', '`Session`', `export { Session } from ${entry};`],
  ['orionclient', '`retry`', `export { retry } from ${entry};`],
  ['ky', 'whole entry', "export * from 'ky'; export { default } from 'ky';"],
  ['p-retry', 'whole entry', "export * from 'p-retry'; export { default } from 'p-retry';"],
  ['cockatiel', 'whole entry', "export * from 'cockatiel';"],
  [
    'cockatiel',
    '`retry`, `handleAll`, `ExponentialBackoff`',
    "export { retry, handleAll, ExponentialBackoff } from 'cockatiel';",
  ],
];

const scratch = mkdtempSync(join(tmpdir(), 'orionclient-size-'));
try {
  writeFileSync(join(scratch, 'package.json'), '{ "private": true, "type": "module" }');
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--silent', ...PEERS],
    { cwd: scratch, stdio: 'inherit' },
  );
  const versionOf = (name) =>
    name === 'orionclient'
      ? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
      : JSON.parse(readFileSync(join(scratch, 'node_modules', name, 'package.json'), 'utf8'))
          .version;

  console.log('| package | what is imported | minified bytes | minified + gzip bytes |');
  console.log('| --- | --- | ---: | ---: |');
  for (const [name, what, source] of ROWS) {
    const file = join(scratch, 'entry.js');
    writeFileSync(file, `${source}\n`);
    const result = await build({
      entryPoints: [file],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'warning',
      absWorkingDir: scratch,
    });
    const code = result.outputFiles[0].contents;
    const gzip = gzipSync(code, { level: 9 }).length;
    console.log(`| ${name} ${versionOf(name)} | ${what} | ${code.length} | ${gzip} |`);
  }
  console.log(`\nesbuild ${esbuildVersion}, Node ${process.version}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
