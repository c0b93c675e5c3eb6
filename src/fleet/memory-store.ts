/**
 * The default store: every quota's state in this process's memory, on the Coordinator's
 * clock. It answers synchronously and at once, so it adds nothing to a request but a map
 * lookup and the policy's arithmetic.
 */
import type { Clock } from '../time/clock.js';
import { isIdle, observe, takeSlots } from './policy.js';
import type { PolicySettings } from './settings.js';
import { COLD, type Observation, type QuotaCounts, type QuotaState } from './state.js';
import type { QuotaAnswer, QuotaReport, QuotaStore } from './store.js';
import { WindowCount } from './window-count.js';

/** A quota nobody used for this long (and that holds nothing back) is forgotten. */
const IDLE_SECONDS = 600;
const NO_REPORT: QuotaReport = Object.freeze({ observations: [], retries: 0, take: 0 });
/** Buckets of the counts: the last second in 20, the budget's window in 100. */
const ACCEPTED_BUCKETS = 20;
const BUDGET_BUCKETS = 100;

/**
 * One quota: its state and counts. It is also the answer to every call about it (a store in
 * memory need not copy what the caller reads at once), its counts read at the call's now.
 */
class Entry implements QuotaAnswer, QuotaCounts {
  state: QuotaState = COLD;
  now = 0;
  slot = Number.NEGATIVE_INFINITY;
  slots = 0;
  gap = 0;
  fresh = 0;
  readonly #accepted = new WindowCount(1, ACCEPTED_BUCKETS);
  readonly #requests: WindowCount | undefined;
  readonly #retries: WindowCount | undefined;

  constructor(window: number | undefined) {
    this.#requests = window === undefined ? undefined : new WindowCount(window, BUDGET_BUCKETS);
    this.#retries = window === undefined ? undefined : new WindowCount(window, BUDGET_BUCKETS);
  }

  get counts(): QuotaCounts {
    return this;
  }
  get accepted(): number {
    return this.#accepted.sum(this.now);
  }
  get requests(): number {
    return this.#requests?.sum(this.now) ?? 0;
  }
  get retries(): number {
    return this.#retries?.sum(this.now) ?? 0;
  }

  /** Applies a report at `now` (see {@link QuotaStore.sync}). */
  apply(report: QuotaReport, policy: PolicySettings, now: number, o: MemoryStoreOptions): this {
    this.now = now;
    this.fresh = o.fresh;
    for (const o of report.observations) {
      if (o.first) this.#requests?.add(now);
      if (o.answer === 'answered' && policy.limit) this.#accepted.add(now);
      this.state = observe(this.state, policy, now, this, o);
    }
    if (report.retries > 0) this.#retries?.add(now, report.retries);
    const late = report.takeUntil !== undefined && now > report.takeUntil;
    const slots = takeSlots(this.state, now, late ? 0 : report.take, o.horizon);
    this.state = slots.state;
    this.slot = slots.first;
    this.slots = slots.count;
    this.gap = slots.gap;
    return this;
  }
}

/** How a {@link MemoryStore} answers. */
export interface MemoryStoreOptions {
  /** Seconds each answer stands for the quota ({@link QuotaAnswer.fresh}). */
  readonly fresh: number;
  /** Seconds ahead within which a call hands out the slots that come due. */
  readonly horizon: number;
}

/**
 * Quotas in this process's memory, on `clock`. By default every answer is current only
 * when given and hands out only the slot due now, which is exact for one process; other
 * `options` answer as a shared store would (a test stands it in for one).
 */
export class MemoryStore implements QuotaStore {
  readonly #clock: Clock;
  readonly #options: MemoryStoreOptions;
  readonly #entries = new Map<string, Entry>();
  #calls = 0;

  constructor(clock: Clock, options: MemoryStoreOptions = { fresh: 0, horizon: 0 }) {
    this.#clock = clock;
    this.#options = options;
  }

  sync(key: string, report: QuotaReport, policy: PolicySettings): QuotaAnswer {
    const now = this.#clock.now();
    if (++this.#calls % 1024 === 0) this.#forgetIdle(now);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = new Entry(policy.budget?.window);
      this.#entries.set(key, entry);
    }
    return entry.apply(report, policy, now, this.#options);
  }

  /**
   * Starts the quota `key` from `state` (instants on this store's clock), keeping its counts,
   * then applies `replay`: outcomes these counts hold already, which `state` has not seen.
   */
  seed(
    key: string,
    state: QuotaState,
    policy: PolicySettings,
    replay: readonly Observation[],
  ): QuotaAnswer {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = new Entry(policy.budget?.window);
      this.#entries.set(key, entry);
    }
    const now = this.#clock.now();
    entry.now = now;
    entry.state = state;
    for (const o of replay) entry.state = observe(entry.state, policy, now, entry, o);
    return entry.apply(NO_REPORT, policy, now, this.#options);
  }

  /** Forgets the quotas that nobody used for a while and that hold nothing back. */
  #forgetIdle(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.now > IDLE_SECONDS && isIdle(entry.state, now)) this.#entries.delete(key);
    }
  }
}
