/**
 * Algorithm 1's steps: a round starts, its proposer proposes, this replica prevotes and precommits, the
 * upon-rules fire, and timers move it on.
 */
import { blockHash, buildBlock, headerOf } from '../../core/block.js';
import { type Hex, fromHex, toHex } from '../../core/bytes.js';
import { signProposal, signVote } from '../../core/votes.js';
import { Vote } from '../../core/wire/posplus.js';
import { NIL } from './vote-tally.js';
import { type Upon, decidedUnheld, nextUpon, polkaTag } from './upon-rules.js';
import type { EngineCore } from './engine-core.js';

function timeout(e: EngineCore, base: number, round: number): number {
  return base + round * e.timeouts.roundDeltaMs;
}

export function startRound(e: EngineCore, round: number, now: number): void {
  e.h.round = round;
  e.h.step = 'propose';
  e.timers.cancel('start');
  // The round-0 proposer first runs the height's transaction-set vote, and proposes when it is ready.
  const txSet = e.rules.txSet;
  if (txSet !== undefined && e.h.txSetStartedAt === undefined) e.h.txSetStartedAt = now;
  pollTxSet(e, now);
  if (txSet === undefined || round !== 0 || !e.isProposer(0)) propose(e, round, now);
  e.schedule('propose', round, now + timeout(e, e.timeouts.proposeMs, round));
  armResend(e, now);
}

/** Asks the transaction-set vote what to do now; the round-0 proposer proposes once it says ready. */
export function pollTxSet(e: EngineCore, now: number): void {
  const txSet = e.rules.txSet;
  const proposer = e.isProposer(0);
  if (txSet === undefined || e.h.txSetStartedAt === undefined || (proposer && e.h.proposals.has(0))) return;
  const poll = txSet.poll(e.chain, now, e.h.txSetStartedAt, proposer);
  e.out.publish.push(...poll.publish);
  e.timers.cancel('ready');
  if (poll.ready && proposer && e.h.round === 0 && e.h.step === 'propose') propose(e, 0, now);
  else if (poll.wakeAt !== undefined) e.schedule('ready', 0, poll.wakeAt);
}

function propose(e: EngineCore, round: number, now: number): void {
  if (e.isProposer(round) && !e.h.proposals.has(round)) {
    const block =
      e.h.validBlock ?? buildBlock(e.chain.params.chainId, e.chain.key, e.chain.buildContent(now, round, e.rules.txSet?.select(e.chain)));
    // The proof of lock travels with the block (see onProposal): the prevotes that made it our valid block.
    const pol = e.h.validBlock ? (e.h.votes.get(e.h.validRound)?.prevotes.votesFor(toHex(blockHash(headerOf(block)))) ?? []) : [];
    const proposal = signProposal(e.chain.params.chainId, e.chain.key, { block, round, validRound: e.h.validRound, pol });
    e.h.proposals.set(round, { proposal, block, hash: toHex(blockHash(headerOf(block))), valid: true });
    e.rules.observer?.proposed(e.height, toHex(blockHash(headerOf(block))), now);
    e.h.ownProposals.push(proposal);
    e.recordWal();
    e.out.publish.push({ kind: 'proposal', proposal });
  }
}

/** Restarts the no-progress clock; called whenever the round moves or a new message counts. */
export function armResend(e: EngineCore, now: number): void {
  e.timers.cancel('resend');
  e.resends = 0;
  if (e.h.step !== 'idle') e.schedule('resend', e.h.round, now + e.timeouts.resendMs);
}

function resend(e: EngineCore, now: number): void {
  e.resends++;
  const ofRound = (r: number): boolean => r === e.h.round;
  for (const proposal of e.h.ownProposals) if (ofRound(proposal.round)) e.out.publish.push({ kind: 'proposal', proposal, resend: e.resends });
  for (const vote of e.h.ownVotes) if (ofRound(vote.round)) e.out.publish.push({ kind: 'vote', vote, resend: e.resends });
  e.schedule('resend', e.h.round, now + e.timeouts.resendMs * Math.min(8, 2 ** e.resends));
}

function castVote(e: EngineCore, type: Vote.Type, hash: Hex, now: number): void {
  const tally = e.h.tallyOf(type, e.h.round);
  if (!e.isValidator || tally.has(e.selfKey)) return; // never sign twice for one (height, round, type)
  const vote = signVote(e.chain.params.chainId, e.chain.key, {
    type,
    height: e.height,
    round: e.h.round,
    blockHash: hash === NIL ? new Uint8Array(0) : fromHex(hash),
  });
  tally.add(vote, e.validatorSet.weightOf(e.selfKey));
  e.h.ownVotes.push(vote);
  e.recordWal();
  e.routing.send(vote, now);
}

function prevote(e: EngineCore, hash: Hex, now: number): void {
  e.h.step = 'prevote';
  castVote(e, Vote.Type.PREVOTE, hash, now);
  if (hash === NIL) showLock(e);
}

/**
 * A locked replica that prevotes nil shows every validator the polka it locked on. That polka may have reached
 * no one else (its collector crashed, or lost the bundle): then no proposer re-proposes the block, this replica
 * prevotes nil in every later round, and a network that needs its vote never decides again.
 */
function showLock(e: EngineCore): void {
  const polka = e.h.lockPolka();
  if (polka.length > 0) e.out.publish.push({ kind: 'votes', votes: polka });
}

function precommit(e: EngineCore, hash: Hex, now: number): void {
  e.h.step = 'precommit';
  castVote(e, Vote.Type.PRECOMMIT, hash, now);
}

/** Applies the upon-rules of Algorithm 1 until none fires, then arms the timers of the step it ends in. */
export function evaluate(e: EngineCore, now: number): void {
  for (let guard = 0; guard < 1000; guard++) {
    const upon = nextUpon(e.h, e.validatorSet);
    if (upon === undefined) break;
    apply(e, upon, now);
  }
  if (decidedUnheld(e.h, e.validatorSet)) e.out.behindUntil = e.height;
  armStepTimers(e, now);
}

function apply(e: EngineCore, upon: Upon, now: number): void {
  switch (upon.kind) {
    case 'decide':
      return e.commit(upon.block, upon.round, upon.precommits, now, !upon.certified && e.isProposer(upon.round));
    case 'skip':
      return startRound(e, upon.round, now);
    case 'prevote':
      return prevote(e, upon.hash, now);
    case 'precommitNil':
      return precommit(e, NIL, now);
    case 'latePolka':
      e.h.validRound = upon.round;
      e.h.validBlock = upon.block;
      return;
    case 'polka':
      e.h.once(polkaTag(upon.round));
      e.h.validRound = upon.round;
      e.h.validBlock = upon.block;
      if (e.h.step !== 'prevote') return;
      e.h.lockedRound = upon.round;
      e.h.lockedBlock = upon.block;
      return precommit(e, upon.hash, now);
  }
}

/**
 * Algorithm 1 arms these two timeouts only once >2/3 of the votes of the step arrived, which assumes every
 * vote is eventually delivered (Tendermint re-gossips votes until they are). Our transport may lose a vote
 * for good (message loss, partitions): a replica that then never sees >2/3 has no timer left and waits
 * forever, and once every replica is in that state the chain halts for good (found by the 20%-loss and 2/2
 * split simulations). So each timer is also armed on entering its step. Timeouts only ever lead to nil
 * votes and later rounds, which Tendermint's safety argument allows at any time.
 */
function armStepTimers(e: EngineCore, now: number): void {
  const { step, round } = e.h;
  if (step === 'idle') return;
  if (step === 'prevote' && e.h.once(`prevote-timer/${round}`)) e.schedule('prevote', round, now + timeout(e, e.timeouts.prevoteMs, round));
  if ((step === 'precommit' || e.validatorSet.isQuorum(e.h.tallies(round).precommits.weight)) && e.h.once(`precommit-timer/${round}`)) {
    e.schedule('precommit', round, now + timeout(e, e.timeouts.precommitMs, round));
  }
}

export function fireTimers(e: EngineCore, now: number): void {
  for (const t of e.timers.takeDue(now)) {
    if (t.kind === 'start') {
      if (e.h.step === 'idle') startRound(e, e.h.round, now);
    } else if (t.kind === 'relay') {
      e.out.publish.push(...(e.rules.txSet?.flushRelay?.(e.chain) ?? []));
    } else if (t.kind === 'ready') {
      pollTxSet(e, now);
    } else if (t.kind === 'resend') {
      if (t.round === e.h.round && e.h.step !== 'idle') resend(e, now);
    } else if (t.kind === 'collect') {
      // The step has not moved since our vote went to the collector: every validator gets it now.
      const pending = e.h.collector.pending;
      if (pending?.round === e.h.round && pending.step === e.h.step) e.routing.fallBack(pending.round);
    } else if (t.round === e.h.round) {
      if (t.kind === 'propose' && e.h.step === 'propose') prevote(e, NIL, now);
      else if (t.kind === 'prevote' && e.h.step === 'prevote') precommit(e, NIL, now);
      else if (t.kind === 'precommit') startRound(e, e.h.round + 1, now);
    }
    evaluate(e, now);
  }
}
