/** The faults a fault server plays, one per request. */
import type { FileFault } from './serve-file.js';

/** One scripted answer. Any path not routed answers 404. */
export type Fault =
  /** A normal response; `bodyBytes` sends that many {@link filler} bytes when `body` is absent. */
  | {
      /** The response status. */
      status: number;
      /**
       * Response headers. A `Content-Length` is added unless they set `content-length` or
       * `transfer-encoding` themselves (then they are sent as given, wrong or not).
       */
      headers?: Record<string, string>;
      /** The response body; without it, `bodyBytes` {@link filler} bytes are sent. */
      body?: string | Uint8Array;
      /**
       * How many {@link filler} bytes to send when `body` is absent.
       * @default 0
       */
      bodyBytes?: number;
    }
  /** Close the socket gracefully (FIN) without answering. */
  | {
      /** Closes before any byte of the response is sent. */
      close: 'before-headers';
    }
  /** Reset the socket (RST) without answering. */
  | {
      /** Resets before any byte of the response is sent. */
      reset: 'before-headers';
    }
  /** Send a 200's headers and `after` of `bodyBytes` filler bytes, then reset the socket (RST). */
  | {
      /** Resets after part of the body. */
      reset: 'mid-body';
      /** The body length the response declares (`Content-Length`). */
      bodyBytes: number;
      /** How many filler bytes are sent before the reset. */
      after: number;
      /** More response headers; they may override the declared `content-length`. */
      headers?: Record<string, string>;
    }
  /** Never answer; the request ends when the client gives up or the server closes. */
  | {
      /** Holds the request open without a byte of response. */
      hang: true;
    }
  /** Wait, then play another fault. (Not `then`: a Fault must never be thenable.) */
  | {
      /** Milliseconds to wait before playing `reply`. */
      slowHeaders: number;
      /** The fault played once the wait is over. */
      reply: Fault;
    }
  /** Send headers at once, then the body in small writes with pauses between them. */
  | {
      /** The body to drip. */
      slowBody: {
        /** Filler bytes in all (the declared `Content-Length`). */
        bytes: number;
        /** How many writes they are split into (at least 1). */
        chunks: number;
        /** Milliseconds before each write, the first included. */
        intervalMs: number;
      };
      /**
       * The response status.
       * @default 200
       */
      status?: number;
      /** More response headers; they may override the declared `content-length`. */
      headers?: Record<string, string>;
    }
  /** Redirect, with a `Location` header and an empty body. */
  | {
      /** The `Location`: an absolute or a relative URL. */
      redirect: string;
      /**
       * The redirect status.
       * @default 302
       */
      status?: 301 | 302 | 303 | 307 | 308;
    }
  /** Declare a body longer than the one sent, then close (FIN). */
  | {
      /** The body the status 200 declares, and the part of it that is sent. */
      truncate: {
        /** The `Content-Length` sent. */
        declared: number;
        /** How many filler bytes are sent before the close. */
        sent: number;
      };
    }
  /** Write bytes that are not HTTP, then close. */
  | {
      /** Sends a line that no HTTP parser accepts. */
      invalid: true;
    }
  /**
   * Write `raw` on the socket as the whole reply (status line, headers and body), then
   * close (FIN): for replies that `node:http` refuses to send, such as a reason phrase with
   * control characters. A string is sent as latin1, one byte per character.
   */
  | {
      /** The whole reply, as it goes on the wire. */
      raw: string | Uint8Array;
    }
  /** Serve a file, with `Range`, `If-Range` and `If-Match`, and cut it on cue. */
  | {
      /** The file and how to serve it. */
      file: FileFault;
    };
