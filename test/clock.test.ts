import { getEventListeners } from 'node:events';
import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/clock.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('systemClock.sleep', () => {
  let fake: ReturnType<typeof FakeTimers.install> | undefined;
  afterEach(() => {
    fake?.uninstall();
    fake = undefined;
  });

  it('puts one abort listener on a shared signal however many sleeps wait on it, and none after', async () => {
    const controller = new AbortController();
    const before = timers();
    const sleeps = Array.from({ length: 500 }, () => systemClock.sleep(0.01, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    expect(timers() - before).toBe(500);
    await Promise.all(sleeps);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(timers()).toBe(before);
  });

  it('rejects every waiting sleep with the reason when the shared signal aborts, leaving nothing', async () => {
    const controller = new AbortController();
    const before = timers();
    const sleeps = Array.from({ length: 500 }, () => systemClock.sleep(100, controller.signal));
    const reason = new Error('stop');
    controller.abort(reason);
    const outcomes = await Promise.allSettled(sleeps);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === reason)).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(timers()).toBe(before);
  });

  it('keeps the listener while some sleeps still wait, and drops it with the last', async () => {
    const controller = new AbortController();
    const short = systemClock.sleep(0.005, controller.signal);
    const long = systemClock.sleep(100, controller.signal);
    await short;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    await expect(long).rejects.toBe(controller.signal.reason);
    // A new signal use after the abort starts afresh and rejects at once.
    await expect(systemClock.sleep(1, controller.signal)).rejects.toBe(controller.signal.reason);
  });

  it('sleeps longer than setTimeout allows (2^31 − 1 ms) in steps, to the millisecond', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    const days = 30;
    let woke = false;
    const sleep = systemClock.sleep(days * 86_400).then(() => {
      woke = true;
    });
    await fake.tickAsync(2 ** 31 - 1);
    expect(woke).toBe(false);
    await fake.tickAsync(days * 86_400_000 - (2 ** 31 - 1) - 1);
    expect(woke).toBe(false);
    await fake.tickAsync(1);
    await sleep;
    expect(woke).toBe(true);
  });
});
