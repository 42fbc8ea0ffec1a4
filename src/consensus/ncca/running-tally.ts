import type { Hex } from '../../core/bytes.js';
import type { NccaParams } from './params.js';
import { type TxFate, type Voter, type VoteRound, classifyVote, roleWeight } from './tx-set-vote.js';

/**
 * The round-0 proposer's running count of one voting round over the ids of its call, updated as each ballot
 * arrives: for every id, what the counted ballots add now and what the voters still silent add at least and at most.
 * An id is settled when both ends classify alike; when every id is, waiting longer can change nothing, and the
 * proposer goes ahead (the paper's "confirm at v1"). Only the proposer's timing rests on it: what a block may
 * hold is decided again, by every replica, by decideTxSet over the ballots the block carries.
 */
export class RunningTally {
  private readonly num: Float64Array;
  /** Per id: the full weight of its eligible voters, and Σ ζ_role of those among them that have not answered yet. */
  private readonly eligible: Float64Array;
  private readonly open: Float64Array;
  private readonly answered = new Set<string>();

  constructor(
    private readonly ids: readonly Hex[],
    private readonly voters: ReadonlyMap<string, Voter>,
    private readonly cells: ReadonlyMap<Hex, number>,
    private readonly p: NccaParams,
    private readonly round: VoteRound,
  ) {
    this.num = new Float64Array(ids.length);
    this.eligible = new Float64Array(ids.length);
    this.open = new Float64Array(ids.length);
    for (const v of voters.values()) {
      this.forEachEligible(v, (i, zq) => {
        this.eligible[i]! += zq * p.vote.yes;
        this.open[i]! += zq;
      });
    }
  }

  /** Counts a voter's ballot once: `yes(i)` for the i-th id of the call. */
  add(address: string, yes: (i: number) => boolean): void {
    const v = this.voters.get(address);
    if (v === undefined || this.answered.has(address)) return;
    this.answered.add(address);
    this.forEachEligible(v, (i, zq) => {
      this.open[i]! -= zq;
      this.num[i]! += yes(i) ? zq * this.p.vote.yes : zq * this.p.vote.no;
    });
  }

  /** The voters that have not answered yet. */
  *silent(): Iterable<string> {
    for (const address of this.voters.keys()) if (!this.answered.has(address)) yield address;
  }

  /** Whether `address` has answered. */
  hasAnswered(address: string): boolean {
    return this.answered.has(address);
  }

  /** Every voter has answered. */
  heardFromAll(): boolean {
    return this.answered.size === this.voters.size;
  }

  /** Each id's fate as the ballots stand, and whether none of them could still change. */
  fates(): { settled: boolean; fates: Map<Hex, TxFate> } {
    let settled = true;
    const fates = new Map<Hex, TxFate>();
    this.ids.forEach((id, i) => {
      // A voter still silent ends as an abstention at least (decideTxSet counts it so) and a yes at most.
      const e = this.eligible[i]!;
      const low = e > 0 ? (this.num[i]! + this.open[i]! * this.p.vote.no) / e : 0;
      const high = e > 0 ? (this.num[i]! + this.open[i]! * this.p.vote.yes) / e : 0;
      const fate = classifyVote(low, this.p, this.round);
      if (classifyVote(high, this.p, this.round) !== fate) settled = false;
      fates.set(id, fate);
    });
    return { settled, fates };
  }

  /** A normal voter is eligible only for its own cell's transactions (see tallyRound). */
  private forEachEligible(v: Voter, fn: (i: number, zq: number) => void): void {
    const zq = roleWeight(v.role, this.p);
    this.ids.forEach((id, i) => {
      const cell = this.cells.get(id);
      if (cell === undefined || v.role !== 'normal' || v.cell === cell) fn(i, zq);
    });
  }
}
