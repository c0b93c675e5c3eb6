import { describe, expect, it } from 'vitest';
import { Coordinator } from '../../src/fleet/coordinator.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { ok, throttled, unavailable } from '../support/fleet.js';

// When the Coordinator releases a waiting attempt, refuses one, and forgets a quota.

/** Resolves with the clock's time when `acquire` lets the attempt start. */
const startOf = (coordinator: Coordinator, clock: VirtualClock, request?: object) =>
  coordinator.acquire(undefined, request).then(() => clock.now());

describe('a shared Retry-After', () => {
  it('counts the wait from now: at 50 s into a hold until 100 s, 50 s are left', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false });
    coordinator.record(throttled(100), 1);
    await clock.advance(50);
    await expect(coordinator.acquire(undefined, { maxWait: 10 })).rejects.toMatchObject({
      name: 'AttemptRefused',
      reason: 'retryAfter',
      wait: 50,
    });
    expect(await startOf(coordinator, clock, { maxWait: 60 })).toBeGreaterThanOrEqual(100);
  });

  it('lets an attempt whose deadline is the end of the hold wait for it', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({ clock, rateLimit: false });
    coordinator.record(throttled(20), 1);
    expect(await startOf(coordinator, clock, { deadline: 20 })).toBe(20);
  });

  it('spreads an attempt that comes back at the end of the hold, or a little after it', async () => {
    for (const back of [10, 10.5]) {
      const clock = new VirtualClock();
      const coordinator = new Coordinator({ clock, rateLimit: false });
      coordinator.record(throttled(10), 1);
      await clock.advance(back);
      expect(await startOf(coordinator, clock)).toBeGreaterThan(back);
    }
  });

  it('is not spread once the rate limit paces the attempts: they start at its end', async () => {
    const clock = new VirtualClock();
    const coordinator = new Coordinator({
      clock,
      budget: false,
      retryAfter: { whilePacing: true },
      rateLimit: { growth: 1 },
    });
    for (let i = 0; i < 50; i++) coordinator.record(ok, 1);
    coordinator.record(unavailable, 1);
    expect(coordinator.state().rate).toBe(50);
    await clock.advance(5);
    coordinator.record(throttled(10), 2);
    const start = await startOf(coordinator, clock);
    expect(start).toBeGreaterThanOrEqual(15);
    // Within one gap of the pace (a spread would add seconds).
    expect(start).toBeLessThanOrEqual(15.1);
  });
});

describe('the pace', () => {
  /** A coordinator pacing at one attempt every 2 s, its first slot taken at 0. */
  async function slow() {
    const clock = new VirtualClock({ auto: false });
    const coordinator = new Coordinator({
      clock,
      retryAfter: false,
      budget: false,
      rateLimit: { minRate: 0.5, growth: 1 },
    });
    coordinator.record(unavailable, 1);
    expect(coordinator.state().rate).toBe(0.5);
    expect(await startOf(coordinator, clock)).toBe(0);
    return { clock, coordinator };
  }

  it('queues an attempt whose turn comes exactly at its deadline; the deadline ends its wait', async () => {
    const { clock, coordinator } = await slow();
    const atDeadline = coordinator.acquire(undefined, { deadline: 2 });
    const refused = expect(atDeadline).rejects.toMatchObject({ reason: 'retryTimeout', wait: 0 });
    await clock.advance(5);
    await refused;
    expect(clock.now()).toBe(5);
    // The slot it gave up is not owed: the next attempt starts at once.
    expect(await startOf(coordinator, clock)).toBe(5);
  });

  it('refuses an attempt whose turn would come too late, with the wait it would have had', async () => {
    const { clock, coordinator } = await slow();
    const second = startOf(coordinator, clock);
    await clock.advance(0.5);
    // The third turn is at 4 s: 3.5 s from now.
    await expect(coordinator.acquire(undefined, { deadline: 3.9 })).rejects.toMatchObject({
      reason: 'retryTimeout',
      wait: 3.5,
    });
    await clock.advance(5);
    expect(await second).toBe(2);
  });

  it('releases a waiting attempt sooner when the rate rises while it waits', async () => {
    const { clock, coordinator } = await slow();
    const second = startOf(coordinator, clock);
    await clock.advance(0.5);
    // The rest of the first wave's answers: the server accepts 5 a second.
    for (let i = 0; i < 5; i++) coordinator.record(ok, 1);
    expect(coordinator.state().rate).toBe(5);
    await clock.advance(0);
    expect(await second).toBe(0.5);
  });
});

describe('idle quotas', () => {
  const origin = (i: number) => `http://host-${i}.test`;
  /** Enough lookups of other quotas that idle ones are swept at least once. */
  const sweep = (coordinator: Coordinator) => {
    for (let i = 0; i < 2048; i++) coordinator.state(origin(1000 + (i % 4)));
  };

  it('are forgotten after 600 s, unless a hold or a waiting attempt still needs them', async () => {
    const clock = new VirtualClock({ auto: false });
    const coordinator = new Coordinator({
      clock,
      budget: false,
      retryAfter: { maxHold: 3600 },
      rateLimit: { minRate: 0.01, growth: 1 },
    });
    // 1: a learned rate, idle. 2: a hold of an hour. 3: attempts queued at 1 per 100 s.
    coordinator.record(unavailable, 1, { url: new URL(origin(1)) });
    coordinator.record(throttled(3600), 1, { url: new URL(origin(2)), maxWait: 3600 });
    coordinator.record(unavailable, 1, { url: new URL(origin(3)) });
    const queued = Array.from({ length: 9 }, () =>
      coordinator.acquire(undefined, { url: new URL(origin(3)) }),
    );
    // 4: used 600 s before the sweep, exactly; 5: used just before it.
    await clock.advance(100);
    coordinator.record(unavailable, 1, { url: new URL(origin(4)) });
    await clock.advance(599);
    coordinator.record(unavailable, 1, { url: new URL(origin(5)) });
    await clock.advance(1);
    sweep(coordinator);
    expect(coordinator.state(origin(1)).rate).toBe(Number.POSITIVE_INFINITY);
    expect(coordinator.state(origin(2)).until).toBe(3600);
    expect(coordinator.state(origin(3)).waiting).toBeGreaterThan(0);
    expect(coordinator.state(origin(4)).rate).toBe(0.01);
    expect(coordinator.state(origin(5)).rate).toBe(0.01);
    await clock.advance(1000);
    await Promise.all(queued);
  });
});
