/**
 * One worker process of the multi-process loopback run: waits for the start instant, sends
 * its share of the requests at once through one client, and reports how many succeeded and
 * when the last one did.
 */
import { setMaxListeners } from 'node:events';
import { Coordinator, Session } from '../library.js';
import type { WorkerReport, WorkerTask } from './types.js';

const send = (message: unknown) => process.send?.(message);

process.once('message', (task: WorkerTask) => {
  const session =
    task.client === 'coordinator' ? new Session({ coordinator: new Coordinator() }) : new Session();
  send('ready');
  process.once('message', async ({ at }: { at: number }) => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const timer = setTimeout(() => stop.abort(new Error('time limit')), task.limit * 1000);
    let successes = 0;
    let last = Number.NaN;
    await Promise.all(
      Array.from({ length: task.requests }, async () => {
        try {
          const response = await session.get(task.url, { signal: stop.signal });
          await response.arrayBuffer();
          if (response.ok) {
            successes++;
            last = Date.now() - at;
          }
        } catch {
          // Given up, or stopped at the limit: not a success.
        }
      }),
    );
    clearTimeout(timer);
    const report: WorkerReport = { successes, last };
    send(report);
    process.disconnect();
  });
});
