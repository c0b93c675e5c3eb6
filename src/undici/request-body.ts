/**
 * A request body across the attempts of one dispatch. Strings, bytes, `Blob`s and
 * `FormData` are sent again as they are. A stream or an iterable is read once: the first
 * attempt sends it through a recorder, and a later attempt sends either the stream itself,
 * when no attempt started reading it (a refused connection), or the recorded bytes, when
 * the whole body was read and is at most {@link REPLAY_LIMIT} bytes.
 */
import type { Dispatcher } from 'undici';

/** A body as a dispatch carries it (undici also takes iterables at run time). */
export type DispatchBody =
  | Dispatcher.DispatchOptions['body']
  | Iterable<unknown>
  | AsyncIterable<unknown>;

/**
 * Bytes of a streamed body kept so it can be sent again. `fetch` hands every body to its
 * dispatcher as a stream, so this is what lets a `POST` through `fetch` be retried.
 */
export const REPLAY_LIMIT = 1024 * 1024;

/** Whether `body` can be sent any number of times as it is. */
function fixed(body: unknown): boolean {
  return (
    body == null ||
    typeof body === 'string' ||
    body instanceof Uint8Array ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}

/** The body of one dispatch. */
export class RequestBody {
  /** What the next attempt sends. */
  #source: DispatchBody;
  /** Whether `#source` is read through a recorder. */
  #streamed: boolean;
  /** Whether the recorder of the last attempt started reading `#source`. */
  #started = false;
  #tape: Uint8Array[] | undefined;
  #taped = 0;
  #complete = false;

  constructor(body: DispatchBody) {
    this.#source = body;
    this.#streamed = !fixed(body);
    this.recorded = this.#streamed;
  }

  /** Whether the next attempt can send the whole body. */
  get replayable(): boolean {
    return !this.#streamed || !this.#started || this.#complete;
  }

  /** Whether an attempt sends something else than the dispatch's own body. */
  readonly recorded: boolean;

  /** The body for the next attempt; call only when {@link replayable}. */
  next(): DispatchBody {
    if (!this.#streamed) return this.#source;
    if (this.#complete) {
      this.#source = Buffer.concat(this.#tape ?? []);
      this.#streamed = false;
      this.#tape = undefined;
      return this.#source;
    }
    return this.#record(this.#source as Iterable<unknown> | AsyncIterable<unknown>);
  }

  async *#record(source: Iterable<unknown> | AsyncIterable<unknown>): AsyncGenerator<unknown> {
    this.#started = true;
    this.#tape = [];
    for await (const chunk of source) {
      if (this.#tape) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
        this.#taped += bytes.byteLength;
        if (this.#taped > REPLAY_LIMIT) this.#tape = undefined;
        else this.#tape.push(bytes);
      }
      yield chunk;
    }
    this.#complete = this.#tape !== undefined;
  }
}
