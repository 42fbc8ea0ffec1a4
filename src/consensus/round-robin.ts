import type { ChainState } from '../core/chain-state.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * The proposer of (height, round) in a fixed rotation over the validators in public-key order: member
 * (height + round) mod n. PBFT's primary of view v is v mod n; Ripple and EOS rotate through a fixed list the
 * same way. Every replica computes it from the chain alone, and a failed round hands over to the next member.
 */
export function roundRobinProposer(chain: ChainState, validators: ValidatorSet, round: number): Uint8Array {
  const n = validators.members.length;
  if (n === 0) throw new Error('no validators to propose');
  return validators.members[(chain.head.height + 1 + round) % n]!.publicKey;
}
