import type { EngineName } from '../../core/behavior.js';
export interface RunResult {
  engine: EngineName;            // 'ncca' | 'pos' | 'rpca' | 'cdbft' | 'dpos'
  malicious: number;             // malicious nodes in the run
  seed: number;
  nodes: number;
  simulatedMs: number;           // virtual time the run covered
  heights: number;               // committed heights
  submittedTxs: number;
  committedTxs: number;
  throughput_tps: number;        // committed tx / simulated seconds
  latency_ms: number;            // mean submission→commit over committed txs
  packets_per_node: number;      // mean packets sent per node
  recall?: number;               // detection, 0..1; undefined for engines that do not detect
  precision?: number;            // undefined when nothing was detected or the engine does not detect
  events: number;                // simulator events processed
}
