/**
 * The operator's first run, as the README tells it: `posplus devnet --nodes 4` with one node misbehaving and a
 * demonstration load; the chain commits, the misbehaving node is suspended, and Ctrl-C stops them all.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../../src/cli/rpc-client.js';
import { CLI, waitFor } from './support/local-cluster.js';

describe('e2e: posplus devnet --behavior --load', function () {
  this.timeout(240_000);

  it('forms one chain, commits the load, suspends the equivocating node and stops cleanly on SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'posplus-devnet-'));
    // Consecutive free ports are not something the kernel hands out: a random range below Linux's ephemeral ports
    // (32768 and up), where no outgoing connection takes one.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const args = ['devnet', '--nodes', '4', '--fresh', '--dir', dir, '--base-port', String(base), '--rpc-base-port', String(base + 10), '--genesis-quiet-ms', '3000', '--behavior', '3:equivocate', '--load', '5'];
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    try {
      await waitFor('the devnet to form', async () => stdout.includes('all 4 nodes are on one chain'), 120_000);
      assert.match(stdout, new RegExp(`dashboard: http://127\\.0\\.0\\.1:${base + 10}/`));
      assert.match(stdout, /load: +5 transfers\/s/);
      const rpcs = [0, 1, 2, 3].map((i) => new RpcClient(`http://127.0.0.1:${base + 10 + i}`, 5_000));
      const bad = (await rpcs[3]!.call<{ address: string; behaviors?: string }>('node_status'));
      assert.equal(bad.behaviors, 'equivocate');
      await waitFor('the load to commit a few blocks', async () => (await rpcs[0]!.call<{ height: number }>('chain_head')).height >= 3, 60_000);
      await waitFor('node 3 to be suspended', async () => {
        const vs = await rpcs[0]!.call<{ address: string; role: string }[]>('consensus_validators');
        return vs.find((v) => v.address === bad.address)?.role === 'suspended';
      }, 120_000, 1000);
    } finally {
      proc.kill('SIGINT');
      const code = await exited;
      await rm(dir, { recursive: true, force: true });
      assert.equal(code, 0, stderr.slice(-2000));
    }
    assert.match(stderr, /devnet: all nodes stopped/);
  });
});
