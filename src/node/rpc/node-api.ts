import type { ChainState, TxStatus } from '../../core/chain-state.js';
import type { EvidenceSummary } from '../../core/evidence.js';
import type { Genesis } from '../../core/genesis.js';
import type { KeyPair } from '../../core/keys.js';
import type { StateReader } from '../../core/ledger.js';
import type { TxBody } from '../../core/tx.js';
import type { Tx } from '../../core/wire/posplus.js';
import type { Engine } from '../../consensus/engine.js';
import type { Area, Position } from '../../geo/grid.js';
import type { NodeConfig } from '../config.js';
import type { EventHub } from '../events/event-hub.js';
import type { NodeMetrics } from '../metrics.js';
import type { P2pHost } from '../p2p-host.js';
import type { ChainStore } from '../store.js';
import type { TxStatusView } from '../tx-service.js';

/** What the RPC reads of the network side: who this node is, its addresses and its peers. */
export type HostView = Pick<P2pHost, 'peerId' | 'getPeers' | 'getMultiaddrs' | 'getConnections' | 'peerStore'> & {
  services: { pubsub: Pick<P2pHost['services']['pubsub'], 'getTopics' | 'getSubscribers' | 'score'> };
};

/** What the RPC reads of the replica's state: the head, accounts, and the next free nonce of a sender. */
export type ChainView = Pick<ChainState, 'genesis' | 'head' | 'lastCertificate' | 'account'> & {
  readonly ledger: StateReader;
  readonly mempool: Pick<ChainState['mempool'], 'nextFreeNonce'>;
};

/** What the RPC reads from disk: committed blocks, transactions and evidence, never a write. */
export type StoreView = Pick<ChainStore, 'getHead' | 'getBlock' | 'getCertificate' | 'heightOfHash' | 'getTx' | 'listEvidence' | 'lowestHeld'>;

/**
 * The node as the JSON-RPC methods see it: reads, the two ways to submit a transaction, and the event hub. The
 * methods cannot reach the node's writes (its store's commits, its engine's inputs, its host's dialling, its
 * mempool).
 */
export interface NodeApi {
  readonly config: Pick<NodeConfig, 'engine' | 'behaviors'>;
  readonly identity: { keyPair: Pick<KeyPair, 'publicKey'> };
  readonly chainId: string;
  readonly area: Area;
  readonly cell: number;
  readonly position: Position;
  readonly topics: string[];
  readonly syncing: boolean;
  readonly genesis?: Genesis;
  readonly chain?: ChainView;
  readonly engine?: Pick<Engine, 'status' | 'validators'>;
  readonly host: HostView;
  readonly store: StoreView;
  readonly events: EventHub;
  readonly metrics: Pick<NodeMetrics, 'registry' | 'traffic'>;
  submit(tx: Tx): Promise<TxStatus>;
  submitOwn(body: (nonce: number) => TxBody): Promise<TxStatus>;
  txStatus(id: string): Promise<TxStatusView | undefined>;
  exchangesWith(peerId: string): number;
  evidence(): EvidenceSummary[];
  unhealthy(now: number): string | undefined;
}
