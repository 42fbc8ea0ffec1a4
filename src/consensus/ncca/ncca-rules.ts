import { addressOf, type Address } from '../../core/address.js';
import { toHex } from '../../core/bytes.js';
import type { BlockFacts, HeadRecord } from '../../core/chain-state.js';
import { offenderOf } from '../../core/evidence.js';
import { type Account, ElectedRole, type StateOverlay, type StateReader } from '../../core/ledger.js';
import type { Area } from '../../geo/grid.js';
import type { BftRules } from '../bft/bft-engine.js';
import type { Role } from '../engine.js';
import { type Fraction, ValidatorSet, quorumOf } from '../validator-set.js';
import { nextCredit } from './credit.js';
import { electRoles } from './elections.js';
import type { NccaParams } from './params.js';
import { roulettePick, rouletteSeed } from './roulette.js';
import { NccaTxSet } from './tx-set.js';
import { cellOfAccount, creditOf } from './account-view.js';

const ROLE_NAMES: Record<ElectedRole, Role> = { [ElectedRole.validator]: 'validator', [ElectedRole.multiRegion]: 'multi-region' };

/**
 * NCCA's place in the BFT round machine (DESIGN §5): who votes (the validators elected per cell for the epoch,
 * weighted by stake), who proposes (roulette over high-credit validators, weight = credit), and the per-block
 * bookkeeping every replica applies identically — credit from the canonical certificate, and at each epoch
 * boundary the election of the next epoch's roles. Both live in the ledger state, so they are covered by the
 * state root and survive restarts.
 */
export function nccaRules(p: NccaParams, area: Area): BftRules {
  return {
    validatorsFor: (chain) => electedValidators(chain.ledger, quorumOf(p.beta2)),
    proposerOf: (chain, validators, round) => {
      const members = validators.members.map((v) => ({ address: v.address, publicKey: v.publicKey, credit: creditOf(chain.ledger.get(v.address), p) }));
      return roulettePick(members, rouletteSeed(chain.head.hash, chain.head.height + 1, round), p.rouletteCutoff).publicKey;
    },
    roleOf: (chain, validators, key) => {
      const v = validators.get(key);
      if (v === undefined) return 'normal';
      const role = chain.ledger.get(v.address)?.role;
      return role === undefined ? 'validator' : ROLE_NAMES[role];
    },
    txSet: new NccaTxSet(p, area, p.vote.windowMs, p.vote.maxWaitMs),
    describe: (chain, address) => {
      const a = chain.ledger.get(address);
      return { cell: a === undefined ? undefined : cellOfAccount(area, a), credit: creditOf(a, p) / 1_000_000 };
    },
    afterTxs: (state, block, head) => {
      updateCredit(state, block, head, p);
      if (block.height % p.epochLength === 0) holdElection(state, p, area, block.height === p.epochLength);
    },
  };
}

/**
 * The elected validators and multi-region validators, weighted by stake. Before the first election (the
 * first epoch) no account has a role yet, and every registered node validates, as in the paper's start where
 * the initial validators are still to be chosen.
 */
function electedValidators(state: StateReader, quorum: Fraction): ValidatorSet {
  const staked: [Address, Account][] = [];
  let anyRole = false;
  for (const [address, account] of state.entries()) {
    if (account.stake > 0 && account.publicKey !== undefined) staked.push([address, account]);
    if (account.role !== undefined) anyRole = true;
  }
  const members = staked
    .filter(([, a]) => !anyRole || a.role !== undefined)
    .map(([address, a]) => ({ publicKey: a.publicKey!, key: toHex(a.publicKey!), address, weight: a.stake }));
  return new ValidatorSet(members, quorum);
}

function updateCredit(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined, p: NccaParams): void {
  if (head === undefined || block.lastCommit === undefined) return;
  const record = {
    validators: head.validators.map((v) => addressOf(Buffer.from(v.publicKey, 'hex'))),
    signers: block.lastCommit.sigs.map((s) => addressOf(s.voter)),
    failedProposers: head.failedProposers,
    offenders: block.evidence.map(offenderOf),
  };
  const involved = new Set([...record.validators, ...record.signers, ...record.failedProposers, ...record.offenders]);
  const current = new Map([...involved].map((a) => [a, creditOf(state.get(a), p)]));
  for (const [address, credit] of nextCredit(current, record, p.credit)) {
    const account = state.get(address);
    // Only accounts that exist are scored: evidence can name an address that never held anything.
    if (account !== undefined && account.credit !== credit) state.set(address, { ...account, credit });
  }
}

function holdElection(state: StateOverlay, p: NccaParams, area: Area, firstEpoch: boolean): void {
  const candidates = [];
  for (const [address, a] of state.entries()) {
    if (a.stake > 0 && a.publicKey !== undefined) {
      candidates.push({ address, publicKey: a.publicKey, stake: a.stake, capacity: a.capacity, credit: creditOf(a, p), cell: cellOfAccount(area, a) });
    }
  }
  const { roles } = electRoles(candidates, p, firstEpoch);
  for (const [address, a] of [...state.entries()]) {
    const elected = roles.get(address);
    const role = elected === 'multi-region' ? ElectedRole.multiRegion : elected === 'validator' ? ElectedRole.validator : undefined;
    if (a.role !== role) state.set(address, { ...a, role });
  }
}
