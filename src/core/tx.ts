import { type Hex, toHex } from './bytes.js';
import { TxRejected } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { checkTxShape } from './ledger.js';
import { memoByObject } from './object-memo.js';
import { signMessage, unsignedEncoding, verifyMessage } from './signing.js';
import { Tx } from './wire/posplus.js';

export { Tx };

export type TxBody = Omit<Tx, 'signature' | 'sender'>;

/** The id covers everything but the signature, so re-signing a body can never make a "new" transaction. */
export function txIdBytes(tx: Tx): Uint8Array {
  return sha256(unsignedEncoding(Tx, tx));
}

/** Every replica asks for the ids of the same transaction objects, several times each. */
export const txId: (tx: Tx) => Hex = memoByObject((tx) => toHex(txIdBytes(tx)));

export function signTx(chainId: string, key: KeyPair, body: TxBody): Tx {
  return signMessage(Tx, key, chainId, 'tx', { ...body, sender: key.publicKey, signature: new Uint8Array(0) });
}

/** Shape and signature: everything about a transaction that does not depend on the ledger. */
export function verifyTx(chainId: string, tx: Tx): void {
  checkTxShape(tx);
  if (!verifyMessage(Tx, tx.sender, chainId, 'tx', tx)) {
    throw new TxRejected('bad-signature', 'signature does not match the sender key');
  }
}

export function decodeTx(bytes: Uint8Array): Tx {
  try {
    return Tx.decode(bytes);
  } catch (err) {
    throw new TxRejected('malformed', `cannot decode transaction: ${(err as Error).message}`);
  }
}

export const encodeTx = (tx: Tx): Uint8Array => Tx.encode(tx);

export function transferBody(to: Uint8Array, amount: number, nonce: number, bpm?: number): TxBody {
  return { kind: Tx.Kind.TRANSFER, to, amount, nonce, bpm, stake: 0, capacity: 0 };
}

export function registerBody(stake: number, capacity: number, nonce: number): TxBody {
  return { kind: Tx.Kind.REGISTER, to: new Uint8Array(0), amount: 0, nonce, stake, capacity };
}

export function locateBody(x: number, y: number, nonce: number): TxBody {
  return { kind: Tx.Kind.LOCATE, to: new Uint8Array(0), amount: 0, nonce, stake: 0, capacity: 0, x: Math.round(x), y: Math.round(y) };
}

export function unregisterBody(nonce: number): TxBody {
  return { kind: Tx.Kind.UNREGISTER, to: new Uint8Array(0), amount: 0, nonce, stake: 0, capacity: 0 };
}
