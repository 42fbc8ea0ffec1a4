import type { EngineName } from '../core/behavior.js';
import type { ChainParams, ChainState } from '../core/chain-state.js';
import type { Genesis, GenesisSpec } from '../core/genesis.js';
import type { Prng, PrngSeed } from '../core/prng.js';
import type { BftTimeouts } from '../consensus/bft/bft-rules.js';
import type { Engine, Outbound } from '../consensus/engine.js';
import { type EngineRules, type EngineSettings, engineRules } from '../consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS } from '../consensus/ncca/params.js';
import type { Replica } from './replica.js';
import type { NetworkCollector } from './traffic-collector.js';

/** How a replica's engine is made: the rules its ChainState is built with, and the engine over that chain. */
export interface EngineFactory {
  rules(genesis: Genesis): EngineRules;
  /** Default: createEngine. Tests wrap it to watch or bend what one engine does. */
  engine?(chain: ChainState, rules: EngineRules, timeouts: BftTimeouts, wal?: Uint8Array): Engine;
}

/** An engine of this version with its default parameters unless `settings` says otherwise. */
export const engineFactory = (name: EngineName, settings: Partial<EngineSettings> = {}): EngineFactory => ({
  rules: (genesis) => engineRules(name, { ncca: DEFAULT_NCCA_PARAMS, ...settings }, genesis),
});

export interface ReplicaNetworkOptions {
  seed: PrngSeed;
  /** Number of replicas; every one is a genesis member with the same stake. */
  size: number;
  chainId?: string;
  /** One-way delay of a message: base + a uniform draw in [0, jitter]. */
  baseDelayMs?: number;
  jitterMs?: number;
  /** Probability that a message to one recipient is lost (sync request/response is never dropped). */
  dropRate?: number;
  /** Gossip: a replica forwards every message it accepted, once, to all its peers (as gossipsub does). */
  relay?: boolean;
  timeouts?: BftTimeouts;
  params?: Partial<Omit<ChainParams, 'chainId'>>;
  member?: GenesisSpec['member'];
  genesisTimestamp?: number;
  /** The genesis map (NCCA's cells); default DEFAULT_AREA. */
  area?: GenesisSpec['area'];
  /** Each replica's position declared at genesis (by index), as a node's candidacy declares it. */
  positions?: readonly { x: number; y: number }[];
  /** At most this many certified blocks per sync answer. */
  syncBatch?: number;
  /**
   * Besides answering Ready.behindUntil, every replica asks for newer blocks this often, as the node does
   * (src/node/node.ts polls every 4 s): a replica one height behind an idle network hears nothing that would
   * tell it so. 0 turns polling off.
   */
  syncPollMs?: number;
  engine?: EngineFactory;
  /**
   * The network model of an experiment: who a message goes to (the subscribers of its topic, as the node's
   * gossipsub would deliver it) and how long it takes from one replica to another. Without them every message
   * goes to every other replica after baseDelayMs + a draw in [0, jitterMs].
   */
  route?: (from: Replica, msg: Outbound) => readonly number[];
  delayMs?: (from: number, to: number, rng: Prng) => number;
  /**
   * Replicas share one cache of executed blocks. Execution is a pure function of the head and the block, so at
   * scale (250 replicas executing every block) this computes each verdict once. Off by default: the tests keep
   * every replica executing for itself, so a replica that strayed from the others would still show.
   */
  shareExecution?: boolean;
  /**
   * Message ids each replica remembers to drop duplicates (default 20 000). Without relay a replica receives
   * each message once, so an experiment keeps few: 250 full caches are millions of entries for the collector.
   */
  seenLimit?: number;
  /** Keep every replica's transaction statuses in Replica.txStatuses (default true; experiments do not read them). */
  keepTxStatuses?: boolean;
  /** Observers of every packet sent (see traffic-collector.ts). */
  collectors?: readonly NetworkCollector[];
  /**
   * A topic message reaches every subscriber of its topic, as gossip floods it: when a behaviour sends one to only
   * some of them (an equivocator's two versions, each to half the network), the first recipient that accepts it
   * relays it to the rest, in packets of its own. Off by default, so tests keep exact control of who hears what;
   * without it no replica would ever hold both versions of an equivocation, which the real network cannot prevent.
   */
  floodTopics?: boolean;
}

