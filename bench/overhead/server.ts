/**
 * The loopback server of the happy-path benchmark, run in its own process so that the
 * client process measures only the client. Keep-alive, fixed bodies with a
 * `content-length`: `/small` is a small JSON document, `/large` 1 MiB.
 *
 * Started with an IPC channel; sends `{ port }` once listening and exits when the parent
 * disconnects.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SMALL_BODY = Buffer.from(
  JSON.stringify({ id: 42, name: 'orion', ok: true, items: [1, 2, 3], next: null }),
);
export const LARGE_BODY = Buffer.alloc(1024 * 1024, 'x');

const routes = new Map<string, Buffer>([
  ['/small', SMALL_BODY],
  ['/large', LARGE_BODY],
]);

export function serve(): void {
  const server = createServer((req, res) => {
    const body = routes.get(req.url ?? '');
    if (!body) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': req.url === '/small' ? 'application/json' : 'application/octet-stream',
      'content-length': String(body.length),
    });
    res.end(body);
  });
  // Sockets stay open across rounds: no reconnects inside a measurement.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  server.maxRequestsPerSocket = 0;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close();
    process.exit(0);
  });
}

if (process.argv[2] === 'serve') serve();
