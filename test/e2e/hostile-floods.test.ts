/**
 * Floods and junk from hostile peers against a real 2-node chain. Each attack comes from a fresh libp2p peer of the
 * test's own. Every attack message must be turned away (rejected or ignored, which gossipsub never relays), leave
 * nothing behind in the node, and the chain must go on committing.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { addressBytesOf, addressOf } from '../../src/core/address.js';
import { signCall, signCallBallot } from '../../src/core/ballots.js';
import { makeDoubleSpendAlert } from '../../src/core/evidence.js';
import { keyPairFromSeed } from '../../src/core/keys.js';
import { signTx, transferBody, txId } from '../../src/core/tx.js';
import { BallotBundle, ConsensusEnvelope, Evidence, TxSetBallot } from '../../src/core/wire/posplus.js';
import { MAX_BUNDLE_BALLOTS, MAX_TX_BATCH, encodeTxBatch } from '../../src/protocol/codec.js';
import { compactProposal } from '../../src/protocol/compact-proposal.js';
import { type P2pHost } from '../../src/node/p2p-host.js';
import { SYNC_DEADLINE_MS } from '../../src/node/sync.js';
import { parseTopic, syncProtocol } from '../../src/protocol/topics.js';
import { testHost } from '../support/test-host.js';
import { gauge, peerOf, turnedAway } from './support/hostile-host.js';
import { LocalCluster, waitFor } from './support/local-cluster.js';

const CHAIN = 'posplus-floods';
const topic = (name: string) => `/posplus/${CHAIN}/${name}`;
/** A key nobody registered: a new one for every use. */
const fresh = () => keyPairFromSeed(randomBytes(32));
const sinkKey = fresh();
const SINK = addressBytesOf(sinkKey.publicKey);

describe('e2e: floods and junk from hostile peers', function () {
  this.timeout(240_000);
  let cluster: LocalCluster;
  let listen: string;
  let cell: number;
  const peers: P2pHost[] = [];

  before(async () => {
    cluster = await LocalCluster.start(2, { CHAIN_ID: CHAIN });
    const status = await cluster.nodes[0]!.rpc.call<{ listen: string[]; topics: string[]; cell: number }>('node_status');
    listen = status.listen[0]!;
    cell = status.cell;
  });

  after(async () => {
    await Promise.all(peers.map((p) => p?.stop()));
    await cluster?.stop();
  });

  /** Publishes `messages` on `name` from a fresh peer and waits until node 0 turned away as many more on `kind`. */
  async function attack(name: string, kind: string, messages: readonly Uint8Array[]): Promise<void> {
    const url = cluster.nodes[0]!.url;
    const before = await turnedAway(url, kind);
    const peer = await peerOf(CHAIN, listen, [topic(name)]);
    peers.push(peer);
    for (const m of messages) await peer.services.pubsub.publish(topic(name), m);
    await waitFor(`${messages.length} ${name} messages turned away`, async () => (await turnedAway(url, kind)) >= before + messages.length, 15_000);
  }

  /** The honest chain goes on, and once its own transactions are in, node 0 holds none of the attack's. */
  async function stillCommits(): Promise<void> {
    const before = (await cluster.nodes[0]!.head()).height;
    await cluster.nodes[1]!.rpc.call('tx_send', { to: addressOf(sinkKey.publicKey), amount: 1 });
    await cluster.waitForHeight(before + 1, 30_000);
    await waitFor('node 0\'s mempool empty', async () => (await gauge(cluster.nodes[0]!.url, 'posplus_mempool_size')) === 0, 15_000);
  }

  it(`a batch over 512 KiB, and one of ${MAX_TX_BATCH + 1} transactions, are rejected unread`, async () => {
    const tx = signTx(CHAIN, fresh(), transferBody(SINK, 1, 0));
    await attack(`cell/${cell}/tx`, 'tx', [randomBytes(600 * 1024), encodeTxBatch(Array(MAX_TX_BATCH + 1).fill(tx), 2)]);
    await stillCommits();
  });

  it('future-nonce transactions from unfunded keys are turned away and never pooled', async () => {
    const txs = Array.from({ length: 40 }, () => signTx(CHAIN, fresh(), transferBody(SINK, 1, 5)));
    const batches = Array.from({ length: 4 }, (_, b) => encodeTxBatch(txs.slice(b * 10, b * 10 + 10), 10 + b));
    await attack(`cell/${cell}/tx`, 'tx', batches);
    for (const tx of txs) {
      const s = await cluster.nodes[0]!.rpc.call<{ status: string }>('tx_get', { id: txId(tx) }).catch(() => undefined);
      assert.notEqual(s?.status, 'pending', 'a future-nonce transaction of an unfunded key was pooled');
    }
    await stillCommits();
  });

  it(`a ballot bundle of ${MAX_BUNDLE_BALLOTS + 1} ballots is rejected unread; ballots and evidence from fresh keys are turned away`, async () => {
    const height = (await cluster.nodes[0]!.head()).height + 1;
    const voter = fresh();
    const call = signCall(CHAIN, voter, height, 1, []);
    const ballot = signCallBallot(CHAIN, voter, call, () => true);
    await attack('multi/vote', 'multi-vote', [BallotBundle.encode({ cell, ballots: Array(MAX_BUNDLE_BALLOTS + 1).fill(ballot) })]);
    const ballots = Array.from({ length: 3 }, () => fresh()).map((k) => TxSetBallot.encode(signCallBallot(CHAIN, k, signCall(CHAIN, k, height, 1, []), () => true)));
    await attack(`cell/${cell}/vote`, 'cell-vote', ballots);
    const spender = fresh();
    const evidence = Array.from({ length: 3 }, (_, i) =>
      Evidence.encode(makeDoubleSpendAlert(CHAIN, fresh(), signTx(CHAIN, spender, transferBody(SINK, 1 + i, 0)), signTx(CHAIN, spender, transferBody(SINK, 9 + i, 0)), height)),
    );
    await attack('evidence', 'evidence', evidence);
    await stillCommits();
  });

  it('unsigned proposals for the next height are turned away, not held as accepted', async () => {
    const height = (await cluster.nodes[0]!.head()).height + 2;
    const proposals = [0, 1, 2].map((round) => {
      const zero = new Uint8Array(32);
      const header = { height, round, prevHash: zero, timestamp: Date.now(), proposer: fresh().publicKey, txRoot: zero, evidenceRoot: zero, stateRoot: zero, lastCommitHash: zero, ballotsRoot: zero };
      const block = { header, txs: [], evidence: [], ballots: [], calls: [], signature: new Uint8Array(64) };
      return ConsensusEnvelope.encode({ compact: compactProposal({ block, round, validRound: -1, proposer: header.proposer, pol: [], signature: new Uint8Array(0) }, () => true), resend: 0, votes: [] });
    });
    await attack('approval', 'approval', proposals);
    await stillCommits();
  });

  it('arbitrary bytes (fast-check) on every topic the node takes are turned away, and the chain goes on', async () => {
    const { topics } = await cluster.nodes[0]!.rpc.call<{ topics: string[] }>('node_status');
    const prefix = topic('');
    // Five per topic from a fresh peer: few enough that its rejects do not graylist it before the last is judged.
    const junk = fc.sample(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 5, maxLength: 5, selector: (b) => Buffer.from(b).toString('hex') }), { numRuns: topics.length, seed: 12 });
    for (const [i, t] of topics.entries()) await attack(t.slice(prefix.length), parseTopic(t)!.ref.kind, junk[i]!);
    await stillCommits();
  });

  it('a sync peer that never answers holds up nobody: a node that joins beside it catches up, and asks it once', async () => {
    // The silent peer reads a request and keeps the stream open without a word.
    const asked: string[] = [];
    const silent = await testHost(CHAIN);
    peers.push(silent);
    await silent.handle(syncProtocol(CHAIN), ({ stream, connection }) => {
      asked.push(connection.remotePeer.toString());
      void (async () => {
        for await (const _ of stream.source);
      })().catch(() => undefined);
    });
    const late = await cluster.addNode({ BOOTSTRAP: silent.getMultiaddrs()[0]!.toString() });
    await waitFor('the late node to enter the chain', async () => (await late.rpc.call<{ genesis?: unknown }>('node_status')).genesis !== undefined, 60_000);
    const target = (await cluster.nodes[0]!.head()).height;
    await waitFor('the late node to catch up beside the silent peer', async () => (await late.head()).height >= target, 10_000);
    assert.ok(asked.length > 0, 'the silent peer was never asked');
    // Long enough for a whole request deadline and a few more sync passes: one that stalled is not asked again soon.
    await new Promise((r) => setTimeout(r, SYNC_DEADLINE_MS + 10_000));
    assert.equal(asked.length, 1, `the silent peer was asked ${asked.length} times`);
    await stillCommits();
  });
});
