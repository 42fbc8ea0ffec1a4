/**
 * The container healthcheck (dist/src/cli/healthcheck.js) asks the port the node really listens on: the one it
 * wrote to DATA_DIR/rpc.url, whatever set it, and not the RPC_PORT of the checker's own environment.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalNode, freePorts, waitFor } from './support/local-cluster.js';

const HEALTHCHECK = fileURLToPath(new URL('../../src/cli/healthcheck.js', import.meta.url));

function healthcheck(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HEALTHCHECK, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('e2e: the container healthcheck', function () {
  this.timeout(60_000);
  let dir: string;
  let node: LocalNode | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'posplus-health-'));
  });
  after(async () => {
    await node?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('without a node or a data directory: exit 1 with the reason', async () => {
    const none = await healthcheck([], { DATA_DIR: '' });
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^unhealthy: no data directory/);
    const empty = await healthcheck(['--data-dir', dir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /^unhealthy: no rpc\.url in .*: the node has not opened its RPC yet\n$/);
  });

  it("a node still in its start-up ceremony: exit 1 with the node's reason", async () => {
    const [p2p, rpcPort] = await freePorts(2);
    const data = join(dir, 'waiting');
    const waiting = new LocalNode(data, p2p!, rpcPort!, { GENESIS_NODES: '2', GENESIS_SECRET: 'ab'.repeat(16), GENESIS_QUIET_MS: '600000' });
    waiting.start();
    try {
      await waitFor('the RPC open', async () => (await waiting.rpc.call<{ peerId: string }>('node_status')).peerId);
      const r = await healthcheck(['--data-dir', data]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^unhealthy: 503 .*no chain yet: the start-up ceremony is in progress/);
    } finally {
      await waiting.stop();
    }
  });

  it('asks the port the node was given by a flag (exit 0), not RPC_PORT; exit 1 once the node is gone', async () => {
    const [p2p, rpcPort] = await freePorts(2);
    const data = join(dir, 'data');
    // The port comes from --rpc-port; RPC_PORT in the environment names another one.
    node = new LocalNode(data, p2p!, rpcPort!, { GENESIS_NODES: '1', RPC_PORT: '1' }, ['--rpc-port', String(rpcPort)]);
    node.start();
    await waitFor('the chain ready', async () => (await node!.rpc.call<{ genesis?: unknown }>('node_status')).genesis !== undefined);
    assert.equal((await readFile(join(data, 'rpc.url'), 'utf8')).trim(), `http://127.0.0.1:${rpcPort}`);
    const healthy = await healthcheck([], { DATA_DIR: data, RPC_PORT: '1' });
    assert.deepEqual(healthy, { code: 0, stdout: 'healthy\n' });

    assert.equal(await node.stop(), 0);
    const gone = await healthcheck(['--data-dir', data]);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout, new RegExp(`^unhealthy: http://127\\.0\\.0\\.1:${rpcPort}/health: ECONNREFUSED\\n$`));
  });
});
