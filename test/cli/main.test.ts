import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { exitCodes } from '../../src/cli/output.js';
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
    for (const code of ['0', '1', '2', '3', '4', '5', '130'])
      expect(help).toMatch(new RegExp(`^  ${code} `, 'm'));
  });

  it('documents exactly the exit codes the code uses, in --help of get and in the README', async () => {
    const codes = Object.values(exitCodes).sort((a, b) => a - b);
    const m = memoryIo();
    expect(await main(['get', '--help'], m.io)).toBe(0);
    const table = m.stdout().slice(m.stdout().indexOf('Exit codes:'));
    const inHelp = [...table.matchAll(/^ {2}(\d+) /gm)].map((x) => Number(x[1]));
    expect(inHelp).toEqual(codes);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The command line'));
    const sentence = /Exit codes: ([^.]*)\./.exec(section)?.[1] ?? '';
    const inReadme = [...sentence.matchAll(/(?:^|,\s+)(\d+) /g)].map((x) => Number(x[1]));
    expect(inReadme).toEqual(codes);
  });

  it('prints a command help with `help <command>` and with `<command> --help`', async () => {
    const a = memoryIo();
    const b = memoryIo();
    expect(await main(['help', 'schedule'], a.io)).toBe(0);
    expect(await main(['schedule', '--help'], b.io)).toBe(0);
    expect(a.stdout()).toContain('Usage: orionclient schedule');
    expect(b.stdout()).toBe(a.stdout());
  });

  it('exits 2 with the help for no command, and one line and a pointer for an unknown one', async () => {
    const none = memoryIo();
    const unknown = memoryIo();
    expect(await main([], none.io)).toBe(2);
    expect(await main(['shedule'], unknown.io)).toBe(2);
    expect(none.stderr()).toContain('Usage: orionclient <command>');
    expect(unknown.stderr()).toBe(
      "orionclient: unknown command 'shedule'\nTry 'orionclient --help'.\n",
    );
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

  it('prints the original schedule as JSON in a child process', async () => {
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
