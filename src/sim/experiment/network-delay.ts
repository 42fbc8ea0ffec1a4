import type { Prng } from '../../core/prng.js';
import { type Area, type Position, cellHops, cellOf } from '../../geo/grid.js';
import type { NetworkModel } from './spec.js';

/**
 * One packet's delay between two vehicles: the radio hop, one backhaul hop per cell boundary between their cells,
 * a distance term, and jitter. Pure: the caller owns the positions and the random stream.
 */
export function packetDelayMs(model: NetworkModel, area: Area, from: Position, to: Position, rng: Prng): number {
  const hops = cellHops(area, cellOf(area, from), cellOf(area, to));
  const km = Math.hypot(to.x - from.x, to.y - from.y) / 1000;
  return model.baseMs + model.hopMs * hops + Math.round(model.perKmMs * km) + rng.int(model.jitterMs + 1);
}
