import type { Hex } from '../../core/bytes.js';
import { fromHex } from '../../core/bytes.js';
import { sha256 } from '../../core/hash.js';
import type { Evidence } from '../../core/wire/posplus.js';

/** Self-raised evidence waits up to this long for a copy from another reporter before it is gossiped. */
export const EVIDENCE_SPREAD_MS = 1000;
const LIMIT = 256;

/**
 * Evidence this replica raised, held back for a delay of its own before it is gossiped, and dropped if a checked
 * copy of the same offence (same id, any reporter) arrives first. Every honest replica that sees an equivocation
 * raises it at about the same moment; gossiping each copy at once sent the offence about n² times (a third of all
 * packets of the paper preset with 40 attackers). The delay is a hash of the offence and the reporter, so it is
 * spread evenly over replicas without randomness and the first few to fire cover everyone.
 */
export class EvidenceOutbox {
  private readonly held = new Map<Hex, { evidence: Evidence; at: number }>();

  constructor(private readonly self: Uint8Array) {}

  hold(id: Hex, evidence: Evidence, now: number): void {
    if (this.held.has(id)) return;
    if (this.held.size >= LIMIT) this.held.delete(this.held.keys().next().value!);
    const h = sha256(fromHex(id), this.self);
    const share = ((h[0]! << 16) | (h[1]! << 8) | h[2]!) / 0x1000000;
    this.held.set(id, { evidence, at: now + Math.floor(share * EVIDENCE_SPREAD_MS) });
  }

  holds(id: Hex): boolean {
    return this.held.has(id);
  }

  /** A checked copy from someone else is out: ours is not needed. */
  heard(id: Hex): void {
    this.held.delete(id);
  }

  /** The evidence whose delay is over, to gossip now. */
  due(now: number): Evidence[] {
    const out: Evidence[] = [];
    for (const [id, e] of this.held) {
      if (e.at > now) continue;
      out.push(e.evidence);
      this.held.delete(id);
    }
    return out;
  }

  next(): number | undefined {
    let at: number | undefined;
    for (const e of this.held.values()) if (at === undefined || e.at < at) at = e.at;
    return at;
  }
}
