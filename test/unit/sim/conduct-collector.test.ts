import assert from 'node:assert/strict';
import { ConductCollector } from '../../../src/sim/conduct-collector.js';
import { ReplicaNetwork } from '../../../src/sim/replica-network.js';

describe('ConductCollector', () => {
  it('marks a replica whose behaviour changed what it sent or received, not an honest one or one still dormant', () => {
    const conduct = new ConductCollector();
    const net = new ReplicaNetwork({ seed: 'conduct', size: 5, syncPollMs: 0, delayMs: () => 10, collectors: [conduct] });
    net.setBehaviors(1, [{ kind: 'drop' }], 'conduct/1');
    net.setBehaviors(2, [{ kind: 'dormant', height: 1_000 }, { kind: 'drop' }], 'conduct/2');
    net.setBehaviors(3, [{ kind: 'delay', ms: 50 }], 'conduct/3');
    const start = net.now;
    net.submit(0, [net.transfer(0, 4, 1)]);
    net.run(2_000);
    assert.deepEqual([...conduct.firstActAt.keys()].sort(), [1, 3]);
    for (const at of conduct.firstActAt.values()) assert.ok(at >= start && at <= net.now);
  });
});
