/**
 * One dispatch through the interceptor. Its first attempt goes out at once; an answer the
 * policy would not retry is handed straight to the caller's handler, so a request that
 * succeeds costs the engine nothing. The first outcome worth a retry (or every attempt,
 * with a coordinator) goes to the engine, `runRetry`, which runs the rest: each attempt a
 * {@link Leg} sent down the chain. A `GET` body that breaks off later is resumed through
 * the engine too (see `resume.ts`). The exchange is the run's settings and the request's
 * traits at once; the caller's side is a {@link Caller}.
 */
import type { Dispatcher } from 'undici';
import { classifyHttp } from '../http/classify.js';
import { type Course, type Hop, REDIRECT_STATUSES } from '../http/course.js';
import { timeoutError } from '../retry/attempt.js';
import type {
  AttemptContext,
  Outcome,
  RetryCoordinator,
  RetryEvent,
  Verdict,
} from '../retry/contract.js';
import type { Policy } from '../retry/policy.js';
import { retryInfo } from '../retry/retry-info.js';
import { type RunSettings, runRetry } from '../retry/run.js';
import type { Spread } from '../retry/spread.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Expiring, QueuedTimeout } from '../time/timeout-queue.js';
import { type Attempts, Caller } from './caller.js';
import { type DispatchOptions, DispatchRequest } from './dispatch-request.js';
import { hasHeader, withHeaders } from './headers.js';
import { History } from './history.js';
import { Leg, type LegListener, type Reply } from './leg.js';
import type { InterceptorSettings } from './options.js';
import { hopOptions, startCourse } from './redirects.js';
import { mayResume, Resumption } from './resume.js';

type Body = NonNullable<Dispatcher.DispatchOptions['body']>;

export class Exchange implements RunSettings<Reply>, LegListener, Attempts, Expiring {
  /** Set when the engine takes over (see `RunSettings.start`). */
  start: number | undefined = undefined;

  readonly #settings: InterceptorSettings;
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #request: DispatchRequest;
  readonly #caller: Caller;
  readonly #history: History;
  #abort: AbortController | undefined = undefined;
  /** Whether the engine runs the attempts (from the first retry, or from the start). */
  #running = false;
  /** The first attempt, made before the engine took over. */
  #firstLeg: Leg | undefined = undefined;
  #course: Course | undefined = undefined;
  #leg: Leg | undefined = undefined;
  /** The attempt's `requestTimeout`, made with the first attempt that has one. */
  #timeout: QueuedTimeout | undefined = undefined;
  #ready: boolean | undefined = undefined;
  /** The response handed to the caller, its body the one a resume would continue. */
  #delivered: Reply | undefined = undefined;
  /** The request that the body came from (a redirect's target), when not the dispatch's own. */
  #servedBy: Hop | undefined = undefined;
  #resumption: Resumption | undefined = undefined;

  constructor(
    settings: InterceptorSettings,
    dispatch: Dispatcher.Dispatch,
    opts: DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ) {
    this.#settings = settings;
    this.#dispatch = dispatch;
    this.#caller = new Caller(handler, this);
    this.#request = new DispatchRequest(opts, settings.maxRedirects);
    this.#history = new History(settings.clock);
  }

  /** Sends the first attempt; returns what the dispatcher below said of it. */
  send(): boolean {
    const caller = this.#caller;
    caller.start(this.#history);
    if (caller.aborted) this.#fail(caller.reason as Error);
    else if (this.coordinator) this.#run(undefined);
    // On the system clock, the dispatch's start is the first attempt's: one reading of time.
    else this.#attempt(1, this.clock === systemClock ? this.#history.began * 1000 : undefined);
    return this.#ready ?? true;
  }

  // How a leg was answered.

  onAnswer(reply: Reply): void {
    if (this.#follows(reply)) {
      // The attempt's timer runs on over the redirects; the engine follows them.
      if (!this.#running) this.#run(reply.leg);
      return;
    }
    this.#stopTimeout();
    if (this.#running) return;
    if (!this.#caller.aborted && this.#final(reply)) {
      this.#history.first(reply.status);
      this.#deliver(reply);
    } else this.#run(reply.leg);
  }

  onFailure(_error: Error): void {
    this.#stopTimeout();
    if (this.#running) return;
    const caller = this.#caller;
    if (caller.aborted) caller.finish(caller.reason as Error);
    else this.#run(this.#leg);
  }

  /** The attempt's `requestTimeout` ran out: the leg in flight is given up. */
  expire(): void {
    this.#leg?.abandon(timeoutError(this.policy.requestTimeout));
  }

  // The run's settings (read from the interceptor's when the engine needs them).

  get policy(): Policy {
    return this.#settings.policy;
  }
  get clock(): Clock {
    return this.#settings.clock;
  }
  get onRetry(): ((event: RetryEvent) => void | Promise<void>) | undefined {
    return this.#settings.onRetry;
  }
  get coordinator(): RetryCoordinator | undefined {
    return this.#settings.coordinator;
  }
  get spread(): Spread | undefined {
    return this.#settings.spread;
  }
  get boundsAttempts(): boolean {
    return true;
  }
  /** Made when the engine takes over. */
  get signal(): AbortSignal | undefined {
    return this.#abort?.signal;
  }

  get description(): string {
    const from = this.#resumption?.from;
    const request = this.#request.description;
    return from === undefined ? request : `${request} (resuming from byte ${from})`;
  }

  get url(): URL | undefined {
    return this.#request.url;
  }

  classify(outcome: Outcome<Reply>): Verdict {
    return classifyHttp(outcome, this.#course ?? this.#request, this.policy, Date.now);
  }

  discard(reply: Reply): void {
    reply.leg.release();
  }

  // What the caller's side asks.

  get current(): Leg | undefined {
    return this.#leg;
  }

  cancel(reason: Error): void {
    this.#abort?.abort(reason);
    this.#leg?.abandon(reason);
  }

  resumeAfter(error: Error, offset: number): boolean {
    if (!this.#resumption) {
      const reply = this.#delivered;
      if (!reply || !this.#mayResume(reply)) return false;
      this.#resumption = new Resumption(reply);
    }
    if (!this.#resumption.canResume(error, offset)) return false;
    this.#resume(this.#resumption, error, offset);
    return true;
  }

  // Attempts.

  /** Hands the call to the engine; `first` is the attempt already made, if any. */
  #run(first: Leg | undefined): void {
    this.#takeOver();
    this.#firstLeg = first;
    this.start = first ? this.#history.began : undefined;
    runRetry<Reply>((context) => this.#operation(context), this).then(
      (reply) => {
        this.#history.record(retryInfo(reply));
        this.#deliver(reply);
      },
      (error: unknown) => this.#fail(error as Error),
    );
  }

  /** From now on the engine runs the attempts, and the caller's abort reaches it. */
  #takeOver(): void {
    this.#running = true;
    if (this.#abort) return;
    this.#abort = new AbortController();
    if (this.#caller.aborted) this.#abort.abort(this.#caller.reason);
  }

  /** The engine's operation: an attempt's final head, redirects followed. */
  #operation({ attempt }: AttemptContext): Promise<Reply> {
    const first = this.#firstLeg;
    this.#firstLeg = undefined;
    if (attempt === 1 && this.#resumption) return Promise.reject(this.#resumption.cause);
    const leg = attempt === 1 && first ? first : this.#attempt(attempt);
    return this.#resumption || this.#request.maxRedirects === 0 ? leg.head() : this.#follow(leg);
  }

  /** Sends one attempt: the request (or where a redirect led), a range when resuming. */
  #attempt(attempt: number, nowMs?: number): Leg {
    const timeouts = this.#settings.timeouts;
    if (timeouts) {
      this.#timeout ??= new QueuedTimeout(this);
      timeouts.start(this.#timeout, nowMs);
    }
    const resumption = this.#resumption;
    const hop = resumption ? this.#servedBy : attempt > 1 ? this.#course?.restart() : undefined;
    let opts = hop ? hopOptions(this.#request.opts, hop, this.#request.body) : this.#request.opts;
    if (resumption) {
      const headers = withHeaders(opts.headers, resumption.headers());
      opts = { ...opts, method: 'GET', body: null, headers };
    } else if (!hop && this.#request.body?.recorded) {
      opts = { ...opts, body: this.#request.body.next() as Body };
    }
    return this.#send(opts);
  }

  #send(opts: DispatchOptions): Leg {
    const leg = new Leg(this);
    this.#leg = leg;
    try {
      this.#ready = this.#dispatch(opts, leg);
    } catch (error) {
      leg.onResponseError(undefined, error as Error);
    }
    return leg;
  }

  /**
   * Whether the policy takes `reply` as it is. A status without a budget is never retried
   * (the classification's first rule): the common answer is settled without a verdict.
   */
  #final(reply: Reply): boolean {
    return !this.policy.budget(reply.status) || !this.classify({ ok: true, value: reply }).retry;
  }

  /** Whether `reply` is a redirect this dispatch follows. */
  #follows(reply: Reply): boolean {
    return (
      this.#request.maxRedirects > 0 &&
      !this.#resumption &&
      REDIRECT_STATUSES.has(reply.status) &&
      typeof reply.headers.location === 'string'
    );
  }

  /** Follows the redirects of an attempt, by the rules of a `Session`'s course. */
  async #follow(first: Leg): Promise<Reply> {
    let leg = first;
    try {
      for (let hops = 0; ; hops++) {
        const reply = await leg.head();
        if (!this.#follows(reply)) return reply;
        reply.leg.release();
        this.#course ??= this.#startCourse();
        const hop = this.#course.next(reply.status, reply.headers.location as string, hops);
        leg = this.#send(hopOptions(this.#request.opts, hop, this.#request.body));
      }
    } finally {
      this.#stopTimeout();
    }
  }

  #startCourse(): Course {
    const url = this.url;
    if (!url) throw new TypeError(`${this.description}: a redirect needs the dispatch's origin`);
    return startCourse({
      url,
      method: this.#request.method,
      opts: this.#request.opts,
      body: this.#request.body,
      description: this.description,
      maxRedirects: this.#request.maxRedirects,
      sensitive: this.#settings.sensitive,
    });
  }

  // The caller's side.

  /** The response the policy settled on goes to the caller's handler. */
  #deliver(reply: Reply): void {
    const caller = this.#caller;
    if (caller.finished || caller.aborted) {
      reply.leg.release();
      caller.finish(caller.reason as Error);
      return;
    }
    this.#servedBy = this.#course?.last;
    this.#delivered = reply;
    this.#leg = reply.leg;
    caller.handOn(reply, true);
  }

  /**
   * Whether the body of `reply` may be resumed at all: read only when it breaks, so a
   * body that does not costs no look at the request's headers.
   */
  #mayResume(reply: Reply): boolean {
    const hop = this.#servedBy;
    const ranged = hop
      ? hop.headers?.has('range') === true
      : hasHeader(this.#request.opts.headers, 'range');
    return mayResume(hop ? hop.method : this.#request.method, ranged, reply);
  }

  /** Asks for the rest of a body that broke off, through the engine. */
  #resume(resumption: Resumption, cause: Error, offset: number): void {
    resumption.begin(offset, cause);
    this.#takeOver();
    this.start = undefined;
    const began = this.clock.now();
    const caller = this.#caller;
    runRetry<Reply>((context) => this.#operation(context), this).then(
      (reply) => {
        const info = retryInfo(reply);
        this.#history.resumed(info, began);
        const refused = resumption.refusal(reply, this.description, info);
        if (caller.finished || caller.aborted || refused) {
          reply.leg.release();
          caller.finish(refused ?? (caller.reason as Error));
          return;
        }
        this.#leg = reply.leg;
        caller.handOn(reply, false);
      },
      (error: unknown) => {
        this.#history.resumed(error, began);
        caller.finish(error as Error);
      },
    );
  }

  #stopTimeout(): void {
    if (this.#timeout) this.#settings.timeouts?.stop(this.#timeout);
  }

  /** The dispatch ended before the caller had a response: the timer goes too. */
  #fail(error: Error): void {
    this.#stopTimeout();
    this.#caller.finish(error);
  }
}
