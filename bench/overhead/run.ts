/**
 * The cost-per-request benchmark: `npm run bench:overhead [-- --quick] [-- --only=a,b]`.
 * Parts: `http` (happy-path overhead), `session-cost` (the session over an in-memory fetch),
 * `waiting` (100,000 requests waiting at once),
 * `arithmetic` (delay computation), `temp-path` (TemporaryPath create + remove).
 * Prints the tables and writes `bench/results/overhead.json` (`overhead-quick.json` with
 * `--quick`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArithmeticResult, arithmeticTable, runArithmetic } from './arithmetic.js';
import { type HttpResult, httpTables, runHttp } from './http.js';
import { bytes, num, table, verdict } from './report.js';
import { runSessionCost, type SessionCostResult, sessionCostTable } from './session-cost.js';
import { runTempPath, type TempPathResult, tempPathTable } from './temp-path.js';
import { MAX_COUNT, SCENARIOS, type Scenario, type WaitingResult } from './waiting.js';

const PARTS = ['http', 'session-cost', 'waiting', 'arithmetic', 'temp-path'] as const;
type Part = (typeof PARTS)[number];

const here = dirname(fileURLToPath(import.meta.url));
/** The repository: the first directory above this file with orionclient's package.json. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'orionclient')
        return dir;
    } catch {
      // No package.json here: keep going up.
    }
    if (dirname(dir) === dir) throw new Error(`no orionclient package.json above ${from}`);
  }
}
// main.mjs passes the checkout it was started from (node_modules may be a link elsewhere).
const rootArg = process.argv.find((a) => a.startsWith('--root='))?.slice('--root='.length);
const root = rootArg ?? findRoot(here);

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const parts = only ? (only.split(',') as Part[]) : [...PARTS];
  for (const p of parts)
    if (!PARTS.includes(p)) throw new Error(`unknown part ${p}; parts: ${PARTS.join(', ')}`);
  const count = argv.find((a) => a.startsWith('--count='))?.slice('--count='.length);
  return { quick, parts, count: count === undefined ? undefined : Number(count) };
}

const settings = (quick: boolean) =>
  quick
    ? {
        http: { rounds: 2, cellMs: 200, warmupMs: 100, capacitySeconds: 1 },
        waiting: { count: 10_000, timeoutSeconds: 60 },
        micro: { rounds: 2, timeMs: 200 },
      }
    : {
        http: { rounds: 6, cellMs: 1000, warmupMs: 500, capacitySeconds: 3 },
        waiting: { count: 100_000, timeoutSeconds: 900 },
        micro: { rounds: 5, timeMs: 1000 },
      };

type WaitingRow = WaitingResult | { scenario: Scenario; count: number; error: string };

/** Each scenario in a fresh process with `--expose-gc`, so heaps do not mix. */
function runScenario(
  scenario: Scenario,
  count: number,
  timeoutSeconds: number,
): Promise<WaitingRow> {
  const script = join(here, 'waiting.js');
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', script, 'measure', scenario, String(count)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill(), timeoutSeconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(JSON.parse(out) as WaitingResult);
      else
        done({
          scenario,
          count,
          error: signal ? `did not finish in ${timeoutSeconds} s` : `exited with ${code}`,
        });
    });
  });
}

function waitingTable(rows: WaitingRow[]): string {
  return table(
    [
      'waiting at once',
      'count',
      'heap each',
      'RSS each',
      'timers',
      'abort listeners',
      'all waiting after',
      'cancel all',
      'timers after',
      'listeners after',
    ],
    rows.map((r) =>
      'error' in r
        ? [r.scenario, num(r.count), r.error, '', '', '', '', '', '', '']
        : [
            r.scenario,
            num(r.count),
            bytes(r.heapPerWaiting),
            bytes(r.rssPerWaiting),
            num(r.timersWhileWaiting),
            num(r.listenersWhileWaiting),
            `${num(r.startSeconds, 2)} s`,
            `${num(r.cancelSeconds * 1000, 0)} ms`,
            num(r.timersAfter),
            num(r.listenersAfter),
          ],
    ),
  );
}

function waitingGoals(rows: WaitingRow[]) {
  const ours = rows.find((r) => r.scenario === 'retry');
  if (!ours || 'error' in ours) {
    return [
      { goal: 'retry() waiting at scale', met: false, detail: ours ? ours.error : 'not run' },
    ];
  }
  return [
    {
      goal: `≤ 1 KiB heap per waiting retry() (${num(ours.count)} at once)`,
      met: ours.heapPerWaiting <= 1024,
      detail: bytes(ours.heapPerWaiting),
    },
    {
      goal: 'cancel all with one AbortSignal in < 1 s',
      met: ours.cancelSeconds < 1,
      detail: `${num(ours.cancelSeconds * 1000)} ms`,
    },
    {
      goal: 'nothing pending after the cancel',
      met: ours.timersAfter <= 0 && ours.listenersAfter === 0 && ours.rejected === ours.count,
      detail: `${ours.timersAfter} timers, ${ours.listenersAfter} listeners, ${num(ours.rejected)} rejected`,
    },
  ];
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const name of [
    'got',
    'ky',
    'axios',
    'axios-retry',
    'undici',
    'fetch-retry',
    'cockatiel',
    'p-retry',
    'tmp',
    'tempy',
    'tinybench',
    'autocannon',
  ]) {
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
    out[name] = pkg.version;
  }
  try {
    out.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
  } catch {
    // Not a git checkout: the commit is simply not recorded.
  }
  return out;
}

type Saved = {
  environment?: Record<string, unknown>;
  goals?: Array<{ part: Part; goal: string; met: boolean; detail: string }>;
} & Record<string, unknown>;

function readPrevious(file: string): Saved | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Saved;
  } catch {
    return undefined;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const s = settings(args.quick);
  const log = (line: string) => console.error(`[bench:overhead] ${line}`);
  const started = performance.now();
  const results: {
    http?: HttpResult;
    sessionCost?: SessionCostResult;
    waiting?: WaitingRow[];
    arithmetic?: ArithmeticResult;
    tempPath?: TempPathResult;
  } = {};
  const goals: Array<{ part: Part; goal: string; met: boolean; detail: string }> = [];
  const print = (title: string, body: string) => console.log(`\n## ${title}\n\n${body}`);

  if (args.parts.includes('http')) {
    log('http: happy-path overhead');
    results.http = await runHttp(s.http, log);
    print('Happy-path overhead', httpTables(results.http));
    goals.push(...results.http.goals.map((g) => ({ part: 'http' as const, ...g })));
  }
  if (args.parts.includes('session-cost')) {
    log('session-cost: the session over an in-memory fetch');
    results.sessionCost = await runSessionCost(s.micro);
    print("The session's own cost per request", sessionCostTable(results.sessionCost));
  }
  if (args.parts.includes('waiting')) {
    const count = args.count ?? s.waiting.count;
    results.waiting = [];
    for (const scenario of SCENARIOS) {
      const n = Math.min(count, MAX_COUNT[scenario] ?? count);
      log(`waiting: ${scenario} × ${num(n)}`);
      results.waiting.push(await runScenario(scenario, n, s.waiting.timeoutSeconds));
    }
    print('Waiting at scale', waitingTable(results.waiting));
    goals.push(...waitingGoals(results.waiting).map((g) => ({ part: 'waiting' as const, ...g })));
  }
  if (args.parts.includes('arithmetic')) {
    log('arithmetic: delay computation');
    results.arithmetic = await runArithmetic(s.micro);
    print('Backoff arithmetic', arithmeticTable(results.arithmetic));
    goals.push(...results.arithmetic.goals.map((g) => ({ part: 'arithmetic' as const, ...g })));
  }
  if (args.parts.includes('temp-path')) {
    log('temp-path: create + remove');
    results.tempPath = await runTempPath(s.micro);
    print('TemporaryPath', tempPathTable(results.tempPath));
    goals.push(...results.tempPath.goals.map((g) => ({ part: 'temp-path' as const, ...g })));
  }

  print(
    'Goals',
    table(
      ['goal', 'result', 'measured'],
      goals.map((g) => [g.goal, verdict(g.met), g.detail]),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const file = join(root, 'bench/results', args.quick ? 'overhead-quick.json' : 'overhead.json');
  mkdirSync(dirname(file), { recursive: true });
  const environment = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    platform: `${os.platform()} ${os.arch()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    seconds: Math.round(seconds),
    versions: versions(),
  };
  // A partial run (--only) updates its parts in the existing file and keeps the others.
  const previous = args.parts.length < PARTS.length ? readPrevious(file) : undefined;
  const merged = previous
    ? {
        ...previous,
        ...results,
        environment: { ...previous.environment, [args.parts.join('+')]: environment },
        goals: [...(previous.goals ?? []).filter((g) => !args.parts.includes(g.part)), ...goals],
      }
    : { environment, goals, ...results };
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  log(`wrote ${file} in ${num(seconds)} s`);
}

await main();
