/** Files served by the fault server, with `Range`, `If-Range` and `If-Match`, and cut on cue. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A file served with `Range`, `If-Range` and `If-Match` support. */
export interface FileFault {
  /** The whole file. */
  readonly body: Uint8Array;
  /** Sent as `ETag`; `If-Range`/`If-Match` compare against it strongly. */
  readonly etag?: string;
  /** Sent as `Last-Modified`; an `If-Range` date must equal it exactly. */
  readonly lastModified?: string;
  /** Advertise `Accept-Ranges: bytes` and honour `Range`. @default true */
  readonly acceptRanges?: boolean;
  /** Advertise ranges but answer 200 with the whole body anyway. @default false */
  readonly ignoreRange?: boolean;
  /** Close the connection after this many body bytes, once per Fault object. */
  readonly cutAfter?: number;
  /** Stop sending after this many body bytes, keeping the connection open, once per Fault object. */
  readonly stallAfter?: number;
}

export function serveFile(
  file: FileFault,
  req: IncomingMessage,
  res: ServerResponse,
  cut: WeakSet<FileFault>,
): void {
  const { body, etag, lastModified, acceptRanges = true, ignoreRange = false } = file;
  const size = body.length;
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (etag !== undefined) headers.etag = etag;
  if (lastModified !== undefined) headers['last-modified'] = lastModified;
  if (acceptRanges) headers['accept-ranges'] = 'bytes';
  const strongMatch = (tag: string) => etag !== undefined && !etag.startsWith('W/') && tag === etag;

  const header = (name: string) => [req.headers[name] ?? []].flat().join(', ') || undefined;
  const ifMatch = header('if-match');
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    if (!ifMatch.split(',').some((tag) => strongMatch(tag.trim()))) {
      return void res.writeHead(412, headers).end();
    }
  }
  const ifRange = header('if-range');
  const validatorOk =
    ifRange === undefined ||
    (/^(W\/)?"/.test(ifRange) ? strongMatch(ifRange) : ifRange === lastModified);
  const range =
    acceptRanges && !ignoreRange && validatorOk ? byteRange(header('range'), size) : undefined;
  if (range === 'unsatisfiable') {
    headers['content-range'] = `bytes */${size}`;
    return void res.writeHead(416, headers).end();
  }
  const [start, end] = range ?? [0, size - 1];
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  const slice = Buffer.from(body.buffer, body.byteOffset, body.byteLength).subarray(start, end + 1);
  headers['content-length'] = String(slice.length);
  res.writeHead(range ? 206 : 200, headers);
  if (file.cutAfter !== undefined && !cut.has(file) && req.method !== 'HEAD') {
    cut.add(file);
    const socket = req.socket;
    return void res.write(slice.subarray(0, file.cutAfter), () => socket.destroy());
  }
  if (file.stallAfter !== undefined && !cut.has(file) && req.method !== 'HEAD') {
    cut.add(file);
    return void res.write(slice.subarray(0, file.stallAfter));
  }
  res.end(slice);
}

/**
 * The one range of a `Range: bytes=…` header, clipped to the body. `undefined` means
 * "answer 200 with everything": no header, a syntax error, or several ranges (which a
 * server may ignore, RFC 9110 §14.2).
 */
function byteRange(
  value: string | undefined,
  size: number,
): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return undefined;
  return start >= size ? 'unsatisfiable' : [start, Math.min(end, size - 1)];
}
