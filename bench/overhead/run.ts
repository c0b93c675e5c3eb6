/**
 * The cost-per-request benchmark: `npm run bench:overhead [-- --quick] [-- --only=a,b]`.
 * Parts: `http` (happy-path overhead), `session-cost` (the session over an in-memory fetch),
 * `waiting` (100,000 requests waiting at once),
 * `arithmetic` (delay computation), `temp-path` (TemporaryPath create + remove).
 * Prints the tables and writes `bench/results/overhead.jsonl` (`overhead-quick.jsonl` with
 * `--quick`); a run that is not `--quick` also rewrites the overhead regions of
 * docs/benchmarks.md.
 */
import { join } from 'node:path';
import { command, machine, versions } from '../common/machine.js';
import { RESULTS } from '../common/paths.js';
import { arithmeticTable, runArithmetic } from './arithmetic.js';
import { writeOverheadDocs } from './docs.js';
import { httpTables, runHttp } from './http.js';
import { num, table, verdict } from './report.js';
import {
  type Goal,
  type Meta,
  PARTS,
  type Part,
  type Parts,
  type WaitingRow,
  writeParts,
} from './results.js';
import { runSessionCost, sessionCostTable } from './session-cost.js';
import { runTempPath, tempPathTable } from './temp-path.js';
import { MAX_COUNT, SCENARIOS } from './waiting.js';
import { runScenario, waitingGoals, waitingTable } from './waiting-run.js';

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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const s = settings(args.quick);
  const log = (line: string) => console.error(`[bench:overhead] ${line}`);
  const results: Parts = {};
  const meta: Meta = {};
  const goals: Array<Goal & { part: Part }> = [];
  const print = (title: string, body: string) => console.log(`\n## ${title}\n\n${body}`);
  const environment = (started: number) => ({
    ...machine(),
    command: command('bench:overhead'),
    mode: args.quick ? 'quick' : 'full',
    seconds: Math.round((performance.now() - started) / 1000),
  });
  const timed = async <P extends Part>(part: P, run: () => Promise<NonNullable<Parts[P]>>) => {
    if (!args.parts.includes(part)) return undefined;
    const started = performance.now();
    const result = await run();
    results[part] = result;
    meta[part] = environment(started);
    if ('goals' in result) goals.push(...result.goals.map((g) => ({ part, ...g })));
    return result;
  };

  const http = await timed('http', () => {
    log('http: happy-path overhead');
    return runHttp(s.http, log);
  });
  if (http) print('Happy-path overhead', httpTables(http));
  const cost = await timed('session-cost', () => {
    log('session-cost: the session over an in-memory fetch');
    return runSessionCost(s.micro);
  });
  if (cost) print("The session's own cost per request", sessionCostTable(cost));
  const waiting = await timed('waiting', async () => {
    const count = args.count ?? s.waiting.count;
    const rows: WaitingRow[] = [];
    for (const scenario of SCENARIOS) {
      const n = Math.min(count, MAX_COUNT[scenario] ?? count);
      log(`waiting: ${scenario} × ${num(n)}`);
      rows.push(await runScenario(scenario, n, s.waiting.timeoutSeconds));
    }
    return { rows, goals: waitingGoals(rows) };
  });
  if (waiting) print('Waiting at scale', waitingTable(waiting.rows));
  const arithmetic = await timed('arithmetic', () => {
    log('arithmetic: delay computation');
    return runArithmetic(s.micro);
  });
  if (arithmetic) print('Backoff arithmetic', arithmeticTable(arithmetic));
  const tempPath = await timed('temp-path', () => {
    log('temp-path: create + remove');
    return runTempPath(s.micro);
  });
  if (tempPath) print('TemporaryPath', tempPathTable(tempPath));

  print(
    'Goals',
    table(
      ['goal', 'result', 'measured'],
      goals.map((g) => [g.goal, verdict(g.met), g.detail]),
    ),
  );
  const peers = versions([
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
  ]);
  for (const part of args.parts) meta[part] = { ...meta[part], versions: peers };
  const file = join(RESULTS, args.quick ? 'overhead-quick.jsonl' : 'overhead.jsonl');
  writeParts(file, results, meta);
  log(`wrote ${file}`);
  if (!args.quick) {
    writeOverheadDocs();
    log('wrote the overhead regions of docs/benchmarks.md');
  }
}

await main();
