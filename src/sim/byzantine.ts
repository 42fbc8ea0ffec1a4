import { addressOf } from '../core/address.js';
import { type Block, type BlockContent, blockHash, buildBlock, headerOf } from '../core/block.js';
import { type Hex, fromHex, toHex } from '../core/bytes.js';
import type { ChainState } from '../core/chain-state.js';
import { signTx, transferBody } from '../core/tx.js';
import { signProposal, signVote } from '../core/votes.js';
import type { Proposal, Vote } from '../core/wire/posplus.js';
import { NIL } from '../consensus/bft/vote-tally.js';
import type { Outbound } from '../consensus/engine.js';
import type { Prng } from '../core/prng.js';
import type { Behaviour, BehaviourContext, Envelope } from './replica-network.js';

/**
 * Byzantine behaviours for the replica network (DESIGN §6). Each runs the replica's honest engine for its
 * bookkeeping and rewrites only what leaves the replica, so every message it sends is properly signed by it:
 * nothing here can be rejected for a bad signature, only for what it says.
 */

/** Everything unchanged, to every peer. */
const asIs = (msg: Outbound, ctx: BehaviourContext): Envelope[] => [{ to: ctx.peers, msg }];

const slotOf = (height: number, round: number): string => `${height}/${round}`;

/** The block hashes a replica has seen or made for each (height, round), from the proposals it handles. */
function proposalBook() {
  const known = new Map<string, Hex[]>();
  const note = (height: number, round: number, hash: Hex): void => {
    const list = known.get(slotOf(height, round)) ?? [];
    if (!list.includes(hash)) list.push(hash);
    known.set(slotOf(height, round), list);
  };
  return {
    note,
    see(msg: Outbound): void {
      if (msg.kind !== 'proposal') return;
      const h = headerOf(msg.proposal.block);
      note(h.height, msg.proposal.round, toHex(blockHash(h)));
    },
    hashes: (height: number, round: number): readonly Hex[] => known.get(slotOf(height, round)) ?? [],
  };
}

/** A vote like `vote` (type, height, round) for another block hash ('' = nil), signed by this replica. */
function voteFor(chain: ChainState, vote: Vote, hash: Hex): Vote {
  return signVote(chain.params.chainId, chain.key, {
    type: vote.type,
    height: vote.height,
    round: vote.round,
    blockHash: hash === NIL ? new Uint8Array(0) : fromHex(hash),
  });
}

/**
 * `block` with some of its content replaced, signed again by this replica. Everything the patch leaves alone is
 * copied, including the parent's certificate and whatever else the block carries, so the copy breaks no rule
 * the patch does not break.
 */
function rebuildBlock(chain: ChainState, block: Block, patch: Partial<BlockContent>): Block {
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
function proposalOf(chain: ChainState, block: Block, round: number): Proposal {
  return signProposal(chain.params.chainId, chain.key, { block, round, validRound: -1, pol: [] });
}

export interface EquivocatorOptions {
  /** Also sign a second, different block whenever this replica proposes (default true). */
  proposals?: boolean;
  /**
   * Peers that always get the engine's message; every other peer gets the second one. Without it the peers are
   * split at random for every message; with it the equivocation is aimed at a known partition of the network.
   */
  side?: readonly number[];
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
  const book = proposalBook();

  const split = (peers: readonly number[]): [number[], number[]] => {
    if (options.side !== undefined) return [peers.filter((p) => options.side!.includes(p)), peers.filter((p) => !options.side!.includes(p))];
    const shuffled = prng.shuffle(peers);
    const cut = 1 + prng.int(Math.max(1, shuffled.length - 1));
    return [shuffled.slice(0, cut), shuffled.slice(cut)];
  };

  return {
    inbound(msg: Outbound): boolean {
      book.see(msg);
      return true;
    },

    outbound(msg: Outbound, ctx: BehaviourContext): Envelope[] {
      const chain = ctx.replica.chain;
      const [a, b] = split(ctx.peers);
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
      if (msg.kind !== 'vote') return asIs(msg, ctx);
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

/**
 * DESIGN §6 `falsevote`: "yes for invalid, abstain for valid". Where the honest engine would vote for a block
 * (it found the proposal valid), this replica votes nil, or for some other block; where the engine votes nil
 * (the proposal was invalid, late, or locked out), it votes for a proposal of that round anyway, or for a block
 * that does not exist. It sends one vote per (type, height, round) to everyone, the same one on every resend,
 * so it never equivocates: only what it votes for is false.
 */
export function falseVoter(prng: Prng): Behaviour {
  const book = proposalBook();
  /** `type/height/round` → the vote sent instead of the engine's. */
  const lies = new Map<string, Vote>();
  return {
    inbound(msg: Outbound): boolean {
      book.see(msg);
      return true;
    },

    outbound(msg: Outbound, ctx: BehaviourContext): Envelope[] {
      book.see(msg);
      if (msg.kind !== 'vote') return asIs(msg, ctx);
      const vote = msg.vote;
      const slot = `${vote.type}/${slotOf(vote.height, vote.round)}`;
      let lie = lies.get(slot);
      if (lie === undefined) {
        const honest = toHex(vote.blockHash);
        const proposed = book.hashes(vote.height, vote.round);
        let hash: Hex;
        if (honest !== NIL) {
          const others = proposed.filter((x) => x !== honest);
          hash = prng.chance(0.6) ? NIL : others.length > 0 ? prng.pick(others) : toHex(prng.bytes(32));
        } else {
          hash = proposed.length > 0 && prng.chance(0.8) ? prng.pick(proposed) : toHex(prng.bytes(32));
        }
        lie = voteFor(ctx.replica.chain, vote, hash);
        lies.set(slot, lie);
      }
      return [{ to: ctx.peers, msg: { kind: 'vote', vote: lie, resend: msg.resend } }];
    },
  };
}

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
export function invalidProposer(prng: Prng, options: InvalidProposerOptions = {}): Behaviour {
  const kinds = options.kinds ?? INVALID_BLOCK_KINDS;
  /** `height/round` → the block the engine made and the broken proposal sent instead. */
  const forged = new Map<string, { honest: Hex; proposal: Proposal; hash: Hex }>();
  const votes = new Map<string, Vote>();
  return {
    outbound(msg: Outbound, ctx: BehaviourContext): Envelope[] {
      const chain = ctx.replica.chain;
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

/**
 * DESIGN §6 `offline` narrowed to one duty: in every round where this replica is the rightful proposer it sends
 * nothing at all (no proposal, no votes, no resends); in every other round it behaves. A round is recognised
 * by the proposal its engine makes for it, which comes before any vote of that round (NCCA's transaction-set
 * ballots go out at the start of a height, before the engine proposes, so those still leave).
 */
export function silentProposer(): Behaviour {
  const muted = new Set<string>();
  return {
    outbound(msg: Outbound, ctx: BehaviourContext): Envelope[] {
      if (msg.kind === 'proposal') {
        muted.add(slotOf(headerOf(msg.proposal.block).height, msg.proposal.round));
        return [];
      }
      if (msg.kind === 'vote' && muted.has(slotOf(msg.vote.height, msg.vote.round))) return [];
      return asIs(msg, ctx);
    },
  };
}
