import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from './helpers.js';

async function schedule(...args: string[]) {
  const m = memoryIo();
  const code = await main(['schedule', ...args], m.io);
  return { code, stdout: m.stdout(), stderr: m.stderr() };
}

async function scheduleJson(...args: string[]) {
  const { code, stdout } = await schedule(...args, '--json');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

// The numbers below are the original documentation's ("Orion Client Utilities"), not the
// code's: the nonInteractive profile with no option set.
describe('orionclient schedule, against the original documentation', () => {
  it('prints 10 retries in 192.2 s for a transient failure, with the original sum verbatim', async () => {
    const { code, stdout, stderr } = await schedule();
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('0.2 + 0.4 + 0.8 + 1.6 + 3.2 + 6.4 + 12.8 + 25.6 + 51.2 + 90 = 192.2');
    expect(stdout).toContain('10 retries in 192.2 s');
    expect(stdout).toMatch(/stops: retries/);
    expect(stdout).not.toContain('earlyCap');
    const rows = stdout.split('\n').filter((l) => /^\s+\d+\s+[\d.]+\s+[\d.]+$/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows[9]?.trim().split(/\s+/)).toEqual(['10', '90.0', '192.2']);
  });

  it('prints 8 retries in 51.0 s for a 404', async () => {
    const { code, stdout } = await schedule('--status', '404');
    expect(code).toBe(0);
    expect(stdout).toContain('8 retries in 51.0 s');
    expect(stdout).toMatch(/stops: retries/);
  });

  it('prints 45 retries for a 429, the 35 after the first 10 attempts paced at the 90 s cap', async () => {
    const { code, stdout } = await schedule('--status', '429');
    expect(code).toBe(0);
    expect(stdout).not.toContain('early-cap');
    expect(stdout).toContain('45 retries in 3342.2 s');
    expect(stdout).toContain('+ 51.2 + 36 × 90 = 3342.2');
  });

  it('prints 12 retries for a 429 with --retry-timeout 300, stopped by retryTimeout', async () => {
    const { code, stdout } = await schedule('--status', '429', '--retry-timeout', '300');
    expect(code).toBe(0);
    expect(stdout).toContain('12 retries in 372.2 s');
    expect(stdout).toMatch(/stops: retryTimeout/);
  });
});

describe('orionclient schedule --early-cap, the opt-in early cap', () => {
  it('prints the 429 schedule with --early-cap 12:30: 8 doubling sleeps, 4 × 30, 33 × 90 = 3141.0, and says why', async () => {
    const { code, stdout } = await schedule('--status', '429', '--early-cap', '12:30');
    expect(code).toBe(0);
    expect(stdout).toContain('The first 12 sleeps are capped at 30.0 s (--early-cap');
    expect(stdout).toContain('+ 12.8 + 25.6 + 4 × 30 + 33 × 90 = 3141.0');
    expect(stdout).toContain('45 retries in 3141.0 s');
  });

  it('gives 14 retries within --retry-timeout 300: the 13th at 261.0 s, the 14th at 351.0 s', async () => {
    const { code, stdout } = await schedule(
      '--status',
      '429',
      '--retry-timeout',
      '300',
      '--early-cap',
      '12:30',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('14 retries in 351.0 s');
    expect(stdout).toMatch(/stops: retryTimeout/);
  });

  it('refuses an early cap that is not N:S', async () => {
    const { code, stderr } = await schedule('--early-cap', '30');
    expect(code).toBe(2);
    expect(stderr).toContain("--early-cap must be N:S (retries:seconds, e.g. 12:30), got '30'");
  });
});

describe('orionclient schedule --json', () => {
  it('gives the original schedule as data', async () => {
    const p = await scheduleJson();
    expect(p.retries).toBe(10);
    expect(p.delays).toEqual([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90]);
    expect(p.total).toBeCloseTo(192.2, 9);
    expect(p.stop).toBe('retries');
    expect(p.profile).toBe('nonInteractive');
  });

  it('gives 8 retries and 51.0 s for a 404, 45 in 3342.2 s for a 429, 12 for a 429 within 300 s', async () => {
    const notFound = await scheduleJson('--status', '404');
    expect([notFound.retries, notFound.total]).toEqual([8, 51]);
    const tooMany = await scheduleJson('--status', '429');
    expect([tooMany.retries, tooMany.stop, tooMany.total, tooMany.earlyCap]).toEqual([
      45,
      'retries',
      3342.2,
      null,
    ]);
    const early = await scheduleJson('--status', '429', '--early-cap', '12:30');
    expect([early.retries, early.total, early.earlyCap]).toEqual([45, 3141, [12, 30]]);
    const short = await scheduleJson('--status', '429', '--retry-timeout', '300');
    expect([short.retries, short.stop]).toEqual([12, 'retryTimeout']);
  });

  it('adds ordered percentiles of the jittered total with --samples, the same for the same seed', async () => {
    const a = await scheduleJson('--samples', '500', '--jitter', 'full', '--seed', '7');
    const b = await scheduleJson('--samples', '500', '--jitter', 'full', '--seed', '7');
    expect(a.jitter).toBe('full');
    expect(a.jittered.samples).toBe(500);
    expect(a.jittered.p5).toBeLessThanOrEqual(a.jittered.median);
    expect(a.jittered.median).toBeLessThanOrEqual(a.jittered.p95);
    // Full jitter draws each sleep from [0, nominal]: the total stays under the original 192.2 s.
    expect(a.jittered.p95).toBeLessThan(192.2);
    expect(b.jittered).toEqual(a.jittered);
  });

  it('schedules a network error with the interactive profile under smaller budgets', async () => {
    const interactive = await scheduleJson('--status', 'network', '--profile', 'interactive');
    expect(interactive.status).toBeUndefined();
    expect(interactive.retries).toBeGreaterThan(0);
    expect(interactive.retries).toBeLessThan(10);
  });
});

describe('orionclient schedule, text extras', () => {
  it('prints p5, median, p95 and mean with --samples', async () => {
    const { stdout } = await schedule('--samples', '200');
    expect(stdout).toMatch(/p5 [\d.]+ s, median [\d.]+ s, p95 [\d.]+ s, mean [\d.]+ s/);
  });

  it('says a non-retryable status is final', async () => {
    const { code, stdout } = await schedule('--status', '400');
    expect(code).toBe(0);
    expect(stdout).toContain('400 Bad Request is not retried');
  });
});

describe('orionclient schedule usage errors', () => {
  it.each([
    [['--bogus'], '--bogus'],
    [['--status', 'abc'], '--status'],
    [['--status', '700'], '--status'],
    [['--jitter', 'wobbly'], '--jitter'],
    [['--profile', 'batch'], '--profile'],
    [['--samples', '0'], '--samples'],
    [['--retry-timeout', '-1'], '--retry-timeout'],
    [['--retry-timeout'], '--retry-timeout'],
    [['--json=yes'], '--json'],
    [['extra'], 'extra'],
  ])('exits 2 for %j, names %s in one line and points to --help', async (args, flag) => {
    const { code, stdout, stderr } = await schedule(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(flag);
    expect(lines[1]).toBe("Try 'orionclient schedule --help'.");
  });

  it.each([
    [['--status', '-1'], "--status must be an HTTP status 100-599 or 'network', got '-1'"],
    [['--retry-timeout', '-1'], "--retry-timeout must be a number >= 0, got '-1'"],
    [['--retry-timeout', '-0.5'], "--retry-timeout must be a number >= 0, got '-0.5'"],
    [['--seed', '-3'], "--seed must be an integer >= 0, got '-3'"],
  ])('says what is wrong with a negative value: %j', async (args, message) => {
    const { code, stderr } = await schedule(...args);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`orionclient schedule: ${message}`);
  });

  it('refuses --samples above 1000000, naming the limit, instead of drawing for minutes', async () => {
    const { code, stdout, stderr } = await schedule('--samples', '1000001');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toBe(
      "orionclient schedule: --samples must be an integer from 1 to 1000000, got '1000001'",
    );
  });
});
