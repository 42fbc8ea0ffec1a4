import type { ChainState } from '../../core/chain-state.js';
import type { Hex } from '../../core/bytes.js';
import { ElectedRole, isRegistered } from '../../core/ledger.js';
import { hexOf } from '../../core/object-memo.js';
import type { Area } from '../../geo/grid.js';
import { cellOfAccount, hasRights } from './account-view.js';
import type { Voter } from './tx-set-vote.js';

export interface VoterInfo extends Voter {
  publicKey: Hex;
}

/** The voters at one head, by key and by address. */
export interface Voters {
  voters: ReadonlyMap<Hex, VoterInfo>;
  byAddress: ReadonlyMap<string, VoterInfo>;
}

/**
 * Voters by the state they are read from (ChainState.headState; the map is the chain's, fixed by its genesis):
 * replicas of a simulation that share execution share one list per head (each rebuilding it from its whole
 * ledger was a twentieth of a 250-node run).
 */
const votersByState = new WeakMap<object, Voters>();

export function votersAtHead(chain: ChainState, area: Area): Voters {
  let voters = votersByState.get(chain.headState);
  if (voters === undefined) votersByState.set(chain.headState, (voters = votersOfLedger(chain, area)));
  return voters;
}

function votersOfLedger(chain: ChainState, area: Area): Voters {
  const accounts = [...chain.ledger.entries()].filter(([, a]) => isRegistered(a) && hasRights(a, chain.head.timestamp));
  const elected = accounts.some(([, a]) => a.role !== undefined);
  const voters = new Map<Hex, VoterInfo>();
  const byAddress = new Map<string, VoterInfo>();
  for (const [address, a] of accounts) {
    const role = a.role === ElectedRole.multiRegion ? 'multi-region' : a.role === ElectedRole.validator || !elected ? 'validator' : 'normal';
    const publicKey = hexOf(a.publicKey!);
    const voter: VoterInfo = { address, publicKey, role, cell: cellOfAccount(area, a) ?? -1 };
    voters.set(publicKey, voter);
    byAddress.set(address, voter);
  }
  return { voters, byAddress };
}
