/**
 * The fast path, side by side in one run: the retry interceptor on `undici.request` against
 * bare `undici.request` and undici's `RetryAgent` with its defaults, and a `Session` on
 * `fetch` against `fetch` with `AbortSignal.timeout()` (the same per-attempt guarantee
 * written by hand) and bare `fetch`. Every contender runs in the same alternating rounds
 * as the happy-path benchmark; each ratio is the median over rounds of the two rows' rps in
 * the same round.
 */
import { Agent, type Dispatcher, RetryAgent, request } from 'undici';
import { nonInteractiveSession, profiles, retryInterceptor } from '../library.js';
import type { Contender } from './contenders.js';
import type { CellResult, HttpResult, HttpSet } from './http.js';
import { median, num, ratio, table } from './report.js';

const BARE_REQUEST = 'undici.request';
const INTERCEPTOR = 'undici.request + retry()';
const RETRY_AGENT = 'undici RetryAgent';
const BARE_FETCH = 'fetch (global)';
const TIMED_FETCH = 'fetch + AbortSignal.timeout()';
const SESSION = 'Session nonInteractive';

/** Each row's bare transport, and the row it is compared with (see {@link goals}). */
const COMPARED: Readonly<Record<string, { bare: string; against?: string }>> = {
  [BARE_REQUEST]: { bare: BARE_REQUEST },
  [INTERCEPTOR]: { bare: BARE_REQUEST, against: RETRY_AGENT },
  [RETRY_AGENT]: { bare: BARE_REQUEST },
  [BARE_FETCH]: { bare: BARE_FETCH },
  [TIMED_FETCH]: { bare: BARE_FETCH },
  [SESSION]: { bare: BARE_FETCH, against: TIMED_FETCH },
};

const read = async (body: { arrayBuffer(): Promise<ArrayBuffer> }) => {
  await body.arrayBuffer();
};

function contenders(): Contender[] {
  const bare = new Agent();
  const intercepted = new Agent();
  const composed: Dispatcher = intercepted.compose(retryInterceptor());
  const retryAgent = new RetryAgent(new Agent());
  const session = nonInteractiveSession();
  // The session's per-attempt timeout, written by hand.
  const timeoutMs = profiles.nonInteractive.requestTimeout * 1000;
  return [
    {
      name: BARE_REQUEST,
      send: async (url) => read((await request(url, { dispatcher: bare })).body),
      close: () => bare.close(),
    },
    {
      name: INTERCEPTOR,
      ours: true,
      send: async (url) => read((await request(url, { dispatcher: composed })).body),
      close: () => intercepted.close(),
    },
    {
      name: RETRY_AGENT,
      send: async (url) => read((await request(url, { dispatcher: retryAgent })).body),
      close: () => retryAgent.close(),
    },
    { name: BARE_FETCH, send: async (url) => read(await fetch(url)) },
    {
      name: TIMED_FETCH,
      send: async (url) => read(await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })),
    },
    { name: SESSION, ours: true, send: async (url) => read(await session.get(url)) },
  ];
}

/** Median over rounds of `a`'s rps over `b`'s in the same round. */
function paired(a: CellResult | undefined, b: CellResult | undefined): number {
  if (!a || !b) return Number.NaN;
  return median(a.roundRps.map((x, i) => x / (b.roundRps[i] ?? Number.NaN)));
}

function find(cells: readonly CellResult[], name: string, body: string, concurrency: number) {
  return cells.find(
    (c) => c.contender === name && c.body === body && c.concurrency === concurrency,
  );
}

function goals(cells: CellResult[]): HttpResult['goals'] {
  const out: HttpResult['goals'] = [];
  const targets: Array<[string, string, number]> = [
    [INTERCEPTOR, BARE_REQUEST, 0.95],
    [INTERCEPTOR, RETRY_AGENT, 1],
    [SESSION, TIMED_FETCH, 0.95],
  ];
  for (const [name, against, atLeast] of targets) {
    for (const body of ['small', 'large']) {
      for (const concurrency of [1, 64]) {
        const mine = find(cells, name, body, concurrency);
        const theirs = find(cells, against, body, concurrency);
        const r = paired(mine, theirs);
        out.push({
          goal: `${name} ≥ ${atLeast.toFixed(2)} × ${against}, ${body} body, c=${concurrency}`,
          met: r >= atLeast,
          detail: `${ratio(r)} (CPU µs per request: ${num(mine?.cpuMicrosPerRequest ?? Number.NaN)} vs ${num(theirs?.cpuMicrosPerRequest ?? Number.NaN)})`,
        });
      }
    }
  }
  return out;
}

export const fastPathSet: HttpSet = { contenders, goals };

/** One table per body: rps, the ratio to the bare transport and to the compared row, CPU. */
export function fastPathTables(result: HttpResult): string {
  const names = Object.keys(COMPARED);
  const parts: string[] = [];
  for (const body of ['small', 'large'] as const) {
    const rows = names.map((name) => {
      const { bare, against } = COMPARED[name] ?? { bare: name };
      const cells = [1, 64].flatMap((c) => {
        const mine = find(result.cells, name, body, c);
        return [
          num(mine?.rps ?? Number.NaN),
          name === bare ? '' : ratio(paired(mine, find(result.cells, bare, body, c))),
          against ? ratio(paired(mine, find(result.cells, against, body, c))) : '',
          num(mine?.cpuMicrosPerRequest ?? Number.NaN),
        ];
      });
      return [name, against ?? '', ...cells];
    });
    parts.push(
      table(
        [
          `${body === 'small' ? 'small JSON' : '1 MiB'} body`,
          'compared with',
          'c=1 rps',
          '× bare',
          '× compared',
          'CPU µs/req',
          'c=64 rps',
          '× bare',
          '× compared',
          'CPU µs/req',
        ],
        rows,
      ),
    );
  }
  return parts.join('\n\n');
}
