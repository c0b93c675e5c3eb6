/**
 * One `abort` listener per signal, however many waiters: Node's EventTarget walks its whole
 * listener list on every `addEventListener` and `removeEventListener` (its duplicate
 * check), so thousands of sleeps waiting on one signal would make each new one O(n).
 */

/** Something to tell when a signal aborts. */
export interface AbortWaiter {
  onAbort(reason: unknown): void;
}

interface Fanout {
  readonly waiters: Set<AbortWaiter>;
  readonly listener: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `waiter.onAbort(reason)` once when `signal` aborts. The signal carries one listener
 * while anyone waits on it, and none once the last waiter has left ({@link leave}).
 */
export function join(signal: AbortSignal, waiter: AbortWaiter): void {
  let fanout = fanouts.get(signal);
  if (!fanout) {
    const waiters = new Set<AbortWaiter>();
    const listener = () => {
      fanouts.delete(signal);
      for (const w of waiters) w.onAbort(signal.reason);
      waiters.clear();
    };
    fanout = { waiters, listener };
    fanouts.set(signal, fanout);
    signal.addEventListener('abort', listener, { once: true });
  }
  fanout.waiters.add(waiter);
}

/** Stops waiting for `signal` (a no-op when `waiter` is not waiting). */
export function leave(signal: AbortSignal, waiter: AbortWaiter): void {
  const fanout = fanouts.get(signal);
  if (fanout?.waiters.delete(waiter) && fanout.waiters.size === 0) {
    fanouts.delete(signal);
    signal.removeEventListener('abort', fanout.listener);
  }
}

/** Calls `fn(reason)` once when `signal` aborts; returns the function that stops waiting. */
export function whenAborted(signal: AbortSignal, fn: (reason: unknown) => void): () => void {
  const waiter: AbortWaiter = { onAbort: fn };
  join(signal, waiter);
  return () => leave(signal, waiter);
}
