import { type Block, type BlockContent, buildBlock, headerOf } from '../../core/block.js';
import { type Hex, fromHex } from '../../core/bytes.js';
import type { ChainState } from '../../core/chain-state.js';
import { signProposal, signVote } from '../../core/votes.js';
import { signMessage } from '../../core/signing.js';
import { type Proposal, TxSetBallot, type Vote } from '../../core/wire/posplus.js';
import { NIL } from '../bft/vote-tally.js';

/**
 * Messages a misbehaving replica makes in place of its engine's, each properly signed by the replica: nothing
 * it sends can be refused for a bad signature, only for what it says.
 */

/** A vote like `vote` (type, height, round) for another block hash ('' = nil), signed by this replica. */
export function voteFor(chain: ChainState, vote: Vote, hash: Hex): Vote {
  return signVote(chain.params.chainId, chain.key, {
    type: vote.type,
    height: vote.height,
    round: vote.round,
    blockHash: hash === NIL ? new Uint8Array(0) : fromHex(hash),
  });
}

/** An answer to the same call as `ballot` with its first bit turned over, signed by this replica. */
export function ballotTwin(chain: ChainState, ballot: TxSetBallot): TxSetBallot {
  const bits = Uint8Array.from(ballot.bits);
  bits[0]! ^= 1;
  return signMessage(TxSetBallot, chain.key, chain.params.chainId, 'ballot', { ...ballot, bits, signature: new Uint8Array(0) });
}

/**
 * `block` with some of its content replaced, signed again by this replica. Everything the patch leaves alone is
 * copied, including the parent's certificate and whatever else the block carries, so the copy breaks no rule
 * the patch does not break.
 */
export function rebuildBlock(chain: ChainState, block: Block, patch: Partial<BlockContent>): Block {
  const { header: _header, signature: _signature, ...body } = block;
  const h = headerOf(block);
  const content: BlockContent = {
    ...body,
    height: h.height,
    round: h.round,
    prevHash: h.prevHash,
    timestamp: h.timestamp,
    stateRoot: h.stateRoot,
    ...patch,
  };
  return buildBlock(chain.params.chainId, chain.key, content);
}

/** A proposal of `block` for `round` with no proof of lock, signed by this replica. */
export function proposalOf(chain: ChainState, block: Block, round: number): Proposal {
  return signProposal(chain.params.chainId, chain.key, { block, round, validRound: -1, pol: [] });
}
