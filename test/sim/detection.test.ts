import { strict as assert } from 'node:assert';
import type { Address } from '../../src/core/address.js';
import { type Behavior, formatBehaviors, parseBehaviors } from '../../src/core/behavior.js';
import { isEvicted, isSuspended } from '../../src/consensus/ncca/account-view.js';
import type { NccaParams } from '../../src/consensus/ncca/params.js';
import { ReplicaNetwork } from '../../src/sim/replica-network.js';
import { disagreementsAmong, nccaEngine, nccaParams, range, send, violationsBy } from './support/ncca-sim.js';

/**
 * Detection in the deterministic harness, one scenario per behaviour (issue 4): 9 NCCA replicas, 2 of them
 * malicious with the behaviour (2/9 of the stake, under both 1/3 and the 25 % suspension cap) and 1 honest but
 * slow (every message it sends or receives takes 100 ms longer). The chain must stay safe and the slow replica
 * must never be confirmed malicious; recall and precision are measured and printed, with no threshold on them.
 * A replica 250 ms away each way is too slow to vote at all here (its round trip is longer than a height), so
 * detection cannot tell it from a delaying attacker; only the run without attackers keeps it that slow.
 */

const SIZE = 9;
const MALICIOUS = [7, 8];
const SLOW = 6;
const SLOW_MS = 100;
const HONEST = range(SIZE).filter((i) => !MALICIOUS.includes(i));
/** Seeds per behaviour: 2 in `npm test`; DETECTION_SEEDS=10 for the figures in the closing note of issue 4. */
const SEEDS = Number(process.env.DETECTION_SEEDS ?? 2);
const RUN_MS = 90_000;

/** Windows shortened so a run of ~90 virtual seconds holds several detection rounds; the rules are the node's. */
const PARAMS: NccaParams = (() => {
  const p = nccaParams(10);
  return {
    ...p,
    detection: { ...p.detection, interval: 5, graceHeights: 5, averaging: 0.3, roundTwo: { ...p.detection.roundTwo, rounds: 4 } },
  };
})();

const SCENARIOS = ['drop', 'equivocate', 'falsevote', 'invalidblock', 'offline:8/12', 'delay:2500', 'doublespend', 'dormant:15,drop'];

interface Outcome {
  confirmed: Address[];
  suspendedEver: Address[];
  evicted: Address[];
  height: number;
}

function runScenario(
  list: Behavior[],
  seed: string,
  slow: readonly number[] = [SLOW],
  slowMs = SLOW_MS,
  /** Called before each 300 ms tick of the load, at virtual time `t`. */
  event: (net: ReplicaNetwork, t: number) => void = () => {},
): { net: ReplicaNetwork; outcome: Outcome } {
  const net = new ReplicaNetwork({ seed, size: SIZE, engine: nccaEngine(PARAMS), baseDelayMs: 5, jitterMs: 30, dropRate: 0.01, relay: true });
  for (const i of MALICIOUS) net.setBehaviors(i, list, `${seed}/${i}`);
  for (const i of slow) {
    for (const j of range(SIZE)) {
      if (j === i) continue;
      net.slow(i, j, slowMs);
      net.slow(j, i, slowMs);
    }
  }
  const suspendedEver = new Set<Address>();
  const observer = net.replica(0);
  for (let t = 0, k = 0; t < RUN_MS; t += 300, k++) {
    event(net, t);
    const from = HONEST[k % HONEST.length]!;
    send(net, from, HONEST[(k + 1) % HONEST.length]!);
    net.run(300);
    for (const [address, a] of observer.chain.ledger.entries()) if (isSuspended(a, observer.chain.head.timestamp)) suspendedEver.add(address);
  }
  const ledger = observer.chain.ledger;
  const confirmed = [...ledger.entries()].filter(([, a]) => (a.detection?.confirmations ?? 0) > 0).map(([address]) => address);
  const evicted = [...ledger.entries()].filter(([, a]) => isEvicted(a)).map(([address]) => address);
  return { net, outcome: { confirmed, suspendedEver: [...suspendedEver], evicted, height: observer.height } };
}

describe('sim: detection of each malicious behaviour (9 NCCA replicas, 2 malicious, 1 honest but slow)', function () {
  this.timeout(600_000);
  const summary: string[] = [];
  after(() => {
    if (summary.length > 0) process.stdout.write(`\n      detection recall / precision over ${SEEDS} seeds each:\n${summary.map((l) => `        ${l}`).join('\n')}\n`);
  });

  it('no attackers, three honest replicas slow by 250 ms each way: nobody is ever confirmed or suspended (precision cannot fall)', () => {
    for (let s = 0; s < SEEDS; s++) {
      const { net, outcome } = runScenario([], `detection/slow-honest/${s}`, [4, 5, SLOW], 250);
      assert.deepEqual(disagreementsAmong(net, range(SIZE)), [], `seed ${s}: replicas disagree`);
      assert.deepEqual(outcome.confirmed, [], `seed ${s}: an honest replica was confirmed malicious`);
      assert.deepEqual(outcome.suspendedEver, [], `seed ${s}: an honest replica was suspended`);
      assert.ok(outcome.height >= 20, `seed ${s}: the chain stalled at height ${outcome.height}`);
    }
  });

  it('no attackers, an honest validator restarted three times with an empty pool: its empty ballots while the pool refills confirm nobody', () => {
    const victim = 3;
    for (let s = 0; s < SEEDS; s++) {
      const seed = `detection/restart-empty-pool/${s}`;
      const { net, outcome } = runScenario([], seed, [], 0, (net, t) => {
        // Down for one tick of the load (300 ms), then back with no pending transaction.
        if (t === 20_100 || t === 40_200 || t === 60_000) net.crash(victim);
        if (t === 20_400 || t === 40_500 || t === 60_300) net.restart(victim, { pool: false });
      });
      assert.deepEqual(disagreementsAmong(net, range(SIZE)), [], `seed ${s}: replicas disagree`);
      assert.deepEqual(outcome.confirmed, [], `seed ${s}: an honest replica was confirmed malicious`);
      assert.ok(outcome.height >= 20, `seed ${s}: the chain stalled at height ${outcome.height}`);
    }
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario}: safe, the slow honest replica is never confirmed, and the detection rates are measured`, () => {
      const list = parseBehaviors(scenario);
      let truePositives = 0;
      let flagged = 0;
      let heights = 0;
      for (let s = 0; s < SEEDS; s++) {
        const { net, outcome } = runScenario(list, `detection/${scenario}/${s}`);
        assert.deepEqual(disagreementsAmong(net, HONEST), [], `seed ${s}: honest replicas disagree`);
        assert.deepEqual(violationsBy(net, HONEST), [], `seed ${s}: an honest replica broke a rule`);
        const malicious = new Set(MALICIOUS.map((i) => net.replica(i).address));
        const honestEvicted = outcome.evicted.filter((a) => !malicious.has(a));
        assert.deepEqual(honestEvicted, [], `seed ${s}: an honest replica was evicted`);
        assert.ok(!outcome.confirmed.includes(net.replica(SLOW).address), `seed ${s}: the slow replica was confirmed malicious`);
        assert.ok(outcome.height >= 20, `seed ${s}: the chain stalled at height ${outcome.height}`);
        truePositives += outcome.confirmed.filter((a) => malicious.has(a)).length;
        flagged += outcome.confirmed.length;
        heights += outcome.height;
      }
      const recall = truePositives / (SEEDS * MALICIOUS.length);
      const precision = flagged === 0 ? 'n/a' : (truePositives / flagged).toFixed(2);
      summary.push(`${formatBehaviors(list).padEnd(16)} recall ${recall.toFixed(2)}  precision ${precision}  (${flagged} confirmed, mean height ${Math.round(heights / SEEDS)})`);
    });
  }
});
