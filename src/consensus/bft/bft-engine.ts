import { type Address, addressOf } from '../../core/address.js';
import { blockHash, buildBlock, headerOf } from '../../core/block.js';
import { type Hex, fromHex, toHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { BlockFacts, BlockRules, ChainState, HeadRecord } from '../../core/chain-state.js';
import type { StateOverlay } from '../../core/ledger.js';
import { InvalidMessage } from '../../core/errors.js';
import { makeEquivocationEvidence, proveInvalidBlock } from '../../core/evidence.js';
import { precommitOf, signProposal, signVote, verifyProposalSignature, verifyVote } from '../../core/votes.js';
import { Block, type Certificate, type CertifiedBlock, type Evidence, Proposal, type Tx, type TxSetBallot, Vote } from '../../core/wire/posplus.js';
import type { Engine, EngineInput, EngineName, EngineStatus, Outbound, Ready, Role, ValidatorView, Verdict } from '../engine.js';
import { ValidatorSet } from '../validator-set.js';
import { NIL, VoteTally } from './vote-tally.js';
import { type Step, type WalRecord, setWal } from './wal-record.js';

/**
 * What distinguishes one BFT engine from another: who votes with what weight, and who proposes in each round.
 * Both are pure functions of the committed chain, so every honest replica agrees on them.
 */
export interface BftRules {
  validatorsFor(chain: ChainState): ValidatorSet;
  proposerOf(chain: ChainState, validators: ValidatorSet, round: number): Uint8Array;
  roleOf?(chain: ChainState, validators: ValidatorSet, key: Hex): Role;
  /** Agreement on the transaction set before each block (NCCA); without it any valid transaction may go in. */
  txSet?: TxSetRules;
  /** What the engine knows of a node beyond its stake, for operators (NCCA: cell and credit). */
  describe?(chain: ChainState, address: Address): { cell?: number; credit?: number; suspendedUntil?: number };
  /** Engine bookkeeping in every block after its transactions (NCCA's credit); part of the state root. */
  afterTxs?(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined): void;
  /** Sees every consensus message of the current height with its verdict (NCCA's round-2 detection). */
  observer?: ConsensusObserver;
}

/** What the engine tells an observer of the messages it handles; signers are public keys in hex. */
export interface ConsensusObserver {
  note(signer: Hex, height: number, now: number, verdict: Verdict, votedFor?: Hex): void;
  proposed(height: number, hash: Hex, now: number): void;
  /** The height committed: nothing more is noted for it. */
  close(height: number): void;
}

/** Who signed an input and for which height, as the observer counts it. */
function signersOf(input: EngineInput): { signer: Hex; height: number; votedFor?: Hex }[] {
  switch (input.type) {
    case 'proposal':
      return [{ signer: hexOf(input.proposal.proposer), height: headerOf(input.proposal.block).height }];
    case 'vote': {
      const target = hexOf(input.vote.blockHash);
      return [{ signer: hexOf(input.vote.voter), height: input.vote.height, votedFor: target === NIL ? undefined : target }];
    }
    case 'ballots':
      return input.ballots.map((b) => ({ signer: hexOf(b.voter), height: b.height }));
    default:
      return [];
  }
}

/** A pre-proposal agreement on which transactions a block may hold (NCCA's transaction-set voting). */
export interface TxSetRules {
  /** The second ballot goes out this long after the first; the round-0 proposer waits at least this long. */
  windowMs: number;
  /** The longest the round-0 proposer waits for ballots before it proposes with what it has. */
  maxWaitMs: number;
  /** Whether enough ballots are in for the proposer to go ahead before `maxWaitMs`. */
  haveBallots(chain: ChainState): boolean;
  /** This replica's ballot for a voting round at the current height, as messages to send (none if not a voter). */
  ballot(chain: ChainState, round: 1 | 2): Outbound[];
  /**
   * Ballots from the network; `relayed` when they came in a bundle. Returns the verdict and what to send now;
   * `relayQueued` when it holds ballots back to relay together, which `flushRelay` hands out `relayWindowMs` later.
   */
  receive(chain: ChainState, ballots: TxSetBallot[], relayed: boolean): { verdict: Verdict; publish: Outbound[]; relayQueued?: boolean };
  relayWindowMs?: number;
  flushRelay?(chain: ChainState): Outbound[];
  /** For the proposer: which pending transactions may go into the block, and the ballots that prove it. */
  select(chain: ChainState): { allowed: ReadonlySet<Hex>; ballots: TxSetBallot[] };
  /** For every replica executing a block: each of its transactions was voted in by the block's ballots. */
  check(chain: ChainState, block: Block): void;
}

export interface BftTimeouts {
  proposeMs: number;
  prevoteMs: number;
  precommitMs: number;
  /** Added to each timeout per round, so rounds stretch until the network's real delay fits. */
  roundDeltaMs: number;
  /** Pause after a commit before the next height starts, to gather transactions into the block. */
  commitMs: number;
  /**
   * With no progress for this long, a replica sends its own proposal and votes of the round again: a peer
   * that restarted or connected late has missed them, and without them a round can wait forever.
   */
  resendMs: number;
}

export const DEFAULT_TIMEOUTS: BftTimeouts = { proposeMs: 2000, prevoteMs: 1000, precommitMs: 1000, roundDeltaMs: 500, commitMs: 100, resendMs: 2500 };

type TimerKind = 'start' | 'propose' | 'prevote' | 'precommit' | 'resend' | 'ballot2' | 'ready' | 'relay';

interface ProposalRecord {
  proposal: Proposal;
  block: Block;
  hash: Hex;
  valid: boolean;
}

interface RoundVotes {
  prevotes: VoteTally;
  precommits: VoteTally;
}

const MAX_ROUND_AHEAD = 64;
const MAX_BUFFERED = 10_000;
const RECENT_PROPOSERS = 16;
/** Heights a transaction may stay pending before this replica gossips it again (see Mempool.lingering). */
const RESEND_TXS_AFTER = 2;
const READY_POLL_MS = 50;

/**
 * Tendermint's round-based BFT ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic 2018,
 * Algorithm 1) over weighted validators. Prevotes lock a block; a node only prevotes another block when a
 * later round shows a >2/3 prevote quorum for it, so no two blocks can both gather >2/3 precommits at one
 * height while faulty weight stays under 1/3 — across any number of rounds and proposer timeouts.
 */
export class BftEngine implements Engine, BlockRules {
  private readonly selfKey: Hex;
  private validatorSet!: ValidatorSet;
  private round = 0;
  private phase: Step = 'idle';
  private lockedRound = -1;
  private lockedBlock: Block | undefined;
  private validRound = -1;
  private validBlock: Block | undefined;
  private proposals = new Map<number, ProposalRecord>();
  private votes = new Map<number, RoundVotes>();
  private armed = new Set<string>();
  private timers: { kind: TimerKind; round: number; at: number }[] = [];
  private future: EngineInput[] = [];
  private recentProposers: { height: number; proposer: string }[] = [];
  private ownProposals: Proposal[] = [];
  private ownVotes: Vote[] = [];
  private resends = 0;
  private ballotsSent = false;
  private roundStartedAt = 0;
  private out!: Ready;

  constructor(
    readonly name: EngineName,
    readonly chain: ChainState,
    private readonly rules: BftRules,
    private readonly timeouts: BftTimeouts,
    wal?: Uint8Array,
  ) {
    this.selfKey = toHex(chain.key.publicKey);
    chain.blockRules = this;
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
    let wakeAt: number | undefined;
    for (const t of this.timers) if (wakeAt === undefined || t.at < wakeAt) wakeAt = t.at;
    this.out.wakeAt = wakeAt;
    return this.out;
  }

  /** Routes an input, and lets the observer see who sent what at this height and how it was judged. */
  private dispatch(input: EngineInput): void {
    const observer = this.rules.observer;
    // Ballots for the next height are taken at once; votes and proposals for it are buffered and seen on replay.
    const seen = observer ? signersOf(input).filter((x) => x.height === this.height || (input.type === 'ballots' && x.height === this.height + 1)) : [];
    if (seen.length === 0) return this.route(input);
    this.out.verdict = 'accept';
    let outcome: Verdict = 'reject';
    try {
      this.route(input);
      outcome = this.out.verdict;
    } finally {
      for (const x of seen) observer!.note(x.signer, x.height, input.now, outcome, x.votedFor);
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
      case 'evidence': {
        const summary = this.chain.admitEvidence(input.evidence);
        if (summary) this.out.evidence.push(summary);
        else this.out.verdict = 'ignore';
        return this.wakeForWork(input.now);
      }
      case 'certified':
        return this.onCertified(input.block, input.now);
      case 'tick':
        return this.fireTimers(input.now);
      case 'ballots': {
        const txSet = this.rules.txSet;
        if (txSet === undefined) {
          this.out.verdict = 'ignore';
          return;
        }
        const { verdict, publish, relayQueued } = txSet.receive(this.chain, input.ballots, input.relayed);
        this.out.verdict = verdict;
        this.out.publish.push(...publish);
        if (relayQueued && !this.timers.some((t) => t.kind === 'relay')) this.schedule('relay', this.round, input.now + (txSet.relayWindowMs ?? 0));
        // Someone started this height: take part, so our own ballot is counted.
        if (verdict === 'accept' && this.phase === 'idle' && input.ballots.some((b) => b.height === this.height)) this.startRound(this.round, input.now);
        return;
      }
    }
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
        this.out.publish.push({ kind: 'evidence', evidence: alert.evidence });
      }
    }
    if (local && accepted.length) this.out.publish.push({ kind: 'txs', txs: accepted });
    this.out.verdict = malformed ? 'reject' : accepted.length ? 'accept' : 'ignore';
    this.wakeForWork(now);
  }

  /** With nothing to order the replica stays idle instead of churning empty rounds. */
  private wakeForWork(now: number): void {
    if (this.phase === 'idle' && this.chain.hasWork() && !this.timers.some((t) => t.kind === 'start')) {
      this.timers.push({ kind: 'start', round: 0, at: now + this.timeouts.commitMs });
    }
  }

  private heightGate(height: number, input: EngineInput): boolean {
    if (height < this.height) {
      this.out.verdict = 'ignore';
      return false;
    }
    if (height === this.height + 1) {
      if (this.future.length < MAX_BUFFERED) this.future.push(input);
      // A message for the next height means its sender has already committed ours. Without asking to sync, a
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
    if (!this.heightGate(header.height, input)) return;
    if (p.round > this.round + MAX_ROUND_AHEAD || p.validRound >= p.round || p.validRound < -1) {
      throw new InvalidMessage(`proposal round ${p.round} / valid round ${p.validRound} out of range`);
    }
    const rightful = this.rules.proposerOf(this.chain, this.validatorSet, p.round);
    if (toHex(p.proposer) !== toHex(rightful)) {
      throw new InvalidMessage(`proposal for round ${p.round} is not from its rightful proposer ${addressOf(rightful)}`);
    }
    verifyProposalSignature(this.chain.params.chainId, p);
    this.rules.observer?.proposed(header.height, toHex(blockHash(header)), now);
    this.recordProofOfLock(p, toHex(blockHash(header)), now);
    if (this.proposals.has(p.round)) {
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
      this.report(proveInvalidBlock(this.chain.params.chainId, this.chain.key, block!, this.chain.head.height));
    }
    this.proposals.set(p.round, { proposal: p, block: block!, hash, valid });
    if (this.phase === 'idle') this.startRound(Math.max(this.round, 0), now);
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
    for (const vote of p.pol) {
      if (vote.type !== Vote.Type.PREVOTE || vote.height !== this.height || vote.round !== p.validRound || toHex(vote.blockHash) !== hash) {
        throw new InvalidMessage('proposal proof of lock holds a vote that is not a prevote for its block in its valid round');
      }
      const weight = this.validatorSet.weightOf(hexOf(vote.voter));
      if (weight === 0) throw new InvalidMessage(`proposal proof of lock holds a vote from ${addressOf(vote.voter)}, which is not a validator`);
      verifyVote(this.chain.params.chainId, vote);
      this.record(vote, weight, now, true);
    }
    // Counting the proof must not change how the proposal itself is judged (a known vote is no fault of it).
    this.out.verdict = verdict;
    this.out.reason = reason;
  }

  private onVote(vote: Vote, input: EngineInput): void {
    if (!this.heightGate(vote.height, input)) return;
    if (vote.round > this.round + MAX_ROUND_AHEAD) throw new InvalidMessage(`vote round ${vote.round} is too far ahead`);
    const voter = hexOf(vote.voter);
    const weight = this.validatorSet.weightOf(voter);
    if (weight === 0) throw new InvalidMessage(`vote from ${addressOf(vote.voter)}, which is not a validator`);
    verifyVote(this.chain.params.chainId, vote);
    this.record(vote, weight, input.now);
    if (this.phase === 'idle') this.startRound(this.round, input.now);
  }

  private record(vote: Vote, weight: number, now: number, proof = false): void {
    const tally = this.tallies(vote.round)[vote.type === Vote.Type.PREVOTE ? 'prevotes' : 'precommits'];
    const { added, conflict } = proof ? tally.addToProof(vote, weight) : tally.add(vote, weight);
    if (conflict) {
      this.report(makeEquivocationEvidence(this.chain.params.chainId, this.chain.key, Vote.encode(conflict), Vote.encode(vote), this.chain.head.height));
      this.out.verdict = 'reject';
      this.out.reason = 'equivocating vote';
    } else if (!added) {
      this.out.verdict = 'ignore';
    } else if (vote.round === this.round) {
      this.armResend(now);
    }
  }

  /** Evidence this replica raised: kept for a block and gossiped, unless it is already known. */
  private report(evidence: Evidence | undefined): void {
    if (evidence === undefined) return;
    const summary = this.chain.admitEvidence(evidence);
    if (summary) {
      this.out.evidence.push(summary);
      this.out.publish.push({ kind: 'evidence', evidence });
    }
  }

  private onCertified(cb: CertifiedBlock, now: number): void {
    const block = cb.block;
    const cert = cb.certificate;
    if (block === undefined || cert === undefined) throw new InvalidMessage('certified block lacks its block or certificate');
    const header = headerOf(block);
    if (header.height < this.height) {
      this.out.verdict = 'ignore';
      return;
    }
    if (header.height > this.height) {
      this.out.behindUntil = header.height;
      this.out.verdict = 'ignore';
      return;
    }
    const hash = toHex(blockHash(header));
    if (cert.height !== header.height || toHex(cert.blockHash) !== hash) throw new InvalidMessage('certificate is for another block');
    this.checkCertificate(cert, this.validatorSet);
    this.commit(block, cert.round, cert.sigs.map((s) => precommitOf(cert, s)), now);
  }

  // ------------------------------------------------------------------ the state machine

  private tallies(round: number): RoundVotes {
    let r = this.votes.get(round);
    if (r === undefined) {
      r = { prevotes: new VoteTally(), precommits: new VoteTally() };
      this.votes.set(round, r);
    }
    return r;
  }

  private once(tag: string): boolean {
    if (this.armed.has(tag)) return false;
    this.armed.add(tag);
    return true;
  }

  private schedule(kind: TimerKind, round: number, at: number): void {
    this.timers.push({ kind, round, at });
  }

  private timeout(base: number, round: number): number {
    return base + round * this.timeouts.roundDeltaMs;
  }

  private startRound(round: number, now: number): void {
    const txSet = this.rules.txSet;
    if (txSet && !this.ballotsSent) {
      // The height's transaction-set vote: round 1 now, round 2 halfway through the proposer's wait.
      this.ballotsSent = true;
      this.out.publish.push(...txSet.ballot(this.chain, 1));
      this.schedule('ballot2', round, now + txSet.windowMs / 2);
    }
    this.round = round;
    this.phase = 'propose';
    this.timers = this.timers.filter((t) => t.kind !== 'start');
    if (txSet && round === 0 && this.isProposer(round)) {
      this.roundStartedAt = now;
      this.schedule('ready', round, now + txSet.windowMs);
    } else {
      this.propose(round, now);
    }
    this.schedule('propose', round, now + this.timeout(this.timeouts.proposeMs, round));
    this.armResend(now);
  }

  private isProposer(round: number): boolean {
    return toHex(this.rules.proposerOf(this.chain, this.validatorSet, round)) === this.selfKey;
  }

  private propose(round: number, now: number): void {
    if (this.isProposer(round) && !this.proposals.has(round)) {
      const block =
        this.validBlock ?? buildBlock(this.chain.params.chainId, this.chain.key, this.chain.buildContent(now, round, this.rules.txSet?.select(this.chain)));
      // The proof of lock travels with the block (see onProposal): the prevotes that made it our valid block.
      const pol = this.validBlock ? (this.votes.get(this.validRound)?.prevotes.votesFor(toHex(blockHash(headerOf(block)))) ?? []) : [];
      const proposal = signProposal(this.chain.params.chainId, this.chain.key, { block, round, validRound: this.validRound, pol });
      this.proposals.set(round, { proposal, block, hash: toHex(blockHash(headerOf(block))), valid: true });
      this.rules.observer?.proposed(this.height, toHex(blockHash(headerOf(block))), now);
      this.ownProposals.push(proposal);
      this.recordWal();
      this.out.publish.push({ kind: 'proposal', proposal });
    }
  }

  /** Restarts the no-progress clock; called whenever the round moves or a new message counts. */
  private armResend(now: number): void {
    this.timers = this.timers.filter((t) => t.kind !== 'resend');
    this.resends = 0;
    if (this.phase !== 'idle') this.schedule('resend', this.round, now + this.timeouts.resendMs);
  }

  private resend(now: number): void {
    this.resends++;
    const ofRound = (r: number): boolean => r === this.round;
    for (const proposal of this.ownProposals) if (ofRound(proposal.round)) this.out.publish.push({ kind: 'proposal', proposal, resend: this.resends });
    for (const vote of this.ownVotes) if (ofRound(vote.round)) this.out.publish.push({ kind: 'vote', vote, resend: this.resends });
    this.schedule('resend', this.round, now + this.timeouts.resendMs * Math.min(8, 2 ** this.resends));
  }

  private castVote(type: Vote.Type, hash: Hex): void {
    const tally = this.tallies(this.round)[type === Vote.Type.PREVOTE ? 'prevotes' : 'precommits'];
    if (!this.isValidator || tally.has(this.selfKey)) return; // never sign twice for one (height, round, type)
    const vote = signVote(this.chain.params.chainId, this.chain.key, {
      type,
      height: this.height,
      round: this.round,
      blockHash: hash === NIL ? new Uint8Array(0) : fromHex(hash),
    });
    tally.add(vote, this.validatorSet.weightOf(this.selfKey));
    this.ownVotes.push(vote);
    this.recordWal();
    this.out.publish.push({ kind: 'vote', vote });
  }

  private prevote(hash: Hex): void {
    this.phase = 'prevote';
    this.castVote(Vote.Type.PREVOTE, hash);
  }

  private precommit(hash: Hex): void {
    this.phase = 'precommit';
    this.castVote(Vote.Type.PRECOMMIT, hash);
  }

  /** Applies the upon-rules of Algorithm 1 until none fires. */
  private evaluate(now: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.evaluateOnce(now)) return;
    }
  }

  private evaluateOnce(now: number): boolean {
    const vs = this.validatorSet;
    // Decide: a proposal plus >2/3 precommits for it in any round.
    for (const [r, rec] of this.proposals) {
      const tally = this.votes.get(r)?.precommits;
      if (tally && rec.valid && vs.isQuorum(tally.weightFor(rec.hash))) {
        this.commit(rec.block, r, tally.votesFor(rec.hash), now);
        return true;
      }
    }
    for (const [r, rv] of this.votes) {
      const leader = rv.precommits.leader();
      // The block we hold for round r must be the decided one: with an equivocating proposer we may hold a
      // valid proposal for another block, never accept a second proposal for r, and so would wait forever.
      const held = this.proposals.get(r);
      if (leader && leader.hash !== NIL && vs.isQuorum(leader.weight) && !(held?.valid && held.hash === leader.hash)) {
        this.out.behindUntil = this.height; // the network decided a block we never received: fetch it
      }
    }
    if (this.phase === 'idle') return false;
    // Skip ahead: >1/3 of the weight is already in a later round.
    for (const [r, rv] of this.votes) {
      if (r <= this.round) continue;
      const senders = new Set([...rv.prevotes.voters(), ...rv.precommits.voters()]);
      const weight = [...senders].reduce((sum, k) => sum + vs.weightOf(k), 0);
      if (vs.isOneThird(weight)) {
        this.startRound(r, now);
        return true;
      }
    }
    const rec = this.proposals.get(this.round);
    const rv = this.tallies(this.round);
    if (this.phase === 'propose' && rec) {
      const vr = rec.proposal.validRound;
      if (vr === -1) {
        const ok = rec.valid && (this.lockedRound === -1 || this.lockedHash() === rec.hash);
        this.prevote(ok ? rec.hash : NIL);
        return true;
      }
      const prior = this.votes.get(vr)?.prevotes;
      if (vr < this.round && prior && vs.isQuorum(prior.weightFor(rec.hash))) {
        const ok = rec.valid && (this.lockedRound <= vr || this.lockedHash() === rec.hash);
        this.prevote(ok ? rec.hash : NIL);
        return true;
      }
    }
    // Algorithm 1 arms these two timeouts only once >2/3 of the votes of the step arrived, which assumes every
    // vote is eventually delivered (Tendermint re-gossips votes until they are). Our transport may lose a vote
    // for good (message loss, partitions): a replica that then never sees >2/3 has no timer left and waits
    // forever, and once every replica is in that state the chain halts for good (found by the 20%-loss and 2/2
    // split simulations). So each timer is also armed on entering its step. Timeouts only ever lead to nil
    // votes and later rounds, which Tendermint's safety argument allows at any time.
    if (this.phase === 'prevote' && this.once(`prevote-timer/${this.round}`)) {
      this.schedule('prevote', this.round, now + this.timeout(this.timeouts.prevoteMs, this.round));
    }
    if (rec && rec.valid && this.phase !== 'propose' && vs.isQuorum(rv.prevotes.weightFor(rec.hash)) && this.once(`lock/${this.round}`)) {
      if (this.phase === 'prevote') {
        this.lockedRound = this.round;
        this.lockedBlock = rec.block;
        this.validRound = this.round;
        this.validBlock = rec.block;
        this.precommit(rec.hash);
      } else {
        this.validRound = this.round;
        this.validBlock = rec.block;
      }
      return true;
    }
    if (this.phase === 'prevote' && vs.isQuorum(rv.prevotes.weightFor(NIL))) {
      this.precommit(NIL);
      return true;
    }
    if ((this.phase === 'precommit' || vs.isQuorum(rv.precommits.weight)) && this.once(`precommit-timer/${this.round}`)) {
      this.schedule('precommit', this.round, now + this.timeout(this.timeouts.precommitMs, this.round));
    }
    return false;
  }

  // ------------------------------------------------------------------ BlockRules (called by ChainState.execute)

  /**
   * Every block after the first carries the certificate of its parent: a quorum of the parent height's
   * validators precommitting exactly the parent hash.
   */
  checkBlock(block: Block): void {
    this.checkLastCommit(block);
    this.rules.txSet?.check(this.chain, block);
  }

  private checkLastCommit(block: Block): void {
    const header = headerOf(block);
    const cert = block.lastCommit;
    if (header.height === 1) {
      if (cert !== undefined) throw new InvalidMessage('block 1 carries a last commit, but the genesis has no certificate');
      return;
    }
    if (cert === undefined) throw new InvalidMessage(`block ${header.height} carries no certificate of its parent`);
    if (cert.height !== header.height - 1 || toHex(cert.blockHash) !== toHex(header.prevHash)) {
      throw new InvalidMessage(`block ${header.height}: last commit is not for its parent`);
    }
    const members = this.chain.headRecord?.validators;
    const signers = members
      ? new ValidatorSet(
          members.map((m) => ({ publicKey: fromHex(m.publicKey), key: m.publicKey, address: addressOf(fromHex(m.publicKey)), weight: m.weight })),
          this.validatorSet.quorum,
        )
      : this.validatorSet;
    this.checkCertificate(cert, signers);
  }

  afterTxs(state: StateOverlay, block: BlockFacts): void {
    this.rules.afterTxs?.(state, block, this.chain.headRecord);
  }

  /** Distinct signers with valid precommit signatures, holding a quorum of `validators`. */
  private checkCertificate(cert: Certificate, validators: ValidatorSet): void {
    const seen = new Set<Hex>();
    let weight = 0;
    for (const sig of cert.sigs) {
      const voter = toHex(sig.voter);
      const w = validators.weightOf(voter);
      if (w === 0 || seen.has(voter)) throw new InvalidMessage('certificate signer is not a validator or signs twice');
      verifyVote(this.chain.params.chainId, precommitOf(cert, sig));
      seen.add(voter);
      weight += w;
    }
    if (!validators.isQuorum(weight)) throw new InvalidMessage('certificate carries no quorum of the validator weight');
  }

  private lockedHash(): Hex | undefined {
    return this.lockedBlock ? toHex(blockHash(headerOf(this.lockedBlock))) : undefined;
  }

  private fireTimers(now: number): void {
    const due = this.timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > now);
    for (const t of due) {
      if (t.kind === 'start') {
        if (this.phase === 'idle') this.startRound(this.round, now);
      } else if (t.kind === 'relay') {
        this.out.publish.push(...(this.rules.txSet?.flushRelay?.(this.chain) ?? []));
      } else if (t.kind === 'ballot2') {
        this.out.publish.push(...(this.rules.txSet?.ballot(this.chain, 2) ?? []));
      } else if (t.kind === 'ready') {
        const txSet = this.rules.txSet!;
        if (t.round !== this.round || this.phase !== 'propose') continue;
        // Propose once the ballots are in, or with what there is when the wait is over.
        if (txSet.haveBallots(this.chain) || now - this.roundStartedAt >= txSet.maxWaitMs) this.propose(t.round, now);
        else this.schedule('ready', t.round, now + READY_POLL_MS);
      } else if (t.kind === 'resend') {
        if (t.round === this.round && this.phase !== 'idle') this.resend(now);
      } else if (t.round === this.round) {
        if (t.kind === 'propose' && this.phase === 'propose') this.prevote(NIL);
        else if (t.kind === 'prevote' && this.phase === 'prevote') this.precommit(NIL);
        else if (t.kind === 'precommit') this.startRound(this.round + 1, now);
      }
      this.evaluate(now);
    }
  }

  private commit(block: Block, round: number, precommits: Vote[], now: number): void {
    const executed = this.chain.execute(block);
    const header = headerOf(block);
    const certificate: Certificate = {
      height: header.height,
      round,
      blockHash: blockHash(header),
      sigs: precommits.map((v) => ({ voter: v.voter, signature: v.signature })),
    };
    // Recorded before the head moves: the proposers of the rounds before the block's own round failed.
    const record: HeadRecord = {
      validators: this.validatorSet.members.map((v) => ({ publicKey: v.key, weight: v.weight })),
      failedProposers: Array.from({ length: header.round }, (_, r) => addressOf(this.rules.proposerOf(this.chain, this.validatorSet, r))),
    };
    const committed = this.chain.commit(block, executed, certificate, record);
    this.rules.observer?.close(header.height);
    this.out.commits.push({ ...committed, certificate, headRecord: record });
    this.out.txStatuses.push(...committed.dropped);
    for (const alert of committed.alerts) {
      this.out.evidence.push(alert.summary);
      this.out.publish.push({ kind: 'evidence', evidence: alert.evidence });
    }
    const lingering = this.chain.mempool.lingering(header.height, RESEND_TXS_AFTER, this.chain.params.maxBlockTxs);
    if (lingering.length > 0) this.out.publish.push({ kind: 'txs', txs: lingering });
    this.recentProposers.unshift({ height: header.height, proposer: addressOf(header.proposer) });
    this.recentProposers.length = Math.min(this.recentProposers.length, RECENT_PROPOSERS);
    this.enterHeight();
    this.wakeForWork(now);
    const buffered = this.future;
    this.future = [];
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
    this.round = 0;
    this.phase = 'idle';
    this.lockedRound = -1;
    this.lockedBlock = undefined;
    this.validRound = -1;
    this.validBlock = undefined;
    this.proposals = new Map();
    this.votes = new Map();
    this.armed = new Set();
    // Ballots held for relay may already be the next height's: their timer outlives the height.
    this.timers = this.timers.filter((t) => t.kind === 'relay');
    this.ownProposals = [];
    this.ownVotes = [];
    this.ballotsSent = false;
  }

  // ------------------------------------------------------------------ persistence

  private recordWal(): void {
    setWal(this.out, {
      height: this.height,
      round: this.round,
      step: this.phase,
      lockedRound: this.lockedRound,
      lockedBlock: this.lockedBlock,
      validRound: this.validRound,
      validBlock: this.validBlock,
      proposals: [...this.ownProposals],
      votes: [...this.ownVotes],
    });
  }

  /**
   * Resumes where the record left off: same round and step, same lock, and our signed messages counted and
   * due for resending, so peers that waited for them can go on and we never sign a conflicting one.
   */
  private restore(wal: Uint8Array): void {
    const rec = JSON.parse(new TextDecoder().decode(wal)) as WalRecord;
    if (rec.height !== this.height) return;
    this.lockedRound = rec.lockedRound;
    this.lockedBlock = rec.lockedBlock ? Block.decode(fromHex(rec.lockedBlock)) : undefined;
    this.validRound = rec.validRound;
    this.validBlock = rec.validBlock ? Block.decode(fromHex(rec.validBlock)) : undefined;
    this.round = rec.round;
    this.phase = rec.step;
    for (const hex of rec.proposals) {
      const proposal = Proposal.decode(fromHex(hex));
      this.ownProposals.push(proposal);
      this.proposals.set(proposal.round, { proposal, block: proposal.block!, hash: toHex(blockHash(headerOf(proposal.block))), valid: true });
    }
    for (const hex of rec.votes) {
      const vote = Vote.decode(fromHex(hex));
      this.ownVotes.push(vote);
      this.tallies(vote.round)[vote.type === Vote.Type.PREVOTE ? 'prevotes' : 'precommits'].add(vote, this.validatorSet.weightOf(this.selfKey));
    }
    if (this.phase !== 'idle') this.schedule('resend', this.round, 0);
    if (this.phase === 'propose') this.schedule('propose', this.round, 0);
  }

  // ------------------------------------------------------------------ views

  status(): EngineStatus {
    const role: Role = this.rules.roleOf?.(this.chain, this.validatorSet, this.selfKey) ?? (this.isValidator ? 'validator' : 'normal');
    return {
      engine: this.name,
      role,
      height: this.chain.head.height,
      headHash: toHex(this.chain.head.hash),
      round: this.round,
      step: this.phase,
      recentProposers: [...this.recentProposers],
    };
  }

  /** Every registered node: the validator set's members with their roles, then the others (normal, suspended, evicted). */
  validators(): ValidatorView[] {
    const members: ValidatorView[] = this.validatorSet.members.map((v) => ({
      address: v.address,
      publicKey: v.key,
      role: this.rules.roleOf?.(this.chain, this.validatorSet, v.key) ?? 'validator',
      stake: this.chain.account(v.address).stake,
      ...this.rules.describe?.(this.chain, v.address),
    }));
    const inSet = new Set(members.map((v) => v.address));
    const others: ValidatorView[] = [];
    for (const [address, a] of this.chain.ledger.entries()) {
      if (inSet.has(address) || a.stake === 0 || a.publicKey === undefined) continue;
      const publicKey = toHex(a.publicKey);
      others.push({ address, publicKey, role: this.rules.roleOf?.(this.chain, this.validatorSet, publicKey) ?? 'normal', stake: a.stake, ...this.rules.describe?.(this.chain, address) });
    }
    return [...members, ...others.sort((a, b) => (a.address < b.address ? -1 : 1))];
  }
}
