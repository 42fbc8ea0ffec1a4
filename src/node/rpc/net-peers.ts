import type { ConnectionTraffic } from '../connection-traffic.js';
import type { HostView } from './node-api.js';

export interface PeerView {
  peerId: string;
  address: string;
  direction: 'inbound' | 'outbound';
  /** What the peer's identify said it runs; undefined before identify finished. */
  agent?: string;
  /** Round trip of the connection monitor's last ping, ms. */
  latencyMs?: number;
  /** Our gossip topics the peer subscribes to too. */
  topics: string[];
  /** Its gossipsub score here (below the graylist threshold its messages are ignored). */
  score: number;
  /** Stream bytes this connection carried each way (before Yamux and Noise framing). */
  bytesIn: number;
  bytesOut: number;
}

/** `net_peers`: each open connection with what this node knows of its peer. */
export async function netPeers(host: HostView, traffic: Pick<ConnectionTraffic, 'of'>): Promise<PeerView[]> {
  const pubsub = host.services.pubsub;
  const ours = pubsub.getTopics();
  const subscribers = new Map(ours.map((t) => [t, new Set(pubsub.getSubscribers(t).map(String))]));
  return Promise.all(
    host.getConnections().map(async (c) => {
      const peerId = c.remotePeer.toString();
      const agent = await host.peerStore
        .get(c.remotePeer)
        .then((p) => p.metadata.get('AgentVersion'))
        .catch(() => undefined);
      return {
        peerId,
        address: c.remoteAddr.toString(),
        direction: c.direction,
        agent: agent && new TextDecoder().decode(agent),
        latencyMs: c.rtt,
        topics: ours.filter((t) => subscribers.get(t)!.has(peerId)).sort(),
        score: pubsub.score.score(peerId),
        bytesIn: traffic.of(c).in,
        bytesOut: traffic.of(c).out,
      };
    }),
  );
}
