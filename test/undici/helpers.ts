/** The interceptor on a fresh undici `Agent`, with backoff sleeps in virtual time. */
import { Agent, type Dispatcher } from 'undici';
import type { RetryEvent } from '../../src/retry/contract.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type RetryInterceptorOptions, retry } from '../../src/undici/index.js';

export interface Intercepted {
  readonly dispatcher: Dispatcher;
  readonly clock: VirtualClock;
  /** Every `onRetry` event, in order. */
  readonly events: RetryEvent[];
  close(): Promise<void>;
}

/** Agents opened by {@link intercepted}, closed by {@link closeAll}. */
const open = new Set<Agent>();

export function intercepted(options: RetryInterceptorOptions = {}): Intercepted {
  const clock = new VirtualClock({ seed: 1 });
  const events: RetryEvent[] = [];
  const agent = new Agent();
  open.add(agent);
  const dispatcher = agent.compose(
    retry({ clock, onRetry: (event) => void events.push(event), ...options }),
  );
  return {
    dispatcher,
    clock,
    events,
    close: async () => {
      open.delete(agent);
      await agent.close();
    },
  };
}

/** Closes every agent still open (for `afterEach`). */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((agent) => agent.close()));
  open.clear();
}
