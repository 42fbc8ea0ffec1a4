import type { BlockFacts, HeadRecord } from '../../core/chain-state.js';
import type { StateOverlay } from '../../core/ledger.js';
import type { BftRules } from '../bft/bft-rules.js';
import { oneVoteEach } from '../registered.js';
import { roundRobinProposer } from '../round-robin.js';
import { delegatesOf, holdElection, voteOut } from './delegates.js';
import { type DposParams, checkDposParams } from './params.js';

/**
 * DPoS (Larimer, "Delegated Proof-of-Stake", BitShares 2014; EOS.IO Technical White Paper v2, 2018): stakeholders
 * elect K delegates, who take turns producing blocks, one slot each; a block is final once more than 2/3 of the
 * delegates confirmed it (EOS's DPoS-BFT; here the BFT engine's precommits, one vote per delegate).
 *   - Election: the top K by stake-weighted votes (each node's stake votes for itself), rerun in full at the end
 *     of every cycle of K blocks.
 *   - Production: round-robin over the delegates in key order, slot = height + round. EOS v2 produces in a fixed
 *     schedule order like this; BitShares shuffles the order each cycle, but that needs the previous cycle's last
 *     block hash, which the chain state (head only) does not keep — so no shuffle.
 *   - A delegate that misses its slot (a failed round, head.failedProposers) is voted out for the rest of the
 *     cycle, from the next block on, and the next candidate by votes takes its place.
 */
export function dposRules(p: DposParams): BftRules {
  checkDposParams(p);
  return {
    validatorsFor: (chain) => oneVoteEach(delegatesOf(chain.ledger, p)),
    proposerOf: roundRobinProposer,
    afterTxs: (state, block, head) => updateDelegates(state, block, head, p),
  };
}

/** The cycle's re-election first, then the misses of the height before: a miss always costs the next block. */
function updateDelegates(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined, p: DposParams): void {
  if (block.height % p.delegates === 0) holdElection(state, p);
  for (const address of [...new Set(head?.failedProposers ?? [])].sort()) voteOut(state, address, p);
}
