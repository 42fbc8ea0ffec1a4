import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressOf, addressToString } from '../../../src/core/address.js';
import { fromHex } from '../../../src/core/bytes.js';
import { type Tx, decodeTx, txId, verifyTx } from '../../../src/core/tx.js';
import { Tx as WireTx } from '../../../src/core/wire/posplus.js';
import { readKeyFile } from '../../../src/node/identity.js';
import { signingDomainOf } from '../../../src/cli/client-options.js';
import { FakeRpc, RpcFailure } from './fake-rpc.js';
import { oneLine, runCli } from './run-cli.js';

const CHAIN = 'posplus-clitest';
const TO = '0x' + 'ab'.repeat(20);
const SENT_ID = 'cd'.repeat(32); // what the fake tx_send answers
const REJECTED_ID = 'ee'.repeat(32);
const HEAD = { height: 7, hash: '12'.repeat(32) };
const STATUS = {
  peerId: '12D3KooWFakeFakeFake',
  address: '0x' + '01'.repeat(20),
  chainId: CHAIN,
  engine: 'pos',
  role: 'validator',
  cell: 4,
  position: { x: 1, y: 2 },
  height: 7,
  headHash: HEAD.hash,
  peers: 1,
  syncing: false,
  genesis: { hash: 'ab'.repeat(32), members: [] },
};
const DOMAIN = signingDomainOf(STATUS);

describe('client verbs against a canned JSON-RPC endpoint', function () {
  this.timeout(60_000);
  let dir: string;
  let keyFile: string;
  let keyAddress: string;
  let rpc: FakeRpc;
  const submitted: Tx[] = [];
  const polls = new Map<string, number>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'posplus-cli-rpc-'));
    keyFile = join(dir, 'k.key');
    assert.equal((await runCli(['keygen', '--out', keyFile])).code, 0);
    keyAddress = addressOf((await readKeyFile(keyFile)).keyPair.publicKey);
    rpc = await new FakeRpc({
      node_status: () => STATUS,
      net_peers: () => [
        { peerId: '12D3KooWPeer', address: '/ip4/127.0.0.1/tcp/9001', direction: 'outbound' },
        { peerId: '12D3KooWPeer', address: '/ip4/127.0.0.1/tcp/9001', direction: 'inbound' },
      ],
      chain_head: () => HEAD,
      chain_block: (p) => ({ height: p!.height, hash: '34'.repeat(32), txs: [] }),
      account_get: (p) => ({ address: p!.address, balance: 100, nonce: 5, pendingNonce: 5, stake: 0, capacity: 9 }),
      tx_submit: (p) => {
        const tx = decodeTx(fromHex(p!.tx as string));
        verifyTx(DOMAIN, tx);
        if (tx.amount === 13) throw new RpcFailure(-32001, 'transaction rejected: balance 100 is less than amount 13', { code: 'insufficient-balance' });
        submitted.push(tx);
        return { id: txId(tx), status: 'pending' };
      },
      tx_send: (p) => ({ id: p!.amount === 66 ? REJECTED_ID : SENT_ID, status: 'pending' }),
      tx_get: (p) => {
        const id = p!.id as string;
        const n = (polls.get(id) ?? 0) + 1;
        polls.set(id, n);
        if (id === SENT_ID) return n < 2 ? { id, status: 'pending' } : { id, status: 'committed', height: 8 };
        if (id === REJECTED_ID) return { id, status: 'rejected', reason: 'double spend: nonce 3 was used by committed transaction ff' };
        throw new RpcFailure(-32004, `unknown transaction ${id}`);
      },
    }).start();
  });
  after(async () => {
    await rpc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tx --key signs locally with the account nonce and prints only the transaction id', async () => {
    const r = await runCli(['tx', '--key', keyFile, '--to', TO, '--amount', '3', '--bpm', '70', '--rpc', rpc.url]);
    assert.equal(r.code, 0, r.stderr);
    const tx = submitted.at(-1)!;
    assert.equal(r.stdout, `${txId(tx)}\n`);
    assert.equal(tx.kind, WireTx.Kind.TRANSFER);
    assert.equal(addressOf(tx.sender), keyAddress);
    assert.equal(addressToString(tx.to), TO);
    assert.deepEqual([tx.amount, tx.nonce, tx.bpm], [3, 5, 70]);
  });

  it('tx --key --nonce N uses that nonce; --port reaches the same endpoint', async () => {
    const r = await runCli(['tx', '--key', keyFile, '--to', TO.toUpperCase().replace('0X', '0x'), '--amount', '4', '--nonce', '9', '--port', String(rpc.port)]);
    assert.equal(r.code, 0, r.stderr);
    const tx = submitted.at(-1)!;
    assert.deepEqual([tx.amount, tx.nonce, tx.bpm, addressToString(tx.to)], [4, 9, undefined, TO]);
  });

  it('tx without --key asks the node to sign (tx_send); `transaction --address` is the same verb', async () => {
    const r = await runCli(['transaction', '--address', TO, '--amount', '2', '--bpm', '30', '--rpc', rpc.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SENT_ID}\n`);
    assert.deepEqual(rpc.calls.at(-1), { method: 'tx_send', params: { to: TO, amount: 2, bpm: 30 } });
  });

  it('tx --wait polls tx_get until committed', async () => {
    polls.delete(SENT_ID);
    const r = await runCli(['tx', '--to', TO, '--amount', '2', '--wait', '--rpc', rpc.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${SENT_ID}\n`);
    assert.match(r.stderr, /committed at height 8/);
  });

  it('tx --wait learns the commit from the node\'s event stream where it serves one (tx_get would say pending for ever)', async () => {
    const id = 'ef'.repeat(32);
    const streaming = await new FakeRpc(
      { tx_send: () => ({ id, status: 'pending' }), tx_get: () => ({ id, status: 'pending' }) },
      (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': open\n\n');
        setTimeout(() => res.write(`event: tx\ndata: ${JSON.stringify({ id, status: 'committed', height: 12 })}\n\n`), 300);
      },
    ).start();
    try {
      const r = await runCli(['tx', '--to', TO, '--amount', '2', '--wait', '--rpc', streaming.url]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /committed at height 12/);
    } finally {
      await streaming.stop();
    }
  });

  it('tx --wait exits 1 with the reason when the transaction is rejected', async () => {
    const r = await runCli(['tx', '--to', TO, '--amount', '66', '--wait', '--rpc', rpc.url]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${REJECTED_ID}\n`);
    assert.match(r.stderr, /rejected: double spend: nonce 3/);
  });

  it('an RPC error is exit 1 with `posplus: <method>: <message>` on one line', async () => {
    const r = await runCli(['tx', '--key', keyFile, '--to', TO, '--amount', '13', '--rpc', rpc.url]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(oneLine(r.stderr), 'posplus: tx_submit: transaction rejected: balance 100 is less than amount 13');
    const q = await runCli(['query', '--tx', '0x' + 'aa'.repeat(32), '--rpc', rpc.url]);
    assert.equal(q.code, 1);
    assert.equal(oneLine(q.stderr), `posplus: tx_get: unknown transaction ${'aa'.repeat(32)}`);
  });

  it('register signs a REGISTER with --key, keeping the declared capacity unless --capacity', async () => {
    const r = await runCli(['register', '--stake', '10', '--key', keyFile, '--rpc', rpc.url]);
    assert.equal(r.code, 0, r.stderr);
    let tx = submitted.at(-1)!;
    assert.equal(r.stdout, `${txId(tx)}\n`);
    assert.deepEqual([tx.kind, tx.stake, tx.capacity, tx.nonce, tx.amount], [WireTx.Kind.REGISTER, 10, 9, 5, 0]);
    const r2 = await runCli(['register', '--stake', '11', '--capacity', '0', '--nonce', '6', '--key', keyFile, '--rpc', rpc.url]);
    assert.equal(r2.code, 0, r2.stderr);
    tx = submitted.at(-1)!;
    assert.deepEqual([tx.stake, tx.capacity, tx.nonce], [11, 0, 6]);
  });

  it('register without --key signs with node.key of --data-dir, or of ./data by default', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, 'data'), { recursive: true });
    assert.equal((await runCli(['keygen', '--out', join(home, 'data', 'node.key')])).code, 0);
    const nodeAddress = addressOf((await readKeyFile(join(home, 'data', 'node.key'))).keyPair.publicKey);
    for (const args of [['--data-dir', join(home, 'data')], []]) {
      const r = await runCli(['register', '--stake', '3', ...args, '--rpc', rpc.url], { cwd: home });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(addressOf(submitted.at(-1)!.sender), nodeAddress);
    }
  });

  it('query prints pretty JSON of account_get / chain_block, and chain_head + node_status by default', async () => {
    const acct = await runCli(['query', '--account', TO, '--rpc', rpc.url]);
    assert.equal(acct.code, 0, acct.stderr);
    assert.deepEqual(JSON.parse(acct.stdout), { address: TO, balance: 100, nonce: 5, pendingNonce: 5, stake: 0, capacity: 9 });
    assert.ok(acct.stdout.includes('\n  "balance": 100'), 'indented');
    const block = await runCli(['query', '--height', '2', '--rpc', rpc.url]);
    assert.equal(JSON.parse(block.stdout).height, 2);
    const all = await runCli(['query', '--rpc', rpc.url]);
    assert.deepEqual(JSON.parse(all.stdout), { head: HEAD, status: STATUS });
  });

  it('status prints a summary, or the raw object with --json', async () => {
    const r = await runCli(['status', '--rpc', rpc.url]);
    assert.equal(r.code, 0, r.stderr);
    for (const re of [/^peer id: +12D3KooWFakeFakeFake$/m, /^engine: +pos$/m, /^role: +validator$/m, /^cell: +4$/m, /^height: +7$/m, new RegExp(`^head hash: +${HEAD.hash}$`, 'm'), /^peers: +1 \(2 connections\)$/m, /^syncing: +no$/m]) {
      assert.match(r.stdout, re);
    }
    const j = await runCli(['status', '--json', '--rpc', rpc.url]);
    const parsed = JSON.parse(j.stdout);
    assert.deepEqual(parsed.status, STATUS);
    assert.deepEqual(parsed.head, HEAD);
    assert.equal(parsed.peers.length, 2);
  });

  it('double-spend stops with exit 1 when the key cannot pay for the test', async () => {
    const r = await runCli(['double-spend', '--key', keyFile, '--amount', '60', '--rpc', rpc.url]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^double-spend demonstration/);
    assert.match(oneLine(r.stderr) ?? '', /^posplus: double-spend: 0x[0-9a-f]{40} has balance 100, the test needs 121; fund it first/);
  });
});
