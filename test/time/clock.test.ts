import { getEventListeners } from 'node:events';
import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/time/clock.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('systemClock.sleep', () => {
  let fake: ReturnType<typeof FakeTimers.install> | undefined;
  afterEach(() => {
    fake?.uninstall();
    fake = undefined;
  });

  it('puts one abort listener on a shared signal and one timer however many sleeps wait, and none after', async () => {
    const controller = new AbortController();
    const before = timers();
    const sleeps = Array.from({ length: 500 }, () => systemClock.sleep(0.01, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    expect(timers() - before).toBe(1);
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

  it('treats a NaN or negative wait as no wait', async () => {
    await systemClock.sleep(Number.NaN);
    await systemClock.sleep(-5);
    expect(timers()).toBeLessThanOrEqual(1);
  });

  it('sleeps longer than setTimeout allows (2^31 − 1 ms) in steps, to the millisecond', async () => {
    // performance.now() stays real: the sleep must follow the timers alone.
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

describe('systemClock.sleep ordering', () => {
  it('wakes sleeps in deadline order, equal deadlines in the order they began', async () => {
    const woke: string[] = [];
    const sleep = (name: string, seconds: number) =>
      systemClock.sleep(seconds).then(() => woke.push(name));
    await Promise.all([
      sleep('c', 0.03),
      sleep('a', 0.01),
      sleep('b1', 0.02),
      sleep('b2', 0.02),
      sleep('d', 0.04),
    ]);
    expect(woke).toEqual(['a', 'b1', 'b2', 'c', 'd']);
  });

  it('keeps the others on time when sleeps in the middle of the queue are aborted', async () => {
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const start = performance.now();
    const woke: number[] = [];
    const sleeps = controllers.map((c, i) =>
      systemClock.sleep(0.005 + (i % 10) * 0.002, c.signal).then(
        () => woke.push(i),
        () => undefined,
      ),
    );
    for (const [i, c] of controllers.entries()) if (i % 3 === 0) c.abort();
    await Promise.all(sleeps);
    expect(woke.sort((a, b) => a - b)).toEqual(
      controllers.map((_, i) => i).filter((i) => i % 3 !== 0),
    );
    expect(performance.now() - start).toBeGreaterThanOrEqual(0.005 * 1000);
  });
});
