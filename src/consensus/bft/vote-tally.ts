import type { Hex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { Vote } from '../../core/wire/posplus.js';

export const NIL = '';

/** Votes of one type in one round, with the weight behind each block hash ('' = nil). */
export class VoteTally {
  /** Each voter's first vote: what `weight`, `has` and `voters` count, and what a conflict is checked against. */
  private readonly byVoter = new Map<Hex, Vote>();
  /** hash → voter → the vote counted for that hash. */
  private readonly byHash = new Map<Hex, Map<Hex, Vote>>();
  private readonly weightByHash = new Map<Hex, number>();
  private total = 0;

  /** Adds a vote; returns the earlier, different vote of the same voter when it equivocates. */
  add(vote: Vote, weight: number): { added: boolean; conflict?: Vote } {
    const voter = hexOf(vote.voter);
    const earlier = this.byVoter.get(voter);
    if (earlier !== undefined) {
      return hexOf(earlier.blockHash) === hexOf(vote.blockHash) ? { added: false } : { added: false, conflict: earlier };
    }
    this.byVoter.set(voter, vote);
    this.total += weight;
    this.count(vote, voter, weight);
    return { added: true };
  }

  /**
   * Adds a vote that comes as part of a >2/3 proof for its block (a proposal's proof of lock). It counts for
   * that block even when its voter already voted differently: otherwise an equivocator that showed this
   * replica another vote first makes every proof that includes it one vote short, and honest replicas locked
   * on that block can never convince this one (a permanent stall found by the byzantine simulation; Tendermint's
   * VoteSet counts conflicting votes for a block someone claims +2/3 for, for the same reason). Counting an
   * equivocator for two blocks is safe: two >2/3 quorums still overlap in more than the faulty third.
   * Each voter still counts at most once per block, and the conflict is returned for evidence.
   */
  addToProof(vote: Vote, weight: number): { added: boolean; conflict?: Vote } {
    const voter = hexOf(vote.voter);
    if (this.byHash.get(hexOf(vote.blockHash))?.has(voter)) return { added: false };
    const result = this.add(vote, weight);
    if (result.conflict !== undefined) this.count(vote, voter, weight);
    return { added: true, conflict: result.conflict };
  }

  private count(vote: Vote, voter: Hex, weight: number): void {
    const hash = hexOf(vote.blockHash);
    let votes = this.byHash.get(hash);
    if (votes === undefined) {
      votes = new Map();
      this.byHash.set(hash, votes);
    }
    votes.set(voter, vote);
    this.weightByHash.set(hash, (this.weightByHash.get(hash) ?? 0) + weight);
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

  /** Every voter's first vote. */
  all(): Vote[] {
    return [...this.byVoter.values()];
  }

  /** The votes counted for `hash` (a certificate or a proof of lock is built from these). */
  votesFor(hash: Hex): Vote[] {
    return [...(this.byHash.get(hash)?.values() ?? [])];
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
