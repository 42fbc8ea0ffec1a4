import { addressOf } from '../core/address.js';
import type { Hex } from '../core/bytes.js';
import { type TxStatus, ChainState, DEFAULT_CHAIN_PARAMS } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import { type Genesis, type GenesisSpec, areaOf } from '../core/genesis.js';
import { GenesisMessage, type Tx } from '../core/wire/posplus.js';
import { ANNOUNCE_EVERY_MS, GenesisGossip } from './genesis-gossip.js';
import type { TxBody } from '../core/tx.js';
import { DEFAULT_TIMEOUTS } from '../consensus/bft/bft-rules.js';
import type { Engine, EngineInput, Outbound, Ready } from '../consensus/engine.js';
import { AVAILABLE_ENGINES, type EngineRules, createEngine, engineRules } from '../consensus/create-engine.js';
import { lostRights } from '../consensus/ncca/account-view.js';
import { DEFAULT_NCCA_PARAMS } from '../consensus/ncca/params.js';
import { type Area, type Position, cellCount, cellOf } from '../geo/grid.js';
import type { NodeConfig } from './config.js';
import { ConfigError } from './config.js';
import type { Identity } from './identity.js';
import { openDataDir } from './data-dir.js';
import type { Logger } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { MisbehavingOutbox } from './misbehaving-outbox.js';
import { type P2pHost, createP2pHost } from './p2p-host.js';
import { PeerStanding } from './peer-standing.js';
import { PeerKeeper } from './peer-keeper.js';
import { ChainStore } from './store.js';
import { type ChainHome, type ChainOrigin, genesisAtStart, openChain } from './chain-opening.js';
import { serveSync } from './sync.js';
import { CatchUp, type CatchUpTarget } from './catch-up.js';
import { SyncLoop } from './sync-loop.js';
import { ReadyLoop, type ReadyHooks } from './ready-loop.js';
import { BlockPruner } from './block-pruner.js';
import { GossipIntake } from './gossip-intake.js';
import type { TxPool } from '../protocol/codec.js';
import { summarize } from './outbound-summary.js';
import { VERSION } from './version.js';
import { EventHub } from './events/event-hub.js';
import { StallWatch } from './stall-watch.js';
import { GossipOut } from './gossip-out.js';
import { OwnDuties } from './own-duties.js';
import { TxService, type TxStatusView } from './tx-service.js';
import { driveVehicle } from './mobility-driver.js';
import { TopicSubscriptions } from './topic-subscriptions.js';
import { NodeEvents, detectionCounts } from './events/node-events.js';
import { type TopicRef, stringifyTopic, topicsFor } from '../protocol/topics.js';

const CEREMONY_TICK_MS = 1000;
const SYNC_POLL_MS = 4000;
const STALL_LOOK_MS = 1000;

/**
 * The I/O shell around one engine: libp2p gossip and sync in, LevelDB and gossip out. Every input goes
 * through `feed` into the ReadyLoop, which writes before anything is published; this class wires the parts
 * together and says what each step means to the rest of the node (events, metrics, duties, topics).
 */
export class PosplusNode {
  /** Pushed events (heads, txs, detection) for the RPC port's streams. */
  readonly events = new EventHub();
  private readonly stall: StallWatch;
  private readonly loop: ReadyLoop;
  private readonly pruner: BlockPruner;
  private readonly eventSource = new NodeEvents(this.events);
  chain?: ChainState;
  genesis?: Genesis;
  private genesisGossip?: GenesisGossip;
  private entering: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly out: GossipOut;
  private readonly txs: TxService;
  private readonly subscriptions: TopicSubscriptions;
  private readonly sync: SyncLoop;
  private readonly intake: GossipIntake;
  private stopping = false;
  /** height/round/step after the last engine step, to log each change once. */
  private lastStep = '';
  private readonly duties: OwnDuties;
  /** Only with --behavior (test networks): rewrites what this node sends and filters what it takes in. */
  private misbehaving?: MisbehavingOutbox;

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly identity: Identity,
    readonly store: ChainStore,
    readonly host: P2pHost,
    readonly metrics: NodeMetrics,
    public position: Position,
    private readonly spec: GenesisSpec,
    private readonly keeper: PeerKeeper,
    private readonly standing: PeerStanding,
    private readonly onFatal: (err: Error) => void,
  ) {
    this.metrics.buildInfo.set({ version: VERSION, engine: config.engine, chain: config.chainId }, 1);
    this.stall = new StallWatch(config.healthStallMs);
    this.loop = new ReadyLoop(store, this.readyHooks());
    this.pruner = new BlockPruner(store, config.retainBlocks, log);
    this.metrics.watch({
      subscriptions: () => this.events.size,
      syncing: () => this.syncing,
      connections: () => host.getConnections(),
      headTimestamp: () => this.chain?.head.timestamp,
    });
    this.subscriptions = new TopicSubscriptions(host, (topic, peer, data) => this.intake.validate(topic, peer, data));
    this.out = new GossipOut({
      log,
      metrics,
      host,
      chainId: config.chainId,
      cell: () => this.cell,
      mempool: () => this.chain?.mempool,
      stopped: () => this.stopping,
    });
    this.txs = new TxService({
      key: identity.keyPair,
      chain: () => this.chain,
      committedAt: (id) => this.store.getTxLocation(id),
      feed: (tx) => this.feed({ type: 'txs', txs: [tx], now: Date.now(), local: true }),
    });
    this.duties = new OwnDuties({
      log,
      address: addressOf(identity.keyPair.publicKey),
      area: areaOf(spec),
      stake: config.stake,
      chain: () => this.chain,
      syncing: () => this.syncing,
      position: () => this.position,
      cell: () => this.cell,
      submitOwn: (body) => this.txs.submitOwn(body),
    });
    this.sync = new SyncLoop(new CatchUp(host, config.chainId, standing, log), () => this.syncTarget(), () => this.duties.locate());
    this.intake = new GossipIntake({
      log,
      metrics: this.metrics,
      selfKey: identity.keyPair.publicKey,
      genesisMessage: (data, now) => this.genesisGossip!.onMessage(data, now),
      txPool: () => this.txPool(),
      feed: (input) => this.feed(input),
      admits: (input) => this.misbehaving?.admits(input) !== false,
    });
  }

  static async start(config: NodeConfig, log: Logger, onFatal: (err: Error) => void): Promise<PosplusNode> {
    if (!AVAILABLE_ENGINES.includes(config.engine)) {
      throw new ConfigError(`ENGINE: "${config.engine}" is not available in this version; use one of ${AVAILABLE_ENGINES.join(', ')}`, 'ENGINE');
    }
    const { spec, identity, store, position } = await openDataDir(config, log);
    try {
      let chain: () => ChainState | undefined = () => undefined;
      const standing = new PeerStanding(() => chain());
      const metrics = new NodeMetrics();
      const host = await createP2pHost({
        privateKey: identity.privateKey,
        host: config.p2pHost,
        port: config.p2pPort,
        mdns: config.mdns,
        chainId: config.chainId,
        appScore: (peerId) => standing.score(peerId),
        registry: metrics.registry,
        traffic: metrics.traffic,
      });
      const keeper = new PeerKeeper(host, config.bootstrap, log);
      const node = new PosplusNode(config, log, identity, store, host, metrics, position, spec, keeper, standing, onFatal);
      chain = () => node.chain;
      await node.boot();
      return node;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  private get home(): ChainHome {
    const { store, spec, config } = this;
    return { store, spec, chainId: config.chainId, dataDir: config.dataDir, genesisPath: config.genesisPath, keyPair: this.identity.keyPair };
  }

  get chainId(): string {
    return this.config.chainId;
  }

  get area(): Area {
    return areaOf(this.spec);
  }

  get cell(): number {
    return cellOf(this.area, this.position);
  }

  private async boot(): Promise<void> {
    const me = addressOf(this.identity.keyPair.publicKey);
    this.misbehaving = MisbehavingOutbox.create(this.config.behaviors, me, this.log, () => this.chain, (out) => this.out.transmit(out));
    if (this.misbehaving) this.every(MisbehavingOutbox.TICK_MS, () => this.misbehaving?.tick());
    await serveSync(this.host, this.chainId, this.store, () => this.genesis?.hash);
    this.subscribe([{ kind: 'genesis' }]);
    this.keeper.start();
    this.host.addEventListener('peer:connect', () => this.metrics.peers.set(this.host.getPeers().length));
    this.host.addEventListener('peer:disconnect', () => this.metrics.peers.set(this.host.getPeers().length));
    const gossip = new GenesisGossip({
      chainId: this.chainId,
      spec: this.spec,
      key: this.identity.keyPair,
      // A pinned genesis takes no part in ceremonies: without a secret the genesis topic is ignored.
      secret: this.spec.members === undefined ? this.config.genesisSecret : undefined,
      log: this.log,
      rulesFor: (genesis) => this.rulesFor(genesis),
      publish: (m) => this.out.publish({ kind: 'genesis' }, GenesisMessage.encode(m), 'genesis'),
      // From the moment enterChain starts, so a ceremony tick during its writes does not enter a second time.
      current: () => (this.genesis ? { genesis: this.genesis, height: this.chain?.head.height ?? 0 } : undefined),
      block1: () => this.store.getCertificate(1),
      // One after the other: an adoption that arrives while the ceremony's genesis is being entered waits for it.
      enter: (genesis) => {
        this.entering = this.entering.then(() => this.enterChain(genesis, 'new')).catch((err: Error) => this.onFatal(err));
      },
    });
    this.genesisGossip = gossip;
    const start = await genesisAtStart(this.home);
    if (start !== undefined) {
      await this.enterChain(start.genesis, start.from);
    } else {
      gossip.startCeremony(this.config.genesisNodes, this.config.genesisQuietMs, this.position, Date.now());
      this.every(CEREMONY_TICK_MS, () => gossip.tick(Date.now()));
      gossip.tick(Date.now());
    }
    this.every(ANNOUNCE_EVERY_MS, () => gossip.reannounce(Date.now()));
    this.every(SYNC_POLL_MS, () => void this.syncOnce());
    this.every(STALL_LOOK_MS, () => this.stall.look(Date.now(), this.chain?.hasWork() === true));
    if (this.config.mobilitySpeed > 0) {
      const moving = driveVehicle(
        this.area,
        this.config.mobilitySpeed,
        this.position,
        (position) => (this.position = position),
        (from, to) => {
          this.log.info({ from, to, position: this.position }, 'moved to another cell');
          void this.store.putPosition(this.position);
          this.refreshTopics();
          this.duties.locate();
        },
      );
      this.timers.push(moving);
    }
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  // ------------------------------------------------------------------ the chain

  private async enterChain(genesis: Genesis, from: ChainOrigin): Promise<void> {
    this.genesis = genesis;
    const rules = this.rulesFor(genesis);
    const { chain, wal } = await openChain(this.home, genesis, rules, from);
    const head = chain.head;
    this.chain = chain;
    this.eventSource.follow(chain.ledger.entries());
    const engine = createEngine(chain, rules, DEFAULT_TIMEOUTS, wal);
    this.loop.run(engine);
    this.metrics.height.set(head.height);
    this.refreshTopics();
    this.log.info({ height: head.height, genesis: genesis.hashHex, members: genesis.members.length, role: engine.status().role }, 'chain ready');
    this.feed({ type: 'tick', now: Date.now() });
    void this.syncOnce();
  }

  private rulesFor(genesis: Genesis): EngineRules {
    return engineRules(this.config.engine, { ncca: DEFAULT_NCCA_PARAMS }, genesis);
  }

  private engineTopics(): TopicRef[] {
    return topicsFor(this.engine?.status().role ?? 'normal', this.cell, cellCount(this.area), addressOf(this.identity.keyPair.publicKey));
  }

  /** Moves the subscriptions to what engineTopics says: after a cell change, or a new role at an epoch. */
  private refreshTopics(): void {
    this.subscribe(this.genesis ? this.engineTopics() : [{ kind: 'genesis' }]);
  }

  private subscribe(refs: TopicRef[]): void {
    this.subscriptions.set(refs.map((ref) => stringifyTopic(this.chainId, ref)));
  }

  get topics(): string[] {
    return this.subscriptions.topics;
  }

  /** Steps the engine and queues its Ready (see ReadyLoop); returns it so callers can read the verdict and statuses. */
  feed(input: EngineInput): Ready | undefined {
    return this.loop.feed(input);
  }

  get engine(): Engine | undefined {
    return this.loop.engine;
  }

  /** What the node does around each engine step, in the loop's order: step, disk, network. */
  private readyHooks(): ReadyHooks {
    return {
      stepped: (input, ready) => {
        if (input.type === 'txs') this.intake.retryAwaited();
        this.eventSource.txStatuses(ready.txStatuses);
        this.eventSource.evidence(ready.evidence);
        this.txs.heard(ready.txStatuses);
        for (const s of ready.txStatuses) {
          if (s.status === 'rejected') {
            this.metrics.txRejected.inc({ code: s.code });
            this.duties.rejected(s.id);
          }
        }
        for (const e of ready.evidence) this.metrics.evidence.inc({ kind: e.kind });
        if (ready.behindUntil !== undefined) void this.syncOnce();
        if (ready.keyInUseElsewhere !== undefined && this.misbehaving === undefined) {
          this.onFatal(new Error(`${ready.keyInUseElsewhere}; stopping (two replicas must never share a data directory or node.key)`));
          return false;
        }
        return true;
      },
      firstBlock: async () => {
        if (this.genesis) await this.store.putGenesis(this.genesis, this.rulesFor(this.genesis).genesisState());
      },
      committed: (c) => {
        this.metrics.committed(c, (id) => this.txs.submittedAtOf(id), Date.now());
        this.txs.committed(c.txIds);
        this.pruner.committed(c.block.header?.height ?? 0);
        this.duties.committed(c.txIds);
        this.stall.committed();
        this.log.info({ height: c.block.header?.height, round: c.certificate.round, txs: c.txIds.length, hash: c.hash.slice(0, 16) }, 'committed');
        this.eventSource.committed(c);
      },
      settled: (ready) => {
        const chain = this.chain!;
        const marks = this.eventSource.settled(chain.ledger.entries(), ready.commits.at(-1)!.block.header?.height ?? 0);
        for (const [state, n] of Object.entries(detectionCounts(marks, chain.head.timestamp))) this.metrics.detection.set({ state }, n);
        this.duties.registerStake();
        this.duties.locate();
        this.refreshTopics();
      },
      send: (out) => this.send(out),
      applied: (engine) => {
        this.metrics.mempool.set(this.chain?.mempool.size ?? 0);
        this.metrics.mempoolBytes.set(this.chain?.mempool.bytes ?? 0);
        const { height, round, step } = engine.status();
        this.metrics.round.set(round);
        const at = `${height}/${round}/${step}`;
        if (at !== this.lastStep) this.log.debug({ height: height + 1, round, step }, 'consensus step');
        this.lastStep = at;
      },
      fatal: (err) => this.onFatal(err),
    };
  }

  private send(out: Outbound): void {
    if (out.kind !== 'txs' && this.log.isLevelEnabled('trace')) this.log.trace(`out: ${summarize(out)}`);
    if (this.misbehaving) this.misbehaving.send(out);
    else this.out.transmit(out);
  }

  private txPool(): TxPool {
    return { pooled: (hash) => this.chain?.mempool.bySignedHash(hash)?.tx, maxTxs: DEFAULT_CHAIN_PARAMS.maxBlockTxs };
  }

  // ------------------------------------------------------------------ sync

  /** Catches up from connected peers through the same engine input path. */
  syncOnce(): Promise<void> {
    return this.sync.once();
  }

  get syncing(): boolean {
    return this.sync.syncing;
  }

  private syncTarget(): CatchUpTarget | undefined {
    const genesis = this.genesis;
    const chain = this.chain;
    if (genesis === undefined || chain === undefined) return undefined;
    return {
      genesisHash: genesis.hash,
      head: () => chain.head.height,
      take: async (blocks) => {
        let progressed = false;
        for (const block of blocks) {
          const ready = this.feed({ type: 'certified', block, now: Date.now() });
          if (ready?.verdict === 'reject') return 'invalid';
          progressed ||= (ready?.commits.length ?? 0) > 0;
        }
        await this.loop.drained();
        return progressed ? 'progressed' : 'stuck';
      },
      rank: (peer) => (this.standing.isMember(peer) ? 0 : 1),
      stopping: () => this.stopping,
    };
  }

  // ------------------------------------------------------------------ operator actions

  submit(tx: Tx): Promise<TxStatus> {
    return this.txs.submit(tx);
  }

  submitOwn(body: (nonce: number) => TxBody): Promise<TxStatus> {
    return this.txs.submitOwn(body);
  }

  txStatus(id: Hex): Promise<TxStatusView | undefined> {
    return this.txs.status(id);
  }

  exchangesWith(peerId: string): number {
    return this.intake.exchangesWith(peerId);
  }

  /** Evidence waiting for a block (the chain's own pool: it drops what can no longer be judged). */
  evidence(): EvidenceSummary[] {
    return this.chain?.evidence.summaries() ?? [];
  }

  // ------------------------------------------------------------------ lifecycle

  /** What /health says: undefined when the node is fine, else why not. */
  unhealthy(now: number): string | undefined {
    if (this.chain === undefined) return 'no chain yet: the start-up ceremony is in progress';
    if (this.syncing) return 'syncing: a peer has shown a head beyond ours';
    if (this.host.getPeers().length === 0 && (this.genesis?.members.length ?? 0) > 1) return 'no peers';
    const lost = lostRights(this.chain.ledger.get(addressOf(this.identity.keyPair.publicKey)), this.chain.head.timestamp);
    if (lost) return `${lost} by the chain's detection: peers ignore this node's gossip`;
    const stalled = this.stall.stalledFor(now);
    if (stalled !== undefined) return `stalled: work has been pending for ${Math.round(stalled / 1000)} s without a committed block`;
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    const drained = this.loop.stop();
    this.out.stop();
    this.intake.stop();
    this.keeper.stop();
    await drained;
    await this.host.stop();
    await this.store.close();
  }
}
