import type { Prng } from '../../core/prng.js';
import { type Area, type Position, cellOf } from '../../geo/grid.js';
import { RandomWaypoint } from '../../geo/mobility.js';
import type { ReplicaNetwork } from '../replica-network.js';

const MOVE_EVERY_MS = 1_000;
const PAUSE_MS = 5_000;

/**
 * Random-waypoint mobility: every second each vehicle moves on (`positions` is updated in place, so the delays
 * follow), and one that crossed into another cell sends a LOCATE, as the node does; its subscriptions follow.
 */
export function driveVehicles(net: ReplicaNetwork, area: Area, positions: Position[], speed: readonly [number, number], prng: Prng): void {
  const streams = positions.map((_, i) => prng.fork(i));
  const walkers = positions.map((p) => RandomWaypoint.fromState(area, speed, PAUSE_MS, { position: p, target: p, speed: 0, pauseUntil: net.now, time: net.now }));
  const step = (): void => {
    walkers.forEach((w, i) => {
      const before = cellOf(area, positions[i]!);
      positions[i] = w.advance(net.now, streams[i]!);
      if (cellOf(area, positions[i]!) !== before) net.submit(i, [net.locate(i, positions[i]!.x, positions[i]!.y)]);
    });
    net.schedule(MOVE_EVERY_MS, step);
  };
  net.schedule(MOVE_EVERY_MS, step);
}
