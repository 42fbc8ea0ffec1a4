/**
 * Partitions on a real LAN of network namespaces (support/netns-lan.ts), in the manner of CometBFT's e2e
 * perturbations: four validators with equal stake, under load. A minority (one node) is cut off and healed: the
 * majority goes on, the minority commits nothing of its own and catches up, and nothing committed is lost. Then
 * an even split (2 | 2): neither half holds a quorum, so neither commits, and after the heal the chain goes on as
 * one. Needs root and iproute2; skipped with a message otherwise.
 */
import { randomBytes } from 'node:crypto';
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneNodePerCell } from './support/local-cluster.js';
import { type NamespaceRpc, NetnsLan } from './support/netns-lan.js';

const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const N = 4;
const SINK = '0x00000000000000000000000000000000000000aa';

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

interface Head {
  height: number;
  hash: string;
}

describe('e2e: partitions of a LAN and their heal', function () {
  this.timeout(240_000);
  const nodes: ChildProcess[] = [];
  const stderr: string[] = [];
  const rpcs: NamespaceRpc[] = [];
  let lan: NetnsLan | undefined;
  let dir: string | undefined;
  let sending: NodeJS.Timeout | undefined;
  const sent: string[] = [];

  const heads = () => Promise.all(rpcs.map((r) => r.try<Head>('chain_head')));
  const height = async (i: number) => (await rpcs[i]!.try<Head>('chain_head'))?.height ?? -1;

  async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await probe())) {
      nodes.forEach((n, i) => assert.ok(n.exitCode === null && n.signalCode === null, `node ${i} exited:\n${stderr[i]!.slice(-2000)}`));
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; heads ${JSON.stringify((await heads()).map((h) => h?.height))}`);
      await sleep(300);
    }
  }

  /** Every node holds the same block at every height up to the lowest head: one chain, no fork. */
  async function assertOneChain(): Promise<number> {
    const top = Math.min(...(await heads()).map((h) => h?.height ?? 0));
    for (let h = 1; h <= top; h++) {
      const blocks = await Promise.all(rpcs.map((r) => r.call<{ hash: string }>('chain_block', { height: h })));
      assert.equal(new Set(blocks.map((b) => b.hash)).size, 1, `height ${h}: ${blocks.map((b) => b.hash.slice(0, 12)).join(' ')}`);
    }
    return top;
  }

  before(async function () {
    this.timeout(90_000);
    const made = NetnsLan.create(N, '10.78.0');
    if (typeof made === 'string') {
      process.stderr.write(`      skipped: ${made}\n`);
      this.skip();
    }
    lan = made;
    dir = mkdtempSync(join(tmpdir(), 'posplus-partition-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_ID: 'posplus-partition', GENESIS_SECRET: randomBytes(16).toString('hex'), LOG_LEVEL: 'info' };
    for (const k of ['BOOTSTRAP', 'KNOWN_NODES', 'SERVER_HOST', 'SERVER_PORT', 'ADDR', 'POSITION', 'STAKE', 'BEHAVIOR', 'DEBUG']) delete env[k];
    for (let i = 0; i < N; i++) {
      const others = Array.from({ length: N }, (_, j) => j).filter((j) => j !== i).map((j) => `${lan!.ipOf(j)}:9000`);
      const args = [MAIN_JS, 'node', '--data-dir', join(dir, `node-${i}`), '--mdns', 'false', '--bootstrap', others.join(','),
        '--p2p-host', '0.0.0.0', '--p2p-port', '9000', '--rpc-host', '127.0.0.1', '--rpc-port', '8545', '--genesis-nodes', String(N)];
      // One per cell, so all four vote and the cut-off one holds a quarter of the weight.
      const child = lan.spawn(i, process.execPath, args, { ...env, ...oneNodePerCell(i) });
      stderr[i] = '';
      child.stdout!.resume();
      child.stderr!.on('data', (d) => (stderr[i] = (stderr[i]! + d).slice(-20_000)));
      nodes.push(child);
      rpcs.push(lan.rpc(i));
    }
    await until('one genesis of four members everywhere', async () => {
      const s = await Promise.all(rpcs.map((r) => r.try<{ genesis?: { hash: string; members: string[] } }>('node_status')));
      return s.every((x) => x?.genesis?.members.length === N) && new Set(s.map((x) => x?.genesis?.hash)).size === 1;
    }, 60_000);
    // Transfers from node 0, which stays in the larger part of every partition.
    sending = setInterval(() => void rpcs[0]!.try<{ id: string }>('tx_send', { to: SINK, amount: 1 }).then((r) => r && sent.push(r.id)), 100);
    await until('a first commit', async () => (await height(0)) >= 2, 30_000);
  });

  after(async function () {
    this.timeout(30_000);
    clearInterval(sending);
    lan?.heal();
    await Promise.all(
      nodes.map((n) => new Promise<void>((ok) => {
        if (n.exitCode !== null || n.signalCode !== null) return ok();
        const t = setTimeout(() => n.kill('SIGKILL'), 5000);
        n.once('exit', () => (clearTimeout(t), ok()));
        n.kill('SIGTERM');
      })),
    );
    for (const r of rpcs) r.close();
    lan?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a minority cut off: the majority commits on, the minority nothing of its own; healed, it catches up and nothing committed is lost', async () => {
    lan!.partition([3]);
    // Heights take a fraction of a second: read the cut-off node's head once what was in flight has landed.
    await sleep(1000);
    const cutAt = await height(3);
    const majorityFrom = await height(0);
    await until('three heights on the majority side', async () => (await height(0)) >= majorityFrom + 3, 60_000);
    assert.ok((await height(3)) <= cutAt + 1, 'the cut-off node went on committing alone');
    const committed = (await Promise.all(sent.map(async (id) => ((await rpcs[0]!.try<{ status: string }>('tx_get', { id }))?.status === 'committed' ? id : undefined)))).filter((id) => id !== undefined);
    assert.ok(committed.length > 0, 'transfers committed during the partition');
    lan!.heal();
    const target = await height(0);
    await until('the healed node to catch up', async () => (await height(3)) >= target, 60_000);
    await assertOneChain();
    for (const id of committed) assert.equal((await rpcs[3]!.call<{ status: string }>('tx_get', { id })).status, 'committed', `${id} is missing on the healed node`);
  });

  it('an even split: neither half holds a quorum and neither commits; healed, the chain goes on as one', async () => {
    const before = await Promise.all([0, 1, 2, 3].map(height));
    lan!.partition([2, 3]);
    await sleep(15_000);
    const during = await Promise.all([0, 1, 2, 3].map(height));
    for (let i = 0; i < N; i++) assert.ok(during[i]! <= Math.max(...before) + 1, `node ${i} committed in a half without a quorum (${before[i]} → ${during[i]})`);
    lan!.heal();
    const from = Math.max(...during);
    await until('two more heights on every node after the heal', async () => (await Promise.all([0, 1, 2, 3].map(height))).every((h) => h >= from + 2), 90_000);
    await assertOneChain();
  });
});
