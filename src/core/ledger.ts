import { type Address, addressToString, addressOf } from './address.js';
import { concatBytes, utf8, writeU64be } from './bytes.js';
import { TxRejected } from './errors.js';
import { sha256 } from './hash.js';
import { DetectionRecord, Tx } from './wire/posplus.js';

export interface Account {
  readonly publicKey?: Uint8Array; // known once the account has signed something or is a genesis member
  readonly balance: number;
  readonly nonce: number; // the next nonce this account must use
  readonly stake: number;
  readonly capacity: number; // declared compute capacity (the seed's REGISTER)
  /** Last position the account declared with LOCATE, in metres; it decides the account's NCCA cell. */
  readonly position?: { readonly x: number; readonly y: number };
  /** NCCA history trust CR in parts per million; undefined until the engine first scores the account. */
  readonly credit?: number;
  /** NCCA role elected for the current epoch; undefined = normal node (or no election yet). */
  readonly role?: ElectedRole;
  /** NCCA malicious-node detection: factors, round-2 watch, suspension and eviction (protocols/README.md §9). */
  readonly detection?: DetectionRecord;
}

/** Stored as numbers so the state root does not depend on spelling. */
export enum ElectedRole {
  validator = 1,
  multiRegion = 2,
}

export const EMPTY_ACCOUNT: Account = { balance: 0, nonce: 0, stake: 0, capacity: 0 };

/** A registered node: stake and a known key (the seed's REGISTER, or a genesis member). Every engine's candidates. */
export const isRegistered = (a: Account): a is Account & { readonly publicKey: Uint8Array } => a.stake > 0 && a.publicKey !== undefined;

export interface StateReader {
  get(address: Address): Account | undefined;
  entries(): IterableIterator<[Address, Account]>;
}

/** The whole ledger, owned by one replica. Blocks are executed on an overlay and merged on commit. */
export class LedgerState implements StateReader {
  private readonly accounts = new Map<Address, Account>();

  get(address: Address): Account | undefined {
    return this.accounts.get(address);
  }

  set(address: Address, account: Account): void {
    this.accounts.set(address, account);
  }

  entries(): IterableIterator<[Address, Account]> {
    return this.accounts.entries();
  }

  get size(): number {
    return this.accounts.size;
  }

  apply(changes: ReadonlyMap<Address, Account>): void {
    for (const [address, account] of changes) this.accounts.set(address, account);
  }

  /** Order-independent commitment to every account: sha256 over the sorted account leaves. */
  root(changes?: ReadonlyMap<Address, Account>): Uint8Array {
    const merged = new Map(this.accounts);
    if (changes) for (const [a, acc] of changes) merged.set(a, acc);
    const addresses = [...merged.keys()].sort();
    const leaves = addresses.map((a) => accountLeaf(a, merged.get(a)!));
    return sha256(utf8('posplus/state/v1'), ...leaves);
  }
}

/**
 * Leaves by account object: accounts are immutable (every change makes a new object), and the state root hashes
 * every account of the ledger for each block, while a block changes only a few of them (under PoS).
 */
const leaves = new WeakMap<Account, { address: Address; leaf: Uint8Array }>();

function accountLeaf(address: Address, a: Account): Uint8Array {
  const known = leaves.get(a);
  if (known?.address === address) return known.leaf;
  const leaf = hashAccount(address, a);
  leaves.set(a, { address, leaf });
  return leaf;
}

/**
 * sha256 of the account's fields, each u64 big-endian: address (UTF-8), balance, nonce, stake, capacity, then
 * position x, position y, credit, role and detection (its record's sha256) as optional fields, then the public
 * key. Optional fields hash as a presence flag and a value, so "absent" and "zero" never collide. The fields are
 * written into one buffer and hashed at once (the state root hashes every changed account of every block: one
 * small array per field was most of its cost); the bytes hashed are the same as field by field.
 */
function hashAccount(address: Address, a: Account): Uint8Array {
  const detection = a.detection === undefined ? undefined : sha256(DetectionRecord.encode(a.detection));
  const key = a.publicKey ?? new Uint8Array(0);
  const out = Buffer.alloc(Buffer.byteLength(address) + 8 * 13 + 32 + key.byteLength);
  let at = out.write(address, 0, 'utf8');
  const u64 = (v: number): void => {
    writeU64be(out, at, v);
    at += 8;
  };
  const optional = (v: number | undefined): void => {
    u64(v === undefined ? 0 : 1);
    if (v !== undefined) u64(v);
  };
  u64(a.balance);
  u64(a.nonce);
  u64(a.stake);
  u64(a.capacity);
  optional(a.position?.x);
  optional(a.position?.y);
  optional(a.credit);
  optional(a.role);
  u64(detection === undefined ? 0 : 1);
  if (detection !== undefined) {
    out.set(detection, at);
    at += detection.byteLength;
  }
  out.set(key, at);
  at += key.byteLength;
  return sha256(out.subarray(0, at));
}

/** Copy-on-write view used to execute a block or check a pending transaction without touching the base. */
export class StateOverlay implements StateReader {
  readonly changes = new Map<Address, Account>();
  /** `base`: the state the overlay started from (the parent block's, when executing a block). */
  constructor(readonly base: StateReader) {}

  /** Every account as this overlay sees it (base entries with the changes applied). */
  *entries(): IterableIterator<[Address, Account]> {
    for (const [address, account] of this.base.entries()) yield [address, this.changes.get(address) ?? account];
    for (const [address, account] of this.changes) if (this.base.get(address) === undefined) yield [address, account];
  }

  get(address: Address): Account | undefined {
    return this.changes.get(address) ?? this.base.get(address);
  }

  set(address: Address, account: Account): void {
    this.changes.set(address, account);
  }
}

const MAX_BPM = 400;
/** Positions are metres on a map of at most 1000 km a side. */
export const MAX_COORDINATE = 1_000_000;

/** Checks that need no state: field ranges and shapes by kind. */
export function checkTxShape(tx: Tx): void {
  const bad = (reason: string): never => {
    throw new TxRejected('malformed', reason);
  };
  if (tx.sender.byteLength !== 32) bad('sender must be a 32-byte ed25519 public key');
  if (tx.signature.byteLength !== 64) bad('signature must be 64 bytes');
  for (const [name, v] of [['amount', tx.amount], ['nonce', tx.nonce], ['stake', tx.stake], ['capacity', tx.capacity]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) bad(`${name} must be a non-negative safe integer`);
  }
  if (tx.kind !== Tx.Kind.LOCATE && (tx.x !== undefined || tx.y !== undefined)) bad('only locate carries a position');
  switch (tx.kind) {
    case Tx.Kind.TRANSFER:
      if (tx.to.byteLength !== 20) bad('transfer needs a 20-byte recipient address');
      if (tx.amount <= 0) bad('transfer amount must be positive');
      if (tx.stake !== 0 || tx.capacity !== 0) bad('transfer carries no stake or capacity');
      if (tx.bpm !== undefined && tx.bpm > MAX_BPM) bad(`bpm must be at most ${MAX_BPM}`);
      break;
    case Tx.Kind.REGISTER:
      if (tx.stake <= 0) bad('register needs a positive stake');
      if (tx.to.byteLength !== 0 || tx.amount !== 0 || tx.bpm !== undefined) bad('register carries no recipient, amount or bpm');
      break;
    case Tx.Kind.UNREGISTER:
      if (tx.to.byteLength !== 0 || tx.amount !== 0 || tx.stake !== 0 || tx.capacity !== 0 || tx.bpm !== undefined) {
        bad('unregister carries no recipient, amount, stake, capacity or bpm');
      }
      break;
    case Tx.Kind.LOCATE:
      if (tx.x === undefined || tx.y === undefined || tx.x > MAX_COORDINATE || tx.y > MAX_COORDINATE) {
        bad(`locate needs x and y in metres, each at most ${MAX_COORDINATE}`);
      }
      if (tx.to.byteLength !== 0 || tx.amount !== 0 || tx.stake !== 0 || tx.capacity !== 0 || tx.bpm !== undefined) {
        bad('locate carries only a position');
      }
      break;
    default:
      bad('unknown transaction kind');
  }
}

/**
 * Applies one (already signature-checked) transaction to the overlay, or throws TxRejected and leaves it
 * untouched. Nonces must be used strictly in order, so of two transactions with one sender and one nonce at
 * most one can ever apply.
 */
export function applyTx(state: StateOverlay, tx: Tx): void {
  const from = addressOf(tx.sender);
  const sender = state.get(from) ?? EMPTY_ACCOUNT;
  if (tx.nonce < sender.nonce) throw new TxRejected('nonce-too-low', `nonce ${tx.nonce} already used (next is ${sender.nonce})`);
  if (tx.nonce > sender.nonce) throw new TxRejected('nonce-too-high', `nonce ${tx.nonce} is ahead of the next nonce ${sender.nonce}`);
  const next = { ...sender, publicKey: tx.sender, nonce: sender.nonce + 1 };
  switch (tx.kind) {
    case Tx.Kind.TRANSFER: {
      if (sender.balance < tx.amount) {
        throw new TxRejected('insufficient-balance', `balance ${sender.balance} is less than amount ${tx.amount}`);
      }
      const toAddress = addressToString(tx.to);
      if (toAddress === from) {
        state.set(from, next);
        return;
      }
      const recipient = state.get(toAddress) ?? EMPTY_ACCOUNT;
      state.set(from, { ...next, balance: sender.balance - tx.amount });
      state.set(toAddress, { ...recipient, balance: recipient.balance + tx.amount });
      return;
    }
    case Tx.Kind.REGISTER:
      if (sender.balance < tx.stake) {
        throw new TxRejected('insufficient-balance', `balance ${sender.balance} is less than stake ${tx.stake}`);
      }
      state.set(from, { ...next, balance: sender.balance - tx.stake, stake: sender.stake + tx.stake, capacity: tx.capacity });
      return;
    case Tx.Kind.UNREGISTER:
      if (sender.stake === 0) throw new TxRejected('not-registered', 'the sender has no stake to unregister');
      state.set(from, { ...next, balance: sender.balance + sender.stake, stake: 0 });
      return;
    case Tx.Kind.LOCATE:
      state.set(from, { ...next, position: { x: tx.x!, y: tx.y! } });
      return;
  }
}

export function txRoot(ids: readonly Uint8Array[]): Uint8Array {
  return sha256(utf8('posplus/txs/v1'), concatBytes(...ids));
}
