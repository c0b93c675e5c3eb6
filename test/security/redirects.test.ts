/**
 * Sensitive headers never follow a redirect to another origin, including a downgrade from
 * https to http on the same host, and do follow a same-origin one. Real TLS: a self-signed
 * certificate made with `openssl`, trusted by a child process through NODE_EXTRA_CA_CERTS
 * (the library and the CLI run there, built), so no check is switched off anywhere.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../src/http/session.js';
import { RetryError } from '../../src/retry/errors.js';
import { buildCli, runCli } from '../cli/helpers.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { planted } from './exposure.js';
import { startTlsServer, type TlsServer } from './tls.js';

const names = Object.keys(planted) as (keyof typeof planted)[];
const carried = (headers: Record<string, unknown>) => names.filter((n) => headers[n] !== undefined);

describe('redirects through Session, with an injected fetch', () => {
  /** A fetch that answers from a table and records the headers of every request. */
  function scriptedFetch(routes: Record<string, [number, string?]>) {
    const seen: Array<{ url: string; headers: Record<string, string> }> = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      seen.push({ url, headers: Object.fromEntries(new Headers(init?.headers)) });
      const [status, location] = routes[url] ?? [200];
      return new Response(null, { status, headers: location ? { location } : {} });
    };
    return { fetch: fetch as typeof globalThis.fetch, seen };
  }

  it.each([
    ['https → http on the same host', 'https://api.test/a', 'http://api.test/b', false],
    ['https → https on another port', 'https://api.test/a', 'https://api.test:8443/b', false],
    ['to another host', 'https://api.test/a', 'https://cdn.test/b', false],
    ['http → https on the same host', 'http://api.test/a', 'https://api.test/b', false],
    ['to the same origin', 'https://api.test/a', 'https://api.test/b', true],
    [
      'to the same origin, written with the default port',
      'https://api.test/a',
      'https://api.test:443/b',
      true,
    ],
  ])('%s: sensitive headers kept = %s', async (_, from, to, kept) => {
    for (const status of [301, 302, 303, 307, 308]) {
      const { fetch, seen } = scriptedFetch({ [from]: [status, to] });
      const session = new Session({ fetch, headers: planted, sensitiveHeaders: ['X-API-Key'] });
      expect((await session.get(from)).status).toBe(200);
      expect(seen.map((s) => s.url)).toEqual([from, new URL(to).href]);
      expect(carried(seen[0]!.headers)).toEqual(names);
      expect(carried(seen[1]!.headers)).toEqual(kept ? names : []);
    }
  });
});

describe('redirects to what fetch would not follow, against a real server', () => {
  let server: FaultServer;
  beforeAll(async () => {
    server = await startFaultServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['data:text/plain,hello', /redirected to a "data:" URL; only http: and https: redirects/],
    ['file:///etc/passwd', /redirected to a "file:" URL; only http: and https: redirects/],
    ['ftp://127.0.0.1/x', /redirected to a "ftp:" URL; only http: and https: redirects/],
    ['javascript:alert(1)', /redirected to a "javascript:" URL; only http: and https: redirects/],
    ['http://[::1', /redirected to a Location that is not a valid URL; not followed/],
    ['http://user:pw@127.0.0.1:1/', /redirected to a URL with credentials \(user:password@\)/],
  ])('%s: a TypeError inside the one attempt, not retried', async (location, message) => {
    const before = server.requests.length;
    server.route('/r', [{ redirect: location, status: 302 }]);
    const error = await new Session({ headers: planted })
      .get(`${server.url}/r`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect([(error as RetryError).reason, (error as RetryError).attempts.length]).toEqual([
      'notRetryable',
      1,
    ]);
    const cause = (error as RetryError).cause;
    expect(cause).toBeInstanceOf(TypeError);
    expect((cause as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/r: /);
    expect((cause as Error).message).toMatch(message);
    expect(server.requests.length - before).toBe(1);
  });
});

describe('redirects over real TLS, https → http on the same host', () => {
  let http: FaultServer;
  let tls: TlsServer;
  let cli: string;
  beforeAll(async () => {
    cli = buildCli();
    http = await startFaultServer();
    http.route('/landing', [{ status: 200, body: 'landed' }]);
    tls = await startTlsServer({
      '/cross': [302, `${http.url}/landing`],
      '/cross-307': [307, `${http.url}/landing`],
      '/same': [302, '/final'],
      '/final': [200],
    });
  });
  afterAll(async () => {
    await Promise.all([http?.close(), tls?.close()]);
  });

  /** Runs the built library in a child that trusts the test certificate. */
  function runLibrary(urls: string[], method = 'GET'): Promise<string> {
    const index = join(dirname(dirname(cli)), 'index.js');
    const script = `
      const { Session } = await import(${JSON.stringify(index)});
      const session = new Session({ headers: ${JSON.stringify(planted)}, sensitiveHeaders: ['x-api-key'], retries: 0 });
      const statuses = [];
      for (const url of ${JSON.stringify(urls)}) {
        const response = await session.fetch(url, { method: ${JSON.stringify(method)}, ...(${JSON.stringify(method)} === 'GET' ? {} : { body: 'x' }) });
        statuses.push(response.status, await response.text());
      }
      process.stdout.write(JSON.stringify(statuses));
      process.exit(0);`;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: tls.certPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
    });
  }

  it('the library keeps every sensitive header on the same origin and drops all of them on the downgrade', async () => {
    const before = http.requests.length;
    const out = await runLibrary([`${tls.url}/same`, `${tls.url}/cross`]);
    expect(JSON.parse(out)).toEqual([200, '/final', 200, 'landed']);
    expect(carried(tls.seen.find((s) => s.path === '/final')!.headers)).toEqual(names);
    expect(carried(tls.seen.find((s) => s.path === '/cross')!.headers)).toEqual(names);
    const landed = http.requests.slice(before);
    expect(landed).toHaveLength(1);
    expect(carried(landed[0]!.headers)).toEqual([]);
  });

  it('a POST through a 307 downgrade keeps its body but not its credentials', async () => {
    const before = http.requests.length;
    expect(JSON.parse(await runLibrary([`${tls.url}/cross-307`], 'POST'))).toEqual([200, 'landed']);
    const [landed] = http.requests.slice(before);
    expect([landed!.method, landed!.body.toString()]).toEqual(['POST', 'x']);
    expect(carried(landed!.headers)).toEqual([]);
  });

  it('an untrusted certificate is not retried, and nothing is sent over the failed handshake', async () => {
    const before = tls.seen.length;
    const error = await new Session({ headers: planted })
      .get(`${tls.url}/final`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect((error as RetryError).reason).toBe('notRetryable');
    expect((error as RetryError).attempts).toHaveLength(1);
    expect(tls.seen.length).toBe(before);
  });

  it('orionclient get drops every -H header (Authorization, Cookie, Proxy-Authorization, X-Api-Key) on the downgrade', async () => {
    const before = http.requests.length;
    const args = names.flatMap((name) => ['-H', `${name}: ${planted[name]}`]);
    const r = await runCli(cli, ['get', `${tls.url}/cross`, ...args], {
      env: { NODE_EXTRA_CA_CERTS: tls.certPath },
    });
    expect([r.code, r.stdout.toString()]).toEqual([0, 'landed']);
    const [landed] = http.requests.slice(before);
    expect(carried(tls.seen.at(-1)!.headers)).toEqual(names);
    expect(carried(landed!.headers)).toEqual([]);
  });
});
