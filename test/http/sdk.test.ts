/**
 * Real SDKs run through a detached `session.fetch` against the fault server, with their
 * own retries off: the session rides out a 429 with `Retry-After` and a 503, and the
 * server sees exactly the attempts the session's rules allow.
 */
import { Octokit } from '@octokit/core';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/http/session.js';
import type { RetryEvent } from '../../src/retry/contract.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type Fault, type FaultServer, startFaultServer } from '../support/fault-server.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

function session(options: ConstructorParameters<typeof Session>[0] = {}) {
  const events: RetryEvent[] = [];
  const clock = new VirtualClock({ seed: 1 });
  const s = new Session({ clock, onRetry: (e) => void events.push(e), ...options });
  return { session: s, events, clock };
}

const json = (body: unknown, status = 200): Fault => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const busy: Fault = { status: 429, headers: { 'retry-after': '2' } };
const down: Fault = { status: 503, body: 'down' };
const seen = (path: string) => server.requests.filter((r) => r.path === path);

describe('openai through session.fetch (maxRetries: 0)', () => {
  const client = (fetch: Session['fetch']) =>
    new OpenAI({ apiKey: 'sk-test', baseURL: `${server.url}/v1`, fetch, maxRetries: 0 });
  const models = {
    object: 'list',
    data: [{ id: 'm-1', object: 'model', created: 0, owned_by: 'o' }],
  };
  const completion = {
    id: 'c-1',
    object: 'chat.completion',
    created: 0,
    model: 'm-1',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }],
  };

  it('a GET rides out a 429 with Retry-After and a 503: three requests, one result', async () => {
    server.route('/v1/models', [busy, down, json(models)]);
    const { session: s, events, clock } = session();
    const page = await client(s.fetch).models.list();
    expect(page.data.map((m) => m.id)).toEqual(['m-1']);
    expect(seen('/v1/models').map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(seen('/v1/models').map((r) => r.headers.authorization)).toEqual(
      Array(3).fill('Bearer sk-test'),
    );
    expect(events.map((e) => [e.status, e.source])).toEqual([
      [429, 'retry-after'],
      [503, 'backoff'],
    ]);
    expect(events[0]!.delay).toBeGreaterThanOrEqual(2);
    expect(clock.now()).toBe(events[0]!.delay + events[1]!.delay);
  });

  it('a POST is resent after a 429 but not after a 503: the SDK sees the 503', async () => {
    server.route('/v1/chat/completions', [busy, down, json(completion)]);
    const { session: s } = session();
    const error = await client(s.fetch)
      .chat.completions.create({ model: 'm-1', messages: [{ role: 'user', content: 'hello' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    const posts = seen('/v1/chat/completions');
    expect(posts.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(posts[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('a POST with an Idempotency-Key rides out the 503 too, the same body each time', async () => {
    server.route('/v1/chat/completions', [busy, down, json(completion)]);
    const { session: s } = session();
    const result = await client(s.fetch).chat.completions.create(
      { model: 'm-1', messages: [{ role: 'user', content: 'hello' }] },
      { headers: { 'Idempotency-Key': 'chat-42' } },
    );
    expect(result.choices[0]!.message.content).toBe('hi');
    const posts = seen('/v1/chat/completions');
    expect(posts.map((r) => r.headers['idempotency-key'])).toEqual(Array(3).fill('chat-42'));
    expect(new Set(posts.map((r) => r.body.toString())).size).toBe(1);
  });
});

describe("an SDK's own retries left on", () => {
  it("multiply the session's: a failing call is tried (SDK retries + 1) × (session retries + 1) times", async () => {
    // retry-after-ms keeps the SDK's own sleep to a millisecond of real time.
    server.route('/v1/models', [{ status: 503, headers: { 'retry-after-ms': '1' }, body: 'down' }]);
    const { session: s } = session({ retries: 1 });
    const openai = new OpenAI({
      apiKey: 'sk-test',
      baseURL: `${server.url}/v1`,
      fetch: s.fetch,
      maxRetries: 1,
    });
    const error = await openai.models.list().catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(seen('/v1/models')).toHaveLength((1 + 1) * (1 + 1));
  });
});

describe('Octokit through session.fetch (no retry plugin)', () => {
  const client = (fetch: Session['fetch']) =>
    new Octokit({ baseUrl: server.url, auth: 'gh-token', request: { fetch } });

  it('a GET rides out a 429 with Retry-After and a 503: three requests, one result', async () => {
    server.route('/repos/octo/hello', [busy, down, json({ id: 1, full_name: 'octo/hello' })]);
    const { session: s, events } = session();
    const response = await client(s.fetch).request('GET /repos/{owner}/{repo}', {
      owner: 'octo',
      repo: 'hello',
    });
    expect([response.status, response.data.full_name]).toEqual([200, 'octo/hello']);
    const gets = seen('/repos/octo/hello');
    expect(gets.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(gets.map((r) => r.headers.authorization)).toEqual(Array(3).fill('token gh-token'));
    expect(events.map((e) => [e.status, e.source])).toEqual([
      [429, 'retry-after'],
      [503, 'backoff'],
    ]);
  });

  it('a POST with an idempotency-key header rides out a 503, the same key and body each time', async () => {
    server.route('/repos/octo/hello/issues', [down, json({ number: 7 }, 201)]);
    const { session: s } = session();
    const response = await client(s.fetch).request('POST /repos/{owner}/{repo}/issues', {
      owner: 'octo',
      repo: 'hello',
      title: 'flaky',
      headers: { 'idempotency-key': 'issue-7' },
    });
    expect([response.status, response.data.number]).toEqual([201, 7]);
    const posts = seen('/repos/octo/hello/issues');
    expect(posts.map((r) => r.headers['idempotency-key'])).toEqual(['issue-7', 'issue-7']);
    expect(new Set(posts.map((r) => r.body.toString())).size).toBe(1);
  });

  it('with retriesByStatus { 404: 0 }, a 404 is an answer: one request, and Octokit throws it', async () => {
    server.route('/repos/octo/missing', [json({ message: 'Not Found' }, 404)]);
    const { session: s } = session({ retriesByStatus: { 404: 0, 429: 45 } });
    const error = await client(s.fetch)
      .request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'missing' })
      .catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(404);
    expect(seen('/repos/octo/missing')).toHaveLength(1);
  });

  it('by default, as in the original Python API, a 404 is retried 8 times', async () => {
    server.route('/repos/octo/soon', [json({ message: 'Not Found' }, 404)]);
    const { session: s } = session();
    await client(s.fetch)
      .request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'soon' })
      .catch(() => {});
    expect(seen('/repos/octo/soon')).toHaveLength(9);
  });
});
