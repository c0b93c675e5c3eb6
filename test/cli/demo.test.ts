import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli } from './helpers.js';

let cli = '';
beforeAll(() => {
  cli = buildCli();
}, 60_000);

describe('orionclient demo', () => {
  it('runs every scenario against its own fault server, exits 0 and prints the summary table', async () => {
    const r = await runCli(cli, ['demo']);
    const out = r.stdout.toString();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const header = out
      .split('\n')
      .findIndex((l) => /^scenario\s+profile\s+attempts\s+waits\s+outcome$/.test(l));
    expect(header).toBeGreaterThan(0);
    const rows = out.split('\n').slice(header + 1, header + 7);
    expect(rows[0]).toMatch(/^503 burst\s+nonInteractive\s+4\s+.* s\s+200 OK$/);
    expect(rows[1]).toMatch(/^429 Retry-After\s+nonInteractive\s+2\s+(1\.\d|2\.0) s\s+200 OK$/);
    expect(rows[2]).toMatch(/^404 then 200\s+nonInteractive\s+3\s+.*200 OK$/);
    expect(rows[3]).toMatch(/^download cut\s+nonInteractive\s+2\s+.*200 OK, resumed$/);
    expect(rows[4]).toMatch(/^outage 2\.5 s\s+interactive\s+4\s+.*gave up: 503 \(retries\)$/);
    expect(rows[5]).toMatch(/^outage 2\.5 s\s+nonInteractive\s+\d+\s+.*200 OK$/);
    expect(out).toContain('Range: bytes=400000-');
    expect(out).toMatch(/429 Too Many Requests — retry 1\/45 in (1\.\d|2\.0) s \(Retry-After\)/);
    expect(out).toContain('Every scenario ended as expected');
    // Not a terminal: no escape codes.
    expect(out).not.toContain('\x1b');
  }, 40_000);
});
