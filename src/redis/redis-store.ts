/**
 * A quota's state in Redis, shared by every process that names the same quota: one atomic
 * script per call (see script.ts), instants from the server's clock only, keys under one
 * hash tag per quota, TTLs so that idle quotas vanish.
 */
import { createHash } from 'node:crypto';
import type { PolicySettings } from '../fleet/settings.js';
import type { Observation, QuotaState } from '../fleet/state.js';
import type { QuotaAnswer, QuotaReport, QuotaStore } from '../fleet/store.js';
import { checkKeys, checkNumber, show } from '../validate.js';
import type { RedisCommands } from './client.js';
import { publishFleet } from './events.js';
import { SYNC_SCRIPT } from './script.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /** The connection, through an adapter: `fromIoredis(redis)` or `fromNodeRedis(client)`. */
  client: RedisCommands;
  /**
   * Start of every key, inside the hash tag: a quota's keys are `{prefix:hash}:s` and
   * `{prefix:hash}:w`, where `hash` is a digest of the quota's name (never the name).
   * @default 'orion'
   */
  prefix?: string;
  /**
   * Seconds a call may take before the Coordinator decides without it.
   * @default 0.05
   */
  timeout?: number;
  /**
   * Seconds an answer stands for the quota: an unthrottled process calls about once per
   * `fresh` seconds however many requests it sends.
   * @default 0.25
   */
  fresh?: number;
  /**
   * Seconds ahead within which one call hands out the start slots that come due. Slots
   * keep the pace they were handed out at, so a longer horizon makes fewer Redis calls but
   * sends more requests at the old pace after a throttle lowered it (0.5 s: about half the
   * calls, and 7-9 % more requests per success with one to four processes).
   * @default 0.1
   */
  horizon?: number;
  /** Seconds an idle quota stays in Redis (after any hold ends). @default 600 */
  idle?: number;
}

/** Calls still waiting for Redis beyond which a new call fails at once (Redis is stuck). */
const MAX_IN_FLIGHT = 8;
const IN_FLIGHT_SECONDS = 5;
const STATE_FIELDS = [
  'until',
  'span',
  'streak',
  'rate',
  'threshold',
  'ceilingUntil',
  'accepting',
  'lastCut',
  'learning',
  'last',
] as const;
const SCRIPT_SHA = createHash('sha1').update(SYNC_SCRIPT).digest('hex');
/** Seconds added to the server's clock, per store; only tests move it. */
const shifts = new WeakMap<RedisStore, number>();

/**
 * A {@link QuotaStore} in Redis: pass it as the `store` of a `Coordinator` in every process
 * that shares a quota, and they wait out one `Retry-After`, pace at one learned rate and
 * spend one retry budget. A call that fails or takes longer than `timeout` fails no
 * request: the Coordinator goes on alone from what it last knew and rejoins by itself.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { Coordinator, Session } from 'orionclient';
 * import { RedisStore, fromIoredis } from 'orionclient/redis';
 *
 * const store = new RedisStore({ client: fromIoredis(new Redis()) });
 * const session = new Session({ coordinator: new Coordinator({ store }) });
 * ```
 */
export class RedisStore implements QuotaStore {
  readonly timeout: number;
  readonly #client: RedisCommands;
  readonly #prefix: string;
  readonly #fresh: number;
  readonly #horizon: string;
  readonly #idle: string;
  readonly #tags = new Map<string, string>();
  #inFlight = 0;
  #failing = false;
  #loaded: Promise<void>;

  constructor(options: RedisStoreOptions) {
    const o = checkKeys('RedisStore options', options, [
      'client',
      'prefix',
      'timeout',
      'fresh',
      'horizon',
      'idle',
    ]) as unknown as RedisStoreOptions;
    const client = o.client as unknown;
    if (typeof (client as RedisCommands | undefined)?.send !== 'function') {
      throw new TypeError(
        `\`client\` must be a RedisCommands adapter (fromIoredis(redis) or fromNodeRedis(client)), got ${show(client)}`,
      );
    }
    const prefix = o.prefix ?? 'orion';
    if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
      throw new TypeError(`\`prefix\` must be a string without braces, got ${show(prefix)}`);
    }
    this.#client = o.client;
    this.#prefix = prefix;
    this.timeout = checkNumber('timeout', o.timeout ?? 0.05, { min: 0.001, max: 60 });
    this.#fresh = checkNumber('fresh', o.fresh ?? 0.25, { min: 0, max: 10 });
    this.#horizon = String(checkNumber('horizon', o.horizon ?? 0.1, { min: 0, max: 10 }));
    this.#idle = String(checkNumber('idle', o.idle ?? 600, { min: 1, max: 86_400 }));
    // Connect and load the script now, so that the first call does not pay for either
    // (on a busy machine both together can take longer than the deadline).
    this.#loaded = this.#client.send(['SCRIPT', 'LOAD', SYNC_SCRIPT], '').then(() => {});
    this.#loaded.catch(() => {});
  }

  /**
   * Resolves once Redis holds the store's script (loaded when the store was made), so the
   * connection is up: await it at startup to be sure the first requests are coordinated
   * through Redis rather than alone. Rejects when Redis could not be reached; the store
   * works without it all the same.
   */
  ready(): Promise<void> {
    return this.#loaded;
  }

  /** The keys of the quota `quota`: its state hash and its counts hash. */
  keys(quota: string): readonly [string, string] {
    const tag = this.#tag(quota);
    return [`${tag}:s`, `${tag}:w`];
  }

  sync(key: string, report: QuotaReport, policy: PolicySettings): Promise<QuotaAnswer> {
    if (this.#inFlight >= MAX_IN_FLIGHT) {
      return this.#failed(new Error(`Redis has not answered ${MAX_IN_FLIGHT} calls`));
    }
    const keys = this.keys(key);
    const args = [...keys, ...this.#args(report, policy)];
    // A call counts as in flight until it settles, or for a few seconds at most: a client
    // may keep a command sent on a dead connection pending forever.
    this.#inFlight++;
    let counted = true;
    const done = () => {
      if (counted) this.#inFlight--;
      counted = false;
    };
    setTimeout(done, IN_FLIGHT_SECONDS * 1000).unref();
    const call = this.#eval(args, keys[0]).finally(done);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      // An answer already received but not yet read (the event loop was busy) is read
      // before the deadline counts: the loop polls its sockets between timers and
      // setImmediate callbacks.
      const fail = () => reject(new Error(`Redis did not answer within ${this.timeout} s`));
      timer = setTimeout(() => setImmediate(fail), this.timeout * 1000);
    });
    return Promise.race([call, late])
      .finally(() => clearTimeout(timer))
      .then((reply) => this.#answer(reply))
      .then(
        (answer) => {
          if (this.#failing) {
            this.#failing = false;
            publishFleet({ type: 'rejoin', store: 'redis' });
          }
          return answer;
        },
        (error: unknown) => this.#failed(error),
      );
  }

  #failed(error: unknown): Promise<never> {
    if (!this.#failing) {
      this.#failing = true;
      publishFleet({ type: 'fallback', store: 'redis', error });
    }
    return Promise.reject(error);
  }

  /** EVALSHA, and EVAL when the server does not have the script (restarted, flushed). */
  async #eval(args: string[], key: string): Promise<unknown> {
    try {
      return await this.#client.send(['EVALSHA', SCRIPT_SHA, '2', ...args], key);
    } catch (error) {
      if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
      return this.#client.send(['EVAL', SYNC_SCRIPT, '2', ...args], key);
    }
  }

  #tag(quota: string): string {
    let tag = this.#tags.get(quota);
    if (tag === undefined) {
      const hash = createHash('sha256').update(quota).digest('base64url').slice(0, 22);
      tag = `{${this.#prefix}:${hash}}`;
      if (this.#tags.size >= 1024) this.#tags.clear();
      this.#tags.set(quota, tag);
    }
    return tag;
  }

  /** The script's arguments after its keys: durations and settings only, as strings. */
  #args(report: QuotaReport, policy: PolicySettings): string[] {
    const { hold, limit, budget } = policy;
    const args = [
      String(shifts.get(this) ?? 0),
      this.#horizon,
      this.#idle,
      hold ? '1' : '0',
      hold?.whilePacing ? '1' : '0',
      String(hold?.maxHold ?? 0),
      limit ? '1' : '0',
      String(limit?.minRate ?? 0),
      String(limit?.growth ?? 1),
      String(limit?.probe ?? 0),
      String(limit?.decrease ?? 1),
      String(limit?.cooldown ?? 0),
      String(limit?.startGrowth ?? 1),
      String(limit?.deepestCut ?? 0),
      String(limit?.ceilingHold ?? 0),
      String(limit?.confirmBand ?? 1),
      String(limit?.confirmedHold ?? 0),
      budget ? String(budget.window) : '',
      String(report.retries),
      String(report.take),
      report.takeUntil === undefined ? '' : String(report.takeUntil),
    ];
    // Equal observations in a row travel as one with a count: a process that sends
    // thousands of requests between two calls reports a few runs, not thousands.
    const list = report.observations;
    for (let i = 0; i < list.length; ) {
      const o = list[i]!;
      let j = i + 1;
      while (j < list.length && same(list[j]!, o)) j++;
      args.push(
        String(j - i),
        o.first ? '1' : '0',
        o.answer === 'throttled' ? (o.quota ? 'q' : 't') : o.answer === 'answered' ? 'a' : 'f',
        o.retry ? '1' : '0',
        o.retryAfter === undefined ? '' : String(o.retryAfter),
        o.waiting ? '1' : '0',
      );
      i = j;
    }
    return args;
  }

  /** The script's reply as an answer; a reply of another shape is an error. */
  #answer(reply: unknown): QuotaAnswer {
    if (!Array.isArray(reply) || reply.length !== 17) {
      throw new Error(`Unexpected reply from the store's script: ${show(reply)}`);
    }
    const n = reply.map(readNumber);
    const state = Object.fromEntries(STATE_FIELDS.map((f, i) => [f, n[i + 1]!])) as unknown;
    return {
      now: n[0]!,
      state: state as QuotaState,
      counts: { accepted: n[11]!, requests: n[12]!, retries: n[13]! },
      slot: n[14]!,
      slots: n[15]!,
      gap: n[16]!,
      fresh: this.#fresh,
    };
  }
}

function same(a: Observation, b: Observation): boolean {
  return (
    a.first === b.first &&
    a.answer === b.answer &&
    a.quota === b.quota &&
    a.retry === b.retry &&
    a.retryAfter === b.retryAfter &&
    a.waiting === b.waiting
  );
}

/** A number formatted by the script (`%.17g`: exact, `inf` for infinities). */
function readNumber(value: unknown): number {
  const text = String(value);
  const n = text === 'inf' ? Number.POSITIVE_INFINITY : text === '-inf' ? -Infinity : Number(text);
  if (Number.isNaN(n) || text === '') throw new Error(`Unexpected number from the store: ${text}`);
  return n;
}

/** Moves the server's clock as `store` reads it by `seconds` (a duration; tests only). */
export function shiftClock(store: RedisStore, seconds: number): void {
  shifts.set(store, seconds);
}
