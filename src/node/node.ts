import { randomInt } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addressOf } from '../core/address.js';
import { type Hex, bytesEqual, fromHex, toHex } from '../core/bytes.js';
import { type TxStatus, ChainState, DEFAULT_CHAIN_PARAMS } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import { type Genesis, type GenesisSpec, areaOf, makeGenesis, parseGenesisSpec } from '../core/genesis.js';
import { headerOf } from '../core/block.js';
import type { LedgerState } from '../core/ledger.js';
import { GenesisMessage, type Tx } from '../core/wire/posplus.js';
import { ANNOUNCE_EVERY_MS, GenesisGossip } from './genesis-gossip.js';
import { signingDomain } from '../core/signing.js';
import type { TxBody } from '../core/tx.js';
import { DEFAULT_TIMEOUTS } from '../consensus/bft/bft-rules.js';
import type { Engine, EngineInput, Outbound, Ready } from '../consensus/engine.js';
import { AVAILABLE_ENGINES, type EngineRules, createEngine, engineRules } from '../consensus/create-engine.js';
import { DEFAULT_NCCA_PARAMS } from '../consensus/ncca/params.js';
import { type Area, type Position, cellCount, cellOf, positionFrom } from '../geo/grid.js';
import type { NodeConfig } from './config.js';
import { ConfigError } from './config.js';
import { type Identity, loadOrCreateKey } from './identity.js';
import type { Logger } from './logger.js';
import { NodeMetrics } from './metrics.js';
import { MisbehavingOutbox } from './misbehaving-outbox.js';
import { type P2pHost, createP2pHost } from './p2p-host.js';
import { PeerStanding } from './peer-standing.js';
import { PeerKeeper } from './peer-keeper.js';
import { failPointFromEnv } from './fail-point.js';
import { ChainStore, type StoredGenesis } from './store.js';
import { serveSync } from './sync.js';
import { CatchUp } from './catch-up.js';
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
 * through `feed`, which steps the pure engine and queues its Ready; the queue persists the WAL and commits
 * before publishing anything, so a crash never leaves a published vote that the disk forgot.
 */
export class PosplusNode {
  /** Pushed events (heads, txs, detection) for the RPC port's streams. */
  readonly events = new EventHub();
  private readonly stall: StallWatch;
  /** The timestamp of the last block committed since start, for the block interval. */
  private lastBlockTime?: number;
  private readonly eventSource = new NodeEvents(this.events);
  engine?: Engine;
  chain?: ChainState;
  genesis?: Genesis;
  /** True while a peer has shown a head beyond ours and we are fetching it (what node_status and /health say). */
  syncing = false;
  private syncRunning = false;
  private genesisGossip?: GenesisGossip;
  private entering: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private wakeTimer?: NodeJS.Timeout;
  private outbox: Promise<void> = Promise.resolve();
  private readonly out: GossipOut;
  private readonly txs: TxService;
  private readonly subscriptions: TopicSubscriptions;
  private syncWanted = false;
  private readonly catchUp: CatchUp;
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
    this.catchUp = new CatchUp(host, config.chainId, standing, log);
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
    const spec = await readGenesisSpec(config.genesisPath);
    await mkdir(config.dataDir, { recursive: true });
    const { identity, created } = await loadOrCreateKey(join(config.dataDir, 'node.key'));
    if (created) log.info({ path: join(config.dataDir, 'node.key') }, 'created a new node key');
    const store = await ChainStore.open(join(config.dataDir, 'chain'), failPointFromEnv());
    try {
      const area = areaOf(spec);
      if (config.position && (config.position.x > area.width || config.position.y > area.height)) {
        throw new ConfigError(`POSITION: ${config.position.x},${config.position.y} is outside the chain's ${area.width}x${area.height} m map (genesis.json)`, 'POSITION');
      }
      const position = config.position ?? (await store.getPosition()) ?? randomPosition(area);
      await store.putPosition(position);
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
    const stored = await this.store.getGenesis();
    const pinned = this.spec.members?.map(fromHex);
    const chosen = stored === undefined && pinned === undefined ? await this.store.getChosenGenesis() : undefined;
    if (stored !== undefined) {
      await this.enterChain(this.storedGenesis(stored), 'store');
    } else if (pinned !== undefined) {
      // The genesis file names the members: no ceremony, and no announcement can move this node elsewhere.
      await this.enterChain(makeGenesis(this.chainId, this.spec, pinned), 'chosen');
    } else if (chosen !== undefined) {
      await this.enterChain(this.storedGenesis(chosen), 'chosen');
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

  /** The stored genesis, rebuilt from our chain id and genesis file, which must still make the same one. */
  private storedGenesis(stored: StoredGenesis): Genesis {
    const genesis = makeGenesis(this.chainId, this.spec, stored.members, stored.places);
    if (!bytesEqual(genesis.hash, stored.hash)) {
      throw new ConfigError(
        `CHAIN_ID/GENESIS: the data directory ${this.config.dataDir} holds the chain of genesis ${toHex(stored.hash)}, and CHAIN_ID "${this.chainId}" with ${this.config.genesisPath} make another; start with the settings it was made with, or another DATA_DIR`,
        'GENESIS',
      );
    }
    return genesis;
  }

  /** The accounts on disk must be exactly the state the head block certifies: a damaged store must not run. */
  private async checkStoredState(ledger: LedgerState, height: number): Promise<void> {
    const block = await this.store.getBlock(height);
    const expected = block && headerOf(block).stateRoot;
    if (expected === undefined || !bytesEqual(ledger.root(), expected)) {
      throw new Error(`the accounts in ${this.config.dataDir} do not match the state root of its head block ${height}: the store is damaged; move it aside and let the node sync again`);
    }
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  // ------------------------------------------------------------------ the chain

  /**
   * `from`: 'store', a chain with blocks on disk; 'chosen', the genesis this node entered before a restart at
   * height 0 (its WAL may hold height-1 votes); 'new', a genesis the ceremony just closed on or an announcement
   * brought, recorded before the engine can sign anything for it.
   */
  private async enterChain(genesis: Genesis, from: 'store' | 'chosen' | 'new'): Promise<void> {
    this.genesis = genesis;
    const fromStore = from === 'store';
    if (from === 'new') await this.store.putChosenGenesis(genesis);
    const rules = this.rulesFor(genesis);
    const ledger = fromStore ? await this.store.loadLedger() : rules.genesisState();
    const head = (fromStore ? await this.store.getHead() : undefined) ?? { height: 0, hash: genesis.hash, timestamp: genesis.spec.timestamp };
    const chain = new ChainState({ chainId: signingDomain(this.chainId, genesis.hash), ...DEFAULT_CHAIN_PARAMS }, genesis, this.identity.keyPair, ledger, head, rules.block);
    const wal = from === 'new' ? undefined : await this.store.getWal();
    if (fromStore && head.height > 0) {
      await this.checkStoredState(ledger, head.height);
      chain.lastCertificate = await this.store.getCertificate(head.height);
      chain.headRecord = await this.store.getHeadRecord();
      chain.evidence.remember(await this.store.committedEvidenceIds());
    }
    this.chain = chain;
    this.eventSource.follow(ledger.entries());
    this.engine = createEngine(chain, rules, DEFAULT_TIMEOUTS, wal);
    this.metrics.height.set(head.height);
    this.refreshTopics();
    this.log.info({ height: head.height, genesis: genesis.hashHex, members: genesis.members.length, role: this.engine.status().role }, 'chain ready');
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

  /** Steps the engine and queues its Ready; returns it so callers can read the verdict and statuses. */
  feed(input: EngineInput): Ready | undefined {
    if (this.engine === undefined || this.stopping) return undefined;
    const engine = this.engine;
    const ready = engine.step(input);
    this.scheduleWake(ready.wakeAt);
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
      return ready;
    }
    this.outbox = this.outbox.then(() => this.apply(ready, engine)).catch((err: Error) => this.onFatal(err));
    return ready;
  }

  private async apply(ready: Ready, engine: Engine): Promise<void> {
    if (engine !== this.engine) return; // a genesis adoption replaced the engine that produced this
    // The WAL after this step belongs to the height after the last commit: it goes to disk with that commit.
    if (ready.wal && ready.commits.length === 0) await this.store.putWal(ready.wal);
    for (const [i, c] of ready.commits.entries()) {
      if (c.block.header?.height === 1 && this.genesis) {
        await this.store.putGenesis(this.genesis, this.rulesFor(this.genesis).genesisState());
      }
      await this.store.commit(c, i === ready.commits.length - 1 ? ready.wal : undefined);
      const now = Date.now();
      for (const id of c.txIds) {
        const at = this.txs.submittedAtOf(id);
        if (at !== undefined) this.metrics.commitLatency.observe((now - at) / 1000);
      }
      this.duties.committed(c.txIds);
      this.metrics.txCommitted.inc(c.txIds.length);
      this.metrics.blockTxs.observe(c.txIds.length);
      this.metrics.rounds.inc(c.certificate.round + 1);
      this.metrics.roundTimeouts.inc(c.certificate.round);
      this.metrics.height.set(c.block.header?.height ?? 0);
      const time = c.block.header?.timestamp ?? 0;
      if (this.lastBlockTime !== undefined) this.metrics.blockInterval.observe((time - this.lastBlockTime) / 1000);
      this.lastBlockTime = time;
      this.stall.committed();
      this.log.info({ height: c.block.header?.height, round: c.certificate.round, txs: c.txIds.length, hash: c.hash.slice(0, 16) }, 'committed');
      this.eventSource.committed(c);
    }
    if (ready.commits.length) {
      const chain = this.chain!;
      const marks = this.eventSource.settled(chain.ledger.entries(), ready.commits.at(-1)!.block.header?.height ?? 0);
      for (const [state, n] of Object.entries(detectionCounts(marks, chain.head.timestamp))) this.metrics.detection.set({ state }, n);
      this.duties.registerStake();
      this.duties.locate();
      this.refreshTopics();
    }
    for (const out of ready.publish) this.send(out);
    this.metrics.mempool.set(this.chain?.mempool.size ?? 0);
    this.metrics.mempoolBytes.set(this.chain?.mempool.bytes ?? 0);
    const { height, round, step } = engine.status();
    this.metrics.round.set(round);
    const at = `${height}/${round}/${step}`;
    if (at !== this.lastStep) this.log.debug({ height: height + 1, round, step }, 'consensus step');
    this.lastStep = at;
  }

  private send(out: Outbound): void {
    if (out.kind !== 'txs' && this.log.isLevelEnabled('trace')) this.log.trace(`out: ${summarize(out)}`);
    if (this.misbehaving) this.misbehaving.send(out);
    else this.out.transmit(out);
  }

  private txPool(): TxPool {
    return { pooled: (hash) => this.chain?.mempool.bySignedHash(hash)?.tx, maxTxs: DEFAULT_CHAIN_PARAMS.maxBlockTxs };
  }

  private scheduleWake(at: number | undefined): void {
    clearTimeout(this.wakeTimer);
    if (at === undefined || this.stopping) return;
    this.wakeTimer = setTimeout(() => this.feed({ type: 'tick', now: Date.now() }), Math.max(0, at - Date.now()));
  }

  // ------------------------------------------------------------------ sync

  /** Catches up from connected peers through the same engine input path; one pass at a time. */
  async syncOnce(): Promise<void> {
    const genesis = this.genesis;
    if (genesis === undefined || this.chain === undefined) return;
    if (this.syncRunning) {
      this.syncWanted = true;
      return;
    }
    this.syncRunning = true;
    try {
      await this.catchUp.pass({
        genesisHash: genesis.hash,
        head: () => this.chain!.head.height,
        take: async (blocks) => {
          // Asking is routine; being behind is what counts as syncing.
          this.syncing = true;
          let progressed = false;
          for (const block of blocks) {
            const ready = this.feed({ type: 'certified', block, now: Date.now() });
            if (ready?.verdict === 'reject') return 'invalid';
            progressed ||= (ready?.commits.length ?? 0) > 0;
          }
          await this.outbox;
          return progressed ? 'progressed' : 'stuck';
        },
        rank: (peer) => (this.standing.isMember(peer) ? 0 : 1),
        stopping: () => this.stopping,
      });
    } finally {
      this.syncRunning = false;
      this.syncing = false;
      this.duties.locate();
      if (this.syncWanted && !this.stopping) {
        this.syncWanted = false;
        setTimeout(() => void this.syncOnce(), 200);
      }
    }
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
    const stalled = this.stall.stalledFor(now);
    if (stalled !== undefined) return `stalled: work has been pending for ${Math.round(stalled / 1000)} s without a committed block`;
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.wakeTimer);
    this.out.stop();
    this.intake.stop();
    this.keeper.stop();
    await this.outbox;
    await this.host.stop();
    await this.store.close();
  }
}

async function readGenesisSpec(path: string): Promise<GenesisSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`GENESIS: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'GENESIS');
  }
  try {
    return parseGenesisSpec(JSON.parse(text));
  } catch (err) {
    throw new ConfigError(`GENESIS: ${path}: ${(err as Error).message}`, 'GENESIS');
  }
}

function randomPosition(area: Area): Position {
  const scale = 1_000_000;
  return positionFrom(area, randomInt(scale) / scale, randomInt(scale) / scale);
}
