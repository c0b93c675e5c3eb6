import FakeTimers from '@sinonjs/fake-timers';
import { type Clock, VirtualClock } from '../library.js';
import type { Contender } from './world.js';

const realImmediate = globalThis.setImmediate;
const turn = () => new Promise<void>((resolve) => realImmediate(resolve));

/**
 * Runs `body` in virtual time. This library and the transcribed peers use a
 * `VirtualClock`; real peer packages (which call `setTimeout`, `Date.now` and
 * `Math.random` themselves) run under @sinonjs/fake-timers, with the simulated network
 * and server on the same fake clock (its resolution is 1 ms) and `Math.random` seeded.
 */
export async function inVirtualTime<T>(
  contender: Contender,
  seed: number,
  body: (clock: Clock) => Promise<T>,
): Promise<T> {
  if (contender.timers === 'virtual') return body(new VirtualClock({ seed }));
  return underFakeTimers(seed, body);
}

async function underFakeTimers<T>(seed: number, body: (clock: Clock) => Promise<T>): Promise<T> {
  const rng = new VirtualClock({ seed });
  const random = Math.random;
  const fake = FakeTimers.install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    loopLimit: 1e9,
  });
  Math.random = () => rng.random();
  // Node runs a timer of less than 1 ms (or NaN) after 1 ms; the fake clock would run it at
  // once, and a library that polls with sub-millisecond waits would never see time pass.
  const fakeSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) =>
    fakeSetTimeout(() => fn(...rest), (ms ?? 0) >= 1 ? ms : 1)) as typeof setTimeout;
  const clock: Clock = {
    now: () => fake.now / 1000,
    random: () => rng.random(),
    sleep: (seconds, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const onAbort = () => {
          fake.clearTimeout(id);
          reject(signal?.reason);
        };
        const id = fake.setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.max(0, Math.round(seconds * 1000)),
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
  let done = false;
  const result = body(clock).finally(() => {
    done = true;
  });
  try {
    while (!done) {
      await turn();
      if (done) break;
      if (fake.countTimers() === 0) {
        await turn();
        if (!done && fake.countTimers() === 0) throw new Error('simulation stalled: no timer left');
        continue;
      }
      fake.next();
    }
    return await result;
  } finally {
    fake.uninstall();
    Math.random = random;
  }
}
