/**
 * The caller's `signal` (of `undici.request`, `undici.fetch` and `undici.stream`) reaches
 * the interceptor through undici's controller: it cancels a backoff sleep, an attempt in
 * flight and a body being read, at once, and no attempt starts after it. Nothing is left:
 * no sleeper, no listener on the signal.
 */
import { getEventListeners } from 'node:events';
import { Writable } from 'node:stream';
import { request, stream, fetch as undiciFetch } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, startFaultServer } from '../support/fault-server.js';
import { closeAll, intercepted } from './helpers.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await closeAll();
  await server.close();
});

const hits = (path: string) => server.requests.filter((r) => r.path === path).length;

/** An interceptor whose sleeps wait until the clock is moved: a test can abort mid-sleep. */
function sleeping() {
  const clock = new VirtualClock({ auto: false });
  let retried!: () => void;
  const slept = new Promise<void>((resolve) => {
    retried = resolve;
  });
  const { dispatcher } = intercepted({ clock, onRetry: () => retried() });
  return { clock, slept, dispatcher };
}

/** Resolves once the clock holds a sleeper (the onRetry hook ran, then the sleep began). */
async function asleep(clock: VirtualClock, slept: Promise<void>): Promise<void> {
  await slept;
  while (clock.pending === 0) await new Promise((r) => setImmediate(r));
}

describe('an abort during a backoff sleep', () => {
  it('rejects undici.request at once with the reason, and no attempt follows', async () => {
    server.route('/x', [{ status: 503 }]);
    const { clock, slept, dispatcher } = sleeping();
    const controller = new AbortController();
    const pending = request(`${server.url}/x`, { dispatcher, signal: controller.signal });
    await asleep(clock, slept);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
    await clock.runAll();
    expect(hits('/x')).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects undici.fetch at once with the reason', async () => {
    server.route('/x', [{ status: 503 }]);
    const { clock, slept, dispatcher } = sleeping();
    const controller = new AbortController();
    const pending = undiciFetch(`${server.url}/x`, { dispatcher, signal: controller.signal });
    await asleep(clock, slept);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
    expect(hits('/x')).toBe(1);
  });

  it('rejects undici.stream at once, and its factory is never called', async () => {
    server.route('/x', [{ status: 503 }]);
    const { clock, slept, dispatcher } = sleeping();
    const controller = new AbortController();
    let made = 0;
    const pending = stream(
      `${server.url}/x`,
      { dispatcher, method: 'GET', signal: controller.signal },
      () => {
        made++;
        return new Writable({ write: (_c, _e, done) => done() });
      },
    );
    await asleep(clock, slept);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(made).toBe(0);
    expect(clock.pending).toBe(0);
  });
});

describe('an abort at other times', () => {
  it('before the request: nothing is sent', async () => {
    server.route('/x', [{ status: 200 }]);
    const { dispatcher } = intercepted();
    const reason = new Error('never mind');
    const signal = AbortSignal.abort(reason);
    await expect(request(`${server.url}/x`, { dispatcher, signal })).rejects.toBe(reason);
    expect(hits('/x')).toBe(0);
  });

  it('while an attempt waits for its headers (no requestTimeout): at once, not retried', async () => {
    server.route('/hang', [{ hang: true }]);
    const { dispatcher, events } = intercepted({ requestTimeout: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const pending = request(`${server.url}/hang`, { dispatcher, signal: controller.signal });
    while (hits('/hang') === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('enough'));
    await expect(pending).rejects.toThrow('enough');
    expect(events).toEqual([]);
    expect(hits('/hang')).toBe(1);
  });

  it('while the body is read: the body fails with the reason', async () => {
    server.route('/slow', [{ slowBody: { bytes: 3000, chunks: 3, intervalMs: 40 } }]);
    const { dispatcher } = intercepted();
    const controller = new AbortController();
    const data = await request(`${server.url}/slow`, { dispatcher, signal: controller.signal });
    controller.abort(new Error('cut'));
    await expect(data.body.text()).rejects.toThrow('cut');
    expect(hits('/slow')).toBe(1);
  });
});
