import { addressOf } from '../../core/address.js';
import type { EngineName } from '../../core/behavior.js';
import { type Hex } from '../../core/bytes.js';
import { Prng, derivedSeed } from '../../core/prng.js';
import { txId } from '../../core/tx.js';
import type { Tx } from '../../core/wire/posplus.js';
import { DEFAULT_TIMEOUTS } from '../../consensus/bft/bft-engine.js';
import { createEngine } from '../../consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS } from '../../consensus/ncca/params.js';
import { type Area, type Position, cellOf, positionFrom } from '../../geo/grid.js';
import { RandomWaypoint } from '../../geo/mobility.js';
import { type Replica, ReplicaNetwork } from '../replica-network.js';
import { packetDelayMs } from './network-delay.js';
import { detectionScore, measureTraffic, referenceReplica } from './run-metrics.js';
import type { RunResult } from './run-result.js';
import { type ExperimentSpec, behaviorMix, gridOf } from './spec.js';
import { TopicRouter } from './topic-router.js';

const MOVE_EVERY_MS = 1_000;
const PAUSE_MS = 5_000;

/**
 * Random-waypoint mobility: every second each vehicle moves on (the delays follow its new position), and one that
 * crossed into another cell sends a LOCATE, as the node does; its subscriptions follow its new cell.
 */
function drive(net: ReplicaNetwork, area: Area, positions: Position[], speed: readonly [number, number], prng: Prng): void {
  const streams = positions.map((_, i) => prng.fork(i));
  const walkers = positions.map((p, i) => RandomWaypoint.fromState(area, speed, PAUSE_MS, { position: p, target: p, speed: 0, pauseUntil: net.now, time: net.now }));
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

/**
 * A vehicle with `maxNonceAhead` transactions still unconfirmed waits before it sends more, as a wallet would:
 * its node refuses nonces further ahead, and one refused nonce would block every later one for good.
 */
function mayOffer(sender: Replica): boolean {
  const confirmed = sender.chain.ledger.get(sender.address)?.nonce ?? 0;
  return sender.nextNonce - confirmed < sender.chain.params.maxNonceAhead;
}

export interface RunJob {
  engine: EngineName;
  malicious: number;
  /** 1-based seed number; the run's every draw derives from (engine-independent) spec, malicious count and seed. */
  seed: number;
}

/**
 * One run of the experiment: `spec.nodes` replicas of one engine on the modelled vehicle network, the first
 * `malicious` of a seeded shuffle given the behaviour mix, honest vehicles offering `txRate` transfers per second
 * for `durationS`, then a drain. The draws for positions, malicious choice and load depend on the seed and the
 * malicious count but not on the engine, so every engine meets the same vehicles, attackers and workload.
 */
export function runOne(spec: ExperimentSpec, job: RunJob): RunResult {
  const grid = gridOf(spec);
  const area: Area = { width: spec.areaM, height: spec.areaM, grid };
  const world = Prng.from(derivedSeed('experiment', spec.nodes, spec.cells, job.malicious, job.seed));
  const placement = world.fork('positions');
  const positions: Position[] = Array.from({ length: spec.nodes }, () => positionFrom(area, placement.next(), placement.next()));
  const malicious = new Set(world.fork('malicious').shuffle(Array.from({ length: spec.nodes }, (_, i) => i)).slice(0, job.malicious));
  const mix = behaviorMix(spec.behaviors);
  const settings = { timeouts: DEFAULT_TIMEOUTS, ncca: DEFAULT_NCCA_PARAMS };

  let router: TopicRouter | undefined;
  const net = new ReplicaNetwork({
    seed: derivedSeed('network', spec.nodes, job.malicious, job.seed),
    size: spec.nodes,
    chainId: 'posplus-experiment',
    area,
    dropRate: spec.network.loss,
    engine: (chain, timeouts, wal) => createEngine(job.engine, chain, { ...settings, timeouts }, wal),
    route: (from, msg) => router!.recipients(from, msg),
    delayMs: (from, to, rng) => packetDelayMs(spec.network, area, positions[from]!, positions[to]!, rng),
  });
  router = new TopicRouter(net.replicas, net.chainId, (i) => cellOf(area, positions[i]!), spec.cells);

  // Same ids and same draws whatever the engine: the behaviour streams fork from the world, not from the network.
  [...malicious].sort((a, b) => a - b).forEach((index, k) => net.setBehaviors(index, mix[k % mix.length]!, derivedSeed('behaviour', job.seed, index)));
  for (const r of net.replicas) net.submit(r.index, [net.locate(r.index, positions[r.index]!.x, positions[r.index]!.y)]);

  const honest = net.replicas.map((r) => r.index).filter((i) => !malicious.has(i));
  const submitted = new Map<Hex, number>();
  const load = world.fork('load');
  const perBatch = (spec.txRate * spec.batchMs) / 1000;
  const start = net.now;
  const end = start + spec.durationS * 1000;
  let owed = 0;
  const offer = (): void => {
    owed += perBatch;
    const bySender = new Map<number, Tx[]>();
    for (; owed >= 1; owed--) {
      const from = honest[load.int(honest.length)]!;
      let to = load.int(spec.nodes - 1);
      if (to >= from) to++;
      if (!mayOffer(net.replica(from))) continue;
      const tx = net.transfer(from, to, 1);
      submitted.set(txId(tx), net.now);
      bySender.set(from, [...(bySender.get(from) ?? []), tx]);
    }
    for (const [from, txs] of bySender) net.submit(from, txs);
    if (net.now + spec.batchMs < end) net.schedule(spec.batchMs, offer);
  };
  net.schedule(spec.batchMs, offer);
  if (spec.speed[1] > 0) drive(net, area, positions, spec.speed, world.fork('mobility'));
  net.run(spec.durationS * 1000 + spec.drainS * 1000);

  const badAddresses = new Set([...malicious].map((i) => addressOf(net.replica(i).key.publicKey)));
  return {
    engine: job.engine,
    malicious: job.malicious,
    seed: job.seed,
    nodes: spec.nodes,
    simulatedMs: net.now - start,
    events: net.stats.events,
    ...measureTraffic(net, submitted, honest),
    // Only NCCA detects; the others would score an empty set.
    ...(job.engine === 'ncca' ? detectionScore(referenceReplica(net, honest).chain.ledger, badAddresses) : {}),
  };
}
