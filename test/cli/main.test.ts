import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { buildCli, memoryIo, runCli } from './helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('orionclient', () => {
  it('prints the package version with --version', async () => {
    const m = memoryIo();
    expect(await main(['--version'], m.io)).toBe(0);
    expect(m.stdout().trim()).toBe(pkg.version);
  });

  it('lists the commands and documents every exit code in --help', async () => {
    const m = memoryIo();
    expect(await main(['--help'], m.io)).toBe(0);
    const help = m.stdout();
    expect(help).toContain('schedule');
    for (const code of ['0', '1', '2', '3', '4', '130'])
      expect(help).toMatch(new RegExp(`^  ${code} `, 'm'));
  });

  it('prints a command help with `help <command>` and with `<command> --help`', async () => {
    const a = memoryIo();
    const b = memoryIo();
    expect(await main(['help', 'schedule'], a.io)).toBe(0);
    expect(await main(['schedule', '--help'], b.io)).toBe(0);
    expect(a.stdout()).toContain('Usage: orionclient schedule');
    expect(b.stdout()).toBe(a.stdout());
  });

  it('exits 2 and shows the help for no command or an unknown one', async () => {
    const none = memoryIo();
    const unknown = memoryIo();
    expect(await main([], none.io)).toBe(2);
    expect(await main(['shedule'], unknown.io)).toBe(2);
    expect(none.stderr()).toContain('Usage: orionclient <command>');
    expect(unknown.stderr()).toMatch(/^orionclient: unknown command 'shedule'/);
  });
});

describe('the built orionclient executable', () => {
  let cli = '';
  beforeAll(() => {
    cli = buildCli();
  }, 60_000);

  it('starts with a node shebang', () => {
    expect(readFileSync(cli, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('prints the seed schedule as JSON in a child process', async () => {
    const result = await runCli(cli, ['schedule', '--json']);
    expect(result.code).toBe(0);
    const p = JSON.parse(result.stdout.toString());
    expect([p.retries, p.total]).toEqual([10, 192.2]);
  });

  it('exits 2 for an unknown flag in a child process, naming it', async () => {
    const result = await runCli(cli, ['schedule', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stdout.length).toBe(0);
    expect(result.stderr).toMatch(/^orionclient schedule: unknown flag --bogus\n/);
  });
});
