import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { electRoles, validatorsPerCell, type Candidate } from '../../../../src/consensus/ncca/elections.js';
import { DEFAULT_NCCA_PARAMS, type NccaParams } from '../../../../src/consensus/ncca/params.js';

const P = DEFAULT_NCCA_PARAMS; // validatorRatio 0.6, multiRegionPerCell 1
const key = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 0xff]);
let next = 0;
const cand = (c: Partial<Candidate> & { address: string }): Candidate => ({ publicKey: key(next++), stake: 10, capacity: 10, credit: 500_000, cell: 0, ...c });
const rolesOf = (cs: Candidate[], firstEpoch: boolean, p: NccaParams = P) => Object.fromEntries(electRoles(cs, p, firstEpoch).roles);

describe('consensus/ncca/elections: roles for an epoch', () => {
  it('N1 = max(1, ceil(ratio · staked)), rounded in integers', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((n) => validatorsPerCell(n, 0.6)), [0, 1, 2, 2, 3, 3, 6]);
    assert.equal(validatorsPerCell(10, 0.7), 7); // 0.7 · 10 is 7.000000000000001 in floating point
    assert.equal(validatorsPerCell(3, 0.1), 1);
    assert.equal(validatorsPerCell(3, 1), 3);
  });

  it('9 nodes in 9 cells elect 9 validators, each also its cell’s multi-region validator', () => {
    const cs = Array.from({ length: 9 }, (_, i) => cand({ address: `n${i}`, cell: i }));
    const { roles, byCell } = electRoles(cs, P, true);
    assert.deepEqual([...roles.values()], Array(9).fill('multi-region'));
    assert.deepEqual([...byCell], Array.from({ length: 9 }, (_, i) => [i, [`n${i}`]]));
  });

  it('per cell: ceil(0.6 · 5) = 3 validators, the top one by capacity is multi-region; only staked nodes count', () => {
    const cs = [
      cand({ address: 'a', stake: 50, capacity: 1 }),
      cand({ address: 'b', stake: 40, capacity: 9 }),
      cand({ address: 'c', stake: 30, capacity: 5 }),
      cand({ address: 'd', stake: 20 }),
      cand({ address: 'e', stake: 10 }),
      cand({ address: 'z', stake: 0, capacity: 99, credit: 1_000_000 }), // no stake: never a validator, not counted
    ];
    assert.deepEqual(rolesOf(cs, true), { a: 'validator', b: 'multi-region', c: 'validator', d: 'normal', e: 'normal', z: 'normal' });
  });

  it('first epoch ranks by stake (the initial vote), ties to higher capacity, then lower public key', () => {
    const cs = [
      cand({ address: 'a', stake: 5, capacity: 1, credit: 1_000_000 }),
      cand({ address: 'b', stake: 7, capacity: 1, credit: 0 }),
      cand({ address: 'c', stake: 5, capacity: 3, credit: 0 }),
    ];
    // N1 = 2 of 3: b (stake 7) and c (stake 5, beats a on capacity); credit plays no part yet.
    assert.deepEqual(rolesOf(cs, true, { ...P, multiRegionPerCell: 0 }), { a: 'normal', b: 'validator', c: 'validator' });
    const tied = [cand({ address: 'x', publicKey: key(2) }), cand({ address: 'y', publicKey: key(1) }), cand({ address: 'w', publicKey: key(3) })];
    assert.deepEqual(rolesOf(tied, true, { ...P, validatorRatio: 0.1 }), { w: 'normal', x: 'normal', y: 'multi-region' });
  });

  it('later epochs rank by credit, ties to stake, capacity, public key', () => {
    const cs = [
      cand({ address: 'a', stake: 5, capacity: 1, credit: 900_000 }),
      cand({ address: 'b', stake: 7, capacity: 1, credit: 100_000 }),
      cand({ address: 'c', stake: 5, capacity: 3, credit: 100_000 }),
      cand({ address: 'd', stake: 5, capacity: 3, credit: 100_000, publicKey: new Uint8Array([0]) }),
      cand({ address: 'e', stake: 1, capacity: 1, credit: 50_000 }),
    ];
    // N1 = 3: a (credit), b (stake breaks the 100 000 tie), then d beats c on public key.
    const p = { ...P, multiRegionPerCell: 0 };
    assert.deepEqual(rolesOf(cs, false, p), { a: 'validator', b: 'validator', c: 'normal', d: 'validator', e: 'normal' });
    assert.deepEqual(rolesOf(cs, true, p), { a: 'normal', b: 'validator', c: 'validator', d: 'validator', e: 'normal' });
  });

  it('multi-region: top multiRegionPerCell of the cell’s validators by capacity, ties to credit, then key', () => {
    const cs = [
      cand({ address: 'a', stake: 9, capacity: 5, credit: 100 }),
      cand({ address: 'b', stake: 8, capacity: 5, credit: 200 }),
      cand({ address: 'c', stake: 7, capacity: 1 }),
      cand({ address: 'd', stake: 1, capacity: 100 }), // highest capacity but not elected validator
    ];
    assert.deepEqual(rolesOf(cs, true, { ...P, validatorRatio: 0.75 }), { a: 'validator', b: 'multi-region', c: 'validator', d: 'normal' });
    assert.deepEqual(rolesOf(cs, true, { ...P, validatorRatio: 0.75, multiRegionPerCell: 2 }), { a: 'multi-region', b: 'multi-region', c: 'validator', d: 'normal' });
  });

  it('nodes without a cell validate if staked and are never multi-region; they do not count in any cell', () => {
    const cs = [cand({ address: 'u', cell: undefined, capacity: 99 }), cand({ address: 'v', cell: undefined, stake: 0 }), cand({ address: 'a', cell: 4 })];
    const { roles, byCell } = electRoles(cs, P, true);
    assert.deepEqual(Object.fromEntries(roles), { a: 'multi-region', u: 'validator', v: 'normal' });
    assert.deepEqual([...byCell], [[4, ['a']]]);
  });

  it('a duplicate address is refused', () => {
    assert.throws(() => electRoles([cand({ address: 'a' }), cand({ address: 'a' })], P, true), /duplicate/);
  });

  it('the result depends only on the set of candidates, not their order (property)', () => {
    const candidateArb = fc.record({
      publicKey: fc.uint8Array({ minLength: 2, maxLength: 2 }),
      stake: fc.integer({ min: 0, max: 4 }),
      capacity: fc.integer({ min: 0, max: 3 }),
      credit: fc.integer({ min: 0, max: 3 }).map((c) => c * 250_000),
      cell: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(candidateArb, { maxLength: 14 }),
        fc.boolean(),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (raw, first, validatorRatio, multiRegionPerCell, salt) => {
          const cs = raw.map((c, i) => ({ ...c, address: `0x${i}` }));
          const shuffled = cs.map((c, i) => [c, (i * 7919 + salt) % 101] as const).sort((a, b) => a[1] - b[1]).map(([c]) => c);
          const p = { ...P, validatorRatio, multiRegionPerCell };
          const a = electRoles(cs, p, first);
          const b = electRoles(shuffled, p, first);
          assert.deepEqual([...a.roles], [...b.roles]);
          assert.deepEqual([...a.byCell], [...b.byCell]);
          // Invariants: unstaked nodes are normal; every cell with a staked node has a validator.
          for (const c of cs) if (c.stake === 0) assert.equal(a.roles.get(c.address), 'normal');
          for (const [cell, members] of a.byCell) {
            const staked = members.filter((m) => cs.find((c) => c.address === m)!.stake > 0);
            const elected = members.filter((m) => a.roles.get(m) !== 'normal');
            assert.equal(elected.length, validatorsPerCell(staked.length, validatorRatio), `cell ${cell}`);
            assert.equal(members.filter((m) => a.roles.get(m) === 'multi-region').length, Math.min(multiRegionPerCell, elected.length));
          }
        },
      ),
    );
  });
});
