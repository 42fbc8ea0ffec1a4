export interface Scheduled<T> {
  readonly time: number;
  /** Insertion order: among events at one time, the earlier scheduled runs first. */
  readonly seq: number;
  readonly item: T;
}

/**
 * A virtual-time priority queue (binary min-heap on time, then insertion order). Equal times pop in the order
 * they were pushed, so a run never depends on the heap's internal layout.
 */
export class EventQueue<T> {
  private readonly heap: Scheduled<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): Scheduled<T> {
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time}`);
    const entry: Scheduled<T> = { time, seq: this.seq++, item };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    return entry;
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  pop(): Scheduled<T> | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Every pending event, in pop order (a copy; the queue is unchanged). */
  pending(): Scheduled<T>[] {
    return [...this.heap].sort(compare);
  }

  /** Removes every event matching `drop`; returns how many went. */
  remove(drop: (item: T) => boolean): number {
    const keep = this.heap.filter((e) => !drop(e.item));
    const removed = this.heap.length - keep.length;
    if (removed > 0) {
      this.heap.length = 0;
      for (const e of keep.sort(compare)) this.heap.push(e); // a sorted array is a valid heap
    }
    return removed;
  }

  // Sifting moves a hole instead of swapping pairs: one write per level, no temporary arrays.
  private up(i: number): void {
    const h = this.heap;
    const entry = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(entry, h[parent]!) >= 0) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const entry = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && compare(h[r]!, h[l]!) < 0 ? r : l;
      if (compare(h[child]!, entry) >= 0) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = entry;
  }
}

function compare<T>(a: Scheduled<T>, b: Scheduled<T>): number {
  return a.time - b.time || a.seq - b.seq;
}
