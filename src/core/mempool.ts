import { addressOf, type Address } from './address.js';
import type { Hex } from './bytes.js';
import { hexOf } from './object-memo.js';
import { signedTxHash, signedTxSize } from './block.js';
import { type StateReader, StateOverlay, applyTx, EMPTY_ACCOUNT } from './ledger.js';
import { TxRejected } from './errors.js';
import { Tx } from './wire/posplus.js';

interface Entry {
  id: Hex;
  tx: Tx;
  sender: Address;
  arrivedAt: number;
  /** Chain height when it arrived, and when this replica last sent it again. */
  sinceHeight: number;
}

const slot = (sender: Address, nonce: number): string => `${sender}:${nonce}`;

/** What a transaction takes from its sender's balance. */
export function spendOf(tx: Tx): number {
  if (tx.kind === Tx.Kind.TRANSFER) return tx.amount;
  if (tx.kind === Tx.Kind.REGISTER) return tx.stake;
  return 0;
}

/**
 * Pending transactions in arrival order, indexed by (sender, nonce) so that a second, different
 * transaction for an occupied slot is recognised as a double spend instead of silently queued.
 */
export class Mempool {
  private readonly byId = new Map<Hex, Entry>();
  private readonly bySlot = new Map<string, Entry>();
  /** By signed-tx hash, the name a compact proposal gives a transaction. */
  private readonly bySigned = new Map<Hex, Entry>();
  private encodedBytes = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.byId.size;
  }

  /** Encoded size of everything pending. */
  get bytes(): number {
    return this.encodedBytes;
  }

  has(id: Hex): boolean {
    return this.byId.has(id);
  }

  get(id: Hex): Tx | undefined {
    return this.byId.get(id)?.tx;
  }

  /** When a pending transaction arrived. */
  arrivedAt(id: Hex): number | undefined {
    return this.byId.get(id)?.arrivedAt;
  }

  /** A pending transaction by signed-tx hash, with when it arrived. */
  bySignedHash(hash: Hex): { tx: Tx; arrivedAt: number } | undefined {
    return this.bySigned.get(hash);
  }

  occupant(sender: Address, nonce: number): { id: Hex; tx: Tx } | undefined {
    return this.bySlot.get(slot(sender, nonce));
  }

  add(id: Hex, tx: Tx, now: number, height = 0): void {
    if (this.byId.has(id)) this.remove(id);
    if (this.byId.size >= this.capacity) throw new TxRejected('mempool-full', `mempool holds ${this.capacity} transactions`);
    const entry: Entry = { id, tx, sender: addressOf(tx.sender), arrivedAt: now, sinceHeight: height };
    this.byId.set(id, entry);
    this.bySlot.set(slot(entry.sender, tx.nonce), entry);
    this.bySigned.set(hexOf(signedTxHash(tx)), entry);
    this.encodedBytes += signedTxSize(tx);
  }

  remove(id: Hex): void {
    const e = this.byId.get(id);
    if (e === undefined) return;
    this.byId.delete(id);
    this.bySlot.delete(slot(e.sender, e.tx.nonce));
    this.bySigned.delete(hexOf(signedTxHash(e.tx)));
    this.encodedBytes -= signedTxSize(e.tx);
  }

  /**
   * Transactions pending for at least `age` heights since they arrived or were last sent again: their first
   * gossip may have missed peers (a node that connected later), so they are due to be sent again.
   */
  lingering(height: number, age: number, max: number): Tx[] {
    const out: Tx[] = [];
    for (const e of this.byId.values()) {
      if (out.length >= max) break;
      if (height - e.sinceHeight < age) continue;
      e.sinceHeight = height;
      out.push(e.tx);
    }
    return out;
  }

  /** Whether some pending transaction can apply right now (its nonce is its sender's next). */
  hasReady(state: StateReader): boolean {
    for (const e of this.byId.values()) if (e.tx.nonce === (state.get(e.sender) ?? EMPTY_ACCOUNT).nonce) return true;
    return false;
  }

  /** Pending ids in arrival order, at most `max`: what a voter holds and accepts. */
  ids(max: number): Hex[] {
    const out: Hex[] = [];
    for (const id of this.byId.keys()) {
      if (out.length >= max) break;
      out.push(id);
    }
    return out;
  }

  /**
   * What `sender`'s pending transactions with nonces in [from, to) would take from its balance (transfers'
   * amounts, registrations' stakes): a nonce chain is only worth holding if the account can pay for all of it.
   */
  pendingSpend(sender: Address, from: number, to: number): number {
    let spend = 0;
    for (let nonce = from; nonce < to; nonce++) {
      const e = this.bySlot.get(slot(sender, nonce));
      if (e !== undefined) spend += spendOf(e.tx);
    }
    return spend;
  }

  /** The first nonce at or after `from` that no pending transaction of `sender` occupies. */
  nextFreeNonce(sender: Address, from: number): number {
    let nonce = from;
    while (this.bySlot.has(slot(sender, nonce))) nonce++;
    return nonce;
  }

  /** Transactions that arrived before `cutoff` (ms), oldest first: the pool is in arrival order. */
  arrivedBefore(cutoff: number): { id: Hex; tx: Tx }[] {
    const out: { id: Hex; tx: Tx }[] = [];
    for (const e of this.byId.values()) {
      if (e.arrivedAt >= cutoff) break;
      out.push(e);
    }
    return out;
  }

  /** Transactions whose nonce the committed state has passed: they can never apply now. */
  stale(state: StateReader): { id: Hex; tx: Tx }[] {
    const out: { id: Hex; tx: Tx }[] = [];
    for (const e of this.byId.values()) {
      if (e.tx.nonce < (state.get(e.sender) ?? EMPTY_ACCOUNT).nonce) out.push(e);
    }
    return out;
  }

  /**
   * Up to `max` transactions that apply in order on top of `state`: senders in order of their first
   * arrival, each sender's transactions by nonce until one does not apply.
   */
  select(state: StateReader, max: number, allowed?: ReadonlySet<Hex>): { txs: Tx[]; ids: Hex[]; overlay: StateOverlay } {
    const bySender = new Map<Address, Entry[]>();
    for (const e of this.byId.values()) {
      if (allowed !== undefined && !allowed.has(e.id)) continue;
      const list = bySender.get(e.sender);
      if (list) list.push(e);
      else bySender.set(e.sender, [e]);
    }
    const overlay = new StateOverlay(state);
    const txs: Tx[] = [];
    const ids: Hex[] = [];
    for (const list of bySender.values()) {
      list.sort((a, b) => a.tx.nonce - b.tx.nonce);
      for (const e of list) {
        if (txs.length >= max) return { txs, ids, overlay };
        try {
          applyTx(overlay, e.tx);
        } catch {
          break;
        }
        txs.push(e.tx);
        ids.push(e.id);
      }
    }
    return { txs, ids, overlay };
  }
}
