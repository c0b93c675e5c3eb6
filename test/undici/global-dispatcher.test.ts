/**
 * The interceptor as the global dispatcher: `setGlobalDispatcher(new Agent().compose(retry()))`
 * from the npm `undici` reaches Node's own `fetch` (undici 6 inside Node 20, undici 7
 * inside Node 24: both read the dispatcher from the same global), and so every SDK that
 * calls it. This file runs on whichever Node runs the suite; CI runs both.
 */
import OpenAI from 'openai';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RetryEvent } from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { retry } from '../../src/undici/index.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';

let server: FaultServer;
let previous: Dispatcher;
const agent = new Agent();
const events: RetryEvent[] = [];

beforeAll(() => {
  previous = getGlobalDispatcher();
  const clock = new VirtualClock({ seed: 1 });
  setGlobalDispatcher(agent.compose(retry({ clock, onRetry: (e) => void events.push(e) })));
});
afterAll(async () => {
  setGlobalDispatcher(previous);
  await agent.close();
});
beforeEach(async () => {
  server = await startFaultServer();
  events.length = 0;
});
afterEach(async () => {
  await server.close();
});

const seen = (path: string) => server.requests.filter((r) => r.path === path);

describe(`Node's own fetch (Node ${process.version}, undici ${process.versions.undici}) through the global dispatcher`, () => {
  it('is retried: a 503 then a 200', async () => {
    server.route('/a', [{ status: 503 }, { status: 200, body: 'ok' }]);
    const response = await fetch(`${server.url}/a`);
    expect([response.status, await response.text()]).toEqual([200, 'ok']);
    expect(events.map((e) => e.status)).toEqual([503]);
  });

  it('resends a POST body with an Idempotency-Key, and sends a bare POST once after a 503', async () => {
    server.route('/keyed', [{ status: 503 }, { status: 200 }]);
    server.route('/bare', [{ status: 503 }, { status: 200 }]);
    const key = { 'idempotency-key': 'k-1' };
    await (await fetch(`${server.url}/keyed`, { method: 'POST', body: 'x', headers: key })).text();
    const bare = await fetch(`${server.url}/bare`, { method: 'POST', body: 'y' });
    await bare.text();
    expect(seen('/keyed').map((r) => String(r.body))).toEqual(['x', 'x']);
    expect([bare.status, seen('/bare').length]).toEqual([503, 1]);
  });

  it('rejects with fetch failed, the RetryError its cause, when no response ever came', async () => {
    const error = await fetch(`${await refusedUrl()}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toBeInstanceOf(RetryError);
    expect(((error as TypeError).cause as RetryError).attempts).toHaveLength(11);
  });

  it('resumes a body that breaks off', async () => {
    const body = new Uint8Array(4000).fill(98);
    server.route('/file', [
      { file: { body, etag: '"v"', cutAfter: 1000 } },
      { file: { body, etag: '"v"' } },
    ]);
    const response = await fetch(`${server.url}/file`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(body);
    expect(seen('/file').map((r) => r.headers.range)).toEqual([undefined, 'bytes=1000-']);
  });

  it('retries an SDK that calls it (openai, its own retries off)', async () => {
    const models = {
      object: 'list',
      data: [{ id: 'm-1', object: 'model', created: 0, owned_by: 'o' }],
    };
    server.route('/v1/models', [
      { status: 429, headers: { 'retry-after': '1' } },
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(models),
      },
    ]);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['m-1']);
    expect(seen('/v1/models')).toHaveLength(2);
    expect(events.map((e) => [e.status, e.source])).toEqual([[429, 'retry-after']]);
  });
});
