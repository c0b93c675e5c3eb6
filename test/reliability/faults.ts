/**
 * The fault matrix as data: every fault the fault server can play, and for each profile and
 * method class the outcome the library promises. `fault-matrix.test.ts` runs every cell
 * against a real server; `report.ts` renders the same rows into `docs/reliability.md`.
 * Adding a fault here adds a whole row to both.
 *
 * The numbers are written out, not computed from the policy, so a change to the retry rules
 * that alters a promise fails the matrix until this table (and the report) say so.
 */
import type { RetryOptions, StopReason } from '../../src/retry/policy.js';
import type { FaultServer } from '../support/fault-server.js';

export const profileNames = ['nonInteractive', 'interactive'] as const;
export type Profile = (typeof profileNames)[number];

/**
 * How a cell sends its request: a `Session` over the global `fetch`, or the undici
 * interceptor under `undici.request` (following redirects itself, `maxRedirects: 20` as a
 * session does) or under `undici.fetch` (which follows them itself).
 */
export const transportNames = ['session', 'undici.request', 'undici.fetch'] as const;
export type TransportName = (typeof transportNames)[number];

/** `POST+key` is a POST with an `Idempotency-Key` header. */
export const methodClasses = ['GET', 'POST', 'POST+key'] as const;
export type MethodClass = (typeof methodClasses)[number];

/**
 * A promised outcome. `attempts` is how many attempts the client made (`retryInfo` or
 * `RetryError.attempts`); `seen` is how many requests the servers received, which differs
 * only when no connection was made or redirects were followed.
 */
export type Expected =
  /** `session.fetch` resolved with this status; `reason` is `retryInfo(response).reason`. */
  | {
      readonly outcome: 'response';
      readonly status: number;
      readonly attempts: number;
      readonly seen: number;
      readonly reason?: StopReason;
      /** The body then reads completely, with this many bytes. */
      readonly bytes?: number;
    }
  /** `session.fetch` rejected with a `RetryError` for this reason. */
  | {
      readonly outcome: 'retryError';
      readonly reason: StopReason;
      readonly attempts: number;
      readonly seen: number;
    }
  /** `session.fetch` resolved with this status, and reading the body then rejects. */
  | {
      readonly outcome: 'bodyError';
      readonly status: number;
      readonly attempts: number;
      readonly seen: number;
    }
  /** `fetch` rejected with an error of its own, not one from the retries (`undici.fetch` only). */
  | {
      readonly outcome: 'fetchError';
      readonly seen: number;
    };

/** What a row needs to play its fault: two servers (for cross-origin hops) and a dead port. */
export interface FaultContext {
  readonly server: FaultServer;
  readonly other: FaultServer;
  /** A URL where nothing listens. */
  readonly refused: string;
}

export interface FaultRow {
  /** Short stable name, used in test names. */
  readonly id: string;
  /** What the server does, for the report. */
  readonly fault: string;
  /** Routes the fault and returns the URL to request. */
  readonly play: (context: FaultContext) => string;
  /**
   * Policy overrides for this row. Only `requestTimeout` is ever overridden (per-attempt
   * timeouts run in real time even under a virtual clock); every budget is the profile's.
   */
  readonly overrides?: Partial<RetryOptions>;
  /** The rules allow a POST without a key to be resent (the server said 429: not processed). */
  readonly resendsPost?: boolean;
  readonly expect: Readonly<Record<Profile, Readonly<Record<MethodClass, Expected>>>>;
  /** Where a transport keeps another promise than {@link expect}, and why. */
  readonly differs?: Partial<Readonly<Record<TransportName, TransportDifference>>>;
}

/** A transport's own promise for a row: what differs, and why. */
export interface TransportDifference {
  /** Why this transport cannot keep the row's promise. */
  readonly why: string;
  /** The cells that differ; the others keep the row's. */
  readonly expect?: Partial<
    Readonly<Record<Profile, Partial<Readonly<Record<MethodClass, Expected>>>>>
  >;
  /** A bare POST may reach one path more than once. */
  readonly resendsPost?: boolean;
  /** A header of `sensitiveHeaders` (not Authorization) may reach another origin. */
  readonly sendsSensitive?: boolean;
}

/** The promise of `row` through `transport`. */
export function expectedVia(
  row: FaultRow,
  transport: TransportName,
): Required<Pick<TransportDifference, 'resendsPost' | 'sendsSensitive'>> &
  Pick<FaultRow, 'expect'> {
  const difference = row.differs?.[transport];
  const cells = (profile: Profile) => ({
    ...row.expect[profile],
    ...difference?.expect?.[profile],
  });
  return {
    expect: { nonInteractive: cells('nonInteractive'), interactive: cells('interactive') },
    resendsPost: difference?.resendsPost ?? false,
    sendsSensitive: difference?.sendsSensitive ?? false,
  };
}

/**
 * Per-attempt timeout of the rows that hang, in seconds: short, since a hung row waits it out
 * on every attempt, yet long enough that headers sent at once arrive within it on a busy
 * machine (the fault server shares the test's process).
 */
export const HANG_TIMEOUT = 0.2;

const answered = (status: number, n: number, reason?: StopReason, bytes?: number): Expected => ({
  outcome: 'response',
  status,
  attempts: n,
  seen: n,
  ...(reason ? { reason } : {}),
  ...(bytes === undefined ? {} : { bytes }),
});
const failed = (reason: StopReason, n: number, seen = n): Expected => ({
  outcome: 'retryError',
  reason,
  attempts: n,
  seen,
});
const bodyFails = (status: number): Expected => ({
  outcome: 'bodyError',
  status,
  attempts: 1,
  seen: 1,
});
/** The same outcome for every method class, one per profile. */
const perProfile = (nonInteractive: Expected, interactive: Expected) => ({
  nonInteractive: { GET: nonInteractive, POST: nonInteractive, 'POST+key': nonInteractive },
  interactive: { GET: interactive, POST: interactive, 'POST+key': interactive },
});
/** The same outcome for every profile and method class. */
const everywhere = (e: Expected) => perProfile(e, e);

// Budgets, from the profiles: transient failures get 10 retries (non-interactive) or 3
// (interactive); 404 gets 8 or 2; 429 gets 45 or 5. Attempts are one more.
const TRANSIENT = { nonInteractive: 11, interactive: 4 } as const;
const TOO_MANY = { nonInteractive: 46, interactive: 6 } as const;

/** A retryable status: idempotent requests spend the transient budget, a bare POST is sent once. */
function transientStatus(status: number): FaultRow {
  const cells = (n: number) => ({
    GET: answered(status, n, 'retries'),
    POST: answered(status, 1),
    'POST+key': answered(status, n, 'retries'),
  });
  return {
    id: String(status),
    fault: `${status} forever`,
    play: ({ server }) => route(server, [{ status, body: 'failing' }]),
    expect: {
      nonInteractive: cells(TRANSIENT.nonInteractive),
      interactive: cells(TRANSIENT.interactive),
    },
  };
}

/** A network failure after the request was sent: only idempotent requests are resent. */
function brokenConnection(id: string, fault: string, play: FaultRow['play']): FaultRow {
  const cells = (n: number) => ({
    GET: failed('retries', n),
    POST: failed('notRetryable', 1),
    'POST+key': failed('retries', n),
  });
  return {
    id,
    fault,
    play,
    expect: {
      nonInteractive: cells(TRANSIENT.nonInteractive),
      interactive: cells(TRANSIENT.interactive),
    },
  };
}

/** 429 forever with a given hint: every method class is resent, up to the 429 budget. */
function tooMany(id: string, fault: string, headers: () => Record<string, string>): FaultRow {
  const cells = (n: number) => ({
    GET: answered(429, n, 'retries'),
    POST: answered(429, n, 'retries'),
    'POST+key': answered(429, n, 'retries'),
  });
  return {
    id,
    fault,
    play: ({ server }) => route(server, () => ({ status: 429, headers: headers() })),
    resendsPost: true,
    expect: {
      nonInteractive: cells(TOO_MANY.nonInteractive),
      interactive: cells(TOO_MANY.interactive),
    },
  };
}

/** The same outcome shape in both profiles, with the profile's attempt count. */
function byBudget(
  budget: Readonly<Record<Profile, number>>,
  cells: (n: number) => Readonly<Record<MethodClass, Expected>>,
) {
  return { nonInteractive: cells(budget.nonInteractive), interactive: cells(budget.interactive) };
}

function route(server: FaultServer, script: Parameters<FaultServer['route']>[1]): string {
  server.route('/f', script);
  return `${server.url}/f`;
}

/** What a transport does differently, for the report: why some of its rows differ. */
export const transportNotes: Partial<Readonly<Record<TransportName, string>>> = {
  'undici.fetch':
    '`fetch` follows redirects itself and sends each hop as a dispatch of its own (with `maxRedirections: 0`), so the interceptor under it retries the hop that failed, alone, and cannot know that a request follows a redirect. The rows without a redirect keep every promise.',
};

/** Through `undici.fetch`, a chain whose last hop fails: only that hop is sent again. */
function lastHopRetried(
  budget: Readonly<Record<Profile, number>>,
  cell: (n: number) => Expected,
): TransportDifference {
  return {
    why: 'the GET that failed is retried, not the chain from its first request',
    expect: {
      nonInteractive: { GET: cell(budget.nonInteractive) },
      interactive: { GET: cell(budget.interactive) },
    },
  };
}

/** Through `undici.fetch`, a POST that a 307 sent on: resent as a request of its own. */
function postAfter307(
  budget: Readonly<Record<Profile, number>>,
  cell: (n: number) => Expected,
): TransportDifference {
  return {
    why: 'the request a 307 led to is retried alone; for a POST, a new request that its own failure may let be resent (a 429, a refused connection)',
    expect: {
      nonInteractive: { GET: cell(budget.nonInteractive), POST: cell(budget.nonInteractive) },
      interactive: { GET: cell(budget.interactive), POST: cell(budget.interactive) },
    },
    resendsPost: true,
  };
}

/** The rows of the matrix, in report order. */
export const faults: readonly FaultRow[] = [
  {
    id: 'refused',
    fault: 'connection refused (nothing listens)',
    play: ({ refused }) => `${refused}/f`,
    // The server provably never saw the request, so even a bare POST is resent.
    expect: perProfile(
      failed('retries', TRANSIENT.nonInteractive, 0),
      failed('retries', TRANSIENT.interactive, 0),
    ),
  },
  brokenConnection('close-before-headers', 'connection closed (FIN) before the headers', (c) =>
    route(c.server, [{ close: 'before-headers' }]),
  ),
  brokenConnection('reset-before-headers', 'connection reset (RST) before the headers', (c) =>
    route(c.server, [{ reset: 'before-headers' }]),
  ),
  {
    id: 'reset-mid-body',
    fault: 'headers, 100 of 1,000 body bytes, then reset',
    play: ({ server }) => route(server, [{ reset: 'mid-body', bodyBytes: 1000, after: 100 }]),
    expect: everywhere(bodyFails(200)),
  },
  {
    ...brokenConnection('hang', `never answers (requestTimeout ${HANG_TIMEOUT} s)`, (c) =>
      route(c.server, [{ hang: true }]),
    ),
    overrides: { requestTimeout: HANG_TIMEOUT },
  },
  {
    id: 'slow-headers',
    fault: `headers after 500 ms once, then at once (requestTimeout ${HANG_TIMEOUT} s)`,
    play: ({ server }) =>
      route(server, [
        { slowHeaders: 500, reply: { status: 200 } },
        { status: 200, body: 'ok' },
      ]),
    overrides: { requestTimeout: HANG_TIMEOUT },
    expect: {
      nonInteractive: {
        GET: answered(200, 2),
        POST: failed('notRetryable', 1),
        'POST+key': answered(200, 2),
      },
      interactive: {
        GET: answered(200, 2),
        POST: failed('notRetryable', 1),
        'POST+key': answered(200, 2),
      },
    },
  },
  {
    id: 'slow-body',
    fault: `headers at once, 3,000 body bytes over 450 ms (requestTimeout ${HANG_TIMEOUT} s)`,
    play: ({ server }) =>
      route(server, [{ slowBody: { bytes: 3000, chunks: 3, intervalMs: 150 } }]),
    overrides: { requestTimeout: HANG_TIMEOUT },
    expect: everywhere({ outcome: 'response', status: 200, attempts: 1, seen: 1, bytes: 3000 }),
  },
  transientStatus(500),
  transientStatus(502),
  transientStatus(503),
  transientStatus(504),
  tooMany('429-delta', '429 with `Retry-After: 2`', () => ({ 'retry-after': '2' })),
  tooMany('429-date', '429 with `Retry-After` an HTTP-date 2 s ahead', () => ({
    'retry-after': new Date(Date.now() + 2000).toUTCString(),
  })),
  tooMany('429-ms', '429 with `retry-after-ms: 1500`', () => ({ 'retry-after-ms': '1500' })),
  tooMany('429-none', '429 without a hint', () => ({})),
  {
    id: '429-beyond',
    fault: '429 with `Retry-After: 7200` (beyond the budget)',
    play: ({ server }) => route(server, [{ status: 429, headers: { 'retry-after': '7200' } }]),
    resendsPost: true,
    expect: everywhere(answered(429, 1, 'retryAfter')),
  },
  {
    id: '404-then-200',
    fault: '404 once, then 200',
    play: ({ server }) => route(server, [{ status: 404 }, { status: 200, body: 'found' }]),
    expect: {
      nonInteractive: {
        GET: answered(200, 2, undefined, 5),
        POST: answered(404, 1, undefined, 0),
        'POST+key': answered(200, 2, undefined, 5),
      },
      interactive: {
        GET: answered(200, 2, undefined, 5),
        POST: answered(404, 1, undefined, 0),
        'POST+key': answered(200, 2, undefined, 5),
      },
    },
  },
  {
    id: 'redirect-loop',
    fault: '302 to itself, forever',
    play: ({ server }) => route(server, [{ redirect: '/f' }]),
    // 1 request + 20 redirects followed (maxRedirects), then a TypeError: not retried.
    expect: everywhere(failed('notRetryable', 1, 21)),
    differs: {
      'undici.fetch': {
        why: "fetch's own limit of 20 redirects ends it, with its own TypeError",
        expect: everywhere({ outcome: 'fetchError', seen: 21 }),
      },
    },
  },
  {
    id: 'redirect-cross-origin',
    fault: '307 to another origin, which answers 200',
    play: ({ server, other }) => {
      other.route('/landing', [{ status: 200, body: 'landed' }]);
      return route(server, [{ redirect: `${other.url}/landing`, status: 307 }]);
    },
    // One attempt, two requests: one per origin.
    expect: everywhere({ outcome: 'response', status: 200, attempts: 1, seen: 2, bytes: 6 }),
    differs: {
      'undici.fetch': {
        why: 'fetch drops only Authorization, Cookie and Proxy-Authorization on another origin; the interceptor cannot apply `sensitiveHeaders` to a hop it does not follow',
        sendsSensitive: true,
      },
    },
  },
  {
    id: 'redirect-data',
    fault: '302 to a `data:` URL',
    play: ({ server }) => route(server, [{ redirect: 'data:text/plain,hello' }]),
    // Only http: and https: redirects are followed: a TypeError inside the one attempt.
    expect: everywhere(failed('notRetryable', 1)),
    differs: {
      'undici.fetch': {
        why: 'fetch refuses the redirect itself, with its own TypeError',
        expect: everywhere({ outcome: 'fetchError', seen: 1 }),
      },
    },
  },
  // Post/Redirect/Get: the POST was answered (303), so only the GET it led to is retried,
  // and a GET chain starts over from its first request.
  {
    id: 'prg-refused',
    fault: '`303 See Other` to a GET where nothing listens',
    play: ({ server, refused }) => route(server, [{ redirect: `${refused}/done`, status: 303 }]),
    expect: byBudget(TRANSIENT, (n) => ({
      GET: failed('retries', n),
      POST: failed('retries', n, 1),
      'POST+key': failed('retries', n, 1),
    })),
    differs: { 'undici.fetch': lastHopRetried(TRANSIENT, (n) => failed('retries', n, 1)) },
  },
  {
    id: 'prg-429',
    fault: '`303 See Other` to a GET answered 429 without a hint',
    play: ({ server }) => {
      server.route('/done', [{ status: 429 }]);
      return route(server, [{ redirect: '/done', status: 303 }]);
    },
    expect: byBudget(TOO_MANY, (n) => ({
      GET: { outcome: 'response', status: 429, attempts: n, seen: 2 * n, reason: 'retries' },
      POST: { outcome: 'response', status: 429, attempts: n, seen: 1 + n, reason: 'retries' },
      'POST+key': { outcome: 'response', status: 429, attempts: n, seen: 1 + n, reason: 'retries' },
    })),
    differs: {
      'undici.fetch': lastHopRetried(TOO_MANY, (n) => ({
        outcome: 'response',
        status: 429,
        attempts: n,
        seen: 1 + n,
        reason: 'retries',
      })),
    },
  },
  {
    id: 'prg-503',
    fault: '`303 See Other` to a GET answered 503',
    play: ({ server }) => {
      server.route('/done', [{ status: 503 }]);
      return route(server, [{ redirect: '/done', status: 303 }]);
    },
    expect: byBudget(TRANSIENT, (n) => ({
      GET: { outcome: 'response', status: 503, attempts: n, seen: 2 * n, reason: 'retries' },
      POST: { outcome: 'response', status: 503, attempts: n, seen: 1 + n, reason: 'retries' },
      'POST+key': { outcome: 'response', status: 503, attempts: n, seen: 1 + n, reason: 'retries' },
    })),
    differs: {
      'undici.fetch': lastHopRetried(TRANSIENT, (n) => ({
        outcome: 'response',
        status: 503,
        attempts: n,
        seen: 1 + n,
        reason: 'retries',
      })),
    },
  },
  // A 307 keeps the POST: the one the server answered with the redirect is not resent
  // without a key, even where the next server says it did not process it.
  {
    id: '307-429',
    fault: '`307` to a path answered 429 without a hint',
    play: ({ server }) => {
      server.route('/moved', [{ status: 429 }]);
      return route(server, [{ redirect: '/moved', status: 307 }]);
    },
    expect: byBudget(TOO_MANY, (n) => ({
      GET: { outcome: 'response', status: 429, attempts: n, seen: 2 * n, reason: 'retries' },
      POST: { outcome: 'response', status: 429, attempts: 1, seen: 2 },
      'POST+key': { outcome: 'response', status: 429, attempts: n, seen: 1 + n, reason: 'retries' },
    })),
    differs: {
      'undici.fetch': postAfter307(TOO_MANY, (n) => ({
        outcome: 'response',
        status: 429,
        attempts: n,
        seen: 1 + n,
        reason: 'retries',
      })),
    },
  },
  {
    id: '307-refused',
    fault: '`307` to a port where nothing listens',
    play: ({ server, refused }) => route(server, [{ redirect: `${refused}/moved`, status: 307 }]),
    expect: byBudget(TRANSIENT, (n) => ({
      GET: failed('retries', n),
      POST: failed('notRetryable', 1),
      'POST+key': failed('retries', n, 1),
    })),
    differs: { 'undici.fetch': postAfter307(TRANSIENT, (n) => failed('retries', n, 1)) },
  },
  {
    id: 'truncated',
    fault: '`Content-Length: 1000`, 100 bytes, then close',
    play: ({ server }) => route(server, [{ truncate: { declared: 1000, sent: 100 } }]),
    expect: everywhere(bodyFails(200)),
  },
  {
    id: 'invalid-http',
    fault: 'bytes that are not HTTP',
    play: ({ server }) => route(server, [{ invalid: true }]),
    // A protocol error is not a transient failure: nothing is resent.
    expect: everywhere(failed('notRetryable', 1)),
  },
];
