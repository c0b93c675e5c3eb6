import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../src/retry/policy.js';
import { profiles } from '../src/retry/profiles.js';
import { type FaultServer, startFaultServer } from './support/fault-server.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const seconds = (x: number) => (x === Number.POSITIVE_INFINITY ? 'unlimited' : `${x} s`);
const cells: Record<string, (p: Policy) => string> = {
  base: (p) => seconds(p.base),
  cap: (p) => seconds(p.cap),
  earlyCap: (p) =>
    Object.entries(p.earlyCap)
      .map(([s, { retries, cap }]) => `${s}: first ${retries} at ${seconds(cap)}`)
      .join(', ') || 'none',
  retries: (p) => String(p.retries),
  retriesByStatus: (p) =>
    Object.entries(p.retriesByStatus)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', '),
  transientStatuses: (p) => p.transientStatuses.join(', '),
  retryTimeout: (p) => seconds(p.retryTimeout),
  requestTimeout: (p) => seconds(p.requestTimeout),
  maxRetryAfter: (p) => seconds(p.maxRetryAfter),
  jitter: (p) => p.jitter,
};

describe('README', () => {
  it('opens with the demo command and the test command', () => {
    const opening = readme.split('\n').slice(0, 6).join('\n');
    expect(opening).toContain('npm ci && npm run demo');
    expect(opening).toContain('npm ci && npm test');
  });

  it('states every profile default as the profile constants hold it', () => {
    const section = readme.slice(
      readme.indexOf('## Profiles'),
      readme.indexOf('## How retries behave'),
    );
    const rows = new Map(
      section
        .split('\n')
        .filter((line) => /^\| `\w+` +\|/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()))
        .map(([, option, non, inter]) => [option!.replaceAll('`', ''), [non, inter]]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(cells).sort());
    for (const [option, cell] of Object.entries(cells)) {
      expect(rows.get(option), option).toEqual([
        cell(profiles.nonInteractive),
        cell(profiles.interactive),
      ]);
    }
  });

  describe('examples', () => {
    let server: FaultServer;
    let dir: string;
    beforeAll(async () => {
      server = await startFaultServer();
      server.route('/v1/jobs/42', [{ status: 503 }, { status: 200, body: '{"id":42}' }]);
      server.route('/v1/report', [{ status: 200, body: 'report' }]);
      dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.readme-'));
    });
    afterAll(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    it('has TypeScript examples', () => expect(blocks.length).toBeGreaterThanOrEqual(5));

    blocks.forEach((code, i) => {
      it(`example ${i + 1} runs against the local server and its comments hold`, async () => {
        const entry = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));
        const source = code
          .replaceAll("from 'orionclient/utils'", `from '${entry('utils.js')}'`)
          .replaceAll("from 'orionclient/testing'", `from '${entry('testing/fault-server.js')}'`)
          .replaceAll("from 'orionclient/undici'", `from '${entry('undici/index.js')}'`)
          .replaceAll("from 'orionclient'", `from '${entry('index.js')}'`)
          .replaceAll('https://api.example.com', server.url);
        const logged: unknown[][] = [];
        const file = join(dir, `example-${i}.ts`);
        const lines = source.split('\n');
        const imports = lines.filter((l) => l.startsWith('import '));
        const body = lines.filter((l) => !l.startsWith('import '));
        const signature =
          'export async function run(console: { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void })';
        writeFileSync(file, `${imports.join('\n')}\n${signature} {\n${body.join('\n')}\n}\n`);
        const { run } = await import(file);
        await run({
          log: (...a: unknown[]) => logged.push(a),
          error: (...a: unknown[]) => logged.push(a),
        });
        // Each `console.log(x); // value` comment is checked against what was logged.
        const expectations = [
          ...code.matchAll(/console\.log\((.*)\); \/\/ ([^:\n]+?)(?::|$)/gm),
        ].map((m) => m[2]!.trim());
        for (const expected of expectations) {
          const value = expected.split(/[;,] /).at(-1)!;
          if (/^[\d.]+$/.test(value)) expect(logged.flat().map(String)).toContain(value);
        }
        expect(logged.length).toBeGreaterThan(0);
      });
    });
  });
});
