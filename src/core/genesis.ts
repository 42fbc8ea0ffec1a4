import { addressOf, isAddress } from './address.js';
import { compareBytes, type Hex, toHex, utf8 } from './bytes.js';
import { sha256 } from './hash.js';
import { LedgerState } from './ledger.js';

/**
 * config/genesis.json: what every genesis member and every listed account starts with, and the chain's map.
 * The map is consensus data (NCCA cells follow from it), so it lives here and not in a node's own settings.
 */
export interface GenesisSpec {
  timestamp: number;
  member: { balance: number; stake: number; capacity: number };
  accounts: { address: string; balance: number }[];
  /** Metres, cut into grid × grid cells; default 9 km × 9 km in 3 × 3 (the paper's setting). */
  area?: { width: number; height: number; grid: number };
  /**
   * A pinned genesis (written by `posplus genesis`): the members' public keys, hex, sorted. A node whose genesis
   * file has them holds no ceremony.
   */
  members?: Hex[];
}

export const DEFAULT_AREA = { width: 9000, height: 9000, grid: 3 };

export const areaOf = (spec: GenesisSpec): { width: number; height: number; grid: number } => spec.area ?? DEFAULT_AREA;

/** A member's position (metres) as it declared it for the genesis, by public key hex. */
export type GenesisPlaces = ReadonlyMap<Hex, { readonly x: number; readonly y: number }>;

export interface Genesis {
  chainId: string;
  hash: Uint8Array;
  hashHex: Hex;
  members: Uint8Array[]; // sorted public keys
  /** Members that declared a position: they start located, so NCCA elects its first validators at genesis. */
  places: GenesisPlaces;
  spec: GenesisSpec;
}

export function parseGenesisSpec(json: unknown): GenesisSpec {
  const fail = (what: string): never => {
    throw new TypeError(`genesis: ${what}`);
  };
  const o = json as Partial<GenesisSpec> | null;
  if (o === null || typeof o !== 'object') fail('must be a JSON object');
  const int = (v: unknown, name: string): number =>
    Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(`${name} must be a non-negative integer`);
  const member = o!.member ?? fail('member {balance, stake, capacity} is missing');
  const accounts = o!.accounts ?? [];
  if (!Array.isArray(accounts)) fail('accounts must be a list');
  const members = o!.members;
  if (members !== undefined) {
    if (!Array.isArray(members) || members.length === 0) fail('members must be a non-empty list of public keys');
    members.forEach((m, i) => (typeof m === 'string' && /^[0-9a-f]{64}$/.test(m)) || fail(`members[${i}] must be an ed25519 public key, 64 lowercase hex digits`));
    if (members.some((m, i) => i > 0 && members[i - 1]! >= m)) fail('members must be sorted and distinct');
  }
  const area = o!.area;
  if (area !== undefined) {
    if (area === null || typeof area !== 'object') fail('area must be {width, height, grid}');
    if (!(int(area.width, 'area.width') > 0 && int(area.height, 'area.height') > 0)) fail('area width and height must be positive metres');
    if (!(int(area.grid, 'area.grid') >= 1 && area.grid <= 64)) fail('area.grid must be from 1 to 64');
  }
  return {
    ...(area ? { area: { width: area.width, height: area.height, grid: area.grid } } : {}),
    ...(members ? { members: [...members] } : {}),
    timestamp: int(o!.timestamp, 'timestamp'),
    member: { balance: int(member.balance, 'member.balance'), stake: int(member.stake, 'member.stake'), capacity: int(member.capacity, 'member.capacity') },
    accounts: accounts.map((a, i) => {
      if (typeof a?.address !== 'string' || !isAddress(a.address)) fail(`accounts[${i}].address must be 0x and 40 hex digits`);
      return { address: a.address, balance: int(a.balance, `accounts[${i}].balance`) };
    }),
  };
}

/**
 * Every node that knows the same members, places and spec derives the same genesis hash and state. Places of
 * keys that are not members are dropped; a genesis without places hashes as it always did.
 */
export function makeGenesis(chainId: string, spec: GenesisSpec, members: readonly Uint8Array[], places: GenesisPlaces = new Map()): Genesis {
  const sorted = [...members].sort(compareBytes).filter((m, i, all) => i === 0 || compareBytes(all[i - 1]!, m) !== 0);
  const placed = new Map<Hex, { x: number; y: number }>();
  for (const m of sorted) {
    const p = places.get(toHex(m));
    if (p !== undefined) placed.set(toHex(m), { x: p.x, y: p.y });
  }
  const placesPart = placed.size === 0 ? [] : [utf8(`places:${JSON.stringify([...placed].map(([k, p]) => [k, p.x, p.y]))}`)];
  const hash = sha256(utf8(`posplus/genesis/v1/${chainId}`), utf8(JSON.stringify(spec)), ...sorted, ...placesPart);
  return { chainId, hash, hashHex: toHex(hash), members: sorted, places: placed, spec };
}

export function genesisState(g: Genesis): LedgerState {
  const state = new LedgerState();
  for (const a of g.spec.accounts) state.set(a.address, { balance: a.balance, nonce: 0, stake: 0, capacity: 0 });
  for (const publicKey of g.members) {
    const { balance, stake, capacity } = g.spec.member;
    const position = g.places.get(toHex(publicKey));
    state.set(addressOf(publicKey), { publicKey, balance, nonce: 0, stake, capacity, ...(position ? { position } : {}) });
  }
  return state;
}
