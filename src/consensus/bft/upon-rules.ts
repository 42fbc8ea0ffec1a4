import type { Hex } from '../../core/bytes.js';
import { toHex } from '../../core/bytes.js';
import { precommitOf } from '../../core/votes.js';
import type { Block, Vote } from '../../core/wire/posplus.js';
import type { ValidatorSet } from '../validator-set.js';
import type { HeightState } from './height-state.js';
import { NIL } from './vote-tally.js';

/**
 * The next thing Algorithm 1 does at a height, read off what the replica holds. `decide` commits (`round` is the
 * deciding round; `certified` when the quorum came in a certificate rather than our own tally); `skip` starts a
 * later round; `prevote` and `precommitNil` cast; `polka` is the lock rule of `round` (lock, valid value and
 * precommit when still prevoting, only the valid value later); `latePolka` learns an earlier round's polka.
 */
export type Upon =
  | { kind: 'decide'; block: Block; round: number; precommits: Vote[]; certified: boolean }
  | { kind: 'skip'; round: number }
  | { kind: 'prevote'; hash: Hex }
  | { kind: 'polka'; round: number; block: Block; hash: Hex }
  | { kind: 'latePolka'; round: number; block: Block }
  | { kind: 'precommitNil' };

/** The tag that makes the polka rule of a round fire once (HeightState.once). */
export const polkaTag = (round: number): string => `lock/${round}`;

/**
 * The first upon-rule of Algorithm 1 that fires on `h`, in the order the rules are checked; undefined when none
 * does. Pure: the engine applies what it returns and asks again until nothing fires.
 */
export function nextUpon(h: HeightState, vs: ValidatorSet): Upon | undefined {
  // Decide: a proposal plus >2/3 precommits for it in any round, seen here or in a certificate.
  for (const [r, rec] of h.proposals) {
    const tally = h.votes.get(r)?.precommits;
    if (tally && rec.valid && vs.isQuorum(tally.weightFor(rec.hash))) return { kind: 'decide', block: rec.block, round: r, precommits: tally.votesFor(rec.hash), certified: false };
  }
  const cert = h.pendingCertificate;
  const certified = cert && heldValid(h, toHex(cert.blockHash));
  if (cert && certified) return { kind: 'decide', block: certified, round: cert.round, precommits: cert.sigs.map((s) => precommitOf(cert, s)), certified: true };
  if (h.step === 'idle') return undefined;
  // Skip ahead: >1/3 of the weight is already in a later round.
  for (const [r, rv] of h.votes) {
    if (r <= h.round) continue;
    const senders = new Set([...rv.prevotes.voters(), ...rv.precommits.voters()]);
    if (vs.isOneThird([...senders].reduce((sum, k) => sum + vs.weightOf(k), 0))) return { kind: 'skip', round: r };
  }
  const rec = h.proposals.get(h.round);
  const rv = h.votes.get(h.round);
  if (h.step === 'propose' && rec) {
    const vr = rec.proposal.validRound;
    if (vr === -1) return { kind: 'prevote', hash: rec.valid && (h.lockedRound === -1 || h.lockedHash() === rec.hash) ? rec.hash : NIL };
    const prior = h.votes.get(vr)?.prevotes;
    if (vr < h.round && prior && vs.isQuorum(prior.weightFor(rec.hash))) {
      return { kind: 'prevote', hash: rec.valid && (h.lockedRound <= vr || h.lockedHash() === rec.hash) ? rec.hash : NIL };
    }
  }
  if (rec && rec.valid && rv && h.step !== 'propose' && vs.isQuorum(rv.prevotes.weightFor(rec.hash)) && !h.fired(polkaTag(h.round))) {
    return { kind: 'polka', round: h.round, block: rec.block, hash: rec.hash };
  }
  const late = latePolka(h, vs);
  if (late !== undefined) return late;
  if (h.step === 'prevote' && rv && vs.isQuorum(rv.prevotes.weightFor(NIL))) return { kind: 'precommitNil' };
  return undefined;
}

/**
 * A polka of an earlier round that arrived late (a locked replica shows it when it prevotes nil) makes its block
 * our valid block, so that we re-propose it with its proof. Algorithm 1 learns a valid value only in the current
 * round; this is as safe, since a re-proposal is judged by its receivers on the proof alone.
 */
function latePolka(h: HeightState, vs: ValidatorSet): Upon | undefined {
  for (const [r, rv] of h.votes) {
    if (r <= h.validRound || r >= h.round) continue;
    const leader = rv.prevotes.leader();
    if (leader === undefined || leader.hash === NIL || !vs.isQuorum(leader.weight)) continue;
    const held = heldValid(h, leader.hash);
    if (held !== undefined) return { kind: 'latePolka', round: r, block: held };
  }
  return undefined;
}

/**
 * Whether the validators decided a block this replica does not hold (then it should fetch it). With an
 * equivocating proposer it may hold a valid proposal for another block of that round, never accept a second
 * proposal for it, and so would wait forever.
 */
export function decidedUnheld(h: HeightState, vs: ValidatorSet): boolean {
  for (const [r, rv] of h.votes) {
    const leader = rv.precommits.leader();
    const held = h.proposals.get(r);
    if (leader && leader.hash !== NIL && vs.isQuorum(leader.weight) && !(held?.valid && held.hash === leader.hash)) return true;
  }
  return false;
}

/** The block of a valid proposal for `hash` held at this height, in any round. */
export function heldValid(h: HeightState, hash: Hex): Block | undefined {
  for (const rec of h.proposals.values()) if (rec.valid && rec.hash === hash) return rec.block;
  return undefined;
}
