import { toHex } from '../../core/bytes.js';
import type { ChainState } from '../../core/chain-state.js';
import type { ValidatorView } from '../engine.js';
import type { ValidatorSet } from '../validator-set.js';
import type { BftRules } from './bft-rules.js';

/** Every registered node: the validator set's members with their roles, then the others (normal, suspended, evicted). */
export function validatorViews(rules: BftRules, chain: ChainState, validators: ValidatorSet): ValidatorView[] {
  const members: ValidatorView[] = validators.members.map((v) => ({
    address: v.address,
    publicKey: v.key,
    role: rules.roleOf?.(chain, validators, v.key) ?? 'validator',
    stake: chain.account(v.address).stake,
    ...rules.describe?.(chain, v.address),
  }));
  const inSet = new Set(members.map((v) => v.address));
  const others: ValidatorView[] = [];
  for (const [address, a] of chain.ledger.entries()) {
    if (inSet.has(address) || a.stake === 0 || a.publicKey === undefined) continue;
    const publicKey = toHex(a.publicKey);
    others.push({ address, publicKey, role: rules.roleOf?.(chain, validators, publicKey) ?? 'normal', stake: a.stake, ...rules.describe?.(chain, address) });
  }
  return [...members, ...others.sort((a, b) => (a.address < b.address ? -1 : 1))];
}
