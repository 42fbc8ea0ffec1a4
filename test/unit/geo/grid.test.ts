import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { cellHops, cellOf, type Area } from '../../../src/geo/grid.js';

const AREA: Area = { width: 9000, height: 9000, grid: 3 };

describe('geo/grid: cellHops', () => {
  it('is the Chebyshev distance between grid coordinates (3×3, row-major)', () => {
    // 0 1 2
    // 3 4 5
    // 6 7 8
    assert.equal(cellHops(AREA, 4, 4), 0);
    for (const n of [0, 1, 2, 3, 5, 6, 7, 8]) assert.equal(cellHops(AREA, 4, n), 1);
    assert.equal(cellHops(AREA, 0, 8), 2);
    assert.equal(cellHops(AREA, 2, 6), 2);
    assert.equal(cellHops(AREA, 0, 5), 2);
    assert.equal(cellHops(AREA, 2, 3), 2); // same-looking neighbours in numbering, opposite edges on the map
  });

  it('agrees with positions: cells of points one cell-width apart are one hop apart', () => {
    assert.equal(cellHops(AREA, cellOf(AREA, { x: 100, y: 100 }), cellOf(AREA, { x: 3100, y: 3100 })), 1);
  });

  it('is a metric on any grid (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }).chain((g) => fc.tuple(fc.constant(g), fc.nat(g * g - 1), fc.nat(g * g - 1), fc.nat(g * g - 1))), ([grid, a, b, c]) => {
        const area = { width: 1, height: 1, grid };
        assert.equal(cellHops(area, a, b), cellHops(area, b, a));
        assert.equal(cellHops(area, a, b) === 0, a === b);
        assert.ok(cellHops(area, a, c) <= cellHops(area, a, b) + cellHops(area, b, c));
        assert.ok(cellHops(area, a, b) <= grid - 1);
      }),
    );
  });

  it('refuses cells off the grid', () => {
    assert.throws(() => cellHops(AREA, 9, 0), RangeError);
    assert.throws(() => cellHops(AREA, 0, -1), RangeError);
    assert.throws(() => cellHops(AREA, 0.5, 0), RangeError);
  });
});
