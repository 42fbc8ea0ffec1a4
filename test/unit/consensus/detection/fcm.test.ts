import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { fuzzyCMeans, initialCenters, type FcmResult } from '../../../../src/consensus/detection/fcm.js';

const TOL = 1e-6;

function assertClose(actual: readonly (readonly number[])[], expected: readonly (readonly number[])[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: rows`);
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i]!.length, `${what}[${i}]: columns`);
    row.forEach((x, j) => assert.ok(Math.abs(x - expected[i]![j]!) <= TOL, `${what}[${i}][${j}] = ${x}, expected ${expected[i]![j]}`));
  });
}

/**
 * Reference results computed independently with numpy 1.24 (Debian python3-numpy) by fcm_reference.py beside this
 * file: textbook vectorised FCM (u = d^(−2/(m−1)) / Σ, not our ratio form) from the same documented initial
 * centers and the same stopping rule; printed there in full precision and copied here to 12 significant digits.
 * In every case the last membership change is at least twice below epsilon and the one before it above, so the
 * iteration count is not a rounding accident.
 */
const REFERENCE: { name: string; points: number[][]; clusters: number; m: number; expected: FcmResult }[] = [
  {
    name: 'A: two 2-D blobs and a point between them (c = 2, m = 2)',
    points: [[1.0, 2.0], [1.5, 1.8], [1.2, 2.4], [0.8, 1.9], [1.1, 1.6], [5.0, 6.0], [5.5, 6.2], [4.8, 5.7], [5.2, 6.6], [3.0, 4.0]],
    clusters: 2,
    m: 2,
    expected: {
      centers: [[1.22447781574, 2.05480650417], [5.01584771488, 6.01523658922]],
      memberships: [
        [0.99834706425, 0.00165293575017],
        [0.995347284581, 0.0046527154185],
        [0.995684466936, 0.00431553306366],
        [0.994152657208, 0.00584734279196],
        [0.993656479973, 0.0063435200267],
        [1.62075840327e-5, 0.999983792416],
        [0.00751557468177, 0.992484425318],
        [0.005567384459, 0.994432615541],
        [0.0102026661088, 0.989797333891],
        [0.539458125563, 0.460541874437],
      ],
      iterations: 8,
    },
  },
  {
    name: 'B: three 3-D blobs and a point between two of them (c = 3, m = 2)',
    points: [
      [0.0, 0.1, 0.2], [0.2, 0.0, 0.1], [0.1, 0.3, 0.0], [0.3, 0.2, 0.2],
      [1.0, 1.1, 0.9], [0.9, 1.0, 1.2], [1.2, 0.8, 1.0], [1.1, 1.0, 1.1],
      [0.0, 2.0, 2.1], [0.2, 1.9, 2.0], [0.1, 2.2, 1.8], [0.5, 1.0, 1.0],
    ],
    clusters: 3,
    m: 2,
    expected: {
      centers: [
        [0.151518613024, 0.152288838576, 0.128451265203],
        [0.966315199529, 0.981296685356, 1.04377565914],
        [0.101080045954, 2.02912467832, 1.96560335782],
      ],
      memberships: [
        [0.983073583616, 0.0125039761957, 0.00442244018824],
        [0.985940644777, 0.0106441792239, 0.00341517599943],
        [0.976790948167, 0.0173694478859, 0.00583960394758],
        [0.979243826058, 0.0163223945215, 0.00443377942041],
        [0.0157609284284, 0.971810619261, 0.0124284523103],
        [0.0117214633679, 0.975820292485, 0.0124582441475],
        [0.0368841802978, 0.940096409242, 0.0230194104598],
        [0.00821446729775, 0.984285518184, 0.00750001451799],
        [0.00392441057499, 0.00931038400626, 0.986765205419],
        [0.00414758047662, 0.0115987331502, 0.984253686373],
        [0.00787818318487, 0.0196135582991, 0.972508258516],
        [0.110811355198, 0.806766327891, 0.0824223169105],
      ],
      iterations: 6,
    },
  },
  {
    name: 'C: 1-D with a fuzzier m = 3 (the Math.pow path)',
    points: [[0.0], [0.5], [1.0], [1.5], [4.0], [4.5], [5.5], [6.0], [2.75]],
    clusters: 2,
    m: 3,
    expected: {
      centers: [[0.891474470854], [4.9541740078]],
      memberships: [
        [0.847497762804, 0.152502237196],
        [0.919211128794, 0.0807888712064],
        [0.973287335635, 0.026712664365],
        [0.850216457404, 0.149783542596],
        [0.23486206625, 0.76513793375],
        [0.11179118802, 0.88820881198],
        [0.105896152006, 0.894103847994],
        [0.169932768476, 0.830067231524],
        [0.542539261827, 0.457460738173],
      ],
      iterations: 18,
    },
  },
];

const coordinate = fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });
const dataset = fc
  .integer({ min: 1, max: 4 })
  .chain((dims) => fc.array(fc.array(fc.oneof(coordinate, fc.constantFrom(0, 1, -1)), { minLength: dims, maxLength: dims }), { maxLength: 25 }));
const fuzzifier = fc.oneof(fc.constant(2), fc.double({ min: 1.1, max: 4, noNaN: true }));

/** A permutation of 0..n−1 drawn by sorting on random keys. */
const permuted = <T>(items: readonly T[]) =>
  fc.array(fc.integer(), { minLength: items.length, maxLength: items.length }).map((keys) =>
    items.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b),
  );

describe('consensus/detection/fcm: fuzzy c-means', () => {
  for (const ref of REFERENCE) {
    it(`matches an independent implementation, ${ref.name}`, () => {
      const r = fuzzyCMeans(ref.points, { clusters: ref.clusters, m: ref.m });
      assertClose(r.centers, ref.expected.centers, 'centers');
      assertClose(r.memberships, ref.expected.memberships, 'memberships');
      assert.equal(r.iterations, ref.expected.iterations);
    });
  }

  it('initial centers: distinct points by coordinate sum (ties by coordinates) at evenly spaced positions', () => {
    const pts = [[3, 0], [0, 0], [1, 2], [2, 1], [0, 0], [5, 5]];
    // distinct, ordered: [0,0] (0), [1,2] (3), [2,1] (3), [3,0] (3), [5,5] (10)
    assert.deepEqual(initialCenters(pts, 2), [[0, 0], [5, 5]]);
    assert.deepEqual(initialCenters(pts, 3), [[0, 0], [2, 1], [5, 5]]);
    assert.deepEqual(initialCenters(pts, 1), [[2, 1]]);
    assert.deepEqual(initialCenters([[7], [7], [7]], 2), [[7], [7]]);
    assert.deepEqual(initialCenters([], 2), []);
  });

  it('memberships lie in [0, 1] and every row sums to 1', () => {
    fc.assert(
      fc.property(dataset, fc.integer({ min: 1, max: 5 }), fuzzifier, (points, clusters, m) => {
        const r = fuzzyCMeans(points, { clusters, m });
        assert.equal(r.memberships.length, points.length);
        assert.equal(r.centers.length, points.length === 0 ? 0 : clusters);
        for (const row of r.memberships) {
          assert.equal(row.length, clusters);
          for (const u of row) assert.ok(u >= 0 && u <= 1, `membership ${u}`);
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9, `row sums to ${row.reduce((a, b) => a + b, 0)}`);
        }
        assert.ok(r.iterations >= 0 && r.iterations <= 100);
      }),
    );
  });

  it('two well-separated blobs are split into one cluster each', () => {
    const blob = (cx: number, cy: number) =>
      fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 12 }).map((ds) =>
        ds.map(([dx, dy]) => [cx + dx, cy + dy]),
      );
    fc.assert(
      fc.property(blob(0, 0), blob(50, -30), (a, b) => {
        const r = fuzzyCMeans([...a, ...b], { clusters: 2 });
        const winner = r.memberships.map((row) => (row[0]! >= row[1]! ? 0 : 1));
        const wa = winner.slice(0, a.length);
        const wb = winner.slice(a.length);
        assert.ok(wa.every((w) => w === wa[0]) && wb.every((w) => w === wb[0]) && wa[0] !== wb[0], `split ${winner.join('')}`);
        for (const row of r.memberships) assert.ok(Math.max(...row) > 0.99);
      }),
    );
  });

  it('permuting the input permutes the memberships and leaves centers and iterations unchanged, to the bit', () => {
    fc.assert(
      fc.property(
        dataset.chain((points) => fc.tuple(fc.constant(points), permuted(points))),
        fc.integer({ min: 1, max: 4 }),
        ([points, perm], clusters) => {
          const base = fuzzyCMeans(points, { clusters });
          const shuffled = fuzzyCMeans(perm.map((i) => points[i]!), { clusters });
          assert.deepEqual(shuffled.centers, base.centers);
          assert.equal(shuffled.iterations, base.iterations);
          assert.deepEqual(shuffled.memberships, perm.map((i) => base.memberships[i]!));
        },
      ),
    );
  });

  it('a point exactly on a center belongs to it alone', () => {
    const start = fuzzyCMeans([[0], [1], [10]], { clusters: 2, maxIterations: 0 });
    assert.deepEqual(start.centers, [[0], [10]]);
    assert.equal(start.iterations, 0);
    assert.deepEqual(start.memberships[0], [1, 0]);
    assert.deepEqual(start.memberships[2], [0, 1]);
    assert.ok(Math.abs(start.memberships[1]![0]! - 81 / 82) < 1e-15); // d² = 1 and 81: u = 1 / (1 + 1/81)

    const settled = fuzzyCMeans([[0, 0], [10, 10], [0, 0], [10, 10]], { clusters: 2 });
    assert.deepEqual(settled.centers, [[0, 0], [10, 10]]);
    assert.deepEqual(settled.memberships, [[1, 0], [0, 1], [1, 0], [0, 1]]);
    assert.equal(settled.iterations, 1);
  });

  it('fewer distinct points than clusters: repeated centers share their point equally', () => {
    const r = fuzzyCMeans([[1], [0]], { clusters: 3 });
    assert.deepEqual(r.centers, [[0], [0], [1]]);
    assert.deepEqual(r.memberships, [[0, 0, 1], [0.5, 0.5, 0]]);
    assert.equal(r.iterations, 1);
  });

  it('all points identical: every center on them, memberships split evenly', () => {
    const r = fuzzyCMeans([[3, 3], [3, 3], [3, 3], [3, 3]], { clusters: 2 });
    assert.deepEqual(r.centers, [[3, 3], [3, 3]]);
    for (const row of r.memberships) assert.deepEqual(row, [0.5, 0.5]);
  });

  it('no points: no centers, no memberships', () => {
    assert.deepEqual(fuzzyCMeans([], { clusters: 2 }), { centers: [], memberships: [], iterations: 0 });
  });

  it('one cluster: every membership is 1 and the center is the mean', () => {
    const r = fuzzyCMeans([[0, 0], [2, 0], [4, 6]], { clusters: 1 });
    assert.deepEqual(r.memberships, [[1], [1], [1]]);
    assert.deepEqual(r.centers, [[2, 2]]);
  });

  it('bad options or points throw RangeError', () => {
    const pts = [[0], [1], [2]];
    for (const o of [{ clusters: 0 }, { clusters: 1.5 }, { clusters: NaN }, { clusters: 2, m: 1 }, { clusters: 2, m: 0.5 }, { clusters: 2, m: NaN }, { clusters: 2, maxIterations: -1 }, { clusters: 2, maxIterations: 2.5 }, { clusters: 2, epsilon: -1 }, { clusters: 2, epsilon: NaN }]) {
      assert.throws(() => fuzzyCMeans(pts, o), RangeError, JSON.stringify(o));
    }
    assert.throws(() => fuzzyCMeans([[0, 1], [1]], { clusters: 2 }), RangeError);
    assert.throws(() => fuzzyCMeans([[0], [Infinity]], { clusters: 2 }), RangeError);
    assert.throws(() => fuzzyCMeans([[0], [NaN]], { clusters: 2 }), RangeError);
  });
});
