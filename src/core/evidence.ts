import { addressOf } from './address.js';
import { blockHash, headerOf, signedTxHash, verifyBlockIntegrity } from './block.js';
import { bytesEqual, compareBytes, concatBytes, type Hex, toHex, u64be } from './bytes.js';
import { txRoot } from './ledger.js';
import { InvalidMessage, TxRejected } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyAs, verifyMessage } from './signing.js';
import { memoByObject } from './object-memo.js';
import { decodeTx, encodeTx, txId, verifyTx } from './tx.js';
import { decodeVote, verifyVote } from './votes.js';
import { answersCall, verifyBallot } from './ballots.js';
import { Block, BlockHeader, Evidence, type Tx, TxSetBallot } from './wire/posplus.js';

export { Evidence };

/** Independent of the reporter, so the same misbehaviour reported by many nodes is recorded once. */
export function evidenceId(ev: Evidence): Hex {
  const items = [...ev.items].sort(compareBytes);
  return toHex(sha256(u64be(kindNumber(ev.kind)), ...items));
}

/** Per kind: its number in evidence ids, and how many items its proof holds. */
const KINDS: Readonly<Record<Evidence.Kind, { number: number; items: number }>> = {
  [Evidence.Kind.DOUBLE_SPEND]: { number: 0, items: 2 },
  [Evidence.Kind.EQUIVOCATION]: { number: 1, items: 2 },
  [Evidence.Kind.INVALID_PROPOSAL]: { number: 2, items: 4 },
  [Evidence.Kind.CONFLICTING_BLOCKS]: { number: 3, items: 4 },
  [Evidence.Kind.CONFLICTING_BALLOTS]: { number: 4, items: 2 },
  [Evidence.Kind.INVALID_BLOCK]: { number: 5, items: 1 },
};

function kindNumber(kind: Evidence.Kind): number {
  return KINDS[kind].number;
}

function signEvidence(chainId: string, key: KeyPair, body: Omit<Evidence, 'signature' | 'reporter'>): Evidence {
  return signMessage(Evidence, key, chainId, 'evidence', { ...body, reporter: key.publicKey, signature: new Uint8Array(0) });
}

/** The seed's double-spend alert: both conflicting transactions, signed by the node that saw them. */
export function makeDoubleSpendAlert(chainId: string, key: KeyPair, a: Tx, b: Tx, height: number): Evidence {
  return signEvidence(chainId, key, { kind: Evidence.Kind.DOUBLE_SPEND, items: [encodeTx(a), encodeTx(b)], height });
}

export function makeEquivocationEvidence(chainId: string, key: KeyPair, a: Uint8Array, b: Uint8Array, height: number): Evidence {
  return signEvidence(chainId, key, { kind: Evidence.Kind.EQUIVOCATION, items: [a, b], height });
}

/**
 * Evidence that one creator signed two different blocks for one height and round: a block's header names the round
 * it was first proposed in, and an honest proposer makes one block per round it proposes in (its WAL keeps it
 * to that across restarts), so two are an equivocating proposal. Each block's signature is over its hash.
 */
export function makeConflictingBlocksEvidence(chainId: string, key: KeyPair, a: Block, b: Block, height: number): Evidence {
  return signEvidence(chainId, key, {
    kind: Evidence.Kind.CONFLICTING_BLOCKS,
    items: [BlockHeader.encode(headerOf(a)), a.signature, BlockHeader.encode(headerOf(b)), b.signature],
    height,
  });
}

/** Evidence that one voter answered one call twice, differently (see verifyConflictingBallots). */
export function makeConflictingBallotsEvidence(chainId: string, key: KeyPair, a: TxSetBallot, b: TxSetBallot, height: number): Evidence {
  return signEvidence(chainId, key, { kind: Evidence.Kind.CONFLICTING_BALLOTS, items: [TxSetBallot.encode(a), TxSetBallot.encode(b)], height });
}

/**
 * Evidence that `block`'s creator signed a block its own parent state refutes (a wrong state root, an overspend, a
 * transaction set its ballots do not confirm): the whole block, which only a replica whose head is that parent
 * can judge, by running it (EvidencePool.proveRefuted). Every replica holds that state while the height is being
 * decided and no replica after, so the proof goes only into another round's block of the same height. A future
 * timestamp stays unprovable: a block's timestamp has no lower bound but its parent's, so the block carrying
 * such a proof could be back-dated to frame a proposer whose clock was right.
 */
export function makeInvalidBlockEvidence(chainId: string, key: KeyPair, block: Block, height: number): Evidence {
  return signEvidence(chainId, key, { kind: Evidence.Kind.INVALID_BLOCK, items: [Block.encode(block)], height });
}

/**
 * The block an invalid-block proof accuses, decoded without any check. Once per proof object: admission reads it
 * for the head, the offender, the height, the signature and the run, and one decoded object also lets the
 * block's integrity and execution memos hold.
 */
export const accusedBlockOf = memoByObject((ev: Evidence): Block => {
  try {
    return Block.decode(ev.items[0]!);
  } catch {
    throw new InvalidMessage('invalid-block proof: undecodable block');
  }
});

/**
 * Why no invalid-block proof can accuse `block`, or undefined: it must be intact (its roots pin every byte its
 * creator signed, so nobody can alter an honest block into one that fails) and carry no proof of its own kind
 * (so judging one runs one block, not a chain of them).
 */
export function unprovableBlock(chainId: string, block: Block): string | undefined {
  try {
    verifyBlockIntegrity(chainId, block);
  } catch (err) {
    return (err as Error).message;
  }
  return block.evidence.some((e) => e.kind === Evidence.Kind.INVALID_BLOCK) ? 'the block carries one itself' : undefined;
}

/**
 * Evidence that `block`'s creator signed a block no one should accept, when that can be shown without any chain
 * state: the block is intact (its signature and roots hold) yet one of its transactions fails verification.
 * Invalidity that needs state is proven only at the block's own height (makeInvalidBlockEvidence). Undefined
 * when the block's fault is not of the provable kind.
 */
export function proveInvalidBlock(chainId: string, key: KeyPair, block: Block, height: number): Evidence | undefined {
  try {
    verifyBlockIntegrity(chainId, block);
  } catch {
    return undefined;
  }
  const bad = block.txs.find((tx) => {
    try {
      verifyTx(chainId, tx);
      return false;
    } catch {
      return true;
    }
  });
  if (bad === undefined) return undefined;
  const header = headerOf(block);
  return signEvidence(chainId, key, {
    kind: Evidence.Kind.INVALID_PROPOSAL,
    items: [BlockHeader.encode(header), block.signature, concatBytes(...block.txs.map(signedTxHash)), encodeTx(bad)],
    height,
  });
}

/**
 * Who a piece of evidence accuses: the double spender, the equivocating voter, or the block's creator. It reads the
 * first item without checking anything, so a replica can look the accused up before any signature is checked.
 */
export function offenderOf(ev: Evidence): string {
  const first = ev.items[0];
  if (first === undefined) throw new InvalidMessage('evidence without items');
  switch (ev.kind) {
    case Evidence.Kind.DOUBLE_SPEND:
      return addressOf(decodeTx(first).sender);
    case Evidence.Kind.EQUIVOCATION:
      return addressOf(decodeVote(first).voter);
    case Evidence.Kind.CONFLICTING_BALLOTS:
      return addressOf(TxSetBallot.decode(first).voter);
    case Evidence.Kind.INVALID_BLOCK:
      return addressOf(headerOf(accusedBlockOf(ev)).proposer);
    default:
      return addressOf(BlockHeader.decode(first).proposer);
  }
}

/**
 * The height of the offence evidence proves, read like offenderOf without checking anything: the votes' height of
 * an equivocation, the block's of an invalid proposal; undefined for a double spend, whose transactions have none.
 */
export function offenceHeightOf(ev: Evidence): number | undefined {
  const first = ev.items[0];
  if (first === undefined || ev.kind === Evidence.Kind.DOUBLE_SPEND) return undefined;
  if (ev.kind === Evidence.Kind.INVALID_BLOCK) return headerOf(accusedBlockOf(ev)).height;
  if (ev.kind === Evidence.Kind.CONFLICTING_BALLOTS) return TxSetBallot.decode(first).height;
  return ev.kind === Evidence.Kind.EQUIVOCATION ? decodeVote(first).height : BlockHeader.decode(first).height;
}

export interface EvidenceSummary {
  id: Hex;
  kind: 'double-spend' | 'equivocation' | 'invalid-proposal' | 'conflicting-blocks' | 'conflicting-ballots';
  /** Address of the node or account the evidence accuses. */
  offender: string;
  reporter: string;
  height: number;
  detail: Record<string, unknown>;
}

/** Verifies the reporter's signature and the proof itself; returns what it shows. */
export function verifyEvidence(chainId: string, ev: Evidence): EvidenceSummary {
  const items = (KINDS[ev.kind] as (typeof KINDS)[Evidence.Kind] | undefined)?.items;
  if (items === undefined) throw new InvalidMessage(`unknown evidence kind ${ev.kind}`);
  if (ev.items.length !== items) throw new InvalidMessage(`evidence of this kind needs exactly ${items} items`);
  if (!verifyMessage(Evidence, ev.reporter, chainId, 'evidence', ev)) {
    throw new InvalidMessage('evidence signature does not match its reporter');
  }
  const base = { id: evidenceId(ev), reporter: addressOf(ev.reporter), height: ev.height };
  if (ev.kind === Evidence.Kind.INVALID_PROPOSAL) return { ...base, ...verifyInvalidProposal(chainId, ev.items as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]) };
  if (ev.kind === Evidence.Kind.CONFLICTING_BLOCKS) return { ...base, ...verifyConflictingBlocks(chainId, ev.items as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]) };
  if (ev.kind === Evidence.Kind.CONFLICTING_BALLOTS) return { ...base, ...verifyConflictingBallots(chainId, ev.items as [Uint8Array, Uint8Array]) };
  if (ev.kind === Evidence.Kind.INVALID_BLOCK) return { ...base, ...verifyInvalidBlock(chainId, accusedBlockOf(ev)) };
  if (ev.kind === Evidence.Kind.DOUBLE_SPEND) {
    const [a, b] = ev.items.map((item) => {
      try {
        const tx = decodeTx(item);
        verifyTx(chainId, tx);
        return tx;
      } catch (err) {
        throw new InvalidMessage(`double-spend proof holds an invalid transaction: ${(err as TxRejected).message}`);
      }
    }) as [Tx, Tx];
    if (!bytesEqual(a.sender, b.sender) || a.nonce !== b.nonce) {
      throw new InvalidMessage('double-spend proof: transactions differ in sender or nonce');
    }
    const ids = [txId(a), txId(b)];
    if (ids[0] === ids[1]) throw new InvalidMessage('double-spend proof: both items are the same transaction');
    return { ...base, kind: 'double-spend', offender: addressOf(a.sender), detail: { nonce: a.nonce, txs: ids } };
  }
  const [a, b] = ev.items.map((item) => {
    const vote = decodeVote(item);
    verifyVote(chainId, vote);
    return vote;
  });
  if (ev.kind !== Evidence.Kind.EQUIVOCATION) throw new InvalidMessage(`unknown evidence kind ${ev.kind}`);
  if (!bytesEqual(a.voter, b.voter) || a.height !== b.height || a.round !== b.round || a.type !== b.type) {
    throw new InvalidMessage('equivocation proof: votes differ in voter, height, round or type');
  }
  if (bytesEqual(a.blockHash, b.blockHash)) throw new InvalidMessage('equivocation proof: both votes are for the same block');
  return {
    ...base,
    kind: 'equivocation',
    offender: addressOf(a.voter),
    detail: { height: a.height, round: a.round, type: a.type, blocks: [toHex(a.blockHash), toHex(b.blockHash)] },
  };
}

function verifyInvalidProposal(chainId: string, [headerBytes, signature, hashes, txBytes]: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]) {
  const bad = (why: string): never => {
    throw new InvalidMessage(`invalid-proposal proof: ${why}`);
  };
  let header: BlockHeader;
  let tx: Tx;
  try {
    header = BlockHeader.decode(headerBytes);
    tx = decodeTx(txBytes);
  } catch {
    return bad('undecodable header or transaction');
  }
  if (!verifyAs(header.proposer, chainId, 'block', blockHash(header), signature)) bad('the block signature does not match its creator');
  if (hashes.byteLength % 32 !== 0) bad('transaction hashes are not 32 bytes each');
  const list = Array.from({ length: hashes.byteLength / 32 }, (_, i) => hashes.subarray(i * 32, i * 32 + 32));
  if (!bytesEqual(txRoot(list), header.txRoot)) bad("the transaction hashes do not make the block's tx root");
  const own = signedTxHash(tx);
  if (!list.some((h) => bytesEqual(h, own))) bad('the transaction is not in the block');
  try {
    verifyTx(chainId, tx);
  } catch {
    return {
      kind: 'invalid-proposal' as const,
      offender: addressOf(header.proposer),
      detail: { height: header.height, round: header.round, block: toHex(blockHash(header)), tx: txId(tx) },
    };
  }
  return bad('the transaction verifies');
}

/** What an invalid-block proof shows without state (see unprovableBlock); whether its parent refutes it is ChainState's to judge. */
function verifyInvalidBlock(chainId: string, block: Block) {
  const why = unprovableBlock(chainId, block);
  if (why !== undefined) throw new InvalidMessage(`invalid-block proof: ${why}`);
  const h = headerOf(block);
  return { kind: 'invalid-proposal' as const, offender: addressOf(h.proposer), detail: { height: h.height, round: h.round, block: toHex(blockHash(h)) } };
}

/** The two messages a conflict proof holds, decoded, or the proof refused (`proof` names it in the error). */
function decodeBoth<T>(codec: { decode(bytes: Uint8Array): T }, items: [Uint8Array, Uint8Array], proof: string, what: string): [T, T] {
  try {
    return [codec.decode(items[0]), codec.decode(items[1])];
  } catch {
    throw new InvalidMessage(`${proof} proof: undecodable ${what}`);
  }
}

function verifyConflictingBlocks(chainId: string, [aBytes, aSignature, bBytes, bSignature]: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]) {
  const bad = (why: string): never => {
    throw new InvalidMessage(`conflicting-blocks proof: ${why}`);
  };
  const [a, b] = decodeBoth(BlockHeader, [aBytes, bBytes], 'conflicting-blocks', 'header');
  if (!bytesEqual(a.proposer, b.proposer) || a.height !== b.height || a.round !== b.round) bad('the blocks differ in creator, height or round');
  const [hashA, hashB] = [blockHash(a), blockHash(b)];
  if (bytesEqual(hashA, hashB)) bad('both items are the same block');
  if (!verifyAs(a.proposer, chainId, 'block', hashA, aSignature) || !verifyAs(b.proposer, chainId, 'block', hashB, bSignature)) {
    bad('a block signature does not match its creator');
  }
  return {
    kind: 'conflicting-blocks' as const,
    offender: addressOf(a.proposer),
    detail: { height: a.height, round: a.round, blocks: [toHex(hashA), toHex(hashB)] },
  };
}

/** Two ballots of one voter that answer one call (same height, round and call digest) and say different things. */
function verifyConflictingBallots(chainId: string, [aBytes, bBytes]: [Uint8Array, Uint8Array]) {
  const bad = (why: string): never => {
    throw new InvalidMessage(`conflicting-ballots proof: ${why}`);
  };
  const [a, b] = decodeBoth(TxSetBallot, [aBytes, bBytes], 'conflicting-ballots', 'ballot');
  if (!answersCall(a) || !answersCall(b)) bad('a ballot answers no call');
  if (!bytesEqual(a.voter, b.voter) || a.height !== b.height || a.round !== b.round || !bytesEqual(a.call, b.call)) bad('the ballots differ in voter, height, round or call');
  if (bytesEqual(aBytes, bBytes)) bad('both items are the same ballot');
  verifyBallot(chainId, a);
  verifyBallot(chainId, b);
  return {
    kind: 'conflicting-ballots' as const,
    offender: addressOf(a.voter),
    detail: { height: a.height, round: a.round, call: toHex(a.call) },
  };
}
