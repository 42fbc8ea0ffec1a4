import { type Address, addressOf } from '../core/address.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { Hex } from '../core/bytes.js';
import type { ChainState, TxStatus } from '../core/chain-state.js';
import type { EvidenceSummary } from '../core/evidence.js';
import type { KeyPair } from '../core/keys.js';
import type { Commit, Engine, Ready } from '../consensus/engine.js';
import type { Misbehavior, MisbehaviorContext } from '../consensus/misbehavior/misbehavior.js';
import type { ReplicaNetwork } from './replica-network.js';

/**
 * What a behaviour sees in the simulator: `peers` are the replicas this one could send to now (all others; cuts
 * are applied afterwards), `now` is virtual time, and an inbound message also names the replica it came `from`.
 */
export interface BehaviourContext extends MisbehaviorContext {
  readonly net: ReplicaNetwork;
  readonly replica: Replica;
  readonly from?: number;
}

/**
 * Scripted (mis)behaviour of one replica: rewrite what it sends, filter what it receives (see
 * src/consensus/misbehavior/, where the behaviours of `--behavior` live). An envelope's delayMs holds the
 * message before it leaves; `tick` runs at the replica's engine ticks and sync polls.
 */
export type Behaviour = Misbehavior<BehaviourContext>;

export class Replica {
  engine!: Engine;
  up = true;
  /** Bumped by crash and restart, so timers of an earlier life never fire into a later one. */
  epoch = 0;
  /** The last Ready that carried a WAL record. */
  private walFrom: Ready | undefined;

  /**
   * The last Ready.wal this replica produced: what a real node would have on disk. Read only on a restart, so a
   * BftEngine record (encoded when first read, see setWal) is never encoded for nothing.
   */
  get wal(): Uint8Array | undefined {
    return this.walFrom?.wal;
  }

  /** An engine sets `wal` only when it has a record; a Ready without one keeps the earlier, as a node's disk would. */
  keepWal(ready: Ready): void {
    if ('wal' in ready) this.walFrom = ready;
  }

  /** height → block hash (hex), every commit this replica made. */
  readonly commits = new Map<number, Hex>();
  /** height → virtual time of the commit. */
  readonly commitTimes = new Map<number, number>();
  /** height → the commit itself (block and certificate), what this replica serves to syncing peers. */
  readonly log = new Map<number, Commit>();
  readonly evidence: EvidenceSummary[] = [];
  readonly txStatuses: TxStatus[] = [];
  /** Everything this replica's engine signed: `vote/TYPE/h/r` or `proposal/h/r` → block hash hex. */
  readonly signed = new Map<string, Hex>();
  behaviour: Behaviour | undefined;
  /** The next nonce the harness uses when it makes a transaction from this replica's account. */
  nextNonce = 0;
  received = 0;
  /** Message ids (as ReplicaNetwork numbers them) already handed to the engine, forgotten oldest first like gossipsub's seen-cache. */
  readonly seen: BoundedMap<number, true>;
  ticks = new Set<number>();
  syncing = false;
  wantHeight = 0;

  constructor(
    readonly index: number,
    readonly key: KeyPair,
    readonly chain: ChainState,
    seenLimit: number,
  ) {
    this.seen = new BoundedMap(seenLimit);
  }

  get address(): Address {
    return addressOf(this.key.publicKey);
  }

  get height(): number {
    return this.chain.head.height;
  }
}

