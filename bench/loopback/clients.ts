import axios from 'axios';
import axiosRetry from 'axios-retry';
import fetchRetry from 'fetch-retry';
import got from 'got';
import ky from 'ky';
import { Agent, RetryAgent, fetch as undiciFetch } from 'undici';
import { Coordinator, Session } from '../library.js';

/** One client process: `get` resolves true when it ended with a 2xx response. */
export interface LoopbackClient {
  get(url: string, signal: AbortSignal): Promise<boolean>;
  close?(): Promise<void>;
}

export interface LoopbackContender {
  readonly id: string;
  readonly label: string;
  /** The simulator's row for the same client, for the ranking comparison. */
  readonly sim: string;
  create(): LoopbackClient;
}

const settled = (p: Promise<boolean>) => p.catch(() => false);

/** Reads the body to its end (so the socket is reused) and tells whether it was a 2xx. */
async function consume(response: Response): Promise<boolean> {
  await response.arrayBuffer().catch(() => undefined);
  return response.ok;
}

/** Every client with its defaults, as a user would write it. */
export const loopbackContenders: readonly LoopbackContender[] = [
  {
    id: 'orion',
    label: 'orion Session (defaults)',
    sim: 'orion',
    create: () => {
      const session = new Session();
      return { get: (url, signal) => settled(session.get(url, { signal }).then(consume)) };
    },
  },
  {
    id: 'orion+coord',
    label: 'orion Session + Coordinator',
    sim: 'orion+coord',
    create: () => {
      const session = new Session({ coordinator: new Coordinator() });
      return { get: (url, signal) => settled(session.get(url, { signal }).then(consume)) };
    },
  },
  {
    id: 'got',
    label: 'got 16',
    sim: 'got',
    create: () => ({
      get: (url, signal) => settled(got(url, { signal }).then((r) => r.statusCode < 300)),
    }),
  },
  {
    id: 'ky',
    label: 'ky 2',
    sim: 'ky',
    create: () => ({ get: (url, signal) => settled(ky.get(url, { signal }).then(consume)) }),
  },
  {
    id: 'axios-retry',
    label: 'axios + axios-retry 4',
    sim: 'axios-retry',
    create: () => {
      const client = axios.create();
      axiosRetry(client);
      return {
        get: (url, signal) => settled(client.get(url, { signal }).then((r) => r.status < 300)),
      };
    },
  },
  {
    id: 'undici',
    label: 'undici 8 RetryAgent',
    sim: 'undici',
    create: () => {
      const dispatcher = new RetryAgent(new Agent());
      return {
        get: (url, signal) =>
          settled(
            undiciFetch(url, { dispatcher, signal }).then(async (r) => {
              await r.body?.cancel();
              return r.ok;
            }),
          ),
        close: () => dispatcher.close(),
      };
    },
  },
  {
    id: 'fetch-retry',
    label: 'fetch-retry 6',
    sim: 'fetch-retry',
    create: () => {
      const f = fetchRetry(fetch);
      return {
        get: (url, signal) => settled(f(url, { signal }).then(consume)),
      };
    },
  },
];
