/**
 * A Map that forgets its least recently set entries past a limit: memory of recent history that cannot grow
 * forever. The eviction order is kept in a queue of its own: taking a JavaScript Map's first key walks over every
 * entry deleted since the table last rehashed, which made each eviction cost about half the limit once full
 * (74 µs per set into a full 100 000-entry map). Each set takes a queue slot that holds its key and value, and the
 * Map holds only the key's slot number: no object per set, which a simulated run makes millions of.
 */
export class BoundedMap<K, V> {
  /** Each key's slot: an absolute number, `base` + its index in the queue. A key set again leaves a stale slot. */
  private readonly slots = new Map<K, number>();
  private keys: K[] = [];
  private values: (V | undefined)[] = [];
  /** The absolute number of the queue's first slot. */
  private base = 0;
  /** The queue's oldest slot not yet consumed by eviction. */
  private head = 0;

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    return slot === undefined ? undefined : this.values[slot - this.base];
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  /** Slots the queue holds, live or stale: what the map costs beyond its entries (a small multiple of them). */
  get queued(): number {
    return this.keys.length;
  }

  delete(key: K): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.values[slot - this.base] = undefined;
    this.slots.delete(key);
  }

  clear(): void {
    this.slots.clear();
    this.keys = [];
    this.values = [];
    this.head = 0;
  }

  set(key: K, value: V): void {
    const old = this.slots.get(key);
    if (old !== undefined) this.values[old - this.base] = undefined;
    this.slots.set(key, this.base + this.keys.length);
    this.keys.push(key);
    this.values.push(value);
    while (this.slots.size > this.limit) {
      const i = this.head++;
      const oldest = this.keys[i]!;
      if (this.slots.get(oldest) === this.base + i) this.slots.delete(oldest);
      this.values[i] = undefined;
    }
    // Once at least half the queue is consumed or stale, drop those slots: a key set again and again (a peer's
    // counter) would otherwise grow the queue by a slot per set even while the map itself stays small.
    if (this.keys.length > 2 * this.slots.size + 1024) this.compact();
  }

  private compact(): void {
    const keys: K[] = [];
    const values: (V | undefined)[] = [];
    // Fresh numbers past every one given so far, so no stale slot can match a renumbered key.
    const base = this.base + this.keys.length;
    for (let i = this.head; i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (this.slots.get(key) !== this.base + i) continue;
      this.slots.set(key, base + keys.length);
      keys.push(key);
      values.push(this.values[i]);
    }
    this.keys = keys;
    this.values = values;
    this.base = base;
    this.head = 0;
  }
}
