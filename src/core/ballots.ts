import { compareBytes, fromHex, type Hex, toHex, utf8 } from './bytes.js';
import { bitAt, bitmapOf } from './bitmap.js';
import { InvalidMessage } from './errors.js';
import { sha256 } from './hash.js';
import type { KeyPair } from './keys.js';
import { memoByObject } from './object-memo.js';
import { signMessage, verifyMessage } from './signing.js';
import { TxSetBallot, TxSetCall } from './wire/posplus.js';

export { TxSetBallot, TxSetCall };

/** What a round-1 ballot reports for detection besides its votes, packed (src/consensus/detection/ballot-reports.ts). */
export interface BallotReports {
  /** Per suspect under watch at the ballot's head, in address order: 0 for none, else ns + 1. */
  reports?: readonly number[];
  /** Bit i: the i-th validator at the head, in address order, is on the voter's trusted list. */
  trustedBits?: Uint8Array;
}

/** A ballot reports on at most this many suspects, and lists from at most this many validators. */
export const MAX_BALLOT_REPORTS = 1024;

const reportFields = (r: BallotReports) => ({ reports: [...(r.reports ?? [])], trustedBits: r.trustedBits ?? new Uint8Array(0) });

export function signBallot(chainId: string, key: KeyPair, height: number, round: 1 | 2, yes: readonly Hex[], reports: BallotReports = {}): TxSetBallot {
  const ids = [...new Set(yes)].sort().map(fromHex);
  const body = { height, round, voter: key.publicKey, yes: ids, ...reportFields(reports), call: new Uint8Array(0), bits: new Uint8Array(0), signature: new Uint8Array(0) };
  return signMessage(TxSetBallot, key, chainId, 'ballot', body);
}

/**
 * A ballot answering `call` (NCCA): one bit per id of the call, set when the voter holds and accepts it. The
 * ballot signs the call's digest, not its ids, so a block carries each id once, in the call.
 */
export function signCallBallot(chainId: string, key: KeyPair, call: TxSetCall, holds: (id: Hex) => boolean, reports: BallotReports = {}): TxSetBallot {
  const bits = bitmapOf(call.ids.length, (i) => holds(toHex(call.ids[i]!)));
  const body = { height: call.height, round: call.round, voter: key.publicKey, yes: [], ...reportFields(reports), call: callDigest(call), bits, signature: new Uint8Array(0) };
  return signMessage(TxSetBallot, key, chainId, 'ballot', body);
}

export function signCall(chainId: string, key: KeyPair, height: number, round: 1 | 2, ids: readonly Hex[]): TxSetCall {
  const sorted = [...new Set(ids)].sort().map(fromHex);
  return signMessage(TxSetCall, key, chainId, 'call', { height, round, proposer: key.publicKey, ids: sorted, signature: new Uint8Array(0) });
}

/** Well formed (round, sorted distinct 32-byte ids, at most `maxIds`) and signed by its proposer. */
export function verifyCall(chainId: string, call: TxSetCall, maxIds: number): void {
  if (call.round !== 1 && call.round !== 2) throw new InvalidMessage(`call round must be 1 or 2, not ${call.round}`);
  if (call.ids.length > maxIds) throw new InvalidMessage(`a call names more than ${maxIds} transactions`);
  if (call.ids.some((id) => id.byteLength !== 32) || !strictlySorted(call.ids)) throw new InvalidMessage('call ids must be sorted distinct 32-byte ids');
  if (!verifyMessage(TxSetCall, call.proposer, chainId, 'call', call)) throw new InvalidMessage('call signature does not match its proposer');
}

/** What a ballot answering a call signs instead of the call's ids: they, with the height and round, in one hash. */
export const callDigest: (call: TxSetCall) => Uint8Array = memoByObject((call) =>
  sha256(utf8(`posplus/call/v1/${call.height}/${call.round}`), ...call.ids),
);

/** A ballot answers a call (NCCA) rather than naming its ids (RPCA). */
export const answersCall = (b: TxSetBallot): boolean => b.call.byteLength > 0;

export function verifyBallot(chainId: string, b: TxSetBallot): void {
  if (b.round !== 1 && b.round !== 2) throw new InvalidMessage(`ballot round must be 1 or 2, not ${b.round}`);
  if (b.yes.some((id) => id.byteLength !== 32)) throw new InvalidMessage('ballot ids must be 32 bytes');
  if (answersCall(b) ? b.call.byteLength !== 32 || b.yes.length > 0 : b.bits.byteLength > 0) {
    throw new InvalidMessage('a ballot either answers a call with a 32-byte digest and bits, or names its ids');
  }
  if (b.reports.length > MAX_BALLOT_REPORTS || b.trustedBits.byteLength > Math.ceil(MAX_BALLOT_REPORTS / 8)) {
    throw new InvalidMessage(`ballot reports on more than ${MAX_BALLOT_REPORTS} nodes`);
  }
  if (b.round !== 1 && (b.reports.length > 0 || b.trustedBits.byteLength > 0)) throw new InvalidMessage('only round-1 ballots carry detection reports');
  if (!verifyMessage(TxSetBallot, b.voter, chainId, 'ballot', b)) throw new InvalidMessage('ballot signature does not match its voter');
}

/** A ballot's yes-ids in hex, for ballots that name them (RPCA). */
export const yesIds: (b: TxSetBallot) => readonly Hex[] = memoByObject((b) => b.yes.map(toHex));

/** Whether a ballot answering a call sets the bit of the call's i-th id. */
export const saysYes = (b: TxSetBallot, i: number): boolean => bitAt(b.bits, i);

/** The calls of a block (or a height) by digest, to read the ballots that answer them. */
export type CallBook = ReadonlyMap<Hex, TxSetCall>;

export function callBookOf(calls: readonly TxSetCall[]): CallBook {
  return new Map(calls.map((c) => [toHex(callDigest(c)), c]));
}

const answeredYes = new WeakMap<TxSetBallot, readonly Hex[]>();

/**
 * A ballot's yes-ids in hex: the ids it names, or those of its call whose bits it set. Throws when it answers a
 * call the book does not hold or its bits do not fit that call. Kept per ballot object: a ballot's digest pins
 * its call, and every replica tallies (and scores detection from) the same ballot objects of a block.
 */
export function yesIdsIn(b: TxSetBallot, calls: CallBook): readonly Hex[] {
  if (!answersCall(b)) return yesIds(b);
  // The digest pins the call's ids, height and round: only whether this book holds it varies.
  const call = calls.get(toHex(b.call));
  if (call === undefined || call.height !== b.height || call.round !== b.round) throw new InvalidMessage('ballot answers a call that is not there');
  let ids = answeredYes.get(b);
  if (ids === undefined) {
    if (b.bits.byteLength !== Math.ceil(call.ids.length / 8)) throw new InvalidMessage('ballot bits do not fit its call');
    ids = call.ids.filter((_, i) => saysYes(b, i)).map((id) => toHex(id));
    answeredYes.set(b, ids);
  }
  return ids;
}

/** yesIdsIn as a set. */
const answeredSets = new WeakMap<TxSetBallot, ReadonlySet<Hex>>();
export function yesIdSetIn(b: TxSetBallot, calls: CallBook): ReadonlySet<Hex> {
  let set = answeredSets.get(b);
  if (set === undefined) answeredSets.set(b, (set = new Set(yesIdsIn(b, calls))));
  return set;
}

/** The slot of a voter's ballot at a height and round: a voter fills each once. */
export const slotKey = (voter: Uint8Array, height: number, round: number): string => `${toHex(voter)}/${height}/${round}`;

/** Which slot a ballot fills (slotKey). Asked of each ballot object by every replica. */
export const ballotKey: (b: TxSetBallot) => string = memoByObject((b) => slotKey(b.voter, b.height, b.round));

/** Commits a block to its ballots and the calls they answer (the calls' ids are what the ballots' bits mean). */
export function ballotsRoot(ballots: readonly TxSetBallot[], calls: readonly TxSetCall[]): Uint8Array {
  const encoded = ballots.map((b) => TxSetBallot.encode(b)).sort(compareBytes);
  const encodedCalls = calls.map((c) => TxSetCall.encode(c)).sort(compareBytes);
  return sha256(utf8('posplus/ballots/v2'), ...encoded.map((e) => sha256(e)), utf8('calls'), ...encodedCalls.map((e) => sha256(e)));
}

function strictlySorted(list: readonly Uint8Array[]): boolean {
  for (let i = 1; i < list.length; i++) if (compareBytes(list[i - 1]!, list[i]!) >= 0) return false;
  return true;
}
