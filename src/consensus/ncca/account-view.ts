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

/** Evicted for good: no role, no vote, its consensus messages refused (paper §2.3). */
export function isEvicted(account: Account | undefined): boolean {
  return (account?.detection?.evictedAt ?? 0) > 0;
}

/** Suspended at block time `now` (ms): the paper's Table 1 leaves it no voting, verifying or proposing right. */
export function isSuspended(account: Account | undefined, now: number): boolean {
  return (account?.detection?.suspendedUntil ?? 0) > now;
}

/** Whether the account may take part in consensus at block time `now`: neither evicted nor suspended. */
export function hasRights(account: Account | undefined, now: number): boolean {
  return !isEvicted(account) && !isSuspended(account, now);
}

/** Why the account has no rights at block time `now` ("evicted at height H", "suspended until <ISO time>"), or undefined. */
export function lostRights(account: Account | undefined, now: number): string | undefined {
  if (isEvicted(account)) return `evicted at height ${account!.detection!.evictedAt}`;
  if (isSuspended(account, now)) return `suspended until ${new Date(account!.detection!.suspendedUntil).toISOString()}`;
  return undefined;
}
