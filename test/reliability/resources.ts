/** Leak checks: what keeps the event loop alive, compared before and after a piece of work. */

/** Active handles and requests by type, e.g. `{ TCPSocketWrap: 2, Timeout: 1 }`. */
export function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Types of which there are more now than in `before`, e.g. `['Timeout: 0 → 1']`. */
export function grown(before: Record<string, number>): string[] {
  return Object.entries(resources())
    .filter(([type, n]) => n > (before[type] ?? 0))
    .map(([type, n]) => `${type}: ${before[type] ?? 0} → ${n}`);
}

/**
 * Polls until nothing has grown since `before`, for up to `seconds`; returns what is still
 * there. Closed sockets leave the list on a later turn of the event loop, so one look is
 * not enough.
 */
export async function leftover(before: Record<string, number>, seconds = 3): Promise<string[]> {
  const deadline = performance.now() + seconds * 1000;
  let left = grown(before);
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    left = grown(before);
  }
  return left;
}
