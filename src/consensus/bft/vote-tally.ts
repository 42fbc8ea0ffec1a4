import { type Hex, toHex } from '../../core/bytes.js';
import type { Vote } from '../../core/wire/posplus.js';

export const NIL = '';

/** Votes of one type in one round, with the weight behind each block hash ('' = nil). */
export class VoteTally {
  private readonly byVoter = new Map<Hex, Vote>();
  private readonly weightByHash = new Map<Hex, number>();
  private total = 0;

  /** Adds a vote; returns the earlier, different vote of the same voter when it equivocates. */
  add(vote: Vote, weight: number): { added: boolean; conflict?: Vote } {
    const voter = toHex(vote.voter);
    const earlier = this.byVoter.get(voter);
    if (earlier !== undefined) {
      return toHex(earlier.blockHash) === toHex(vote.blockHash) ? { added: false } : { added: false, conflict: earlier };
    }
    this.byVoter.set(voter, vote);
    const hash = toHex(vote.blockHash);
    this.weightByHash.set(hash, (this.weightByHash.get(hash) ?? 0) + weight);
    this.total += weight;
    return { added: true };
  }

  weightFor(hash: Hex): number {
    return this.weightByHash.get(hash) ?? 0;
  }

  get weight(): number {
    return this.total;
  }

  has(voter: Hex): boolean {
    return this.byVoter.has(voter);
  }

  votesFor(hash: Hex): Vote[] {
    return [...this.byVoter.values()].filter((v) => toHex(v.blockHash) === hash);
  }

  /** The hash holding the most weight, if any, with that weight. */
  leader(): { hash: Hex; weight: number } | undefined {
    let best: { hash: Hex; weight: number } | undefined;
    for (const [hash, weight] of this.weightByHash) if (best === undefined || weight > best.weight) best = { hash, weight };
    return best;
  }

  voters(): Hex[] {
    return [...this.byVoter.keys()];
  }
}
