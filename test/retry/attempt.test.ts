/**
 * One attempt: its own timeout in real time, its own signal, and the listeners it leaves
 * behind (none).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startAttempt, unlessAborted } from '../../src/retry/attempt.js';
import type { Outcome } from '../../src/retry/contract.js';

/** {@link startAttempt}'s outcome as a promise. */
const runAttempt = <T>(
  ...args: Parameters<typeof startAttempt<T>> extends [...infer A, unknown] ? A : never
): Promise<Outcome<T>> => new Promise((done) => startAttempt<T>(...args, done));

import type { AttemptContext } from '../../src/retry/contract.js';

const settleAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('runAttempt', () => {
  it('gives a requestTimeout beyond what a timer holds (24.8 days) to the attempt, not 1 ms', async () => {
    const outcome = await runAttempt(() => settleAfter(30, 'ok'), 1, 0, 1e7, undefined, undefined);
    expect(outcome).toEqual({ ok: true, value: 'ok' });
  });

  it('ends an attempt that ignores its signal at requestTimeout, with a TimeoutError that says so', async () => {
    const outcome = await runAttempt(() => new Promise(() => {}), 1, 0, 0.02, undefined, undefined);
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: Error & { code?: string } }).error;
    expect(error.message).toBe('attempt timed out after 0.02 s (requestTimeout)');
    expect(error.name).toBe('TimeoutError');
    expect(error.code).toBe('ETIMEDOUT');
  });

  it('leaves no listener on its signal, whether the attempt ended, failed or timed out', async () => {
    const signals: AbortSignal[] = [];
    const keep = (run: (c: AttemptContext) => Promise<unknown>) => (c: AttemptContext) => {
      signals.push(c.signal);
      return run(c);
    };
    await runAttempt(
      keep(() => settleAfter(1, 'ok')),
      1,
      0,
      60,
      undefined,
      undefined,
    );
    await runAttempt(
      keep(() => Promise.reject(new Error('x'))),
      1,
      0,
      60,
      undefined,
      undefined,
    );
    await runAttempt(
      keep(() => new Promise(() => {})),
      1,
      0,
      0.01,
      undefined,
      undefined,
    );
    expect(signals).toHaveLength(3);
    for (const signal of signals) expect(getEventListeners(signal, 'abort')).toEqual([]);
  });
  it('ends an attempt that ignores its signal when the caller aborts, with the reason, and releases its late value', async () => {
    const caller = new AbortController();
    const released: string[] = [];
    const running = runAttempt(
      () => settleAfter(20, 'late'),
      1,
      0,
      60,
      caller.signal,
      (value) => void released.push(value),
    );
    const reason = new Error('stop');
    caller.abort(reason);
    expect(await running).toEqual({ ok: false, error: reason });
    await settleAfter(40, 0);
    expect(released).toEqual(['late']);
    expect(getEventListeners(caller.signal, 'abort')).toEqual([]);
  });

  it('releases the value of an attempt that answers after its requestTimeout', async () => {
    const released: string[] = [];
    const outcome = await runAttempt(
      () => settleAfter(40, 'late'),
      1,
      0,
      0.01,
      undefined,
      (value) => void released.push(value),
    );
    expect(outcome.ok).toBe(false);
    await settleAfter(60, 0);
    expect(released).toEqual(['late']);
  });

  it('puts no listener on the signal of a timed attempt without a caller signal while it runs', async () => {
    let answer: (value: string) => void = () => {};
    let signal: AbortSignal | undefined;
    const running = runAttempt(
      (c) => {
        signal = c.signal;
        return new Promise<string>((resolve) => {
          answer = resolve;
        });
      },
      1,
      0,
      60,
      undefined,
      undefined,
    );
    await settleAfter(1, 0);
    expect(getEventListeners(signal as AbortSignal, 'abort')).toEqual([]);
    answer('ok');
    expect(await running).toEqual({ ok: true, value: 'ok' });
  });
});

describe('unlessAborted', () => {
  it('stops listening when the result settles either way, and not after an abort already did', async () => {
    const stops: string[] = [];
    const listen = (name: string) => () => () => void stops.push(name);
    const live = new AbortController().signal;
    await unlessAborted(Promise.resolve(1), live, undefined, listen('resolved'));
    await unlessAborted(Promise.reject(new Error('x')), live, undefined, listen('rejected')).catch(
      () => {},
    );
    const gone = new AbortController();
    const late = unlessAborted(settleAfter(5, 1), gone.signal, undefined, listen('aborted'));
    gone.abort(new Error('stop'));
    await late.catch(() => {});
    const failing = new AbortController();
    const lateFailure = unlessAborted(
      settleAfter(5, 0).then(() => Promise.reject(new Error('late'))),
      failing.signal,
      undefined,
      listen('aborted, then failed'),
    );
    failing.abort(new Error('stop'));
    await lateFailure.catch(() => {});
    await settleAfter(10, 0);
    expect(stops).toEqual(['resolved', 'rejected']);
  });
});
