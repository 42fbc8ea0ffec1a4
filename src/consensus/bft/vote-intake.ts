/**
 * Votes of the height being decided (one at a time, a collector's bundle, the proof of lock a proposal carries)
 * and precommits of the height just decided.
 */
import type { Hex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { Proposal } from '../../core/wire/posplus.js';
import { Vote } from '../../core/wire/posplus.js';
import type { EngineInput } from '../engine.js';
import { checkBundle, checkProofOfLock, checkRoundInReach, checkedWeight } from './vote-checks.js';
import { reportEquivocation } from './evidence-intake.js';
import { startRound, armResend } from './round-steps.js';
import type { EngineCore } from './engine-core.js';

/**
 * A re-proposed block (validRound >= 0) may only be prevoted by a replica that holds >2/3 prevotes for it in
 * validRound. Those prevotes were gossiped rounds ago and are never sent again, so a replica that lost them
 * (message loss, a partition, its own restart) could never accept the block, while the replicas locked on it
 * accept nothing else: with the weight split that way the height never ends (found by the crash-and-restart
 * and 20%-loss simulations). So the proposal carries that proof (Proposal.pol), and it is counted here like
 * any other vote. A wrong proof is the proposer's fault and rejects the proposal.
 */
export function recordProofOfLock(e: EngineCore, p: Proposal, hash: Hex, now: number): void {
  const { verdict, reason } = e.out;
  for (const { vote, weight } of checkProofOfLock(e.chain.params.chainId, p, e.height, hash, e.validatorSet)) record(e, vote, weight, now, true);
  // Counting the proof must not change how the proposal itself is judged (a known vote is no fault of it).
  e.out.verdict = verdict;
  e.out.reason = reason;
}

export function onVote(e: EngineCore, vote: Vote, input: EngineInput): void {
  if (e.late?.height === vote.height) return onLate(e, [vote], input.now);
  if (!e.heightGate(vote.height, input)) return;
  checkRoundInReach('vote', vote.round, e.h.round);
  const weight = checkedWeight(e.chain.params.chainId, vote, e.validatorSet);
  noteIfSignedElsewhere(e, vote);
  record(e, vote, weight, input.now);
  if (e.h.step === 'idle') startRound(e, e.h.round, input.now);
}

/** Says so in the Ready when `vote` carries this replica's key but is not its own (see Ready.keyInUseElsewhere). */
function noteIfSignedElsewhere(e: EngineCore, vote: Vote): void {
  if (!e.h.signedElsewhere(vote, e.chain.key.publicKey)) return;
  e.out.keyInUseElsewhere = `another node signs with this node's key: it sent a ${vote.type === Vote.Type.PREVOTE ? 'prevote' : 'precommit'} for height ${vote.height} round ${vote.round} that this node never signed`;
}

/**
 * A collector's bundle: the votes of one (height, round, type). Each vote is checked and counted on its own,
 * and the observer hears of each voter only once its signature verified: a bundle with a forged vote must
 * not count against the validator it names.
 */
export function onVotes(e: EngineCore, votes: Vote[], input: EngineInput): void {
  const first = checkBundle(votes, e.validatorSet);
  if (e.late?.height === first.height) return onLate(e, votes, input.now);
  if (!e.heightGate(first.height, input)) return;
  checkRoundInReach('vote', first.round, e.h.round);
  let fresh = false;
  for (const vote of votes) {
    const weight = checkedWeight(e.chain.params.chainId, vote, e.validatorSet);
    noteIfSignedElsewhere(e, vote);
    e.out.verdict = 'accept';
    record(e, vote, weight, input.now);
    e.feed?.vote(vote, input.now, e.out.verdict);
    // An equivocation it carries is its voter's fault, not the bundle's: the evidence is already raised.
    fresh ||= e.out.verdict === 'accept';
  }
  if (first.type === Vote.Type.PREVOTE) e.h.collector.heard.add(first.round);
  e.out.verdict = fresh ? 'accept' : 'ignore';
  if (e.h.step === 'idle') startRound(e, e.h.round, input.now);
}

/**
 * Precommits of the height just decided: each one for the decided block that is new widens the certificate the
 * next block carries. A round's collector passes them on to the next height's round-0 proposer, who would
 * otherwise never hear them (they climb to the collector alone).
 */
function onLate(e: EngineCore, votes: readonly Vote[], now: number): void {
  const late = e.late!;
  const fresh: Vote[] = [];
  for (const vote of votes) {
    const { added, conflict } = late.add(e.chain.params.chainId, vote);
    if (added) fresh.push(vote);
    if (conflict) reportEquivocation(e, conflict, vote, now);
  }
  // Counted, not relayed: its voter sent it to every validator already, and the height is decided.
  e.out.verdict = 'ignore';
  if (fresh.length === 0) return;
  e.chain.lastCertificate = late.certificate();
  const next = e.proposerOf(0);
  if (e.collectedLate && hexOf(next) !== e.selfKey) for (const vote of fresh) e.out.publish.push({ kind: 'vote', vote, to: next });
}

function record(e: EngineCore, vote: Vote, weight: number, now: number, proof = false): void {
  const tally = e.h.tallyOf(vote.type, vote.round);
  const { added, conflict } = proof ? tally.addToProof(vote, weight) : tally.add(vote, weight);
  if (conflict) {
    reportEquivocation(e, conflict, vote, now);
    e.out.verdict = 'reject';
    e.out.reason = 'equivocating vote';
  } else if (!added) {
    e.out.verdict = 'ignore';
  } else if (vote.round === e.h.round) {
    armResend(e, now);
  }
}
