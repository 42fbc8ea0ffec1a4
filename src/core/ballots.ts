import { compareBytes, fromHex, type Hex, toHex, utf8 } from './bytes.js';
import { InvalidMessage } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { memoByObject } from './object-memo.js';
import { signMessage, verifyMessage } from './signing.js';
import { type Observation, TxSetBallot } from './wire/posplus.js';

export { TxSetBallot };

/** What a round-1 ballot reports for detection besides its votes. */
export interface BallotReports {
  observations?: readonly Observation[];
  /** 20-byte addresses. */
  trusted?: readonly Uint8Array[];
}

/** A ballot carries at most this many observations and trusted addresses: more nodes than any cell holds. */
export const MAX_BALLOT_REPORTS = 1024;

export function signBallot(chainId: string, key: KeyPair, height: number, round: 1 | 2, yes: readonly Hex[], reports: BallotReports = {}): TxSetBallot {
  const ids = [...new Set(yes)].sort().map(fromHex);
  const observations = [...(reports.observations ?? [])].sort((a, b) => compareBytes(a.suspect, b.suspect));
  const trusted = [...(reports.trusted ?? [])].sort(compareBytes);
  return signMessage(TxSetBallot, key, chainId, 'ballot', { height, round, voter: key.publicKey, yes: ids, observations, trusted, signature: new Uint8Array(0) });
}

export function verifyBallot(chainId: string, b: TxSetBallot): void {
  if (b.round !== 1 && b.round !== 2) throw new InvalidMessage(`ballot round must be 1 or 2, not ${b.round}`);
  if (b.yes.some((id) => id.byteLength !== 32)) throw new InvalidMessage('ballot ids must be 32 bytes');
  if (b.observations.length > MAX_BALLOT_REPORTS || b.trusted.length > MAX_BALLOT_REPORTS) throw new InvalidMessage(`ballot carries more than ${MAX_BALLOT_REPORTS} reports`);
  if (b.round !== 1 && (b.observations.length > 0 || b.trusted.length > 0)) throw new InvalidMessage('only round-1 ballots carry detection reports');
  if (b.observations.some((o) => o.suspect.byteLength !== 20) || b.trusted.some((a) => a.byteLength !== 20)) {
    throw new InvalidMessage('ballot reports must name 20-byte addresses');
  }
  if (!strictlySorted(b.observations.map((o) => o.suspect)) || !strictlySorted(b.trusted)) throw new InvalidMessage('ballot reports must be sorted, each address once');
  if (!verifyMessage(TxSetBallot, b.voter, chainId, 'ballot', b)) throw new InvalidMessage('ballot signature does not match its voter');
}

/** A ballot's yes-ids in hex; every replica tallies (and scores detection from) the same ballot objects of a block. */
export const yesIds: (b: TxSetBallot) => readonly Hex[] = memoByObject((b) => b.yes.map(toHex));

/** yesIds as a set. */
export const yesIdSet: (b: TxSetBallot) => ReadonlySet<Hex> = memoByObject((b) => new Set(yesIds(b)));

/** Which slot a ballot fills: one per voter, height and round. Asked of each ballot object by every replica. */
export const ballotKey: (b: TxSetBallot) => string = memoByObject((b) => `${toHex(b.voter)}/${b.height}/${b.round}`);

export function ballotsRoot(ballots: readonly TxSetBallot[]): Uint8Array {
  const encoded = ballots.map((b) => TxSetBallot.encode(b)).sort(compareBytes);
  return sha256(utf8('posplus/ballots/v1'), ...encoded.map((e) => sha256(e)));
}

function strictlySorted(list: readonly Uint8Array[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareBytes(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
}
