import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  DEFAULT_ATTACK_WEIGHTS,
  attackProbability,
  forkFrequency,
  lotteryWeight,
  powerDeviation,
  stakeConcentration,
  type AttackInputs,
} from '../../../../src/consensus/detection/attack-probability.js';

const base: AttackInputs = { capacity: 100, capacities: [80, 100, 120], forks: 0, proposals: 10, stake: 100, totalStake: 300, nodes: 3 };

const inputsArb: fc.Arbitrary<AttackInputs> = fc
  .record({
    capacity: fc.integer({ min: 0, max: 10_000 }),
    others: fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 20 }),
    forks: fc.integer({ min: 0, max: 50 }),
    proposals: fc.integer({ min: 0, max: 50 }),
    stake: fc.integer({ min: 0, max: 1_000_000 }),
    rest: fc.integer({ min: 0, max: 10_000_000 }),
    extraNodes: fc.integer({ min: 0, max: 40 }),
  })
  .map((r) => ({ capacity: r.capacity, capacities: [...r.others, r.capacity], forks: r.forks, proposals: r.proposals, stake: r.stake, totalStake: r.stake + r.rest, nodes: 1 + r.extraNodes }));

describe('consensus/detection/attack-probability: the seed composite attack probability', () => {
  it('power deviation: distance from the median capacity, relative, capped at 1', () => {
    assert.equal(powerDeviation(100, [80, 100, 120]), 0);
    assert.equal(powerDeviation(150, [80, 100, 150]), 0.5);
    assert.equal(powerDeviation(50, [50, 100, 100]), 0.5);
    assert.equal(powerDeviation(1000, [100, 100, 1000]), 1);
    assert.equal(powerDeviation(100, [50, 100, 150, 200]), 0.2); // even count: median 125
    assert.equal(powerDeviation(7, [7]), 0); // one node is its own median
    assert.equal(powerDeviation(0, [0, 0, 5]), 0);
    assert.equal(powerDeviation(5, [0, 0, 5]), 1);
    assert.equal(powerDeviation(100, [100, 120, 80]), powerDeviation(100, [80, 100, 120]));
    // One liar among many cannot drag the median to itself.
    assert.equal(powerDeviation(1_000_000, [100, 100, 100, 100, 1_000_000]), 1);
  });

  it('fork frequency: forks per chance to shape the chain, 0 with neither', () => {
    assert.equal(forkFrequency(0, 0), 0);
    assert.equal(forkFrequency(0, 10), 0);
    assert.equal(forkFrequency(1, 3), 0.25);
    assert.equal(forkFrequency(2, 0), 1);
  });

  it('stake concentration: 0 at a fair share, 1 holding everything; no stake or one node gives 0', () => {
    assert.equal(stakeConcentration(100, 400, 4), 0);
    assert.equal(stakeConcentration(50, 400, 4), 0);
    assert.equal(stakeConcentration(400, 400, 4), 1);
    assert.equal(stakeConcentration(250, 400, 4), 0.5); // share 5/8: (5/8 − 1/4) / (3/4)
    assert.equal(stakeConcentration(0, 0, 4), 0);
    assert.equal(stakeConcentration(10, 10, 1), 0);
    assert.equal(stakeConcentration(10, 10, 0), 0);
    assert.equal(stakeConcentration(500, 400, 4), 1); // inconsistent input stays in range
  });

  it('the probability is the weighted sum of the three', () => {
    const x = { ...base, capacity: 150, capacities: [80, 100, 150], forks: 1, proposals: 3, stake: 250, totalStake: 400, nodes: 4 };
    const r = attackProbability(x);
    assert.deepEqual({ ...r, probability: Math.round(r.probability * 1e12) / 1e12 }, { powerDeviation: 0.5, forkFrequency: 0.25, stakeConcentration: 0.5, probability: 0.4 });
    assert.equal(attackProbability(x, { power: 1, fork: 0, stake: 0 }).probability, 0.5);
    assert.equal(attackProbability(x, { power: 0, fork: 1, stake: 0 }).probability, 0.25);
    assert.equal(attackProbability(base).probability, 0);
    const worst = attackProbability({ capacity: 10, capacities: [0, 0, 10], forks: 3, proposals: 0, stake: 9, totalStake: 9, nodes: 3 });
    assert.equal(worst.probability, 1);
  });

  it('default weights sum to 1, forks weigh most, and each part stays in [0, 1]', () => {
    const w = DEFAULT_ATTACK_WEIGHTS;
    assert.ok(Object.isFrozen(w));
    assert.equal(w.power + w.fork + w.stake, 1);
    assert.ok(w.fork > w.power && w.fork > w.stake);
    fc.assert(
      fc.property(inputsArb, (x) => {
        const r = attackProbability(x);
        for (const v of Object.values(r)) assert.ok(v >= 0 && v <= 1, JSON.stringify(r));
        assert.ok(Math.abs(r.probability - (w.power * r.powerDeviation + w.fork * r.forkFrequency + w.stake * r.stakeConcentration)) < 1e-12);
      }),
    );
  });

  it('more forks never lower the probability', () => {
    fc.assert(fc.property(inputsArb, (x) => assert.ok(attackProbability({ ...x, forks: x.forks + 1 }).probability >= attackProbability(x).probability)));
  });

  it('lottery weight: lowered by the probability, exact in integers, at least 1 while there is weight', () => {
    assert.equal(lotteryWeight(100, 0), 100);
    assert.equal(lotteryWeight(100, 0.34), 66); // float arithmetic would give 65
    assert.equal(lotteryWeight(10, 0.8), 2);
    assert.equal(lotteryWeight(7, 0.5), 3);
    assert.equal(lotteryWeight(100, 1), 1);
    assert.equal(lotteryWeight(1, 0.9), 1);
    assert.equal(lotteryWeight(0, 0.5), 0);
    assert.equal(lotteryWeight(Number.MAX_SAFE_INTEGER, 0.5), 4_503_599_627_370_495);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (w, p, q) => {
        const v = lotteryWeight(w, p);
        assert.ok(Number.isSafeInteger(v) && v <= w && (w === 0 ? v === 0 : v >= 1));
        if (p <= q) assert.ok(lotteryWeight(w, q) <= v, 'a higher probability never draws more often');
      }),
    );
  });

  it('bad input throws RangeError', () => {
    for (const bad of [
      { capacity: -1 },
      { capacity: NaN },
      { capacities: [] },
      { capacities: [1, -1] },
      { forks: 1.5 },
      { proposals: -1 },
      { stake: -1 },
      { totalStake: Infinity },
      { nodes: 2.5 },
    ]) {
      assert.throws(() => attackProbability({ ...base, ...bad }), RangeError, JSON.stringify(bad));
    }
    for (const w of [{ power: 0.5, fork: 0.5, stake: 0.5 }, { power: -0.2, fork: 0.6, stake: 0.6 }, { power: NaN, fork: 0.5, stake: 0.5 }]) {
      assert.throws(() => attackProbability(base, w), RangeError, JSON.stringify(w));
    }
    for (const [w, p] of [[-1, 0.5], [1.5, 0.5], [10, -0.1], [10, 1.1], [10, NaN]] as const) assert.throws(() => lotteryWeight(w, p), RangeError);
  });
});
