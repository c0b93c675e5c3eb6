import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import type { Outcome, Verdict } from '../../src/retry/contract.js';
import type { RetryError } from '../../src/retry/errors.js';
import { callPolicy, retry } from '../../src/retry/retry.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { runRetry } from '../../src/retry/run.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { throttled } from '../support/fleet.js';

// The engine's bookkeeping: when attempts are recorded to start, how a refusal and a
// server's hint end a call, and how much room the spread above a Retry-After takes.

/** The n-th attempt returns `{ attempt: n }`, read as `verdicts[n - 1]` (the last one repeats). */
function scripted(verdicts: Verdict[]) {
  let calls = 0;
  return {
    operation: async () => ({ attempt: ++calls }),
    classify: (outcome: Outcome<{ attempt: number }>) =>
      verdicts[Math.min(outcome.ok ? outcome.value.attempt : 1, verdicts.length) - 1] as Verdict,
  };
}

/** How a call ended: its value's retry info, or the error it threw. */
const ending = (call: Promise<object>) =>
  call.then(
    (value) => retryInfo(value),
    (error: RetryError) => error,
  );

const unavailable: Verdict = { retry: true, status: 503 };
const done: Verdict = { retry: false, status: 200 };

describe('the attempt history', () => {
  it('records a first attempt a transport made before the engine started at 0, and the next ones from it', async () => {
    const clock = new VirtualClock({ start: 10 });
    let calls = 0;
    const value = await runRetry(async () => ({ call: ++calls }), {
      policy: callPolicy({ jitter: 'none' }, 'test'),
      clock,
      signal: undefined,
      classify: (outcome) => (outcome.ok && outcome.value.call === 1 ? unavailable : done),
      onRetry: undefined,
      discard: undefined,
      description: 'test',
      coordinator: undefined,
      url: undefined,
      spread: undefined,
      // The first attempt started half a second before the engine got its outcome.
      start: 9.5,
    });
    expect(value).toEqual({ call: 2 });
    const [first, second] = retryInfo(value)?.attempts ?? [];
    expect(first).toMatchObject({ attempt: 1, start: 0, end: 0.5, status: 503, delay: 0.2 });
    expect(second?.start).toBeCloseTo(0.7, 9);
    expect(second?.end).toBeCloseTo(0.7, 9);
  });

  it('records when a first attempt held back by a coordinator really started', async () => {
    const clock = new VirtualClock({ start: 100 });
    const coordinator = new Coordinator({ clock, rateLimit: false });
    coordinator.record(throttled(20), 1);
    let startedAt = 0;
    const value = await retry(
      async () => {
        startedAt = clock.now() - 100;
        return {};
      },
      { clock, coordinator },
    );
    expect(startedAt).toBeGreaterThanOrEqual(20);
    expect(retryInfo(value)?.attempts[0]).toMatchObject({ start: startedAt, end: startedAt });
  });
});

describe('a coordinator refusing an attempt', () => {
  /** A coordinator whose quota another call's `Retry-After: 200` holds from t = 50. */
  function held() {
    const clock = new VirtualClock({ start: 50 });
    const coordinator = new Coordinator({ clock, rateLimit: false });
    coordinator.record(throttled(200), 1);
    return { clock, coordinator };
  }

  it('ends the call with the time it ran, and the hold as the wait, when the hold exceeds maxRetryAfter', async () => {
    const { clock, coordinator } = held();
    const { operation, classify } = scripted([done]);
    const error: RetryError = await retry(operation, {
      clock,
      coordinator,
      classify,
      maxRetryAfter: 100,
    }).catch((e) => e);
    expect(error).toMatchObject({ reason: 'retryAfter', retryAfter: 200 });
    expect(error.message).toContain('after 0 attempts in 0.0 s');
  });

  it('gives no retryAfter when the call ends because the pace would pass its retryTimeout', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { minRate: 0.5, growth: 1 },
    });
    coordinator.record(unavailable, 1);
    // Slots 2 s apart: two taken, the third would start at 4 s.
    const taken = [coordinator.acquire(), coordinator.acquire()];
    const { operation, classify } = scripted([done]);
    const error: RetryError = await retry(operation, {
      clock,
      coordinator,
      classify,
      retryTimeout: 3,
    }).catch((e) => e);
    expect(error.reason).toBe('retryTimeout');
    expect(error.retryAfter).toBeUndefined();
    await Promise.all(taken);
  });
});

describe("a server's Retry-After at the call's bounds", () => {
  it('waits a hint exactly equal to maxRetryAfter', async () => {
    const clock = new VirtualClock();
    const { operation, classify } = scripted([throttled(30), done]);
    const value = await retry(operation, {
      clock,
      classify,
      maxRetryAfter: 30,
      retryAfterSpread: false,
    });
    expect(value).toEqual({ attempt: 2 });
    expect(clock.now()).toBe(30);
  });

  it('waits a hint that ends exactly at retryTimeout, and stops there for the timeout', async () => {
    const clock = new VirtualClock();
    const { operation, classify } = scripted([throttled(30)]);
    const end = await ending(
      retry(operation, { clock, classify, retryTimeout: 30, retryAfterSpread: false }),
    );
    expect(end?.reason).toBe('retryTimeout');
    expect(end?.attempts.map((a) => a.start)).toEqual([0, 30]);
  });

  it("reports the call's own hint, not another call's hold, when neither will be waited", async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false, retryAfter: { maxHold: 3600 } });
    const { operation, classify } = scripted([throttled(500)]);
    const end = await ending(
      retry(operation, {
        clock,
        coordinator,
        classify: (outcome) => {
          // Another call was told to wait 400 s: too long for this one too.
          coordinator.record(throttled(400), 1, { maxWait: 3600 });
          return classify(outcome);
        },
        maxRetryAfter: 300,
      }),
    );
    expect(end).toMatchObject({ reason: 'retryAfter', retryAfter: 500 });
  });

  it("ends a call whose budget is spent for its budget, whatever another call's hold", async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false });
    const { operation, classify } = scripted([unavailable]);
    const end = await ending(
      retry(operation, {
        clock,
        coordinator,
        classify: (outcome) => {
          // Another call is told to wait 200 s while this one is on its last attempt.
          coordinator.record(throttled(200), 1, { maxWait: 3600 });
          return classify(outcome);
        },
        retries: 0,
        maxRetryAfter: 100,
      }),
    );
    expect(end?.reason).toBe('retries');
    expect(end?.retryAfter).toBeUndefined();
  });
});

describe('the spread above a Retry-After', () => {
  it('takes only the time the retries left in the budget would not use', async () => {
    // Two retries of 10 s fit in retryTimeout 25; 5 s are left for the first one's spread.
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const clock = new VirtualClock({ seed });
      const { operation, classify } = scripted([throttled(10), done]);
      await retry(operation, {
        clock,
        classify,
        retryTimeout: 25,
        retriesByStatus: { 429: 2 },
        onRetry: ({ delay }) => {
          delays.push(delay);
        },
      });
    }
    expect(Math.min(...delays)).toBeGreaterThan(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(15);
  });
});
