/** Heap and resource readings for the soak. Run node with `--expose-gc` for exact heap figures. */

const gc = (globalThis as { gc?: () => void }).gc;

/** Whether heap figures are taken after a full garbage collection. */
export const exactHeap = typeof gc === 'function';

/** Heap in use, in MiB, after a full GC (two passes and a turn of the event loop between). */
export async function heapMiB(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return round(process.memoryUsage().heapUsed / 2 ** 20, 2);
}

/** Active handles and requests by type, e.g. `{ TCPSocketWrap: 2, Timeout: 1 }`. */
export function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Runs `task(0 … count-1)` with at most `concurrency` in flight. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
