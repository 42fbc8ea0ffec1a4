import { addressOf, type Address } from '../../core/address.js';
import { fromHex } from '../../core/bytes.js';
import { hexOf } from '../../core/object-memo.js';
import type { BlockFacts, HeadRecord } from '../../core/chain-state.js';
import { type Account, ElectedRole, type LedgerState, type StateOverlay, type StateReader, isRegistered } from '../../core/ledger.js';
import type { Area } from '../../geo/grid.js';
import type { BftRules } from '../bft/bft-rules.js';
import type { Role } from '../engine.js';
import { type Fraction, ValidatorSet, quorumOf } from '../validator-set.js';
import { nextCredit } from './credit.js';
import { electRoles } from './elections.js';
import { type NccaParams, checkNccaParams } from './params.js';
import { roulettePick, rouletteSeed } from './roulette.js';
import { NccaTxSet } from './tx-set.js';
import { cellOfAccount, creditOf, hasRights, isEvicted, isSuspended } from './account-view.js';
import { applyDetection, recordConduct } from '../detection/chain-detection.js';
import { ObservationBook } from '../detection/observation-book.js';
import { heightRecordOf, rescore } from '../height-record.js';

const ROLE_NAMES: Record<ElectedRole, Role> = { [ElectedRole.validator]: 'validator', [ElectedRole.multiRegion]: 'multi-region' };

/**
 * NCCA's place in the BFT round machine (DESIGN §5): who votes (the validators elected per cell for the epoch,
 * weighted by stake), who proposes (roulette over high-credit validators, weight = credit), and the per-block
 * bookkeeping every replica applies identically — credit from the canonical certificate, and at each epoch
 * boundary the election of the next epoch's roles. Both live in the ledger state, so they are covered by the
 * state root and survive restarts.
 */
export function nccaRules(p: NccaParams, area: Area): BftRules {
  checkNccaParams(p);
  const book = new ObservationBook();
  return {
    validatorsFor: (chain) => electedValidators(chain.ledger, chain.head.timestamp, quorumOf(p.beta2)),
    proposerOf: (chain, validators, round) => {
      const members = validators.members.map((v) => ({ address: v.address, publicKey: v.publicKey, credit: creditOf(chain.ledger.get(v.address), p) }));
      return roulettePick(members, round, (r) => rouletteSeed(chain.head.hash, chain.head.height + 1, r), p.rouletteCutoff).publicKey;
    },
    roleOf: (chain, validators, key) => {
      const address = addressOf(fromHex(key));
      const account = chain.ledger.get(address);
      if (isEvicted(account)) return 'evicted';
      if (isSuspended(account, chain.head.timestamp)) return 'suspended';
      if (validators.get(key) === undefined) return 'normal';
      return account?.role === undefined ? 'validator' : ROLE_NAMES[account.role];
    },
    txSet: new NccaTxSet(p, area, p.vote.maxWaitMs, book),
    observer: book,
    collectVotes: true,
    describe: (chain, address) => {
      const a = chain.ledger.get(address);
      const until = a?.detection?.suspendedUntil ?? 0;
      return {
        cell: a === undefined ? undefined : cellOfAccount(area, a),
        credit: creditOf(a, p) / 1_000_000,
        ...(until > chain.head.timestamp ? { suspendedUntil: until } : {}),
      };
    },
    // The first epoch's roles come from the genesis when its members declared positions; otherwise every
    // registered node validates until the first election (the paper's start, where validators are still to be chosen).
    atGenesis: (state, now) => {
      if ([...state.entries()].some(([, a]) => isRegistered(a) && a.position !== undefined)) holdElection(state, p, area, true, now);
    },
    afterTxs: (state, block, head) => {
      updateCredit(state, block, head, p);
      applyDetection(state, block, head, recordConduct(state, block, head), p, area);
      if (block.height % p.epochLength === 0) holdElection(state, p, area, block.height === p.epochLength, block.timestamp);
    },
  };
}

/**
 * The elected validators and multi-region validators, weighted by stake. When no account has a role (a genesis
 * whose members declared no position, until the first election) every registered node validates. Suspended and
 * evicted nodes are out (`now` is the head's time).
 */
function electedValidators(state: StateReader, now: number, quorum: Fraction): ValidatorSet {
  const staked: [Address, Account][] = [];
  for (const [address, account] of state.entries()) {
    if (isRegistered(account) && hasRights(account, now)) staked.push([address, account]);
  }
  // Should every elected validator be out at once, every registered node with rights validates until the next election.
  const anyRole = staked.some(([, a]) => a.role !== undefined);
  const members = staked
    .filter(([, a]) => !anyRole || a.role !== undefined)
    .map(([address, a]) => ({ publicKey: a.publicKey!, key: hexOf(a.publicKey!), address, weight: a.stake }));
  return new ValidatorSet(members, quorum);
}

function updateCredit(state: StateOverlay, block: BlockFacts, head: HeadRecord | undefined, p: NccaParams): void {
  const record = heightRecordOf(block, head);
  if (record !== undefined) rescore(state, record, (a) => creditOf(a, p), (current, r) => nextCredit(current, r, p.credit));
}

function holdElection(state: StateOverlay | LedgerState, p: NccaParams, area: Area, firstEpoch: boolean, now: number): void {
  const candidates = [];
  for (const [address, a] of state.entries()) {
    if (isRegistered(a) && hasRights(a, now)) {
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
