/**
 * Events counted over a sliding window in a fixed ring of buckets: its memory is the
 * number of buckets, however many events arrive (a Coordinator serving 1,000 requests a
 * second for days holds the same few hundred bytes). The window is accurate to one bucket.
 * The sum is kept as events arrive and leave, so reading it costs the same as adding one.
 */
export class WindowCount {
  readonly #width: number;
  readonly #counts: Float64Array;
  /** The absolute number (`floor(t / width)`) of the newest bucket in the ring. */
  #newest = Number.NEGATIVE_INFINITY;
  /** The sum of the buckets (counts are whole numbers, so it stays exact). */
  #total = 0;

  /** Counts over `window` seconds in `buckets` buckets. */
  constructor(window: number, buckets: number) {
    this.#width = window / buckets;
    this.#counts = new Float64Array(buckets);
  }

  /** Counts `n` events at instant `now` (seconds). */
  add(now: number, n = 1): void {
    this.#advance(now);
    // A clock never runs back; an earlier instant would count in the newest bucket.
    const b = this.#newest;
    const size = this.#counts.length;
    this.#counts[((b % size) + size) % size]! += n;
    this.#total += n;
  }

  /** Events in the buckets that cover the last `window` seconds up to `now`. */
  sum(now: number): number {
    this.#advance(now);
    return this.#total;
  }

  /** Empties the buckets that fell out of the window. */
  #advance(now: number): void {
    const b = Math.floor(now / this.#width);
    if (b <= this.#newest) return;
    const counts = this.#counts;
    const size = counts.length;
    if (b - this.#newest >= size) {
      counts.fill(0);
      this.#total = 0;
    } else {
      for (let i = this.#newest + 1; i <= b; i++) {
        const at = ((i % size) + size) % size;
        this.#total -= counts[at]!;
        counts[at] = 0;
      }
    }
    this.#newest = b;
  }
}
