import { type Hex, bytesEqual, toHex, utf8 } from './bytes.js';
import { InvalidMessage } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { txRoot } from './ledger.js';
import { signAs, verifyAs } from './signing.js';
import { encodeTx } from './tx.js';
import { ballotsRoot } from './ballots.js';
import { memoByObject } from './object-memo.js';
import { Block, BlockHeader, Certificate, CertifiedBlock, Evidence, type Tx, type TxSetBallot, type TxSetCall } from './wire/posplus.js';

export { Block, BlockHeader, CertifiedBlock };

/** Every replica, and each of them many times per height, hashes the same header object. */
export const blockHash: (header: BlockHeader) => Uint8Array = memoByObject((header) => sha256(utf8('posplus/block/v1'), BlockHeader.encode(header)));

export const blockHashHex = (block: Block): Hex => toHex(blockHash(headerOf(block)));

/**
 * The tx root commits to each transaction as signed, not to its id (which leaves the signature out): the block
 * hash, and so a certificate, then pins the exact bytes, and no one can serve a certified block with other
 * signatures in it.
 */
/** A signed transaction's hash and encoded size, from one encoding. */
const signedTx = memoByObject((tx: Tx) => {
  const bytes = encodeTx(tx);
  return { hash: sha256(bytes), size: bytes.byteLength };
});
export const signedTxHash = (tx: Tx): Uint8Array => signedTx(tx).hash;
/** Bytes of a signed transaction's encoding. */
export const signedTxSize = (tx: Tx): number => signedTx(tx).size;

/** Like the tx root, over the full signed bytes: the block hash pins each item's reporter and signature too. */
export function evidenceRoot(evidence: readonly Evidence[]): Uint8Array {
  return sha256(utf8('posplus/evidence/v1'), ...evidence.map((e) => sha256(Evidence.encode(e))));
}

export interface BlockContent {
  height: number;
  round: number;
  prevHash: Uint8Array;
  timestamp: number;
  txs: Tx[];
  evidence: Evidence[];
  lastCommit?: Certificate;
  ballots?: TxSetBallot[];
  calls?: TxSetCall[];
  stateRoot: Uint8Array;
}

export function lastCommitHash(lastCommit: Certificate | undefined): Uint8Array {
  return sha256(utf8('posplus/last-commit/v1'), lastCommit === undefined ? new Uint8Array(0) : Certificate.encode(lastCommit));
}

export function buildBlock(chainId: string, key: KeyPair, c: BlockContent): Block {
  const header: BlockHeader = {
    height: c.height,
    round: c.round,
    prevHash: c.prevHash,
    timestamp: c.timestamp,
    proposer: key.publicKey,
    txRoot: txRoot(c.txs.map(signedTxHash)),
    evidenceRoot: evidenceRoot(c.evidence),
    stateRoot: c.stateRoot,
    lastCommitHash: lastCommitHash(c.lastCommit),
    ballotsRoot: ballotsRoot(c.ballots ?? [], c.calls ?? []),
  };
  return {
    header,
    txs: c.txs,
    evidence: c.evidence,
    lastCommit: c.lastCommit,
    ballots: c.ballots ?? [],
    calls: c.calls ?? [],
    signature: signAs(key, chainId, 'block', blockHash(header)),
  };
}

/** Header signature and that the roots match the body; ledger validity is checked by executing it. */
export function verifyBlockIntegrity(chainId: string, block: Block): void {
  // A pure function of the block object, which every replica checks in turn (see object-memo): once it passed, it passes.
  if (intact.get(block) === chainId) return;
  checkIntegrity(chainId, block);
  intact.set(block, chainId);
}

/** Blocks that passed verifyBlockIntegrity, with the chain id they passed for. */
const intact = new WeakMap<Block, string>();

function checkIntegrity(chainId: string, block: Block): void {
  const h = headerOf(block);
  if (!verifyAs(h.proposer, chainId, 'block', blockHash(h), block.signature)) {
    throw new InvalidMessage('block signature does not match its proposer');
  }
  if (!bytesEqual(h.txRoot, txRoot(block.txs.map(signedTxHash)))) throw new InvalidMessage('block tx root does not match its transactions');
  if (!bytesEqual(h.evidenceRoot, evidenceRoot(block.evidence))) throw new InvalidMessage('block evidence root does not match its evidence');
  if (!bytesEqual(h.lastCommitHash, lastCommitHash(block.lastCommit))) throw new InvalidMessage('block last-commit hash does not match its certificate');
  if (!bytesEqual(h.ballotsRoot, ballotsRoot(block.ballots, block.calls))) throw new InvalidMessage('block ballots root does not match its ballots');
}

export function headerOf(block: Block | undefined): BlockHeader {
  if (block?.header === undefined) throw new InvalidMessage('block has no header');
  return block.header;
}
