/**
 * Gossipsub on two real libp2p hosts: a Reject verdict costs the peer that sent the message, so a peer that
 * keeps sending junk is graylisted (its messages are then dropped before validation), while honest traffic
 * leaves its sender's score alone.
 */
import { strict as assert } from 'node:assert';
import { TopicValidatorResult } from '@libp2p/interface';
import { GRAYLIST_THRESHOLD, type P2pHost, joinTopic } from '../../../src/node/p2p-host.js';
import { maxMessageBytes } from '../../../src/protocol/topics.js';
import { waitFor } from '../../e2e/support/local-cluster.js';
import { testHost } from '../../support/test-host.js';

const CHAIN = 'posplus-score-test';
const TOPIC = `/posplus/${CHAIN}/evidence`;

const host = (): Promise<P2pHost> => testHost(CHAIN);

describe('gossipsub topic scores: a rejected message costs its sender', function () {
  this.timeout(30_000);
  let node: P2pHost;
  let honest: P2pHost;
  let attacker: P2pHost;
  let validated = 0;

  before(async () => {
    [node, honest, attacker] = await Promise.all([host(), host(), host()]);
    // The node rejects what starts with 0xff and accepts the rest.
    joinTopic(node.services.pubsub, TOPIC, (_peer, msg) => {
      validated++;
      return msg.data[0] === 0xff ? TopicValidatorResult.Reject : TopicValidatorResult.Accept;
    });
    for (const h of [honest, attacker]) {
      joinTopic(h.services.pubsub, TOPIC, () => TopicValidatorResult.Accept);
      await h.dial(node.getMultiaddrs()[0]!);
    }
    await waitFor('both peers in the node’s topic', async () => node.services.pubsub.getSubscribers(TOPIC).length === 2);
  });

  after(async () => {
    await Promise.all([node, honest, attacker].map((h) => h.stop()));
  });

  it('junk drives its sender below the graylist threshold; honest messages do not', async () => {
    const pubsub = node.services.pubsub;
    for (let i = 0; i < 12; i++) {
      await attacker.services.pubsub.publish(TOPIC, new Uint8Array([0xff, i]));
      await honest.services.pubsub.publish(TOPIC, new Uint8Array([0x01, i]));
    }
    await waitFor('the attacker graylisted', async () => pubsub.getScore(attacker.peerId.toString()) < GRAYLIST_THRESHOLD, 10_000);
    assert.ok(pubsub.getScore(honest.peerId.toString()) >= 0, `honest score ${pubsub.getScore(honest.peerId.toString())}`);
    const before = validated;
    await attacker.services.pubsub.publish(TOPIC, new Uint8Array([0xff, 99]));
    await honest.services.pubsub.publish(TOPIC, new Uint8Array([0x01, 99]));
    await waitFor('the honest message validated', async () => validated > before);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(validated, before + 1, 'a graylisted peer’s message is not even validated');
  });

  it('each topic has a size limit below the transport’s: small topics far below', () => {
    assert.ok(maxMessageBytes({ kind: 'evidence' }) <= 1024 * 1024);
    assert.ok(maxMessageBytes({ kind: 'tx', cell: 0 }) < maxMessageBytes({ kind: 'proposal' }));
  });
});

describe('gossipsub IP colocation: peers of this machine', function () {
  this.timeout(30_000);
  const hosts: P2pHost[] = [];

  after(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
  });

  it('fifteen peers over loopback (a devnet of one machine) are not priced as one host\'s Sybils', async () => {
    hosts.push(...(await Promise.all(Array.from({ length: 16 }, () => host()))));
    const [node, ...peers] = hosts;
    joinTopic(node!.services.pubsub, TOPIC, () => TopicValidatorResult.Accept);
    for (const p of peers) {
      joinTopic(p.services.pubsub, TOPIC, () => TopicValidatorResult.Accept);
      await p.dial(node!.getMultiaddrs()[0]!);
      // libp2p takes at most five inbound connections per second from one address.
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitFor('every peer connected', async () => node!.getPeers().length === peers.length);
    // Over the colocation threshold a peer's subscriptions are not even heard: every one must be.
    await waitFor('every peer in the node’s topic', async () => node!.services.pubsub.getSubscribers(TOPIC).length === peers.length, 5_000).catch(() => undefined);
    for (const p of peers) assert.ok(node!.services.pubsub.getScore(p.peerId.toString()) >= 0, `score ${node!.services.pubsub.getScore(p.peerId.toString())}`);
  });
});
