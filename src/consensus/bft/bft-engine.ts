import { addressOf } from '../../core/address.js';
import { blockHash, headerOf } from '../../core/block.js';
import { type Hex, bytesEqual, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { ChainState, HeadRecord } from '../../core/chain-state.js';
import { InvalidMessage } from '../../core/errors.js';
import { makeConflictingBallotsEvidence, proveInvalidBlock } from '../../core/evidence.js';
import { verifyProposalSignature } from '../../core/votes.js';
import type { Block, Proposal, Tx, TxSetBallot } from '../../core/wire/posplus.js';
import { Vote } from '../../core/wire/posplus.js';
import type { Engine, EngineInput, EngineName, EngineStatus, Outbound, Ready, Role, ValidatorView, Verdict } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import type { BftRules, BftTimeouts, TxSetInput } from './bft-rules.js';
import { certificateOf } from './certificate-check.js';
import { EngineTimers, type TimerKind } from './engine-timers.js';
import { HeightState } from './height-state.js';
import { readWal, setWal } from './wal-record.js';
import { validatorViews } from './engine-views.js';
import { FutureInputs } from './future-inputs.js';
import { ObserverFeed } from './observer-feed.js';
import { EvidenceOutbox } from './evidence-outbox.js';
import { VoteRouting } from './vote-routing.js';
import { LateCommit } from './late-commit.js';
import { checkRoundInReach } from './vote-checks.js';
import { reportConflict, report, onEvidence } from './evidence-intake.js';
import { recordProofOfLock, onVote, onVotes } from './vote-intake.js';
import { onCertificate, learnFromNextBlock, onCertified } from './decision-intake.js';
import { startRound, pollTxSet, evaluate, fireTimers } from './round-steps.js';
import type { EngineCore } from './engine-core.js';

const RECENT_PROPOSERS = 16;
/** Heights a transaction may stay pending before this replica gossips it again (see Mempool.lingering). */
const RESEND_TXS_AFTER = 2;

/**
 * Tendermint's round-based BFT ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic 2018,
 * Algorithm 1) over weighted validators. Prevotes lock a block; a node only prevotes another block when a
 * later round shows a >2/3 prevote quorum for it, so no two blocks can both gather >2/3 precommits at one
 * height while faulty weight stays under 1/3 — across any number of rounds and proposer timeouts.
 *
 * This class holds a replica's state (EngineCore) and routes each input; the intake of votes, decisions and
 * evidence and the steps of a round are functions of that state in their own files.
 */
export class BftEngine implements Engine, EngineCore {
  // EngineCore: the state its parts share (see engine-core.ts); not part of the Engine interface.
  readonly selfKey: Hex;
  validatorSet!: ValidatorSet;
  /** The height being decided; `enterHeight` makes a new one. */
  h = new HeightState();
  readonly timers = new EngineTimers();
  readonly evidenceOut: EvidenceOutbox;
  readonly feed: ObserverFeed | undefined;
  late: LateCommit | undefined;
  collectedLate = false;
  resends = 0;
  out!: Ready;
  readonly routing: VoteRouting;
  private readonly future = new FutureInputs();
  private recentProposers: { height: number; proposer: string }[] = [];

  constructor(
    readonly name: EngineName,
    readonly chain: ChainState,
    readonly rules: BftRules,
    readonly timeouts: BftTimeouts,
    wal?: Uint8Array,
  ) {
    this.selfKey = toHex(chain.key.publicKey);
    this.evidenceOut = new EvidenceOutbox(chain.key.publicKey);
    this.feed = rules.observer && new ObserverFeed(rules.observer, (b) => rules.txSet?.saysNothing?.(chain, b) === true);
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

  get height(): number {
    return this.chain.head.height + 1;
  }

  get isValidator(): boolean {
    return this.validatorSet.weightOf(this.selfKey) > 0;
  }

  // ------------------------------------------------------------------ inputs

  step(input: EngineInput): Ready {
    this.out = { publish: [], commits: [], txStatuses: [], evidence: [], verdict: 'accept' };
    try {
      this.dispatch(input);
      evaluate(this, input.now);
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
        return onVote(this, input.vote, input);
      case 'votes':
        return onVotes(this, input.votes, input);
      case 'certificate':
        return onCertificate(this, input.certificate, input);
      case 'evidence':
        return onEvidence(this, input.evidence, input.now);
      case 'certified':
        return onCertified(this, input.block, input.now);
      case 'tick':
        return fireTimers(this, input.now);
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
    for (const [a, b] of conflicts ?? []) report(this, makeConflictingBallotsEvidence(this.chain.params.chainId, this.chain.key, a, b, this.chain.head.height), now);
    this.out.verdict = verdict;
    this.recordOwnBallots(publish);
    this.out.publish.push(...publish);
    if (relayQueued && !this.timers.has('relay')) this.schedule('relay', this.h.round, now + (txSet.relayWindowMs ?? 0));
    if (verdict !== 'accept' || !current) return;
    // Someone started this height: take part, so our own ballot is counted.
    if (this.h.step === 'idle') startRound(this, this.h.round, now);
    else pollTxSet(this, now);
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
  wakeForWork(now: number): void {
    if (this.h.step === 'idle' && this.chain.hasWork() && !this.timers.has('start')) this.schedule('start', 0, now + this.timeouts.commitMs);
  }

  heightGate(height: number, input: EngineInput): boolean {
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
    if (header.height === this.height + 1 && block?.lastCommit !== undefined) learnFromNextBlock(this, block.lastCommit, now);
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
    recordProofOfLock(this, p, toHex(blockHash(header)), now);
    const held = this.h.proposals.get(p.round);
    if (held !== undefined) {
      if (held.hash !== toHex(blockHash(header))) reportConflict(this, held.block, block!, now);
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
      report(this, proveInvalidBlock(this.chain.params.chainId, this.chain.key, block!, this.chain.head.height) ?? this.chain.evidence.proveRefuted(block!), now);
    }
    this.h.proposals.set(p.round, { proposal: p, block: block!, hash, valid });
    if (valid) this.feed?.carried(block!, this.height, now);
    if (this.h.step === 'idle') startRound(this, Math.max(this.h.round, 0), now);
  }

  // ------------------------------------------------------------------ proposers, the commit, the next height

  schedule(kind: TimerKind, round: number, at: number): void {
    this.timers.schedule(kind, round, at);
  }

  /** The rightful proposer (and collector) of a round at this height; asked on every vote, so kept. */
  proposerOf(round: number): Uint8Array {
    let key = this.h.proposers.get(round);
    if (key === undefined) this.h.proposers.set(round, (key = this.rules.proposerOf(this.chain, this.validatorSet, round)));
    return key;
  }

  isProposer(round: number): boolean {
    return hexOf(this.proposerOf(round)) === this.selfKey;
  }

  /** `announce`: this replica gathered the deciding quorum as the round's proposer, and tells every node. */
  commit(block: Block, round: number, precommits: Vote[], now: number, announce: boolean): void {
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

  recordWal(): void {
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
