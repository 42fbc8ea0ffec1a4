import { blockHash, headerOf } from '../../core/block.js';
import { type Hex, bytesEqual, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import { type Block, type Certificate, type Proposal, type TxSetBallot, Vote } from '../../core/wire/posplus.js';
import { VoteCollector } from './vote-collector.js';
import { VoteTally } from './vote-tally.js';
import type { Step, WalState } from './wal-record.js';

interface ProposalRecord {
  proposal: Proposal;
  block: Block;
  hash: Hex;
  valid: boolean;
}

interface RoundVotes {
  prevotes: VoteTally;
  precommits: VoteTally;
}

/**
 * Everything the round machine knows about the height it is deciding (Algorithm 1's state: round, step, lock and
 * valid value, and the messages of every round), made afresh when a height starts.
 */
export class HeightState {
  round = 0;
  step: Step = 'idle';
  lockedRound = -1;
  lockedBlock: Block | undefined;
  validRound = -1;
  validBlock: Block | undefined;
  readonly proposals = new Map<number, ProposalRecord>();
  readonly votes = new Map<number, RoundVotes>();
  /** What this replica signed at the height: the WAL keeps them, and a stalled round resends them. */
  readonly ownProposals: Proposal[] = [];
  readonly ownVotes: Vote[] = [];
  readonly ownBallots: TxSetBallot[] = [];
  readonly collector = new VoteCollector();
  /** The rightful proposer (and collector) of each round asked for so far. */
  readonly proposers = new Map<number, Uint8Array>();
  /** A verified certificate for this height whose block has not arrived yet. */
  pendingCertificate: Certificate | undefined;
  /** When this height's transaction-set vote started here (round 0 began); undefined before. */
  txSetStartedAt: number | undefined;
  private readonly armed = new Set<string>();

  tallies(round: number): RoundVotes {
    let r = this.votes.get(round);
    if (r === undefined) {
      r = { prevotes: new VoteTally(), precommits: new VoteTally() };
      this.votes.set(round, r);
    }
    return r;
  }

  /** The tally of one round's prevotes or precommits. */
  tallyOf(type: Vote.Type, round: number): VoteTally {
    return this.tallies(round)[type === Vote.Type.PREVOTE ? 'prevotes' : 'precommits'];
  }

  /**
   * Takes up where a WAL record of this height left off: same round and step, same lock, and our signed messages
   * counted, so we never sign a conflicting one.
   */
  resume(rec: WalState, weightOf: (key: Hex) => number): void {
    ({ lockedRound: this.lockedRound, lockedBlock: this.lockedBlock, validRound: this.validRound, validBlock: this.validBlock, round: this.round, step: this.step } = rec);
    for (const proposal of rec.proposals) {
      this.ownProposals.push(proposal);
      this.proposals.set(proposal.round, { proposal, block: proposal.block!, hash: toHex(blockHash(headerOf(proposal.block))), valid: true });
    }
    for (const vote of rec.votes) {
      this.ownVotes.push(vote);
      this.tallyOf(vote.type, vote.round).add(vote, weightOf(hexOf(vote.voter)));
    }
    for (const vote of rec.lockPolka) this.tallies(vote.round).prevotes.add(vote, weightOf(hexOf(vote.voter)));
    this.ownBallots.push(...rec.ballots);
  }

  /** True the first time it is asked with `tag` at this height. */
  once(tag: string): boolean {
    if (this.armed.has(tag)) return false;
    this.armed.add(tag);
    return true;
  }

  /** Whether once(`tag`) was asked at this height. */
  fired(tag: string): boolean {
    return this.armed.has(tag);
  }

  lockedHash(): Hex | undefined {
    return this.lockedBlock ? toHex(blockHash(headerOf(this.lockedBlock))) : undefined;
  }

  /**
   * Whether `vote`, signed with `me`'s key, is one this replica did not sign: then another process runs with its
   * key, and between them they would sign two different votes for one slot.
   */
  signedElsewhere(vote: Vote, me: Uint8Array): boolean {
    if (!bytesEqual(vote.voter, me)) return false;
    return !this.ownVotes.some((v) => v.type === vote.type && v.round === vote.round && bytesEqual(v.blockHash, vote.blockHash));
  }

  /** What the WAL records of it; copies of the lists, since the record is encoded when first read. */
  walState(height: number): WalState {
    const { round, step, lockedRound, lockedBlock, validRound, validBlock } = this;
    return {
      height,
      round,
      step,
      lockedRound,
      lockedBlock,
      validRound,
      validBlock,
      proposals: [...this.ownProposals],
      votes: [...this.ownVotes],
      lockPolka: this.lockPolka(),
      ballots: [...this.ownBallots],
    };
  }

  /** The prevotes that made the lock, if any are held. */
  lockPolka(): Vote[] {
    const locked = this.lockedHash();
    return locked === undefined ? [] : (this.votes.get(this.lockedRound)?.prevotes.votesFor(locked) ?? []);
  }
}
