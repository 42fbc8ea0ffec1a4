import { addressOf } from './address.js';
import { bytesEqual, compareBytes, type Hex, toHex, u64be } from './bytes.js';
import { InvalidMessage, TxRejected } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyMessage } from './signing.js';
import { decodeTx, encodeTx, txId, verifyTx } from './tx.js';
import { decodeVote, verifyVote } from './votes.js';
import { Evidence, type Tx } from './wire/posplus.js';

export { Evidence };

/** Independent of the reporter, so the same misbehaviour reported by many nodes is recorded once. */
export function evidenceId(ev: Evidence): Hex {
  const items = [...ev.items].sort(compareBytes);
  return toHex(sha256(u64be(kindNumber(ev.kind)), ...items));
}

function kindNumber(kind: Evidence.Kind): number {
  return kind === Evidence.Kind.DOUBLE_SPEND ? 0 : 1;
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

/** Who a (verified) piece of evidence accuses: the double spender, or the equivocating voter. */
export function offenderOf(ev: Evidence): string {
  const first = ev.items[0];
  if (first === undefined) throw new InvalidMessage('evidence without items');
  return addressOf(ev.kind === Evidence.Kind.DOUBLE_SPEND ? decodeTx(first).sender : decodeVote(first).voter);
}

export interface EvidenceSummary {
  id: Hex;
  kind: 'double-spend' | 'equivocation';
  /** Address of the node or account the evidence accuses. */
  offender: string;
  reporter: string;
  height: number;
  detail: Record<string, unknown>;
}

/** Verifies the reporter's signature and the proof itself; returns what it shows. */
export function verifyEvidence(chainId: string, ev: Evidence): EvidenceSummary {
  if (ev.items.length !== 2) throw new InvalidMessage('evidence needs exactly two items');
  if (!verifyMessage(Evidence, ev.reporter, chainId, 'evidence', ev)) {
    throw new InvalidMessage('evidence signature does not match its reporter');
  }
  const base = { id: evidenceId(ev), reporter: addressOf(ev.reporter), height: ev.height };
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
