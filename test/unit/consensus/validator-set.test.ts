import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { addressOf } from '../../../src/core/address.js';
import { compareBytes, toHex } from '../../../src/core/bytes.js';
import { LedgerState } from '../../../src/core/ledger.js';
import { type Validator, ValidatorSet } from '../../../src/consensus/validator-set.js';
import { key } from '../core/fixtures.js';

function setOf(weights: number[]): ValidatorSet {
  return new ValidatorSet(
    weights.map((weight, i) => {
      const k = key(`v${i}`);
      return { publicKey: k.publicKey, key: toHex(k.publicKey), address: addressOf(k.publicKey), weight } satisfies Validator;
    }),
  );
}

describe('consensus/validator-set: weighted quorums', () => {
  it('a quorum is strictly more than 2/3 of the weight, one third strictly more than 1/3', () => {
    const four = setOf([1, 1, 1, 1]);
    assert.ok(!four.isQuorum(2) && four.isQuorum(3));
    assert.ok(!four.isOneThird(1) && four.isOneThird(2));
    const three = setOf([1, 1, 1]);
    assert.ok(!three.isQuorum(2), 'exactly 2/3 is not enough');
    assert.ok(three.isQuorum(3));
    assert.ok(!three.isOneThird(1), 'exactly 1/3 is not enough');
    const six = setOf([1, 2, 3]);
    assert.equal(six.total, 6);
    assert.ok(!six.isQuorum(4) && six.isQuorum(5));
    assert.ok(!six.isOneThird(2) && six.isOneThird(3));
    const seven = setOf([1, 1, 1, 1, 1, 1, 1]);
    assert.ok(!seven.isQuorum(4) && seven.isQuorum(5));
    assert.ok(!seven.isOneThird(2) && seven.isOneThird(3));
  });

  it('any two quorums share more than a third of the weight, so more than any faulty third (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }).chain((ws) =>
          fc.tuple(fc.constant(ws), fc.array(fc.boolean(), { minLength: ws.length, maxLength: ws.length }), fc.array(fc.boolean(), { minLength: ws.length, maxLength: ws.length })),
        ),
        ([weights, inA, inB]) => {
          const vs = setOf(weights);
          const wA = weights.reduce((s, w, i) => s + (inA[i] ? w : 0), 0);
          const wB = weights.reduce((s, w, i) => s + (inB[i] ? w : 0), 0);
          const both = weights.reduce((s, w, i) => s + (inA[i] && inB[i] ? w : 0), 0);
          assert.equal(vs.isQuorum(wA), 3 * wA > 2 * vs.total);
          if (vs.isQuorum(wA) && vs.isQuorum(wB)) assert.ok(vs.isOneThird(both), `quorums ${wA} and ${wB} of ${vs.total} share only ${both}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('members are sorted by public key and looked up by hex key; unknown keys weigh nothing', () => {
    const vs = setOf([5, 6, 7, 8]);
    const sorted = [...vs.members].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
    assert.deepEqual(vs.members, sorted);
    for (const m of vs.members) assert.equal(vs.weightOf(m.key), m.weight);
    assert.equal(vs.weightOf('00'.repeat(32)), 0);
    assert.equal(vs.total, 26);
  });

  it('fromStake: every account with stake and a known key, weighted by stake', () => {
    const ledger = new LedgerState();
    const [a, b, c] = [key('a'), key('b'), key('c')];
    ledger.set(addressOf(a.publicKey), { publicKey: a.publicKey, balance: 1, nonce: 0, stake: 40, capacity: 0 });
    ledger.set(addressOf(b.publicKey), { publicKey: b.publicKey, balance: 1, nonce: 0, stake: 0, capacity: 0 });
    ledger.set(addressOf(c.publicKey), { balance: 1, nonce: 0, stake: 99, capacity: 0 }); // key unknown
    const vs = ValidatorSet.fromStake(ledger);
    assert.deepEqual(
      vs.members.map((m) => [m.address, m.weight]),
      [[addressOf(a.publicKey), 40]],
    );
  });
});
