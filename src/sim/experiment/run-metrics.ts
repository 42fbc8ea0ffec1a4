import type { Address } from '../../core/address.js';
import type { Hex } from '../../core/bytes.js';
import type { StateReader } from '../../core/ledger.js';
import type { Replica, ReplicaNetwork } from '../replica-network.js';
import type { RunResult } from './run-result.js';

export type TrafficMeasure = Pick<RunResult, 'heights' | 'submittedTxs' | 'committedTxs' | 'throughput_tps' | 'latency_ms' | 'packets_per_node'>;

/**
 * The paper's metrics (§3.1) for one run. Throughput: committed transactions over the time from the first
 * submission to the last commit of one of them. Latency: the mean, over committed transactions, of the time from
 * submission to the first commit of its block by an honest replica. Packets per node: every packet every node
 * sent (malicious ones too), over the number of nodes. `submitted` maps transaction id to submission time.
 */
export function measureTraffic(net: ReplicaNetwork, submitted: ReadonlyMap<Hex, number>, honest: readonly number[]): TrafficMeasure {
  const reference = referenceReplica(net, honest);
  let committed = 0;
  let latencySum = 0;
  let lastCommit = -Infinity;
  for (const [height, commit] of reference.log) {
    const at = firstCommit(net, honest, height);
    for (const id of commit.txIds) {
      const sentAt = submitted.get(id);
      if (sentAt === undefined) continue;
      committed++;
      latencySum += at - sentAt;
      lastCommit = Math.max(lastCommit, at);
    }
  }
  const firstSubmit = Math.min(...submitted.values());
  const packets = net.replicas.reduce((sum, r) => sum + r.sent, 0);
  return {
    heights: reference.height,
    submittedTxs: submitted.size,
    committedTxs: committed,
    throughput_tps: committed === 0 ? 0 : committed / ((lastCommit - firstSubmit) / 1000),
    latency_ms: committed === 0 ? Number.NaN : latencySum / committed,
    packets_per_node: packets / net.replicas.length,
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
