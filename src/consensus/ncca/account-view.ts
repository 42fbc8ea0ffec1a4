import type { Account } from '../../core/ledger.js';
import { type Area, cellOf } from '../../geo/grid.js';
import type { NccaParams } from './params.js';

/** An account's NCCA credit in parts per million; accounts never scored start at the initial value. */
export function creditOf(account: Account | undefined, p: NccaParams): number {
  return account?.credit ?? p.credit.initial;
}

export function cellOfAccount(area: Area, account: Account): number | undefined {
  return account.position === undefined ? undefined : cellOf(area, account.position);
}
