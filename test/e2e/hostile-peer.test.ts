/**
 * A hostile peer on the LAN against real nodes: a libp2p host of the test's own, which the nodes dial at start
 * (it is in their bootstrap list), gossips as an attacker would. Two honest nodes hold a ceremony for three; the
 * attacker offers itself (and Sybil keys) as the third member without the deployment's secret, then sends junk
 * on the consensus topics. The genesis must be the honest two alone, every attack message must be rejected, and
 * the chain must go on committing.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { TopicValidatorResult } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { addressOf } from '../../src/core/address.js';
import { randomBytes } from 'node:crypto';
import { GenesisCeremony, announceGenesis } from '../../src/core/ceremony.js';
import { makeGenesis } from '../../src/core/genesis.js';
import { signingDomain } from '../../src/core/signing.js';
import { GenesisSecret } from '../../src/core/genesis-secret.js';
import { keyPairFromSeed } from '../../src/core/keys.js';
import { signVote } from '../../src/core/votes.js';
import { ConsensusEnvelope, GenesisMessage, Vote } from '../../src/core/wire/posplus.js';
import { readKeyFile } from '../../src/node/identity.js';
import { type P2pHost, joinTopic } from '../../src/node/p2p-host.js';
import { SPEC } from '../unit/core/fixtures.js';
import * as lp from 'it-length-prefixed';
import { pipe } from 'it-pipe';
import { fromHex } from '../../src/core/bytes.js';
import { SyncRequest, SyncResponse } from '../../src/core/wire/posplus.js';
import { syncProtocol } from '../../src/protocol/topics.js';
import { judged, peerOf } from './support/hostile-host.js';
import { LocalCluster, waitFor } from './support/local-cluster.js';
import { testHost } from '../support/test-host.js';

const CHAIN = 'posplus-hostile';
const topic = (name: string) => `/posplus/${CHAIN}/${name}`;

describe('e2e: a hostile peer on the LAN', function () {
  this.timeout(120_000);
  let attacker: P2pHost;
  let cluster: LocalCluster | undefined;
  let sending: NodeJS.Timeout | undefined;

  before(async () => {
    attacker = await testHost(CHAIN);
    for (const name of ['genesis', 'approval', 'evidence']) joinTopic(attacker.services.pubsub, topic(name), () => TopicValidatorResult.Accept);
    const sybils = [1, 2, 3].map((i) => keyPairFromSeed(new Uint8Array(32).fill(i)));
    const wrongSecret = GenesisSecret.parse('ab'.repeat(16));
    // Candidacies without the secret, and with a secret of the attacker's own, every 300 ms from the start.
    sending = setInterval(() => {
      for (const [i, k] of sybils.entries()) {
        const c = new GenesisCeremony({ chainId: CHAIN, spec: SPEC, expected: 3, quietMs: 1000, secret: i === 0 ? undefined : wrongSecret }, k, Date.now());
        void attacker.services.pubsub.publish(topic('genesis'), GenesisMessage.encode({ candidacy: c.candidacy(Date.now()) })).catch(() => undefined);
      }
    }, 300);
    cluster = await LocalCluster.start(2, { CHAIN_ID: CHAIN, GENESIS_NODES: '3', GENESIS_QUIET_MS: '5000', BOOTSTRAP: attacker.getMultiaddrs()[0]!.toString() });
  });

  after(async () => {
    clearInterval(sending);
    await cluster?.stop();
    await attacker?.stop();
  });

  it('Sybil candidacies without the secret are rejected and the genesis holds the honest nodes alone', async () => {
    const status = await cluster!.nodes[0]!.rpc.call<{ genesis: { members: string[] }; peerId: string }>('node_status');
    assert.equal(status.genesis.members.length, 2, `members: ${status.genesis.members}`);
    const attackerAddress = addressOf(attacker.peerId.publicKey!.raw);
    assert.ok(!status.genesis.members.includes(attackerAddress));
    for (const node of cluster!.nodes) assert.ok((await judged(node.url, 'genesis', 'reject')) > 0, 'the candidacies reached the node and were rejected');
  });

  it('junk votes in a validator\'s name and undecodable evidence are rejected, the validator is not suspected, and the chain goes on', async () => {
    const c = cluster!;
    // A second attacker: the first one's rejected candidacies have graylisted it, so its messages no longer reach validation.
    const second = await testHost(CHAIN);
    try {
      for (const name of ['approval', 'evidence']) joinTopic(second.services.pubsub, topic(name), () => TopicValidatorResult.Accept);
      const listen = await c.nodes[0]!.rpc.call<{ listen: string[] }>('node_status');
      await second.dial(multiaddr(listen.listen[0]!));
      await waitFor('node 0 in the attacker\'s approval topic', async () => second.services.pubsub.getSubscribers(topic('approval')).length > 0);
      const victim = (await readKeyFile(join(c.nodes[0]!.dataDir, 'node.key'))).keyPair.publicKey;
      const junkKey = keyPairFromSeed(new Uint8Array(32).fill(9));
      const rejectsBefore = await judged(c.nodes[0]!.url, 'approval', 'reject');
      const before = (await c.nodes[0]!.head()).height;
      // One at a time, each for the height then in progress: a vote for a height that was committed meanwhile is
      // ignored before its signature is looked at, and is sent again for the next.
      let sent = 0;
      for (let i = 0; i < 5; i++) {
        await waitFor(`forged vote ${i + 1} rejected`, async () => {
          const height = (await c.nodes[0]!.head()).height + 1;
          const forged = { ...signVote(CHAIN, junkKey, { type: Vote.Type.PREVOTE, height, round: 0, blockHash: new Uint8Array(32).fill(sent++) }), voter: victim };
          await second.services.pubsub.publish(topic('approval'), ConsensusEnvelope.encode({ vote: forged, resend: 0, votes: [] }));
          await new Promise((r) => setTimeout(r, 300));
          return (await judged(c.nodes[0]!.url, 'approval', 'reject')) >= rejectsBefore + i + 1;
        }, 10_000, 0);
      }
      for (let i = 0; i < 5; i++) await second.services.pubsub.publish(topic('evidence'), new Uint8Array([0xff, 0xff, 0xff, i]));
      await waitFor('the junk evidence rejected', async () => (await judged(c.nodes[0]!.url, 'evidence', 'reject')) >= 5, 10_000);
      await c.nodes[1]!.rpc.call('tx_send', { to: '0x00000000000000000000000000000000000000aa', amount: 1 });
      await c.waitForHeight(before + 1, 30_000);
      const d = await c.nodes[1]!.rpc.call<Record<'suspects' | 'confirmed' | 'suspensions' | 'evictions', unknown[]>>('detection_status');
      const accused = JSON.stringify([d.suspects, d.confirmed, d.suspensions, d.evictions]);
      assert.ok(!accused.includes(addressOf(victim)), `the framed validator is accused: ${accused}`);
    } finally {
      await second.stop();
    }
  });

  it('a sync peer that lies about its head and serves a forged block is not asked again; the nodes stay healthy and commit', async () => {
    const c = cluster!;
    const status = await c.nodes[0]!.rpc.call<{ genesis: { hash: string } }>('node_status');
    let served = 0;
    // A peer of its own: the first attacker did not serve sync, so the nodes have left it out of sync for a while.
    const liar = await testHost(CHAIN);
    // Every request gets a head a billion heights ahead and one made-up block for the height asked.
    await liar.handle(syncProtocol(CHAIN), async ({ stream }) => {
      await pipe(
        stream.source,
        (source) => lp.decode(source),
        async function* (source) {
          for await (const frame of source) {
            const { fromHeight } = SyncRequest.decode(frame.subarray());
            served++;
            const zero = new Uint8Array(32);
            const header = { height: fromHeight, round: 0, prevHash: zero, timestamp: Date.now(), proposer: zero, txRoot: zero, evidenceRoot: zero, stateRoot: zero, lastCommitHash: zero, ballotsRoot: zero };
            const block = { header, txs: [], evidence: [], ballots: [], calls: [], signature: new Uint8Array(64) };
            yield SyncResponse.encode({ blocks: [{ block, certificate: { height: fromHeight, round: 0, blockHash: zero, sigs: [] } }], headHeight: 1e9, genesisHash: fromHex(status.genesis.hash) });
            return;
          }
        },
        (source) => lp.encode(source),
        stream.sink,
      );
    });
    for (const node of c.nodes) await liar.dial(multiaddr((await node.rpc.call<{ listen: string[] }>('node_status')).listen[0]!));
    await waitFor('the nodes to ask the liar', async () => served >= 2, 20_000);
    // Each node that caught it serving a forged block asks it nothing more (a sync pass runs every 4 s).
    const caught = served;
    await new Promise((r) => setTimeout(r, 9_000));
    assert.equal(served, caught, 'the liar was asked again after serving a forged block');
    const before = (await c.nodes[0]!.head()).height;
    await c.nodes[1]!.rpc.call('tx_send', { to: '0x00000000000000000000000000000000000000aa', amount: 1 });
    await c.waitForHeight(before + 1, 30_000);
    await waitFor('node 0 healthy', async () => (await fetch(`${c.nodes[0]!.url}/health`)).status === 200, 15_000);
    await liar.stop();
  });

  it('a rogue announcing its own certified chain of the same chain id, far ahead, is rejected; a newcomer joins the honest chain', async () => {
    const c = cluster!;
    const honest = await c.nodes[0]!.rpc.call<{ genesis: { hash: string }; listen: string[] }>('node_status');
    // The rogue's own chain: two members of its own, block 1 certified by both, a claimed height of a million.
    const members = [keyPairFromSeed(randomBytes(32)), keyPairFromSeed(randomBytes(32))];
    const rogueGenesis = makeGenesis(CHAIN, SPEC, members.map((k) => k.publicKey));
    const blockHash = new Uint8Array(32).fill(7);
    const sigs = members.map((k) => signVote(signingDomain(CHAIN, rogueGenesis.hash), k, { type: Vote.Type.PRECOMMIT, height: 1, round: 0, blockHash }));
    const block1 = { height: 1, round: 0, blockHash, sigs: sigs.map((v) => ({ voter: v.voter, signature: v.signature })) };
    const rogue = await peerOf(CHAIN, honest.listen[0]!, [topic('genesis')]);
    const rejectsBefore = await judged(c.nodes[0]!.url, 'genesis', 'reject');
    const announcing = setInterval(() => {
      for (const secret of [undefined, GenesisSecret.parse('cd'.repeat(16))]) {
        const announce = announceGenesis(CHAIN, secret, members[0]!, rogueGenesis, 1_000_000, block1, Date.now());
        void rogue.services.pubsub.publish(topic('genesis'), GenesisMessage.encode({ announce })).catch(() => undefined);
      }
    }, 300);
    try {
      // The newcomer hears the rogue first: it is its bootstrap peer, and the honest nodes come through KNOWN_NODES.
      const late = await c.addNode({ BOOTSTRAP: rogue.getMultiaddrs()[0]!.toString() });
      const joined = await waitFor('the newcomer on a chain', async () => (await late.rpc.call<{ genesis?: { hash: string } }>('node_status')).genesis, 60_000);
      assert.equal(joined.hash, honest.genesis.hash, 'the newcomer took the rogue genesis');
      await waitFor('the newcomer to hear the rogue and reject it', async () => (await judged(late.url, 'genesis', 'reject')) > 0, 10_000);
      assert.ok((await judged(c.nodes[0]!.url, 'genesis', 'reject')) > rejectsBefore, 'the rogue announcements reached node 0 and were rejected');
      const before = (await c.nodes[0]!.head()).height;
      await c.nodes[1]!.rpc.call('tx_send', { to: '0x00000000000000000000000000000000000000aa', amount: 1 });
      await c.waitForHeight(before + 1, 30_000);
      assert.equal((await late.rpc.call<{ genesis: { hash: string } }>('node_status')).genesis.hash, honest.genesis.hash);
    } finally {
      clearInterval(announcing);
      await rogue.stop();
    }
  });
});
