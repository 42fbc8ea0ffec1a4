import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../../../src/cli/rpc-client.js';

export const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

/** A free TCP port on 127.0.0.1 (the kernel picks it; we release it for the node to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One real node process on loopback, started the way the README tells an operator to. */
export class LocalNode {
  proc?: ChildProcess;
  stderr = '';
  readonly rpc: RpcClient;

  constructor(
    readonly dataDir: string,
    readonly p2pPort: number,
    readonly rpcPort: number,
    readonly env: Record<string, string>,
  ) {
    this.rpc = new RpcClient(`http://127.0.0.1:${rpcPort}`, 10_000);
  }

  get url(): string {
    return `http://127.0.0.1:${this.rpcPort}`;
  }

  start(): void {
    this.stderr = '';
    this.proc = spawn(process.execPath, [CLI, 'node', '--data-dir', this.dataDir], {
      env: {
        ...process.env,
        // Tests never let traffic leave loopback: no multicast discovery, loopback listeners only.
        MDNS: 'false',
        P2P_HOST: '127.0.0.1',
        SERVER_PORT: String(this.p2pPort),
        RPC_PORT: String(this.rpcPort),
        LOG_LEVEL: 'info',
        ...this.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-20_000)));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const proc = this.proc;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    return exited;
  }

  head(): Promise<{ height: number; hash: string }> {
    return this.rpc.call('chain_head');
  }
}

/** N nodes on 127.0.0.1 that find each other through KNOWN_NODES (the seed's host:port list). */
export class LocalCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: LocalNode[],
  ) {}

  static async start(n: number, extraEnv: Record<string, string> = {}): Promise<LocalCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'posplus-e2e-'));
    const ports = await Promise.all(Array.from({ length: n }, async () => ({ p2p: await freePort(), rpc: await freePort() })));
    const nodes = ports.map((p, i) => {
      const known = ports.filter((_, j) => j !== i).map((o) => `localhost:${o.p2p}`).join(',');
      return new LocalNode(join(dir, `node-${i}`), p.p2p, p.rpc, { GENESIS_NODES: String(n), KNOWN_NODES: known, ...extraEnv });
    });
    nodes.forEach((node) => node.start());
    const cluster = new LocalCluster(dir, nodes);
    await cluster.waitForChain();
    return cluster;
  }

  /** A node that joins later, bootstrapped to the existing ones. */
  async addNode(): Promise<LocalNode> {
    const known = this.nodes.map((n) => `localhost:${n.p2pPort}`).join(',');
    const node = new LocalNode(join(this.dir, `node-${this.nodes.length}`), await freePort(), await freePort(), {
      GENESIS_NODES: String(this.nodes.length),
      KNOWN_NODES: known,
    });
    this.nodes.push(node);
    node.start();
    return node;
  }

  async waitForChain(): Promise<void> {
    await waitFor('every node to agree on one genesis', async () => {
      const statuses = await Promise.all(this.nodes.map((n) => n.rpc.call<{ genesis?: { hash: string } }>('node_status')));
      const hashes = new Set(statuses.map((s) => s.genesis?.hash));
      return hashes.size === 1 && !hashes.has(undefined);
    }, 60_000);
  }

  /** Resolves when every node's head is at least `height`, returning the hashes each reports there. */
  async waitForHeight(height: number, timeoutMs = 60_000): Promise<string[]> {
    await waitFor(`every node to reach height ${height}`, async () => {
      const heads = await Promise.all(this.nodes.map((n) => n.head()));
      return heads.every((h) => h.height >= height);
    }, timeoutMs);
    return Promise.all(
      this.nodes.map(async (n) => (await n.rpc.call<{ hash: string }>('chain_block', { height })).hash),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }

  describeFailure(): string {
    return this.nodes.map((n, i) => `--- node ${i} stderr (tail) ---\n${n.stderr.slice(-3000)}`).join('\n');
  }
}
