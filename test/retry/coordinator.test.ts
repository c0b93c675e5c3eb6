import { describe, expect, it } from 'vitest';
import { Session } from '../../src/http/session.js';
import { type RetryCoordinator, retry, type Verdict } from '../../src/retry/retry.js';
import { VirtualClock } from '../../src/virtual-clock.js';

/** A coordinator that records every call and refuses retries after `retries`. */
function spy(retries = Number.POSITIVE_INFINITY) {
  const calls: string[] = [];
  const coordinator: RetryCoordinator = {
    acquire: () => void calls.push('acquire'),
    record: (verdict: Verdict, attempt: number) =>
      void calls.push(`record ${attempt} ${verdict.status ?? verdict.retry}`),
    allowRetry: () => {
      calls.push('allowRetry');
      return retries-- > 0;
    },
  };
  return { calls, coordinator };
}

describe('the coordinator option', () => {
  it('retry() accepts a coordinator and consults it around every attempt', async () => {
    const { calls, coordinator } = spy(1);
    const clock = new VirtualClock();
    const failing = async () => {
      throw Object.assign(new Error('busy'), { status: 503 });
    };
    await expect(retry(failing, { clock, coordinator, jitter: 'none' })).rejects.toMatchObject({
      reason: 'budget',
    });
    expect(calls).toEqual([
      'acquire',
      'record 1 503',
      'allowRetry',
      'acquire',
      'record 2 503',
      'allowRetry',
    ]);
  });

  it('Session accepts a coordinator and passes it to every request', async () => {
    const { calls, coordinator } = spy();
    const clock = new VirtualClock();
    const fetch = async () => new Response('ok', { status: 200 });
    const session = new Session({ clock, coordinator, fetch });
    const response = await session.get('http://127.0.0.1:1/x');
    expect(response.status).toBe(200);
    expect(calls).toEqual(['acquire', 'record 1 200']);
  });
});
