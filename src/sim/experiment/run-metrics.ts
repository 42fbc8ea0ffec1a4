import type { Address } from '../../core/address.js';
import type { Hex } from '../../core/bytes.js';
import type { StateReader } from '../../core/ledger.js';
import type { ReplicaNetwork } from '../replica-network.js';
import type { Replica } from '../replica.js';
import type { TrafficCollector } from '../traffic-collector.js';
import type { RunResult } from './run-result.js';

export type TrafficMeasure = Pick<
  RunResult,
  'heights' | 'offeredTxs' | 'submittedTxs' | 'committedTxs' | 'throughput_tps' | 'latency_ms' | 'packets_per_node' | 'packets_per_tx' | 'bytes_per_tx'
>;

/** The load a run offered: how many transactions it asked for, and when each one it sent was submitted (by id). */
export interface OfferedLoad {
  offered: number;
  submitted: ReadonlyMap<Hex, number>;
}

/** The measurement window, virtual ms: the time the load was offered. */
export interface Window {
  fromMs: number;
  toMs: number;
}

/**
 * The paper's metrics (§3.1) for one run, measured so that a stall cannot raise them. Throughput: the offered
 * transactions committed inside the window, over the window (a transaction committed later, or never, counts as
 * not committed). Latency: the mean, over every committed transaction, of the time from submission to the first
 * commit of its block by an honest replica. Packets per node: every packet every node sent (malicious ones too),
 * over the number of nodes; per committed transaction, the same packets and their bytes over the transactions
 * committed by the end of the run, so an engine that makes less progress does not look cheaper.
 */
export function measureTraffic(net: ReplicaNetwork, traffic: TrafficCollector, load: OfferedLoad, honest: readonly number[], window: Window): TrafficMeasure {
  const reference = referenceReplica(net, honest);
  let committed = 0;
  let inWindow = 0;
  let latencySum = 0;
  for (const [height, commit] of reference.log) {
    const at = firstCommit(net, honest, height);
    for (const id of commit.txIds) {
      const sentAt = load.submitted.get(id);
      if (sentAt === undefined) continue;
      committed++;
      latencySum += at - sentAt;
      if (at >= window.fromMs && at <= window.toMs) inWindow++;
    }
  }
  const packets = traffic.totalPackets();
  return {
    heights: reference.height,
    offeredTxs: load.offered,
    submittedTxs: load.submitted.size,
    committedTxs: committed,
    throughput_tps: inWindow / ((window.toMs - window.fromMs) / 1000),
    latency_ms: committed === 0 ? Number.NaN : latencySum / committed,
    packets_per_node: packets / net.replicas.length,
    packets_per_tx: committed === 0 ? Number.NaN : packets / committed,
    bytes_per_tx: committed === 0 ? Number.NaN : traffic.totalBytes() / committed,
  };
}

/** Recall and precision of the nodes a replica's chain confirmed malicious (protocols/README.md §9). */
export function detectionScore(ledger: StateReader, malicious: ReadonlySet<Address>): Pick<RunResult, 'recall' | 'precision'> {
  let flagged = 0;
  let truePositives = 0;
  for (const [address, account] of ledger.entries()) {
    if ((account.detection?.confirmations ?? 0) === 0) continue;
    flagged++;
    if (malicious.has(address)) truePositives++;
  }
  return {
    ...(malicious.size > 0 ? { recall: truePositives / malicious.size } : {}),
    ...(flagged > 0 ? { precision: truePositives / flagged } : {}),
  };
}

/** The honest replica with the longest chain: what an honest observer knows at the end. */
export function referenceReplica(net: ReplicaNetwork, honest: readonly number[]): Replica {
  return honest.map((i) => net.replica(i)).reduce((best, r) => (r.height > best.height ? r : best));
}

function firstCommit(net: ReplicaNetwork, honest: readonly number[], height: number): number {
  let first = Infinity;
  for (const i of honest) {
    const at = net.replica(i).commitTimes.get(height);
    if (at !== undefined && at < first) first = at;
  }
  return first;
}
