import { afterEach, describe, expect, it } from 'vitest';
import { type FaultServer, startFaultServer } from './fault-server.js';

const page = 'http://127.0.0.1:9';

describe('the fault server for browser pages (cors: true)', () => {
  let server: FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("lets the page's origin read the response and the headers its fault sets", async () => {
    server = await startFaultServer({ cors: true });
    server.route('/x', [{ status: 429, headers: { 'Retry-After': '1', 'x-quota': 'a' } }]);
    const response = await fetch(`${server.url}/x`, { headers: { origin: page } });
    expect(response.status).toBe(429);
    expect(response.headers.get('access-control-allow-origin')).toBe(page);
    expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After, x-quota');
    expect(response.headers.get('vary')).toBe('Origin');
    const missing = await fetch(`${server.url}/nowhere`, { headers: { origin: page } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(page);
  });

  it('exposes what redirects and files send', async () => {
    server = await startFaultServer({ cors: true });
    server.route('/moved', [{ slowHeaders: 1, reply: { redirect: '/x' } }]);
    server.route('/file', [{ file: { body: new Uint8Array(4), etag: '"v1"' } }]);
    const moved = await fetch(`${server.url}/moved`, { redirect: 'manual' });
    expect(moved.headers.get('access-control-expose-headers')).toBe('location');
    expect(moved.headers.get('access-control-allow-origin')).toBe('*');
    const file = await fetch(`${server.url}/file`);
    await file.arrayBuffer();
    expect(file.headers.get('access-control-expose-headers')).toBe(
      'etag, last-modified, accept-ranges, content-range',
    );
  });

  it('answers a preflight itself: 204, the method and headers asked for, script untouched', async () => {
    server = await startFaultServer({ cors: true });
    server.route('/x', [{ status: 503 }, { status: 200, body: 'ok' }]);
    const preflight = await fetch(`${server.url}/x`, {
      method: 'OPTIONS',
      headers: {
        origin: page,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'idempotency-key, x-request-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers)).toMatchObject({
      'access-control-allow-origin': page,
      'access-control-allow-methods': 'PUT',
      'access-control-allow-headers': 'idempotency-key, x-request-id',
    });
    expect(server.requests).toEqual([]);
    const first = await fetch(`${server.url}/x`, { method: 'PUT', headers: { origin: page } });
    expect(first.status).toBe(503);
    expect(server.requests.map((r) => [r.method, r.n])).toEqual([['PUT', 0]]);
  });

  it('sends no CORS headers by default, and plays the script for any OPTIONS', async () => {
    server = await startFaultServer();
    server.route('/x', [{ status: 200, headers: { 'retry-after': '1' } }]);
    const options = await fetch(`${server.url}/x`, {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'GET' },
    });
    expect(options.status).toBe(200);
    const names = [...options.headers.keys()];
    expect(names.filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect(server.requests.map((r) => r.method)).toEqual(['OPTIONS']);
  });

  it('rejects a bad option, naming it', async () => {
    await expect(startFaultServer({ cors: 'yes' as unknown as boolean })).rejects.toThrow(
      new TypeError('`cors` must be a boolean, got "yes" (string)'),
    );
    await expect(startFaultServer({ corse: true } as never)).rejects.toThrow(
      /Unknown option `corse` in fault server options; did you mean `cors`\?/,
    );
  });
});
