/**
 * The built main entry in a real browser: headless Chromium loads a page from one fault
 * server, the page imports dist/index.js as an ES module and runs a Session against
 * another fault server (another origin, so CORS applies).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backoff } from '../../src/backoff/backoff.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';
import { evaluateInChromium, findChromium, type PageLog } from './chromium.js';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The page: imports the built entry, reports what happened through `window.result`. */
const page = (api: string, refused: string) => `<!doctype html>
<meta charset="utf-8">
<title>orionclient in a browser</title>
<script type="module">
window.result = (async () => {
  const { Backoff, Session, VirtualClock, retryInfo } = await import('/dist/index.js');
  const retries = [];
  const session = new Session({
    base: 0.01,
    onRetry: ({ attempt, status, source }) => void retries.push({ attempt, status, source }),
  });
  const response = await session.get('${api}/flaky', { headers: { 'x-request-id': 'page-1' } });
  // The browser follows the redirect: manual redirects are opaque in a browser.
  const moved = await session.get('${api}/moved');
  // A refused connection is a bare TypeError here, retried like any network failure.
  const refused = await session
    .get('${refused}/x', { retry: { retries: 2 } })
    .catch((error) => ({ name: error.name, reason: error.reason, attempts: error.attempts.length }));
  const clock = new VirtualClock({ seed: 7 });
  const backoff = new Backoff({ clock });
  for (let i = 0; i < 45; i++) await backoff.sleep(429);
  return {
    status: response.status,
    body: await response.text(),
    attempts: retryInfo(response)?.attempts.length,
    retries,
    moved: { status: moved.status, redirected: moved.redirected, body: await moved.text() },
    refused,
    virtualSeconds: clock.now(),
  };
})().catch((error) => ({ error: String(error?.stack ?? error) }));
</script>
`;

/** The README's VirtualClock example, run here: the page must reach the same virtual time. */
async function virtualSeconds(): Promise<number> {
  const clock = new VirtualClock({ seed: 7 });
  const backoff = new Backoff({ clock });
  for (let i = 0; i < 45; i++) await backoff.sleep(429);
  return clock.now();
}

/**
 * A module worker: the built entry runs there as in a page.
 */
const worker = (api: string) => `import { Session } from '/dist/index.js';
const retries = [];
const session = new Session({ base: 0.01, onRetry: ({ status, source }) => void retries.push({ status, source }) });
const response = await session.get('${api}/in-worker');
postMessage({ scope: self.constructor.name, status: response.status, body: await response.text(), retries });
`;

/**
 * The page of the browser's limits: what CORS hides, what a browser reports as a bare
 * TypeError, and the redirects the browser follows itself.
 */
const limitsPage = (api: string, closed: string, refused: string) => `<!doctype html>
<meta charset="utf-8">
<title>orionclient in a browser: its limits</title>
<script type="module">
window.result = (async () => {
  const { Session } = await import('/dist/index.js');
  const inWorker = await new Promise((resolve, reject) => {
    const w = new Worker('/worker.js', { type: 'module' });
    w.onmessage = (event) => { w.terminate(); resolve(event.data); };
    w.onerror = (event) => reject(new Error('worker: ' + event.message));
  });
  const session = new Session({ base: 0.01, cap: 0.05 });
  const failure = (error) => ({ name: error.name, reason: error.reason, attempts: error.attempts?.length });
  const hiddenEvents = [];
  const hidden = await session.get('${api}/hidden', {
    onRetry: ({ status, source, delay }) => void hiddenEvents.push({ status, source, short: delay < 1 }),
  });
  const refusedByCors = await session.get('${closed}/data', { retry: { retries: 2 } }).catch(failure);
  const postRefused = await session.post('${refused}/x', { body: 'once' }).catch(failure);
  const keyed = new Session({
    base: 0.01,
    headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k3y' },
    sensitiveHeaders: ['x-api-key'],
  });
  const away = await keyed.get('${api}/away');
  const order = await session.post('${api}/orders', { body: 'order' });
  return {
    inWorker,
    hidden: { status: hidden.status, events: hiddenEvents },
    refusedByCors,
    postRefused,
    away: { status: away.status, redirected: away.redirected },
    order: { status: order.status, redirected: order.redirected },
  };
})().catch((error) => ({ error: String(error?.stack ?? error) }));
</script>
`;

describe("in Chromium (Debian's chromium, headless)", () => {
  let api: FaultServer;
  let pages: FaultServer;
  let closed: FaultServer;
  let other: FaultServer;

  beforeAll(async () => {
    api = await startFaultServer({ cors: true });
    pages = await startFaultServer();
    closed = await startFaultServer();
    other = await startFaultServer({ cors: true });
    if (existsSync(dist)) {
      for (const file of readdirSync(dist, { recursive: true }).map(String)) {
        if (!file.endsWith('.js')) continue;
        const body = readFileSync(`${dist}${file}`);
        pages.route(`/dist/${file}`, [
          { status: 200, headers: { 'content-type': 'text/javascript' }, body },
        ]);
      }
    }
    pages.route('/index.html', [
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: page(api.url, await refusedUrl()),
      },
    ]);
    pages.route('/limits.html', [
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: limitsPage(api.url, closed.url, await refusedUrl()),
      },
    ]);
    pages.route('/worker.js', [
      { status: 200, headers: { 'content-type': 'text/javascript' }, body: worker(api.url) },
    ]);
  });
  afterAll(async () => {
    await api?.close();
    await pages?.close();
    await closed?.close();
    await other?.close();
  });

  it('finds the browser and the built entry (npm test builds dist/ first)', () => {
    expect(findChromium(), "Chromium on PATH (Debian's `chromium` package)").toBeDefined();
    expect(existsSync(`${dist}index.js`), 'dist/index.js').toBe(true);
  });

  it('runs a Session from dist/index.js through 503, then 429 with Retry-After: 1, to a 200 on another origin', async () => {
    api.route('/flaky', [
      { status: 503 },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: 'ok' },
    ]);
    api.route('/moved', [{ redirect: '/target' }]);
    api.route('/target', [{ status: 200, body: 'there' }]);
    const log: PageLog = { lines: [] };
    const result = await evaluateInChromium(`${pages.url}/index.html`, 'window.result', log);

    expect(result, log.lines.join('\n')).toEqual({
      status: 200,
      body: 'ok',
      attempts: 3,
      retries: [
        { attempt: 1, status: 503, source: 'backoff' },
        { attempt: 2, status: 429, source: 'retry-after' },
        // The refused connection's two retries.
        { attempt: 1, source: 'backoff' },
        { attempt: 2, source: 'backoff' },
      ],
      moved: { status: 200, redirected: true, body: 'there' },
      refused: { name: 'RetryError', reason: 'retries', attempts: 3 },
      virtualSeconds: await virtualSeconds(),
    });
    // Only the scripted GETs reach the script: CORS preflights are answered apart.
    const gets = api.requests.filter((r) => r.path === '/flaky');
    expect(gets.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(gets.every((r) => r.headers.origin === pages.url)).toBe(true);
    expect(gets.every((r) => r.headers['x-request-id'] === 'page-1')).toBe(true);
    // Retry-After is a minimum: the page read it through Access-Control-Expose-Headers.
    expect(gets[2]!.time - gets[1]!.time).toBeGreaterThanOrEqual(1000);
    // The page loaded the entry from the other server.
    expect(pages.requests.map((r) => r.path)).toContain('/dist/index.js');
  }, 60_000);

  it("runs in a worker too, and keeps to a browser's limits: hidden Retry-After, bare TypeErrors, followed redirects", async () => {
    api.route('/in-worker', [{ status: 503 }, { status: 200, body: 'from a worker' }]);
    // A Retry-After the page may not read: no Access-Control-Expose-Headers.
    const hiddenRetryAfter = [
      'HTTP/1.1 503 Service Unavailable',
      `Access-Control-Allow-Origin: ${pages.url}`,
      'Retry-After: 30',
      'Content-Length: 0',
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    api.route('/hidden', [{ raw: hiddenRetryAfter }, { status: 200 }]);
    closed.route('/data', [{ status: 200, body: 'not for that page' }]);
    api.route('/away', [{ redirect: `${other.url}/landing`, status: 307 }]);
    other.route('/landing', [{ status: 200 }]);
    api.route('/orders', [{ redirect: '/orders/1', status: 303 }]);
    api.route('/orders/1', [{ status: 503 }]);
    const log: PageLog = { lines: [] };
    const result = await evaluateInChromium(`${pages.url}/limits.html`, 'window.result', log);

    expect(result, log.lines.join('\n')).toEqual({
      inWorker: {
        scope: 'DedicatedWorkerGlobalScope',
        status: 200,
        body: 'from a worker',
        retries: [{ status: 503, source: 'backoff' }],
      },
      // The session could not read the 30 s: it backed off on its own schedule.
      hidden: { status: 200, events: [{ status: 503, source: 'backoff', short: true }] },
      // A CORS refusal is a bare TypeError, retried as a network failure…
      refusedByCors: { name: 'RetryError', reason: 'retries', attempts: 3 },
      // …which never proves that a POST was not sent.
      postRefused: { name: 'RetryError', reason: 'notRetryable', attempts: 1 },
      away: { status: 200, redirected: true },
      order: { status: 503, redirected: true },
    });
    expect(closed.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    // The browser followed the redirect: it dropped Authorization on the other origin, but
    // not the other header the session names as sensitive.
    const landed = other.requests.filter((r) => r.path === '/landing');
    expect(landed).toHaveLength(1);
    expect(landed[0]!.headers.authorization).toBeUndefined();
    expect(landed[0]!.headers['x-api-key']).toBe('k3y');
    // A POST whose redirect the browser followed was answered: it is not sent again.
    const orders = api.requests.filter((r) => r.path.startsWith('/orders'));
    expect(orders.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /orders', 'GET /orders/1']);
  }, 60_000);
});
