/**
 * Random-waypoint mobility (Johnson & Maltz 1996; DESIGN §1/§5/§7): a node moves in a straight line to a
 * waypoint at a constant speed, pauses there `pauseMs`, then draws a new waypoint (uniform over the area) and a
 * new speed (uniform in `speedRange`) and sets off again. Pure: every draw comes from the caller's Prng; times
 * are virtual milliseconds, distances metres, speeds m/s.
 *
 * Draw order (part of the simulator's determinism): `start` draws the start position (x then y), the first
 * waypoint (x then y) and the first speed; each later leg draws waypoint x, waypoint y, speed, at the moment the
 * pause ends. Waypoints are `positionFrom` points, i.e. whole metres in [0, width] × [0, height].
 *
 * Give every node its own stream (`prng.fork(address)`) and always pass it the same one: then the trajectory does
 * not depend on how time is split into `advance` calls — positions inside a leg are interpolated from the leg's
 * start point and departure time, never accumulated step by step.
 *
 * Speed range: `[0, 0]` makes a static node (it never draws again). A minimum of 0 with a positive maximum is
 * allowed but is the classic random-waypoint pitfall (Yoon, Liu & Noble 2003): legs with near-zero speed last
 * almost forever and the average speed decays over time; configure a positive minimum.
 */
import type { Prng } from '../core/prng.js';
import { cellOf, positionFrom, type Area, type Position } from './grid.js';

export type SpeedRange = readonly [min: number, max: number];

export interface WaypointState {
  /** Where the node is at `time`. */
  position: Position;
  /** The waypoint of the current leg (during a pause: the waypoint just reached, equal to `position`). */
  target: Position;
  /** Speed of the current leg, m/s. */
  speed: number;
  /** End of the current pause (ms); before it the node stands still at `target`, after it the leg runs. */
  pauseUntil: number;
  /** The virtual time (ms) `position` is for. */
  time: number;
}

function checkArea(area: Area): void {
  if (!(Number.isFinite(area.width) && area.width > 0 && Number.isFinite(area.height) && area.height > 0)) {
    throw new RangeError('area width and height must be finite and > 0');
  }
  if (!(Number.isInteger(area.grid) && area.grid >= 1)) throw new RangeError('area grid must be an integer >= 1');
}

function checkSpeedRange([min, max]: SpeedRange): void {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
    throw new RangeError(`speed range [${min}, ${max}] needs 0 <= min <= max, both finite`);
  }
}

const distance = (a: Position, b: Position): number => Math.hypot(b.x - a.x, b.y - a.y);

export class RandomWaypoint {
  /** Start point and departure time of the current leg: positions are interpolated from them. */
  private from: Position;
  private departAt: number;
  /** Reached `target` and pausing (or about to draw the next leg once `pauseUntil` has come). */
  private atWaypoint: boolean;
  private state: WaypointState;

  private constructor(
    readonly area: Area,
    readonly speedRange: SpeedRange,
    readonly pauseMs: number,
    state: WaypointState,
  ) {
    this.state = { ...state, position: { ...state.position }, target: { ...state.target } };
    this.from = { ...state.position };
    this.departAt = Math.max(state.time, state.pauseUntil);
    this.atWaypoint = state.time < state.pauseUntil;
  }

  /**
   * A node at a uniformly random position with a first waypoint and speed drawn from `prng`, departing at
   * `startMs` (no pause before the first leg).
   */
  static start(area: Area, prng: Prng, speedRange: SpeedRange, pauseMs: number, startMs = 0): RandomWaypoint {
    checkArea(area);
    checkSpeedRange(speedRange);
    checkPause(pauseMs);
    if (!Number.isFinite(startMs)) throw new RangeError('startMs must be finite');
    const position = positionFrom(area, prng.next(), prng.next());
    if (speedRange[1] === 0) {
      return new RandomWaypoint(area, speedRange, pauseMs, { position, target: position, speed: 0, pauseUntil: startMs, time: startMs });
    }
    const target = positionFrom(area, prng.next(), prng.next());
    const speed = drawSpeed(prng, speedRange);
    return new RandomWaypoint(area, speedRange, pauseMs, { position, target, speed, pauseUntil: startMs, time: startMs });
  }

  /**
   * A node in a given state (for tests, hand examples and restoring a snapshot). If `time < pauseUntil` the node
   * is pausing and must stand at its target.
   */
  static fromState(area: Area, speedRange: SpeedRange, pauseMs: number, state: WaypointState): RandomWaypoint {
    checkArea(area);
    checkSpeedRange(speedRange);
    checkPause(pauseMs);
    const inside = (p: Position) => p.x >= 0 && p.x <= area.width && p.y >= 0 && p.y <= area.height;
    if (!inside(state.position) || !inside(state.target)) throw new RangeError('position and target must lie inside the area');
    if (!(Number.isFinite(state.speed) && state.speed >= 0 && Number.isFinite(state.time) && Number.isFinite(state.pauseUntil))) {
      throw new RangeError('speed must be >= 0, times finite');
    }
    if (state.time < state.pauseUntil && (state.position.x !== state.target.x || state.position.y !== state.target.y)) {
      throw new RangeError('a pausing node stands at its target');
    }
    return new RandomWaypoint(area, speedRange, pauseMs, state);
  }

  get position(): Position {
    return { ...this.state.position };
  }
  get target(): Position {
    return { ...this.state.target };
  }
  get speed(): number {
    return this.state.speed;
  }
  get pauseUntil(): number {
    return this.state.pauseUntil;
  }
  get time(): number {
    return this.state.time;
  }
  /** A copy of the whole state. */
  snapshot(): WaypointState {
    return { ...this.state, position: this.position, target: this.target };
  }

  /** The time the current leg reaches its waypoint (Infinity for a node standing still with speed 0). */
  arrivalTime(): number {
    if (this.state.speed === 0) return Infinity; // stands still for good (static node, or a drawn speed of 0)
    return this.departAt + (distance(this.from, this.state.target) / this.state.speed) * 1000;
  }

  /**
   * Moves the node to virtual time `toMs` (not before its current time) and returns its position then. Legs and
   * pauses that end before `toMs` are completed in order, drawing each new waypoint and speed from `prng` as its
   * pause ends.
   */
  advance(toMs: number, prng: Prng): Position {
    if (!Number.isFinite(toMs)) throw new RangeError('advance needs a finite time');
    if (toMs < this.state.time) throw new RangeError(`cannot advance back in time (${toMs} < ${this.state.time})`);
    for (;;) {
      const s = this.state;
      if (toMs < s.pauseUntil) break; // pausing at the waypoint for the rest of the interval
      if (this.atWaypoint) {
        // The pause is over: set off from the waypoint on a new leg.
        this.atWaypoint = false;
        this.from = { ...s.position };
        this.departAt = s.pauseUntil;
        s.target = positionFrom(this.area, prng.next(), prng.next());
        s.speed = drawSpeed(prng, this.speedRange);
        continue;
      }
      const arrival = this.arrivalTime();
      if (toMs < arrival) {
        // Mid-leg: interpolate from the leg's start, so splitting time into more calls changes nothing.
        const f = Math.min(1, Math.max(0, (toMs - this.departAt) / (arrival - this.departAt)));
        s.position = this.clamp({ x: this.from.x + (s.target.x - this.from.x) * f, y: this.from.y + (s.target.y - this.from.y) * f });
        break;
      }
      // Reached the waypoint at `arrival`: pause there.
      s.position = { ...s.target };
      s.pauseUntil = arrival + this.pauseMs;
      this.atWaypoint = true;
    }
    this.state.time = toMs;
    return this.position;
  }

  private clamp(p: Position): Position {
    return { x: Math.min(this.area.width, Math.max(0, p.x)), y: Math.min(this.area.height, Math.max(0, p.y)) };
  }
}

function checkPause(pauseMs: number): void {
  if (!(Number.isFinite(pauseMs) && pauseMs >= 0)) throw new RangeError('pauseMs must be finite and >= 0');
}

function drawSpeed(prng: Prng, [min, max]: SpeedRange): number {
  return min + (max - min) * prng.next();
}

/** The cells of two positions and whether moving from one to the other changed the node's cell. */
export function cellChanges(area: Area, from: Position, to: Position): { from: number; to: number; changed: boolean } {
  const a = cellOf(area, from);
  const b = cellOf(area, to);
  return { from: a, to: b, changed: a !== b };
}
