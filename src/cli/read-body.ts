import { whenAborted } from '../time/abort-fanout.js';

/**
 * Reads a body chunk by chunk. An abort cancels the read at once, whether or not the
 * fetch that produced the response still listens to the signal. A body that sends nothing
 * for `stall` seconds (the per-attempt timeout) is broken off like a reset one.
 */
export async function readBody(
  response: Response,
  signal: AbortSignal,
  stall: number,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const stopWaiting = whenAborted(signal, (reason) => void reader.cancel(reason).catch(() => {}));
  let stalled = false;
  const timer =
    stall === Number.POSITIVE_INFINITY
      ? undefined
      : setTimeout(
          () => {
            stalled = true;
            void reader.cancel().catch(() => {});
          },
          Math.min(stall * 1000, 2 ** 31 - 1),
        );
  try {
    for (;;) {
      signal.throwIfAborted();
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (stalled) {
        throw Object.assign(new Error(`no data for ${stall} s (--timeout)`), {
          code: 'ETIMEDOUT',
        });
      }
      if (done) return;
      timer?.refresh();
      await onChunk(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
    stopWaiting();
    reader.releaseLock();
  }
}
