import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, describe, expect, it } from 'vitest';
import { QueuedTimeout, TimeoutQueue } from '../../src/time/timeout-queue.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A queue of `ms` timeouts, and timeouts on it that note their name when they expire. */
function setup(ms: number) {
  const queue = new TimeoutQueue(ms);
  const expired: string[] = [];
  const timeout = (name: string) => new QueuedTimeout({ expire: () => expired.push(name) });
  return { queue, expired, timeout };
}

describe('TimeoutQueue', () => {
  let fake: ReturnType<typeof FakeTimers.install> | undefined;
  afterEach(() => {
    fake?.uninstall();
    fake = undefined;
  });

  it('expires each timeout `ms` after it started, in the order they started', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { queue, expired, timeout } = setup(100);
    queue.start(timeout('a'));
    await fake.tickAsync(30);
    queue.start(timeout('b'));
    queue.start(timeout('c'));
    await fake.tickAsync(69);
    expect(expired).toEqual([]);
    await fake.tickAsync(1);
    expect(expired).toEqual(['a']);
    await fake.tickAsync(29);
    expect(expired).toEqual(['a']);
    await fake.tickAsync(1);
    expect(expired).toEqual(['a', 'b', 'c']);
  });

  it('never expires a stopped timeout, and keeps the others on time', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { queue, expired, timeout } = setup(100);
    const [a, b, c] = [timeout('a'), timeout('b'), timeout('c')];
    queue.start(a);
    await fake.tickAsync(10);
    queue.start(b);
    await fake.tickAsync(10);
    queue.start(c);
    queue.stop(a);
    queue.stop(a);
    await fake.tickAsync(100);
    expect(expired).toEqual(['b', 'c']);
  });

  it('starts a running timeout again from now, behind the others', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { queue, expired, timeout } = setup(100);
    const [a, b] = [timeout('a'), timeout('b')];
    queue.start(a);
    await fake.tickAsync(10);
    queue.start(b);
    await fake.tickAsync(80);
    queue.start(a);
    await fake.tickAsync(20);
    expect(expired).toEqual(['b']);
    await fake.tickAsync(79);
    expect(expired).toEqual(['b']);
    await fake.tickAsync(1);
    expect(expired).toEqual(['b', 'a']);
  });

  it('starts a timeout that an expiring one starts, on time', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const queue = new TimeoutQueue(50);
    const expired: number[] = [];
    const later = new QueuedTimeout({ expire: () => expired.push(performance.now()) });
    const first = new QueuedTimeout({
      expire: () => {
        expired.push(performance.now());
        queue.start(later);
      },
    });
    const start = performance.now();
    queue.start(first);
    await fake.tickAsync(200);
    expect(expired.map((t) => t - start)).toEqual([50, 100]);
  });

  it('follows the timers when only they move (performance.now() stays real)', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    const { queue, expired, timeout } = setup(2 ** 31 + 1000);
    queue.start(timeout('a'));
    await fake.tickAsync(2 ** 31 - 1);
    expect(expired).toEqual([]);
    await fake.tickAsync(1000);
    expect(expired).toEqual([]);
    await fake.tickAsync(1);
    expect(expired).toEqual(['a']);
  });

  it('holds the process open with one timer while timeouts run, and not once none does', () => {
    const { queue, timeout } = setup(20_000);
    const before = timers();
    const all = Array.from({ length: 100 }, (_, i) => timeout(String(i)));
    for (const t of all) queue.start(t);
    expect(timers() - before).toBe(1);
    for (const t of all.slice(0, 99)) queue.stop(t);
    expect(timers() - before).toBe(1);
    queue.stop(all[99] as QueuedTimeout);
    expect(timers()).toBe(before);
    queue.start(all[0] as QueuedTimeout);
    expect(timers() - before).toBe(1);
    queue.stop(all[0] as QueuedTimeout);
    expect(timers()).toBe(before);
  });

  it('leaves no timer behind once the last timeout expired', async () => {
    fake = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { queue, expired, timeout } = setup(100);
    queue.start(timeout('a'));
    await fake.tickAsync(50);
    queue.start(timeout('b'));
    expect(fake.countTimers()).toBe(1);
    await fake.tickAsync(150);
    expect(expired).toEqual(['a', 'b']);
    expect(fake.countTimers()).toBe(0);
  });
});
