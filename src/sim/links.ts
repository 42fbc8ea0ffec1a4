import type { Prng } from '../core/prng.js';

const linkKey = (a: number, b: number): string => `${a}>${b}`;

/** A per-link setting; an empty map (the usual case) answers without building a key string for every packet. */
const onLink = <V>(links: ReadonlyMap<string, V>, a: number, b: number): V | undefined => (links.size === 0 ? undefined : links.get(linkKey(a, b)));

/**
 * The simulated network's links between replicas: which can talk (cuts and partitions), the chance a packet is
 * lost, and the extra delay a link adds to the delay model.
 */
export class Links {
  private readonly linkDrop = new Map<string, number>();
  private readonly linkDelay = new Map<string, number>();
  private readonly cuts = new Map<string, true>();
  private group: number[];

  constructor(
    private readonly size: number,
    /** Drop probability for every link that has no rate of its own. */
    public dropRate: number,
  ) {
    this.group = Array.from({ length: size }, () => 0);
  }

  /** Drop probability for messages from → to. */
  drop(from: number, to: number, rate: number): void {
    this.linkDrop.set(linkKey(from, to), rate);
  }

  /** Extra one-way delay for messages from → to. */
  slow(from: number, to: number, extraMs: number): void {
    this.linkDelay.set(linkKey(from, to), extraMs);
  }

  /** No message passes between a and b, either way. */
  cut(a: number, b: number): void {
    this.cuts.set(linkKey(a, b), true);
    this.cuts.set(linkKey(b, a), true);
  }

  isolate(index: number): void {
    for (let i = 0; i < this.size; i++) if (i !== index) this.cut(index, i);
  }

  /** Replicas in different groups cannot talk; replicas named in no group form one more group together. */
  partition(...groups: readonly (readonly number[])[]): void {
    this.group = Array.from({ length: this.size }, () => groups.length);
    groups.forEach((members, g) => {
      for (const i of members) this.group[i] = g;
    });
  }

  /** Removes every cut and partition, and every per-link drop rate and extra delay (not the global drop rate). */
  heal(): void {
    this.cuts.clear();
    this.linkDrop.clear();
    this.linkDelay.clear();
    this.group = Array.from({ length: this.size }, () => 0);
  }

  canTalk(a: number, b: number): boolean {
    return a !== b && onLink(this.cuts, a, b) === undefined && this.group[a] === this.group[b];
  }

  /** Whether a packet from → to is lost, drawn from `rng`. */
  lost(from: number, to: number, rng: Prng): boolean {
    return rng.chance(onLink(this.linkDrop, from, to) ?? this.dropRate);
  }

  extraDelay(from: number, to: number): number {
    return onLink(this.linkDelay, from, to) ?? 0;
  }
}
