/**
 * A real HTTP/1.1 server on 127.0.0.1 that misbehaves on cue, for integration tests and
 * the CLI's `demo`. Each path plays a script of {@link Fault}s, one per request, and every
 * request is recorded. Plain `node:` APIs only, so it runs compiled as well as under vitest.
 *
 * How Node's global `fetch` reports each fault (error `.cause.code`; Node 20.20 bundles
 * undici 6, Node 24.21 undici 7):
 *
 * | fault | Node 20 | Node 24 |
 * | --- | --- | --- |
 * | `close: 'before-headers'` (FIN) | `UND_ERR_SOCKET` "other side closed" | same |
 * | `reset: 'before-headers'` (RST) | `ECONNRESET` | same |
 * | `reset: 'mid-body'` (RST), on the body read | `UND_ERR_SOCKET` | `ECONNRESET` |
 * | `truncate`, on the body read | `UND_ERR_SOCKET` | same |
 * | `invalid` | `HPE_INVALID_CONSTANT` (HTTPParserError) | `undefined` (HTTPParserError) |
 * | {@link refusedUrl} | `ECONNREFUSED` | same |
 *
 * Headers-phase failures reject with `TypeError: fetch failed`, body-phase ones with
 * `TypeError: terminated`; an `AbortSignal.timeout` rejects with a `TimeoutError`.
 *
 * Unlike the rest of the library, the fault server counts time in milliseconds
 * (`slowHeaders`, `slowBody.intervalMs`, {@link RecordedRequest.time}): its delays are the
 * small real delays of a test, not backoff.
 * @module orionclient/testing
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkBoolean, checkKeys } from '../validate.js';
import type { Fault } from './fault.js';
import { type FileFault, serveFile } from './serve-file.js';

export type { Fault } from './fault.js';
export type { FileFault } from './serve-file.js';

/** Options of {@link startFaultServer}. */
export interface FaultServerOptions {
  /**
   * Serve pages of another origin, as a browser requires: every response allows the
   * request's `Origin` and exposes the headers its fault sets (`Retry-After` and the
   * like, which a page cannot read otherwise), and a CORS preflight (an `OPTIONS` request
   * with `Access-Control-Request-Method`) to any path gets a `204` that allows the method
   * and headers it asks for. A preflight neither plays the path's script nor appears in
   * {@link FaultServer.requests}.
   * @default false
   */
  cors?: boolean;
}

/** A request as the server saw it. */
export interface RecordedRequest {
  /** The request method, as sent (`GET`, `POST`, …). */
  readonly method: string;
  /** The request target as sent, e.g. `/a?b=1`. */
  readonly url: string;
  /** `url` without the query: the key for {@link FaultServer.route}. */
  readonly path: string;
  /** Lowercased names; repeated fields joined with ", " (`cookie` with "; "). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request body, whole (empty when there was none). */
  readonly body: Buffer;
  /** `performance.now()` in ms when the request head arrived. */
  readonly time: number;
  /** 1 for the first connection, 2 for the second, …: equal ids mean a reused socket. */
  readonly socketId: number;
  /** 0 for the first request to this path since it was routed. */
  readonly n: number;
}

/** A script: the n-th request plays `script[n]` (the last entry repeats), or a function. */
export type Script = readonly Fault[] | ((request: RecordedRequest, n: number) => Fault);

/**
 * A running fault server: where it listens, how to script it, what it saw, and how to
 * stop it. Made by {@link startFaultServer}.
 */
export interface FaultServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  /** Same as `url`: the origin that redirects and `Location` headers refer to. */
  readonly origin: string;
  /** Sets the script for `path` (without query) and restarts its request count. */
  route(path: string, script: Script): void;
  /** Every request so far, in the order their bodies completed. */
  readonly requests: readonly RecordedRequest[];
  /** Connections accepted so far. */
  readonly sockets: number;
  /** Connections currently open. */
  openSockets(): number;
  /** Stops listening, ends hanging requests, destroys every socket and timer. */
  close(): Promise<void>;
}

/** `n` bytes of readable filler: `abc…xyzabc…`, starting at position `offset`. */
export function filler(n: number, offset = 0): Uint8Array {
  const out = new Uint8Array(Math.max(0, n));
  for (let i = 0; i < out.length; i++) out[i] = 97 + ((i + offset) % 26);
  return out;
}

/**
 * Starts a fault server on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * ```ts
 * import { startFaultServer } from 'orionclient/testing';
 *
 * const server = await startFaultServer();
 * server.route('/x', [{ status: 503, headers: { 'retry-after': '1' } }, { status: 200, body: 'ok' }]);
 * (await fetch(`${server.url}/x`)).status; // 503
 * (await fetch(`${server.url}/x`)).status; // 200, and 200 for every later request
 * server.requests.length; // 2
 * await server.close();
 * ```
 */
export async function startFaultServer(options?: FaultServerOptions): Promise<FaultServer> {
  const o = checkKeys('fault server options', options, ['cors']);
  const cors = o.cors !== undefined && checkBoolean('cors', o.cors);
  const scripts = new Map<string, { script: Script; count: number }>();
  const requests: RecordedRequest[] = [];
  const open = new Set<Socket>();
  const ids = new WeakMap<Socket, number>();
  const timers = new Set<NodeJS.Timeout>();
  const cut = new WeakSet<FileFault>();
  let sockets = 0;
  let closing = false;

  const later = (ms: number, fn: () => void) => {
    // A write callback may run after close(); it must not start a timer nobody clears.
    if (closing) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const play = (fault: Fault, req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket;
    if (socket.destroyed) return;
    if ('close' in fault) socket.destroy();
    else if ('reset' in fault && fault.reset === 'before-headers') socket.resetAndDestroy();
    else if ('reset' in fault) {
      res.writeHead(200, { 'content-length': String(fault.bodyBytes), ...fault.headers });
      res.write(filler(fault.after), () => socket.resetAndDestroy());
    } else if ('hang' in fault) {
      // Nothing to send: close() destroys the socket.
    } else if ('slowHeaders' in fault) later(fault.slowHeaders, () => play(fault.reply, req, res));
    else if ('slowBody' in fault) {
      const { bytes, intervalMs } = fault.slowBody;
      const chunks = Math.max(1, fault.slowBody.chunks);
      res.writeHead(fault.status ?? 200, { 'content-length': String(bytes), ...fault.headers });
      res.flushHeaders();
      const drip = (i: number) => {
        if (socket.destroyed) return;
        const from = Math.floor((bytes * i) / chunks);
        const chunk = filler(Math.floor((bytes * (i + 1)) / chunks) - from, from);
        if (i + 1 === chunks) res.end(chunk);
        else res.write(chunk, () => later(intervalMs, () => drip(i + 1)));
      };
      later(intervalMs, () => drip(0));
    } else if ('redirect' in fault) {
      send(res, fault.status ?? 302, { location: fault.redirect }, '');
    } else if ('truncate' in fault) {
      res.writeHead(200, { 'content-length': String(fault.truncate.declared) });
      res.write(filler(fault.truncate.sent), () => socket.end());
    } else if ('invalid' in fault) socket.end('SMTP ready, not HTTP\r\n\r\n');
    else if ('raw' in fault) {
      socket.end(typeof fault.raw === 'string' ? Buffer.from(fault.raw, 'latin1') : fault.raw);
    } else if ('file' in fault) serveFile(fault.file, req, res, cut);
    else send(res, fault.status, fault.headers, fault.body ?? filler(fault.bodyBytes ?? 0));
  };

  const server = createServer((req, res) => {
    const time = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => {});
    req.on('end', () => {
      if (cors && allowOrigin(req, res)) return;
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      const entry = scripts.get(path);
      const n = entry ? entry.count++ : 0;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const socketId = ids.get(req.socket) ?? 0;
      const body = Buffer.concat(chunks);
      const recorded = { method: req.method ?? 'GET', url, path, headers, body, time, socketId, n };
      requests.push(recorded);
      if (!entry) return send(res, 404, { 'content-type': 'text/plain' }, 'not found');
      const { script } = entry;
      let fault: Fault | undefined;
      try {
        fault =
          typeof script === 'function'
            ? script(recorded, n)
            : script[Math.min(n, script.length - 1)];
      } catch (error) {
        // A broken script must fail the test that wrote it, not crash the process.
        fault = { status: 500, body: `fault script for ${path} threw: ${String(error)}` };
      }
      fault ??= { status: 500, body: `no fault for ${path} #${n}` };
      const exposed = cors ? headerNames(fault) : [];
      if (exposed.length > 0) res.setHeader('access-control-expose-headers', exposed.join(', '));
      play(fault, req, res);
    });
  });
  server.on('connection', (socket) => {
    ids.set(socket, ++sockets);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    origin: url,
    requests,
    get sockets() {
      return sockets;
    },
    openSockets: () => open.size,
    route(path, script) {
      if (Array.isArray(script) && script.length === 0) {
        throw new RangeError(`\`script\` for ${path} must have at least one Fault, got []`);
      }
      scripts.set(path, { script, count: 0 });
    },
    close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // The server reports closed before its sockets emit 'close'; wait for both.
      const closed = [new Promise<void>((resolve) => server.close(() => resolve()))];
      for (const socket of open) {
        closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
        socket.destroy();
      }
      return Promise.all(closed).then(() => {});
    },
  };
}

/**
 * Lets the request's origin read the response; answers it at once when it is a CORS
 * preflight, and then returns `true`.
 */
function allowOrigin(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
  res.setHeader('vary', 'Origin');
  const method = req.headers['access-control-request-method'];
  if (req.method !== 'OPTIONS' || method === undefined) return false;
  const headers: Record<string, string> = {
    'access-control-allow-methods': method,
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  const asked = req.headers['access-control-request-headers'];
  if (asked !== undefined) headers['access-control-allow-headers'] = asked;
  res.writeHead(204, headers).end();
  return true;
}

/** The headers a fault sends that a page may only read when they are exposed. */
function headerNames(fault: Fault): string[] {
  if ('slowHeaders' in fault) return headerNames(fault.reply);
  if ('redirect' in fault) return ['location'];
  if ('file' in fault) return ['etag', 'last-modified', 'accept-ranges', 'content-range'];
  return 'headers' in fault && fault.headers ? Object.keys(fault.headers) : [];
}

/** Ends a response with a Content-Length unless the headers set one or ask for chunks. */
function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  body: string | Uint8Array,
): void {
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  const sized = names.includes('content-length') || names.includes('transfer-encoding');
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(status, sized ? headers : { ...headers, 'content-length': String(length) });
  res.end(body);
}

/**
 * A URL on 127.0.0.1 where nothing listens, so connecting fails with `ECONNREFUSED`:
 * binds an ephemeral port, then frees it.
 */
export async function refusedUrl(): Promise<string> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
