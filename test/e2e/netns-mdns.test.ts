/**
 * The LAN proof without Docker: nine nodes, each in a network namespace of its own on one switch (a bridge in a
 * namespace of its own, see support/netns-lan.ts), with mDNS as their only way to find each other (no bootstrap
 * list). They must form one chain — one genesis with all nine members — and agree on the block that carries a
 * transfer. Every address used (10.77.0.0/24) exists only inside the namespaces this test creates. Needs root and
 * iproute2 (`ip`); skipped with a message otherwise. after() removes everything even on failure.
 */
import { randomBytes } from 'node:crypto';
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NamespaceRpc, NetnsLan } from './support/netns-lan.js';

const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const N = 9;
const SUBNET = /^\/ip4\/10\.77\.0\.\d+\//;
const CHAIN_ID = 'posplus-netns-test';

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

interface NodeStatus {
  peerId: string;
  address: string;
  peers: number;
  listen: string[];
  genesis?: { hash: string; members: string[] };
}

describe('LAN: nine nodes in network namespaces find each other by mDNS alone', function () {
  const nodes: ChildProcess[] = [];
  const logs: WriteStream[] = [];
  const stderrTails: string[][] = [];
  const rpcs: NamespaceRpc[] = [];
  let dir: string | undefined;
  let lan: NetnsLan | undefined;

  const teardownSync = () => {
    for (const n of nodes) if (n.exitCode === null && n.signalCode === null) n.kill('SIGKILL');
    for (const r of rpcs) r.close();
    lan?.teardown();
  };

  const lastLines = (i: number) => (stderrTails[i] ?? []).slice(-8).map((l) => `      ${l}`).join('\n');

  before(function () {
    this.timeout(60_000);
    const made = NetnsLan.create(N, '10.77.0');
    if (typeof made === 'string') {
      process.stderr.write(`      skipped: ${made}\n`);
      this.skip();
    }
    lan = made;

    dir = mkdtempSync(join(tmpdir(), 'posplus-netns-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_ID, GENESIS_NODES: String(N), GENESIS_SECRET: randomBytes(16).toString('hex'), LOG_LEVEL: 'info' };
    for (const k of ['BOOTSTRAP', 'KNOWN_NODES', 'SERVER_HOST', 'SERVER_PORT', 'ADDR', 'POSITION', 'STAKE', 'BEHAVIOR', 'DEBUG']) delete env[k];
    for (let i = 0; i < N; i++) {
      const args = [
        MAIN_JS, 'node',
        '--data-dir', join(dir, `node-${i}`),
        '--mdns', 'true',
        '--bootstrap', '',
        '--p2p-host', '0.0.0.0',
        '--p2p-port', '9000',
        '--rpc-host', '127.0.0.1',
        '--rpc-port', '8545',
        '--genesis-nodes', String(N),
        '--genesis-quiet-ms', '60000',
      ];
      const child = lan.spawn(i, process.execPath, args, env);
      const log = createWriteStream(join(dir, `node-${i}.log`));
      stderrTails[i] = [];
      child.stdout!.pipe(log, { end: false });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        log.write(chunk);
        const tail = stderrTails[i]!;
        tail.push(...chunk.split('\n').filter(Boolean));
        tail.splice(0, Math.max(0, tail.length - 20));
      });
      nodes.push(child);
      logs.push(log);
      rpcs.push(lan.rpc(i));
    }
  });

  after(async function () {
    this.timeout(30_000);
    // SIGTERM first (the node closes its database), SIGKILL whatever is left after 5 s.
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((ok) => {
            if (n.exitCode !== null || n.signalCode !== null) return ok();
            const t = setTimeout(() => n.kill('SIGKILL'), 5000);
            n.once('exit', () => {
              clearTimeout(t);
              ok();
            });
            n.kill('SIGTERM');
          }),
      ),
    );
    teardownSync();
    for (const l of logs) l.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function assertAllRunning(): void {
    nodes.forEach((n, i) => {
      assert.ok(n.exitCode === null && n.signalCode === null, `node ${i} exited (${n.signalCode ?? n.exitCode}); last stderr lines:\n${lastLines(i)}`);
    });
  }

  let statuses: NodeStatus[] = [];

  it('forms one genesis with all nine members, every node connected over the bridge', async function () {
    this.timeout(70_000);
    const deadline = Date.now() + 60_000;
    let last = '';
    for (;;) {
      assertAllRunning();
      const s = await Promise.all(rpcs.map((r) => r.try<NodeStatus>('node_status')));
      const hashes = new Set(s.map((x) => x?.genesis?.hash));
      if (s.every((x) => x?.genesis?.members.length === N) && hashes.size === 1) {
        statuses = s as NodeStatus[];
        break;
      }
      last = s.map((x, i) => `${i}:${x ? `${x.peers}p/${x.genesis ? x.genesis.members.length : '-'}` : 'down'}`).join(' ');
      if (Date.now() > deadline) assert.fail(`no common 9-member genesis within 60 s (node:peers/members ${last})`);
      await sleep(1000);
    }
    const members = new Set(statuses[0]!.genesis!.members);
    for (const st of statuses) assert.ok(members.has(st.address), `node ${st.address} is not a genesis member`);
    assert.equal(new Set(statuses.map((st) => st.peerId)).size, N, 'nine distinct peer ids');
    // Connections run over the bridge, between the namespaces' own addresses.
    for (let i = 0; i < N; i++) {
      const peers = await rpcs[i]!.call<{ peerId: string; address: string }[]>('net_peers');
      assert.ok(peers.length > 0, `node ${i} has no connections`);
      for (const p of peers) assert.match(p.address, SUBNET, `node ${i} is connected to ${p.address}, not over the bridge`);
    }
  });

  it('commits a transfer sent with tx_send, and all nine report the same head', async function () {
    this.timeout(60_000);
    if (statuses.length !== N) this.skip();
    const to = statuses[1]!.address;
    const before = await rpcs[1]!.call<{ balance: number }>('account_get', { address: to });
    const sent = await rpcs[0]!.call<{ id: string; status: string }>('tx_send', { to, amount: 7 });
    assert.equal(sent.status, 'pending');

    const deadline = Date.now() + 45_000;
    let committedAt: number | undefined;
    for (;;) {
      assertAllRunning();
      const got = await rpcs[0]!.try<{ status: string; height?: number; reason?: string }>('tx_get', { id: sent.id });
      assert.notEqual(got?.status, 'rejected', `the transfer was rejected: ${got?.reason}`);
      if (got?.status === 'committed') {
        committedAt = got.height;
        break;
      }
      if (Date.now() > deadline) assert.fail(`the transfer ${sent.id} was not committed within 45 s (last status ${got?.status ?? 'unknown'})`);
      await sleep(500);
    }
    assert.ok(committedAt !== undefined && committedAt >= 1);

    // Nothing else is submitted, so the chain goes idle: every head must settle on one block.
    let heads: ({ height: number; hash: string } | undefined)[] = [];
    for (;;) {
      assertAllRunning();
      heads = await Promise.all(rpcs.map((r) => r.try<{ height: number; hash: string }>('chain_head')));
      const same = heads.every((h) => h !== undefined && h.hash === heads[0]!.hash && h.height === heads[0]!.height);
      if (same && heads[0]!.height >= committedAt) break;
      if (Date.now() > deadline) assert.fail(`the heads did not converge: ${heads.map((h, i) => `${i}:${h?.height}/${h?.hash.slice(0, 8)}`).join(' ')}`);
      await sleep(500);
    }
    const blocks = await Promise.all(rpcs.map((r) => r.call<{ hash: string; txs: { id: string }[] }>('chain_block', { height: committedAt })));
    for (const [i, b] of blocks.entries()) {
      assert.equal(b.hash, blocks[0]!.hash, `node ${i} has another block at height ${committedAt}`);
      assert.ok(b.txs.some((t) => t.id === sent.id), `node ${i}'s block ${committedAt} lacks the transfer`);
    }
    const after = await Promise.all(rpcs.map((r) => r.call<{ balance: number }>('account_get', { address: to })));
    for (const [i, a] of after.entries()) assert.equal(a.balance, before.balance + 7, `node ${i} sees balance ${a.balance}`);
  });
});
