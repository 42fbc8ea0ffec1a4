import type { ExperimentMeta, RunResult } from '../../../../src/sim/experiment/run-result.js';
import { DEFAULT_NETWORK } from '../../../../src/sim/experiment/spec.js';

/** A plausible run; `over` replaces any field. */
export function run(over: Partial<RunResult> = {}): RunResult {
  return {
    engine: 'ncca',
    load: 'paper',
    malicious: 0,
    seed: 1,
    nodes: 100,
    simulatedMs: 60_000,
    heights: 50,
    offeredTxs: 1010,
    submittedTxs: 1000,
    committedTxs: 900,
    throughput_tps: 15,
    latency_ms: 1200,
    packets_per_node: 300,
    packets_per_tx: 33.3333,
    bytes_per_tx: 4321.5,
    recall: 0.9,
    precision: 0.95,
    events: 12_345,
    ...over,
  };
}

/** ncca (detects) and pos (does not) at malicious 0, 10, 20 with seeds 1..3; every value differs a little. */
export function grid(): RunResult[] {
  const runs: RunResult[] = [];
  for (const engine of ['ncca', 'pos'] as const)
    for (const malicious of [0, 10, 20])
      for (const seed of [1, 2, 3]) {
        const detects = engine === 'ncca';
        runs.push(
          run({
            engine,
            malicious,
            seed,
            throughput_tps: 20 - malicious / 4 + seed / 3 + (detects ? 0 : 1.5),
            latency_ms: 800 + malicious * 12.5 + seed,
            packets_per_node: 250 + malicious * 2 + seed / 7,
            recall: detects ? 0.7 + seed / 10 : undefined,
            behaviors: detects
              ? [
                  { behavior: 'drop', attackers: malicious / 2, acted: malicious / 2, detected: malicious / 2, detectedActed: malicious / 2, suspendSec: malicious > 0 ? [seed] : [] },
                  { behavior: 'dormant:30+drop', attackers: malicious / 2, acted: 0, detected: 0, detectedActed: 0, suspendSec: [] },
                ]
              : undefined,
            precision: detects && malicious > 0 ? 1 - seed / 50 : undefined,
          }),
        );
      }
  return runs;
}

export const META: ExperimentMeta = {
  command: 'posplus experiment --preset paper --engines ncca,pos --seeds 3',
  preset: 'paper',
  nodes: 100,
  cells: 9,
  areaM: 9000,
  engines: ['ncca', 'pos'],
  malicious: [0, 10, 20],
  seeds: 3,
  durationS: 60,
  drainS: 10,
  behaviors: 'falsevote',
  txRate: 50,
  batchMs: 200,
  loads: ['paper'],
  saturation: { txRate: 150, maxBlockTxs: 20 },
  network: DEFAULT_NETWORK,
  speed: [0, 0],
};

/** A deterministic shuffle (reversal and interleave), so "input order does not matter" tests need no randomness. */
export function shuffled<T>(xs: readonly T[]): T[] {
  const r = [...xs].reverse();
  return [...r.filter((_, i) => i % 2 === 1), ...r.filter((_, i) => i % 2 === 0)];
}
