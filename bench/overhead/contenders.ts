/**
 * The HTTP clients of the happy-path benchmark. Each is set up once and yields a function
 * that sends one GET and reads the whole body as bytes, with the library's default retry
 * settings (retries on, nothing to retry on a 200).
 */

import { Readable } from 'node:stream';
import axios from 'axios';
import axiosRetry from 'axios-retry';
import fetchRetry from 'fetch-retry';
import got from 'got';
import ky from 'ky';
import { Agent, type Dispatcher, RetryAgent, request, fetch as undiciFetch } from 'undici';
import { interactiveSession, nonInteractiveSession, Session } from '../library.js';

/** Sends one request to `url` and consumes the response body. */
export type Send = (url: string) => Promise<void>;

export interface Contender {
  readonly name: string;
  /** A contender that `Session` must beat (the goal names got, ky and axios). */
  readonly peer?: boolean;
  /** One of this library's sessions. */
  readonly ours?: boolean;
  readonly send: Send;
  close?(): Promise<void>;
}

const read = async (response: Response | { arrayBuffer(): Promise<ArrayBuffer> }) => {
  await response.arrayBuffer();
};

/**
 * A `fetch`-shaped function over `undici.request`: no `Request` object and no fetch
 * algorithm, only the `Response` the session needs. It is what the session's `fetch`
 * option makes possible; GET/HEAD without a body is all the benchmark sends.
 */
export function fetchOverRequest(dispatcher: Dispatcher): typeof fetch {
  return (async (input: string | URL, init: RequestInit = {}) => {
    const { statusCode, headers, body } = await request(String(input), {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      ...(init.headers ? { headers: Object.fromEntries(new Headers(init.headers)) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
      dispatcher,
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
    }
    const empty = statusCode === 204 || statusCode === 304 || init.method === 'HEAD';
    if (empty) body.resume();
    return new Response(empty ? null : (Readable.toWeb(body) as ReadableStream), {
      status: statusCode,
      headers: out,
    });
  }) as unknown as typeof fetch;
}

/** Everything measured, raw `fetch` first (the ratios' denominator). */
export function contenders(): Contender[] {
  const undiciAgent = new Agent();
  const undiciFetchAgent = new Agent();
  const sessionAgent = new Agent();
  const requestAgent = new Agent();
  const retryAgent = new RetryAgent(new Agent());
  const axiosClient = axios.create({ responseType: 'arraybuffer' });
  axiosRetry(axiosClient);
  const retryingFetch = fetchRetry(fetch);
  const nonInteractive = nonInteractiveSession();
  // No per-attempt timeout: no signal reaches fetch, which isolates what a signal costs it.
  const untimed = nonInteractiveSession({ requestTimeout: Number.POSITIVE_INFINITY });
  const interactive = interactiveSession();
  // undici's own fetch on a dedicated dispatcher, passed in through the session's `fetch` option.
  const overUndici = new Session({
    fetch: ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, {
        ...(init as object),
        dispatcher: sessionAgent,
      })) as unknown as typeof fetch,
  });
  const overRequest = new Session({ fetch: fetchOverRequest(requestAgent) });
  return [
    { name: 'fetch (global)', send: async (url) => read(await fetch(url)) },
    {
      name: 'undici.fetch',
      send: async (url) => read(await undiciFetch(url, { dispatcher: undiciFetchAgent })),
      close: () => undiciFetchAgent.close(),
    },
    {
      name: 'undici.request',
      send: async (url) => read((await request(url, { dispatcher: undiciAgent })).body),
      close: () => undiciAgent.close(),
    },
    {
      name: 'Session nonInteractive',
      ours: true,
      send: async (url) => read(await nonInteractive.get(url)),
    },
    {
      name: 'Session interactive',
      ours: true,
      send: async (url) => read(await interactive.get(url)),
    },
    {
      name: 'Session, requestTimeout ∞',
      ours: true,
      send: async (url) => read(await untimed.get(url)),
    },
    {
      name: 'Session over undici.fetch',
      ours: true,
      send: async (url) => read(await overUndici.get(url)),
      close: () => sessionAgent.close(),
    },
    {
      name: 'Session over undici.request',
      ours: true,
      send: async (url) => read(await overRequest.get(url)),
      close: () => requestAgent.close(),
    },
    { name: 'got', peer: true, send: async (url) => void (await got(url).buffer()) },
    { name: 'ky', peer: true, send: async (url) => read(await ky(url)) },
    {
      name: 'axios + axios-retry',
      peer: true,
      send: async (url) => void (await axiosClient.get(url)),
    },
    {
      name: 'undici RetryAgent',
      send: async (url) => read((await request(url, { dispatcher: retryAgent })).body),
      close: () => retryAgent.close(),
    },
    { name: 'fetch-retry', send: async (url) => read(await retryingFetch(url)) },
  ];
}
