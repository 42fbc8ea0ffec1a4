import { fromHex, toHex } from '../../core/bytes.js';
import { perCodec } from '../../core/object-memo.js';
import { Block, Proposal, TxSetBallot, Vote } from '../../core/wire/posplus.js';
import type { Ready } from '../engine.js';

export type Step = 'idle' | 'propose' | 'prevote' | 'precommit';

/**
 * Persisted before any proposal or vote leaves the node, so a restart can neither forget a lock nor sign a
 * second, different message for a (height, round, type) it already signed; it resends the ones it has.
 * Stored as the UTF-8 JSON of this record; messages are hex of their protobuf encoding.
 */
export interface WalRecord {
  height: number;
  round: number;
  step: Step;
  lockedRound: number;
  lockedBlock?: string;
  validRound: number;
  validBlock?: string;
  proposals: string[];
  votes: string[];
  /** The prevotes that made the lock (absent in records of earlier versions): shown again after a restart. */
  lockPolka?: string[];
  /** The transaction-set ballots this replica signed at the height: a restart answers those calls the same way. */
  ballots?: string[];
}

/** What a WalRecord is made of, with the messages still as objects. */
export interface WalState extends Omit<WalRecord, 'lockedBlock' | 'validBlock' | 'proposals' | 'votes' | 'lockPolka' | 'ballots'> {
  lockedBlock?: Block;
  validBlock?: Block;
  proposals: readonly Proposal[];
  votes: readonly Vote[];
  lockPolka: readonly Vote[];
  ballots: readonly TxSetBallot[];
}

/** The record a WAL's bytes hold, with its messages decoded. */
export function readWal(bytes: Uint8Array): WalState {
  const rec = JSON.parse(new TextDecoder().decode(bytes)) as WalRecord;
  return {
    ...rec,
    lockedBlock: rec.lockedBlock ? Block.decode(fromHex(rec.lockedBlock)) : undefined,
    validBlock: rec.validBlock ? Block.decode(fromHex(rec.validBlock)) : undefined,
    proposals: rec.proposals.map((hex) => Proposal.decode(fromHex(hex))),
    votes: rec.votes.map((hex) => Vote.decode(fromHex(hex))),
    lockPolka: (rec.lockPolka ?? []).map((hex) => Vote.decode(fromHex(hex))),
    ballots: (rec.ballots ?? []).map((hex) => TxSetBallot.decode(fromHex(hex))),
  };
}

/** A message as a JSON string of the hex of its encoding (hex needs no escaping), as UTF-8 bytes. */
const quotedHex = perCodec((codec, message) => new TextEncoder().encode(`"${toHex(codec.encode(message))}"`));

/**
 * Exactly the bytes of `TextEncoder.encode(JSON.stringify(record))`, put together from pieces kept per message.
 * A replica writes its WAL on every vote it casts, and the record holds the locked block (with an NCCA block's
 * ballots, hundreds of kilobytes at 250 nodes) that does not change from one vote to the next: encoding and
 * escaping it each time was a tenth of the simulator's CPU.
 */
export function encodeWal(w: WalState): Uint8Array {
  const text = new TextEncoder();
  const parts: Uint8Array[] = [];
  const add = (name: keyof WalRecord, value: Uint8Array | undefined): void => {
    if (value === undefined) return; // JSON.stringify leaves out undefined fields
    parts.push(text.encode(`${parts.length === 0 ? '{' : ','}${JSON.stringify(name)}:`), value);
  };
  const json = (value: number | string): Uint8Array => text.encode(JSON.stringify(value));
  const list = (items: Uint8Array[]): Uint8Array => concat([text.encode('['), ...items.flatMap((item, i) => (i === 0 ? [item] : [text.encode(','), item])), text.encode(']')]);
  add('height', json(w.height));
  add('round', json(w.round));
  add('step', json(w.step));
  add('lockedRound', json(w.lockedRound));
  add('lockedBlock', w.lockedBlock && quotedHex(Block, w.lockedBlock));
  add('validRound', json(w.validRound));
  add('validBlock', w.validBlock && quotedHex(Block, w.validBlock));
  add('proposals', list(w.proposals.map((p) => quotedHex(Proposal, p))));
  add('votes', list(w.votes.map((v) => quotedHex(Vote, v))));
  add('lockPolka', list(w.lockPolka.map((v) => quotedHex(Vote, v))));
  add('ballots', list(w.ballots.map((b) => quotedHex(TxSetBallot, b))));
  parts.push(text.encode('}'));
  return concat(parts);
}

/**
 * Sets `ready.wal` to the record's bytes, encoded when first read. A replica writes its WAL with every vote, and
 * the record holds the locked block, which grows with the number of nodes: in the simulator, which reads a WAL
 * only when it restarts a replica, encoding every record was an O(n) copy per vote per replica (a third of the
 * CPU of a 250-node NCCA run, with the garbage it left). A node that persists it reads it and gets the same
 * bytes; `w` must not change afterwards (the caller passes copies of its lists).
 */
export function setWal(ready: Ready, w: WalState): void {
  let bytes: Uint8Array | undefined;
  Object.defineProperty(ready, 'wal', { get: () => (bytes ??= encodeWal(w)), enumerable: true, configurable: true });
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
