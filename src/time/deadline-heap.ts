/** An entry of a {@link DeadlineHeap}: when it is due, its order among equal deadlines, its place. */
export interface Timed {
  readonly at: number;
  readonly seq: number;
  /** Position in the heap, or -1 while it is not in one. */
  index: number;
}

/**
 * Entries by deadline, earliest first; equal deadlines in the order they were added, as
 * timers fire. Each entry knows its place, so removing one (an aborted sleep) costs
 * O(log n) and leaves nothing behind. The system clock's sleep queue and `VirtualClock`
 * both keep their sleepers here.
 */
export class DeadlineHeap<T extends Timed> {
  #heap: T[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** The earliest entry, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  push(entry: T): void {
    entry.index = this.#heap.push(entry) - 1;
    this.#up(entry.index);
  }

  /** Takes the earliest entry out. */
  pop(): T | undefined {
    const head = this.#heap[0];
    if (head) this.remove(head);
    return head;
  }

  /** Takes `entry` out; a no-op when it is not in the heap. */
  remove(entry: T): void {
    const i = entry.index;
    if (i < 0 || this.#heap[i] !== entry) return;
    const last = this.#heap.pop() as T;
    entry.index = -1;
    if (last !== entry) {
      this.#place(last, i);
      this.#up(i);
      this.#down(last.index);
    }
    // An empty heap gives back the room of the many entries it may have held.
    if (this.#heap.length === 0) this.#heap = [];
  }

  #place(entry: T, i: number): void {
    this.#heap[i] = entry;
    entry.index = i;
  }

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as T;
      if (!before(entry, p)) break;
      this.#place(p, i);
      i = parent;
    }
    this.#place(entry, i);
  }

  #down(i: number): void {
    const heap = this.#heap;
    const entry = heap[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = entry;
      let at = i;
      if (l < heap.length && before(heap[l] as T, m)) {
        m = heap[l] as T;
        at = l;
      }
      if (r < heap.length && before(heap[r] as T, m)) {
        m = heap[r] as T;
        at = r;
      }
      if (at === i) break;
      this.#place(m, i);
      i = at;
    }
    this.#place(entry, i);
  }
}

/** Earlier deadline first; equal deadlines in the order they were added. */
function before(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
