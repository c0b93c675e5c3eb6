import { type JitterName, jitterNames } from '../backoff/jitter.js';
import { type PlanOptions, plan, type RetryPlan } from '../retry/plan.js';
import { type ProfileName, profiles } from '../retry/profiles.js';
import { choiceFlag, numberFlag, parseCommand } from './args.js';
import type { Command } from './command.js';
import { type CliIo, exitCodes, seconds, statusLine, table, UsageError } from './output.js';

const profileNames = Object.keys(profiles) as ProfileName[];
/** plan()'s bound on `samples`: a million draws take a second or two. */
const MAX_SAMPLES = 1_000_000;

const help = `Usage: orionclient schedule [options]

Prints the nominal retry schedule of one failing status: the sleep before each retry,
when each retry starts (from the first attempt), the total, and why the retries stop.

Options:
  --profile NAME       interactive or nonInteractive (default: nonInteractive)
  --status N|network   the failing status, or 'network' for a network error (default: 503)
  --retry-timeout S    no retry is scheduled once S seconds have passed since the first
                       attempt (default: the profile's, 3600 for nonInteractive)
  --jitter NAME        ${jitterNames.join(', ')} (default: the profile's)
                       used by --samples; the table is the un-jittered schedule
  --early-cap N:S      cap the doubling value of the first N sleeps at S seconds (the
                       earlyCap option, off in both profiles; 12:30 for a 429 measured
                       well for fleets of independent clients, see docs/benchmarks.md)
  --samples N          also draw N jittered schedules (1 to 1000000) and print p5,
                       median, p95 and mean of the total wait
  --seed N             seed of the samples (default: 1)
  --json               print the schedule as one JSON object
  -h, --help           show this help

Examples:
  orionclient schedule                                  10 retries in 192.2 s
  orionclient schedule --status 404                     8 retries in 51.0 s
  orionclient schedule --status 429                     45 retries in 3342.2 s
  orionclient schedule --status 429 --retry-timeout 300 12 retries, stops on retryTimeout
  orionclient schedule --status 429 --early-cap 12:30   45 retries in 3141.0 s
  orionclient schedule --samples 10000 --json`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(argv, {
    profile: { type: 'string' },
    status: { type: 'string' },
    'retry-timeout': { type: 'string' },
    jitter: { type: 'string' },
    samples: { type: 'string' },
    seed: { type: 'string' },
    'early-cap': { type: 'string' },
    json: { type: 'boolean' },
  });
  const profile = choiceFlag('--profile', values.profile, profileNames) ?? 'nonInteractive';
  const status = parseStatus(values.status);
  const retryTimeout = numberFlag('--retry-timeout', values['retry-timeout']);
  const jitter: JitterName | undefined = choiceFlag('--jitter', values.jitter, jitterNames);
  const samples = numberFlag('--samples', values.samples, {
    min: 1,
    max: MAX_SAMPLES,
    integer: true,
  });
  const seed = numberFlag('--seed', values.seed, { integer: true });
  const earlyCap = parseEarlyCap(values['early-cap']);
  const options: PlanOptions = {
    profile,
    // plan() reads `status: null` as a network error, which its type does not spell out.
    ...(status === undefined ? {} : { status: status as number }),
    ...(retryTimeout === undefined ? {} : { retryTimeout }),
    ...(jitter === undefined ? {} : { jitter }),
    ...(samples === undefined ? {} : { samples }),
    ...(seed === undefined ? {} : { seed }),
    // plan()'s default status is 503.
    ...(earlyCap && status !== null ? { earlyCap: { [status ?? 503]: earlyCap } } : {}),
  };

  const result = plan(options);
  const usedJitter = jitter ?? profiles[profile].jitter;
  const early = earlyCap && result.status !== undefined ? earlyCap : null;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ profile, jitter: usedJitter, earlyCap: early, ...result }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(`${render(result, profile, usedJitter, early)}\n`);
  }
  return exitCodes.ok;
}

/** `--early-cap N:S`: the first N sleeps capped at S seconds. */
function parseEarlyCap(value: string | undefined): readonly [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+):(\d+(?:\.\d+)?)$/.exec(value);
  if (!m)
    throw new UsageError(`--early-cap must be N:S (retries:seconds, e.g. 12:30), got '${value}'`);
  return [Number(m[1]), Number(m[2])];
}

/** `--status`: a status code, or `network` (plan() takes `null` for a network error). */
function parseStatus(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'network') return null;
  const n = Number(value);
  if (!/^\d{3}$/.test(value) || n < 100 || n > 599) {
    throw new UsageError(`--status must be an HTTP status 100-599 or 'network', got '${value}'`);
  }
  return n;
}

function render(
  p: RetryPlan,
  profile: ProfileName,
  jitter: JitterName,
  early: readonly [number, number] | null,
): string {
  const what = p.status === undefined ? 'a network error' : statusLine(p.status);
  const out = [`Retry schedule for ${what}, ${profile} profile`];
  if (early && p.retries > 0) {
    out.push(
      `The first ${early[0]} sleeps are capped at ${seconds(early[1])} s (--early-cap; the profile has none).`,
    );
  }
  if (p.stop === 'notRetryable') {
    out.push('', `${what} is not retried: the response is final.`);
    return out.join('\n');
  }
  const rows = p.delays.map((d, i) => [String(i + 1), seconds(d), seconds(p.cumulative[i]!)]);
  out.push('', indent(table(['retry', 'sleep (s)', 'cumulative (s)'], rows)), '');
  out.push(`  ${sum(p.delays)} = ${seconds(p.total)}`);
  out.push(`  ${p.retries} retries in ${p.total.toFixed(1)} s, then stops: ${why(p)}`);
  if (p.jittered) {
    const j = p.jittered;
    out.push(
      '',
      `  With ${jitter} jitter, total wait over ${j.samples} seeded samples:`,
      `  p5 ${seconds(j.p5)} s, median ${seconds(j.median)} s, p95 ${seconds(j.p95)} s, mean ${seconds(j.mean)} s`,
    );
  }
  return out.join('\n');
}

function why(p: RetryPlan): string {
  if (p.stop === 'retryTimeout') {
    return `retryTimeout (${seconds(p.total)} s since the first attempt >= retryTimeout ${seconds(p.retryTimeout)} s)`;
  }
  const whose = p.status === undefined ? 'network errors' : String(p.status);
  return `retries (the retry count for ${whose} is ${p.limit})`;
}

/** The original documentation's sum, `0.2 + 0.4 + … + 90`, with a run of equal sleeps folded as `36 × 90`. */
function sum(delays: readonly number[]): string {
  const terms: string[] = [];
  for (let i = 0; i < delays.length; ) {
    let j = i;
    while (j < delays.length && delays[j] === delays[i]) j++;
    const value = String(Number(delays[i]!.toFixed(3)));
    const run = j - i;
    if (run >= 3) terms.push(`${run} × ${value}`);
    else for (let k = 0; k < run; k++) terms.push(value);
    i = j;
  }
  return terms.join(' + ');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** `orionclient schedule`. */
export const schedule: Command = {
  name: 'schedule',
  summary: 'print the retry schedule of a status under a profile',
  help,
  run,
};
