import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../../src/cli/local-ports.js';
import { RpcClient } from '../../../src/cli/rpc-client.js';

/** `count` distinct free loopback ports, held open together so no two are the same (the devnet's helper). */
export { freePorts };

export const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

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
    /** Extra command-line flags after `node --data-dir DIR` (e.g. `--behavior equivocate`). */
    readonly args: readonly string[] = [],
  ) {
    this.rpc = new RpcClient(`http://127.0.0.1:${rpcPort}`, 10_000);
  }

  get url(): string {
    return `http://127.0.0.1:${this.rpcPort}`;
  }

  start(): void {
    this.stderr = '';
    this.proc = spawn(process.execPath, [CLI, 'node', '--data-dir', this.dataDir, ...this.args], {
      env: {
        ...process.env,
        // Tests never let traffic leave loopback: no multicast discovery, loopback listeners only.
        MDNS: 'false',
        P2P_HOST: '127.0.0.1',
        SERVER_PORT: String(this.p2pPort),
        RPC_PORT: String(this.rpcPort),
        LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
        ...this.env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-20_000)));
    // E2E_LOG_DIR keeps every node's whole log, across restarts, for reading a failure afterwards.
    const keep = process.env.E2E_LOG_DIR;
    if (keep) this.proc.stderr!.pipe(createWriteStream(join(keep, `${basename(dirname(this.dataDir))}-${basename(this.dataDir)}.log`), { flags: 'a' }));
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

/**
 * Node i's POSITION in cell i of the default 3 × 3 map (3 km cells): with at most nine nodes, one per cell, NCCA
 * elects every one of them, so each votes (of three or more in one cell, one would be a normal node).
 */
export const oneNodePerCell = (i: number): Record<string, string> => ({ POSITION: `${(i % 3) * 3000 + 500},${Math.floor(i / 3) * 3000 + 500}` });

/** N nodes on 127.0.0.1 that find each other through KNOWN_NODES (the seed's host:port list). */
export class LocalCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: LocalNode[],
    private readonly extraEnv: Record<string, string>,
  ) {}

  /**
   * `extraEnv` goes to every node (also to nodes added later); `nodeEnv(i)` only to node i, on top of it
   * (e.g. each node's own POSITION); `nodeArgs(i)` are command-line flags of node i. Without `waitForChain` it
   * returns once the nodes are spawned, for a test that kills one of them in the ceremony.
   */
  static async start(
    n: number,
    extraEnv: Record<string, string> = {},
    nodeEnv: (i: number) => Record<string, string> = () => ({}),
    nodeArgs: (i: number) => string[] = () => [],
    waitForChain = true,
  ): Promise<LocalCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'posplus-e2e-'));
    // Every node of the cluster, and every node added later, shares one ceremony secret.
    const shared = { GENESIS_SECRET: randomBytes(16).toString('hex'), ...extraEnv };
    const free = await freePorts(2 * n);
    const ports = Array.from({ length: n }, (_, i) => ({ p2p: free[2 * i]!, rpc: free[2 * i + 1]! }));
    const nodes = ports.map((p, i) => {
      const known = ports.filter((_, j) => j !== i).map((o) => `localhost:${o.p2p}`).join(',');
      const env = { GENESIS_NODES: String(n), KNOWN_NODES: known, ...shared, ...nodeEnv(i) };
      return new LocalNode(join(dir, `node-${i}`), p.p2p, p.rpc, env, nodeArgs(i));
    });
    nodes.forEach((node) => node.start());
    const cluster = new LocalCluster(dir, nodes, shared);
    if (!waitForChain) return cluster;
    try {
      await cluster.waitForChain();
    } catch (err) {
      // No caller holds the cluster yet: stop its nodes here, and hand their logs over in the error.
      const logs = cluster.describeFailure();
      await cluster.stop();
      throw new Error(`${(err as Error).message}\n${logs}`);
    }
    return cluster;
  }

  /** A node that joins later, bootstrapped to the existing ones. */
  async addNode(env: Record<string, string> = {}): Promise<LocalNode> {
    const known = this.nodes.map((n) => `localhost:${n.p2pPort}`).join(',');
    const [p2p, rpc] = await freePorts(2);
    const node = new LocalNode(join(this.dir, `node-${this.nodes.length}`), p2p!, rpc!, {
      GENESIS_NODES: String(this.nodes.length),
      KNOWN_NODES: known,
      ...this.extraEnv,
      ...env,
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

/**
 * A cluster for the enclosing mocha describe block (arguments as LocalCluster.start), stopped after it, with
 * the nodes' logs printed when a test fails.
 */
export function useCluster(
  n: number,
  extraEnv?: Record<string, string>,
  nodeEnv?: (i: number) => Record<string, string>,
  nodeArgs?: (i: number) => string[],
): LocalCluster {
  const handle = {} as { cluster?: LocalCluster };
  before(async () => {
    handle.cluster = await LocalCluster.start(n, extraEnv, nodeEnv, nodeArgs);
  });
  after(async () => {
    await handle.cluster?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && handle.cluster) console.error(handle.cluster.describeFailure());
  });
  return new Proxy({} as LocalCluster, {
    get: (_, prop) => {
      const c = handle.cluster!;
      const v = Reflect.get(c, prop, c) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
    },
  });
}
