import type { ChainState } from '../../core/chain-state.js';
import { BftEngine, type BftRules, type BftTimeouts } from '../bft/bft-engine.js';
import { ValidatorSet } from '../validator-set.js';
import { drawByWeight, lotterySeed } from './lottery.js';

/** The seed's POS+: stake-weighted validators, stake-lottery proposer, commit at >2/3 of stake. */
export const posRules: BftRules = {
  validatorsFor: (chain) => ValidatorSet.fromStake(chain.ledger),
  proposerOf: (chain, validators, round) =>
    drawByWeight(validators.members, lotterySeed(chain.head.hash, chain.head.height + 1, round)).publicKey,
};

export function createPosEngine(chain: ChainState, timeouts: BftTimeouts, wal?: Uint8Array): BftEngine {
  return new BftEngine('pos', chain, posRules, timeouts, wal);
}
