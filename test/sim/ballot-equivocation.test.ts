import { strict as assert } from 'node:assert';
import { offenderOf } from '../../src/core/evidence.js';
import { Prng } from '../../src/core/prng.js';
import { Evidence } from '../../src/core/wire/posplus.js';
import { equivocator } from '../../src/consensus/misbehavior/equivocate.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import { disagreementsAmong, nccaEngine, nccaParams, range, send } from './support/ncca-sim.js';

describe('sim: an NCCA voter that answers a call twice, differently', function () {
  this.timeout(120_000);

  it('is proven by conflicting-ballots evidence that a block commits, and the honest replicas stay in agreement', () => {
    const net = new ReplicaNetwork({ seed: 'ballot-equivocation', size: 9, engine: nccaEngine(nccaParams(10)), baseDelayMs: 5, jitterMs: 20 });
    // Only ballots: its votes and proposals stay honest, so no other proof can catch it.
    net.setBehaviour(8, equivocator(Prng.from('ballot-equivocation/8'), { proposals: false, votes: false }));
    for (let k = 0; k < 40; k++) {
      send(net, k % 8, (k + 1) % 8);
      net.run(250);
    }
    const offender = net.replica(8).address;
    const kinds = [...net.replica(0).log.values()].flatMap((c) => c.block.evidence.filter((e) => offenderOf(e) === offender).map((e) => e.kind));
    assert.ok(kinds.includes(Evidence.Kind.CONFLICTING_BALLOTS), `evidence against the voter: ${kinds.join(', ') || 'none'}`);
    assert.deepEqual(disagreementsAmong(net, range(8)), []);
  });
});
