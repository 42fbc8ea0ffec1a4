import { signedTxHash } from '../core/block.js';
import { type Hex, toHex } from '../core/bytes.js';
import { InvalidMessage } from '../core/errors.js';
import type { CompactProposal, Proposal, Tx } from '../core/wire/posplus.js';

/**
 * Compact blocks for the validators: a proposal's transactions travel as their signed-tx hashes, and only the ones
 * the sender guesses a validator lacks travel in full. Validators already hold almost every transaction of a block
 * from the transaction gossip (NCCA's call even asked them which), so the full block sent every one a second time.
 */

/** The wire form of `p`, sending in full the transactions `inline` names by signed-tx hash. */
export function compactProposal(p: Proposal, inline: (hash: Hex) => boolean): CompactProposal {
  const txs = p.block?.txs ?? [];
  const hashes = txs.map(signedTxHash);
  return {
    proposal: { ...p, block: p.block && { ...p.block, txs: [] } },
    txHashes: hashes,
    txs: txs.filter((_, i) => inline(toHex(hashes[i]!))),
  };
}

/** Hashes of transactions neither sent along nor in the receiver's pool. */
export class MissingTransactions extends Error {
  override readonly name = 'MissingTransactions';
  constructor(
    readonly compact: CompactProposal,
    readonly missing: Hex[],
  ) {
    super(`${missing.length} transactions of a compact proposal are not in the pool`);
  }
}

/**
 * The Proposal exactly as its proposer signed it: every hash picks the transaction sent along or, failing that, the
 * pool's (`pooled`), in order. Throws InvalidMessage for a compact form no honest proposer makes (a repeated hash,
 * a transaction sent along that the block does not hold, transactions in the stripped block), MissingTransactions
 * when the pool lacks some. The rebuilt proposal is checked like any other: its signature, then the block's roots.
 */
export function expandProposal(c: CompactProposal, pooled: (hash: Hex) => Tx | undefined, maxTxs: number): Proposal {
  const p = c.proposal;
  if (p?.block === undefined) throw new InvalidMessage('a compact proposal carries a block');
  if (p.block.txs.length > 0) throw new InvalidMessage('a compact proposal names its transactions by hash only');
  if (c.txHashes.length > maxTxs) throw new InvalidMessage(`a compact proposal names more than ${maxTxs} transactions`);
  if (c.txs.length > c.txHashes.length) throw new InvalidMessage('a compact proposal sends more transactions than it names');
  const slots = new Map<Hex, Tx | undefined>();
  for (const h of c.txHashes) {
    const key = toHex(h);
    if (h.byteLength !== 32 || slots.has(key)) throw new InvalidMessage('a compact proposal names a transaction twice, or by a malformed hash');
    slots.set(key, undefined);
  }
  for (const tx of c.txs) {
    const key = toHex(signedTxHash(tx));
    if (!slots.has(key) || slots.get(key) !== undefined) throw new InvalidMessage('a compact proposal sends a transaction its block does not name');
    slots.set(key, tx);
  }
  const missing: Hex[] = [];
  const txs: Tx[] = [];
  for (const [key, sent] of slots) {
    const tx = sent ?? pooled(key);
    if (tx === undefined) missing.push(key);
    else txs.push(tx);
  }
  if (missing.length > 0) throw new MissingTransactions(c, missing);
  return { ...p, block: { ...p.block, txs } };
}
