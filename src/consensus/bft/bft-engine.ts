import { addressOf } from '../../core/address.js';
import { blockHash, buildBlock, headerOf } from '../../core/block.js';
import { type Hex, bytesEqual, fromHex, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { ChainState, HeadRecord } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { evidenceId, makeConflictingBallotsEvidence, makeConflictingBlocksEvidence, makeEquivocationEvidence, proveInvalidBlock, verifyEvidence } from '../../core/evidence.js';
import { precommitOf, signProposal, signVote, verifyProposalSignature } from '../../core/votes.js';
import type { Block, Certificate, CertifiedBlock, Evidence, Proposal, Tx, TxSetBallot } from '../../core/wire/posplus.js';
import { Vote } from '../../core/wire/posplus.js';
import type { Engine, EngineInput, EngineName, EngineStatus, Outbound, Ready, Role, ValidatorView, Verdict } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import type { BftRules, BftTimeouts, TxSetInput } from './bft-rules.js';
import { certificateOf, checkCertificate } from './certificate-check.js';
import { EngineTimers, type TimerKind } from './engine-timers.js';
import { NIL } from './vote-tally.js';
import { HeightState } from './height-state.js';
import { readWal, setWal } from './wal-record.js';
import { validatorViews } from './engine-views.js';
import { FutureInputs } from './future-inputs.js';
import { ObserverFeed } from './observer-feed.js';
import { EvidenceOutbox } from './evidence-outbox.js';
import { VoteRouting } from './vote-routing.js';
import { LateCommit } from './late-commit.js';
import { checkBundle, checkProofOfLock, checkRoundInReach, checkedWeight } from './vote-checks.js';
import { type Upon, decidedUnheld, heldValid, nextUpon, polkaTag } from './upon-rules.js';

const RECENT_PROPOSERS = 16;
/** Heights a transaction may stay pending before this replica gossips it again (see Mempool.lingering). */
const RESEND_TXS_AFTER = 2;

/**
 * Tendermint's round-based BFT ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic 2018,
 * Algorithm 1) over weighted validators. Prevotes lock a block; a node only prevotes another block when a
 * later round shows a >2/3 prevote quorum for it, so no two blocks can both gather >2/3 precommits at one
 * height while faulty weight stays under 1/3 — across any number of rounds and proposer timeouts.
 */
export class BftEngine implements Engine {
  private readonly selfKey: Hex;
  private validatorSet!: ValidatorSet;
  /** The height being decided; `enterHeight` makes a new one. */
  private h = new HeightState();
  private timers = new EngineTimers();
  private readonly evidenceOut: EvidenceOutbox;
  private readonly feed: ObserverFeed | undefined;
  private readonly future = new FutureInputs();
  /** The decided height's certificate, taking precommits that come after its quorum. */
  private late: LateCommit | undefined;
  /** Whether this replica collected the votes of the decided round (and so hears the late precommits alone). */
  private collectedLate = false;
  private recentProposers: { height: number; proposer: string }[] = [];
  private resends = 0;
  private out!: Ready;
  private readonly routing: VoteRouting;

  constructor(
    readonly name: EngineName,
    readonly chain: ChainState,
    private readonly rules: BftRules,
    private readonly timeouts: BftTimeouts,
    wal?: Uint8Array,
  ) {
    this.selfKey = toHex(chain.key.publicKey);
    this.evidenceOut = new EvidenceOutbox(chain.key.publicKey);
    this.feed = rules.observer && new ObserverFeed(rules.observer);
    this.routing = new VoteRouting({
      selfKey: this.selfKey,
      collectVotes: rules.collectVotes === true,
      height: () => this.h,
      validators: () => this.validatorSet,
      isValidator: () => this.isValidator,
      proposerOf: (round) => this.proposerOf(round),
      publish: (out) => void this.out.publish.push(out),
      armCollect: (round, now) => this.schedule('collect', round, now + this.timeouts.collectMs),
    });
    this.enterHeight();
    if (wal !== undefined) this.restore(wal);
  }

  private get height(): number {
    return this.chain.head.height + 1;
  }

  private get isValidator(): boolean {
    return this.validatorSet.weightOf(this.selfKey) > 0;
  }

  // ------------------------------------------------------------------ inputs

  step(input: EngineInput): Ready {
    this.out = { publish: [], commits: [], txStatuses: [], evidence: [], verdict: 'accept' };
    try {
      this.dispatch(input);
      this.evaluate(input.now);
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
      this.out.verdict = 'reject';
      this.out.reason = err.reason;
    }
    this.routing.collect();
    for (const evidence of this.evidenceOut.due(input.now)) this.out.publish.push({ kind: 'evidence', evidence });
    this.out.wakeAt = earliest(this.timers.next(), this.evidenceOut.next());
    return this.out;
  }

  /** Routes an input, and lets the observer see who sent what at this height and how it was judged. */
  private dispatch(input: EngineInput): void {
    // Votes and proposals for the next height are buffered and seen on replay.
    const seen = this.feed?.signers(input, this.height) ?? [];
    if (seen.length === 0) return this.route(input);
    this.out.verdict = 'accept';
    let outcome: Verdict = 'reject';
    try {
      this.route(input);
      outcome = this.out.verdict;
    } finally {
      this.feed!.noted(input, seen, input.now, outcome);
    }
  }

  private route(input: EngineInput): void {
    switch (input.type) {
      case 'txs':
        return this.onTxs(input.txs, input.now, input.local);
      case 'proposal':
        return this.onProposal(input.proposal, input.now, input);
      case 'vote':
        return this.onVote(input.vote, input);
      case 'votes':
        return this.onVotes(input.votes, input);
      case 'certificate':
        return this.onCertificate(input.certificate, input);
      case 'evidence':
        return this.onEvidence(input.evidence, input.now);
      case 'certified':
        return this.onCertified(input.block, input.now);
      case 'tick':
        return this.fireTimers(input.now);
      case 'ballots':
        return this.onTxSetInput({ ballots: input.ballots, relayed: input.relayed }, input.ballots.some((b) => b.height === this.height), input.now);
      case 'call':
        if (!this.heightGate(input.call.height, input)) return;
        return this.onTxSetInput({ call: input.call, caller: this.proposerOf(0) }, true, input.now);
    }
  }

  /** Ballots or a call of the transaction-set vote; `current` when they are for this height (not the next). */
  private onTxSetInput(input: TxSetInput, current: boolean, now: number): void {
    const txSet = this.rules.txSet;
    if (txSet === undefined) {
      this.out.verdict = 'ignore';
      return;
    }
    const { verdict, publish, relayQueued, conflicts } = txSet.receive(this.chain, input, now);
    for (const [a, b] of conflicts ?? []) this.report(makeConflictingBallotsEvidence(this.chain.params.chainId, this.chain.key, a, b, this.chain.head.height), now);
    this.out.verdict = verdict;
    this.recordOwnBallots(publish);
    this.out.publish.push(...publish);
    if (relayQueued && !this.timers.has('relay')) this.schedule('relay', this.h.round, now + (txSet.relayWindowMs ?? 0));
    if (verdict !== 'accept' || !current) return;
    // Someone started this height: take part, so our own ballot is counted.
    if (this.h.step === 'idle') this.startRound(this.h.round, now);
    else this.pollTxSet(now);
  }

  /** Asks the transaction-set vote what to do now; the round-0 proposer proposes once it says ready. */
  private pollTxSet(now: number): void {
    const txSet = this.rules.txSet;
    const proposer = this.isProposer(0);
    if (txSet === undefined || this.h.txSetStartedAt === undefined || (proposer && this.h.proposals.has(0))) return;
    const poll = txSet.poll(this.chain, now, this.h.txSetStartedAt, proposer);
    this.out.publish.push(...poll.publish);
    this.timers.cancel('ready');
    if (poll.ready && proposer && this.h.round === 0 && this.h.step === 'propose') this.propose(0, now);
    else if (poll.wakeAt !== undefined) this.schedule('ready', 0, poll.wakeAt);
  }

  private onTxs(txs: Tx[], now: number, local: boolean): void {
    const accepted: Tx[] = [];
    let malformed = 0;
    for (const tx of txs) {
      const { result, alert, displaced } = this.chain.admitTx(tx, now);
      this.out.txStatuses.push(result);
      if (displaced) this.out.txStatuses.push(displaced);
      if (result.status === 'pending') accepted.push(tx);
      else if (result.code === 'malformed' || result.code === 'bad-signature') malformed++;
      if (alert) {
        this.out.evidence.push(alert.summary);
        this.evidenceOut.hold(alert.summary.id, alert.evidence, now);
      }
      // A gossiped batch with one forged transaction is rejected whole: checking the rest would be work for its sender.
      if (malformed && !local) break;
    }
    if (local && accepted.length) this.out.publish.push({ kind: 'txs', txs: accepted });
    this.out.verdict = malformed ? 'reject' : accepted.length ? 'accept' : 'ignore';
    this.wakeForWork(now);
  }

  /** With nothing to order the replica stays idle instead of churning empty rounds. */
  private wakeForWork(now: number): void {
    if (this.h.step === 'idle' && this.chain.hasWork() && !this.timers.has('start')) this.schedule('start', 0, now + this.timeouts.commitMs);
  }

  private heightGate(height: number, input: EngineInput): boolean {
    if (height < this.height) {
      this.out.verdict = 'ignore';
      return false;
    }
    if (height === this.height + 1) {
      this.out.verdict = 'ignore';
      if (!this.future.hold(input, this.validatorSet, this.chain.params)) return false;
      // A message for the next height (from a validator, signed) means its sender has already committed ours. Without asking to sync, a
      // replica that lost the deciding precommits waits for them forever (nobody sends them again), and when
      // two of four replicas fall one height behind like that the chain halts for good (found by the 20%-loss
      // simulation). Ready.behindUntil is documented as "saw a message for a height beyond its next one".
      this.out.behindUntil = this.height;
      return false;
    }
    if (height > this.height + 1) {
      this.out.behindUntil = height - 1;
      this.out.verdict = 'ignore';
      return false;
    }
    return true;
  }

  private onProposal(p: Proposal, now: number, input: EngineInput): void {
    const block = p.block;
    const header = headerOf(block);
    if (header.height === this.height + 1 && block?.lastCommit !== undefined) this.learnFromNextBlock(block.lastCommit, now);
    if (!this.heightGate(header.height, input)) return;
    checkRoundInReach('proposal', p.round, this.h.round);
    if (p.validRound >= p.round || p.validRound < -1) throw new InvalidMessage(`proposal valid round ${p.validRound} out of range for round ${p.round}`);
    const rightful = this.proposerOf(p.round);
    if (toHex(p.proposer) !== toHex(rightful)) {
      throw new InvalidMessage(`proposal for round ${p.round} is not from its rightful proposer ${addressOf(rightful)}`);
    }
    verifyProposalSignature(this.chain.params.chainId, p);
    if (bytesEqual(p.proposer, this.chain.key.publicKey) && !this.h.ownProposals.some((o) => o.round === p.round && toHex(blockHash(headerOf(o.block))) === toHex(blockHash(header)))) {
      this.out.keyInUseElsewhere = `another node signs with this node's key: it sent a proposal for height ${header.height} round ${p.round} that this node never signed`;
    }
    this.rules.observer?.proposed(header.height, toHex(blockHash(header)), now);
    this.recordProofOfLock(p, toHex(blockHash(header)), now);
    const held = this.h.proposals.get(p.round);
    if (held !== undefined) {
      if (held.hash !== toHex(blockHash(header))) this.reportConflict(held.block, block!, now);
      this.out.verdict = 'ignore';
      return;
    }
    const hash = toHex(blockHash(header));
    let valid = true;
    try {
      if (!this.validatorSet.get(toHex(header.proposer))) throw new InvalidMessage('block creator is not a validator');
      this.chain.execute(block!);
      if (p.validRound === -1) this.chain.checkTimely(block!, now);
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
      valid = false;
      this.out.verdict = 'reject';
      this.out.reason = err.reason;
      this.report(proveInvalidBlock(this.chain.params.chainId, this.chain.key, block!, this.chain.head.height), now);
    }
    this.h.proposals.set(p.round, { proposal: p, block: block!, hash, valid });
    if (valid) this.feed?.carried(block!, this.height, now);
    if (this.h.step === 'idle') this.startRound(Math.max(this.h.round, 0), now);
  }

  /**
   * A re-proposed block (validRound >= 0) may only be prevoted by a replica that holds >2/3 prevotes for it in
   * validRound. Those prevotes were gossiped rounds ago and are never sent again, so a replica that lost them
   * (message loss, a partition, its own restart) could never accept the block, while the replicas locked on it
   * accept nothing else: with the weight split that way the height never ends (found by the crash-and-restart
   * and 20%-loss simulations). So the proposal carries that proof (Proposal.pol), and it is counted here like
   * any other vote. A wrong proof is the proposer's fault and rejects the proposal.
   */
  private recordProofOfLock(p: Proposal, hash: Hex, now: number): void {
    const { verdict, reason } = this.out;
    for (const { vote, weight } of checkProofOfLock(this.chain.params.chainId, p, this.height, hash, this.validatorSet)) this.record(vote, weight, now, true);
    // Counting the proof must not change how the proposal itself is judged (a known vote is no fault of it).
    this.out.verdict = verdict;
    this.out.reason = reason;
  }

  private onVote(vote: Vote, input: EngineInput): void {
    if (this.late?.height === vote.height) return this.onLate([vote], input.now);
    if (!this.heightGate(vote.height, input)) return;
    checkRoundInReach('vote', vote.round, this.h.round);
    const weight = checkedWeight(this.chain.params.chainId, vote, this.validatorSet);
    this.noteIfSignedElsewhere(vote);
    this.record(vote, weight, input.now);
    if (this.h.step === 'idle') this.startRound(this.h.round, input.now);
  }

  /** Says so in the Ready when `vote` carries this replica's key but is not its own (see Ready.keyInUseElsewhere). */
  private noteIfSignedElsewhere(vote: Vote): void {
    if (!this.h.signedElsewhere(vote, this.chain.key.publicKey)) return;
    this.out.keyInUseElsewhere = `another node signs with this node's key: it sent a ${vote.type === Vote.Type.PREVOTE ? 'prevote' : 'precommit'} for height ${vote.height} round ${vote.round} that this node never signed`;
  }

  /**
   * A collector's bundle: the votes of one (height, round, type). Each vote is checked and counted on its own,
   * and the observer hears of each voter only once its signature verified: a bundle with a forged vote must
   * not count against the validator it names.
   */
  private onVotes(votes: Vote[], input: EngineInput): void {
    const first = checkBundle(votes, this.validatorSet);
    if (this.late?.height === first.height) return this.onLate(votes, input.now);
    if (!this.heightGate(first.height, input)) return;
    checkRoundInReach('vote', first.round, this.h.round);
    let fresh = false;
    for (const vote of votes) {
      const weight = checkedWeight(this.chain.params.chainId, vote, this.validatorSet);
      this.noteIfSignedElsewhere(vote);
      this.out.verdict = 'accept';
      this.record(vote, weight, input.now);
      this.feed?.vote(vote, input.now, this.out.verdict);
      // An equivocation it carries is its voter's fault, not the bundle's: the evidence is already raised.
      fresh ||= this.out.verdict === 'accept';
    }
    if (first.type === Vote.Type.PREVOTE) this.h.collector.heard.add(first.round);
    this.out.verdict = fresh ? 'accept' : 'ignore';
    if (this.h.step === 'idle') this.startRound(this.h.round, input.now);
  }

  /**
   * Precommits of the height just decided: each one for the decided block that is new widens the certificate the
   * next block carries. A round's collector passes them on to the next height's round-0 proposer, who would
   * otherwise never hear them (they climb to the collector alone).
   */
  private onLate(votes: readonly Vote[], now: number): void {
    const late = this.late!;
    const fresh: Vote[] = [];
    for (const vote of votes) {
      const { added, conflict } = late.add(this.chain.params.chainId, vote);
      if (added) fresh.push(vote);
      if (conflict) this.reportEquivocation(conflict, vote, now);
    }
    // Counted, not relayed: its voter sent it to every validator already, and the height is decided.
    this.out.verdict = 'ignore';
    if (fresh.length === 0) return;
    this.chain.lastCertificate = late.certificate();
    const next = this.proposerOf(0);
    if (this.collectedLate && hexOf(next) !== this.selfKey) for (const vote of fresh) this.out.publish.push({ kind: 'vote', vote, to: next });
  }

  /** A decision is for this height; an older one is ignored, a newer one means this replica should sync. */
  private decidesThisHeight(height: number): boolean {
    if (height === this.height) return true;
    if (height > this.height) this.out.behindUntil = height;
    this.out.verdict = 'ignore';
    return false;
  }

  /** A decided height: committed as soon as this replica holds the block (a normal node learns decisions so). */
  private onCertificate(cert: Certificate, input: EngineInput): void {
    if (!this.decidesThisHeight(cert.height)) return;
    if (this.h.pendingCertificate !== undefined) {
      this.out.verdict = 'ignore';
      return;
    }
    checkCertificate(this.chain.params.chainId, cert, this.validatorSet);
    this.h.pendingCertificate = cert;
    if (this.h.step === 'idle') this.startRound(this.h.round, input.now);
  }

  /**
   * A proposal for the next height carries the certificate of ours: a replica that missed the certificate
   * message (or whose collector withheld it) but holds the block commits it from there. Anything wrong with
   * that certificate is left for the proposal's own check.
   */
  private learnFromNextBlock(cert: Certificate, now: number): void {
    const held = heldValid(this.h, toHex(cert.blockHash));
    if (held === undefined || cert.height !== this.height) return;
    const { verdict, reason } = this.out;
    try {
      checkCertificate(this.chain.params.chainId, cert, this.validatorSet);
      this.commit(held, cert.round, cert.sigs.map((s) => precommitOf(cert, s)), now, false);
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
    }
    this.out.verdict = verdict;
    this.out.reason = reason;
  }

  private record(vote: Vote, weight: number, now: number, proof = false): void {
    const tally = this.h.tallyOf(vote.type, vote.round);
    const { added, conflict } = proof ? tally.addToProof(vote, weight) : tally.add(vote, weight);
    if (conflict) {
      this.reportEquivocation(conflict, vote, now);
      this.out.verdict = 'reject';
      this.out.reason = 'equivocating vote';
    } else if (!added) {
      this.out.verdict = 'ignore';
    } else if (vote.round === this.h.round) {
      this.armResend(now);
    }
  }

  private reportEquivocation(a: Vote, b: Vote, now: number): void {
    this.report(makeEquivocationEvidence(this.chain.params.chainId, this.chain.key, Vote.encode(a), Vote.encode(b), this.chain.head.height), now);
  }

  /** Two blocks one creator made for one height and round (checked, signatures and all, as evidence is). */
  private reportConflict(a: Block, b: Block, now: number): void {
    const [x, y] = [headerOf(a), headerOf(b)];
    if (!bytesEqual(x.proposer, y.proposer) || x.round !== y.round) return;
    try {
      this.report(makeConflictingBlocksEvidence(this.chain.params.chainId, this.chain.key, a, b, this.chain.head.height), now);
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
    }
  }

  /** Evidence this replica raised: kept for a block and, unless someone else's copy comes first, gossiped. */
  private report(evidence: Evidence | undefined, now: number): void {
    if (evidence === undefined) return;
    const summary = this.chain.admitEvidence(evidence);
    if (summary) {
      this.out.evidence.push(summary);
      this.evidenceOut.hold(summary.id, evidence, now);
    }
  }

  private onEvidence(evidence: Evidence, now: number): void {
    const id = evidenceId(evidence);
    if (this.evidenceOut.holds(id)) {
      // A copy that silences ours must be real, or a forged one could keep an offence from the network.
      verifyEvidence(this.chain.params.chainId, evidence);
      this.evidenceOut.heard(id);
      return;
    }
    const summary = this.chain.admitEvidence(evidence);
    if (summary) this.out.evidence.push(summary);
    else this.out.verdict = 'ignore';
    this.wakeForWork(now);
  }

  private onCertified(cb: CertifiedBlock, now: number): void {
    const block = cb.block;
    const cert = cb.certificate;
    if (block === undefined || cert === undefined) throw new InvalidMessage('certified block lacks its block or certificate');
    const header = headerOf(block);
    if (!this.decidesThisHeight(header.height)) return;
    const hash = toHex(blockHash(header));
    if (cert.height !== header.height || toHex(cert.blockHash) !== hash) throw new InvalidMessage('certificate is for another block');
    checkCertificate(this.chain.params.chainId, cert, this.validatorSet);
    this.commit(block, cert.round, cert.sigs.map((s) => precommitOf(cert, s)), now, false);
  }

  // ------------------------------------------------------------------ the state machine

  private schedule(kind: TimerKind, round: number, at: number): void {
    this.timers.schedule(kind, round, at);
  }

  private timeout(base: number, round: number): number {
    return base + round * this.timeouts.roundDeltaMs;
  }

  private startRound(round: number, now: number): void {
    this.h.round = round;
    this.h.step = 'propose';
    this.timers.cancel('start');
    // The round-0 proposer first runs the height's transaction-set vote, and proposes when it is ready.
    const txSet = this.rules.txSet;
    if (txSet !== undefined && this.h.txSetStartedAt === undefined) this.h.txSetStartedAt = now;
    this.pollTxSet(now);
    if (txSet === undefined || round !== 0 || !this.isProposer(0)) this.propose(round, now);
    this.schedule('propose', round, now + this.timeout(this.timeouts.proposeMs, round));
    this.armResend(now);
  }

  /** The rightful proposer (and collector) of a round at this height; asked on every vote, so kept. */
  private proposerOf(round: number): Uint8Array {
    let key = this.h.proposers.get(round);
    if (key === undefined) this.h.proposers.set(round, (key = this.rules.proposerOf(this.chain, this.validatorSet, round)));
    return key;
  }

  private isProposer(round: number): boolean {
    return hexOf(this.proposerOf(round)) === this.selfKey;
  }

  private propose(round: number, now: number): void {
    if (this.isProposer(round) && !this.h.proposals.has(round)) {
      const block =
        this.h.validBlock ?? buildBlock(this.chain.params.chainId, this.chain.key, this.chain.buildContent(now, round, this.rules.txSet?.select(this.chain)));
      // The proof of lock travels with the block (see onProposal): the prevotes that made it our valid block.
      const pol = this.h.validBlock ? (this.h.votes.get(this.h.validRound)?.prevotes.votesFor(toHex(blockHash(headerOf(block)))) ?? []) : [];
      const proposal = signProposal(this.chain.params.chainId, this.chain.key, { block, round, validRound: this.h.validRound, pol });
      this.h.proposals.set(round, { proposal, block, hash: toHex(blockHash(headerOf(block))), valid: true });
      this.rules.observer?.proposed(this.height, toHex(blockHash(headerOf(block))), now);
      this.h.ownProposals.push(proposal);
      this.recordWal();
      this.out.publish.push({ kind: 'proposal', proposal });
    }
  }

  /** Restarts the no-progress clock; called whenever the round moves or a new message counts. */
  private armResend(now: number): void {
    this.timers.cancel('resend');
    this.resends = 0;
    if (this.h.step !== 'idle') this.schedule('resend', this.h.round, now + this.timeouts.resendMs);
  }

  private resend(now: number): void {
    this.resends++;
    const ofRound = (r: number): boolean => r === this.h.round;
    for (const proposal of this.h.ownProposals) if (ofRound(proposal.round)) this.out.publish.push({ kind: 'proposal', proposal, resend: this.resends });
    for (const vote of this.h.ownVotes) if (ofRound(vote.round)) this.out.publish.push({ kind: 'vote', vote, resend: this.resends });
    this.schedule('resend', this.h.round, now + this.timeouts.resendMs * Math.min(8, 2 ** this.resends));
  }

  private castVote(type: Vote.Type, hash: Hex, now: number): void {
    const tally = this.h.tallyOf(type, this.h.round);
    if (!this.isValidator || tally.has(this.selfKey)) return; // never sign twice for one (height, round, type)
    const vote = signVote(this.chain.params.chainId, this.chain.key, {
      type,
      height: this.height,
      round: this.h.round,
      blockHash: hash === NIL ? new Uint8Array(0) : fromHex(hash),
    });
    tally.add(vote, this.validatorSet.weightOf(this.selfKey));
    this.h.ownVotes.push(vote);
    this.recordWal();
    this.routing.send(vote, now);
  }

  private prevote(hash: Hex, now: number): void {
    this.h.step = 'prevote';
    this.castVote(Vote.Type.PREVOTE, hash, now);
    if (hash === NIL) this.showLock();
  }

  /**
   * A locked replica that prevotes nil shows every validator the polka it locked on. That polka may have reached
   * no one else (its collector crashed, or lost the bundle): then no proposer re-proposes the block, this replica
   * prevotes nil in every later round, and a network that needs its vote never decides again.
   */
  private showLock(): void {
    const polka = this.h.lockPolka();
    if (polka.length > 0) this.out.publish.push({ kind: 'votes', votes: polka });
  }

  private precommit(hash: Hex, now: number): void {
    this.h.step = 'precommit';
    this.castVote(Vote.Type.PRECOMMIT, hash, now);
  }

  /** Applies the upon-rules of Algorithm 1 until none fires, then arms the timers of the step it ends in. */
  private evaluate(now: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      const upon = nextUpon(this.h, this.validatorSet);
      if (upon === undefined) break;
      this.apply(upon, now);
    }
    if (decidedUnheld(this.h, this.validatorSet)) this.out.behindUntil = this.height;
    this.armStepTimers(now);
  }

  private apply(upon: Upon, now: number): void {
    switch (upon.kind) {
      case 'decide':
        return this.commit(upon.block, upon.round, upon.precommits, now, !upon.certified && this.isProposer(upon.round));
      case 'skip':
        return this.startRound(upon.round, now);
      case 'prevote':
        return this.prevote(upon.hash, now);
      case 'precommitNil':
        return this.precommit(NIL, now);
      case 'latePolka':
        this.h.validRound = upon.round;
        this.h.validBlock = upon.block;
        return;
      case 'polka':
        this.h.once(polkaTag(upon.round));
        this.h.validRound = upon.round;
        this.h.validBlock = upon.block;
        if (this.h.step !== 'prevote') return;
        this.h.lockedRound = upon.round;
        this.h.lockedBlock = upon.block;
        return this.precommit(upon.hash, now);
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
  private armStepTimers(now: number): void {
    const { step, round } = this.h;
    if (step === 'idle') return;
    if (step === 'prevote' && this.h.once(`prevote-timer/${round}`)) this.schedule('prevote', round, now + this.timeout(this.timeouts.prevoteMs, round));
    if ((step === 'precommit' || this.validatorSet.isQuorum(this.h.tallies(round).precommits.weight)) && this.h.once(`precommit-timer/${round}`)) {
      this.schedule('precommit', round, now + this.timeout(this.timeouts.precommitMs, round));
    }
  }

  private fireTimers(now: number): void {
    for (const t of this.timers.takeDue(now)) {
      if (t.kind === 'start') {
        if (this.h.step === 'idle') this.startRound(this.h.round, now);
      } else if (t.kind === 'relay') {
        this.out.publish.push(...(this.rules.txSet?.flushRelay?.(this.chain) ?? []));
      } else if (t.kind === 'ready') {
        this.pollTxSet(now);
      } else if (t.kind === 'resend') {
        if (t.round === this.h.round && this.h.step !== 'idle') this.resend(now);
      } else if (t.kind === 'collect') {
        // The step has not moved since our vote went to the collector: every validator gets it now.
        const pending = this.h.collector.pending;
        if (pending?.round === this.h.round && pending.step === this.h.step) this.routing.fallBack(pending.round);
      } else if (t.round === this.h.round) {
        if (t.kind === 'propose' && this.h.step === 'propose') this.prevote(NIL, now);
        else if (t.kind === 'prevote' && this.h.step === 'prevote') this.precommit(NIL, now);
        else if (t.kind === 'precommit') this.startRound(this.h.round + 1, now);
      }
      this.evaluate(now);
    }
  }

  /** `announce`: this replica gathered the deciding quorum as the round's proposer, and tells every node. */
  private commit(block: Block, round: number, precommits: Vote[], now: number, announce: boolean): void {
    const executed = this.chain.execute(block);
    const header = headerOf(block);
    const certificate = certificateOf(header, round, precommits);
    if (announce) this.out.publish.push({ kind: 'certificate', certificate });
    // Recorded before the head moves: the proposers of the rounds before the block's own round failed.
    const record: HeadRecord = {
      validators: this.validatorSet.members.map((v) => ({ publicKey: v.key, weight: v.weight })),
      failedProposers: Array.from({ length: header.round }, (_, r) => addressOf(this.proposerOf(r))),
    };
    this.late = new LateCommit(certificate, this.validatorSet);
    this.collectedLate = this.rules.collectVotes === true && this.isProposer(round);
    const committed = this.chain.commit(block, executed, certificate, record);
    this.rules.observer?.close(header.height, new Set(this.validatorSet.members.map((m) => m.key)));
    this.rules.txSet?.committed?.(block);
    this.out.commits.push({ ...committed, certificate, headRecord: record });
    this.out.txStatuses.push(...committed.dropped);
    for (const alert of committed.alerts) {
      this.out.evidence.push(alert.summary);
      this.evidenceOut.hold(alert.summary.id, alert.evidence, now);
    }
    const lingering = this.chain.mempool.lingering(header.height, RESEND_TXS_AFTER, this.chain.params.maxBlockTxs);
    if (lingering.length > 0) this.out.publish.push({ kind: 'txs', txs: lingering });
    this.recentProposers.unshift({ height: header.height, proposer: addressOf(header.proposer) });
    this.recentProposers.length = Math.min(this.recentProposers.length, RECENT_PROPOSERS);
    this.enterHeight();
    this.wakeForWork(now);
    const buffered = this.future.take();
    // Replayed inputs were judged when they arrived. Their outcome now must not become the verdict of the message
    // being handled (an 'ignore' or 'reject' would make gossip drop or blame the precommit that completed the
    // quorum), and one of them turning out invalid must not throw away the rest of the buffer.
    const { verdict, reason } = this.out;
    for (const input of buffered) {
      try {
        this.dispatch({ ...input, now });
      } catch (err) {
        if (!(err instanceof InvalidMessage)) throw err;
      }
    }
    this.out.verdict = verdict;
    this.out.reason = reason;
  }

  private enterHeight(): void {
    this.validatorSet = this.rules.validatorsFor(this.chain);
    this.h = new HeightState();
    // Ballots held for relay may already be the next height's: their timer outlives the height.
    this.timers.keepOnly('relay');
    this.feed?.prune(this.height);
  }

  // ------------------------------------------------------------------ persistence

  private recordWal(): void {
    setWal(this.out, this.h.walState(this.height));
  }

  /** A ballot this replica signed goes to the WAL before it goes out: after a restart it answers that call alike. */
  private recordOwnBallots(publish: readonly Outbound[]): void {
    const fresh: TxSetBallot[] = [];
    for (const o of publish) {
      if (o.kind !== 'ballot' || o.ballot.height !== this.height || this.h.ownBallots.includes(o.ballot)) continue;
      if (bytesEqual(o.ballot.voter, this.chain.key.publicKey)) fresh.push(o.ballot);
    }
    if (fresh.length === 0) return;
    this.h.ownBallots.push(...fresh);
    this.recordWal();
  }

  /** Resumes the height a WAL record was written at, with our signed messages due for resending at once. */
  private restore(wal: Uint8Array): void {
    const rec = readWal(wal);
    if (rec.height !== this.height) return;
    this.h.resume(rec, (key) => this.validatorSet.weightOf(key));
    for (const ballot of rec.ballots) this.rules.txSet?.restore?.(this.chain, ballot);
    if (this.h.step !== 'idle') this.schedule('resend', this.h.round, 0);
    if (this.h.step === 'propose') this.schedule('propose', this.h.round, 0);
  }

  // ------------------------------------------------------------------ views

  status(): EngineStatus {
    const role: Role = this.rules.roleOf?.(this.chain, this.validatorSet, this.selfKey) ?? (this.isValidator ? 'validator' : 'normal');
    const { height, hash } = this.chain.head;
    return { engine: this.name, role, height, headHash: toHex(hash), round: this.h.round, step: this.h.step, recentProposers: [...this.recentProposers] };
  }

  validators(): ValidatorView[] {
    return validatorViews(this.rules, this.chain, this.validatorSet);
  }
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
