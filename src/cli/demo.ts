import { createHash } from 'node:crypto';
import { Session } from '../http/session.js';
import type { RetryEvent } from '../retry/contract.js';
import { RetryError } from '../retry/errors.js';
import type { RetryOptions } from '../retry/policy.js';
import { retryInfo } from '../retry/retry-info.js';
import { type FaultServer, filler, startFaultServer } from '../testing/fault-server.js';
import { parseCommand } from './args.js';
import type { Command } from './command.js';
import { download } from './download.js';
import { type CliIo, exitCodes, isTerminal, seconds, statusLine, styles, table } from './output.js';
import type { ProgressView } from './progress.js';
import { retryText } from './progress.js';

/** The demo's time scale: the profiles' own base, with caps of seconds instead of minutes. */
const SCALE: Partial<RetryOptions> = { cap: 2 };

const help = `Usage: orionclient demo

Starts a fault-injecting HTTP server on 127.0.0.1 and runs a short tour through the real
Session, narrating every retry: a burst of 503s, a 429 with Retry-After, a 404 that
becomes 200, a download cut mid-body and resumed, and the interactive profile giving up
where the non-interactive one keeps going. Backoff caps are scaled down to ${SCALE.cap} s so the
tour takes about ten seconds. Ends with a summary table.

Options:
  -h, --help   show this help`;

interface Row {
  scenario: string;
  profile: string;
  attempts: number;
  waits: number[];
  outcome: string;
  /** Whether the session behaved as the scenario says it should. */
  expected: boolean;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  parseCommand(argv, {});
  const style = styles(isTerminal(io.stdout, io.env) && io.env.NO_COLOR === undefined);
  const say = (text: string) => void io.stdout.write(`${text}\n`);
  const server = await startFaultServer();
  const rows: Row[] = [];
  const started = performance.now();
  say(style.bold(`orionclient demo: a fault server on ${server.url}`));
  say(`Backoff caps are ${SCALE.cap} s instead of 90 s; every other setting is the profile's own.`);
  try {
    for (const scenario of scenarios) {
      say('');
      say(style.bold(scenario.title));
      rows.push(...(await scenario.run(server, say, io.signal)));
    }
  } finally {
    await server.close();
  }
  say('');
  const body = rows.map((r) => [
    r.scenario,
    r.profile,
    String(r.attempts),
    r.waits.length === 0 ? '-' : `${r.waits.map(seconds).join(' + ')} s`,
    r.outcome,
  ]);
  say(table(['scenario', 'profile', 'attempts', 'waits', 'outcome'], body));
  say('');
  const surprises = rows.filter((r) => !r.expected);
  const total = ((performance.now() - started) / 1000).toFixed(1);
  if (surprises.length > 0) {
    say(style.red(`Unexpected: ${surprises.map((r) => r.scenario).join(', ')} (${total} s)`));
    return exitCodes.failure;
  }
  say(style.green(`Every scenario ended as expected, in ${total} s.`));
  return exitCodes.ok;
}

type Say = (text: string) => void;

interface Scenario {
  title: string;
  run(server: FaultServer, say: Say, signal: AbortSignal | undefined): Promise<Row[]>;
}

/** Narrates one request's retries and reduces its outcome to a table row. */
async function request(
  server: FaultServer,
  path: string,
  o: { scenario: string; profile: 'interactive' | 'nonInteractive'; say: Say; tag?: string },
  signal: AbortSignal | undefined,
): Promise<Row & { status?: number }> {
  const waits: number[] = [];
  const tag = o.tag ? `${o.tag} ` : '';
  const session = new Session({
    profile: o.profile,
    ...SCALE,
    onRetry: (e: RetryEvent) => {
      waits.push(e.delay);
      const what = e.status === undefined ? (e.error?.code ?? 'error') : statusLine(e.status);
      const from = e.source === 'retry-after' ? ' (Retry-After)' : '';
      o.say(`  ${tag}${retryText(what, e.retry, e.limit, e.delay)}${from}`);
    },
  });
  const row = { scenario: o.scenario, profile: o.profile, waits, expected: true };
  try {
    const response = await session.get(`${server.url}${path}`, signal ? { signal } : {});
    await response.body?.cancel();
    const reason = retryInfo(response)?.reason;
    const why = reason ? ` (${reason})` : '';
    const outcome = response.ok
      ? statusLine(response.status, response.statusText)
      : `gave up: ${response.status}${why}`;
    o.say(`  ${tag}→ ${statusLine(response.status, response.statusText)}${why}`);
    return { ...row, attempts: waits.length + 1, outcome, status: response.status };
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    o.say(`  ${tag}→ ${error.message}`);
    return { ...row, attempts: error.attempts.length, outcome: `gave up (${error.reason})` };
  }
}

const scenarios: readonly Scenario[] = [
  {
    title: '1. A burst of 503s, ridden out with jittered backoff',
    async run(server, say, signal) {
      server.route('/burst', [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 }]);
      const r = await request(
        server,
        '/burst',
        { scenario: '503 burst', profile: 'nonInteractive', say },
        signal,
      );
      return [{ ...r, expected: r.status === 200 && r.attempts === 4 }];
    },
  },
  {
    title: '2. A 429 with Retry-After: 1, never undercut (spread up to 1 s above it)',
    async run(server, say, signal) {
      server.route('/busy', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
      const r = await request(
        server,
        '/busy',
        { scenario: '429 Retry-After', profile: 'nonInteractive', say },
        signal,
      );
      const [first, second] = server.requests.filter((q) => q.path === '/busy');
      const gap = first && second ? (second.time - first.time) / 1000 : Number.NaN;
      say(`  the server saw the retry ${gap.toFixed(2)} s after the 429`);
      return [{ ...r, expected: r.status === 200 && gap >= 1 && gap < 2.5 }];
    },
  },
  {
    title: '3. A 404 that turns into 200 (the object was not there yet)',
    async run(server, say, signal) {
      server.route('/late', [{ status: 404 }, { status: 404 }, { status: 200 }]);
      const r = await request(
        server,
        '/late',
        { scenario: '404 then 200', profile: 'nonInteractive', say },
        signal,
      );
      return [{ ...r, expected: r.status === 200 && r.attempts === 3 }];
    },
  },
  { title: '4. A download cut mid-body, resumed with Range + If-Range', run: resumedDownload },
  {
    title: '5. An outage of 2.5 s: the interactive profile gives up, the non-interactive one waits',
    async run(server, say, signal) {
      const until = performance.now() + 2500;
      const down = () => (performance.now() < until ? { status: 503 } : { status: 200 });
      server.route('/outage-i', down);
      server.route('/outage-n', down);
      const scenario = 'outage 2.5 s';
      const [interactive, batch] = await Promise.all([
        request(
          server,
          '/outage-i',
          { scenario, profile: 'interactive', say, tag: '[interactive]   ' },
          signal,
        ),
        request(
          server,
          '/outage-n',
          { scenario, profile: 'nonInteractive', say, tag: '[nonInteractive]' },
          signal,
        ),
      ]);
      return [
        { ...interactive, expected: interactive.status === 503 },
        { ...batch, expected: batch.status === 200 },
      ];
    },
  },
];

async function resumedDownload(
  server: FaultServer,
  say: Say,
  signal: AbortSignal | undefined,
): Promise<Row[]> {
  const body = filler(1_000_000);
  server.route('/file', [{ file: { body, etag: '"demo-1"', cutAfter: 400_000 } }]);
  const hash = createHash('sha256');
  const waits: number[] = [];
  const session = new Session({ profile: 'nonInteractive', ...SCALE });
  const view: ProgressView = {
    progress() {},
    waiting(what, retry, limit, delay) {
      waits.push(delay);
      say(`  ${retryText(what, retry, limit, delay)}`);
    },
    note: (text) => say(`  ${text}`),
    finish() {},
  };
  let length = 0;
  const result = await download({
    url: `${server.url}/file`,
    headers: new Headers(),
    session,
    sink: {
      async write(chunk) {
        hash.update(chunk);
        length += chunk.byteLength;
      },
      restart: async () => false,
    },
    view,
    ...(signal ? { signal } : {}),
  });
  const requests = server.requests.filter((q) => q.path === '/file');
  const range = requests[1]?.headers.range;
  const exact = hash.digest('hex') === createHash('sha256').update(body).digest('hex');
  say(`  the server saw ${requests.length} requests; the second asked for Range: ${range}`);
  say(`  ${length} bytes received, ${exact ? 'identical to' : 'DIFFERENT from'} the original`);
  return [
    {
      scenario: 'download cut',
      profile: 'nonInteractive',
      attempts: requests.length,
      waits,
      outcome: result.ok && exact ? `${statusLine(result.status)}, resumed` : 'corrupt',
      expected: result.ok && exact && range !== undefined,
    },
  ];
}

/** `orionclient demo`. */
export const demo: Command = {
  name: 'demo',
  summary: 'a guided tour: a fault server and the sessions riding it out',
  help,
  run,
};
