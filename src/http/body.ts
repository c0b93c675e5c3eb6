/** Request and response body handling: what can be resent, and releasing what is discarded. */

/** What `fetch` accepts as a body (the DOM's `BodyInit`, named here since Node's types lack it). */
export type BodyInit = NonNullable<RequestInit['body']>;

/** A body, or a factory that makes a fresh one for each attempt (for streams). */
export type BodySource = BodyInit | null | (() => BodyInit | null | Promise<BodyInit | null>);

/**
 * Whether a body can be sent more than once. Strings, bytes, `URLSearchParams`,
 * `FormData` and `Blob` can; a stream or async iterable is consumed by its first send.
 */
export function isReplayable(body: unknown): boolean {
  if (body === null || body === undefined || typeof body === 'string') return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (body instanceof URLSearchParams || body instanceof FormData || body instanceof Blob)
    return true;
  return false;
}

/** Bytes and time a discarded response may take to be read to its end before it is cancelled. */
export const RELEASE_LIMITS = Object.freeze({ bytes: 64 * 1024, seconds: 0.25 });

/**
 * Releases a response that will not be returned. A small remainder is read to its end,
 * so the keep-alive socket goes back to the pool (on Node 20 `cancel()` destroys the
 * socket when more than about 16 KiB is unread); a large or slow one is cancelled.
 * Never throws.
 */
export async function releaseBody(response: Response, limits = RELEASE_LIMITS): Promise<void> {
  const body = response.body;
  if (!body || body.locked) return;
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.bytes) {
    await body.cancel().catch(() => {});
    return;
  }
  const reader = body.getReader();
  const timer = setTimeout(() => reader.cancel().catch(() => {}), limits.seconds * 1000);
  try {
    let read = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > limits.bytes) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // A body that fails while being discarded has nothing left to give back.
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}
