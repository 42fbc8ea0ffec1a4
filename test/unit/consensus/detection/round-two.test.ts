import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { EMPTY_TALLY, roundTwoVerdict, roundValue, updateTally, type RoundTwoParams, type RoundTwoVerdict, type WatchTally } from '../../../../src/consensus/detection/round-two.js';

const P: RoundTwoParams = { rounds: 10, beta3: 0.5, maxZeroRun: 3, beta4Milli: 5000, zeroMilli: 50 };

/** The verdict after each round of `trace`. */
function verdicts(trace: readonly number[], p: RoundTwoParams = P): RoundTwoVerdict[] {
  let t: WatchTally = EMPTY_TALLY;
  return trace.map((ns) => {
    t = updateTally(t, ns, p);
    return roundTwoVerdict(t, p);
  });
}

const tallyOf = (trace: readonly number[], p: RoundTwoParams = P): WatchTally => trace.reduce((t, ns) => updateTally(t, ns, p), EMPTY_TALLY);

describe('consensus/detection/round-two: local detection in the cell', () => {
  it('a silent node is malicious after maxZeroRun rounds', () => {
    assert.deepEqual(verdicts([0, 0, 0, 0]), ['watching', 'watching', 'malicious', 'malicious']);
    assert.deepEqual(verdicts([1000, 0, 30, -200]), ['watching', 'watching', 'watching', 'malicious']); // noise and falls count as zero
    assert.deepEqual(tallyOf([0, 0, 0]), { rounds: 3, zeros: 3, zeroRun: 3, maxZeroRun: 3, maxJumpMilli: 0 });
  });

  it('intermittent zeros above beta3 are judged malicious at the end of the window, not before', () => {
    const trace = [0, 1000, 0, 0, 1000, 0, 900, 0, 0, 1100]; // 6 zeros in 10, never three in a row
    const v = verdicts(trace);
    assert.deepEqual(v.slice(0, 9), Array(9).fill('watching'));
    assert.equal(v[9], 'malicious');
  });

  it('exactly beta3 of the rounds at zero is not above it: cleared', () => {
    assert.equal(verdicts([0, 1000, 0, 1000, 0, 1000, 0, 1000, 0, 1000])[9], 'cleared');
  });

  it('a steady honest-but-slow node is cleared once the window has passed', () => {
    const trace = [1000, 980, 1800, 1020, 1000, 1800, 990, 1010, 1800, 1000];
    assert.deepEqual(verdicts(trace), [...Array(9).fill('watching'), 'cleared']);
    assert.deepEqual(tallyOf(trace), { rounds: 10, zeros: 0, zeroRun: 0, maxZeroRun: 0, maxJumpMilli: 1800 });
  });

  it('one spike above beta4 is malicious at once; beta4 itself is not a spike', () => {
    assert.deepEqual(verdicts([1000, 5001, 1000]), ['watching', 'malicious', 'malicious']);
    assert.deepEqual(verdicts([1000, 5000, 1000]), ['watching', 'watching', 'watching']);
  });

  it('a verdict of malicious never turns back', () => {
    const ns = fc.oneof(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 500, max: 2000 }), fc.integer({ min: 4000, max: 6000 }));
    fc.assert(
      fc.property(fc.array(ns, { maxLength: 30 }), (trace) => {
        const v = verdicts(trace);
        const first = v.indexOf('malicious');
        if (first >= 0) assert.ok(v.slice(first).every((x) => x === 'malicious'));
        v.forEach((x, i) => assert.equal(x === 'watching', i + 1 < P.rounds && x !== 'malicious'));
      }),
    );
  });

  it('the median ignores a lying minority of reporters', () => {
    assert.equal(roundValue([]), undefined);
    assert.equal(roundValue([700]), 700);
    assert.equal(roundValue([1000, 0]), 0); // lower median
    assert.equal(roundValue([1000, 1100, 900, 0, 0]), 900); // two liars report silence
    assert.equal(roundValue([0, 0, 10, 99_999, 99_999]), 10); // two liars report a leap
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 800, max: 1200 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 11 }),
        (honest, lies) => {
          fc.pre(lies.length < honest.length);
          const v = roundValue([...lies, ...honest])!;
          assert.ok(v >= Math.min(...honest) && v <= Math.max(...honest), `${v}`);
        },
      ),
    );
  });

  it('reports are order-independent', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1 }), (r) => assert.equal(roundValue([...r].reverse()), roundValue(r))));
  });

  it('non-integers and bad parameters throw RangeError', () => {
    assert.throws(() => roundValue([1.5]), RangeError);
    assert.throws(() => updateTally(EMPTY_TALLY, 0.5, P), RangeError);
    for (const bad of [{ rounds: 0 }, { rounds: 2.5 }, { beta3: -0.1 }, { beta3: 1.1 }, { beta3: NaN }, { maxZeroRun: 0 }, { beta4Milli: 1.5 }, { zeroMilli: NaN }]) {
      assert.throws(() => roundTwoVerdict(EMPTY_TALLY, { ...P, ...bad }), RangeError, JSON.stringify(bad));
      assert.throws(() => updateTally(EMPTY_TALLY, 0, { ...P, ...bad }), RangeError, JSON.stringify(bad));
    }
  });

  it('EMPTY_TALLY cannot be changed by accident', () => {
    assert.ok(Object.isFrozen(EMPTY_TALLY));
    assert.equal(roundTwoVerdict(EMPTY_TALLY, P), 'watching');
  });
});
