import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { drawByWeight, lotterySeed } from '../../../src/consensus/pos/lottery.js';

describe('consensus/pos/lottery: the stake lottery', () => {
  const members = [
    { name: 'a', weight: 10 },
    { name: 'b', weight: 30 },
    { name: 'c', weight: 60 },
  ];

  it('the same chain data always draws the same proposer; the seed depends on hash, height and round', () => {
    const prev = new Uint8Array(32).fill(5);
    const seed = lotterySeed(prev, 7, 2);
    assert.equal(seed, lotterySeed(new Uint8Array(32).fill(5), 7, 2));
    assert.equal(drawByWeight(members, seed), drawByWeight([...members], seed));
    assert.notEqual(lotterySeed(prev, 7, 3), seed);
    assert.notEqual(lotterySeed(prev, 8, 2), seed);
    assert.notEqual(lotterySeed(new Uint8Array(32).fill(6), 7, 2), seed);
  });

  it('every ticket maps to its owner: ticket = seed mod total, walked in member order', () => {
    for (let t = 0n; t < 100n; t++) {
      const expected = t < 10n ? 'a' : t < 40n ? 'b' : 'c';
      assert.equal(drawByWeight(members, t).name, expected);
      assert.equal(drawByWeight(members, t + 100n * 12345n).name, expected);
    }
  });

  it('members without weight never win; nobody with weight is an error', () => {
    const withZero = [{ weight: 0, name: 'z' }, ...members, { weight: 0, name: 'y' }];
    for (let r = 0; r < 200; r++) assert.notEqual(drawByWeight(withZero, lotterySeed(new Uint8Array(32), 1, r)).weight, 0);
    assert.throws(() => drawByWeight([{ weight: 0 }], 1n), /no weight/);
    assert.throws(() => drawByWeight([], 1n), /no weight/);
  });

  it('over many rounds, each member wins in proportion to its stake (property, ±4 points)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 7 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (weights, prevHash) => {
          const ms = weights.map((weight, i) => ({ i, weight }));
          const total = weights.reduce((a, b) => a + b, 0);
          const wins = new Array<number>(ms.length).fill(0);
          const draws = 3000;
          for (let r = 0; r < draws; r++) wins[drawByWeight(ms, lotterySeed(prevHash, 1 + (r % 17), r)).i]!++;
          ms.forEach(({ i, weight }) => {
            const share = wins[i]! / draws;
            assert.ok(Math.abs(share - weight / total) < 0.04, `member ${i} with ${weight}/${total} won ${share}`);
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});
