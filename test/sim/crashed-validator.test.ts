import { strict as assert } from 'node:assert';
import { headerOf } from '../../src/core/block.js';
import { Prng } from '../../src/core/prng.js';
import { DEFAULT_NCCA_PARAMS } from '../../src/consensus/ncca/params.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import { locateIn, mapOf, nccaEngine, range, send } from './support/ncca-sim.js';

const SEEDS = 50;
const RUN_MS = 30_000;

/**
 * The e2e kill -9 test once stalled over 30 s with three of four validators live: the proposer of each round was
 * an independent draw, so the dead one could win round after round of one height. Each of these seeds crashes one
 * validator of four at a random moment under a steady load (the default NCCA parameters, as a node runs them).
 */
describe('sim: one validator of four crashes under load', function () {
  this.timeout(120_000);

  it(`it costs a height at most one failed round, and the other three commit on (${SEEDS} seeds)`, () => {
    const slow: string[] = [];
    for (let s = 0; s < SEEDS; s++) {
      const seed = `crashed-validator/${s}`;
      const prng = Prng.from(seed);
      const net = new ReplicaNetwork({ seed, size: 4, engine: nccaEngine(DEFAULT_NCCA_PARAMS), baseDelayMs: 2, jitterMs: 10, relay: true });
      const cells = prng.fork('cells').shuffle(range(mapOf(net).grid ** 2));
      for (const i of range(4)) locateIn(net, i, cells[i]!);
      const victim = prng.fork('victim').int(4);
      const crashAt = 500 + prng.fork('at').int(3_000);
      const live = range(4).filter((i) => i !== victim);
      let crashedAt = Infinity;
      for (let t = 0, k = 0; t < RUN_MS; t += 100, k++) {
        if (crashedAt === Infinity && t >= crashAt) {
          net.crash(victim);
          crashedAt = Math.max(...live.map((i) => net.replica(i).height));
        }
        send(net, live[k % 3]!, live[(k + 1) % 3]!, 1);
        net.run(100);
      }
      const witness = net.replica(live[0]!);
      assert.ok(witness.height >= crashedAt + 5, `${seed}: only ${witness.height - crashedAt} heights after the crash`);
      for (const [h, c] of witness.log) {
        if (h > crashedAt && headerOf(c.block).round > 1) slow.push(`${seed}: height ${h} took ${headerOf(c.block).round + 1} rounds`);
      }
    }
    assert.deepEqual(slow, []);
  });
});
