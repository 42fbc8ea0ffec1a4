import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DEFAULT_PENALTY_PARAMS, penaltyFor, suspensionSeconds, withinSuspensionCap, type PenaltyParams } from '../../../../src/consensus/detection/penalty.js';

const D = DEFAULT_PENALTY_PARAMS;
const paramsArb: fc.Arbitrary<PenaltyParams> = fc.record({
  maxSeconds: fc.integer({ min: 1, max: 100_000 }),
  steepness: fc.double({ min: 0.01, max: 5, noNaN: true }),
  midpoint: fc.double({ min: -5, max: 20, noNaN: true }),
  evictAfterSeconds: fc.integer({ min: 0, max: 100_000 }),
  suspendedShareCap: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('consensus/detection/penalty: sigmoid suspension and eviction', () => {
  it('the default schedule, confirmation by confirmation', () => {
    const table = Array.from({ length: 12 }, (_, k) => suspensionSeconds(k + 1, D));
    assert.deepEqual(table, [27, 83, 231, 500, 769, 917, 973, 992, 998, 999, 1000, 1000]);
    assert.deepEqual(
      Array.from({ length: 7 }, (_, k) => penaltyFor(k + 1, D)),
      [
        { action: 'suspend', seconds: 27 },
        { action: 'suspend', seconds: 83 },
        { action: 'suspend', seconds: 231 },
        { action: 'suspend', seconds: 500 },
        { action: 'suspend', seconds: 769 },
        { action: 'evict' },
        { action: 'evict' },
      ],
    );
  });

  it('is slow at first, then steep: increasing, with positive second differences before the midpoint', () => {
    const t = [1, 2, 3, 4].map((i) => suspensionSeconds(i, D));
    for (let k = 1; k < t.length; k++) assert.ok(t[k]! > t[k - 1]!);
    for (let k = 2; k < t.length; k++) assert.ok(t[k]! - t[k - 1]! > t[k - 1]! - t[k - 2]!, `second difference at ${k + 1}`);
  });

  it('never falls, stays within [1, maxSeconds], for any parameters', () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: 1, max: 40 }), (p, i) => {
        const a = suspensionSeconds(i, p);
        const b = suspensionSeconds(i + 1, p);
        assert.ok(Number.isSafeInteger(a) && a >= 1 && a <= Math.max(1, p.maxSeconds));
        assert.ok(b >= a);
      }),
    );
  });

  it('evicts exactly at the first confirmation after a suspension longer than evictAfterSeconds', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        let first = 0;
        for (let i = 1; i <= 60; i++) {
          const action = penaltyFor(i, p);
          const longBefore = i > 1 && suspensionSeconds(i - 1, p) > p.evictAfterSeconds;
          assert.equal(action.action, longBefore ? 'evict' : 'suspend');
          if (action.action === 'suspend') {
            assert.equal(first, 0, 'no suspension after an eviction');
            assert.equal(action.seconds, suspensionSeconds(i, p));
          } else if (first === 0) first = i;
        }
      }),
    );
    // A suspension of exactly the limit is not longer than it.
    assert.deepEqual(penaltyFor(5, { ...D, evictAfterSeconds: 500 }), { action: 'suspend', seconds: 769 });
    assert.deepEqual(penaltyFor(5, { ...D, evictAfterSeconds: 499 }), { action: 'evict' });
    assert.deepEqual(penaltyFor(1, { ...D, evictAfterSeconds: 0 }), { action: 'suspend', seconds: 27 });
    assert.deepEqual(penaltyFor(2, { ...D, evictAfterSeconds: 0 }), { action: 'evict' });
  });

  it('the suspended share may reach the cap but not pass it', () => {
    assert.equal(withinSuspensionCap(0, 25, 100, D), true);
    assert.equal(withinSuspensionCap(0, 26, 100, D), false);
    assert.equal(withinSuspensionCap(20, 5, 100, D), true);
    assert.equal(withinSuspensionCap(20, 6, 100, D), false);
    assert.equal(withinSuspensionCap(250_000, 1, 1_000_000, D), false);
    assert.equal(withinSuspensionCap(249_999, 1, 1_000_000, D), true);
    // Exact far beyond 2^53 / 1e6: 2^51 is a quarter of 2^53.
    assert.equal(withinSuspensionCap(2 ** 51, 0, 2 ** 53 - 1, D), false);
    assert.equal(withinSuspensionCap(2 ** 51 - 1, 0, 2 ** 53 - 4, D), true);
    assert.equal(withinSuspensionCap(0, 0, 0, D), true); // setting nothing aside keeps the share where it is
    assert.equal(withinSuspensionCap(0, 1, 0, D), false);
    assert.equal(withinSuspensionCap(0, 1, 3, { ...D, suspendedShareCap: 1 / 3 }), false); // 1/3 is 333 333 ppm
  });

  it('bad parameters or arguments throw RangeError', () => {
    for (const bad of [{ maxSeconds: 0 }, { maxSeconds: NaN }, { steepness: 0 }, { steepness: -1 }, { midpoint: Infinity }, { evictAfterSeconds: -1 }, { suspendedShareCap: 1.5 }, { suspendedShareCap: NaN }]) {
      const p = { ...D, ...bad };
      assert.throws(() => suspensionSeconds(1, p), RangeError, JSON.stringify(bad));
      assert.throws(() => penaltyFor(2, p), RangeError, JSON.stringify(bad));
      assert.throws(() => withinSuspensionCap(0, 1, 10, p), RangeError, JSON.stringify(bad));
    }
    for (const i of [0, -1, 1.5, NaN]) {
      assert.throws(() => suspensionSeconds(i, D), RangeError);
      assert.throws(() => penaltyFor(i, D), RangeError);
    }
    assert.throws(() => withinSuspensionCap(-1, 1, 10, D), RangeError);
    assert.throws(() => withinSuspensionCap(0, 0.5, 10, D), RangeError);
    assert.throws(() => withinSuspensionCap(0, 1, 2 ** 53, D), RangeError);
  });

  it('DEFAULT_PENALTY_PARAMS cannot be changed by accident', () => {
    assert.ok(Object.isFrozen(D));
  });
});
