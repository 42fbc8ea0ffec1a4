import type { Account } from '../../core/ledger.js';
import type { HeightRecord } from '../ncca/credit.js';
import { CREDIT_MAX, type CdbftParams } from './params.js';

/** A node's CDBFT credit in ppm; never scored = the initial credit. */
export function cdbftCreditOf(account: Account | undefined, p: CdbftParams): number {
  return account?.credit ?? p.initial;
}

/**
 * CDBFT's vote reward and punishment (Wang et al., §"credit evaluation"), from what the chain records of one
 * height, applied in this order to the result of the step before, each clamped to [0, 1e6]:
 *   1. every signer of the height's commit:          + reward
 *   2. every consensus node that did not sign:       − absent
 *   3. the primary of every failed round:            − failedPrimary (once per failed round)
 *   4. every node accused by committed evidence:     credit = 0 (a proven Byzantine fault)
 * Additive steps: the same offence costs every node the same, whatever its history. Addresses missing from
 * `current` start at the initial credit; the result holds every address involved.
 */
export function nextCdbftCredit(current: ReadonlyMap<string, number>, record: HeightRecord, p: CdbftParams): Map<string, number> {
  const cr = new Map(current);
  const add = (address: string, delta: number): void => {
    cr.set(address, Math.min(CREDIT_MAX, Math.max(0, (cr.get(address) ?? p.initial) + delta)));
  };
  const signed = new Set(record.signers);
  for (const a of signed) add(a, p.reward);
  for (const a of new Set(record.validators)) if (!signed.has(a)) add(a, -p.absent);
  for (const a of record.failedProposers) add(a, -p.failedPrimary);
  for (const a of record.offenders) cr.set(a, 0);
  return cr;
}
