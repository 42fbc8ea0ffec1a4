import { gossipsub, type GossipSub } from '@chainsafe/libp2p-gossipsub';
import type { TopicScoreParams } from '@chainsafe/libp2p-gossipsub/score';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { Libp2p, PrivateKey, TopicValidatorFn } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { ping } from '@libp2p/ping';
import { prometheusMetrics } from '@libp2p/prometheus-metrics';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import type { Registry } from 'prom-client';
import { sha256 } from '../core/hash.js';
import type { ConnectionTraffic } from './connection-traffic.js';
import { sendWindowUpdatesAtHalf } from './yamux-window.js';
import { TopicLabels, gossipsubMetricsRegister } from './gossipsub-metrics.js';

export interface P2pOptions {
  privateKey: PrivateKey;
  host: string;
  port: number;
  mdns: boolean;
  chainId: string;
  /** gossipsub application score of a peer; below the graylist threshold its messages are ignored. */
  appScore: (peerId: string) => number;
  /** Where libp2p's and gossipsub's metrics go (the node's /metrics). */
  registry: Registry;
  /** Counts each connection's stream bytes, for net_peers. */
  traffic: ConnectionTraffic;
}

export type P2pHost = Libp2p<{ pubsub: GossipSub; identify: unknown; ping: unknown }>;

/** Gossipsub drops every RPC from a peer scored below this. */
export const GRAYLIST_THRESHOLD = -80;

/**
 * Every topic scores invalid messages only (P4): each Reject a peer delivers costs it the square of its decaying
 * count, so nine quick rejects graylist it, and it recovers in about a minute once it stops. The delivery and
 * mesh-time terms stay off: on a quiet LAN topic an honest peer delivers little, and must not pay for it.
 */
export const TOPIC_SCORE_PARAMS: TopicScoreParams = {
  topicWeight: 1,
  timeInMeshWeight: 0,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 1,
  firstMessageDeliveriesWeight: 0,
  firstMessageDeliveriesDecay: 0.5,
  firstMessageDeliveriesCap: 1,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 1000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -1,
  invalidMessageDeliveriesDecay: 0.9,
};

/** Subscribes to `topic` with its validator and its score parameters. */
export function joinTopic(pubsub: GossipSub, topic: string, validator: TopicValidatorFn): void {
  pubsub.score.params.topics[topic] = TOPIC_SCORE_PARAMS;
  pubsub.topicValidators.set(topic, validator);
  pubsub.subscribe(topic);
}

export function leaveTopic(pubsub: GossipSub, topic: string): void {
  pubsub.unsubscribe(topic);
  pubsub.topicValidators.delete(topic);
  delete pubsub.score.params.topics[topic];
}

/**
 * The libp2p composition: TCP + Noise + Yamux, identify, ping, gossipsub, mDNS. Bootstrap addresses are
 * dialled by the PeerKeeper instead of @libp2p/bootstrap, because the seed's host:port form carries no
 * peer id and libp2p's bootstrap module requires one.
 */
export async function createP2pHost(o: P2pOptions): Promise<P2pHost> {
  sendWindowUpdatesAtHalf();
  const listen = o.host.includes(':') ? `/ip6/${o.host}/tcp/${o.port}` : `/ip4/${o.host}/tcp/${o.port}`;
  const peerDiscovery = o.mdns ? [mdns({ interval: 2000, serviceTag: `posplus-${o.chainId}.local` })] : [];
  return (await createLibp2p({
    privateKey: o.privateKey,
    addresses: { listen: [listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: { maxConnections: 200 },
    // libp2p_* series: connections, streams and bytes by protocol. The node's own registry already has the process ones.
    metrics: o.traffic.counting(prometheusMetrics({ registry: o.registry, collectDefaultMetrics: false, preserveExistingMetrics: true })),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        // Every payload carries our own ed25519 signature, so gossipsub's per-hop signing would only
        // double the cost; messages are identified by content hash instead, as Ethereum's clients do.
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => sha256(msg.data),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        metricsRegister: gossipsubMetricsRegister(o.registry),
        metricsTopicStrToLabel: new TopicLabels(),
        // Colocation prices many peer ids behind one remote address as one host's Sybils; over loopback every peer
        // is a process of this machine (a devnet, the bench), and more than ten of them would graylist each other.
        scoreParams: { appSpecificScore: o.appScore, appSpecificWeight: 1, IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
        scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: GRAYLIST_THRESHOLD },
        maxOutboundBufferSize: 32 * 1024 * 1024,
        // A smaller mesh than gossipsub's 6 (4–12): a publisher already floods its own messages to every peer, so
        // on a LAN each extra mesh link mostly delivers duplicates, and each copy costs decryption and decoding.
        // 9 bench nodes: 379 → 427 tx/s (mean of 2–3 runs each); a mesh of 3 still survives two lost links.
        D: 3,
        Dlo: 2,
        Dhi: 4,
        Dlazy: 3,
        Dout: 1,
      }),
    },
  })) as unknown as P2pHost;
}
