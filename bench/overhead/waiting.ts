/**
 * 2. Waiting at scale, run in a child process with `--expose-gc`:
 * `node --expose-gc waiting.js <scenario> <count>` prints one JSON line.
 *
 * `count` operations each fail once and then wait in a long backoff sleep, all at once,
 * all sharing one AbortSignal. Measured: heap and RSS per waiting operation (after full
 * garbage collections), pending timers, the time to get them all waiting, the time to
 * cancel them all with one `abort()`, and what is left pending afterwards.
 */
import { getEventListeners, setMaxListeners } from 'node:events';
import pRetry from 'p-retry';
import { resolveRetryOptions } from '../internals.js';
import { profiles, retry } from '../library.js';

export const SCENARIOS = ['retry', 'retry-inline-options', 'p-retry', 'floor'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * p-retry adds one abort listener per sleep to the shared signal, and Node's EventTarget
 * scans the list on every add: 100,000 take about 9 minutes to start. Its heap per waiting
 * call does not depend on the count, so it runs with fewer.
 */
export const MAX_COUNT: Partial<Record<Scenario, number>> = { 'p-retry': 20_000 };

export interface WaitingResult {
  scenario: Scenario;
  count: number;
  heapPerWaiting: number;
  rssPerWaiting: number;
  timersWhileWaiting: number;
  listenersWhileWaiting: number;
  startSeconds: number;
  cancelSeconds: number;
  rejected: number;
  timersAfter: number;
  listenersAfter: number;
  heapAfterPerOperation: number;
}

const failure = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
/** Seconds: long enough that nothing wakes up during the measurement. */
const WAIT = 1000;
const policy = resolveRetryOptions(
  { base: WAIT, cap: WAIT, jitter: 'none' },
  profiles.nonInteractive,
);

/** Starts one operation that fails once and then waits; calls `waiting` when it does. */
export function starter(
  scenario: Scenario,
): (signal: AbortSignal, waiting: () => void) => Promise<unknown> {
  switch (scenario) {
    case 'retry':
      // A policy resolved once and reused, as a Session does.
      return (signal, waiting) =>
        retry(({ attempt }) => (attempt === 1 ? Promise.reject(failure) : Promise.resolve(1)), {
          profile: policy,
          signal,
          onRetry: waiting,
        });
    case 'retry-inline-options':
      // Policy fields given per call: each call validates and keeps its own policy object.
      return (signal, waiting) =>
        retry(({ attempt }) => (attempt === 1 ? Promise.reject(failure) : Promise.resolve(1)), {
          base: WAIT,
          cap: WAIT,
          jitter: 'none',
          signal,
          onRetry: waiting,
        });
    case 'p-retry':
      return (signal, waiting) =>
        pRetry((attempt) => (attempt === 1 ? Promise.reject(failure) : Promise.resolve(1)), {
          retries: 1,
          minTimeout: WAIT * 1000,
          randomize: false,
          signal,
          onFailedAttempt: waiting,
        });
    case 'floor':
      // The least an abortable sleep holds: a promise, a timer and an entry in a set of
      // waiters that one abort listener serves (one listener each would make the start-up
      // quadratic: Node's EventTarget scans its list on every add).
      return (signal, waiting) =>
        new Promise<void>((resolve, reject) => {
          const waiter = () => {
            clearTimeout(timer);
            reject(signal.reason);
          };
          const timer = setTimeout(() => {
            floorWaiters(signal).delete(waiter);
            resolve();
          }, WAIT * 1000);
          floorWaiters(signal).add(waiter);
          waiting();
        });
  }
}

const floorSets = new WeakMap<AbortSignal, Set<() => void>>();
function floorWaiters(signal: AbortSignal): Set<() => void> {
  let set = floorSets.get(signal);
  if (!set) {
    const waiters = new Set<() => void>();
    set = waiters;
    floorSets.set(signal, waiters);
    signal.addEventListener(
      'abort',
      () => {
        for (const waiter of waiters) waiter();
        waiters.clear();
      },
      { once: true },
    );
  }
  return set;
}

const gc = (globalThis as { gc?: () => void }).gc;
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function collect(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    await tick();
    gc();
  }
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function wave(scenario: Scenario, count: number) {
  const start = starter(scenario);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  let waiting = 0;
  let allWaiting: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    allWaiting = resolve;
  });
  const onWaiting = () => {
    if (++waiting === count) allWaiting();
  };
  const t0 = performance.now();
  const operations: Promise<unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) operations[i] = start(controller.signal, onWaiting);
  await ready;
  // The sleep begins a few microtasks after the hook returns.
  await tick();
  const startSeconds = (performance.now() - t0) / 1000;
  await collect();
  const snapshot = {
    memory: process.memoryUsage(),
    timers: timers(),
    listeners: getEventListeners(controller.signal, 'abort').length,
  };

  const t1 = performance.now();
  controller.abort(new Error('cancelled'));
  const settled = await Promise.allSettled(operations);
  const cancelSeconds = (performance.now() - t1) / 1000;
  return {
    startSeconds,
    cancelSeconds,
    snapshot,
    rejected: settled.filter((s) => s.status === 'rejected').length,
    listenersAfter: getEventListeners(controller.signal, 'abort').length,
  };
}

export async function measureWaiting(scenario: Scenario, count: number): Promise<WaitingResult> {
  // A small wave first, so code is compiled and lazy state exists before the baseline.
  await wave(scenario, Math.min(2000, count));
  await collect();
  const before = process.memoryUsage();
  const timersBefore = timers();
  const w = await wave(scenario, count);
  await collect();
  const after = process.memoryUsage();
  return {
    scenario,
    count,
    heapPerWaiting: (w.snapshot.memory.heapUsed - before.heapUsed) / count,
    rssPerWaiting: (w.snapshot.memory.rss - before.rss) / count,
    timersWhileWaiting: w.snapshot.timers - timersBefore,
    listenersWhileWaiting: w.snapshot.listeners,
    startSeconds: w.startSeconds,
    cancelSeconds: w.cancelSeconds,
    rejected: w.rejected,
    timersAfter: timers() - timersBefore,
    listenersAfter: w.listenersAfter,
    heapAfterPerOperation: (after.heapUsed - before.heapUsed) / count,
  };
}

if (process.argv[2] === 'measure') {
  const scenario = process.argv[3] as Scenario;
  if (!SCENARIOS.includes(scenario)) throw new Error(`unknown scenario ${scenario}`);
  const count = Number(process.argv[4] ?? 100_000);
  process.stdout.write(`${JSON.stringify(await measureWaiting(scenario, count))}\n`);
}
