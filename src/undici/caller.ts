/**
 * The caller's side of a dispatch: its handler (undici's `request`, `stream` or `fetch`
 * machinery, or an interceptor above this one), and the one controller it gets for the
 * whole dispatch, whatever the attempts below it.
 */
import type { Dispatcher } from 'undici';
import type { ResponseHeaders } from './headers.js';
import type { Leg, Reply, Sink } from './leg.js';

type RawFields = NonNullable<Dispatcher.DispatchController['rawHeaders']> | null;

/** What runs the attempts of the dispatch, as the caller's side sees it. */
export interface Attempts {
  /** The request in flight, or the one whose body is being handed on. */
  readonly current: Leg | undefined;
  /** The caller aborted: stop everything. */
  cancel(reason: Error): void;
  /** The body broke off after `offset` bytes: `true` when a resume takes it from there. */
  resumeAfter(error: Error, offset: number): boolean;
}

export class Caller implements Dispatcher.DispatchController, Sink {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #attempts: Attempts;
  #reason: Error | undefined = undefined;
  #paused = false;
  #finished = false;
  /** Bytes of body handed on. */
  #offset = 0;

  constructor(handler: Dispatcher.DispatchHandler, attempts: Attempts) {
    this.#handler = handler;
    this.#attempts = attempts;
  }

  /** Whether the caller has had the end of the response, or its error. */
  get finished(): boolean {
    return this.#finished;
  }

  // The controller.

  get aborted(): boolean {
    return this.#reason !== undefined;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason ?? null;
  }
  get rawHeaders(): RawFields {
    return this.#attempts.current?.controller?.rawHeaders ?? null;
  }
  get rawTrailers(): RawFields {
    return this.#attempts.current?.controller?.rawTrailers ?? null;
  }

  abort(reason: Error): void {
    if (this.#reason !== undefined || this.#finished) return;
    this.#reason = reason;
    this.#attempts.cancel(reason);
  }

  pause(): void {
    this.#paused = true;
    const leg = this.#attempts.current;
    if (leg?.piping) leg.controller?.pause();
  }

  resume(): void {
    this.#paused = false;
    const leg = this.#attempts.current;
    if (leg?.piping) leg.controller?.resume();
  }

  // The handler.

  start(context: object): void {
    this.#handler.onRequestStart?.(this, context);
  }

  /** Gives the caller the response's head (unless it continues a body), then its body. */
  handOn(reply: Reply, head: boolean): void {
    try {
      if (head) {
        this.#handler.onResponseStart?.(this, reply.status, reply.headers, reply.statusMessage);
      }
      reply.leg.pipe(this, this.#paused);
    } catch (error) {
      reply.leg.abandon(error as Error);
      this.finish(error as Error);
    }
  }

  data(chunk: Buffer): void {
    this.#offset += chunk.byteLength;
    this.#handler.onResponseData?.(this, chunk);
  }

  end(trailers: ResponseHeaders): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#handler.onResponseEnd?.(this, trailers);
  }

  broke(error: Error): void {
    if (this.#finished) return;
    if (this.#reason === undefined && this.#attempts.resumeAfter(error, this.#offset)) return;
    this.finish(error);
  }

  /** Ends the dispatch with `error` (once). */
  finish(error: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#handler.onResponseError?.(this, error);
  }
}
