import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { addressOf } from '../../src/core/address.js';
import { parseAddress } from '../../src/core/address.js';
import { toHex } from '../../src/core/bytes.js';
import { encodeTx, signTx, transferBody } from '../../src/core/tx.js';
import { type NodeStatusView, signingDomainOf } from '../../src/cli/client-options.js';
import { RpcCallError } from '../../src/cli/rpc-client.js';
import { readKeyFile } from '../../src/node/identity.js';
import { oneNodePerCell, runCli, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000aa';

interface TxState {
  status: 'pending' | 'committed' | 'rejected';
  height?: number;
  reason?: string;
}

describe('e2e: real nodes on 127.0.0.1', function () {
  this.timeout(180_000);

  describe('a 3-node network started with KNOWN_NODES', () => {
    const cluster = useCluster(3);

    it('commits a CLI transfer sent to every node, with identical head hashes everywhere', async () => {
      const ids: string[] = [];
      for (const node of cluster.nodes) {
        const r = await runCli(['tx', '--to', SINK, '--amount', '5', '--bpm', '72', '--port', String(node.rpcPort)]);
        assert.equal(r.code, 0, r.stderr);
        const id = r.stdout.trim();
        assert.match(id, /^[0-9a-f]{64}$/);
        ids.push(id);
      }
      const heights = await waitFor('all three transfers to commit on every node', async () => {
        const states = await Promise.all(cluster.nodes.flatMap((n) => ids.map((id) => n.rpc.call<TxState>('tx_get', { id }))));
        return states.every((s) => s.status === 'committed') && states.map((s) => s.height!);
      });
      const top = Math.max(...heights);
      const hashes = await cluster.waitForHeight(top);
      assert.equal(new Set(hashes).size, 1, `different blocks at height ${top}: ${hashes.join(', ')}`);
      const account = await cluster.nodes[2]!.rpc.call<{ balance: number }>('account_get', { address: SINK });
      assert.equal(account.balance, 15);
    });

    it('gives concurrent tx_send calls on one node distinct nonces: all of them commit', async () => {
      const node = cluster.nodes[1]!;
      const sent = await Promise.all([1, 2, 3, 4].map(() => node.rpc.call<{ id: string; status: string }>('tx_send', { to: SINK, amount: 1 })));
      assert.equal(new Set(sent.map((s) => s.id)).size, 4);
      await waitFor('the four concurrent transfers to commit', async () => {
        const states = await Promise.all(sent.map(({ id }) => node.rpc.call<TxState>('tx_get', { id })));
        return states.every((s) => s.status === 'committed');
      });
    });

    it('lets exactly one of two conflicting transactions commit, and every node shows the alert', async () => {
      const key = (await readKeyFile(join(cluster.nodes[0]!.dataDir, 'node.key'))).keyPair;
      const chainId = signingDomainOf(await cluster.nodes[0]!.rpc.call<NodeStatusView>('node_status'));
      const me = addressOf(key.publicKey);
      const { nonce } = await cluster.nodes[0]!.rpc.call<{ nonce: number }>('account_get', { address: me });
      const a = signTx(chainId, key, transferBody(parseAddress('0x00000000000000000000000000000000000000b1'), 11, nonce));
      const b = signTx(chainId, key, transferBody(parseAddress('0x00000000000000000000000000000000000000b2'), 22, nonce));
      const submit = (i: number, tx: typeof a) =>
        cluster.nodes[i]!.rpc.call<{ id: string }>('tx_submit', { tx: toHex(encodeTx(tx)) }).catch((e: RpcCallError) => e);
      const [ra, rb] = await Promise.all([submit(1, a), submit(2, b)]);
      const ids = [ra, rb].map((r, i) => (r instanceof RpcCallError ? (r.data as { id: string }).id : r.id));
      assert.ok(ids[0] && ids[1] && ids[0] !== ids[1]);

      const outcome = await waitFor('one transaction committed and the other rejected on every node', async () => {
        const states = await Promise.all(
          cluster.nodes.map((n) => Promise.all(ids.map((id) => n.rpc.call<TxState>('tx_get', { id }).catch(() => undefined)))),
        );
        const committed = states.map((pair) => pair.filter((s) => s?.status === 'committed').length);
        return committed.every((c) => c === 1) && states;
      });
      const winner = outcome[0]!.findIndex((s) => s?.status === 'committed');
      for (const pair of outcome) assert.equal(pair[winner]!.status, 'committed');
      const loserAtItsNode = await cluster.nodes[winner === 0 ? 2 : 1]!.rpc.call<TxState>('tx_get', { id: ids[1 - winner]! });
      assert.equal(loserAtItsNode.status, 'rejected');
      assert.match(loserAtItsNode.reason ?? '', /double spend|nonce/);

      for (const node of cluster.nodes) {
        const alert = await waitFor('the double-spend alert on every node', async () => {
          const d = await node.rpc.call<{ alerts: { kind: string; offender: string; detail: { txs: string[] } }[] }>('detection_status');
          return d.alerts.find((x) => x.kind === 'double-spend' && x.offender === me);
        });
        assert.deepEqual([...alert.detail.txs].sort(), [...ids].sort());
      }

      const replay = await submit(0, winner === 0 ? a : b);
      assert.ok(replay instanceof RpcCallError, 'a replayed transaction must be rejected');
      assert.match(replay.message, /already committed|duplicate/);
    });

    it('answers malformed RPC input with the right JSON-RPC errors and keeps working', async () => {
      const url = cluster.nodes[0]!.url;
      const post = async (body: string) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        return { status: res.status, json: res.status === 204 ? undefined : ((await res.json()) as { error?: { code: number; message: string } }) };
      };
      assert.equal((await post('{"jsonrpc":"2.0","id":1,"method":')).json!.error!.code, -32700);
      assert.equal((await post('{"jsonrpc":"1.0","id":1,"method":"chain_head"}')).json!.error!.code, -32600);
      assert.equal((await post('{"jsonrpc":"2.0","id":1,"method":"no_such_method"}')).json!.error!.code, -32601);
      const badAmount = (await post('{"jsonrpc":"2.0","id":1,"method":"tx_send","params":{"to":"0x00000000000000000000000000000000000000aa","amount":"lots"}}')).json!.error!;
      assert.equal(badAmount.code, -32602);
      assert.match(badAmount.message, /amount/);
      const badTx = (await post('{"jsonrpc":"2.0","id":1,"method":"tx_submit","params":{"tx":"00ff00ff"}}')).json!.error!;
      assert.equal(badTx.code, -32602);
      assert.match(badTx.message, /tx/);
      const badAddress = (await post('{"jsonrpc":"2.0","id":1,"method":"account_get","params":{"address":"nope"}}')).json!.error!;
      assert.equal(badAddress.code, -32602);
      assert.match(badAddress.message, /address/);
      const huge = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2 * 1024 * 1024) }).catch(() => undefined);
      if (huge) assert.equal(huge.status, 413);
      const head = await cluster.nodes[0]!.head();
      assert.ok(head.height >= 1);
    });

    it('keeps a pending transaction pending when copies of it arrive again (a duplicate says nothing about the original)', async () => {
      const key = (await readKeyFile(join(cluster.nodes[2]!.dataDir, 'node.key'))).keyPair;
      const chainId = signingDomainOf(await cluster.nodes[2]!.rpc.call<NodeStatusView>('node_status'));
      const { nonce } = await cluster.nodes[2]!.rpc.call<{ nonce: number }>('account_get', { address: addressOf(key.publicKey) });
      // A nonce gap keeps it pending (it cannot commit before the nonces under it).
      const tx = toHex(encodeTx(signTx(chainId, key, transferBody(parseAddress(SINK), 1, nonce + 40))));
      const first = await cluster.nodes[1]!.rpc.call<{ id: string; status: string }>('tx_submit', { tx });
      assert.equal(first.status, 'pending');
      for (const i of [1, 2, 1]) {
        const again = await cluster.nodes[i]!.rpc.call('tx_submit', { tx }).catch((e: RpcCallError) => e);
        if (again instanceof RpcCallError) assert.match(again.message, /already pending/);
      }
      for (const node of cluster.nodes.slice(1)) assert.equal((await node.rpc.call<TxState>('tx_get', { id: first.id })).status, 'pending');
    });

    it('lets a node that joins late sync the whole chain', async () => {
      const before = await cluster.nodes[0]!.head();
      const late = await cluster.addNode();
      await waitFor('the late node to sync', async () => {
        const h = await late.head();
        return h.height >= before.height;
      }, 60_000);
      const hashes = await cluster.waitForHeight(before.height);
      assert.equal(new Set(hashes).size, 1);
      const status = await late.rpc.call<{ role: string; genesis: { members: string[] } }>('node_status');
      assert.equal(status.role, 'normal', 'a late joiner is not a genesis validator');
      assert.equal(status.genesis.members.length, 3);
    });
  });

  describe('a 4-node network under load', () => {
    // All four vote: freezing one of three validators would rightly stop the chain (2/3 of the weight is no quorum).
    const cluster = useCluster(4, {}, oneNodePerCell);

    it('survives kill -9 of one node: it restarts, catches up, and nothing committed is lost', async () => {
      const sent: { id: string; via: number }[] = [];
      let loading = true;
      const load = (async () => {
        for (let i = 0; loading; i++) {
          const via = i % 2;
          try {
            const r = await cluster.nodes[via]!.rpc.call<{ id: string }>('tx_send', { to: SINK, amount: 1 });
            sent.push({ id: r.id, via });
          } catch {
            // a busy moment; the load simply goes on
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const victim = cluster.nodes[3]!;
      await waitFor('some commits before the kill', async () => (await victim.head()).height >= 2);
      const beforeKill = await victim.head();
      await victim.stop('SIGKILL');
      await waitFor('the other three to keep committing', async () => (await cluster.nodes[0]!.head()).height >= beforeKill.height + 2);
      victim.start();
      await waitFor('the restarted node to answer', async () => (await victim.head()).height >= beforeKill.height);
      loading = false;
      await load;
      const target = (await cluster.nodes[0]!.head()).height;
      const hashes = await cluster.waitForHeight(target, 60_000);
      assert.equal(new Set(hashes).size, 1, 'all nodes agree after the restart');
      // Asked of the node that took it (one sent a moment ago may not have reached the others yet), and only up to
      // the height every node has reached.
      const committedOnSurvivor = (
        await Promise.all(
          sent.map(async ({ id, via }) => {
            const s = await cluster.nodes[via]!.rpc.call<TxState & { height?: number }>('tx_get', { id });
            return s.status === 'committed' && s.height! <= target ? id : undefined;
          }),
        )
      ).filter((id): id is string => id !== undefined);
      assert.ok(committedOnSurvivor.length > 0);
      for (const id of committedOnSurvivor) {
        const s = await victim.rpc.call<TxState>('tx_get', { id });
        assert.equal(s.status, 'committed', `transaction ${id} is missing on the restarted node`);
      }
    });

    it('a validator killed -9 at random moments under load, five times, never signs twice: nobody records equivocation against it', async () => {
      const victim = cluster.nodes[1]!;
      const { address } = await victim.rpc.call<{ address: string }>('node_status');
      const sending = setInterval(() => void cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined), 50);
      try {
        for (let kill = 0; kill < 5; kill++) {
          const before = (await cluster.nodes[0]!.head()).height;
          // A moment somewhere inside a height: votes, WAL writes and commits are all in flight under this load.
          await new Promise((r) => setTimeout(r, 200 + Math.floor(Math.random() * 600)));
          await victim.stop('SIGKILL');
          victim.start();
          await waitFor('the victim back and past the height it died in', async () => (await victim.head()).height > before, 60_000);
        }
      } finally {
        clearInterval(sending);
      }
      const target = (await cluster.nodes[0]!.head()).height;
      const hashes = await cluster.waitForHeight(target, 60_000);
      assert.equal(new Set(hashes).size, 1, 'one chain');
      for (const node of cluster.nodes) {
        const { evidence } = await node.rpc.call<{ evidence: { kind: string; offender: string }[] }>('detection_status');
        assert.deepEqual(evidence.filter((e) => e.kind === 'equivocation' && e.offender === address), [], 'the restarted validator signed twice');
      }
    });
  });

  // A network of its own: a validator the tests above killed may be suspended for being offline (detection does
  // that to any node that misses heights, for 27 s, 83 s, 231 s… by its count), and with it out, freezing one more
  // would leave two of three validators, which cannot commit.
  describe('a 4-node network with one validator frozen', () => {
    const cluster = useCluster(4, {}, oneNodePerCell);

    it('goes on while one validator is frozen (SIGSTOP) under load, and the frozen one catches up after SIGCONT', async () => {
      const frozen = cluster.nodes[2]!;
      // What makes going on possible: all four vote, so the three others hold 3/4 of the weight.
      const roles = await Promise.all(cluster.nodes.map((n) => n.rpc.call<{ role: string }>('node_status').then((s) => s.role)));
      assert.ok(roles.every((r) => r === 'validator' || r === 'multi-region'), `a node does not vote: ${roles}`);
      const sending = setInterval(() => void cluster.nodes[0]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined), 100);
      try {
        const before = (await cluster.nodes[0]!.head()).height;
        frozen.proc!.kill('SIGSTOP');
        await waitFor('the other three to commit past the freeze', async () => (await cluster.nodes[1]!.head()).height >= before + 3, 120_000);
        frozen.proc!.kill('SIGCONT');
        const target = (await cluster.nodes[0]!.head()).height;
        const hashes = await cluster.waitForHeight(target, 60_000);
        assert.equal(new Set(hashes).size, 1, 'one chain everywhere after the thaw');
      } finally {
        clearInterval(sending);
        frozen.proc?.kill('SIGCONT');
      }
    });
  });
});
