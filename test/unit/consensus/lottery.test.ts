import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { drawByWeight, lotterySeed } from '../../../src/consensus/pos/lottery.js';
import { posRules } from '../../../src/consensus/pos/pos-rules.js';
import { addressOf } from '../../../src/core/address.js';
import { bytesEqual } from '../../../src/core/bytes.js';
import type { LedgerState } from '../../../src/core/ledger.js';
import { chainOf, genesisOf, key } from '../core/fixtures.js';

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

describe('consensus/pos: the advanced election (tickets lowered by the attack probability)', () => {
  const keys = [0, 1, 2, 3].map((i) => key(`advanced-${i}`));
  const genesis = genesisOf(keys);

  function winsOver(heights: number, offender?: number): number[] {
    const chain = chainOf(genesis, keys[0]!);
    if (offender !== undefined) {
      const a = addressOf(keys[offender]!.publicKey);
      const account = chain.ledger.get(a)!;
      const record = { efficiency: 0, latency: 0, offline: 0, trusted: 0, invalid: 0, joinedAt: 0, confirmations: 0, confirmedAt: 0, suspendedUntil: 0, evictedAt: 0, offences: 3, proposals: 1 };
      (chain.ledger as LedgerState).set(a, { ...account, detection: record });
    }
    const rules = posRules();
    const validators = rules.validatorsFor(chain);
    const wins = keys.map(() => 0);
    const head = chain.head;
    // Round 0 of many heights: within one height the later rounds go to members not drawn yet.
    for (let r = 0; r < heights; r++) {
      const hash = new Uint8Array(32);
      new DataView(hash.buffer).setUint32(0, r);
      chain.head = { ...head, hash };
      const winner = rules.proposerOf(chain, validators, 0);
      wins[keys.findIndex((k) => bytesEqual(k.publicKey, winner))]!++;
    }
    return wins;
  }

  it('a node with forks on record is drawn less often; the others share its tickets; the draw stays deterministic', () => {
    const fair = winsOver(4000);
    const lowered = winsOver(4000, 2);
    // offences 3 of 4 chances: fork frequency 0.75, probability 0.4 · 0.75 = 0.3, so 70 of its 100 tickets (18.9 % of 370 instead of 25 %).
    assert.ok(lowered[2]! < fair[2]! * 0.9, `offender won ${lowered[2]} of 4000, against ${fair[2]} with a clean record`);
    for (const i of [0, 1, 3]) assert.ok(lowered[i]! > fair[i]! * 0.98, `node ${i} keeps its share`);
    assert.deepEqual(winsOver(500, 2), winsOver(500, 2));
  });
});
