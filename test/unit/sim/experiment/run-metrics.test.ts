import assert from 'node:assert/strict';
import { txId } from '../../../../src/core/tx.js';
import type { Hex } from '../../../../src/core/bytes.js';
import { measureTraffic } from '../../../../src/sim/experiment/run-metrics.js';
import { ReplicaNetwork } from '../../../../src/sim/replica-network.js';
import { TrafficCollector } from '../../../../src/sim/traffic-collector.js';

/**
 * One transfer through four pos replicas on a network where every packet takes exactly 10 ms and nothing is lost,
 * counted by hand. The transfer enters replica 0 at t0, which gossips it (3 packets, arriving t0+10). Each replica
 * starts the height commitMs = 100 after it holds work: replica 0 at t0+100, the others at t0+110. The proposer
 * proposes as it starts (3 packets), every replica prevotes on the proposal (4 × 3) and precommits on the polka
 * (4 × 3), and the proposer, on its commit, sends the certificate to every node (3): 33 packets, 8.25 per node.
 * Everything after the proposer's start is one 10 ms hop per step: proposal, prevotes, precommits, so the commit
 * lands 30 ms after the proposal went out.
 */
describe('experiment metrics on a hand-computed run', () => {
  function oneTransfer() {
    const traffic = new TrafficCollector(4);
    const net = new ReplicaNetwork({ seed: 'metrics', size: 4, syncPollMs: 0, delayMs: () => 10, collectors: [traffic] });
    const t0 = net.now;
    const tx = net.transfer(0, 1, 5);
    net.submit(0, [tx]);
    const load = { offered: 2, submitted: new Map<Hex, number>([[txId(tx), t0]]) };
    net.run(1_000);
    const proposer = net.replica(0).engine.status().recentProposers[0]!.proposer;
    const committedAt = t0 + (proposer === net.replica(0).address ? 100 : 110) + 30;
    return { net, traffic, load, t0, committedAt };
  }

  it('counts 33 packets and a latency of (proposer start + 30 ms) for one transfer through 4 replicas', () => {
    const { net, traffic, load, t0, committedAt } = oneTransfer();
    const m = measureTraffic(net, traffic, load, [0, 1, 2, 3], { fromMs: t0, toMs: t0 + 500 });
    assert.equal(m.offeredTxs, 2);
    assert.equal(m.submittedTxs, 1);
    assert.equal(m.committedTxs, 1);
    assert.equal(m.heights, 1);
    assert.equal(m.latency_ms, committedAt - t0);
    assert.equal(m.packets_per_node, 33 / 4);
    assert.equal(m.packets_per_tx, 33);
    assert.equal(traffic.totalPackets(), 33);
    assert.equal(m.bytes_per_tx, traffic.totalBytes());
    assert.deepEqual(net.replicas.map((r) => r.commitTimes.get(1)), [1, 2, 3, 4].map(() => committedAt));
  });

  it('throughput counts the transactions committed inside the window, over the window', () => {
    const { net, traffic, load, t0, committedAt } = oneTransfer();
    const inside = measureTraffic(net, traffic, load, [0, 1, 2, 3], { fromMs: t0, toMs: t0 + 500 });
    assert.equal(inside.throughput_tps, 1 / 0.5);
    // Committed 1 ms after the window closed: not committed as far as throughput goes; latency still counts it.
    const late = measureTraffic(net, traffic, load, [0, 1, 2, 3], { fromMs: t0, toMs: committedAt - 1 });
    assert.equal(late.throughput_tps, 0);
    assert.equal(late.committedTxs, 1);
    assert.equal(late.latency_ms, committedAt - t0);
  });

  it('a run that commits nothing has no cost per transaction, rather than an infinite one', () => {
    const traffic = new TrafficCollector(4);
    const net = new ReplicaNetwork({ seed: 'metrics', size: 4, syncPollMs: 0, delayMs: () => 10, collectors: [traffic] });
    net.run(100);
    const m = measureTraffic(net, traffic, { offered: 0, submitted: new Map() }, [0, 1, 2, 3], { fromMs: net.now - 100, toMs: net.now });
    assert.equal(m.throughput_tps, 0);
    assert.ok(Number.isNaN(m.packets_per_tx) && Number.isNaN(m.bytes_per_tx));
  });
});
