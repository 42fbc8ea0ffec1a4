import { addressOf, type Address } from './address.js';
import { type BlockContent, blockHash, headerOf, signedTxHash, verifyBlockIntegrity } from './block.js';
import { BoundedMap } from './bounded-map.js';
import { bytesEqual, type Hex, ownBytes, toHex } from './bytes.js';
import { InvalidMessage, TxRejected } from './errors.js';
import type { EvidenceSummary } from './evidence.js';
import { EvidencePool } from './evidence-pool.js';
import type { Genesis } from './genesis.js';
import type { KeyPair } from './keys.js';
import { type Account, EMPTY_ACCOUNT, LedgerState, StateOverlay, applyTx } from './ledger.js';
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
  readonly evidence: EvidencePool;
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
    this.evidence = new EvidencePool({
      chainId: params.chainId,
      key,
      head: () => this.head,
      account: (address) => this.ledger.get(address),
      execute: (block) => this.execute(block),
    });
  }

  account(address: Address): Account {
    return this.ledger.get(address) ?? EMPTY_ACCOUNT;
  }

  /** Something a block could carry now: evidence, or a transaction whose nonce is the sender's next. */
  hasWork(): boolean {
    return this.evidence.size > 0 || this.mempool.hasReady(this.ledger);
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
          this.evidence.alert(committedRival, tx),
        );
      }
      // Of two pending transactions for one slot every replica keeps the one with the smaller id, whatever order
      // they arrived in: replicas then hold, and vote for, the same one, and exactly one of them can commit.
      const pendingRival = this.mempool.occupant(addressOf(tx.sender), tx.nonce);
      if (pendingRival !== undefined && pendingRival.id < id) {
        return reject(
          'nonce-conflict',
          `double spend: nonce ${tx.nonce} is already used by pending transaction ${pendingRival.id}`,
          this.evidence.alert(pendingRival.tx, tx),
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
        alert: this.evidence.alert(pendingRival.tx, tx),
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

  /**
   * What the proposer puts in its next block. An engine that agrees on the transaction set first (NCCA) says
   * which pending transactions may go in, and gives the ballots that prove it.
   */
  buildContent(now: number, round: number, txSet?: TxSetChoice): BlockContent {
    const { txs, overlay } = this.mempool.select(this.ledger, this.params.maxBlockTxs, txSet?.allowed);
    const evidence = this.evidence.forBlock(this.params.maxBlockEvidence);
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
      const summary = this.evidence.judge(ev);
      if (seen.has(summary.id) || this.evidence.recorded(summary.id)) bad(`evidence ${summary.id} is already recorded`);
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
    this.evidence.committedBlock(executed.evidence.map((e) => e.id));
    const alerts: CommittedBlock['alerts'] = [];
    const dropped: TxStatus[] = this.mempool.stale(this.ledger).map(({ id, tx }) => {
      this.mempool.remove(id);
      const winner = this.committedTx(slotOf(tx));
      if (winner === undefined) return { id, status: 'rejected', code: 'nonce-too-low', reason: `nonce ${tx.nonce} already used` };
      const alert = this.evidence.alert(winner, tx);
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

