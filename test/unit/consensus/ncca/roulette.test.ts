import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { lotterySeed } from '../../../../src/consensus/pos/lottery.js';
import { roulettePick, rouletteSeed, rouletteWheel } from '../../../../src/consensus/ncca/roulette.js';

const v = (n: number, credit: number) => ({ address: `v${n}`, publicKey: new Uint8Array([n]), credit });
const prev = new Uint8Array(32).fill(9);
/** The round-0 draw for `seed`: one spin of the wheel. */
const spin = <T extends ReturnType<typeof v>>(vs: readonly T[], seed: bigint, cutoff: number): T => roulettePick(vs, 0, () => seed, cutoff);
const ofRound = (vs: readonly ReturnType<typeof v>[], hash: Uint8Array, height: number, round: number, cutoff = 0.5) =>
  roulettePick(vs, round, (r) => rouletteSeed(hash, height, r), cutoff);

describe('consensus/ncca/roulette: the proposer roulette', () => {
  it('the seed depends on previous hash, height and round, under its own domain', () => {
    const s = rouletteSeed(prev, 5, 1);
    assert.equal(s, rouletteSeed(new Uint8Array(32).fill(9), 5, 1));
    assert.notEqual(rouletteSeed(prev, 5, 2), s);
    assert.notEqual(rouletteSeed(prev, 6, 1), s);
    assert.notEqual(rouletteSeed(new Uint8Array(32), 5, 1), s);
    assert.notEqual(lotterySeed(prev, 5, 1), s);
  });

  it('a height\'s first rounds each spin the wheel without the members drawn before; later rounds go to everyone in key order', () => {
    // v5 and v6 are below the cutoff: off the wheel, but still validators.
    const vs = [v(3, 700_000), v(1, 900_000), v(2, 800_000), v(4, 1_000_000), v(6, 100_000), v(5, 0)];
    for (let height = 1; height < 200; height++) {
      const first = [0, 1, 2, 3].map((r) => ofRound(vs, prev, height, r).address);
      assert.deepEqual([...first].sort(), ['v1', 'v2', 'v3', 'v4'], `height ${height}: ${first}`);
      assert.equal(first[0], spin(vs, rouletteSeed(prev, height, 0), 0.5).address, 'round 0 is the plain spin');
      const later = [4, 5, 6, 7, 8, 9, 10].map((r) => ofRound(vs, prev, height, r).address);
      assert.deepEqual(later, ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v1']);
    }
  });

  it('same seed, same proposer, whatever order the validators are listed in', () => {
    const vs = [v(3, 700_000), v(1, 900_000), v(2, 800_000), v(4, 1_000_000)];
    for (let r = 0; r < 50; r++) {
      const seed = rouletteSeed(prev, 10, r);
      const a = spin(vs, seed, 0.5);
      assert.equal(spin([...vs].reverse(), seed, 0.5), a);
      assert.equal(spin(vs.map((x) => ({ ...x })), seed, 0.5).address, a.address);
    }
  });

  it('the wheel is in public key order with slot = credit; tickets walk it', () => {
    const vs = [v(2, 300), v(1, 100)];
    assert.deepEqual(rouletteWheel(vs, 0).map((e) => [e.member.address, e.weight]), [['v1', 100], ['v2', 300]]);
    assert.equal(spin(vs, 99n, 0).address, 'v1');
    assert.equal(spin(vs, 100n, 0).address, 'v2');
    assert.equal(spin(vs, 400n, 0).address, 'v1');
  });

  it('the cutoff keeps only CR ≥ cutoff · best CR; the best always stays', () => {
    const vs = [v(1, 1_000_000), v(2, 500_000), v(3, 499_999), v(4, 0)];
    assert.deepEqual(rouletteWheel(vs, 0.5).map((e) => e.member.address), ['v1', 'v2']);
    assert.deepEqual(rouletteWheel(vs, 1).map((e) => e.member.address), ['v1']);
    assert.deepEqual(rouletteWheel(vs, 0).map((e) => e.member.address), ['v1', 'v2', 'v3']); // 0 credit has no slot
    for (let r = 0; r < 300; r++) assert.ok(['v1', 'v2'].includes(ofRound(vs, prev, 1 + r, 0).address));
  });

  it('a validator with 0 credit never proposes in the wheel\'s rounds while anyone has credit (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.double({ min: 0, max: 1, noNaN: true }), (credits, seed, cutoff) => {
        const vs = credits.map((c, i) => v(i, c));
        const picked = spin(vs, seed, cutoff);
        const best = Math.max(...credits);
        if (best > 0) {
          assert.ok(picked.credit > 0);
          assert.ok(picked.credit * 1e6 >= Math.round(cutoff * 1e6) * best);
        }
      }),
    );
  });

  it('all zero credit: everyone gets an equal slot, so the chain can still move', () => {
    const vs = [v(1, 0), v(2, 0), v(3, 0)];
    const wins = new Map<string, number>();
    for (let r = 0; r < 3000; r++) {
      const a = ofRound(vs, prev, 2 + r, 0).address;
      wins.set(a, (wins.get(a) ?? 0) + 1);
    }
    for (const x of vs) assert.ok(Math.abs(wins.get(x.address)! / 3000 - 1 / 3) < 0.04, `${x.address}: ${wins.get(x.address)}`);
  });

  it('no validators is an error', () => {
    assert.throws(() => spin([], 1n, 0.5), /no validators/);
  });

  it('over many seeds, proposers win in proportion to credit among those above the cutoff (property, ±4.5 points)', function () {
    this.timeout(30_000);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 2, maxLength: 6 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.double({ min: 0, max: 1, noNaN: true }), (credits, hash, cutoff) => {
          const vs = credits.map((c, i) => v(i, c));
          const best = Math.max(...credits);
          const cut = Math.round(cutoff * 1e6);
          const inWheel = best === 0 ? vs.map((x) => ({ ...x, credit: 1 })) : vs.filter((x) => x.credit > 0 && x.credit * 1e6 >= cut * best);
          const total = inWheel.reduce((s, x) => s + x.credit, 0);
          const draws = 3000;
          const wins = new Map<string, number>();
          for (let r = 0; r < draws; r++) {
            const a = ofRound(vs, hash, 1 + r, 0, cutoff).address;
            wins.set(a, (wins.get(a) ?? 0) + 1);
          }
          for (const x of vs) {
            const expected = inWheel.find((y) => y.address === x.address)?.credit ?? 0;
            const share = (wins.get(x.address) ?? 0) / draws;
            assert.ok(Math.abs(share - expected / total) < 0.045, `${x.address} credit ${x.credit}: won ${share}, expected ${expected / total}`);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
