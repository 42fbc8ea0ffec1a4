import type { Address } from '../core/address.js';
import { compareBytes, type Hex, toHex } from '../core/bytes.js';
import type { LedgerState } from '../core/ledger.js';

export interface Validator {
  publicKey: Uint8Array;
  key: Hex; // hex of publicKey, the map key everywhere
  address: Address;
  weight: number;
}

/** The voting members for one height, sorted by public key, with the weighted quorum rules. */
export class ValidatorSet {
  readonly members: readonly Validator[];
  readonly total: number;
  private readonly byKey: Map<Hex, Validator>;

  constructor(members: Validator[]) {
    this.members = [...members].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
    this.total = this.members.reduce((sum, v) => sum + v.weight, 0);
    this.byKey = new Map(this.members.map((v) => [v.key, v]));
  }

  /** Every registered account with stake and a known key, weighted by stake. */
  static fromStake(ledger: LedgerState): ValidatorSet {
    const members: Validator[] = [];
    for (const [address, account] of ledger.entries()) {
      if (account.stake > 0 && account.publicKey !== undefined) {
        members.push({ publicKey: account.publicKey, key: toHex(account.publicKey), address, weight: account.stake });
      }
    }
    return new ValidatorSet(members);
  }

  get(key: Hex): Validator | undefined {
    return this.byKey.get(key);
  }

  weightOf(key: Hex): number {
    return this.byKey.get(key)?.weight ?? 0;
  }

  /** Strictly more than 2/3 of the total weight: two such sets always share an honest member. */
  isQuorum(weight: number): boolean {
    return weight * 3 > this.total * 2;
  }

  /** Strictly more than 1/3: at least one honest member is among them. */
  isOneThird(weight: number): boolean {
    return weight * 3 > this.total;
  }
}

