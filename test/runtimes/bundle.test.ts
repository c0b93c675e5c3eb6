/**
 * Bundling for the browser: the main entry needs no Node built-in, while the Node-only
 * entries are refused by the same check (so the check can tell them apart).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const scratch = mkdtempSync(join(tmpdir(), 'orionclient-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Bundles `entry` as a browser build would; nothing is marked external. */
function bundleForBrowser(entry: string) {
  return build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
}

describe('a browser bundle', () => {
  it('of the main entry resolves every import without a Node built-in, and esbuild says nothing', async () => {
    const result = await bundleForBrowser(join(dist, 'index.js'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter((i) => i.external || /^node:|^[a-z_]+$/.test(i.path))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).every((file) => file.startsWith('dist/'))).toBe(
      true,
    );
  });

  it('fails on a Node built-in that is not marked external, so the check above can fail', async () => {
    const probe = join(scratch, 'probe.js');
    writeFileSync(probe, "import { tmpdir } from 'node:os';\nexport const dir = tmpdir();\n");
    await expect(bundleForBrowser(probe)).rejects.toThrow(/Could not resolve "node:os"/);
  });

  it.each([
    ['orionclient/utils (TemporaryPath)', 'utils.js', /Could not resolve "node:fs/],
    ['orionclient/testing (the fault server)', 'testing/fault-server.js', /"node:http"/],
  ])('of %s fails: that entry is Node-only', async (_, file, message) => {
    await expect(bundleForBrowser(join(dist, file))).rejects.toThrow(message);
  });
});
