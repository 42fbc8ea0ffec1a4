import type { EngineName } from '../../core/behavior.js';
import { Prng, derivedSeed } from '../../core/prng.js';
import { type Area, type Position, cellOf, positionFrom } from '../../geo/grid.js';
import { ReplicaNetwork, engineFactory } from '../replica-network.js';
import { ConductCollector } from '../conduct-collector.js';
import { TrafficCollector } from '../traffic-collector.js';
import { detectionByBehavior } from './behavior-detection.js';
import { packetDelayMs } from './network-delay.js';
import { detectionScore, measureTraffic, referenceReplica } from './run-metrics.js';
import type { LoadName, RunResult } from './run-result.js';
import { type ExperimentSpec, behaviorEntries, behaviorMix, gridOf } from './spec.js';
import { TopicRouter } from './topic-router.js';
import { driveVehicles } from './vehicle-mobility.js';
import { offerLoad } from './workload.js';

export interface RunJob {
  engine: EngineName;
  load: LoadName;
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
  const entries = behaviorEntries(spec.behaviors);

  let router: TopicRouter | undefined;
  const traffic = new TrafficCollector(spec.nodes);
  const conduct = new ConductCollector();
  const net = new ReplicaNetwork({
    seed: derivedSeed('network', spec.nodes, job.malicious, job.seed),
    size: spec.nodes,
    chainId: 'posplus-experiment',
    area,
    positions,
    dropRate: spec.network.loss,
    shareExecution: true,
    floodTopics: true,
    seenLimit: 2_000,
    keepTxStatuses: false,
    ...(job.load === 'saturation' ? { params: { maxBlockTxs: spec.saturation.maxBlockTxs } } : {}),
    collectors: [traffic, conduct],
    engine: engineFactory(job.engine),
    route: (from, msg) => router!.recipients(from, msg),
    delayMs: (from, to, rng) => packetDelayMs(spec.network, area, positions[from]!, positions[to]!, rng),
  });
  router = new TopicRouter(net.replicas, net.chainId, (i) => cellOf(area, positions[i]!), spec.cells);

  // Same ids and same draws whatever the engine: the behaviour streams fork from the world, not from the network.
  const attackers = [...malicious].sort((a, b) => a - b).map((index, k) => ({ index, address: net.replica(index).address, behavior: entries[k % entries.length] ?? '' }));
  attackers.forEach(({ index }, k) => net.setBehaviors(index, mix[k % mix.length]!, derivedSeed('behaviour', job.seed, index)));

  const honest = net.replicas.map((r) => r.index).filter((i) => !malicious.has(i));
  const start = net.now;
  const window = { fromMs: start, toMs: start + spec.durationS * 1000 };
  const txRate = job.load === 'saturation' ? spec.saturation.txRate : spec.txRate;
  const load = offerLoad(net, honest, { txRate, batchMs: spec.batchMs, untilMs: window.toMs }, world.fork('load'));
  if (spec.speed[1] > 0) driveVehicles(net, area, positions, spec.speed, world.fork('mobility'));
  net.run(spec.durationS * 1000 + spec.drainS * 1000);

  const reference = referenceReplica(net, honest);
  return {
    engine: job.engine,
    load: job.load,
    malicious: job.malicious,
    seed: job.seed,
    nodes: spec.nodes,
    simulatedMs: net.now - start,
    events: net.stats.events,
    ...measureTraffic(net, traffic, load, honest, window),
    // Only NCCA detects; the others would score an empty set.
    ...(job.engine === 'ncca'
      ? {
          ...detectionScore(reference.chain.ledger, new Set(attackers.map((a) => a.address))),
          behaviors: detectionByBehavior(entries, attackers, reference, conduct),
        }
      : {}),
  };
}
