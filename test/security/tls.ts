/** A throwaway TLS server on 127.0.0.1 with a self-signed certificate made by `openssl`. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** PEM file of the certificate, for `NODE_EXTRA_CA_CERTS`. */
  readonly certPath: string;
  /** Request headers by path, in arrival order. */
  readonly seen: Array<{ path: string; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/**
 * Starts an HTTPS server whose routes answer `[status, location?]`; any other path is 404.
 * The certificate is valid for 127.0.0.1 for one day and lives in a temporary directory
 * removed by `close()`.
 */
export async function startTlsServer(
  routes: Record<string, readonly [status: number, location?: string]>,
): Promise<TlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'orionclient-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  // An EC key is generated in milliseconds; RSA would cost seconds.
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
      ...['-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    ],
    { stdio: 'pipe' },
  );
  const seen: TlsServer['seen'] = [];
  const server: Server = createServer(
    { key: readFileSync(keyPath), cert: readFileSync(certPath) },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      seen.push({ path, headers: { ...req.headers } });
      req.resume();
      const [status, location] = routes[path] ?? [404];
      res.writeHead(status, location ? { location, 'content-length': '0' } : {});
      res.end(location ? '' : `${path}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    certPath,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
