import { type Behavior, BehaviorError, type EngineName, parseBehaviors } from '../../core/behavior.js';
import { LOAD_NAMES, type LoadName } from './run-result.js';

/**
 * One experiment: the network, the load and the sweep. The paper preset is the paper's §3.1 setting (250 nodes
 * in a 9 km × 9 km area cut into 9 cells of 3 km, validator ratio 0.6, 10…70 malicious nodes); the values the
 * paper leaves open (delays, loss, load, behaviour mix) are ours, each with its reason below.
 */
export interface ExperimentSpec {
  preset: string;
  nodes: number;
  /** Cells on the map: a square number (9 = a 3 × 3 grid). */
  cells: number;
  /** Side of the square map, metres. */
  areaM: number;
  malicious: number[];
  engines: EngineName[];
  seeds: number;
  /** Simulated seconds of offered load; the run then drains for `drainS` with no new transactions. */
  durationS: number;
  drainS: number;
  /**
   * The malicious nodes' behaviours, dealt round-robin: entry k goes to the k-th malicious node. An entry may
   * join several with `+` (dormant:30+drop).
   */
  behaviors: string;
  /** Offered load, transactions per simulated second, from honest nodes, sent in batches every `batchMs`. */
  txRate: number;
  batchMs: number;
  /** The loads each (engine, malicious count, seed) runs under: `paper` offers `txRate`, `saturation` the below. */
  loads: LoadName[];
  /**
   * The saturating load: more transactions per second than any engine can commit, with blocks capped at
   * `maxBlockTxs` so that capacity (heights per second × the cap) is reached at a rate the simulator can afford.
   * Throughput under it is capacity, and how it falls with attackers is how much an attack costs an engine.
   */
  saturation: { txRate: number; maxBlockTxs: number };
  network: NetworkModel;
  /**
   * Random-waypoint speeds of the vehicles, m/s (src/geo/mobility.ts); [0, 0] keeps them where they start. A
   * vehicle that drives into another cell sends a LOCATE, as the node does.
   */
  speed: readonly [number, number];
}

/** How long a packet takes between two vehicles, and how often it is lost (DESIGN §7). */
export interface NetworkModel {
  /** Radio hop from a vehicle to its cell's base station and back out (C-V2X/DSRC: a few ms). */
  baseMs: number;
  /** Each cell boundary crossed: one backhaul hop between base stations. */
  hopMs: number;
  /** Distance term: queueing and propagation grow with the path. */
  perKmMs: number;
  /** Uniform extra delay in [0, jitterMs]. */
  jitterMs: number;
  /**
   * Probability that a message never reaches one recipient. The simulator sends each message straight to every
   * subscriber; gossipsub would carry it over several mesh paths, so this is the residual loss when all of them
   * fail, not the loss of one radio packet.
   */
  loss: number;
}

export const DEFAULT_NETWORK: NetworkModel = { baseMs: 2, hopMs: 8, perKmMs: 0.5, jitterMs: 6, loss: 0.002 };

/**
 * The paper names delayed verification, ignoring honest nodes' messages, forged (conflicting) messages, invalid
 * blocks, going offline, and the latent attack that behaves until it has standing (its critique of DPoS and
 * CDBFT); and malicious voting, which its weighted vote exists to resist (falsevote: ballots that abstain on
 * good transactions and votes for blocks nobody proposed). One behaviour of each, dealt in turn.
 */
const PAPER_BEHAVIORS = 'delay:2500,drop,equivocate,falsevote,invalidblock,offline:20/10,dormant:30+drop';

export const PRESETS: Readonly<Record<'paper' | 'small', ExperimentSpec>> = {
  paper: {
    preset: 'paper',
    nodes: 250,
    cells: 9,
    areaM: 9000,
    malicious: [10, 20, 30, 40, 50, 60, 70],
    engines: ['ncca', 'rpca', 'cdbft', 'dpos'],
    seeds: 3,
    // ~100+ heights on a healthy 250-node network for every engine (protocols/README.md §10); longer costs hours.
    durationS: 40,
    drainS: 10,
    behaviors: PAPER_BEHAVIORS,
    txRate: 100,
    batchMs: 200,
    loads: ['paper'],
    // At 30 transactions a block every engine's capacity is below 300 tx/s: under this load, with 10 attackers,
    // CDBFT makes about 6 heights a second, NCCA and DPoS under 4, RPCA 1 (at 50 a block CDBFT kept up).
    saturation: { txRate: 300, maxBlockTxs: 30 },
    network: DEFAULT_NETWORK,
    speed: [0, 0],
  },
  small: {
    preset: 'small',
    nodes: 16,
    cells: 4,
    areaM: 6000,
    malicious: [0, 2, 4],
    engines: ['ncca', 'rpca', 'cdbft', 'dpos', 'pos'],
    seeds: 2,
    durationS: 20,
    drainS: 10,
    behaviors: PAPER_BEHAVIORS,
    txRate: 40,
    batchMs: 200,
    loads: ['paper'],
    saturation: { txRate: 120, maxBlockTxs: 10 },
    network: DEFAULT_NETWORK,
    speed: [0, 0],
  },
};

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

/** Refuses a spec that cannot run, naming the value. */
export function checkSpec(s: ExperimentSpec): void {
  const fail = (what: string): never => {
    throw new SpecError(what);
  };
  if (!Number.isInteger(s.nodes) || s.nodes < 4) fail(`--nodes must be a whole number >= 4 (got ${s.nodes})`);
  const grid = Math.round(Math.sqrt(s.cells));
  if (!Number.isInteger(s.cells) || s.cells < 1 || grid * grid !== s.cells) fail(`--cells must be a square number such as 1, 4, 9 (got ${s.cells})`);
  if (s.malicious.length === 0) fail('--malicious needs at least one count');
  for (const m of s.malicious) if (!Number.isInteger(m) || m < 0 || m >= s.nodes) fail(`--malicious counts must be whole numbers below --nodes (got ${m})`);
  if (s.engines.length === 0) fail('--engines needs at least one engine');
  if (!Number.isInteger(s.seeds) || s.seeds < 1) fail(`--seeds must be a whole number >= 1 (got ${s.seeds})`);
  if (!(s.durationS > 0)) fail(`--duration must be positive seconds (got ${s.durationS})`);
  if (!(s.txRate > 0)) fail(`the transaction rate must be positive (got ${s.txRate})`);
  if (s.loads.length === 0 || s.loads.some((l) => !LOAD_NAMES.includes(l)) || new Set(s.loads).size !== s.loads.length) {
    fail(`--loads must list distinct loads among ${LOAD_NAMES.join(', ')} (got ${s.loads.join(',')})`);
  }
  if (!(s.saturation.txRate > 0) || !Number.isInteger(s.saturation.maxBlockTxs) || s.saturation.maxBlockTxs < 1) {
    fail(`the saturating load needs a positive rate and a whole block cap >= 1 (got ${s.saturation.txRate} tx/s, ${s.saturation.maxBlockTxs})`);
  }
  if (!(s.speed[0] >= 0 && s.speed[1] >= s.speed[0] && Number.isFinite(s.speed[1]))) fail(`--speed must be MIN-MAX m/s with 0 <= MIN <= MAX (got ${s.speed.join('-')})`);
  try {
    behaviorMix(s.behaviors);
  } catch (err) {
    if (err instanceof BehaviorError) fail(`--behaviors: ${err.message}`);
    throw err;
  }
}

/** The entries of a behaviour mix, as written: `delay:2500, dormant:30+drop` → ['delay:2500', 'dormant:30+drop']. */
export function behaviorEntries(list: string): string[] {
  return list.split(',').map((e) => e.trim()).filter((e) => e !== '');
}

/** The behaviour list of each malicious node in turn: `delay:2500,dormant:30+drop` → [[delay], [dormant, drop]]. */
export function behaviorMix(list: string): Behavior[][] {
  const entries = behaviorEntries(list);
  return entries.length === 0 ? [[]] : entries.map((e) => parseBehaviors(e.replaceAll('+', ',')));
}

export const gridOf = (s: ExperimentSpec): number => Math.round(Math.sqrt(s.cells));
