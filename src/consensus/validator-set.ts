import type { Address } from '../core/address.js';
import { compareBytes, type Hex, toHex } from '../core/bytes.js';
import { type LedgerState, isRegistered } from '../core/ledger.js';

export interface Validator {
  publicKey: Uint8Array;
  key: Hex; // hex of publicKey, the map key everywhere
  address: Address;
  weight: number;
}

/** A commit threshold as an exact fraction of the total weight. */
export interface Fraction {
  num: number;
  den: number;
}

/** Strictly more than 2/3: two such sets always share an honest member while faults stay under 1/3. */
export const TWO_THIRDS: Fraction = { num: 2, den: 3 };

/** β2 as a fraction in millionths, never below 2/3 (a weaker quorum would give up safety). */
export function quorumOf(beta2: number): Fraction {
  const f = { num: Math.round(beta2 * 1_000_000), den: 1_000_000 };
  return f.num * TWO_THIRDS.den > TWO_THIRDS.num * f.den ? f : TWO_THIRDS;
}

/** The voting members for one height, sorted by public key, with the weighted quorum rules. */
export class ValidatorSet {
  readonly members: readonly Validator[];
  readonly total: number;
  private readonly byKey: Map<Hex, Validator>;

  constructor(
    members: Validator[],
    readonly quorum: Fraction = TWO_THIRDS,
  ) {
    this.members = [...members].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
    this.total = this.members.reduce((sum, v) => sum + v.weight, 0);
    this.byKey = new Map(this.members.map((v) => [v.key, v]));
  }

  /** Every registered account with stake and a known key, weighted by stake. */
  static fromStake(ledger: LedgerState): ValidatorSet {
    const members: Validator[] = [];
    for (const [address, account] of ledger.entries()) {
      if (isRegistered(account)) {
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

  /** Strictly more than the quorum fraction (2/3, or NCCA's β2) of the total weight. */
  isQuorum(weight: number): boolean {
    return BigInt(weight) * BigInt(this.quorum.den) > BigInt(this.total) * BigInt(this.quorum.num);
  }

  /** Strictly more than 1/3: at least one honest member is among them. */
  isOneThird(weight: number): boolean {
    return weight * 3 > this.total;
  }
}

