import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { positionFrom, type Area, type Position } from '../../../src/geo/grid.js';
import { cellChanges, RandomWaypoint } from '../../../src/geo/mobility.js';
import { Prng } from '../../../src/core/prng.js';

const AREA: Area = { width: 9000, height: 9000, grid: 3 };
const inside = (area: Area, p: Position) => p.x >= 0 && p.x <= area.width && p.y >= 0 && p.y <= area.height;

describe('geo/mobility', () => {
  it('a hand example: 5 km at 10 m/s takes 500 s, then a 2 s pause, then a new leg from the prng', () => {
    const node = RandomWaypoint.fromState(AREA, [5, 15], 2000, {
      position: { x: 0, y: 0 },
      target: { x: 3000, y: 4000 },
      speed: 10,
      pauseUntil: 0,
      time: 0,
    });
    const prng = Prng.from('hand');
    const twin = Prng.from('hand'); // predicts the draws
    assert.equal(node.arrivalTime(), 500_000);
    assert.deepEqual(node.advance(250_000, prng), { x: 1500, y: 2000 });
    assert.deepEqual(node.advance(500_000, prng), { x: 3000, y: 4000 });
    assert.equal(node.pauseUntil, 502_000);
    assert.deepEqual(node.advance(501_999, prng), { x: 3000, y: 4000 }); // still pausing, nothing drawn
    assert.deepEqual(node.target, { x: 3000, y: 4000 });
    node.advance(502_000, prng); // the pause ends: the next waypoint and speed are drawn
    const next = positionFrom(AREA, twin.next(), twin.next());
    const speed = 5 + 10 * twin.next();
    assert.deepEqual(node.target, next);
    assert.equal(node.speed, speed);
    assert.deepEqual(node.position, { x: 3000, y: 4000 });
    const legMs = (Math.hypot(next.x - 3000, next.y - 4000) / speed) * 1000;
    assert.equal(node.arrivalTime(), 502_000 + legMs);
    assert.deepEqual(node.advance(502_000 + legMs, prng), next);
    assert.equal(node.pauseUntil, 502_000 + legMs + 2000);
  });

  it('start draws position, waypoint and speed in that order, departing at once', () => {
    const twin = Prng.from(7);
    const node = RandomWaypoint.start(AREA, Prng.from(7), [10, 20], 1000, 5000);
    assert.deepEqual(node.position, positionFrom(AREA, twin.next(), twin.next()));
    assert.deepEqual(node.target, positionFrom(AREA, twin.next(), twin.next()));
    assert.equal(node.speed, 10 + 10 * twin.next());
    assert.equal(node.pauseUntil, 5000);
    assert.equal(node.time, 5000);
  });

  it('stays inside the area (property over seeds, areas and times)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.record({ width: fc.integer({ min: 1, max: 20_000 }), height: fc.integer({ min: 1, max: 20_000 }), grid: fc.integer({ min: 1, max: 5 }) }),
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        (seed, area, steps, pauseMs) => {
          const prng = Prng.from(seed);
          const node = RandomWaypoint.start(area, prng, [1, 40], pauseMs);
          let t = 0;
          for (const dt of steps) {
            t += dt;
            const p = node.advance(t, prng);
            assert.ok(inside(area, p), `${JSON.stringify(p)} outside ${JSON.stringify(area)}`);
            assert.ok(inside(area, node.target));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('same seed → same trajectory, however time is split into advance calls', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 1, maxLength: 30 }), (seed, steps) => {
        const a = Prng.from(seed);
        const b = Prng.from(seed);
        const c = Prng.from(seed);
        const na = RandomWaypoint.start(AREA, a, [2, 30], 3000);
        const nb = RandomWaypoint.start(AREA, b, [2, 30], 3000);
        const nc = RandomWaypoint.start(AREA, c, [2, 30], 3000);
        let t = 0;
        for (const dt of steps) {
          t += dt;
          assert.deepEqual(na.advance(t, a), nb.advance(t, b));
          nc.advance(t - Math.floor(dt / 2), c); // an extra stop in the middle of each interval
          nc.advance(t, c);
          assert.deepEqual(nc.snapshot(), na.snapshot());
        }
        assert.equal(na.advance(t + 1, a).x, nc.advance(t + 1, c).x);
      }),
      { numRuns: 100 },
    );
    const other = RandomWaypoint.start(AREA, Prng.from('x'), [2, 30], 3000);
    const again = RandomWaypoint.start(AREA, Prng.from('y'), [2, 30], 3000);
    assert.notDeepEqual(other.snapshot(), again.snapshot());
  });

  it('respects the speed bounds: every leg speed in range, displacement ≤ max speed × time', () => {
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 20, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }), fc.array(fc.integer({ min: 0, max: 900_000 }), { minLength: 1, maxLength: 25 }), (seed, min, extra, steps) => {
        const range = [min, min + extra] as const;
        const prng = Prng.from(seed);
        const node = RandomWaypoint.start(AREA, prng, range, 500);
        let t = 0;
        let prev = node.position;
        for (const dt of steps) {
          t += dt;
          const p = node.advance(t, prng);
          assert.ok(node.speed >= range[0] && node.speed <= range[1], `speed ${node.speed} outside [${range}]`);
          assert.ok(Math.hypot(p.x - prev.x, p.y - prev.y) <= (range[1] * dt) / 1000 + 1e-6);
          prev = p;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a speed range of [0, 0] is a static node that never draws again', () => {
    const prng = Prng.from('static');
    const node = RandomWaypoint.start(AREA, prng, [0, 0], 1000);
    const where = node.position;
    const probe = Prng.from('probe');
    const before = probe.nextU32();
    const fresh = Prng.from('probe');
    for (const t of [0, 1, 60_000, 3_600_000, 86_400_000]) assert.deepEqual(node.advance(t, fresh), where);
    assert.equal(fresh.nextU32(), before); // nothing was drawn from the stream
    assert.equal(node.speed, 0);
    assert.deepEqual(node.target, where);
  });

  it('a zero pause sets off again at once; advancing back in time is refused', () => {
    const node = RandomWaypoint.fromState(AREA, [10, 10], 0, { position: { x: 0, y: 0 }, target: { x: 100, y: 0 }, speed: 10, pauseUntil: 0, time: 0 });
    const prng = Prng.from(1);
    node.advance(10_000, prng);
    assert.equal(node.pauseUntil, 10_000);
    assert.equal(node.speed, 10);
    assert.notDeepEqual(node.target, { x: 100, y: 0 });
    assert.throws(() => node.advance(9_999, prng), RangeError);
    assert.throws(() => RandomWaypoint.start(AREA, prng, [5, 1], 0), RangeError);
    assert.throws(() => RandomWaypoint.start(AREA, prng, [1, 5], -1), RangeError);
  });

  it('cellChanges tells whether a move crossed into another cell', () => {
    assert.deepEqual(cellChanges(AREA, { x: 100, y: 100 }, { x: 2999, y: 2999 }), { from: 0, to: 0, changed: false });
    assert.deepEqual(cellChanges(AREA, { x: 2999, y: 100 }, { x: 3000, y: 100 }), { from: 0, to: 1, changed: true });
    assert.deepEqual(cellChanges(AREA, { x: 100, y: 8999 }, { x: 9000, y: 9000 }), { from: 6, to: 8, changed: true });
  });
});
