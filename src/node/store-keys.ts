/**
 * Key layout and small value codecs of the node's LevelDB store (src/node/store.ts).
 *
 * As in lodestar's packages/db, every entity lives in its own bucket: a one-byte prefix followed by the
 * entity's key. Heights are 8-byte big-endian, so LevelDB's bytewise order is height order and a range
 * [bucket|from, bucket|to] iterates a height interval.
 */
import { type Address, addressToString, parseAddress } from '../core/address.js';
import { concatBytes, fromHex, type Hex, toHex, u64be, utf8 } from '../core/bytes.js';
import type { Head } from '../core/chain-state.js';
import type { GenesisPlaces } from '../core/genesis.js';
import type { Account, ElectedRole } from '../core/ledger.js';
import { AccountRecord } from '../core/wire/posplus.js';

/** One key prefix per entity. Never renumber a bucket: the numbers are on disk. */
export enum Bucket {
  /** Singletons: format version, genesis, position, WAL, head, committed-tx counter. */
  meta = 0x00,
  /** height → Block.encode(block) */
  blockByHeight = 0x01,
  /** height → Certificate.encode(certificate) */
  certificateByHeight = 0x02,
  /** block hash (32 bytes) → height (u64be) */
  heightByHash = 0x03,
  /** tx id (32 bytes) → height (u64be) ‖ index in the block (u32be) */
  txLocation = 0x04,
  /** address (20 bytes) → encodeAccount(account) */
  account = 0x05,
  /** commit height (u64be) ‖ index in the block (u32be) → JSON of the EvidenceSummary */
  evidenceByHeight = 0x06,
  /** evidence id (32 bytes) → commit height (u64be) ‖ index in the block (u32be) */
  evidenceById = 0x07,
}

export enum MetaKey {
  version = 'version',
  genesis = 'genesis',
  /** The genesis a ceremony closed on (or adopted) before block 1; replaced if the node adopts another. */
  chosenGenesis = 'chosenGenesis',
  position = 'position',
  wal = 'wal',
  head = 'head',
  txCount = 'txCount',
  headRecord = 'headRecord',
  /** The lowest height whose block is still held: blocks, certificates and tx locations below it were pruned. */
  lowestHeld = 'lowestHeld',
}

/** Bumped whenever the layout or a value codec changes incompatibly. */
export const STORE_FORMAT_VERSION = 2;

export function bucketKey(bucket: Bucket, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + key.byteLength);
  out[0] = bucket;
  out.set(key, 1);
  return out;
}

/** The entity key without its bucket byte (a view, not a copy). */
export const entityKey = (key: Uint8Array): Uint8Array => key.subarray(1);

/** The half-open key range [bucket, bucket + 1) that holds every key of one bucket. */
export function bucketRange(bucket: Bucket): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: new Uint8Array([bucket]), lt: new Uint8Array([bucket + 1]) };
}

export const metaKey = (name: MetaKey): Uint8Array => bucketKey(Bucket.meta, utf8(name));

// ---------------------------------------------------------------- integers

export function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height must be a non-negative safe integer, got ${height}`);
}

export function encodeU64(value: number): Uint8Array {
  checkHeight(value);
  return u64be(value);
}

export function decodeU64(bytes: Uint8Array, offset = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = view.getBigUint64(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`stored integer ${value} exceeds the safe range`);
  return Number(value);
}

export const heightKey = (bucket: Bucket, height: number): Uint8Array => bucketKey(bucket, encodeU64(height));

/** Hashes and ids are stored as raw bytes; accepts an optional 0x prefix. */
export const hexKey = (bucket: Bucket, hex: Hex): Uint8Array => bucketKey(bucket, fromHex(hex.toLowerCase()));

// ---------------------------------------------------------------- (height, index) positions

export interface Location {
  height: number;
  index: number;
}

export function encodeLocation(loc: Location): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  checkHeight(loc.height);
  view.setBigUint64(0, BigInt(loc.height));
  view.setUint32(8, loc.index);
  return out;
}

export function decodeLocation(bytes: Uint8Array): Location {
  if (bytes.byteLength !== 12) throw new RangeError(`a location is 12 bytes, got ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { height: decodeU64(bytes), index: view.getUint32(8) };
}

// ---------------------------------------------------------------- accounts

export const accountKey = (address: Address): Uint8Array => bucketKey(Bucket.account, parseAddress(address));
export const addressOfAccountKey = (key: Uint8Array): Address => addressToString(entityKey(key));

/** The protobuf AccountRecord: fields can be added without a new store format. */
export function encodeAccount(a: Account): Uint8Array {
  for (const [name, v] of [['balance', a.balance], ['nonce', a.nonce], ['stake', a.stake], ['capacity', a.capacity]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`account ${name} must be a non-negative safe integer, got ${v}`);
  }
  return AccountRecord.encode({
    balance: a.balance,
    nonce: a.nonce,
    stake: a.stake,
    capacity: a.capacity,
    publicKey: a.publicKey ?? new Uint8Array(0),
    x: a.position?.x,
    y: a.position?.y,
    credit: a.credit,
    role: a.role,
    detection: a.detection,
  });
}

export function decodeAccount(bytes: Uint8Array): Account {
  const r = AccountRecord.decode(bytes);
  return {
    balance: r.balance,
    nonce: r.nonce,
    stake: r.stake,
    capacity: r.capacity,
    ...(r.publicKey.byteLength > 0 ? { publicKey: r.publicKey } : {}),
    ...(r.x !== undefined && r.y !== undefined ? { position: { x: r.x, y: r.y } } : {}),
    ...(r.credit !== undefined ? { credit: r.credit } : {}),
    ...(r.role === 1 || r.role === 2 ? { role: r.role as ElectedRole } : {}),
    ...(r.detection !== undefined ? { detection: r.detection } : {}),
  };
}

// ---------------------------------------------------------------- head

/** height (u64be) ‖ timestamp (u64be) ‖ hash */
export function encodeHead(head: Head): Uint8Array {
  return concatBytes(encodeU64(head.height), encodeU64(head.timestamp), head.hash);
}

export function decodeHead(bytes: Uint8Array): Head {
  if (bytes.byteLength < 16) throw new RangeError('not a stored head (too short)');
  return { height: decodeU64(bytes, 0), timestamp: decodeU64(bytes, 8), hash: bytes.slice(16) };
}

// ---------------------------------------------------------------- genesis

export interface StoredGenesis {
  members: Uint8Array[];
  hash: Uint8Array;
  places: GenesisPlaces;
}

/** JSON with hex strings: written once, tiny, and readable with any LevelDB tool. */
export function encodeGenesis(g: StoredGenesis): Uint8Array {
  return utf8(JSON.stringify({ hash: toHex(g.hash), members: g.members.map(toHex), places: [...g.places].map(([k, p]) => [k, p.x, p.y]) }));
}

export function decodeGenesis(bytes: Uint8Array): StoredGenesis {
  const o = JSON.parse(new TextDecoder().decode(bytes)) as { hash: string; members: string[]; places?: [Hex, number, number][] };
  return { hash: fromHex(o.hash), members: o.members.map(fromHex), places: new Map((o.places ?? []).map(([k, x, y]) => [k, { x, y }])) };
}
