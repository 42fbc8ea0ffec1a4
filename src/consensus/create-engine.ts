import type { EngineName } from '../core/behavior.js';
import type { BlockRules, ChainState } from '../core/chain-state.js';
import { type Genesis, areaOf, genesisState } from '../core/genesis.js';
import type { LedgerState } from '../core/ledger.js';
import { BftEngine } from './bft/bft-engine.js';
import { bftBlockRules } from './bft/bft-block-rules.js';
import type { BftRules, BftTimeouts } from './bft/bft-rules.js';
import { cdbftRules } from './cdbft/cdbft-rules.js';
import { type CdbftParams, DEFAULT_CDBFT_PARAMS } from './cdbft/params.js';
import { dposRules } from './dpos/dpos-rules.js';
import { DEFAULT_DPOS_PARAMS, type DposParams } from './dpos/params.js';
import { nccaRules } from './ncca/ncca-rules.js';
import type { NccaParams } from './ncca/params.js';
import { posRules } from './pos/pos-rules.js';
import { DEFAULT_RPCA_PARAMS, type RpcaParams } from './rpca/params.js';
import { rpcaRules } from './rpca/rpca-rules.js';

export interface EngineSettings {
  ncca: NccaParams;
  /** The baselines' parameters; each defaults to its engine's DEFAULT_*_PARAMS. */
  rpca?: RpcaParams;
  cdbft?: CdbftParams;
  dpos?: DposParams;
}

/** The engines this version implements; the node and the simulator both build them here. */
export const AVAILABLE_ENGINES: readonly EngineName[] = ['ncca', 'pos', 'rpca', 'cdbft', 'dpos'];

/**
 * One engine's rules on one genesis: what its BftEngine runs, and what ChainState (built with `block`) checks and
 * books in every block it executes.
 */
export interface EngineRules {
  readonly name: EngineName;
  readonly bft: BftRules;
  readonly block: BlockRules;
  /** The accounts before block 1: the genesis's, with what the engine books at genesis (NCCA's first roles). */
  genesisState(): LedgerState;
}

export function engineRules(name: EngineName, s: EngineSettings, genesis: Genesis): EngineRules {
  const bft = bftRulesOf(name, s, genesis);
  return {
    name,
    bft,
    block: bftBlockRules(bft),
    genesisState: () => {
      const state = genesisState(genesis);
      bft.atGenesis?.(state, genesis.spec.timestamp);
      return state;
    },
  };
}

/** The engine driving `chain`, which must have been built with `rules.block`. */
export function createEngine(chain: ChainState, rules: EngineRules, timeouts: BftTimeouts, wal?: Uint8Array): BftEngine {
  return new BftEngine(rules.name, chain, rules.bft, timeouts, wal);
}

function bftRulesOf(name: EngineName, s: EngineSettings, genesis: Genesis): BftRules {
  switch (name) {
    case 'ncca':
      return nccaRules(s.ncca, areaOf(genesis.spec));
    case 'pos':
      return posRules();
    case 'rpca':
      return rpcaRules(s.rpca ?? DEFAULT_RPCA_PARAMS);
    case 'cdbft':
      return cdbftRules(s.cdbft ?? DEFAULT_CDBFT_PARAMS);
    case 'dpos':
      return dposRules(s.dpos ?? DEFAULT_DPOS_PARAMS);
    default:
      throw new RangeError(`engine "${name}" is not available in this version (available: ${AVAILABLE_ENGINES.join(', ')})`);
  }
}
