import { answersCall, ballotKey, signBallot } from '../../core/ballots.js';
import { type Hex, bytesEqual, toHex } from '../../core/bytes.js';
import type { ChainState } from '../../core/chain-state.js';
import type { Prng } from '../../core/prng.js';
import { TxSetBallot, type Vote } from '../../core/wire/posplus.js';
import { signMessage } from '../../core/signing.js';
import { NIL } from '../bft/vote-tally.js';
import type { Outbound } from '../engine.js';
import { type Envelope, type Misbehavior, asIs, slotOf } from './misbehavior.js';
import { ProposalBook } from './proposal-book.js';
import { voteFor } from './resign.js';

export interface FalseVoterOptions {
  /** Also lie in NCCA transaction-set ballots (default true). */
  ballots?: boolean;
}

/**
 * DESIGN §6 `falsevote`: "yes for invalid, abstain for valid".
 *
 * Votes: where the honest engine would vote for a block (it found the proposal valid), this replica votes nil,
 * or for some other block; where the engine votes nil (the proposal was invalid, late, or locked out), it votes
 * for a proposal of that round anyway, or for a block that does not exist.
 *
 * Ballots: its own ballot abstains on every transaction it holds. Answering an NCCA call it clears every bit; an
 * RPCA ballot, which names its ids, names one to three that do not exist instead. Signed again by the replica.
 *
 * It sends one vote per (type, height, round) and one ballot per (height, round) to everyone, the same one on
 * every resend, so it never equivocates: only what it votes for is false.
 */
export function falseVoter(prng: Prng, options: FalseVoterOptions = {}): Misbehavior {
  const ballots = options.ballots ?? true;
  const book = new ProposalBook();
  /** `type/height/round` → the vote sent instead of the engine's. */
  const lies = new Map<string, Vote>();
  /** ballotKey → the ballot sent instead of the engine's. */
  const falseBallots = new Map<string, TxSetBallot>();

  const voteLie = (chain: ChainState, vote: Vote): Vote => {
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
      lie = voteFor(chain, vote, hash);
      lies.set(slot, lie);
    }
    return lie;
  };

  /** The replica's own ballot replaced by a false one; ballots of others (relayed in a bundle) are left alone. */
  const ballotLie = (chain: ChainState, ballot: TxSetBallot): TxSetBallot => {
    if (!bytesEqual(ballot.voter, chain.key.publicKey)) return ballot;
    const key = ballotKey(ballot);
    let lie = falseBallots.get(key);
    if (lie === undefined) {
      if (answersCall(ballot)) {
        lie = signMessage(TxSetBallot, chain.key, chain.params.chainId, 'ballot', { ...ballot, bits: new Uint8Array(ballot.bits.byteLength), signature: new Uint8Array(0) });
      } else {
        const invented = Array.from({ length: 1 + prng.int(3) }, () => toHex(prng.bytes(32)));
        lie = signBallot(chain.params.chainId, chain.key, ballot.height, ballot.round as 1 | 2, invented);
      }
      falseBallots.set(key, lie);
    }
    return lie;
  };

  return {
    inbound(input): boolean {
      book.see(input);
      return true;
    },

    outbound(msg: Outbound, ctx): Envelope[] {
      book.see(msg);
      const chain = ctx.chain;
      if (msg.kind === 'vote') return [{ to: ctx.peers, msg: { ...msg, vote: voteLie(chain, msg.vote) } }];
      if (ballots && msg.kind === 'ballot') return [{ to: ctx.peers, msg: { ...msg, ballot: ballotLie(chain, msg.ballot) } }];
      if (ballots && msg.kind === 'bundle') return [{ to: ctx.peers, msg: { ...msg, ballots: msg.ballots.map((b) => ballotLie(chain, b)) } }];
      return asIs(msg, ctx);
    },
  };
}
