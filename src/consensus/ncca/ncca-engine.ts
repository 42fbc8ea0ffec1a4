import type { ChainState } from '../../core/chain-state.js';
import { areaOf } from '../../core/genesis.js';
import { BftEngine } from '../bft/bft-engine.js';
import type { BftTimeouts } from '../bft/bft-rules.js';
import { type NccaParams, checkNccaParams } from './params.js';
import { nccaRules } from './ncca-rules.js';

/** NCCA (the default engine): elected per-cell validators, credit, roulette proposer, commit at > 2/3. */
export function createNccaEngine(chain: ChainState, params: NccaParams, timeouts: BftTimeouts, wal?: Uint8Array): BftEngine {
  checkNccaParams(params);
  return new BftEngine('ncca', chain, nccaRules(params, areaOf(chain.genesis.spec)), timeouts, wal);
}
