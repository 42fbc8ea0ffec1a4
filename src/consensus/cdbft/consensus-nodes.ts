import type { StateReader } from '../../core/ledger.js';
import { oneVoteEach, registeredNodes } from '../registered.js';
import type { ValidatorSet } from '../validator-set.js';
import { cdbftCreditOf } from './credit.js';
import type { CdbftParams } from './params.js';

/**
 * CDBFT's consensus nodes: registered nodes whose credit reaches the threshold, the best `ratio` of the
 * registered nodes at most (highest credit first, ties by address). Should that leave fewer than `minNodes`,
 * every registered node takes part — PBFT cannot mask a fault with fewer than four. One vote each, as in PBFT
 * (2f + 1 of 3f + 1 replicas): stake buys no weight, credit decides membership.
 */
export function consensusNodes(state: StateReader, p: CdbftParams): ValidatorSet {
  const registered = registeredNodes(state);
  const cap = Math.ceil(p.ratio * registered.length);
  const chosen = registered
    .map((n) => ({ ...n, credit: cdbftCreditOf(n.account, p) }))
    .filter((n) => n.credit >= p.threshold)
    .sort((a, b) => b.credit - a.credit || (a.address < b.address ? -1 : 1))
    .slice(0, cap);
  return oneVoteEach(chosen.length >= p.minNodes ? chosen : registered);
}
