import { addressOf } from '../../core/address.js';
import type { ChainState } from '../../core/chain-state.js';
import { oneVoteEach } from '../registered.js';
import type { ValidatorSet } from '../validator-set.js';
import type { RpcaParams } from './params.js';

/**
 * The Unique Node List (Schwartz et al. 2014, §2.2 and §3.1): the validators a server listens to. Here every
 * node shares one static UNL: the first ceil(unlRatio · n) genesis members in public-key order (genesis sorts
 * them; at least 4, or all when fewer), who all start registered with the genesis member stake. It is
 * fixed for the life of the chain (Ripple's UNL is configured, never elected), so a later REGISTER does not
 * join it and an UNREGISTER does not leave it. One vote per member: Ripple counts validators, not stake.
 */
export function unlOf(chain: ChainState, p: RpcaParams): ValidatorSet {
  if (chain.genesis.spec.member.stake <= 0) throw new RangeError('rpca: the genesis members hold no stake, so there is no UNL');
  const members = chain.genesis.members;
  const size = Math.min(members.length, Math.max(4, Math.ceil(p.unlRatio * members.length)));
  return oneVoteEach(
    members.slice(0, size).map((publicKey) => ({ address: addressOf(publicKey), publicKey })),
    p.quorum,
  );
}
