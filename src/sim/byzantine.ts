import { blockHash, buildBlock, headerOf } from '../core/block.js';
import { type Hex, fromHex, toHex } from '../core/bytes.js';
import { signProposal, signVote } from '../core/votes.js';
import type { Outbound } from '../consensus/engine.js';
import type { Prng } from './prng.js';
import type { Behaviour, BehaviourContext, Envelope } from './replica-network.js';

export interface EquivocatorOptions {
  /** Also sign a second, different block whenever this replica proposes (default true). */
  proposals?: boolean;
}

/**
 * A byzantine replica that runs an honest engine for bookkeeping but splits its peers in two for every vote:
 * one half gets the vote the engine made, the other half a second vote for the same height, round and type
 * with a different block hash (nil, another proposed block, or a block that does not exist). As proposer it
 * also sends two different blocks to the two halves. Every message is properly signed, so only comparing
 * votes across replicas exposes it.
 */
export function equivocator(prng: Prng, options: EquivocatorOptions = {}): Behaviour {
  const proposals = options.proposals ?? true;
  /** `h/r` → the block hashes this replica has seen or made for that round. */
  const known = new Map<string, Hex[]>();
  const note = (height: number, round: number, hash: Hex): void => {
    const list = known.get(`${height}/${round}`) ?? [];
    if (!list.includes(hash)) list.push(hash);
    known.set(`${height}/${round}`, list);
  };

  const split = (peers: readonly number[]): [number[], number[]] => {
    const shuffled = prng.shuffle(peers);
    const cut = 1 + prng.int(Math.max(1, shuffled.length - 1));
    return [shuffled.slice(0, cut), shuffled.slice(cut)];
  };

  return {
    inbound(msg: Outbound): boolean {
      if (msg.kind === 'proposal') {
        const h = headerOf(msg.proposal.block);
        note(h.height, msg.proposal.round, toHex(blockHash(h)));
      }
      return true;
    },

    outbound(msg: Outbound, ctx: BehaviourContext): Envelope[] {
      const chain = ctx.replica.chain;
      const chainId = chain.params.chainId;
      const [a, b] = split(ctx.peers);
      if (msg.kind === 'proposal') {
        const block = msg.proposal.block!;
        const h = headerOf(block);
        note(h.height, msg.proposal.round, toHex(blockHash(h)));
        if (!proposals) return [{ to: ctx.peers, msg }];
        const twin = buildBlock(chainId, chain.key, {
          height: h.height,
          round: h.round,
          prevHash: h.prevHash,
          timestamp: h.timestamp + 1 + prng.int(5),
          txs: block.txs,
          evidence: block.evidence,
          stateRoot: h.stateRoot,
        });
        note(h.height, msg.proposal.round, toHex(blockHash(headerOf(twin))));
        const other = signProposal(chainId, chain.key, { block: twin, round: msg.proposal.round, validRound: -1, pol: [] });
        return [
          { to: a, msg },
          { to: b, msg: { kind: 'proposal', proposal: other } },
        ];
      }
      if (msg.kind !== 'vote') return [{ to: ctx.peers, msg }];
      const vote = msg.vote;
      const honest = toHex(vote.blockHash);
      const rivals = (known.get(`${vote.height}/${vote.round}`) ?? []).filter((x) => x !== honest);
      let alt: Hex;
      if (rivals.length > 0 && prng.chance(0.7)) alt = prng.pick(rivals);
      else if (honest !== '' && prng.chance(0.5)) alt = '';
      else alt = toHex(prng.bytes(32));
      const second = signVote(chainId, chain.key, {
        type: vote.type,
        height: vote.height,
        round: vote.round,
        blockHash: alt === '' ? new Uint8Array(0) : fromHex(alt),
      });
      return [
        { to: a, msg },
        { to: b, msg: { kind: 'vote', vote: second } },
      ];
    },
  };
}
