import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The S2 server on a real socket: a token bucket, 429 with a whole-second `Retry-After`
 * (or with no hint at all).
 */
export interface LoopbackServer {
  readonly url: string;
  /** Arrival time (seconds since `reset()`) of every request, and of every accepted one. */
  readonly attempts: number[];
  readonly accepted: number[];
  /**
   * Refills the bucket and clears the logs; time restarts at 0. `hint` changes whether a 429
   * carries a `Retry-After` from now on.
   */
  reset(hint?: 'retry-after' | 'none'): void;
  close(): Promise<void>;
}

export async function startServer(
  rate: number,
  burst: number,
  hint: 'retry-after' | 'none' = 'retry-after',
): Promise<LoopbackServer> {
  let start = performance.now();
  let tokens = burst;
  let last = 0;
  const attempts: number[] = [];
  const accepted: number[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    const now = (performance.now() - start) / 1000;
    attempts.push(now);
    tokens = Math.min(burst, tokens + (now - last) * rate);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      accepted.push(now);
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      response.end('ok');
      return;
    }
    const wait = Math.max(1, Math.ceil((1 - tokens) / rate));
    const headers: Record<string, string> = { 'content-length': '0' };
    if (hint === 'retry-after') headers['retry-after'] = String(wait);
    response.writeHead(429, headers);
    response.end();
  });
  server.keepAliveTimeout = 60_000;
  server.maxConnections = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/item`,
    attempts,
    accepted,
    reset(next = hint) {
      hint = next;
      start = performance.now();
      tokens = burst;
      last = 0;
      attempts.length = 0;
      accepted.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
