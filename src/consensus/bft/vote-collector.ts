import type { Hex } from '../../core/bytes.js';
import type { Vote } from '../../core/wire/posplus.js';
import type { ValidatorSet } from '../validator-set.js';
import type { VoteTally } from './vote-tally.js';
import type { Step } from './wal-record.js';

/**
 * What a round's collector (its proposer) passes on to the validators, who sent their votes to it alone: a
 * step's votes once they hold a quorum of the weight (enough for everyone to take the step's timeout), and
 * again when one value first holds a quorum (enough to lock, or to move on). Each bundle carries every vote
 * gathered so far, so a receiver needs nothing else. A precommit quorum for a block is passed on as its
 * certificate instead, by the commit.
 */
export class VoteCollector {
  private readonly sent = new Set<string>();
  /** Rounds in which the collector passed prevotes on: it is alive, so this replica's precommit goes to it too. */
  readonly heard = new Set<number>();
  /** The step whose vote went to the collector alone, until it moves (see BftTimeouts.collectMs). */
  pending: { round: number; step: Step } | undefined;
  /** Rounds whose collector let a step stall: their votes go to the backup collectors. */
  readonly fallen = new Set<number>();

  /** The votes to pass on now for one round and type, if a new quorum appeared. */
  due(step: string, round: number, tally: VoteTally, validators: ValidatorSet): Vote[] | undefined {
    if (!validators.isQuorum(tally.weight)) return undefined;
    const leader = tally.leader();
    const tags = [`${step}/${round}`];
    if (leader !== undefined && validators.isQuorum(leader.weight)) tags.push(`${step}/${round}/${leader.hash satisfies Hex}`);
    if (tags.every((t) => this.sent.has(t))) return undefined;
    for (const t of tags) this.sent.add(t);
    return tally.all();
  }
}
