import { type Hex, fromHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import { Vote } from '../../core/wire/posplus.js';
import type { Outbound } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import type { HeightState } from './height-state.js';

/** What routing needs of the engine at the moment it routes. */
export interface RoutingView {
  readonly selfKey: Hex;
  /** Whether votes climb to the round's collector (NCCA) or go to everyone. */
  readonly collectVotes: boolean;
  /** The height in progress and its validators: both change as the engine moves on, so they are asked each time. */
  height(): HeightState;
  validators(): ValidatorSet;
  isValidator(): boolean;
  proposerOf(round: number): Uint8Array;
  publish(out: Outbound): void;
  /** Arms the timer after which a step still stalled at the collector falls back (BftTimeouts.collectMs). */
  armCollect(round: number, now: number): void;
}

/**
 * Where this replica's votes go, and what it passes on as a collector. With collecting rules a vote goes to the
 * round's collector alone while the collector shows it is alive in this round (its proposal for a prevote, its
 * prevote bundle for a precommit), and the collector keeps its own for its bundles. If it has not shown that, or
 * lets a step stall `collectMs`, the round's votes go to its backups as well (fallBack); without backups, and
 * whenever a round stalls (resend), to every validator. A collector that drops, delays or withholds costs time,
 * never safety, since where a vote travels changes nothing about what a quorum proves.
 */
export class VoteRouting {
  constructor(private readonly v: RoutingView) {}

  send(vote: Vote, now: number): void {
    const { v } = this;
    if (!v.collectVotes) return v.publish({ kind: 'vote', vote });
    if (this.isCollector(vote.round)) return;
    const h = v.height();
    const heard = vote.type === Vote.Type.PREVOTE ? h.proposals.has(vote.round) : h.collector.heard.has(vote.round);
    if (!heard) h.collector.fallen.add(vote.round);
    if (h.collector.fallen.has(vote.round)) return this.sendToBackups(vote);
    v.publish({ kind: 'vote', vote, to: v.proposerOf(vote.round) });
    h.collector.pending = { round: vote.round, step: h.step };
    v.armCollect(vote.round, now);
  }

  /**
   * The collector stalled a step of `round`: this replica's votes of the round go to the backup collectors, the
   * proposers of the next two rounds, who collect it as well once their own wait ran out too, and still to the
   * collector, which may only be slow (a backup cannot count the collector's own vote).
   */
  fallBack(round: number): void {
    const h = this.v.height();
    h.collector.fallen.add(round);
    for (const vote of h.ownVotes) if (vote.round === round) this.sendToBackups(vote);
  }

  /** As a round's collector, or its backup after falling back, pass on the votes gathered once they make a new quorum. */
  collect(): void {
    const { v } = this;
    if (!v.collectVotes || !v.isValidator()) return;
    const h = v.height();
    for (const [round, rv] of h.votes) {
      if (!this.isCollector(round) && !(h.collector.fallen.has(round) && this.backupsOf(round).includes(v.selfKey))) continue;
      for (const [step, tally] of [['prevote', rv.prevotes], ['precommit', rv.precommits]] as const) {
        const votes = h.collector.due(step, round, tally, v.validators());
        if (votes !== undefined) v.publish({ kind: 'votes', votes });
      }
    }
  }

  private isCollector(round: number): boolean {
    return hexOf(this.v.proposerOf(round)) === this.v.selfKey;
  }

  private sendToBackups(vote: Vote): void {
    const backups = this.backupsOf(vote.round);
    if (backups.length === 0) return this.v.publish({ kind: 'vote', vote });
    for (const key of [hexOf(this.v.proposerOf(vote.round)), ...backups]) if (key !== this.v.selfKey) this.v.publish({ kind: 'vote', vote, to: fromHex(key) });
  }

  private backupsOf(round: number): Hex[] {
    const collector = hexOf(this.v.proposerOf(round));
    return [...new Set([hexOf(this.v.proposerOf(round + 1)), hexOf(this.v.proposerOf(round + 2))])].filter((k) => k !== collector);
  }
}
