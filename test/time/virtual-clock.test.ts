import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/time/clock.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';

describe('VirtualClock', () => {
  it('wakes concurrent sleepers in order of their wake-up time, each at its own time', async () => {
    const clock = new VirtualClock();
    const woke: Array<[string, number]> = [];
    const sleeper = async (name: string, delays: number[]) => {
      for (const d of delays) {
        await clock.sleep(d);
        woke.push([name, clock.now()]);
      }
    };
    await Promise.all([sleeper('a', [3, 3]), sleeper('b', [1, 1, 1, 1]), sleeper('c', [5])]);
    expect(woke).toEqual([
      ['b', 1],
      ['b', 2],
      ['a', 3],
      ['b', 3],
      ['b', 4],
      ['c', 5],
      ['a', 6],
    ]);
  });

  it('gives the same random sequence for the same seed and another for another seed', () => {
    const a = new VirtualClock({ seed: 42 });
    const b = new VirtualClock({ seed: 42 });
    const c = new VirtualClock({ seed: 43 });
    const seq = (clock: VirtualClock) => Array.from({ length: 5 }, () => clock.random());
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
    for (const x of first) expect(x >= 0 && x < 1).toBe(true);
  });

  it('rejects an aborted sleep with the reason and forgets it', async () => {
    const clock = new VirtualClock({ auto: false });
    const controller = new AbortController();
    const sleeping = clock.sleep(10, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(1, controller.signal)).rejects.toThrow('cancelled');
  });

  it('in manual mode moves only through advance() and runAll()', async () => {
    const clock = new VirtualClock({ auto: false, start: 100 });
    let done = false;
    const sleeping = clock.sleep(5).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    await clock.advance(4);
    expect(done).toBe(false);
    expect(clock.now()).toBe(104);
    await clock.advance(1);
    await sleeping;
    expect(done).toBe(true);
    expect(clock.now()).toBe(105);
    const later = clock.sleep(60);
    expect(await clock.runAll()).toBe(1);
    await later;
    expect(clock.now()).toBe(165);
  });

  it('runs 45 sleeps at the 90 s cap in virtual time', async () => {
    const clock = new VirtualClock();
    for (let i = 0; i < 45; i++) await clock.sleep(90);
    expect(clock.now()).toBe(4050);
  });

  it('rejects bad options naming them', () => {
    expect(() => new VirtualClock({ seed: 1.5 })).toThrow(/`seed`/);
    expect(() => new VirtualClock({ start: Number.NaN })).toThrow(/`start`/);
    expect(() => new VirtualClock({ sed: 1 } as never)).toThrow(/did you mean `seed`/);
  });
});

describe('systemClock', () => {
  it('sleeps about the requested time and aborts at once, leaving no timer', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timers();
    const before = systemClock.now();
    await systemClock.sleep(0.02);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(0.015);
    const controller = new AbortController();
    const long = systemClock.sleep(60, controller.signal);
    controller.abort(new Error('bye'));
    await expect(long).rejects.toThrow('bye');
    expect(timers()).toBe(baseline);
  });
});
