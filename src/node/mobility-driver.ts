import { randomBytes } from 'node:crypto';
import { Prng } from '../core/prng.js';
import { type Area, type Position, cellOf } from '../geo/grid.js';
import { RandomWaypoint } from '../geo/mobility.js';

const MOBILITY_TICK_MS = 1000;
const MOBILITY_PAUSE_MS = 2000;

/**
 * Random-waypoint mobility at MOBILITY_SPEED, one step a second. The trajectory is drawn from a per-run random
 * seed: a moving vehicle's path is no one else's business, only the cell it declares on chain is. Returns the
 * timer; `moved` hears each position, `changedCell` each crossing into another cell.
 */
export function driveVehicle(
  area: Area,
  speed: number,
  from: Position,
  moved: (position: Position) => void,
  changedCell: (from: number, to: number) => void,
): NodeJS.Timeout {
  const prng = Prng.from(randomBytes(32));
  const now = Date.now();
  // Pausing at the current position for one more millisecond: the first advance draws the first leg.
  const walker = RandomWaypoint.fromState(area, [speed / 2, speed], MOBILITY_PAUSE_MS, { position: from, target: from, speed: 0, pauseUntil: now + 1, time: now });
  let cell = cellOf(area, from);
  return setInterval(() => {
    const position = walker.advance(Date.now(), prng);
    moved(position);
    const next = cellOf(area, position);
    if (next !== cell) {
      changedCell(cell, next);
      cell = next;
    }
  }, MOBILITY_TICK_MS);
}
