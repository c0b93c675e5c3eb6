// The fault server lives in src/testing/ so the CLI's demo can run it from dist/.
export {
  type Fault,
  type FaultServer,
  type FileFault,
  filler,
  type RecordedRequest,
  refusedUrl,
  type Script,
  startFaultServer,
} from '../../src/testing/fault-server.js';

import type { Fault } from '../../src/testing/fault-server.js';

/** A 206 answer: `body` as the bytes from `from` of a `total`-byte representation tagged `etag`. */
export function partialContent(etag: string, from: number, total: number, body: Uint8Array): Fault {
  return {
    status: 206,
    headers: {
      etag,
      'accept-ranges': 'bytes',
      'content-range': `bytes ${from}-${from + body.length - 1}/${total}`,
    },
    body,
  };
}
