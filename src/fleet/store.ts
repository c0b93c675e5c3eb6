/**
 * Where the state of a quota lives, and what a Coordinator asks of it.
 *
 * A store keeps, per quota key, one {@link QuotaState} (a few numbers) and three sliding
 * counts ({@link QuotaCounts}). It has one operation, {@link QuotaStore.sync}: apply what a
 * Coordinator saw since its last call, hand out start slots, and answer with the state.
 * Each call is one atomic step on one quota (in Redis: one script on one hash-tagged key
 * pair), and every decision in it is made by the pure functions of `policy.ts`, so a store
 * in memory and a store in Redis decide alike given the same reports.
 *
 * **Time.** Every instant in a call is read from the store's own clock and compared only
 * with instants of that clock (a remote store uses its server's time, never the caller's):
 * the report carries no instant of the caller's clock (its one instant, `takeUntil`, is on
 * the store's clock, read from the last answer), and the answer carries the store's `now`
 * beside its instants, so the Coordinator reads each one as a duration from `now`. Clocks of
 * different machines never meet.
 *
 * **Few calls.** A Coordinator calls a store when it has to:
 * - with bad news at once: an outcome that throttled or carried a `Retry-After`;
 * - for start slots when its attempts wait and the slots it holds are spent;
 * - with its other reports (accepted answers, first attempts, spent retries) only once the
 *   last answer is older than that answer's {@link QuotaAnswer.fresh}.
 * A store in this process answers `fresh: 0` and is called for every outcome; a remote
 * store answers, say, `fresh: 0.25` and hands out the slots due within its own horizon in
 * one answer, so an unthrottled process calls it a few times a second at most however many
 * requests it sends, and a paced one once per batch of slots.
 *
 * **Faults.** A store may answer synchronously (the memory store) or with a promise. A
 * promise that does not settle within {@link QuotaStore.timeout} seconds, or rejects, or a
 * call that throws, does not fail any request: the Coordinator decides alone on a local copy
 * that starts from the last answer (the known hold, the learned rate), and tries the store
 * again a second later. A store should never hang; the deadline is there for when it does.
 *
 * **Validation.** A store answers the cold state for a key it does not have, and for one it
 * cannot read (evicted, tampered, garbage): a quota it cannot trust starts over, it never
 * fails or hangs.
 */
import type { PolicySettings } from './settings.js';
import type { Observation, QuotaCounts, QuotaState } from './state.js';

/** What a Coordinator tells a store about one quota since its last call, and asks of it. */
export interface QuotaReport {
  /** Outcomes since the last call, in the order they came; the store applies them in order. */
  readonly observations: readonly Observation[];
  /**
   * Retries the Coordinator spent from the budget since its last call. It decides them on
   * the last answer's counts plus what it has not reported yet; the store only counts them.
   */
  readonly retries: number;
  /** Start slots wanted: attempts waiting for their turn (0: none). */
  readonly take: number;
  /**
   * An instant on the store's own clock (read from its last answer) after which the caller
   * no longer waits for this answer: a call the store runs later (queued while it was
   * stopped) hands out no slots, which nobody would use. `undefined`: no such instant.
   */
  readonly takeUntil?: number | undefined;
}

/** A store's answer: the quota's state after the report, and the slots handed out. */
export interface QuotaAnswer {
  /** The store's clock when it answered, in seconds; every instant here is on that clock. */
  readonly now: number;
  /** The state after the report and the slots handed out. */
  readonly state: QuotaState;
  /** The sliding counts at `now`, the report included. */
  readonly counts: QuotaCounts;
  /**
   * Start slots handed out to this caller: `slots` of them, the first at the instant `slot`,
   * then one every `gap` seconds. With none, `slot` is the instant the next one comes due.
   * Slots a caller does not use pass unused: nobody else gets them.
   */
  readonly slot: number;
  /** Start slots handed out (see {@link QuotaAnswer.slot}). */
  readonly slots: number;
  /** Seconds between two slots handed out; 0 while the rate limit is off. */
  readonly gap: number;
  /**
   * Seconds during which this answer may stand for the quota: until then the Coordinator
   * calls only with bad news or for slots. 0: call with every report.
   */
  readonly fresh: number;
}

/**
 * Where the state of each quota lives. A Coordinator calls {@link QuotaStore.sync} as the
 * module comment above describes; everything else (the waiting attempts, the timers, the
 * spread of a hold) stays in the Coordinator.
 */
export interface QuotaStore {
  /**
   * Seconds an asynchronous call may take before the Coordinator decides without it.
   * @default 0.05
   */
  readonly timeout?: number;
  /**
   * Applies `report` to the quota `key` atomically, with the pure policy and `policy`'s
   * settings, at the store's own now: counts each observation, then lets the policy read
   * it (`observe`); counts the spent retries; hands out up to `report.take` slots
   * (`takeSlots`). Answers with the result, synchronously or through a promise.
   */
  sync(
    key: string,
    report: QuotaReport,
    policy: PolicySettings,
  ): QuotaAnswer | Promise<QuotaAnswer>;
}
