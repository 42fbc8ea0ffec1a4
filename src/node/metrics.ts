import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Commit } from '../consensus/engine.js';
import { ConnectionTraffic } from './connection-traffic.js';

/** What the node shows the gauges that are read when scraped. */
export interface MetricsView {
  subscriptions(): number;
  syncing(): boolean;
  connections(): readonly { direction: 'inbound' | 'outbound' }[];
  /** ms; undefined before the node has a chain. */
  headTimestamp(): number | undefined;
}

/** Prometheus metrics of one node, served on GET /metrics. */
export class NodeMetrics {
  readonly registry = new Registry();
  /** Each connection's stream bytes, counted by libp2p's metrics hook (net_peers shows them). */
  readonly traffic = new ConnectionTraffic();
  readonly buildInfo = new Gauge({
    name: 'posplus_build_info',
    help: 'Always 1: its labels say which version, engine and chain this node runs',
    labelNames: ['version', 'engine', 'chain'] as const,
    registers: [this.registry],
  });
  readonly height = new Gauge({ name: 'posplus_height', help: 'Committed chain height', registers: [this.registry] });
  readonly peers = new Gauge({ name: 'posplus_peers', help: 'Connected libp2p peers', registers: [this.registry] });
  readonly mempool = new Gauge({ name: 'posplus_mempool_size', help: 'Pending transactions', registers: [this.registry] });
  readonly round = new Gauge({ name: 'posplus_consensus_round', help: 'Consensus round at the current height', registers: [this.registry] });
  readonly rounds = new Counter({ name: 'posplus_consensus_rounds_total', help: 'Consensus rounds it took to commit each block', registers: [this.registry] });
  readonly roundTimeouts = new Counter({
    name: 'posplus_consensus_failed_rounds_total',
    help: 'Rounds that ended without a commit (proposer timeout or no quorum) before a block committed',
    registers: [this.registry],
  });
  readonly txCommitted = new Counter({ name: 'posplus_txs_committed_total', help: 'Transactions committed', registers: [this.registry] });
  readonly txRejected = new Counter({
    name: 'posplus_txs_rejected_total',
    help: 'Transactions rejected, by reason code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly published = new Counter({
    name: 'posplus_messages_published_total',
    help: 'Gossip messages this node originated, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly received = new Counter({
    name: 'posplus_messages_received_total',
    help: 'Gossip messages validated, by topic kind and verdict',
    labelNames: ['topic', 'verdict'] as const,
    registers: [this.registry],
  });
  readonly detection = new Gauge({
    name: 'posplus_detection_nodes',
    help: 'Registered nodes by detection state on chain: suspect (round-2 watch), suspended, evicted',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly evidence = new Counter({ name: 'posplus_evidence_total', help: 'Evidence items seen (alerts, equivocation)', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly commitLatency = new Histogram({
    name: 'posplus_tx_commit_latency_seconds',
    help: 'From local submission to commit, for transactions submitted to this node',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly blockTxs = new Histogram({
    name: 'posplus_block_txs',
    help: 'Transactions per committed block',
    buckets: [0, 1, 10, 100, 500, 1000, 2000],
    registers: [this.registry],
  });

  private view: MetricsView = { subscriptions: () => 0, syncing: () => false, connections: () => [], headTimestamp: () => undefined };
  readonly subscriptions: Gauge = new Gauge({
    name: 'posplus_event_subscriptions',
    help: 'Open event subscriptions (WebSocket subscribe and GET /events streams)',
    registers: [this.registry],
    collect: (): void => this.subscriptions.set(this.view.subscriptions()),
  });
  readonly syncing: Gauge = new Gauge({
    name: 'posplus_syncing',
    help: '1 while the node fetches blocks a peer has beyond its head, else 0',
    registers: [this.registry],
    collect: (): void => this.syncing.set(this.view.syncing() ? 1 : 0),
  });
  readonly connections: Gauge = new Gauge({
    name: 'posplus_peer_connections',
    help: 'Open libp2p connections, by who dialled',
    labelNames: ['direction'] as const,
    registers: [this.registry],
    collect: (): void => {
      const count = { inbound: 0, outbound: 0 };
      for (const c of this.view.connections()) count[c.direction]++;
      for (const [direction, n] of Object.entries(count)) this.connections.set({ direction }, n);
    },
  });
  readonly blockAge: Gauge = new Gauge({
    name: 'posplus_last_block_age_seconds',
    help: 'Seconds since the timestamp of the head block (a growing value with pending work is a stalled chain)',
    registers: [this.registry],
    collect: (): void => {
      const at = this.view.headTimestamp();
      if (at !== undefined) this.blockAge.set((Date.now() - at) / 1000);
    },
  });
  readonly blockInterval = new Histogram({
    name: 'posplus_block_interval_seconds',
    help: 'Time between the timestamps of consecutive committed blocks',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly mempoolBytes = new Gauge({ name: 'posplus_mempool_bytes', help: 'Encoded size of the pending transactions', registers: [this.registry] });

  /** The timestamp of the last block committed since start, for the block interval. */
  private lastBlockTime?: number;

  /** One committed block: its transactions, rounds, height, interval, and the latency of those submitted here. */
  committed(c: Commit, submittedAt: (id: string) => number | undefined, now: number): void {
    for (const id of c.txIds) {
      const at = submittedAt(id);
      if (at !== undefined) this.commitLatency.observe((now - at) / 1000);
    }
    this.txCommitted.inc(c.txIds.length);
    this.blockTxs.observe(c.txIds.length);
    this.rounds.inc(c.certificate.round + 1);
    this.roundTimeouts.inc(c.certificate.round);
    this.height.set(c.block.header?.height ?? 0);
    const time = c.block.header?.timestamp ?? 0;
    if (this.lastBlockTime !== undefined) this.blockInterval.observe((time - this.lastBlockTime) / 1000);
    this.lastBlockTime = time;
  }

  /** Where the gauges read at each scrape come from. */
  watch(view: MetricsView): void {
    this.view = view;
  }

  constructor() {
    // process_* and nodejs_* (resident memory, heap, event-loop lag, GC): what an operator watches a node by.
    collectDefaultMetrics({ register: this.registry });
  }
}
