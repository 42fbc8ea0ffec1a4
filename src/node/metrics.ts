import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one node, served on GET /metrics. */
export class NodeMetrics {
  readonly registry = new Registry();
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

  readonly subscriptions: Gauge;

  /** `subscriptions`: how many event subscriptions are open now, read at each scrape. */
  constructor(subscriptions: () => number = () => 0) {
    this.subscriptions = new Gauge({
      name: 'posplus_event_subscriptions',
      help: 'Open event subscriptions (WebSocket subscribe and GET /events streams)',
      registers: [this.registry],
      collect() {
        this.set(subscriptions());
      },
    });
    // process_* and nodejs_* (resident memory, heap, event-loop lag, GC): what an operator watches a node by.
    collectDefaultMetrics({ register: this.registry });
  }
}
