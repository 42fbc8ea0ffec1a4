import { addressBytesOf } from '../core/address.js';
import { headerOf } from '../core/block.js';
import { BoundedMap } from '../core/bounded-map.js';
import { type Hex, toHex } from '../core/bytes.js';
import type { Behavior } from '../core/behavior.js';
import { ChainState, type ChainParams, DEFAULT_CHAIN_PARAMS, executionCache } from '../core/chain-state.js';
import { type Genesis, type GenesisSpec, makeGenesis } from '../core/genesis.js';
import { keyPairFromSeed } from '../core/keys.js';
import { locateBody, signTx, transferBody } from '../core/tx.js';
import type { CertifiedBlock, Tx } from '../core/wire/posplus.js';
import { type BftTimeouts, DEFAULT_TIMEOUTS } from '../consensus/bft/bft-rules.js';
import type { Commit, Engine, EngineInput, Outbound, Ready } from '../consensus/engine.js';
import { misbehaviorOf } from '../consensus/misbehavior/compose.js';
import type { Envelope } from '../consensus/misbehavior/misbehavior.js';
import { type EngineRules, createEngine } from '../consensus/create-engine.js';
import { inputOf } from '../protocol/codec.js';
import { EventQueue } from './event-queue.js';
import { type EngineFactory, type ReplicaNetworkOptions, engineFactory } from './replica-network-options.js';
import { Links } from './links.js';
import { Replica, type Behaviour, type BehaviourContext } from './replica.js';
import { SafetyMonitor, disagreementsOf } from './safety-monitor.js';
import type { NetworkCollector } from './traffic-collector.js';
import { wireFacts } from './wire-facts.js';
import { Prng, type PrngSeed } from '../core/prng.js';

/**
 * A deterministic in-memory network of engine replicas, in the manner of etcd raft's test `network`: every
 * replica is a real engine over its own ChainState, messages travel with a modelled delay, and links can drop,
 * be cut, partitioned, isolated and healed. Time is virtual and every random choice comes from one seeded
 * Prng, so the same seed always gives the same run, event for event.
 */

export type { Envelope, EngineFactory, ReplicaNetworkOptions };
export { engineFactory };

type Event =
  | { kind: 'deliver'; from: number; to: number; msg: Outbound; id: number }
  | { kind: 'input'; to: number; epoch: number; make: (now: number) => EngineInput }
  | { kind: 'tick'; to: number; epoch: number }
  | { kind: 'sync-request'; from: number; to: number; epoch: number; fromHeight: number }
  | { kind: 'sync-response'; to: number; epoch: number; blocks: CertifiedBlock[] }
  | { kind: 'poll'; to: number }
  | { kind: 'call'; fn: () => void };

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicates: number;
  syncBlocks: number;
  /** Events the simulator processed: deliveries, inputs, timers, polls, sync and scripted calls. */
  events: number;
}

/** A message for one node's inbox: nobody else subscribes to relay it. */
const addressed = (msg: Outbound): boolean => (msg.kind === 'vote' || msg.kind === 'ballot' || msg.kind === 'bundle') && msg.to !== undefined;

/** Events that are traffic or pending input (not timers, polls or scripted calls): what `settled` waits for. */
const counts = (e: Event): boolean => e.kind !== 'tick' && e.kind !== 'call' && e.kind !== 'poll';

export class ReplicaNetwork {
  readonly replicas: Replica[];
  readonly genesis: Genesis;
  readonly chainId: string;
  readonly timeouts: BftTimeouts;
  private readonly safety = new SafetyMonitor();
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicates: 0, syncBlocks: 0, events: 0 };

  private clock: number;
  /** Messages, inputs and sync traffic scheduled but not yet processed. */
  private inFlight = 0;
  private readonly queue = new EventQueue<Event>();
  private readonly rng: Prng;
  private readonly baseDelayMs: number;
  private readonly jitterMs: number;
  private readonly relay: boolean;
  private readonly syncBatch: number;
  private readonly syncPollMs: number;
  private readonly keepTxStatuses: boolean;
  private readonly collectors: readonly NetworkCollector[];
  private readonly floodTopics: boolean;
  /** Message id → the subscribers a behaviour left out, until a recipient accepts it and relays it to them. */
  private readonly flooding = new BoundedMap<number, number[]>(10_000);
  private readonly makeEngine: EngineFactory;
  private readonly route: ReplicaNetworkOptions['route'];
  private readonly delayModel: ReplicaNetworkOptions['delayMs'];
  private readonly links: Links;
  /**
   * messageId → a number, in order of first sending. The replicas' seen-caches hold these instead of the
   * 64-character ids: one cache lookup per delivery was a tenth of a 250-node run while its keys were strings.
   */
  private readonly idNumbers = new Map<string, number>();
  /** Public key (hex) → replica index, for messages addressed to one node. */
  private readonly indexOf: Map<Hex, number>;

  constructor(options: ReplicaNetworkOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1) throw new RangeError('a network needs at least one replica');
    const root = Prng.from(options.seed);
    this.rng = root.fork('network');
    const keyStream = root.fork('keys');
    this.chainId = options.chainId ?? 'posplus-sim';
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.baseDelayMs = options.baseDelayMs ?? 10;
    this.jitterMs = options.jitterMs ?? 40;
    this.links = new Links(options.size, options.dropRate ?? 0);
    this.relay = options.relay ?? false;
    this.syncBatch = options.syncBatch ?? 64;
    this.syncPollMs = options.syncPollMs ?? 4_000;
    this.keepTxStatuses = options.keepTxStatuses ?? true;
    this.collectors = options.collectors ?? [];
    this.floodTopics = options.floodTopics ?? false;
    this.makeEngine = options.engine ?? engineFactory('pos');
    this.route = options.route;
    this.delayModel = options.delayMs;
    const genesisTimestamp = options.genesisTimestamp ?? 1_700_000_000_000;
    const spec: GenesisSpec = {
      timestamp: genesisTimestamp,
      member: options.member ?? { balance: 1_000_000, stake: 1_000, capacity: 100 },
      accounts: [],
      ...(options.area ? { area: options.area } : {}),
    };
    const keys = Array.from({ length: options.size }, () => keyPairFromSeed(keyStream.bytes(32)));
    const places = new Map((options.positions ?? []).map((p, i) => [toHex(keys[i]!.publicKey), p] as const));
    this.genesis = makeGenesis(this.chainId, spec, keys.map((k) => k.publicKey), places);
    const params: ChainParams = { ...DEFAULT_CHAIN_PARAMS, ...options.params, chainId: this.chainId };
    const shared = options.shareExecution ? executionCache(1024) : undefined;
    this.replicas = keys.map((key, index) => {
      const head = { height: 0, hash: this.genesis.hash, timestamp: spec.timestamp };
      const rules = this.makeEngine.rules(this.genesis);
      const chain = new ChainState(params, this.genesis, key, rules.genesisState(), head, rules.block, shared);
      const replica = new Replica(index, key, chain, options.seenLimit ?? 20_000);
      replica.engine = this.startEngine(chain, rules);
      return replica;
    });
    this.indexOf = new Map(this.replicas.map((r) => [toHex(r.key.publicKey), r.index]));
    this.clock = genesisTimestamp + 1_000;
    if (this.syncPollMs > 0) {
      for (const r of this.replicas) this.queue.push(this.clock + 1 + this.rng.int(this.syncPollMs), { kind: 'poll', to: r.index });
    }
  }

  /** Safety problems seen so far (disagreeing commits, equivocation by a replica's own engine, …). */
  get violations(): readonly string[] {
    return this.safety.violations;
  }

  // ------------------------------------------------------------------ time

  get now(): number {
    return this.clock;
  }

  /** Runs every event up to now + ms, then sets the clock there. */
  run(ms: number): void {
    this.runUntil(() => false, ms);
  }

  /** Runs events until `done()` holds (checked before each event) or ms of virtual time pass; returns done(). */
  runUntil(done: () => boolean, ms: number): boolean {
    const end = this.clock + ms;
    for (;;) {
      if (done()) return true;
      const next = this.queue.peek();
      if (next === undefined || next.time > end) {
        this.clock = end;
        return done();
      }
      this.queue.pop();
      this.clock = Math.max(this.clock, next.time);
      if (counts(next.item)) this.inFlight--;
      this.stats.events++;
      this.process(next.item);
    }
  }

  /** Runs until no message is in flight and every live replica is idle at one height. */
  settle(maxMs: number): boolean {
    return this.runUntil(() => this.settled(), maxMs);
  }

  settled(): boolean {
    if (this.inFlight > 0) return false;
    const live = this.replicas.filter((r) => r.up);
    return live.every((r) => r.height === live[0]!.height && r.engine.status().step === 'idle');
  }

  /** Calls fn at now + delayMs of virtual time (after the events already scheduled for that moment). */
  schedule(delayMs: number, fn: () => void): void {
    this.queue.push(this.clock + delayMs, { kind: 'call', fn });
  }

  // ------------------------------------------------------------------ topology (see Links)

  setDropRate(rate: number): void {
    this.links.dropRate = rate;
  }

  drop(from: number, to: number, rate: number): void {
    this.links.drop(from, to, rate);
  }

  slow(from: number, to: number, extraMs: number): void {
    this.links.slow(from, to, extraMs);
  }

  cut(a: number, b: number): void {
    this.links.cut(a, b);
  }

  isolate(index: number): void {
    this.links.isolate(index);
  }

  partition(...groups: readonly (readonly number[])[]): void {
    this.links.partition(...groups);
  }

  heal(): void {
    this.links.heal();
  }

  canTalk(a: number, b: number): boolean {
    return this.links.canTalk(a, b);
  }

  setBehaviour(index: number, behaviour: Behaviour | undefined): void {
    this.replicas[index]!.behaviour = behaviour;
  }

  /** Gives a replica the behaviours of a `--behavior` list (misbehaviorOf), drawing from `seed`; [] makes it honest. */
  setBehaviors(index: number, behaviors: readonly Behavior[], seed: PrngSeed): void {
    this.setBehaviour(index, misbehaviorOf(behaviors, Prng.from(seed)));
  }

  // ------------------------------------------------------------------ replicas

  replica(index: number): Replica {
    const r = this.replicas[index];
    if (r === undefined) throw new RangeError(`no replica ${index}`);
    return r;
  }

  /** Hands transactions to a replica as if a client had submitted them there (local: true). */
  submit(index: number, txs: Tx[]): void {
    const r = this.replica(index);
    this.enqueue(this.clock, { kind: 'input', to: index, epoch: r.epoch, make: (now) => ({ type: 'txs', txs, now, local: true }) });
  }

  /** A signed transfer between two replicas' accounts, using (and advancing) the sender's next nonce. */
  transfer(from: number, to: number, amount: number, bpm?: number): Tx {
    const sender = this.replica(from);
    const body = transferBody(addressBytesOf(this.replica(to).key.publicKey), amount, sender.nextNonce++, bpm);
    return signTx(this.chainId, sender.key, body);
  }

  /** A signed LOCATE (position in metres on the genesis map) from a replica's account, using and advancing its next nonce. */
  locate(index: number, x: number, y: number): Tx {
    const sender = this.replica(index);
    return signTx(this.chainId, sender.key, locateBody(x, y, sender.nextNonce++));
  }

  /** Stops a replica: it receives nothing and its timers die with it. Its ChainState and last WAL survive. */
  crash(index: number): void {
    const r = this.replica(index);
    r.up = false;
    r.epoch++;
    r.ticks.clear();
    r.syncing = false;
  }

  private startEngine(chain: ChainState, rules: EngineRules, wal?: Uint8Array): Engine {
    return (this.makeEngine.engine ?? createEngine)(chain, rules, this.timeouts, wal);
  }

  /**
   * Recreates a crashed replica's engine from its ChainState and (unless wal: false) its last WAL. `pool: false`
   * empties its mempool, as a real node's restart does (the pending transactions live only in memory).
   */
  restart(index: number, options: { wal?: boolean; pool?: boolean } = {}): void {
    const r = this.replica(index);
    if (r.up) throw new Error(`replica ${index} is running`);
    if (options.pool === false) for (const id of r.chain.mempool.ids(Infinity)) r.chain.mempool.remove(id);
    // A crash loses what the engine held in memory: fresh rules (the chain's block rules are pure, so they stay).
    r.engine = this.startEngine(r.chain, this.makeEngine.rules(this.genesis), options.wal === false ? undefined : r.wal);
    r.up = true;
    r.epoch++;
    r.seen.clear(); // a restarted node has forgotten which messages it saw
    r.wantHeight = 0;
    this.step(r, { type: 'tick', now: this.clock });
  }

  /** Heights of every replica's head. */
  heights(): number[] {
    return this.replicas.map((r) => r.height);
  }

  /** Problems across all commit logs: any height where two replicas hold different hashes. */
  disagreements(): string[] {
    return disagreementsOf(this.replicas);
  }

  // ------------------------------------------------------------------ the machinery

  private process(e: Event): void {
    switch (e.kind) {
      case 'call':
        return e.fn();
      case 'poll': {
        const r = this.replicas[e.to]!;
        if (r.up) {
          this.requestSync(r);
          this.behaviourTick(r);
        }
        this.queue.push(this.clock + this.syncPollMs, e);
        return;
      }
      case 'tick': {
        const r = this.replicas[e.to]!;
        r.ticks.delete(this.clock);
        if (r.up && r.epoch === e.epoch) {
          this.step(r, { type: 'tick', now: this.clock });
          this.behaviourTick(r);
        }
        return;
      }
      case 'input': {
        const r = this.replicas[e.to]!;
        if (r.up && r.epoch === e.epoch) this.step(r, e.make(this.clock));
        return;
      }
      case 'deliver':
        return this.deliver(e.from, e.to, e.msg, e.id);
      case 'sync-request':
        return this.answerSync(e.from, e.to, e.epoch, e.fromHeight);
      case 'sync-response': {
        const r = this.replicas[e.to]!;
        if (!r.up || r.epoch !== e.epoch) return;
        for (const block of e.blocks) {
          if (!r.up || r.epoch !== e.epoch) break;
          this.stats.syncBlocks++;
          this.step(r, { type: 'certified', block, now: this.clock });
        }
        r.syncing = false;
        if (r.wantHeight > r.height) this.requestSync(r);
        return;
      }
    }
  }

  private deliver(from: number, to: number, msg: Outbound, id: number): void {
    const r = this.replicas[to]!;
    if (!r.up || !this.canTalk(from, to)) {
      this.stats.dropped++;
      return;
    }
    if (r.seen.has(id)) {
      this.stats.duplicates++;
      return;
    }
    r.seen.set(id, true);
    const input = inputOf(msg, this.clock);
    if (r.behaviour?.inbound && !r.behaviour.inbound(input, { ...this.context(r), from })) return this.misbehaved(r);
    this.stats.delivered++;
    r.received++;
    const ready = this.step(r, input);
    if (ready.verdict !== 'accept') return;
    // Gossip forwards to the topic's other subscribers; a message for one node has none.
    if (this.relay && !(msg.kind === 'vote' && msg.to !== undefined)) {
      for (const peer of this.replicas) if (peer.index !== from && peer.index !== to) this.transmit(to, peer.index, msg, id);
    }
    const rest = this.flooding.get(id);
    if (rest !== undefined) {
      this.flooding.delete(id);
      for (const peer of rest) if (peer !== to) this.transmit(to, peer, msg, id);
    }
  }

  private step(r: Replica, input: EngineInput): Ready {
    const ready = r.engine.step(input);
    this.handle(r, ready);
    return ready;
  }

  private handle(r: Replica, ready: Ready): void {
    r.keepWal(ready);
    for (const c of ready.commits) this.recordCommit(r, c);
    if (this.keepTxStatuses) r.txStatuses.push(...ready.txStatuses);
    r.evidence.push(...ready.evidence);
    for (const msg of ready.publish) this.send(r, msg);
    if (ready.behindUntil !== undefined) {
      r.wantHeight = Math.max(r.wantHeight, ready.behindUntil);
      this.requestSync(r);
    }
    if (ready.wakeAt !== undefined) this.scheduleTick(r, ready.wakeAt);
  }

  private recordCommit(r: Replica, c: Commit): void {
    const hash = this.safety.commit(r, c);
    const height = headerOf(c.block).height;
    r.commits.set(height, hash);
    r.commitTimes.set(height, this.clock);
    r.log.set(height, c);
  }

  private context(r: Replica): BehaviourContext {
    const peers = this.replicas.filter((p) => p.index !== r.index).map((p) => p.index);
    return { net: this, replica: r, chain: r.chain, peers, now: this.clock };
  }

  private send(r: Replica, msg: Outbound): void {
    this.safety.signed(r, msg);
    if (r.behaviour?.outbound === undefined) return this.dispatch(r, [{ to: this.recipients(r, msg), msg }]);
    const ctx = this.context(r);
    const envelopes = r.behaviour.outbound(msg, ctx);
    const [first] = envelopes;
    // Anything but the message as it was, at once, to every peer (asIs) is the behaviour acting.
    if (envelopes.length !== 1 || first!.msg !== msg || first!.to !== ctx.peers || (first!.delayMs ?? 0) > 0) this.misbehaved(r);
    this.dispatch(r, envelopes);
  }

  private misbehaved(r: Replica): void {
    for (const c of this.collectors) c.misbehaved?.(r.index, this.clock);
  }

  /** The experiment's topic plan, or else every other replica; a message for one node goes to it alone. */
  private recipients(r: Replica, msg: Outbound): readonly number[] {
    if (this.route !== undefined) return this.route(r, msg);
    const to = msg.kind === 'vote' ? msg.to : undefined;
    if (to === undefined) return this.replicas.filter((p) => p.index !== r.index).map((p) => p.index);
    const index = this.indexOf.get(toHex(to));
    return index === undefined || index === r.index ? [] : [index];
  }

  /** What a replica's behaviour makes up on its own, now and then (a double spend, say). */
  private behaviourTick(r: Replica): void {
    if (r.behaviour?.tick === undefined) return;
    const made = r.behaviour.tick(this.context(r));
    if (made.length > 0) this.misbehaved(r);
    this.dispatch(r, made);
  }

  private dispatch(r: Replica, envelopes: readonly Envelope[]): void {
    for (const { to, msg, delayMs } of envelopes) {
      const id = this.numberOf(wireFacts(msg).id);
      r.seen.set(id, true); // a node never takes its own message back from the network
      // A behaviour picks among all peers; the topic still decides who can receive what it sends.
      const reach = r.behaviour !== undefined ? new Set(this.recipients(r, msg)) : undefined;
      for (const peer of to) if (reach === undefined || reach.has(peer)) this.transmit(r.index, peer, msg, id, delayMs ?? 0);
      if (reach !== undefined && this.floodTopics && !addressed(msg)) this.leftOut(r, reach, to, id);
    }
  }

  /** Notes the subscribers an envelope left out, if it reached any subscriber at all (else nobody can relay it). */
  private leftOut(r: Replica, reach: ReadonlySet<number>, to: readonly number[], id: number): void {
    const sent = new Set(to);
    if (![...sent].some((p) => reach.has(p))) return;
    const missing = [...reach].filter((p) => p !== r.index && !sent.has(p));
    if (missing.length > 0) this.flooding.set(id, missing);
  }

  private numberOf(id: string): number {
    let n = this.idNumbers.get(id);
    if (n === undefined) this.idNumbers.set(id, (n = this.idNumbers.size));
    return n;
  }

  private delay(from: number, to: number): number {
    const model = this.delayModel?.(from, to, this.rng) ?? this.baseDelayMs + this.rng.int(this.jitterMs + 1);
    return model + this.links.extraDelay(from, to);
  }

  /** `heldMs`: the sender holds the message this long before it leaves (an envelope's delayMs). */
  private transmit(from: number, to: number, msg: Outbound, id: number, heldMs = 0): void {
    this.stats.sent++;
    for (const c of this.collectors) c.gossip?.(from, to, msg);
    if (!this.canTalk(from, to) || this.links.lost(from, to, this.rng)) {
      this.stats.dropped++;
      return;
    }
    this.enqueue(this.clock + heldMs + this.delay(from, to), { kind: 'deliver', from, to, msg, id });
  }

  private enqueue(time: number, e: Event): void {
    if (counts(e)) this.inFlight++;
    this.queue.push(time, e);
  }

  private scheduleTick(r: Replica, at: number): void {
    const time = Math.max(at, this.clock);
    if (r.ticks.has(time)) return;
    r.ticks.add(time);
    this.queue.push(time, { kind: 'tick', to: r.index, epoch: r.epoch });
  }

  /**
   * What the node's sync protocol does: ask the reachable peer with the highest head for the certified blocks
   * after ours, and feed them to the engine in order. One request at a time per replica.
   */
  private requestSync(r: Replica): void {
    if (r.syncing || !r.up) return;
    let best: Replica | undefined;
    for (const p of this.replicas) {
      if (!p.up || !this.canTalk(r.index, p.index) || p.height <= r.height) continue;
      if (best === undefined || p.height > best.height) best = p;
    }
    if (best === undefined) return;
    r.syncing = true;
    for (const c of this.collectors) c.syncRequest?.(r.index, best.index, r.height + 1, this.syncBatch);
    this.enqueue(this.clock + this.delay(r.index, best.index), {
      kind: 'sync-request',
      from: r.index,
      to: best.index,
      epoch: r.epoch,
      fromHeight: r.height + 1,
    });
  }

  private answerSync(from: number, to: number, epoch: number, fromHeight: number): void {
    const asker = this.replicas[from]!;
    const server = this.replicas[to]!;
    const blocks: CertifiedBlock[] = [];
    if (server.up && this.canTalk(from, to)) {
      for (let h = fromHeight; h < fromHeight + this.syncBatch; h++) {
        const c = server.log.get(h);
        if (c === undefined) break;
        blocks.push({ block: c.block, certificate: c.certificate });
      }
    }
    for (const c of this.collectors) c.syncBlocks?.(to, from, blocks);
    // An empty answer (peer down, cut, or nothing new) still ends the request, as a timeout would.
    this.enqueue(this.clock + this.delay(to, from), { kind: 'sync-response', to: asker.index, epoch, blocks });
  }
}
