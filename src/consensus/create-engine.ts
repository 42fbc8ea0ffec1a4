import type { EngineName } from '../core/behavior.js';
import type { ChainState } from '../core/chain-state.js';
import type { BftEngine } from './bft/bft-engine.js';
import type { BftTimeouts } from './bft/bft-rules.js';
import { createCdbftEngine } from './cdbft/cdbft-engine.js';
import { type CdbftParams, DEFAULT_CDBFT_PARAMS } from './cdbft/params.js';
import { createDposEngine } from './dpos/dpos-engine.js';
import { DEFAULT_DPOS_PARAMS, type DposParams } from './dpos/params.js';
import { createNccaEngine } from './ncca/ncca-engine.js';
import type { NccaParams } from './ncca/params.js';
import { createPosEngine } from './pos/pos-engine.js';
import { DEFAULT_RPCA_PARAMS, type RpcaParams } from './rpca/params.js';
import { createRpcaEngine } from './rpca/rpca-engine.js';

export interface EngineSettings {
  timeouts: BftTimeouts;
  ncca: NccaParams;
  /** The baselines' parameters; each defaults to its engine's DEFAULT_*_PARAMS. */
  rpca?: RpcaParams;
  cdbft?: CdbftParams;
  dpos?: DposParams;
}

/** The engines this version implements; the node and the simulator both build them here. */
export const AVAILABLE_ENGINES: readonly EngineName[] = ['ncca', 'pos', 'rpca', 'cdbft', 'dpos'];

export function createEngine(name: EngineName, chain: ChainState, s: EngineSettings, wal?: Uint8Array): BftEngine {
  switch (name) {
    case 'ncca':
      return createNccaEngine(chain, s.ncca, s.timeouts, wal);
    case 'pos':
      return createPosEngine(chain, s.timeouts, wal);
    case 'rpca':
      return createRpcaEngine(chain, s.rpca ?? DEFAULT_RPCA_PARAMS, s.timeouts, wal);
    case 'cdbft':
      return createCdbftEngine(chain, s.cdbft ?? DEFAULT_CDBFT_PARAMS, s.timeouts, wal);
    case 'dpos':
      return createDposEngine(chain, s.dpos ?? DEFAULT_DPOS_PARAMS, s.timeouts, wal);
    default:
      throw new RangeError(`engine "${name}" is not available in this version (available: ${AVAILABLE_ENGINES.join(', ')})`);
  }
}
