/**
 * The README's `Session` and `retry` examples, on Deno and on Bun, against the fault
 * server: the built main entry loads, retries, and publishes on the diagnostics channel
 * there too. Each runtime comes from its npm package through `npx` (pinned versions, the
 * first run downloads them from the npm registry).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const entry = join(root, 'dist/index.js');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first `ts` block of the README section under `heading`. */
function example(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !block) throw new Error(`README has no ts example under ${heading}`);
  return block[1]!;
}

/** Publishes one retry and counts what the channel delivered. */
const channelCheck = `import diagnostics from 'node:diagnostics_channel';
import { retry } from 'orionclient';

const events: unknown[] = [];
diagnostics.subscribe('orionclient:retry', (event) => void events.push(event));
const busy = Object.assign(new Error('busy'), { status: 503 });
await retry(async ({ attempt }) => (attempt === 1 ? Promise.reject(busy) : 'ok'), { base: 0.01 });
console.log(\`channel events: \${events.length}\`);
`;

const runtimes = [
  {
    name: 'Deno',
    command: [
      '-p',
      'deno@2.9.6',
      '--',
      'deno',
      'run',
      '--no-config',
      '--allow-net=127.0.0.1',
      '--allow-read',
    ],
    agent: /^Deno\/2\.9\.6/,
  },
  { name: 'Bun', command: ['-p', 'bun@1.4.5', '--', 'bun', 'run'], agent: /^Bun\/1\.4\.5/ },
];

describe.each(runtimes)('on $name', ({ command, agent }) => {
  let server: FaultServer;
  let dir: string;
  beforeAll(async () => {
    server = await startFaultServer();
    dir = mkdtempSync(join(tmpdir(), 'orionclient-runtime-'));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the README's Session and retry examples from dist/index.js, and publishes retries on the diagnostics channel", async () => {
    expect(existsSync(entry), 'dist/index.js (npm test builds it first)').toBe(true);
    server.route('/v1/jobs/42', [{ status: 503 }, { status: 200, body: '{"id":42}' }]);
    const programs = {
      session: example('### Sessions'),
      retry: example('### Any operation: `retry`'),
      channel: channelCheck,
    };
    for (const [name, code] of Object.entries(programs)) {
      const source = code
        .replaceAll("from 'orionclient'", `from '${pathToFileURL(entry).href}'`)
        .replaceAll('https://api.example.com', server.url);
      writeFileSync(join(dir, `${name}.ts`), source);
    }
    writeFileSync(
      join(dir, 'main.ts'),
      `for (const name of ${JSON.stringify(Object.keys(programs))}) {
  console.log(\`--- \${name}\`);
  await import(\`./\${name}.ts\`);
}
`,
    );

    const { stdout, stderr, code } = await run(command, dir);

    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const sections = Object.fromEntries(
      stdout
        .split(/^--- /m)
        .filter(Boolean)
        .map((part) => [part.slice(0, part.indexOf('\n')), part.slice(part.indexOf('\n') + 1)]),
    );
    expect(sections.session).toMatch(/^200 \{\s*id: 42,?\s*\}\n$/);
    expect(sections.retry).toBe('done on attempt 1\n');
    expect(sections.channel).toBe('channel events: 1\n');
    const requests = server.requests.filter((r) => r.path === '/v1/jobs/42');
    expect(requests).toHaveLength(2);
    expect(requests[0]!.headers['user-agent']).toMatch(agent);
  }, 180_000);
});

/**
 * Runs `npx -y <command> main.ts` in `dir`, with the runtimes' caches kept inside it. An
 * outer `npx -p node@24` leaves its package in the environment, where the inner `npx`
 * would take it for its own: it is dropped.
 */
function run(
  command: string[],
  dir: string,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const { npm_config_package: _, npm_config_call: __, ...inherited } = process.env;
  const env = {
    ...inherited,
    DENO_DIR: join(dir, '.deno'),
    DENO_NO_UPDATE_CHECK: '1',
    BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0',
    DO_NOT_TRACK: '1',
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['-y', ...command, 'main.ts'],
      { cwd: dir, env, timeout: 170_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
