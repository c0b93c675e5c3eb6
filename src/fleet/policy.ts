/**
 * The fleet's decisions, as pure functions of a quota's state, the settings, the instant
 * and one event: no clock, no timer, no promise, nothing kept between calls. A store runs
 * them where the state lives (the memory store here; a remote store ports them to its own
 * scripts), and the result depends on nothing else, so every store decides alike.
 */
import type { Verdict } from '../retry/contract.js';
import type { BudgetSettings, LimitSettings, PolicySettings } from './settings.js';
import type { Observation, QuotaCounts, QuotaState } from './state.js';

/** Reads an attempt's outcome as an {@link Observation}. */
export function observation(
  verdict: Verdict,
  attempt: number,
  policy: PolicySettings,
  waiting: boolean,
): Observation {
  const { status } = verdict;
  const throttled = status !== undefined && policy.limit?.statuses.includes(status) === true;
  return {
    first: attempt === 1,
    answer: throttled ? 'throttled' : status === undefined ? 'failed' : 'answered',
    quota: throttled && status === 429,
    retry: verdict.retry,
    retryAfter: verdict.retryAfter,
    waiting,
  };
}

/**
 * The state after an outcome. `counts` are the store's sums with this outcome already
 * counted. Returns `state` itself when nothing changed.
 */
export function observe(
  state: QuotaState,
  policy: PolicySettings,
  now: number,
  counts: QuotaCounts,
  o: Observation,
): QuotaState {
  let s = state;
  const { hold, limit } = policy;
  if (hold && o.retry && o.retryAfter !== undefined) {
    const span = Math.min(o.retryAfter, hold.maxHold);
    // Once the rate limit paces the attempts, the throttled request waits its own hint in
    // full and the others keep the pace (which the throttle lowers), unless told otherwise.
    const pacing = s.rate !== Number.POSITIVE_INFINITY && !hold.whilePacing;
    // The first attempts of a wave that a hold already stops count once: each of them was
    // sent before the hold. (Counted one by one, a process that saw a whole first wave of
    // 429s widened its spread to the maximum, against a server idle by then.)
    const streak = now >= s.until || !o.first ? s.streak + 1 : s.streak;
    s =
      !pacing && now + span > s.until
        ? { ...s, streak, until: now + span, span }
        : streak === s.streak
          ? s
          : { ...s, streak };
  } else if (!o.retry && o.answer !== 'failed' && s.streak !== 0) {
    s = { ...s, streak: 0 };
  }
  if (!limit || o.answer === 'failed') return s;
  if (o.answer === 'throttled') {
    // With no evidence yet of the server's rate (nothing accepted over the last second), a
    // throttle that says when to come back is left to the shared wait, and a 429 (the
    // server is up, and others spent the quota) to the request's own backoff, until an
    // answer gets through. A throttle without either (a 503) may be an outage: the limit
    // starts at `minRate`, so that the recovery meets a few probes and not every retry.
    const blind = s.rate === Number.POSITIVE_INFINITY && (o.retryAfter !== undefined || o.quota);
    return blind && counts.accepted === 0 ? s : throttle(s, limit, now, counts.accepted, o.quota);
  }
  // While the first throttle's rate is learned, the answers in flight raise it.
  if (now < s.learning) return s.rate >= counts.accepted ? s : { ...s, rate: counts.accepted };
  return o.waiting ? grow(s, limit, now) : s;
}

/**
 * Raises the rate for one accepted answer (the caller knows attempts wait for it, so an idle
 * client or a server that accepts nothing never grows it). Below a ceiling that holds
 * (`threshold` until `ceilingUntil`): by `growth` per second's worth of answers (slow
 * start); above it: by `probe` of it per second. With no ceiling holding, by `startGrowth`
 * per second while the server was last seen accepting (nothing tells how far its rate
 * is), by `growth` after an outage (the peak after recovery stays low).
 */
function grow(s: QuotaState, limit: LimitSettings, now: number): QuotaState {
  const rate = s.rate;
  if (rate === Number.POSITIVE_INFINITY) return s;
  const ceiling = now < s.ceilingUntil ? s.threshold : Number.POSITIVE_INFINITY;
  const growth =
    ceiling === Number.POSITIVE_INFINITY && s.accepting === 1 ? limit.startGrowth : limit.growth;
  const next =
    rate < ceiling
      ? Math.min(ceiling, rate * growth ** (1 / rate))
      : rate + (limit.probe * ceiling) / rate;
  return { ...s, rate: next };
}

/**
 * The state after a throttling answer, with `admitted` answers accepted over the last second;
 * `quota`: the answer was a 429.
 */
function throttle(
  s: QuotaState,
  limit: LimitSettings,
  now: number,
  admitted: number,
  quota: boolean,
): QuotaState {
  if (s.rate === Number.POSITIVE_INFINITY) {
    // The first throttle: start at what the server just accepted, and keep raising that
    // start while the rest of the first wave's answers come in.
    const rate = Math.max(limit.minRate, admitted);
    return {
      ...s,
      rate,
      learning: now + limit.cooldown,
      lastCut: now,
      accepting: admitted > 0 ? 1 : 0,
    };
  }
  if (now - s.lastCut < limit.cooldown) return s;
  if (admitted > 0) {
    // Throttled, the server accepts about its rate: aim there, back off below it, but never
    // below `deepestCut` of the rate at once (what this client saw accepted falls short of
    // the server's rate when other clients took the rest, or when a hold kept it idle).
    const aim = Math.max(admitted, s.rate * limit.deepestCut);
    const rate = Math.max(limit.minRate, Math.min(s.rate * limit.decrease, aim));
    const threshold = Math.max(rate, admitted);
    // A ceiling found again where the last one was is likely the server's: it holds for
    // `confirmedHold` seconds, and each cut that finds it again renews it. Any other may be
    // a share that other clients left since: it holds only `ceilingHold` seconds. Neither
    // holds for good: a share found twice while others competed is not the server's rate.
    const confirmed =
      threshold >= s.threshold * limit.confirmBand && threshold * limit.confirmBand <= s.threshold;
    const ceilingUntil = now + (confirmed ? limit.confirmedHold : limit.ceilingHold);
    return { ...s, rate, threshold, ceilingUntil, lastCut: now, accepting: 1 };
  }
  // A 429 with nothing of this client accepted: the server is up and others spend the quota.
  // At a rate of one or two a second a second without an accepted answer is common, so the
  // rate falls by `decrease` as at any cut (halving it there starved a crowded-out client).
  if (quota) return { ...s, rate: Math.max(limit.minRate, s.rate * limit.decrease), lastCut: now };
  // Nothing gets through (an outage): halve; the recovery climbs at `growth`, so that its
  // peak stays low.
  return { ...s, rate: Math.max(limit.minRate, s.rate / 2), lastCut: now, accepting: 0 };
}

/** Start slots handed out at once: `count` of them, the first at `first`, one every `gap` s. */
export interface Slots {
  readonly state: QuotaState;
  /** The first slot's instant; with `count` 0, when the next slot comes due. */
  readonly first: number;
  readonly count: number;
  readonly gap: number;
}

/**
 * Hands out up to `wanted` start slots in order on the quota's one timeline: never before
 * the shared hold, one every `1 / rate` seconds, none earlier than `now` (time lost while
 * nobody asked is not made up in a burst). The first must come due by `now + horizon`, the
 * others within `horizon` of it, so a caller gets a full batch even when others took the
 * slots just ahead.
 */
export function takeSlots(s: QuotaState, now: number, wanted: number, horizon: number): Slots {
  const gap = s.rate === Number.POSITIVE_INFINITY ? 0 : 1 / s.rate;
  const due = Math.max(s.until, s.last + gap);
  if (due > now + horizon || wanted <= 0) return { state: s, first: due, count: 0, gap };
  const first = Math.max(due, now);
  const count = gap === 0 ? wanted : Math.min(wanted, Math.floor(horizon / gap) + 1);
  return { state: { ...s, last: first + (count - 1) * gap }, first, count, gap };
}

/** Whether the budget has a retry left, with `counts` summed up to now. */
export function budgetAllows(counts: QuotaCounts, budget: BudgetSettings): boolean {
  const allowed = budget.ratio * counts.requests + budget.minPerSecond * budget.window;
  return counts.retries + 1 <= allowed;
}

/** Whether a quota holds nothing back at `now` (its state may be forgotten once idle). */
export function isIdle(s: QuotaState, now: number): boolean {
  return s.until < now;
}
