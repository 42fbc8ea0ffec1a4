import { addressOf } from '../../core/address.js';
import { type Block, blockHash, headerOf } from '../../core/block.js';
import { type Hex, toHex } from '../../core/bytes.js';
import type { ChainState } from '../../core/chain-state.js';
import type { Prng } from '../../core/prng.js';
import { signTx, transferBody } from '../../core/tx.js';
import type { Proposal, Vote } from '../../core/wire/posplus.js';
import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs, slotOf } from './misbehavior.js';
import { proposalOf, rebuildBlock, voteFor } from './resign.js';

/** How an invalid proposer breaks its block. */
export type InvalidBlockKind =
  /** A state root that no execution of the block gives. */
  | 'state-root'
  /** An extra transfer from this replica whose signature does not verify. */
  | 'bad-signature'
  /**
   * One of the block's own transactions with its signature broken (a new bad transfer if it has none). Its id
   * does not change (an id leaves the signature out), so it tests that a replica which verified the original
   * still checks the copy.
   */
  | 'forged-signature'
  /** An extra, properly signed transfer from this replica of more than its balance. */
  | 'overspend'
  /** A timestamp far beyond every honest clock. */
  | 'future-timestamp';

export const INVALID_BLOCK_KINDS: readonly InvalidBlockKind[] = ['state-root', 'bad-signature', 'forged-signature', 'overspend', 'future-timestamp'];

/** A copy of `signature` with one byte changed. */
function corrupt(signature: Uint8Array, prng: Prng): Uint8Array {
  const out = new Uint8Array(signature);
  out[prng.int(out.length)] ^= 1 + prng.int(255);
  return out;
}

/** The block the engine made, broken in one way, signed by this replica. */
function breakBlock(chain: ChainState, block: Block, kind: InvalidBlockKind, prng: Prng): Block {
  const h = headerOf(block);
  const chainId = chain.params.chainId;
  const self = chain.key.publicKey;
  const account = chain.account(addressOf(self));
  // After the engine's own transactions from this account, if the block holds any.
  const nonce = account.nonce + block.txs.filter((tx) => toHex(tx.sender) === toHex(self)).length;
  switch (kind) {
    case 'state-root':
      return rebuildBlock(chain, block, { stateRoot: prng.bytes(32) });
    case 'bad-signature': {
      const tx = signTx(chainId, chain.key, transferBody(prng.bytes(20), 1, nonce));
      return rebuildBlock(chain, block, { txs: [...block.txs, { ...tx, signature: corrupt(tx.signature, prng) }] });
    }
    case 'forged-signature': {
      if (block.txs.length === 0) return breakBlock(chain, block, 'bad-signature', prng);
      const k = prng.int(block.txs.length);
      const txs = block.txs.map((tx, i) => (i === k ? { ...tx, signature: corrupt(tx.signature, prng) } : tx));
      return rebuildBlock(chain, block, { txs });
    }
    case 'overspend': {
      const tx = signTx(chainId, chain.key, transferBody(prng.bytes(20), account.balance + 1 + prng.int(1_000), nonce));
      return rebuildBlock(chain, block, { txs: [...block.txs, tx] });
    }
    case 'future-timestamp':
      return rebuildBlock(chain, block, { timestamp: h.timestamp + 3_600_000 + prng.int(1_000) });
  }
}

export interface InvalidProposerOptions {
  /** The ways to break a block, one drawn per proposal (default: all of INVALID_BLOCK_KINDS). */
  kinds?: readonly InvalidBlockKind[];
}

/**
 * DESIGN §6 `invalidblock`: whenever this replica is the rightful proposer, the block it proposes breaks a
 * rule (see InvalidBlockKind), properly signed, and it votes for that block where its engine voted for the
 * block it made. A re-proposal of an earlier round's block is replaced too. One broken proposal per round,
 * the same one on every resend.
 */
export function invalidProposer(prng: Prng, options: InvalidProposerOptions = {}): Misbehavior {
  const kinds = options.kinds ?? INVALID_BLOCK_KINDS;
  /** `height/round` → the block the engine made and the broken proposal sent instead. */
  const forged = new Map<string, { honest: Hex; proposal: Proposal; hash: Hex }>();
  const votes = new Map<string, Vote>();
  return {
    outbound(msg: Outbound, ctx): Envelope[] {
      const chain = ctx.chain;
      if (msg.kind === 'proposal') {
        const block = msg.proposal.block!;
        const slot = slotOf(headerOf(block).height, msg.proposal.round);
        let f = forged.get(slot);
        if (f === undefined) {
          const broken = breakBlock(chain, block, prng.pick(kinds), prng);
          f = { honest: toHex(blockHash(headerOf(block))), proposal: proposalOf(chain, broken, msg.proposal.round), hash: toHex(blockHash(headerOf(broken))) };
          forged.set(slot, f);
        }
        return [{ to: ctx.peers, msg: { kind: 'proposal', proposal: f.proposal, resend: msg.resend } }];
      }
      if (msg.kind === 'vote') {
        const vote = msg.vote;
        const f = forged.get(slotOf(vote.height, vote.round));
        if (f !== undefined && toHex(vote.blockHash) === f.honest) {
          const key = `${vote.type}/${slotOf(vote.height, vote.round)}`;
          let forgedVote = votes.get(key);
          if (forgedVote === undefined) {
            forgedVote = voteFor(chain, vote, f.hash);
            votes.set(key, forgedVote);
          }
          return [{ to: ctx.peers, msg: { kind: 'vote', vote: forgedVote, resend: msg.resend } }];
        }
      }
      return asIs(msg, ctx);
    },
  };
}
