import { TopicValidatorResult } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { type P2pHost, joinTopic } from '../../../src/node/p2p-host.js';
import { testHost } from '../../support/test-host.js';
import { waitFor } from './local-cluster.js';

/** The value of the first line of a node's /metrics that starts with `name` and holds every one of `labels`. */
async function metric(url: string, name: string, labels: readonly string[]): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && labels.every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** The count of gossip messages a node judged `verdict` on `kind` topics. */
export async function judged(url: string, kind: string, verdict: string): Promise<number> {
  return (await metric(url, 'posplus_messages_received_total{', [`topic="${kind}"`, `verdict="${verdict}"`])) ?? 0;
}

/** A gauge without labels, e.g. `posplus_mempool_size`. */
export async function gauge(url: string, name: string): Promise<number | undefined> {
  return metric(url, `${name} `, []);
}

/** Messages a node turned away on `kind` topics: rejected or ignored. */
export async function turnedAway(url: string, kind: string): Promise<number> {
  return (await judged(url, kind, 'reject')) + (await judged(url, kind, 'ignore'));
}

/**
 * A peer of the test's own, joined to `topics` (it takes whatever it hears) and connected to the node at `listen`
 * once the node shows up in each of them. A peer whose junk was rejected is graylisted, so each attack takes a
 * fresh one.
 */
export async function peerOf(chainId: string, listen: string, topics: readonly string[]): Promise<P2pHost> {
  const host = await testHost(chainId);
  for (const topic of topics) joinTopic(host.services.pubsub, topic, () => TopicValidatorResult.Accept);
  // libp2p takes at most five inbound connections per second from one address, and every test peer is on 127.0.0.1.
  await waitFor('a connection to the node', async () => (await host.dial(multiaddr(listen))) !== undefined, 10_000, 300);
  await waitFor('the node in the peer\'s topics', async () => topics.every((t) => host.services.pubsub.getSubscribers(t).length > 0));
  return host;
}
