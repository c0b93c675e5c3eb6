/**
 * One request sent down the dispatcher chain: an attempt, or one redirect hop of it. Its
 * response head goes to a listener at once (the first attempt of a dispatch), or settles
 * a promise the engine awaits (every later one); until someone decides, the head is held
 * and the first body bytes kept. Then the response is either handed on or released.
 */
import type { Dispatcher } from 'undici';
import { RELEASE_LIMITS } from '../http/body.js';
import type { HttpAnswer } from '../http/classify.js';
import { CarriesRetryInfo } from '../retry/retry-info.js';
import type { ResponseHeaders } from './headers.js';

type Controller = Dispatcher.DispatchController;

/** Where a leg's response goes once it is handed on. */
export interface Sink {
  data(chunk: Buffer): void;
  end(trailers: ResponseHeaders): void;
  broke(error: Error): void;
}

/** Told, synchronously, how a leg's request was answered. */
export interface LegListener {
  onAnswer(reply: Reply): void;
  onFailure(error: Error): void;
}

/** A response head, held while the policy reads it. */
export class Reply extends CarriesRetryInfo implements HttpAnswer {
  constructor(
    readonly status: number,
    readonly headers: ResponseHeaders,
    readonly statusMessage: string,
    readonly leg: Leg,
  ) {
    super();
  }
}

/** Bytes of body kept while the policy reads a head, before the leg stops reading. */
const HOLD_LIMIT = 64 * 1024;

/** What a leg does with what comes next. */
const State = {
  /** Sent; no head yet. */
  Waiting: 0,
  /** Head received, the body kept until the policy decides. */
  Held: 1,
  /** Handed on: the body goes to the sink. */
  Piping: 2,
  /** Released: the rest of the body is read and dropped, to keep the connection. */
  Draining: 3,
  /** Finished, failed, or given up. */
  Done: 4,
} as const;

const released = () => new Error('released');

/** The dispatch handler of one leg. */
export class Leg implements Dispatcher.DispatchHandler {
  controller: Controller | undefined = undefined;
  reply: Reply | undefined = undefined;
  /** Why no head came. */
  failure: Error | undefined = undefined;
  #listener: LegListener | undefined;
  #state: number = State.Waiting;
  #head: Promise<Reply> | undefined = undefined;
  #resolve: ((reply: Reply) => void) | undefined = undefined;
  #reject: ((error: Error) => void) | undefined = undefined;
  /** Why the leg was given up before it had a controller to abort. */
  #abandoned: Error | undefined = undefined;
  #chunks: Buffer[] | undefined = undefined;
  #held = 0;
  #ended: ResponseHeaders | undefined = undefined;
  #error: Error | undefined = undefined;
  #sink: Sink | undefined = undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(listener?: LegListener) {
    this.#listener = listener;
  }

  /** The head, as a promise (made on demand: the first attempt's listener needs none). */
  head(): Promise<Reply> {
    if (this.reply) return Promise.resolve(this.reply);
    if (this.failure) return Promise.reject(this.failure);
    this.#head ??= new Promise<Reply>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    return this.#head;
  }

  /** Whether the response is being handed on. */
  get piping(): boolean {
    return this.#state === State.Piping;
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.#abandoned) controller.abort(this.#abandoned);
  }

  onResponseStart(
    controller: Controller,
    status: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.controller = controller;
    // Informational answers (100, 103) come before the one that counts.
    if (status < 200 || this.#state !== State.Waiting) return;
    this.#state = State.Held;
    const reply = new Reply(status, headers, statusMessage ?? '', this);
    this.reply = reply;
    this.#listener?.onAnswer(reply);
    this.#resolve?.(reply);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    switch (this.#state) {
      case State.Piping:
        this.#sink!.data(chunk);
        return;
      case State.Held:
        if (this.#chunks) this.#chunks.push(chunk);
        else this.#chunks = [chunk];
        this.#held += chunk.byteLength;
        if (this.#held > HOLD_LIMIT) controller.pause();
        return;
      case State.Draining:
        this.#held += chunk.byteLength;
        if (this.#held > RELEASE_LIMITS.bytes) this.#stop(released());
        return;
    }
  }

  onResponseEnd(_controller: Controller, trailers: ResponseHeaders): void {
    switch (this.#state) {
      case State.Piping:
        this.#state = State.Done;
        this.#sink!.end(trailers);
        return;
      case State.Held:
        this.#ended = trailers;
        return;
      case State.Draining:
        this.#done();
        return;
    }
  }

  onResponseError(_controller: Controller | undefined, error: Error): void {
    switch (this.#state) {
      case State.Waiting:
        this.#fail(error);
        return;
      case State.Piping:
        this.#state = State.Done;
        this.#sink!.broke(error);
        return;
      case State.Held:
        this.#error = error;
        return;
      case State.Draining:
        this.#done();
        return;
    }
  }

  /** Hands the held response on: what was kept first, then the rest as it comes. */
  pipe(sink: Sink, paused: boolean): void {
    this.#sink = sink;
    this.#state = State.Piping;
    const chunks = this.#chunks;
    this.#chunks = undefined;
    if (chunks) for (const chunk of chunks) if (this.#state === State.Piping) sink.data(chunk);
    if (this.#state !== State.Piping) return;
    if (this.#ended) {
      this.#state = State.Done;
      sink.end(this.#ended);
    } else if (this.#error) {
      this.#state = State.Done;
      sink.broke(this.#error);
    } else if (paused) this.controller?.pause();
    else if (this.#held > HOLD_LIMIT) this.controller?.resume();
  }

  /**
   * Gives the leg up: a pending head fails with `reason` at once, a held response is
   * dropped, and the request is aborted (as soon as it has a controller). A response
   * being handed on fails through `onResponseError`, as any broken body does.
   */
  abandon(reason: Error): void {
    if (this.#state === State.Done) return;
    if (this.#state === State.Piping) {
      this.controller?.abort(reason);
      return;
    }
    if (this.#state === State.Waiting) this.#fail(reason);
    this.#stop(reason);
  }

  /**
   * Drops a held response. A short remainder is read to its end so the connection can
   * serve the next request; a long or slow one is aborted.
   */
  release(): void {
    if (this.#state !== State.Held) return;
    this.#chunks = undefined;
    if (this.#ended || this.#error) {
      this.#state = State.Done;
      return;
    }
    const declared = Number(this.reply?.headers['content-length']);
    if (this.#held > RELEASE_LIMITS.bytes || declared > RELEASE_LIMITS.bytes) {
      this.#stop(released());
      return;
    }
    this.#state = State.Draining;
    this.#drainTimer = setTimeout(() => this.#stop(released()), RELEASE_LIMITS.seconds * 1000);
    this.controller?.resume();
  }

  #fail(error: Error): void {
    this.#state = State.Done;
    this.failure = error;
    this.#listener?.onFailure(error);
    this.#reject?.(error);
  }

  #stop(reason: Error): void {
    this.#done();
    if (this.controller) this.controller.abort(reason);
    else this.#abandoned = reason;
  }

  #done(): void {
    this.#state = State.Done;
    this.#chunks = undefined;
    clearTimeout(this.#drainTimer);
  }
}
