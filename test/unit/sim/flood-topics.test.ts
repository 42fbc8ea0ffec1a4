import assert from 'node:assert/strict';
import { offenderOf } from '../../../src/core/evidence.js';
import { Evidence } from '../../../src/core/wire/posplus.js';
import { ReplicaNetwork } from '../../../src/sim/replica-network.js';

describe('ReplicaNetwork floodTopics', () => {
  /** Pos replicas whose votes go to every node; replica 3 sends each vote's two versions to two halves. */
  function equivocation(floodTopics: boolean) {
    const net = new ReplicaNetwork({ seed: 'flood', size: 4, syncPollMs: 0, delayMs: () => 10, floodTopics });
    net.setBehaviors(3, [{ kind: 'equivocate' }], 'flood/3');
    for (let k = 0; k < 6; k++) {
      net.submit(k % 3, [net.transfer(k % 3, (k + 1) % 3, 1)]);
      net.run(500);
    }
    const offender = net.replica(3).address;
    const log = net.replica(0).log;
    const proven = [...log.values()].some((c) => c.block.evidence.some((e) => e.kind === Evidence.Kind.EQUIVOCATION && offenderOf(e) === offender));
    return { net, proven };
  }

  it('relays what a behaviour sent to only part of a topic, so honest replicas hold both versions of an equivocation and prove it', () => {
    const flooded = equivocation(true);
    assert.ok(flooded.proven, 'a block carries the equivocation evidence');
    assert.deepEqual(flooded.net.disagreements(), []);
    assert.equal(equivocation(false).proven, false, 'without the relay each replica holds one version and proves nothing');
  });
});
