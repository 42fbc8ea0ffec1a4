import { addressOf } from '../core/address.js';
import { fromHex } from '../core/bytes.js';
import type { BlockFacts, HeadRecord } from '../core/chain-state.js';
import type { Account, StateOverlay } from '../core/ledger.js';
import { offenderOf } from '../core/evidence.js';
import type { HeightRecord } from './ncca/credit.js';

/**
 * What a block says about the height before it, from canonical data only: that height's validators (the head
 * record), who signed its certificate (the block's lastCommit), whose rounds failed, and who the block's evidence
 * accuses. Undefined for block 1, which has no certificate to learn from.
 */
export function heightRecordOf(block: BlockFacts, head: HeadRecord | undefined): HeightRecord | undefined {
  if (head === undefined || block.lastCommit === undefined) return undefined;
  return {
    validators: head.validators.map((v) => addressOf(fromHex(v.publicKey))),
    signers: block.lastCommit.sigs.map((s) => addressOf(s.voter)),
    failedProposers: head.failedProposers,
    offenders: block.evidence.map(offenderOf),
  };
}

/**
 * Writes the credit that `next` derives from one height's record into the ledger: every address the record
 * involves, starting from `creditOf` its account. Only accounts that exist are scored: evidence can name an
 * address that never held anything.
 */
export function rescore(
  state: StateOverlay,
  record: HeightRecord,
  creditOf: (account: Account | undefined) => number,
  next: (current: ReadonlyMap<string, number>, record: HeightRecord) => Map<string, number>,
): void {
  const involved = new Set([...record.validators, ...record.signers, ...record.failedProposers, ...record.offenders]);
  const current = new Map([...involved].map((a) => [a, creditOf(state.get(a))]));
  for (const [address, credit] of next(current, record)) {
    const account = state.get(address);
    if (account !== undefined && account.credit !== credit) state.set(address, { ...account, credit });
  }
}
