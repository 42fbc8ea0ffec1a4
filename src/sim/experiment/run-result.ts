/**
 * What one simulator run of `posplus experiment` reports, and the parameters of the whole experiment. These two
 * types are the only contract between the experiment runner and the writers in this folder (runs.csv,
 * summary.json, report.md, the figures): the writers never see the simulator, so they stay pure and testable.
 */
import type { EngineName } from '../../core/behavior.js';
import type { ExperimentSpec } from './spec.js';

/** The paper's offered load (below every engine's capacity: the latency figure), or a saturating one (capacity). */
export type LoadName = 'paper' | 'saturation';

export const LOAD_NAMES: readonly LoadName[] = ['paper', 'saturation'];

export interface RunResult {
  engine: EngineName; // 'ncca' | 'pos' | 'rpca' | 'cdbft' | 'dpos'
  load: LoadName;
  malicious: number; // malicious nodes in the run
  seed: number;
  nodes: number;
  simulatedMs: number; // virtual time the run covered
  heights: number; // committed heights
  offeredTxs: number; // transactions the load asked for (a wallet holds back a few when too many are unconfirmed)
  submittedTxs: number;
  committedTxs: number; // by the end of the run, drain included
  throughput_tps: number; // transactions committed inside the load window / the window's seconds
  latency_ms: number; // mean submission→commit over committed txs
  packets_per_node: number; // mean packets sent per node
  packets_per_tx: number; // packets sent by all nodes / committed txs
  bytes_per_tx: number; // bytes of those packets / committed txs
  recall?: number; // detection, 0..1; undefined for engines that do not detect
  precision?: number; // undefined when nothing was detected or the engine does not detect
  events: number; // simulator events processed
  /** Per entry of the behaviour mix, in its order; only for an engine that detects. */
  behaviors?: BehaviorDetection[];
}

/** What one run's detection did to the attackers dealt one entry of the behaviour mix (behavior-detection.ts). */
export interface BehaviorDetection {
  behavior: string; // the mix entry, e.g. 'delay:2500' or 'dormant:30+drop'
  attackers: number;
  acted: number; // attackers whose behaviour changed something they sent or received
  detected: number; // attackers confirmed malicious
  detectedActed: number; // of those, the ones that acted
  suspendSec: number[]; // per detected attacker that acted: seconds from its first act to its first confirmation
}

/**
 * The parameters of an experiment with the command that made it, written into summary.json and report.md so that
 * the files say how to make them again. Deliberately no wall-clock time or date: two runs of the same command
 * must give byte-identical files.
 */
export interface ExperimentMeta extends ExperimentSpec {
  /** The exact command line that produced the results, e.g. `posplus experiment --preset paper`. */
  command: string;
}
