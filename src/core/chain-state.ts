import { addressOf, type Address } from './address.js';
import { type BlockContent, blockHash, headerOf, signedTxHash, verifyBlockIntegrity } from './block.js';
import { BoundedMap } from './bounded-map.js';
import { bytesEqual, type Hex, ownBytes, toHex } from './bytes.js';
import { InvalidMessage, TxRejected } from './errors.js';
import { type EvidenceSummary, accusedBlockOf, evidenceId, makeDoubleSpendAlert, makeInvalidBlockEvidence, offenceHeightOf, offenderOf, unprovableBlock, verifyEvidence } from './evidence.js';
import type { Genesis } from './genesis.js';
import type { KeyPair } from './keys.js';
import { type Account, EMPTY_ACCOUNT, LedgerState, StateOverlay, applyTx, isRegistered } from './ledger.js';
import { Mempool, spendOf } from './mempool.js';
import { contentId, hexOf, memoByObject } from './object-memo.js';
import { encodeTx, txId, verifyTx } from './tx.js';
import { Block, type Certificate, Evidence, Tx, type TxSetBallot, type TxSetCall } from './wire/posplus.js';

export interface ChainParams {
  chainId: string;
  maxBlockTxs: number;
  maxBlockEvidence: number;
  mempoolCapacity: number;
  /** How far ahead of the account's next nonce a pending transaction may be. */
  maxNonceAhead: number;
  /** How far a block timestamp may run ahead of the validator's clock. */
  maxClockDriftMs: number;
}

export const DEFAULT_CHAIN_PARAMS: Omit<ChainParams, 'chainId'> = {
  maxBlockTxs: 2000,
  maxBlockEvidence: 64,
  mempoolCapacity: 50_000,
  maxNonceAhead: 64,
  maxClockDriftMs: 10_000,
};

/**
 * What an engine adds to block execution: a check of the previous height's certificate (only the engine knows
 * that height's validators) and its own deterministic bookkeeping after the transactions (NCCA's credit).
 * Pure functions of the chain they are given.
 */
export interface BlockRules {
  /** Rules only the engine can check: the parent's certificate, and (NCCA) that the transactions were voted in. */
  checkBlock(chain: ChainState, block: Block): void;
  afterTxs(chain: ChainState, state: StateOverlay, block: BlockFacts): void;
}

/** A transaction-set vote's outcome for the proposer: which pending transactions may go in, and its proof. */
export interface TxSetChoice {
  allowed: ReadonlySet<Hex>;
  ballots: TxSetBallot[];
  calls?: TxSetCall[];
}

/** What engine bookkeeping may read of a block: the same whether it is being built or checked. */
export interface BlockFacts {
  height: number;
  /** Block time (ms): suspensions are measured in it, so every replica ends them at the same height. */
  timestamp: number;
  proposer: Uint8Array;
  lastCommit?: Certificate;
  evidence: readonly Evidence[];
  txs: readonly Tx[];
  ballots: readonly TxSetBallot[];
  /** The calls NCCA's ballots answer (their bits refer to these ids). */
  calls: readonly TxSetCall[];
}

/**
 * What the next block needs to know about the head's height that the ledger no longer shows: who could sign
 * its certificate (to check the next block's lastCommit) and whose proposals failed there (NCCA credit).
 */
export interface HeadRecord {
  validators: { publicKey: Hex; weight: number }[];
  failedProposers: Address[];
}

/** For a chain no engine drives (ledger tests, tools that only read): every block is the engine's business. */
export const NO_BLOCK_RULES: BlockRules = { checkBlock: () => undefined, afterTxs: () => undefined };

export interface Head {
  height: number;
  hash: Uint8Array;
  timestamp: number;
}

export type TxStatus =
  | { id: Hex; status: 'pending' }
  | { id: Hex; status: 'rejected'; code: TxRejected['code']; reason: string };

export interface AdmitResult {
  result: TxStatus;
  /** A pending transaction this one replaced in its (sender, nonce) slot. */
  displaced?: TxStatus;
  /** A double-spend alert this transaction caused, already signed by this node. */
  alert?: { evidence: Evidence; summary: EvidenceSummary };
}

export interface ExecutedBlock {
  changes: ReadonlyMap<Address, Account>;
  evidence: EvidenceSummary[];
}

export interface CommittedBlock extends ExecutedBlock {
  block: Block;
  hash: Hex;
  txIds: Hex[];
  /** Pending transactions the new state made impossible, with why. */
  dropped: TxStatus[];
  /** Double-spend alerts raised because a committed transaction displaced a different pending one. */
  alerts: NonNullable<AdmitResult['alert']>[];
}

const RECENT = 200_000;
/** Every replica of a simulated network commits the same transaction objects: one encoding each, in a buffer of its own (see ownBytes). */
const encodedTx = memoByObject((tx: Tx) => ownBytes(encodeTx(tx)));
/** Evidence waiting for a block: a few blocks' worth (maxBlockEvidence is 64); more is dropped until blocks take some. */
const MAX_PENDING_EVIDENCE = 1_024;
/** How many heights back misconduct (equivocation, an invalid proposal) can still be recorded. */
export const MAX_EVIDENCE_AGE = 1_000;
/** How long a transaction may wait in the pool. */
export const MEMPOOL_TTL_MS = 10 * 60_000;

/**
 * Verdicts of executed blocks, keyed by the head they were executed on and the block's content (see execute).
 * A replica keeps its own; replicas in one process that follow one chain may share one, since execution is a
 * pure function of the head and the block.
 */
export type ExecutionCache = BoundedMap<string, ExecutedBlock | InvalidMessage>;

export const executionCache = (limit = 64): ExecutionCache => new BoundedMap(limit);

const slotOf = (tx: Tx): string => `${addressOf(tx.sender)}:${tx.nonce}`;

/**
 * What a checked signature is remembered by. A transaction id leaves the signature out, so remembering "id
 * verified" let a proposer put a known transaction with a broken signature into a block: every replica that had
 * verified the original accepted it, the block was finalized, and a replica syncing the chain later rejected that
 * block and could never get past it (found by the NCCA byzantine simulation, invalidProposer 'forged-signature').
 * Validity must depend on the block alone, not on what a replica happened to see before. The hash of the signed
 * encoding covers the signature, in 64 characters where the id and the signature's hex took 193.
 */
const verifiedKey = (tx: Tx): Hex => hexOf(signedTxHash(tx));

/**
 * The ledger side of one replica: committed state, head, mempool and evidence pool. Pure: time comes in as
 * `now`, the node's key signs alerts, nothing touches the disk or the network.
 */
export class ChainState {
  readonly ledger: LedgerState;
  head: Head;
  /**
   * Stands for the ledger at the head, as the key of memos of pure functions of it: the executed block that made
   * it, which replicas sharing an execution cache also share, so they compute such a function once between them.
   */
  headState: object;
  readonly mempool: Mempool;
  private readonly verified = new BoundedMap<string, true>(RECENT);
  private readonly committedIds = new BoundedMap<Hex, number>(RECENT);
  /** A committed transaction by sender and nonce, encoded: one small buffer, not a decoded object of views. */
  private readonly committedSlots = new BoundedMap<string, Uint8Array>(RECENT);
  private readonly pendingEvidence = new Map<Hex, Evidence>();
  /**
   * Every piece of evidence committed on this chain, for good: a block that records one again is invalid on every
   * replica alike, one that restarted (and reloaded them, see rememberEvidence) as much as one that did not.
   * It grows only with evidence committed, at most maxBlockEvidence a block, each about a funded account or a
   * registered node.
   */
  private readonly committedEvidence = new Set<Hex>();
  /** The certificate of the head, which the next block carries as its lastCommit. */
  lastCertificate: Certificate | undefined;
  headRecord: HeadRecord | undefined;

  constructor(
    readonly params: ChainParams,
    readonly genesis: Genesis,
    readonly key: KeyPair,
    ledger: LedgerState,
    head: Head,
    private readonly blockRules: BlockRules,
    private readonly executed: ExecutionCache = executionCache(),
  ) {
    this.ledger = ledger;
    this.head = head;
    this.headState = head;
    this.mempool = new Mempool(params.mempoolCapacity);
  }

  account(address: Address): Account {
    return this.ledger.get(address) ?? EMPTY_ACCOUNT;
  }

  /** Something a block could carry now: evidence, or a transaction whose nonce is the sender's next. */
  hasWork(): boolean {
    return this.pendingEvidence.size > 0 || this.mempool.hasReady(this.ledger);
  }

  /** Checks a transaction against everything this replica knows and queues it, or says why not. */
  admitTx(tx: Tx, now: number): AdmitResult {
    const id = txId(tx);
    // Returned, not thrown: every validator hears each transaction from its cell and again when it is re-gossiped,
    // and an Error's stack trace for each duplicate was a visible share of a 250-node simulation.
    const reject = (code: TxRejected['code'], reason: string, alert?: AdmitResult['alert']): AdmitResult => ({
      result: { id, status: 'rejected', code, reason },
      alert,
    });
    if (this.mempool.has(id)) return reject('duplicate', 'transaction is already pending');
    const committedAt = this.committedIds.get(id);
    if (committedAt !== undefined) return reject('duplicate', `transaction already committed at height ${committedAt}`);
    try {
      if (!this.verified.has(verifiedKey(tx))) {
        verifyTx(this.params.chainId, tx);
        this.verified.set(verifiedKey(tx), true);
      }
      const sender = this.account(addressOf(tx.sender));
      const committedRival = tx.nonce < sender.nonce ? this.committedTx(slotOf(tx)) : undefined;
      if (committedRival !== undefined) {
        return reject(
          'nonce-conflict',
          `double spend: nonce ${tx.nonce} is already used by committed transaction ${txId(committedRival)}`,
          this.raiseAlert(committedRival, tx),
        );
      }
      // Of two pending transactions for one slot every replica keeps the one with the smaller id, whatever order
      // they arrived in: replicas then hold, and vote for, the same one, and exactly one of them can commit.
      const pendingRival = this.mempool.occupant(addressOf(tx.sender), tx.nonce);
      if (pendingRival !== undefined && pendingRival.id < id) {
        return reject(
          'nonce-conflict',
          `double spend: nonce ${tx.nonce} is already used by pending transaction ${pendingRival.id}`,
          this.raiseAlert(pendingRival.tx, tx),
        );
      }
      if (tx.nonce < sender.nonce) return reject('nonce-too-low', `nonce ${tx.nonce} already used (next is ${sender.nonce})`);
      if (tx.nonce > sender.nonce + this.params.maxNonceAhead) {
        throw new TxRejected('nonce-too-high', `nonce ${tx.nonce} is more than ${this.params.maxNonceAhead} ahead of the next nonce ${sender.nonce}`);
      }
      if (tx.nonce === sender.nonce) applyTx(new StateOverlay(this.ledger), tx);
      else this.checkFutureNonce(tx, sender);
      if (pendingRival === undefined) {
        this.mempool.add(id, tx, now, this.head.height);
        return { result: { id, status: 'pending' } };
      }
      this.mempool.remove(pendingRival.id);
      this.mempool.add(id, tx, now, this.head.height);
      const reason = `double spend: nonce ${tx.nonce} went to transaction ${id}, which has the smaller id`;
      return {
        result: { id, status: 'pending' },
        displaced: { id: pendingRival.id, status: 'rejected', code: 'nonce-conflict', reason },
        alert: this.raiseAlert(pendingRival.tx, tx),
      };
    } catch (err) {
      if (err instanceof TxRejected) return reject(err.code, err.reason);
      throw err;
    }
  }

  /**
   * A transaction for a later nonce waits in the pool, so it must be worth its slot: from an account that exists
   * and can pay for it and for every pending transaction of its own before it. Otherwise fresh keys could fill
   * the pool with transactions that can never apply.
   */
  private checkFutureNonce(tx: Tx, sender: Account): void {
    const from = addressOf(tx.sender);
    if (this.ledger.get(from) === undefined) throw new TxRejected('insufficient-balance', `nonce ${tx.nonce} is ahead, and the sender has no account to pay for it`);
    const spend = this.mempool.pendingSpend(from, sender.nonce, tx.nonce) + spendOf(tx);
    if (spend > sender.balance) {
      throw new TxRejected('insufficient-balance', `balance ${sender.balance} cannot pay for the pending transactions up to nonce ${tx.nonce} (${spend})`);
    }
  }

  private committedTx(slot: string): Tx | undefined {
    const encoded = this.committedSlots.get(slot);
    return encoded === undefined ? undefined : Tx.decode(encoded);
  }

  private raiseAlert(first: Tx, second: Tx): AdmitResult['alert'] {
    if (this.ledger.get(addressOf(first.sender)) === undefined || this.pendingEvidence.size >= MAX_PENDING_EVIDENCE) return undefined;
    const evidence = makeDoubleSpendAlert(this.params.chainId, this.key, first, second, this.head.height);
    const summary = verifyEvidence(this.params.chainId, evidence);
    if (this.committedEvidence.has(summary.id) || this.pendingEvidence.has(summary.id)) return undefined;
    this.pendingEvidence.set(summary.id, evidence);
    return { evidence, summary };
  }

  /** Evidence the chain recorded before this replica started (from its store). */
  rememberEvidence(ids: Iterable<Hex>): void {
    for (const id of ids) this.committedEvidence.add(id);
  }

  /** Evidence from a peer: verified, and kept for the next block unless already known. */
  admitEvidence(ev: Evidence): EvidenceSummary | undefined {
    // Known evidence is dropped before its signatures are checked. Every honest replica that sees an equivocation
    // reports it under its own signature, so each offence reaches every replica about n times with one id; checking
    // all three signatures of each copy first cost O(n²) verifications per equivocating vote (a third of the CPU of
    // the NCCA equivocation simulation). The id does not depend on the reporter, so nothing new is lost.
    const id = evidenceId(ev);
    if (this.committedEvidence.has(id) || this.pendingEvidence.has(id)) return undefined;
    // Built on another head, it cannot be judged here: no fault of whoever passed it on.
    if (ev.kind === Evidence.Kind.INVALID_BLOCK && !this.builtOnHead(ev)) return undefined;
    this.checkAccused(ev);
    const summary = verifyEvidence(this.params.chainId, ev);
    if (ev.kind === Evidence.Kind.INVALID_BLOCK) this.checkRefuted(ev);
    if (this.committedEvidence.has(summary.id) || this.pendingEvidence.has(summary.id)) return undefined;
    if (this.pendingEvidence.size >= MAX_PENDING_EVIDENCE) return undefined;
    this.pendingEvidence.set(summary.id, ev);
    return summary;
  }

  /**
   * Evidence against a block built on the head that fails there (makeInvalidBlockEvidence); undefined for a block
   * that is valid here, built on another head, not intact (a body swapped under a signed header proves nothing
   * against its creator) or carrying such a proof itself (judging one runs one block, not a chain of them).
   */
  proveRefuted(block: Block): Evidence | undefined {
    if (!bytesEqual(headerOf(block).prevHash, this.head.hash) || unprovableBlock(this.params.chainId, block) !== undefined) return undefined;
    try {
      this.execute(block);
      return undefined;
    } catch (err) {
      if (!(err instanceof InvalidMessage)) throw err;
    }
    return makeInvalidBlockEvidence(this.params.chainId, this.key, block, this.head.height);
  }

  private builtOnHead(ev: Evidence): boolean {
    return bytesEqual(headerOf(accusedBlockOf(ev)).prevHash, this.head.hash);
  }

  /** An invalid-block proof holds only on the accused block's parent, the head: running the block there fails. */
  private checkRefuted(ev: Evidence): void {
    if (!this.builtOnHead(ev)) throw new InvalidMessage('invalid-block proof: its block is not built on this head');
    try {
      this.execute(accusedBlockOf(ev));
    } catch (err) {
      if (err instanceof InvalidMessage) return;
      throw err;
    }
    throw new InvalidMessage('invalid-block proof: the block is valid on its parent');
  }

  /**
   * Evidence is only about those the chain knows: a double spend by an account that exists, misconduct by a
   * registered node. Keys nobody funded can neither fill the pool nor a block's evidence slots with it. Misconduct
   * is judged while it is recent: an offence more than MAX_EVIDENCE_AGE heights below the next block is not.
   */
  private checkAccused(ev: Evidence): void {
    let address: string;
    let offenceHeight: number | undefined;
    try {
      address = offenderOf(ev);
      offenceHeight = offenceHeightOf(ev);
    } catch (err) {
      throw new InvalidMessage(`evidence names no one it could accuse: ${(err as Error).message}`);
    }
    if (offenceHeight !== undefined && offenceHeight + MAX_EVIDENCE_AGE < this.head.height + 1) {
      throw new InvalidMessage(`evidence of an offence at height ${offenceHeight} is more than ${MAX_EVIDENCE_AGE} heights old`);
    }
    const account = this.ledger.get(address);
    if (account === undefined) throw new InvalidMessage(`evidence against ${address}, which has no account`);
    if (ev.kind !== Evidence.Kind.DOUBLE_SPEND && !isRegistered(account)) throw new InvalidMessage(`evidence against ${address}, which is not a registered node`);
  }

  /**
   * What the proposer puts in its next block. An engine that agrees on the transaction set first (NCCA) says
   * which pending transactions may go in, and gives the ballots that prove it.
   */
  buildContent(now: number, round: number, txSet?: TxSetChoice): BlockContent {
    const { txs, overlay } = this.mempool.select(this.ledger, this.params.maxBlockTxs, txSet?.allowed);
    const evidence = [...this.pendingEvidence.values()]
      .filter((ev) => ev.kind !== Evidence.Kind.INVALID_BLOCK || this.builtOnHead(ev))
      .slice(0, this.params.maxBlockEvidence);
    const content = {
      height: this.head.height + 1,
      round,
      prevHash: this.head.hash,
      timestamp: Math.max(now, this.head.timestamp + 1),
      txs,
      evidence,
      lastCommit: this.lastCertificate,
      ballots: txSet?.ballots,
      calls: txSet?.calls,
    };
    this.blockRules.afterTxs(this, overlay, { ...content, proposer: this.key.publicKey, ballots: content.ballots ?? [], calls: content.calls ?? [] });
    return { ...content, stateRoot: this.ledger.root(overlay.changes) };
  }

  /** Executes a block on top of the head and returns its state changes, or throws InvalidMessage. */
  execute(block: Block): ExecutedBlock {
    // Keyed by the whole block, not its hash: the hash does not pin every byte a block carries (an evidence item's
    // reporter and signature are outside the evidence root, and transaction signatures were outside the tx root
    // until it hashed signed transactions), so two bodies can share one hash, and a verdict on one must not stand
    // for the other — in either direction (a cached rejection of a forged copy would make the replica refuse the
    // valid, certified block forever). The head hash pins everything else execution reads: the ledger, the
    // committed ids and evidence, and the head's validators, all derived from the chain up to it.
    const key = `${toHex(this.head.hash)}/${contentId(Block, block)}`;
    const cached = this.executed.get(key);
    if (cached instanceof InvalidMessage) throw cached;
    if (cached !== undefined) return cached;
    try {
      const result = this.executeUncached(block);
      this.executed.set(key, result);
      return result;
    } catch (err) {
      if (err instanceof InvalidMessage) this.executed.set(key, err);
      throw err;
    }
  }

  /**
   * The one check that depends on the local clock, so it applies only to live proposals: a certified
   * block's certificate already shows that its validators found the timestamp acceptable.
   */
  checkTimely(block: Block, now: number): void {
    const h = headerOf(block);
    if (h.timestamp > now + this.params.maxClockDriftMs) {
      throw new InvalidMessage(`block ${h.height}: timestamp is ${h.timestamp - now} ms ahead of this node's clock`);
    }
  }

  private executeUncached(block: Block): ExecutedBlock {
    const h = headerOf(block);
    const bad = (reason: string): never => {
      throw new InvalidMessage(`block ${h.height}: ${reason}`);
    };
    if (h.height !== this.head.height + 1) bad(`expected height ${this.head.height + 1}`);
    if (!bytesEqual(h.prevHash, this.head.hash)) bad('previous hash is not our head');
    if (h.timestamp <= this.head.timestamp) bad('timestamp is not after the previous block');
    if (block.txs.length > this.params.maxBlockTxs) bad(`more than ${this.params.maxBlockTxs} transactions`);
    if (block.evidence.length > this.params.maxBlockEvidence) bad(`more than ${this.params.maxBlockEvidence} evidence items`);
    verifyBlockIntegrity(this.params.chainId, block);
    this.blockRules.checkBlock(this, block);
    const overlay = new StateOverlay(this.ledger);
    const seen = new Set<Hex>();
    for (const tx of block.txs) {
      const id = txId(tx);
      if (seen.has(id) || this.committedIds.has(id)) bad(`transaction ${id} appears twice`);
      seen.add(id);
      try {
        if (!this.verified.has(verifiedKey(tx))) verifyTx(this.params.chainId, tx);
        applyTx(overlay, tx);
      } catch (err) {
        if (err instanceof TxRejected) bad(`transaction ${id} is invalid: ${err.message}`);
        throw err;
      }
    }
    const evidence: EvidenceSummary[] = [];
    for (const ev of block.evidence) {
      this.checkAccused(ev);
      const summary = verifyEvidence(this.params.chainId, ev);
      if (ev.kind === Evidence.Kind.INVALID_BLOCK) this.checkRefuted(ev);
      if (seen.has(summary.id) || this.committedEvidence.has(summary.id)) bad(`evidence ${summary.id} is already recorded`);
      seen.add(summary.id);
      evidence.push(summary);
    }
    this.blockRules.afterTxs(this, overlay, {
      height: h.height,
      timestamp: h.timestamp,
      proposer: h.proposer,
      lastCommit: block.lastCommit,
      evidence: block.evidence,
      txs: block.txs,
      ballots: block.ballots,
      calls: block.calls,
    });
    if (!bytesEqual(h.stateRoot, this.ledger.root(overlay.changes))) bad('state root does not match the executed transactions');
    for (const tx of block.txs) this.verified.set(verifiedKey(tx), true);
    return { changes: overlay.changes, evidence };
  }

  /** Makes an executed block the new head; `certificate` is what proves it, carried by the next block. */
  commit(block: Block, executed: ExecutedBlock, certificate?: Certificate, record?: HeadRecord): CommittedBlock {
    const h = headerOf(block);
    const hash = blockHash(h);
    this.lastCertificate = certificate;
    this.headState = executed;
    this.headRecord = record;
    this.ledger.apply(executed.changes);
    this.head = { height: h.height, hash, timestamp: h.timestamp };
    const txIds = block.txs.map((tx) => {
      const id = txId(tx);
      this.committedIds.set(id, h.height);
      this.committedSlots.set(slotOf(tx), encodedTx(tx));
      this.mempool.remove(id);
      return id;
    });
    for (const e of executed.evidence) {
      this.committedEvidence.add(e.id);
      this.pendingEvidence.delete(e.id);
    }
    // Invalid-block proofs are judged on the parent just left behind: nobody can check them any more.
    for (const [id, ev] of this.pendingEvidence) if (ev.kind === Evidence.Kind.INVALID_BLOCK) this.pendingEvidence.delete(id);
    const alerts: CommittedBlock['alerts'] = [];
    const dropped: TxStatus[] = this.mempool.stale(this.ledger).map(({ id, tx }) => {
      this.mempool.remove(id);
      const winner = this.committedTx(slotOf(tx));
      if (winner === undefined) return { id, status: 'rejected', code: 'nonce-too-low', reason: `nonce ${tx.nonce} already used` };
      const alert = this.raiseAlert(winner, tx);
      if (alert) alerts.push(alert);
      const reason = `double spend: nonce ${tx.nonce} was used by committed transaction ${txId(winner)}`;
      return { id, status: 'rejected', code: 'nonce-conflict', reason };
    });
    // Whatever waited longer than MEMPOOL_TTL_MS (by this block's clock) goes: a nonce gap that is never filled, or
    // a balance that never comes, must not hold a slot for good.
    for (const { id } of this.mempool.arrivedBefore(h.timestamp - MEMPOOL_TTL_MS)) {
      this.mempool.remove(id);
      dropped.push({ id, status: 'rejected', code: 'expired', reason: `pending for more than ${MEMPOOL_TTL_MS / 60_000} minutes` });
    }
    return { block, hash: toHex(hash), txIds, dropped, alerts, ...executed };
  }
}

