import type { EngineName } from '../core/behavior.js';
import type { ChainState } from '../core/chain-state.js';
import type { BftEngine, BftTimeouts } from './bft/bft-engine.js';
import { createNccaEngine } from './ncca/ncca-engine.js';
import type { NccaParams } from './ncca/params.js';
import { createPosEngine } from './pos/pos-engine.js';

export interface EngineSettings {
  timeouts: BftTimeouts;
  ncca: NccaParams;
}

/** The engines this version implements; the node and the simulator both build them here. */
export const AVAILABLE_ENGINES: readonly EngineName[] = ['ncca', 'pos'];

export function createEngine(name: EngineName, chain: ChainState, s: EngineSettings, wal?: Uint8Array): BftEngine {
  switch (name) {
    case 'ncca':
      return createNccaEngine(chain, s.ncca, s.timeouts, wal);
    case 'pos':
      return createPosEngine(chain, s.timeouts, wal);
    default:
      throw new RangeError(`engine "${name}" is not available in this version (available: ${AVAILABLE_ENGINES.join(', ')})`);
  }
}
