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
    s =
      !pacing && now + span > s.until
        ? { ...s, streak: s.streak + 1, until: now + span, span }
        : { ...s, streak: s.streak + 1 };
  } else if (!o.retry && o.answer !== 'failed' && s.streak !== 0) {
    s = { ...s, streak: 0 };
  }
  if (!limit || o.answer === 'failed') return s;
  if (o.answer === 'throttled') {
    // A Retry-After with no evidence yet of the server's rate is left to the shared wait.
    const blind = s.rate === Number.POSITIVE_INFINITY && o.retryAfter !== undefined;
    return blind && counts.accepted === 0 ? s : throttle(s, limit, now, counts.accepted);
  }
  // While the first throttle's rate is learned, the answers in flight raise it.
  if (now < s.learning) return s.rate >= counts.accepted ? s : { ...s, rate: counts.accepted };
  return o.waiting ? grow(s, limit) : s;
}

/**
 * Raises the rate for one accepted answer (the caller knows attempts wait for it, so an idle
 * client or a server that accepts nothing never grows it): by `growth` per second's worth
 * of answers below the threshold (slow start), by `probe` of the threshold per second
 * above it.
 */
function grow(s: QuotaState, limit: LimitSettings): QuotaState {
  const rate = s.rate;
  if (rate === Number.POSITIVE_INFINITY) return s;
  const next =
    rate < s.threshold
      ? Math.min(s.threshold, rate * limit.growth ** (1 / rate))
      : rate + (limit.probe * s.threshold) / rate;
  return { ...s, rate: next };
}

/** The state after a throttling answer, with `admitted` answers accepted over the last second. */
function throttle(s: QuotaState, limit: LimitSettings, now: number, admitted: number): QuotaState {
  if (s.rate === Number.POSITIVE_INFINITY) {
    // The first throttle: start at what the server just accepted, and keep raising that
    // start while the rest of the first wave's answers come in.
    const rate = Math.max(limit.minRate, admitted);
    return { ...s, rate, learning: now + limit.cooldown, lastCut: now };
  }
  if (now - s.lastCut < limit.cooldown) return s;
  if (admitted > 0) {
    // Throttled, the server accepts about its rate: aim there, back off below it.
    const rate = Math.max(limit.minRate, Math.min(s.rate * limit.decrease, admitted));
    return { ...s, rate, threshold: Math.max(rate, admitted), lastCut: now };
  }
  // Nothing gets through (an outage): halve, and remember the last good rate so that
  // recovery climbs back to it quickly.
  return { ...s, rate: Math.max(limit.minRate, s.rate / 2), lastCut: now };
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
