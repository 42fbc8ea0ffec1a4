import { BoundedMap } from '../core/bounded-map.js';

/**
 * A token bucket per peer: `burst` requests at once, then `perSecond`. The map of peers is bounded, so peers
 * with fresh ids cannot grow it; a forgotten peer starts again with a full bucket, which costs at most a burst.
 */
export class PeerRate {
  private readonly buckets: BoundedMap<string, { tokens: number; at: number }>;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    trackedPeers: number,
  ) {
    this.buckets = new BoundedMap(trackedPeers);
  }

  /** Whether `peer` may make one more request at `now` (ms); takes its token if so. */
  take(peer: string, now: number): boolean {
    const b = this.buckets.get(peer) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    const ok = tokens >= 1;
    this.buckets.set(peer, { tokens: ok ? tokens - 1 : tokens, at: now });
    return ok;
  }
}
