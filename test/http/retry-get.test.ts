import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { retryGetWithBackoff } from '../../src/http/retry-get.js';
import { RetryError } from '../../src/retry/errors.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { type FaultServer, refusedUrl, startFaultServer } from '../support/fault-server.js';

let server: FaultServer;
beforeEach(async () => {
  server = await startFaultServer();
});
afterEach(async () => {
  await server.close();
});

describe('retryGetWithBackoff (the seed example, done right)', () => {
  it('sleeps between tries and returns the first ok response', async () => {
    server.route('/r', [
      { status: 503 },
      { status: 500 },
      { status: 200, body: 'report' },
      { status: 500 },
    ]);
    const clock = new VirtualClock({ seed: 2 });
    const response = await retryGetWithBackoff(`${server.url}/r`, { clock });
    expect(await response.text()).toBe('report');
    expect(server.requests).toHaveLength(3);
    // Two decorrelated-jitter sleeps, each at least the 0.1 s base.
    expect(clock.now()).toBeGreaterThanOrEqual(0.2);
  });

  it('makes `attempts` tries in all and returns the last response when none was ok', async () => {
    server.route('/r', [{ status: 404 }]);
    const response = await retryGetWithBackoff(`${server.url}/r`, {
      attempts: 4,
      clock: new VirtualClock(),
    });
    expect(response.status).toBe(404);
    expect(server.requests).toHaveLength(4);
  });

  it('makes 10 tries when `attempts` is not given', async () => {
    server.route('/r', [{ status: 503 }]);
    const response = await retryGetWithBackoff(`${server.url}/r`, { clock: new VirtualClock() });
    expect(response.status).toBe(503);
    expect(server.requests).toHaveLength(10);
  });

  it('throws a RetryError when no try got a response', async () => {
    const error = await retryGetWithBackoff(await refusedUrl(), {
      attempts: 3,
      clock: new VirtualClock(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RetryError);
    expect(error.attempts).toHaveLength(3);
  });

  it('checks the URL first, naming `url`, and sends nothing for a bad one', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [5, /^`url` must be a string or a URL, got 5 \(number\)$/],
      [undefined, /^`url` must be a string or a URL, got undefined/],
      ['/report', /^`url` must be an absolute URL, got "\/report"$/],
      ['ftp://127.0.0.1/report', /^`url` must be an http: or https: URL, got "ftp:"$/],
      [`http://user:pw@${server.url.slice(7)}/r`, /^`url` must not contain credentials/],
    ];
    for (const [url, message] of cases) {
      const error = await retryGetWithBackoff(url as never, { attempts: 2 }).catch((e) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(message);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('rejects bad options naming them', async () => {
    await expect(retryGetWithBackoff(server.url, { attempts: 0 })).rejects.toThrow(/`attempts`/);
    await expect(retryGetWithBackoff(server.url, { requestTimeout: -1 })).rejects.toThrow(
      /`requestTimeout`/,
    );
  });
});
