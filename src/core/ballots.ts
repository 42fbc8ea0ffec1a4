import { compareBytes, fromHex, type Hex, toHex, utf8 } from './bytes.js';
import { InvalidMessage } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { signMessage, verifyMessage } from './signing.js';
import { TxSetBallot } from './wire/posplus.js';

export { TxSetBallot };

export function signBallot(chainId: string, key: KeyPair, height: number, round: 1 | 2, yes: readonly Hex[]): TxSetBallot {
  const ids = [...new Set(yes)].sort().map(fromHex);
  return signMessage(TxSetBallot, key, chainId, 'ballot', { height, round, voter: key.publicKey, yes: ids, signature: new Uint8Array(0) });
}

export function verifyBallot(chainId: string, b: TxSetBallot): void {
  if (b.round !== 1 && b.round !== 2) throw new InvalidMessage(`ballot round must be 1 or 2, not ${b.round}`);
  if (b.yes.some((id) => id.byteLength !== 32)) throw new InvalidMessage('ballot ids must be 32 bytes');
  if (!verifyMessage(TxSetBallot, b.voter, chainId, 'ballot', b)) throw new InvalidMessage('ballot signature does not match its voter');
}

export const ballotKey = (b: TxSetBallot): string => `${toHex(b.voter)}/${b.height}/${b.round}`;

export function ballotsRoot(ballots: readonly TxSetBallot[]): Uint8Array {
  const encoded = ballots.map((b) => TxSetBallot.encode(b)).sort(compareBytes);
  return sha256(utf8('posplus/ballots/v1'), ...encoded.map((e) => sha256(e)));
}
