import type { Hex } from '../core/bytes.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { ChainState, TxStatus } from '../core/chain-state.js';
import type { KeyPair } from '../core/keys.js';
import { signTx, type TxBody, txId } from '../core/tx.js';
import type { Tx } from '../core/wire/posplus.js';
import type { Ready } from '../consensus/engine.js';
import { type Address, addressOf } from '../core/address.js';
import { lostRights } from '../consensus/ncca/account-view.js';

/**
 * The node cannot take a transaction now: it has no chain yet (start-up ceremony or sync in progress), or the chain
 * suspended or evicted its key, so its peers ignore what it gossips and the transaction would never leave it.
 */
export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
}

export interface TxServiceShell {
  key: KeyPair;
  chain(): ChainState | undefined;
  /** Where a committed transaction is on disk. */
  committedAt(id: Hex): Promise<{ height: number } | undefined>;
  /** Steps the engine with the transaction; undefined when there is no engine yet. */
  feed(tx: Tx): Ready | undefined;
}

export type TxStatusView = { id: Hex; status: 'pending' | 'committed' | 'rejected'; height?: number; reason?: string };

/** What the operator does with transactions through this node: submit one, have the node sign one, ask its fate. */
export class TxService {
  /** The last status of each transaction the node has seen, for tx_get between the mempool and the disk. */
  private readonly statuses = new BoundedMap<Hex, TxStatus>(100_000);
  /** When each local submission was taken, for the commit-latency histogram. */
  private readonly submittedAt = new BoundedMap<Hex, number>(100_000);
  private ownSubmissions: Promise<void> = Promise.resolve();
  /** This node's own account. */
  private readonly me: Address;

  constructor(private readonly shell: TxServiceShell) {
    this.me = addressOf(shell.key.publicKey);
  }

  /** Statuses an engine step gave. A copy refused as a duplicate says nothing about the original. */
  heard(statuses: readonly TxStatus[]): void {
    for (const s of statuses) if (s.status !== 'rejected' || s.code !== 'duplicate') this.statuses.set(s.id, s);
  }

  /**
   * Transactions now on disk in a committed block: the disk answers for them from here on, and once the block is
   * pruned (RETAIN_BLOCKS) a status kept here would say "pending" for ever.
   */
  committed(ids: readonly Hex[]): void {
    for (const id of ids) {
      this.statuses.delete(id);
      this.submittedAt.delete(id);
    }
  }

  /** When a committed transaction was submitted here, if it was. */
  submittedAtOf(id: Hex): number | undefined {
    return this.submittedAt.get(id);
  }

  /** Submits a signed transaction as if it came from this node's operator. */
  async submit(tx: Tx): Promise<TxStatus> {
    const id = txId(tx);
    const location = await this.shell.committedAt(id);
    if (location !== undefined) {
      return { id, status: 'rejected', code: 'duplicate', reason: `transaction already committed at height ${location.height}` };
    }
    const chain = this.shell.chain();
    const lost = chain && lostRights(chain.ledger.get(this.me), chain.head.timestamp);
    if (lost) throw new NotReadyError(`this node is ${lost} by the chain's detection: its peers ignore its gossip, so submit through another node`);
    const ready = this.shell.feed(tx);
    if (ready === undefined) throw new NotReadyError('the node has no chain yet (start-up ceremony or sync in progress)');
    const status = ready.txStatuses.find((s) => s.id === id) ?? { id, status: 'pending' as const };
    if (status.status === 'pending') this.submittedAt.set(id, Date.now());
    return status;
  }

  /**
   * Signs and submits a transaction of this node's own account. Picks run one after another: the nonce is
   * read from the mempool only once the previous own transaction is in it, so two callers (the operator's
   * tx_send and the node's own LOCATE, say) never pick the same nonce and double-spend themselves.
   */
  submitOwn(body: (nonce: number) => TxBody): Promise<TxStatus> {
    const next = this.ownSubmissions.then(() => {
      const chain = this.shell.chain();
      if (chain === undefined) throw new NotReadyError('the node has no chain yet (start-up ceremony or sync in progress)');
      const nonce = chain.mempool.nextFreeNonce(this.me, chain.account(this.me).nonce);
      return this.submit(signTx(chain.params.chainId, this.shell.key, body(nonce)));
    });
    this.ownSubmissions = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  async status(id: Hex): Promise<TxStatusView | undefined> {
    const location = await this.shell.committedAt(id);
    if (location !== undefined) return { id, status: 'committed', height: location.height };
    const s = this.statuses.get(id);
    if (s?.status === 'rejected') return { id, status: 'rejected', reason: s.reason };
    // Pending in the mempool, or committed in memory and still on its way to disk.
    if (this.shell.chain()?.mempool.has(id) || s?.status === 'pending') return { id, status: 'pending' };
    return undefined;
  }
}
