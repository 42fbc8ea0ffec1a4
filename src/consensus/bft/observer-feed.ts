import { ballotKey } from '../../core/ballots.js';
import { headerOf } from '../../core/block.js';
import type { Hex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import { wasVerifiedFor } from '../../core/signing.js';
import type { Block, TxSetBallot, Vote } from '../../core/wire/posplus.js';
import type { EngineInput, Verdict } from '../engine.js';
import type { ConsensusObserver } from './bft-rules.js';
import { NIL } from './vote-tally.js';

interface Signed {
  signer: Hex;
  height: number;
  votedFor?: Hex;
  /** The signed message and the key it names: noted only if that signature verified. */
  message: object;
  key: Uint8Array;
}

/**
 * What the engine tells its observer (NCCA's round-2 detection) of the messages it handles: who signed what at
 * a height and how it was judged. Each ballot counts once however it arrived: directly, or inside a block; a
 * ballot that says nothing (`silent`, see TxSetRules.saysNothing) counts for nobody.
 */
export class ObserverFeed {
  private readonly ballotsHeard = new Map<number, Set<string>>();

  constructor(
    private readonly observer: ConsensusObserver,
    private readonly silent: (ballot: TxSetBallot) => boolean = () => false,
  ) {}

  /** Who signed an input, for `height` (ballots also for the next one: they are taken at once). A vote bundle is noted vote by vote (see `vote`). */
  signers(input: EngineInput, height: number): Signed[] {
    if (input.type === 'ballots') return input.ballots.filter((b) => (b.height === height || b.height === height + 1) && !this.silent(b)).map(signedBallot);
    return signersOf(input).filter((x) => x.height === height);
  }

  /**
   * The input was handled, with `outcome` as its verdict. Only signers whose signature on it verified are noted:
   * junk signed in a validator's name and rejected must not raise that validator's figures (framing).
   */
  noted(input: EngineInput, signers: readonly Signed[], now: number, outcome: Verdict): void {
    for (const x of signers) if (wasVerifiedFor(x.message, x.key)) this.observer.note(x.signer, x.height, now, outcome, x.votedFor);
    // Only ballots whose signature verified: a rejected one may name any voter, and marking it would hide that
    // voter's real ballot when a block carries it; and an accepted bundle may also carry ballots the tx set skipped
    // unread (heights far ahead), whose heights no prune would ever reach.
    if (input.type === 'ballots' && outcome === 'accept') for (const b of input.ballots) if (wasVerifiedFor(b, b.voter)) this.heard(b);
  }

  /** One vote of a collector's bundle, noted only once its signature verified: a forged vote must not count against the validator it names. */
  vote(vote: Vote, now: number, verdict: Verdict): void {
    this.observer.note(hexOf(vote.voter), vote.height, now, verdict, hexOf(vote.blockHash) || undefined);
  }

  /**
   * Ballots reach most replicas only inside the proposer's block (validators send theirs to the proposer alone).
   * A valid block's ballots are messages its voters got through, so each one this replica did not already hear
   * directly counts; an invalid block counts for nobody but its proposer.
   */
  carried(block: Block, height: number, now: number): void {
    for (const b of block.ballots) if (b.height === height && !this.heard(b) && !this.silent(b)) this.observer.note(hexOf(b.voter), b.height, now, 'accept');
  }

  /** Heights it holds ballots of: at most the height being decided, the next, and what a bundle's late ballots add until the next prune. */
  get heightsHeld(): number {
    return this.ballotsHeard.size;
  }

  /** Forgets the ballots of heights below `height`. */
  prune(height: number): void {
    for (const h of this.ballotsHeard.keys()) if (h < height) this.ballotsHeard.delete(h);
  }

  /** Whether a ballot was counted already, marking it counted. */
  private heard(b: TxSetBallot): boolean {
    let keys = this.ballotsHeard.get(b.height);
    if (keys === undefined) this.ballotsHeard.set(b.height, (keys = new Set()));
    const known = keys.has(ballotKey(b));
    keys.add(ballotKey(b));
    return known;
  }
}

function signersOf(input: EngineInput): Signed[] {
  switch (input.type) {
    case 'proposal': {
      const p = input.proposal;
      return [{ signer: hexOf(p.proposer), height: headerOf(p.block).height, message: p, key: p.proposer }];
    }
    case 'vote': {
      const v = input.vote;
      const target = hexOf(v.blockHash);
      return [{ signer: hexOf(v.voter), height: v.height, votedFor: target === NIL ? undefined : target, message: v, key: v.voter }];
    }
    case 'ballots':
      return input.ballots.map(signedBallot);
    case 'call':
      return [{ signer: hexOf(input.call.proposer), height: input.call.height, message: input.call, key: input.call.proposer }];
    default:
      return [];
  }
}

const signedBallot = (b: TxSetBallot): Signed => ({ signer: hexOf(b.voter), height: b.height, message: b, key: b.voter });
