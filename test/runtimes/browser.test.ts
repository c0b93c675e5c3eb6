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

describe("in Chromium (Debian's chromium, headless)", () => {
  let api: FaultServer;
  let pages: FaultServer;

  beforeAll(async () => {
    api = await startFaultServer({ cors: true });
    pages = await startFaultServer();
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
  });
  afterAll(async () => {
    await api?.close();
    await pages?.close();
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
});
