import { blockHash, headerOf } from '../../core/block.js';
import { type Hex, bytesEqual, toHex } from '../../core/bytes.js';
import type { Prng } from '../../core/prng.js';
import { NIL } from '../bft/vote-tally.js';
import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, type MisbehaviorContext, asIs, twoSides } from './misbehavior.js';
import { ProposalBook } from './proposal-book.js';
import { ballotTwin, proposalOf, rebuildBlock, voteFor } from './resign.js';

export interface EquivocatorOptions {
  /** Also sign a second, different block whenever this replica proposes (default true). */
  proposals?: boolean;
  /** Sign a second, different vote for every vote (default true). */
  votes?: boolean;
  /**
   * Peers that always get the engine's message; every other peer gets the second one. Without it the peers are
   * split at random for every message; with it the equivocation is aimed at a known partition of the network.
   */
  side?: readonly number[];
}

/**
 * DESIGN §6 `equivocate`: a replica that runs an honest engine for bookkeeping but splits its peers in two for
 * every vote: one half gets the vote the engine made, the other half a second vote for the same height, round
 * and type with a different block hash (nil, another proposed block, or a block that does not exist). As
 * proposer it also sends two different blocks to the two halves, and as an NCCA voter two answers to each call
 * (a ballot for the caller alone goes to it in both versions). Every message is properly signed, so only
 * comparing votes across replicas exposes it. Under `broadcast` both versions go to every peer.
 */
export function equivocator(prng: Prng, options: EquivocatorOptions = {}): Misbehavior {
  const proposals = options.proposals ?? true;
  const votes = options.votes ?? true;
  const book = new ProposalBook();

  const split = (ctx: MisbehaviorContext): [readonly number[], readonly number[]] => {
    const side = options.side;
    if (side === undefined || ctx.broadcast) return twoSides(ctx, prng);
    return [ctx.peers.filter((p) => side.includes(p)), ctx.peers.filter((p) => !side.includes(p))];
  };

  return {
    inbound(input): boolean {
      book.see(input);
      return true;
    },

    outbound(msg: Outbound, ctx): Envelope[] {
      const chain = ctx.chain;
      const [a, b] = split(ctx);
      if (msg.kind === 'proposal') {
        book.see(msg);
        if (!proposals) return asIs(msg, ctx);
        const block = msg.proposal.block!;
        const h = headerOf(block);
        // The twin differs only in its timestamp, so it is as valid as the block the engine made.
        const twin = rebuildBlock(chain, block, { timestamp: h.timestamp + 1 + prng.int(5) });
        book.note(h.height, msg.proposal.round, toHex(blockHash(headerOf(twin))));
        return [
          { to: a, msg },
          { to: b, msg: { kind: 'proposal', proposal: proposalOf(chain, twin, msg.proposal.round) } },
        ];
      }
      if (msg.kind === 'ballot' && bytesEqual(msg.ballot.voter, chain.key.publicKey) && msg.ballot.bits.byteLength > 0) {
        const [x, y] = msg.to !== undefined ? [ctx.peers, ctx.peers] : [a, b];
        return [
          { to: x, msg },
          { to: y, msg: { ...msg, ballot: ballotTwin(chain, msg.ballot) } },
        ];
      }
      if (msg.kind !== 'vote' || !votes) return asIs(msg, ctx);
      const vote = msg.vote;
      const honest = toHex(vote.blockHash);
      const rivals = book.hashes(vote.height, vote.round).filter((x) => x !== honest);
      let alt: Hex;
      if (rivals.length > 0 && prng.chance(0.7)) alt = prng.pick(rivals);
      else if (honest !== NIL && prng.chance(0.5)) alt = NIL;
      else alt = toHex(prng.bytes(32));
      return [
        { to: a, msg },
        { to: b, msg: { kind: 'vote', vote: voteFor(chain, vote, alt) } },
      ];
    },
  };
}
