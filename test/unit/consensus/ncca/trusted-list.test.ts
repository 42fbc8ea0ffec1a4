import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';
import { TrustedList, score, type TrustObservation } from '../../../../src/consensus/ncca/trusted-list.js';

const T = DEFAULT_NCCA_PARAMS.trust; // delta0 10, omega 0.9, threshold 0.25, refillFraction 1/3
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
const obs = (address: string, credit: number, exchanges = 1000, hops = 0, isValidator = true): TrustObservation => ({ address, credit, exchanges, hops, isValidator });

describe('consensus/ncca/trusted-list: a validator’s trusted list', () => {
  it('score = CR · (1 − e^(−δ/δ0)) · ω^hops', () => {
    close(score(0.8, 10, 2, T), 0.8 * (1 - Math.exp(-1)) * 0.81);
    close(score(1, 0, 0, T), 0); // never talked to: no trust whatever the credit
    close(score(0, 100, 0, T), 0);
    close(score(0.5, 1e9, 0, T), 0.5);
    close(score(0.5, 1e9, 3, T), 0.5 * 0.729);
  });

  it('score clamps its inputs and is never NaN', () => {
    close(score(2, 1e9, -1, T), 1);
    close(score(-1, 10, 0, T), 0);
    close(score(0.5, -5, 0, T), 0);
    assert.equal(score(Number.NaN, 10, 0, T), 0);
    assert.equal(score(0.5, Number.POSITIVE_INFINITY, 0, T), 0);
  });

  it('score grows with credit and exchanges and falls with hops (property)', () => {
    const u = fc.double({ min: 0, max: 1, noNaN: true });
    const n = fc.integer({ min: 0, max: 1000 });
    const h = fc.integer({ min: 0, max: 10 });
    fc.assert(
      fc.property(u, u, n, n, h, h, (c1, c2, d1, d2, h1, h2) => {
        const s = score(c1, d1, h1, T);
        assert.ok(s >= 0 && s <= 1);
        assert.ok(score(Math.max(c1, c2), d1, h1, T) >= s);
        assert.ok(score(c1, Math.max(d1, d2), h1, T) >= s);
        assert.ok(score(c1, d1, Math.max(h1, h2), T) <= s);
      }),
    );
  });

  it('members at or above the threshold form the list by score, ties by address; other validators are the backup pool', () => {
    const exactly = 0.25 / (1 - Math.exp(-100)); // credit 250 000 with δ = 1000 scores 0.25 up to rounding
    assert.ok(exactly >= 0.25);
    const list = new TrustedList(
      [
        obs('low', 100_000), // validator below threshold → backup
        obs('b', 900_000),
        obs('a', 900_000), // ties with b → a first
        obs('far', 900_000, 1000, 20), // 0.9 · 0.9^20 ≈ 0.11 → backup
        obs('normal', 800_000, 1000, 0, false), // non-validators can be trusted
        obs('quiet', 100_000, 1000, 0, false), // non-validator below threshold: nowhere
        obs('edge', 250_000, 1e9), // exactly the threshold joins
      ],
      T,
    );
    assert.deepEqual(list.members(), ['a', 'b', 'normal', 'edge']);
    const v = list.view();
    assert.deepEqual(v.backup.map((e) => e.address), ['far', 'low']);
    assert.deepEqual(v.trusted[0], { address: 'a', score: score(0.9, 1000, 0, T), credit: 0.9, exchanges: 1000, hops: 0 });
    assert.deepEqual(v.failed, []);
    assert.ok(list.has('edge') && !list.has('low'));
  });

  it('a repeated address keeps its best observation; input order does not matter (property)', () => {
    const o = fc.record({
      address: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      credit: fc.integer({ min: 0, max: 1_000_000 }),
      exchanges: fc.integer({ min: 0, max: 50 }),
      hops: fc.integer({ min: 0, max: 4 }),
      isValidator: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(o, { maxLength: 12 }), (xs) => {
        assert.deepEqual(new TrustedList(xs, T).view(), new TrustedList([...xs].reverse(), T).view());
      }),
    );
    const l = new TrustedList([obs('a', 100_000), obs('a', 900_000)], T);
    assert.deepEqual(l.members(), ['a']);
  });

  it('refill: at most refillFraction failed → the list stays; more → failed members replaced by the best backups', () => {
    const l = new TrustedList([obs('t1', 1e6), obs('t2', 990_000), obs('t3', 980_000), obs('t4', 970_000), obs('t5', 960_000), obs('t6', 950_000), obs('b1', 200_000), obs('b2', 150_000), obs('b3', 100_000)], T);
    assert.deepEqual(l.members(), ['t1', 't2', 't3', 't4', 't5', 't6']);
    l.markFailed(['t2', 't5', 'nobody']);
    assert.deepEqual(l.refill(), []); // 2 of 6 = 1/3, not more
    assert.deepEqual(l.view().failed, ['t2', 't5']);
    assert.deepEqual(l.members(), ['t1', 't2', 't3', 't4', 't5', 't6']);
    l.markFailed(['t1', 'b2']); // 3 of 6 now; b2 failed too, so it cannot be promoted
    assert.deepEqual(l.refill(), [
      { failed: 't1', replacement: 'b1' },
      { failed: 't2', replacement: 'b3' },
      { failed: 't5', replacement: undefined },
    ]);
    assert.deepEqual(l.members(), ['t3', 't4', 't6', 'b1', 'b3']);
    assert.deepEqual(l.view().backup, []);
    assert.deepEqual(l.view().failed, []);
    assert.deepEqual(l.refill(), []);
  });

  it('an empty list never refills', () => {
    const l = new TrustedList([obs('b', 10_000)], T);
    assert.deepEqual(l.members(), []);
    l.markFailed(['b']);
    assert.deepEqual(l.refill(), []);
    assert.deepEqual(l.view(), { trusted: [], backup: [], failed: [] });
  });
});
