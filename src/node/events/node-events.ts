import { type Address, addressOf } from '../../core/address.js';
import { headerOf } from '../../core/block.js';
import type { TxStatus } from '../../core/chain-state.js';
import type { EvidenceSummary } from '../../core/evidence.js';
import type { Account } from '../../core/ledger.js';
import type { Commit } from '../../consensus/engine.js';
import type { EventHub } from './event-hub.js';

/** What detection events are made of, per account: the fields whose change is news. */
export interface DetectionMark {
  watched: boolean;
  confirmations: number;
  suspendedUntil: number;
  evictedAt: number;
}

export type DetectionEvent =
  | { kind: 'suspicion'; address: Address; height: number }
  | { kind: 'cleared'; address: Address; height: number }
  | { kind: 'confirmation'; address: Address; height: number; confirmations: number }
  | { kind: 'suspension'; address: Address; height: number; until: number }
  | { kind: 'eviction'; address: Address; height: number }
  | { kind: 'evidence'; id: string; evidence: EvidenceSummary['kind']; offender: string; reporter: string; height: number };

export function detectionMarks(entries: Iterable<readonly [Address, Account]>): Map<Address, DetectionMark> {
  const marks = new Map<Address, DetectionMark>();
  for (const [address, a] of entries) {
    const d = a.detection;
    if (d === undefined) continue;
    marks.set(address, { watched: d.watch !== undefined, confirmations: d.confirmations, suspendedUntil: d.suspendedUntil, evictedAt: d.evictedAt });
  }
  return marks;
}

/** How many nodes are under round-2 watch, suspended at block time `now` (ms), and evicted: what /metrics counts. */
export function detectionCounts(marks: ReadonlyMap<Address, DetectionMark>, now: number): { suspect: number; suspended: number; evicted: number } {
  const counts = { suspect: 0, suspended: 0, evicted: 0 };
  for (const m of marks.values()) {
    if (m.watched) counts.suspect++;
    if (m.suspendedUntil > now) counts.suspended++;
    if (m.evictedAt > 0) counts.evicted++;
  }
  return counts;
}

/** What the chain decided about nodes between two commits, in address order, as detection events at `height`. */
export function detectionChanges(before: ReadonlyMap<Address, DetectionMark>, after: ReadonlyMap<Address, DetectionMark>, height: number): DetectionEvent[] {
  const out: DetectionEvent[] = [];
  const none: DetectionMark = { watched: false, confirmations: 0, suspendedUntil: 0, evictedAt: 0 };
  for (const address of [...after.keys()].sort()) {
    const [was, now] = [before.get(address) ?? none, after.get(address)!];
    if (now.confirmations > was.confirmations) out.push({ kind: 'confirmation', address, height, confirmations: now.confirmations });
    else if (now.watched && !was.watched) out.push({ kind: 'suspicion', address, height });
    else if (!now.watched && was.watched) out.push({ kind: 'cleared', address, height });
    if (now.suspendedUntil > was.suspendedUntil) out.push({ kind: 'suspension', address, height, until: now.suspendedUntil });
    if (now.evictedAt > 0 && was.evictedAt === 0) out.push({ kind: 'eviction', address, height });
  }
  return out;
}

/**
 * Turns what the node did into the pushed events of DESIGN §4.4: `heads` per committed block, `txs` per status
 * change of a transaction the node has seen, `detection` per suspicion, confirmation, suspension, eviction and
 * evidence item. Detection is the difference of the chain's records between commits (settled).
 */
export class NodeEvents {
  private marks?: Map<Address, DetectionMark>;

  constructor(private readonly hub: EventHub) {}

  /** The chain this node now follows (at start, or after adopting another genesis): its records are not news. */
  follow(entries: Iterable<readonly [Address, Account]>): void {
    this.marks = detectionMarks(entries);
  }

  txStatuses(statuses: readonly TxStatus[]): void {
    if (!this.hub.wants('txs')) return;
    for (const s of statuses) {
      // A refused copy says nothing about the original, which stays pending or committed.
      if (s.status === 'rejected' && s.code === 'duplicate') continue;
      this.hub.publish('txs', s.status === 'rejected' ? { id: s.id, status: 'rejected', code: s.code, reason: s.reason } : { id: s.id, status: 'pending' });
    }
  }

  evidence(items: readonly EvidenceSummary[]): void {
    for (const e of items) {
      const event: DetectionEvent = { kind: 'evidence', id: e.id, evidence: e.kind, offender: e.offender, reporter: e.reporter, height: e.height };
      this.hub.publish('detection', event);
    }
  }

  committed(c: Commit): void {
    const header = headerOf(c.block);
    this.hub.publish('heads', { height: header.height, hash: c.hash, txs: c.txIds.length, round: c.certificate.round, proposer: addressOf(header.proposer) });
    if (this.hub.wants('txs')) for (const id of c.txIds) this.hub.publish('txs', { id, status: 'committed', height: header.height });
  }

  /**
   * After the commits up to `height`: what detection decided since the last call (the chain may be a step past
   * it). Returns every node's marks, which the caller's counts are made of too: one walk of the accounts.
   */
  settled(entries: Iterable<readonly [Address, Account]>, height: number): ReadonlyMap<Address, DetectionMark> {
    const marks = detectionMarks(entries);
    if (this.marks !== undefined) for (const event of detectionChanges(this.marks, marks, height)) this.hub.publish('detection', event);
    this.marks = marks;
    return marks;
  }
}
