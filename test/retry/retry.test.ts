import diagnostics from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { RetryEvent } from '../../src/retry/contract.js';
import { RetryError } from '../../src/retry/errors.js';
import { retry } from '../../src/retry/retry.js';
import { retryInfo } from '../../src/retry/retry-info.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}

/** An operation that fails with the given statuses (or errors), then returns 'done'. */
function script(steps: Array<number | Error>) {
  let calls = 0;
  const op = async () => {
    const step = steps[Math.min(calls++, steps.length - 1)];
    if (step === undefined || step === 200) return { value: 'done' };
    throw typeof step === 'number' ? new HttpError(step) : step;
  };
  return { op, calls: () => calls };
}

describe('retry() attempt signals', () => {
  it('gives every attempt a signal of its own, so listeners left on it never pile up on a shared one', async () => {
    const shared = new AbortController();
    const seen = new Set<AbortSignal>();
    for (const requestTimeout of [Number.POSITIVE_INFINITY, 60]) {
      for (const signal of [undefined, shared.signal]) {
        for (let i = 0; i < 20; i++) {
          await retry(
            async ({ signal: attemptSignal }) => {
              // What fetch does: a listener that stays until the request is collected.
              attemptSignal.addEventListener('abort', () => {});
              seen.add(attemptSignal);
              return i;
            },
            { requestTimeout, ...(signal ? { signal } : {}) },
          );
        }
      }
    }
    expect(seen.size).toBe(80);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the attempt signal when the caller aborts, with or without a timeout', async () => {
    for (const requestTimeout of [Number.POSITIVE_INFINITY, 60]) {
      const controller = new AbortController();
      const reason = new Error('stop');
      const call = retry(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            queueMicrotask(() => controller.abort(reason));
          }),
        { requestTimeout, signal: controller.signal },
      );
      await expect(call).rejects.toBe(reason);
    }
  });
});

describe('retry()', () => {
  it('retries a transient failure 10 times (11 attempts) and then throws RetryError with the history', async () => {
    const clock = new VirtualClock({ seed: 1 });
    const { op, calls } = script([503]);
    const error = await retry(op, { clock, jitter: 'none' }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect(error.name).toBe('RetryError');
    expect(calls()).toBe(11);
    expect(error.reason).toBe('retries');
    expect(error.attempts).toHaveLength(11);
    expect(error.attempts.slice(0, 10).map((a: { delay: number }) => a.delay)).toEqual([
      0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 90,
    ]);
    expect(clock.now()).toBeCloseTo(192.2, 6);
    expect(error.cause).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(
      /^operation failed after 11 attempts in 192\.2 s: Error: status 503 \(retries exhausted\)$/,
    );
  });

  it('gives 404 its own budget of 8 and 429 its own of 45', async () => {
    const clock = new VirtualClock();
    const a = script([404]);
    await retry(a.op, { clock }).catch(() => {});
    expect(a.calls()).toBe(9);
    const b = script([429]);
    await retry(b.op, { clock }).catch(() => {});
    expect(b.calls()).toBe(46);
  });

  it('keeps separate counters: 503s do not spend the 429 budget', async () => {
    const clock = new VirtualClock();
    const { op, calls } = script([...Array(10).fill(503), ...Array(45).fill(429), 200]);
    await expect(retry(op, { clock })).resolves.toEqual({ value: 'done' });
    expect(calls()).toBe(56);
  });

  it('stops 429s at the original rule with retryTimeout 300: 13 attempts, the last starting at 372.2 s', async () => {
    const clock = new VirtualClock();
    const { op, calls } = script([429]);
    const starts: number[] = [];
    const error = await retry(
      async (ctx) => {
        starts.push(ctx.elapsed);
        return op();
      },
      { clock, jitter: 'none', retryTimeout: 300 },
    ).catch((e) => e);
    expect(calls()).toBe(13);
    expect(error.reason).toBe('retryTimeout');
    expect(starts.at(-1)).toBeCloseTo(372.2, 6);
  });

  it('sleeps 30 s before the 9th to 12th retry of a 429 with earlyCap { 429: [12, 30] }, then 90 s', async () => {
    const clock = new VirtualClock();
    const { op } = script([429]);
    const delays: number[] = [];
    const error = await retry(op, {
      clock,
      jitter: 'none',
      retryTimeout: 300,
      earlyCap: { 429: [12, 30] },
      onRetry: ({ delay }) => {
        delays.push(delay);
      },
    }).catch((e) => e);
    expect(delays.slice(7).map((d) => Math.round(d * 10) / 10)).toEqual([
      25.6, 30, 30, 30, 30, 90, 90,
    ]);
    expect(error.reason).toBe('retryTimeout');
    expect(clock.now()).toBeCloseTo(351, 6);
  });

  it('returns a Response that an inner retry() already returned, with the outer history', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const inner = () =>
      retry(async () => new Response(null, { status: calls++ === 0 ? 503 : 200 }), {
        clock,
        retries: 0,
        classify: (o) => ({ retry: o.ok && o.value.status === 503, status: 503 }),
      });
    const response = await retry(inner, {
      clock,
      jitter: 'none',
      classify: (o) => ({ retry: o.ok && o.value.status === 503, status: 503 }),
    });
    expect(response.status).toBe(200);
    expect(retryInfo(response)?.attempts).toHaveLength(2);
  });

  it('does not retry programming errors', async () => {
    const { op, calls } = script([new TypeError('x is not a function')]);
    const error = await retry(op, { clock: new VirtualClock() }).catch((e) => e);
    expect(calls()).toBe(1);
    expect(error.reason).toBe('notRetryable');
  });

  it('returns a failed value with its history when the classifier says so', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const result = await retry(async () => ({ status: 503, n: ++n }), {
      clock,
      retries: 2,
      classify: (o) =>
        o.ok ? { retry: o.value.status >= 500, status: o.value.status } : { retry: false },
    });
    expect(result.n).toBe(3);
    expect(retryInfo(result)?.reason).toBe('retries');
    expect(retryInfo(result)?.attempts).toHaveLength(3);
  });

  it('waits a Retry-After plus a spread of at most s, and gives up at once when it lies beyond retryTimeout', async () => {
    const clock = new VirtualClock();
    const events: RetryEvent[] = [];
    let n = 0;
    const classify = () => ({ retry: true, status: 429, retryAfter: n === 1 ? 7 : 5000 });
    const result = await retry(async () => ({ n: ++n }), {
      clock,
      classify,
      onRetry: (e) => void events.push(e),
    });
    expect(n).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'retry-after', status: 429, retry: 1, limit: 45 });
    const delay = events[0]!.delay;
    expect(delay).toBeGreaterThanOrEqual(7);
    expect(delay).toBeLessThanOrEqual(14);
    expect(clock.now()).toBe(delay);
    expect(retryInfo(result)).toMatchObject({ reason: 'retryAfter', retryAfter: 5000 });
  });

  it('waits a Retry-After exactly when retryAfterSpread is false', async () => {
    const clock = new VirtualClock();
    const events: RetryEvent[] = [];
    let n = 0;
    const classify = () => ({ retry: true, status: 429, retryAfter: n === 1 ? 7 : 5000 });
    await retry(async () => ({ n: ++n }), {
      clock,
      classify,
      retryAfterSpread: false,
      onRetry: (e) => void events.push(e),
    });
    expect(events.map((e) => e.delay)).toEqual([7]);
    expect(clock.now()).toBe(7);
  });

  it('respects maxRetryAfter', async () => {
    const clock = new VirtualClock();
    let n = 0;
    const classify = () => ({ retry: true, status: 503, retryAfter: 20 });
    const result = await retry(async () => ({ n: ++n }), { clock, classify, maxRetryAfter: 10 });
    expect(n).toBe(1);
    expect(retryInfo(result)?.reason).toBe('retryAfter');
  });

  it('aborting during a backoff sleep rejects with the reason and starts no further attempt', async () => {
    const clock = new VirtualClock({ auto: false });
    const controller = new AbortController();
    const { op, calls } = script([503]);
    const running = retry(op, { clock, signal: controller.signal });
    await new Promise((r) => setImmediate(r));
    expect(calls()).toBe(1);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('user left'));
    await expect(running).rejects.toThrow('user left');
    await clock.runAll();
    expect(calls()).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('never starts an attempt when the signal is already aborted', async () => {
    const { op, calls } = script([200]);
    await expect(retry(op, { signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow(
      'gone',
    );
    expect(calls()).toBe(0);
  });

  it('times out an attempt after requestTimeout and retries it', async () => {
    let n = 0;
    const result = await retry(
      async ({ signal }) => {
        if (++n === 1) {
          await new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        }
        return n;
      },
      { requestTimeout: 0.02, base: 0.001, cap: 0.001 },
    );
    expect(result).toBe(2);
  });

  it('publishes each retry on the orionclient:retry diagnostics channel', async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    diagnostics.subscribe('orionclient:retry', listener);
    try {
      const { op } = script([503, 503, 200]);
      await retry(op, { clock: new VirtualClock(), description: 'job 7' });
    } finally {
      diagnostics.unsubscribe('orionclient:retry', listener);
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      attempt: 1,
      retry: 1,
      limit: 10,
      status: 503,
      source: 'backoff',
      description: 'job 7',
    });
  });

  it('keeps the jitter cursor per call: concurrent calls do not share it', async () => {
    const clock = new VirtualClock();
    const delays: number[][] = [[], []];
    const run = (i: number) =>
      retry(script([503, 503, 503, 200]).op, {
        clock,
        jitter: 'none',
        onRetry: (e) => void delays[i]!.push(e.delay),
      });
    await Promise.all([run(0), run(1)]);
    expect(delays[0]).toEqual([0.2, 0.4, 0.8]);
    expect(delays[1]).toEqual([0.2, 0.4, 0.8]);
  });

  it('gives each attempt its number, a signal of its own and the seconds since the first attempt', async () => {
    const clock = new VirtualClock();
    const seen: Array<[number, number]> = [];
    const signals = new Set<AbortSignal>();
    const { op } = script([503, 503, 200]);
    await retry(
      async ({ attempt, signal, elapsed }) => {
        seen.push([attempt, elapsed]);
        signals.add(signal);
        return op();
      },
      { clock, jitter: 'none' },
    );
    expect(seen.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(seen.map(([, elapsed]) => elapsed)).toEqual([0, 0.2, expect.closeTo(0.6, 9)]);
    expect(signals.size).toBe(3);
  });

  it('reads a numeric statusCode as it reads status: a 404 spends the 404 budget of 8', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw Object.assign(new Error('not found'), { statusCode: 404 });
      },
      { clock },
    ).catch((e) => e);
    expect(calls).toBe(9);
    expect(error.attempts.map((a: { status?: number }) => a.status)).toEqual(Array(9).fill(404));
  });

  it('schedules no retry of the interactive profile once 15 s have passed: the last starts within 20 s, and 10 s timeouts end within 30 s', async () => {
    const latest = { start: 0, end: 0 };
    let startedPast15 = 0;
    // Attempts that fail after 0.5 s to 10 s (the interactive requestTimeout), on many seeds.
    for (let seconds = 0.5; seconds <= 10; seconds += 0.5) {
      for (let seed = 1; seed <= 20; seed++) {
        const clock = new VirtualClock({ seed });
        await retry(
          async ({ elapsed }) => {
            latest.start = Math.max(latest.start, elapsed);
            if (elapsed > 15) startedPast15++;
            await clock.sleep(seconds);
            throw new DOMException('no answer in time', 'TimeoutError');
          },
          { clock, profile: 'interactive' },
        ).catch((e) => expect(e).toBeInstanceOf(RetryError));
        latest.end = Math.max(latest.end, clock.now());
      }
    }
    expect(latest.start).toBeLessThanOrEqual(15 + 5);
    expect(latest.end).toBeLessThanOrEqual(15 + 5 + 10);
    // The rule rounds up: some last retries do start past 15 s.
    expect(startedPast15).toBeGreaterThan(0);
  });

  it('rejects unknown options with a hint', async () => {
    await expect(retry(async () => 1, { retires: 3 } as never)).rejects.toThrow(
      /did you mean `retries`/,
    );
  });
});

describe('retry() options checked before the first attempt', () => {
  const never = async () => 'sent';

  it('rejects what is not a coordinator, naming the option', async () => {
    for (const coordinator of [null, 5, 'c', {}, { acquire() {} }, { record() {} }]) {
      await expect(
        retry(never, { coordinator: coordinator as never }),
        String(coordinator),
      ).rejects.toThrow(/^`coordinator` must be a RetryCoordinator/);
    }
  });

  it('rejects a description that is not a string, and a url that is not absolute', async () => {
    await expect(retry(never, { description: 5 as never })).rejects.toThrow(
      '`description` must be a string, got 5 (number)',
    );
    for (const url of ['/relative', 5, {}]) {
      await expect(retry(never, { url: url as never }), String(url)).rejects.toThrow(
        '`url` must be an absolute URL (a string or a URL), got one that is not',
      );
    }
    await expect(retry(never, { url: 'http://api.test/x', description: 'd' })).resolves.toBe(
      'sent',
    );
    await expect(retry(never, { url: new URL('http://api.test/x') })).resolves.toBe('sent');
  });

  it('takes a policy field of its own on top of a profile', async () => {
    const { op, calls } = script([503, 503, 503, 503, 503]);
    const clock = new VirtualClock({ seed: 1, auto: true });
    const classify = (o: { ok: boolean; error?: unknown }) => ({ retry: !o.ok });
    await expect(
      retry(op, { profile: 'interactive', retries: 1, clock, classify }),
    ).rejects.toBeInstanceOf(RetryError);
    expect(calls()).toBe(2);
  });
});

describe('retry() when its own hooks fail', () => {
  it('rejects with the error of a classify or onRetry that throws, and starts no attempt after it', async () => {
    const broken = new Error('classify broke');
    const first = script([503, 503]);
    await expect(
      retry(first.op, {
        clock: new VirtualClock({ seed: 1, auto: true }),
        classify: () => {
          throw broken;
        },
      }),
    ).rejects.toBe(broken);
    expect(first.calls()).toBe(1);
    const hook = new Error('onRetry broke');
    const second = script([503, 503]);
    await expect(
      retry(second.op, {
        clock: new VirtualClock({ seed: 1, auto: true }),
        onRetry: () => {
          throw hook;
        },
      }),
    ).rejects.toBe(hook);
    expect(second.calls()).toBe(1);
  });

  it('takes an operation that throws before returning a promise as a failed attempt', async () => {
    let calls = 0;
    const op = () => {
      calls++;
      if (calls === 1) throw new HttpError(503);
      return Promise.resolve('done');
    };
    const clock = new VirtualClock({ seed: 1, auto: true });
    const classify = (o: { ok: boolean }) => ({ retry: !o.ok });
    await expect(retry(op, { clock, classify })).resolves.toBe('done');
    expect(calls).toBe(2);
  });
});

describe('retry() on a clock that does not start at 0', () => {
  it('counts elapsed time from the first attempt, for the context, retryTimeout and the error', async () => {
    const clock = new VirtualClock({ seed: 1, start: 1_000_000, auto: true });
    const elapsed: number[] = [];
    const events: object[] = [];
    const classify = (o: { ok: boolean }) => ({ retry: !o.ok });
    const error = await retry(
      async (c) => {
        elapsed.push(c.elapsed);
        throw new Error('down');
      },
      {
        clock,
        classify,
        retries: 3,
        retryTimeout: 300,
        base: 1,
        cap: 1,
        jitter: 'none',
        onRetry: (e) => void events.push(e),
      },
    ).catch((e: unknown) => e as RetryError);
    expect(elapsed).toEqual([0, 1, 2, 3]);
    expect(error.reason).toBe('retries');
    expect(error.message).toMatch(/failed after 4 attempts in 3\.0 s/);
    // An event of a failure without a response carries no status field at all.
    expect(events.map((e) => 'status' in e)).toEqual([false, false, false]);
  });
});
