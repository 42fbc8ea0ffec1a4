import type { Address } from '../core/address.js';
import { toHex } from '../core/bytes.js';
import { type Account, type StateReader, isRegistered } from '../core/ledger.js';
import { type Fraction, TWO_THIRDS, type Validator, ValidatorSet } from './validator-set.js';

/** A registered node: an account with stake and a known key (the seed's REGISTER, or a genesis member). */
export interface RegisteredNode {
  address: Address;
  publicKey: Uint8Array;
  account: Account;
}

/** Every registered node, in address order, so whatever a caller ranks from it breaks ties the same everywhere. */
export function registeredNodes(state: StateReader): RegisteredNode[] {
  const out: RegisteredNode[] = [];
  for (const [address, account] of state.entries()) {
    if (isRegistered(account)) out.push({ address, publicKey: account.publicKey, account });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** One vote per node, whatever its stake (PBFT and Ripple count nodes, not coins). */
export function oneVoteEach(nodes: readonly Pick<RegisteredNode, 'address' | 'publicKey'>[], quorum: Fraction = TWO_THIRDS): ValidatorSet {
  const members: Validator[] = nodes.map((n) => ({ publicKey: n.publicKey, key: toHex(n.publicKey), address: n.address, weight: 1 }));
  return new ValidatorSet(members, quorum);
}
