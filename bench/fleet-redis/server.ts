import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The loopback token bucket (C per second, burst B): 429 when empty, with a whole-second
 * `Retry-After` or with no hint at all. It logs every arrival on its own clock.
 */
export interface BucketServer {
  readonly url: string;
  /** Seconds since `reset()` of every request, and of every accepted one. */
  readonly attempts: number[];
  readonly accepted: number[];
  reset(hint: boolean): void;
  close(): Promise<void>;
}

export async function startBucket(rate: number, burst: number): Promise<BucketServer> {
  let start = performance.now();
  let tokens = burst;
  let last = 0;
  let hint = true;
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
    const headers: Record<string, string> = { 'content-length': '0' };
    if (hint) headers['retry-after'] = String(Math.max(1, Math.ceil((1 - tokens) / rate)));
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
    reset(withHint) {
      hint = withHint;
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
