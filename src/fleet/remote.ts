/**
 * A shared store seen from one Coordinator. The Coordinator decides on its local state at
 * once, as it would alone; this keeps that local state a mirror of the store's: reports go
 * out in few calls (a throttle at once, the rest when the last answer is stale),
 * each answer replaces the local state, start slots come from the store's grants, and while
 * the store is slow or failing the local state decides alone and the store is tried again a
 * second later.
 */
import type { Clock } from '../time/clock.js';
import type { MemoryStore } from './memory-store.js';
import { budgetAllows } from './policy.js';
import type { BudgetSettings, PolicySettings } from './settings.js';
import { NO_COUNTS, type Observation, type QuotaCounts, type QuotaState } from './state.js';
import type { QuotaAnswer, QuotaReport, QuotaStore } from './store.js';

/** Seconds a store that failed is left alone before it is asked again. */
const PROBE_SECONDS = 1;
const DEFAULT_TIMEOUT = 0.05;
const NOTHING: QuotaReport = Object.freeze({ observations: [], retries: 0, take: 0 });

/** What the Coordinator holds of one quota. */
export interface LinkedQuota {
  readonly key: string;
  answer: QuotaAnswer;
}

/** Start slots on the local clock. */
export interface Granted {
  readonly slot: number;
  readonly slots: number;
  readonly gap: number;
}

/** One quota's exchange with the store. */
class Link {
  /** Outcomes, first attempts and spent retries not yet sent. */
  pending: Observation[] = [];
  firsts = 0;
  retries = 0;
  urgent = false;
  /** First attempts and retries sent, not yet in an answer's counts. */
  flightFirsts = 0;
  flightRetries = 0;
  /** The fleet's counts in the last answer. */
  counts: QuotaCounts = NO_COUNTS;
  /** Local instant until which the last answer stands. */
  fresh = Number.NEGATIVE_INFINITY;
  /**
   * The store's clock read from ours: the least of local now minus the store's `now` over
   * the answers (the one that came back soonest; a late one would make it too large).
   */
  shift: number | undefined = undefined;
  /** Local instant before which the store is not asked (it failed). */
  down = Number.NEGATIVE_INFINITY;
  /** The call under way, and the slots its answer handed out. */
  call: Promise<Granted> | undefined;
}

export class Remote {
  readonly #store: QuotaStore;
  readonly #clock: Clock;
  readonly #local: MemoryStore;
  readonly #policy: PolicySettings;
  readonly #changed: (q: LinkedQuota) => void;
  readonly #timeout: number;
  readonly #links = new WeakMap<LinkedQuota, Link>();

  constructor(
    store: QuotaStore,
    clock: Clock,
    local: MemoryStore,
    policy: PolicySettings,
    changed: (q: LinkedQuota) => void,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#local = local;
    this.#policy = policy;
    this.#changed = changed;
    this.#timeout = store.timeout ?? DEFAULT_TIMEOUT;
  }

  /**
   * An outcome the local state has taken in. A throttle or a `Retry-After` goes out at once,
   * with every outcome pending (the fleet's rate is learned from the answers accepted around
   * a throttle); the rest goes out when the last answer is stale.
   */
  report(q: LinkedQuota, o: Observation): void {
    const link = this.#link(q);
    if (this.#clock.now() < link.down) return;
    link.pending.push(o);
    if (o.first) link.firsts++;
    if (o.answer === 'throttled' || o.retryAfter !== undefined) link.urgent = true;
    this.#flush(q, link);
  }

  /** Sends what is pending when the last answer no longer stands. */
  refresh(q: LinkedQuota): void {
    this.#flush(q, this.#link(q));
  }

  /** The fleet's counts as this process knows them, its own unanswered reports included. */
  counts(q: LinkedQuota): QuotaCounts {
    const link = this.#link(q);
    if (this.#clock.now() < link.down) return this.#local.sync(q.key, NOTHING, this.#policy).counts;
    return {
      accepted: link.counts.accepted,
      requests: link.counts.requests + link.flightFirsts + link.firsts,
      retries: link.counts.retries + link.flightRetries + link.retries,
    };
  }

  /** Spends a retry from the fleet's budget as this process knows it. */
  spend(q: LinkedQuota, budget: BudgetSettings): boolean {
    const link = this.#link(q);
    if (!budgetAllows(this.counts(q), budget)) return false;
    q.answer = this.#local.sync(q.key, { observations: [], retries: 1, take: 0 }, this.#policy);
    if (this.#clock.now() < link.down) return true;
    link.retries++;
    this.#flush(q, link);
    return true;
  }

  /** Up to `wanted` start slots: the store's grant, or the local state's while it is down. */
  take(q: LinkedQuota, wanted: number): Granted | Promise<Granted> {
    const link = this.#link(q);
    if (this.#clock.now() < link.down) return this.#takeLocally(q, wanted);
    if (!link.call) return this.#send(q, link, wanted);
    // A call is under way: wait for its answer and ask again, within one deadline in all.
    const next = link.call.then(() => this.take(q, wanted));
    return this.#within(next).catch(() => this.#takeLocally(q, wanted));
  }

  #link(q: LinkedQuota): Link {
    let link = this.#links.get(q);
    if (!link) {
      link = new Link();
      this.#links.set(q, link);
    }
    return link;
  }

  #flush(q: LinkedQuota, link: Link): void {
    if (link.call) return;
    const now = this.#clock.now();
    if (now < link.down) return;
    if (link.urgent || now >= link.fresh) void this.#send(q, link, 0);
  }

  #takeLocally(q: LinkedQuota, wanted: number): Granted {
    q.answer = this.#local.sync(
      q.key,
      { observations: [], retries: 0, take: wanted },
      this.#policy,
    );
    return q.answer;
  }

  /** One call to the store, within its deadline; on a fault the local state goes on alone. */
  #send(q: LinkedQuota, link: Link, take: number): Promise<Granted> {
    // Slots that come after the deadline go to waste: the store hands out none past it.
    const takeUntil =
      take > 0 && link.shift !== undefined
        ? this.#clock.now() + this.#timeout - link.shift
        : undefined;
    const report: QuotaReport = {
      observations: link.pending,
      retries: link.retries,
      take,
      takeUntil,
    };
    link.pending = [];
    link.urgent = false;
    link.flightFirsts = link.firsts;
    link.flightRetries = link.retries;
    link.firsts = 0;
    link.retries = 0;
    const call = this.#deadline(() => this.#store.sync(q.key, report, this.#policy)).then(
      (answer) => this.#accept(q, link, answer),
      () => {
        link.down = this.#clock.now() + PROBE_SECONDS * (0.5 + this.#clock.random());
        link.pending = [];
        link.firsts = 0;
        link.retries = 0;
        link.urgent = false;
        return this.#takeLocally(q, take);
      },
    );
    link.call = call;
    void call.finally(() => {
      link.call = undefined;
      link.flightFirsts = 0;
      link.flightRetries = 0;
      // What came in while the call was under way; with nothing, no call (an answer that
      // stands for no time at all would otherwise call again at once, for ever).
      if (link.pending.length > 0 || link.retries > 0) this.#flush(q, link);
    });
    return call;
  }

  /** The store's answer, or a rejection when it fails or takes longer than its deadline. */
  #deadline(call: () => QuotaAnswer | Promise<QuotaAnswer>): Promise<QuotaAnswer> {
    let result: QuotaAnswer | Promise<QuotaAnswer>;
    try {
      result = call();
    } catch (error) {
      return Promise.reject(error);
    }
    return result instanceof Promise ? this.#within(result) : Promise.resolve(result);
  }

  /** `promise`, or a rejection once the store's deadline has passed. */
  #within<T>(promise: Promise<T>): Promise<T> {
    const timer = new AbortController();
    const late = this.#clock.sleep(this.#timeout, timer.signal).then(
      // On real time, an answer already received but not yet read (the event loop was
      // busy) is read before the deadline counts: the loop polls its sockets first.
      async () => {
        if (this.#clock.virtual !== true) await new Promise<void>((r) => afterPoll(r));
        throw new Error('the store did not answer in time');
      },
      () => new Promise<never>(() => {}),
    );
    return Promise.race([promise, late]).finally(() => timer.abort());
  }

  /** Takes the store's answer in as the local state; returns the slots it handed out. */
  #accept(q: LinkedQuota, link: Link, answer: QuotaAnswer): Granted {
    const now = this.#clock.now();
    // The store's instants as durations from its now, read from ours: a hold ends no sooner
    // than the store says (the answer's travel time only makes it later).
    const shift = now - answer.now;
    link.shift = Math.min(link.shift ?? shift, shift);
    const before = q.answer.state;
    // What happened here while the call was under way still counts here (counted once).
    q.answer = this.#local.seed(q.key, rebase(answer.state, shift), this.#policy, link.pending);
    link.counts = { ...answer.counts };
    link.fresh = now + answer.fresh;
    const after = q.answer.state;
    if (after.rate !== before.rate || after.until !== before.until) this.#changed(q);
    return { slot: answer.slot + shift, slots: answer.slots, gap: answer.gap };
  }
}

/** Calls `f` once the event loop has polled its sockets (Node: `setImmediate`). */
const afterPoll: (f: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (f) => setImmediate(f) : (f) => setTimeout(f, 0);

/** A state's instants moved by `shift` seconds. */
function rebase(s: QuotaState, shift: number): QuotaState {
  if (shift === 0) return s;
  return {
    ...s,
    until: s.until + shift,
    ceilingUntil: s.ceilingUntil + shift,
    lastCut: s.lastCut + shift,
    learning: s.learning + shift,
    last: s.last + shift,
  };
}
