import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CREDIT_MAX, nextCredit, type HeightRecord } from '../../../../src/consensus/ncca/credit.js';
import { DEFAULT_NCCA_PARAMS } from '../../../../src/consensus/ncca/params.js';

const P = DEFAULT_NCCA_PARAMS.credit; // initial 500 000, up 0.05, down 0.1, failedProposal 0.2, evidence 0.5
const empty: HeightRecord = { validators: [], signers: [], failedProposers: [], offenders: [] };
const rec = (r: Partial<HeightRecord>): HeightRecord => ({ ...empty, ...r });

const ADDRS = ['a', 'b', 'c', 'd', 'e', 'f'];
const addr = fc.constantFrom(...ADDRS);
const creditArb = fc.oneof(fc.integer({ min: 0, max: CREDIT_MAX }), fc.constantFrom(0, 1, 999_999, CREDIT_MAX));
const currentArb = fc.dictionary(addr, creditArb).map((d) => new Map(Object.entries(d)));
const recordArb = fc.record({
  validators: fc.uniqueArray(addr),
  signers: fc.uniqueArray(addr),
  failedProposers: fc.array(addr, { maxLength: 4 }),
  offenders: fc.uniqueArray(addr, { maxLength: 2 }),
});
const rate = fc.double({ min: 0, max: 1, noNaN: true });
const paramsArb = fc.record({ initial: fc.integer({ min: 1, max: CREDIT_MAX }), up: rate, down: rate, failedProposal: rate, evidence: rate });

describe('consensus/ncca/credit: history trust CR from the chain', () => {
  it('worked example with the defaults, steps in the fixed order', () => {
    const current = new Map([
      ['s', 500_000], // signs: +ceil(0.05 · 500 000) = +25 000
      ['m', 500_000], // validator, missing: −ceil(0.1 · 500 000) = −50 000
      ['f', 800_000], // signed (+10 000 → 810 000), then proposer of a failed round: −ceil(0.2 · 810 000) = −162 000
      ['o', 400_000], // missing (−40 000 → 360 000) and an offender: −180 000
    ]);
    const next = nextCredit(current, rec({ validators: ['s', 'm', 'f', 'o'], signers: ['s', 'f'], failedProposers: ['f'], offenders: ['o'] }), P);
    assert.deepEqual([...next], [
      ['f', 648_000],
      ['m', 450_000],
      ['o', 180_000],
      ['s', 525_000],
    ]);
  });

  it('unknown addresses start at p.initial; untouched ones keep their value; result keyed in address order', () => {
    const next = nextCredit(new Map([['z', 123], ['y', 7]]), rec({ signers: ['new'] }), P);
    assert.deepEqual([...next], [['new', 525_000], ['y', 7], ['z', 123]]);
  });

  it('each failed round counts; repeated signers or offenders count once', () => {
    const once = nextCredit(new Map([['p', 1_000_000]]), rec({ failedProposers: ['p'] }), P).get('p');
    const twice = nextCredit(new Map([['p', 1_000_000]]), rec({ failedProposers: ['p', 'p'] }), P).get('p');
    assert.equal(once, 800_000);
    assert.equal(twice, 640_000);
    assert.deepEqual(nextCredit(new Map(), rec({ signers: ['a', 'a'], offenders: ['b', 'b'] }), P), nextCredit(new Map(), rec({ signers: ['a'], offenders: ['b'] }), P));
  });

  it('rounds each move up (ceiling), so the bounds are reachable and are the only fixed points', () => {
    assert.equal(nextCredit(new Map([['a', 4]]), rec({ validators: ['a'] }), P).get('a'), 3); // Math.round would stay at 4
    assert.equal(nextCredit(new Map([['a', 1]]), rec({ validators: ['a'] }), P).get('a'), 0);
    assert.equal(nextCredit(new Map([['a', 999_999]]), rec({ signers: ['a'] }), P).get('a'), CREDIT_MAX);
    assert.equal(nextCredit(new Map([['a', 0]]), rec({ validators: ['a'] }), P).get('a'), 0);
    assert.equal(nextCredit(new Map([['a', CREDIT_MAX]]), rec({ signers: ['a'] }), P).get('a'), CREDIT_MAX);
  });

  it('bad stored values are repaired, never NaN: non-numbers start over, out-of-range values are clamped', () => {
    const next = nextCredit(new Map([['n', Number.NaN], ['big', 5e6], ['neg', -3], ['frac', 10.6]]), empty, P);
    assert.deepEqual([...next], [['big', CREDIT_MAX], ['frac', 11], ['n', 500_000], ['neg', 0]]);
  });

  it('stays an integer in [0, 1e6] for any parameters and history (property)', () => {
    fc.assert(
      fc.property(currentArb, fc.array(recordArb, { minLength: 1, maxLength: 8 }), paramsArb, (start, records, p) => {
        let cr: Map<string, number> = start;
        for (const r of records) {
          cr = nextCredit(cr, r, p);
          for (const v of cr.values()) assert.ok(Number.isInteger(v) && v >= 0 && v <= CREDIT_MAX, `bad credit ${v}`);
        }
      }),
    );
  });

  it('signing never lowers CR; being in the certificate is never worse than missing from it (property)', () => {
    fc.assert(
      fc.property(currentArb, recordArb, paramsArb, addr, (current, r, p, x) => {
        const before = current.get(x) ?? p.initial;
        const signer = { ...r, signers: [...r.signers, x], failedProposers: r.failedProposers.filter((a) => a !== x), offenders: r.offenders.filter((a) => a !== x) };
        assert.ok(nextCredit(current, signer, p).get(x)! >= before);
        const missing = { ...r, validators: [...r.validators, x], signers: r.signers.filter((a) => a !== x) };
        assert.ok(nextCredit(current, { ...r, validators: [...r.validators, x], signers: [...r.signers, x] }, p).get(x)! >= nextCredit(current, missing, p).get(x)!);
      }),
    );
  });

  it('an always-absent validator falls to 0 (property over the down rate and the start value)', () => {
    fc.assert(
      fc.property(creditArb, fc.double({ min: 0.01, max: 1, noNaN: true }), (start, down) => {
        let cr = new Map([['a', start]]);
        let steps = 0;
        while (cr.get('a')! > 0 && steps < 5000) {
          cr = nextCredit(cr, rec({ validators: ['a', 'b'], signers: ['b'] }), { ...P, down });
          steps++;
        }
        assert.equal(cr.get('a'), 0, `stuck at ${cr.get('a')} after ${steps} heights`);
      }),
      { numRuns: 50 },
    );
  });

  it('the order of every input list and of the current map cannot change the result (property)', () => {
    fc.assert(
      fc.property(currentArb, recordArb, paramsArb, fc.integer(), (current, r, p, salt) => {
        const shuffle = <T>(xs: T[]): T[] => xs.map((x, i) => [x, (i * 7919 + salt) % 97] as const).sort((a, b) => a[1] - b[1]).map(([x]) => x);
        const a = nextCredit(current, r, p);
        const b = nextCredit(new Map(shuffle([...current])), { validators: shuffle([...r.validators]), signers: shuffle([...r.signers]), failedProposers: shuffle([...r.failedProposers]), offenders: shuffle([...r.offenders]) }, p);
        assert.deepEqual([...a], [...b]);
      }),
    );
  });

  it('does not modify its input', () => {
    const current = new Map([['a', 10]]);
    nextCredit(current, rec({ signers: ['a'] }), P);
    assert.deepEqual([...current], [['a', 10]]);
  });
});
