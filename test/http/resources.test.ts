import { getEventListeners, setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/http/session.js';

/**
 * A real server on 127.0.0.1: the first request for a path answers 503, every later one
 * 200, so each request through the session is retried exactly once.
 */
async function startServer(): Promise<{ server: Server; url: string; seen: () => number }> {
  const failed = new Set<string>();
  let seen = 0;
  const server = createServer((req, res) => {
    seen++;
    const path = req.url ?? '/';
    if (failed.has(path)) {
      failed.delete(path);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      failed.add(path);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen: () => seen };
}

/** Active handles and requests by type, e.g. `{ TCPSocketWrap: 2, Timeout: 1 }`. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Types of which there are more now than in `before`, with both counts. */
function grown(before: Record<string, number>): string[] {
  return Object.entries(resources())
    .filter(([type, n]) => n > (before[type] ?? 0))
    .map(([type, n]) => `${type}: ${before[type] ?? 0} → ${n}`);
}

/** Waits (polling, up to `seconds`) for `check` to return an empty list; returns the last list. */
async function settle(check: () => string[], seconds = 5): Promise<string[]> {
  const deadline = performance.now() + seconds * 1000;
  let left = check();
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    left = check();
  }
  return left;
}

/** Runs `count` calls of `task` with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

let server: Server | undefined;

afterEach(async () => {
  if (!server) return;
  const s = server;
  server = undefined;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

/** Closes the server and its keep-alive connections, so the client's sockets close too. */
async function closeServer(): Promise<void> {
  const s = server;
  server = undefined;
  if (!s) return;
  const closed = new Promise((resolve) => s.close(resolve));
  s.closeAllConnections();
  await closed;
}

describe('resources after many retried requests', () => {
  it('leaves no socket, timer or abort listener behind after 10,000 requests retried once each', async () => {
    const before = resources();
    const started = await startServer();
    server = started.server;
    const controller = new AbortController();
    // One signal shared by 64 requests in flight: more listeners than Node's warning threshold.
    setMaxListeners(200, controller.signal);
    const session = new Session({ base: 0.0001, cap: 0.0001 });
    const statuses = new Map<number, number>();
    let retried = 0;

    await pool(10_000, 64, async (i) => {
      const response = await session.get(`${started.url}/r/${i}`, {
        signal: controller.signal,
        onRetry: () => {
          retried++;
        },
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    });

    expect(Object.fromEntries(statuses)).toEqual({ 200: 10_000 });
    expect(retried).toBe(10_000);
    expect(started.seen()).toBe(20_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await closeServer();
    expect(await settle(() => grown(before))).toEqual([]);
  }, 60_000);

  it('leaves nothing behind when 1,000 requests are aborted during their backoff sleep', async () => {
    const before = resources();
    const started = await startServer();
    server = started.server;
    const controller = new AbortController();
    // Every request fails once, then sleeps about 100 s: all of them wait at once.
    const session = new Session({ base: 50, cap: 100, jitter: 'none' });
    let sleeping = 0;
    let wake: () => void = () => {};
    const allSleeping = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const requests = Array.from({ length: 1000 }, (_, i) =>
      session.get(`${started.url}/a/${i}`, {
        signal: controller.signal,
        onRetry: () => {
          if (++sleeping === 1000) wake();
        },
      }),
    );
    await allSleeping;
    // The sleep starts right after onRetry returns.
    await new Promise((resolve) => setImmediate(resolve));
    // All 1,000 sleep in one queue behind one timer, and reach the shared signal through
    // one listener, not one each.
    expect(resources().Timeout ?? 0).toBeLessThan(10);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    const reason = new Error('shutting down');
    controller.abort(reason);
    const outcomes = await Promise.allSettled(requests);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === reason)).toBe(true);
    expect(started.seen()).toBe(1000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await closeServer();
    expect(await settle(() => grown(before))).toEqual([]);
  });
});
