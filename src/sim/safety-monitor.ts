import { blockHash, headerOf } from '../core/block.js';
import { type Hex, toHex } from '../core/bytes.js';
import type { Commit, Outbound } from '../consensus/engine.js';
import type { Replica } from './replica.js';

/**
 * Watches every replica's signatures and commits for what no honest engine may do, whatever the network does:
 * sign two different things for one slot, commit a height twice or out of order, or commit a block another
 * replica did not commit at that height. It observes; it never steers the run.
 */
export class SafetyMonitor {
  /** What went wrong, in the order it was seen. */
  readonly violations: string[] = [];
  /** height → the first block hash any replica committed there. */
  private readonly decided = new Map<number, Hex>();

  /** A message a replica's engine signed and sent (checked before any behaviour rewrites it). */
  signed(r: Replica, msg: Outbound): void {
    let slot: string;
    let hash: Hex;
    if (msg.kind === 'vote') {
      slot = `vote/${msg.vote.type}/${msg.vote.height}/${msg.vote.round}`;
      hash = toHex(msg.vote.blockHash);
    } else if (msg.kind === 'proposal') {
      slot = `proposal/${headerOf(msg.proposal.block).height}/${msg.proposal.round}`;
      hash = toHex(blockHash(headerOf(msg.proposal.block)));
    } else {
      return;
    }
    const earlier = r.signed.get(slot);
    if (earlier === undefined) r.signed.set(slot, hash);
    else if (earlier !== hash) this.violations.push(`replica ${r.index} signed two different ${slot}: ${earlier || 'nil'} and ${hash || 'nil'}`);
  }

  /** A commit a replica made, judged against its own log (before it is added) and every other replica's; its block's hash. */
  commit(r: Replica, c: Commit): Hex {
    const height = headerOf(c.block).height;
    const hash = toHex(blockHash(headerOf(c.block)));
    if (hash !== c.hash) this.violations.push(`replica ${r.index}: commit at ${height} reports hash ${c.hash} but its block hashes to ${hash}`);
    if (r.commits.has(height)) this.violations.push(`replica ${r.index} committed height ${height} twice`);
    if (height !== 1 && !r.commits.has(height - 1)) this.violations.push(`replica ${r.index} committed ${height} without ${height - 1}`);
    const agreed = this.decided.get(height);
    if (agreed === undefined) this.decided.set(height, hash);
    else if (agreed !== hash) this.violations.push(`height ${height}: replica ${r.index} committed ${hash}, another replica ${agreed}`);
    return hash;
  }
}

/** Problems across all commit logs: any height where two replicas hold different hashes. */
export function disagreementsOf(replicas: readonly Replica[]): string[] {
  const out: string[] = [];
  const first = new Map<number, { hash: Hex; by: number }>();
  for (const r of replicas) {
    for (const [h, hash] of r.commits) {
      const seen = first.get(h);
      if (seen === undefined) first.set(h, { hash, by: r.index });
      else if (seen.hash !== hash) out.push(`height ${h}: replica ${seen.by} has ${seen.hash}, replica ${r.index} has ${hash}`);
    }
  }
  return out;
}
