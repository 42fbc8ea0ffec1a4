import assert from 'node:assert/strict';
import { offenderOf } from '../../../src/core/evidence.js';
import { Evidence } from '../../../src/core/wire/posplus.js';
import { ReplicaNetwork } from '../../../src/sim/replica-network.js';

describe('ReplicaNetwork floodTopics', () => {
  /** Pos replicas whose votes go to every node; replica 3 sends each vote's two versions to two halves. */
  function equivocation(floodTopics: boolean) {
    const net = new ReplicaNetwork({ seed: 'flood', size: 4, syncPollMs: 0, delayMs: () => 10, floodTopics });
    net.setBehaviors(3, [{ kind: 'equivocate' }], 'flood/3');
    for (let k = 0; k < 12; k++) {
      net.submit(k % 3, [net.transfer(k % 3, (k + 1) % 3, 1)]);
      net.run(500);
    }
    const offender = net.replica(3).address;
    const log = net.replica(0).log;
    const proves = (kind: Evidence.Kind) => [...log.values()].some((c) => c.block.evidence.some((e) => e.kind === kind && offenderOf(e) === offender));
    return { net, proven: proves(Evidence.Kind.EQUIVOCATION), twinBlocks: proves(Evidence.Kind.CONFLICTING_BLOCKS) };
  }

  it('relays what a behaviour sent to only part of a topic, so honest replicas hold both versions of an equivocation and prove it', () => {
    const flooded = equivocation(true);
    assert.ok(flooded.proven, 'a block carries the equivocation evidence');
    assert.deepEqual(flooded.net.disagreements(), []);
    assert.equal(equivocation(false).proven, false, 'without the relay each replica holds one version and proves nothing');
  });

  it('a replica that receives two blocks its rightful proposer made for one round proves the twin proposal', () => {
    const flooded = equivocation(true);
    assert.ok(flooded.twinBlocks, 'a block carries conflicting-blocks evidence against the equivocating proposer');
    assert.deepEqual(flooded.net.disagreements(), []);
  });
});
