import { addressOf } from '../../core/address.js';
import type { Hex } from '../../core/bytes.js';
import { toHex } from '../../core/bytes.js';
import { InvalidMessage } from '../../core/errors.js';
import { hexOf } from '../../core/object-memo.js';
import { verifyVote } from '../../core/votes.js';
import { type Proposal, Vote } from '../../core/wire/posplus.js';
import type { ValidatorSet } from '../validator-set.js';

/** Rounds ahead of ours a message may be for; anything further is a fault (it would make us keep state for it). */
const MAX_ROUND_AHEAD = 64;

export function checkRoundInReach(kind: string, round: number, current: number): void {
  if (round > current + MAX_ROUND_AHEAD) throw new InvalidMessage(`${kind} round ${round} is too far ahead`);
}

/** The weight of a vote's voter, once it is a validator (cheap, first) and the vote's signature verified. */
export function checkedWeight(chainId: string, vote: Vote, vs: ValidatorSet): number {
  const weight = vs.weightOf(hexOf(vote.voter));
  if (weight === 0) throw new InvalidMessage(`vote from ${addressOf(vote.voter)}, which is not a validator`);
  verifyVote(chainId, vote);
  return weight;
}

/** A collector's bundle holds the votes of one (height, round, type), at most one per validator; returns its first. */
export function checkBundle(votes: readonly Vote[], vs: ValidatorSet): Vote {
  const first = votes[0];
  if (first === undefined) throw new InvalidMessage('an empty vote bundle');
  if (votes.some((v) => v.height !== first.height || v.round !== first.round || v.type !== first.type)) {
    throw new InvalidMessage('a vote bundle mixes heights, rounds or types');
  }
  if (votes.length > vs.members.length) throw new InvalidMessage('a vote bundle holds more votes than there are validators');
  return first;
}

/**
 * A re-proposal's proof of lock: prevotes of validators for its block (`hash`) in its valid round at `height`,
 * each signed. A wrong proof is the proposer's fault and rejects the proposal.
 */
export function checkProofOfLock(chainId: string, p: Proposal, height: number, hash: Hex, vs: ValidatorSet): { vote: Vote; weight: number }[] {
  return p.pol.map((vote) => {
    if (vote.type !== Vote.Type.PREVOTE || vote.height !== height || vote.round !== p.validRound || toHex(vote.blockHash) !== hash) {
      throw new InvalidMessage('proposal proof of lock holds a vote that is not a prevote for its block in its valid round');
    }
    return { vote, weight: checkedWeight(chainId, vote, vs) };
  });
}
