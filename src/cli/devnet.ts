/**
 * N local nodes on loopback that form one chain (the seed's start_network.py), as `posplus devnet`
 * (devnet-command.ts) and the benchmark run them.
 *
 * The Devnet class spawns `posplus node`
 * children with the same Node binary (process.execPath), bootstraps every node to all the others by
 * host:port, tees each child's output into DIR/node-i.log, and stops them all with SIGTERM. Every child
 * runs with MDNS=false and P2P_HOST=127.0.0.1, so nothing leaves the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type WriteStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeExit, readableLogLine } from './devnet-output.js';
import { UsageError } from './errors.js';
import { LOOPBACK, assertPortsFree } from './local-ports.js';
import { RpcClient } from './rpc-client.js';

/** dist/src/cli/main.js, next to this file once built. */
export const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * V8 flags of every node process (also in the Dockerfile and `npm start`). V8 lets the young generation grow
 * to 64 MB per semi-space under a gossip load, which made it half of a node's RSS; 8 MB held the bench's
 * throughput and cut its largest RSS from 364 to 273 MB.
 */
export const NODE_HEAP_FLAGS = ['--max-semi-space-size=8'];

const STDERR_LINES_KEPT = 40;
const STOP_GRACE_MS = 10_000;

export interface DevnetOptions {
  nodes: number;
  /** root directory: node i keeps its data in DIR/node-i and logs to DIR/node-i.log */
  dir: string;
  /** one libp2p TCP port per node */
  p2pPorts: number[];
  /** one JSON-RPC port per node */
  rpcPorts: number[];
  /** consensus engine; undefined = the node's own default */
  engine?: string;
  logLevel?: string;
  /** GENESIS_QUIET_MS for the start-up ceremony (the devnet knows all N will come, so it can wait long) */
  genesisQuietMs?: number;
  /** more environment for every child (after the parent's, before the devnet's own settings) */
  env?: Record<string, string>;
  /** node index → its --behavior list (test networks: a node that misbehaves on purpose) */
  behaviors?: ReadonlyMap<number, string>;
  /** called when a child exits while the devnet is not stopping */
  onUnexpectedExit?: (member: DevnetMember) => void;
}

export interface DevnetMember {
  index: number;
  dataDir: string;
  logPath: string;
  p2pPort: number;
  rpcPort: number;
  rpcUrl: string;
  peerId?: string;
  pid?: number;
  /** set once the child has exited */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** the last lines the child wrote on stderr */
  stderrTail: string[];
}

export interface GenesisProgress {
  elapsedMs: number;
  /** nodes answering node_status */
  up: number;
  /** nodes that know a genesis */
  withGenesis: number;
  /** distinct genesis hashes among them */
  hashes: number;
  /** fewest connected peers of any answering node */
  minPeers: number;
}

export interface GenesisInfo {
  hash: string;
  members: string[];
  height: number;
  engine: string;
  chainId: string;
}

interface NodeStatus {
  peerId: string;
  chainId: string;
  engine: string;
  height: number;
  headHash: string;
  peers: number;
  genesis?: { hash: string; members: string[] };
}

export class DevnetError extends Error {
  override readonly name = 'DevnetError';
}

/** What a devnet directory may hold; `--fresh` refuses to wipe anything else. */
const DEVNET_ENTRY = /^(?:node-\d+|node-\d+\.log|devnet\.json)$/;

/** Removes a devnet directory, refusing one that holds files a devnet did not make. */
export async function wipeDevnetDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const foreign = entries.filter((e) => !DEVNET_ENTRY.test(e));
  if (foreign.length > 0) {
    throw new UsageError(
      `--fresh: ${dir} holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which a devnet did not make; not wiping it`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** Splits a stream into lines. */
function onLines(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      fn(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (rest) fn(rest);
  });
}

export class Devnet {
  readonly members: DevnetMember[];
  private readonly children: (ChildProcess | undefined)[] = [];
  private readonly logs: WriteStream[] = [];
  private stopping = false;
  private readonly exitHook = () => this.killAll('SIGKILL');
  /** The devnet's own ceremony secret, passed in the environment (a flag would show in `ps`). */
  private readonly genesisSecret = randomBytes(32).toString('hex');

  private constructor(readonly options: DevnetOptions) {
    const dir = resolve(options.dir);
    this.members = Array.from({ length: options.nodes }, (_, i) => ({
      index: i,
      dataDir: join(dir, `node-${i}`),
      logPath: join(dir, `node-${i}.log`),
      p2pPort: options.p2pPorts[i]!,
      rpcPort: options.rpcPorts[i]!,
      rpcUrl: `http://${LOOPBACK}:${options.rpcPorts[i]!}`,
      stderrTail: [],
    }));
  }

  /**
   * Spawns every node and resolves once each has printed its peer id and RPC URL. If one exits before
   * that, the others are stopped and this rejects with its last stderr lines.
   */
  static async start(options: DevnetOptions): Promise<Devnet> {
    const n = options.nodes;
    if (options.p2pPorts.length !== n || options.rpcPorts.length !== n) throw new Error('one P2P and one RPC port per node');
    const all = [...options.p2pPorts, ...options.rpcPorts];
    if (new Set(all).size !== all.length) throw new UsageError('the P2P and RPC port ranges overlap');
    await assertPortsFree(all);
    const net = new Devnet(options);
    await mkdir(resolve(options.dir), { recursive: true });
    await writeFile(
      join(resolve(options.dir), 'devnet.json'),
      JSON.stringify(
        { nodes: n, engine: options.engine ?? null, p2pPorts: options.p2pPorts, rpcPorts: options.rpcPorts, startedAt: new Date().toISOString() },
        null,
        2,
      ) + '\n',
    );
    process.once('exit', net.exitHook);
    try {
      await Promise.all(net.members.map((m) => net.spawnMember(m)));
    } catch (err) {
      await net.stop();
      throw err;
    }
    return net;
  }

  /** Does any node's data directory already hold a chain (a restarted devnet resumes it)? */
  static hasData(dir: string, nodes: number): boolean {
    return Array.from({ length: nodes }, (_, i) => existsSync(join(resolve(dir), `node-${i}`, 'chain'))).some(Boolean);
  }

  private spawnMember(m: DevnetMember): Promise<void> {
    const n = this.options.nodes;
    const others = this.members.filter((o) => o !== m).map((o) => `${LOOPBACK}:${o.p2pPort}`);
    const args = [
      ...NODE_HEAP_FLAGS,
      MAIN_JS,
      'node',
      '--data-dir', m.dataDir,
      '--p2p-host', LOOPBACK,
      '--p2p-port', String(m.p2pPort),
      '--rpc-host', LOOPBACK,
      '--rpc-port', String(m.rpcPort),
      '--mdns', 'false',
      '--genesis-nodes', String(n),
      '--bootstrap', others.join(','),
    ];
    if (this.options.engine) args.push('--engine', this.options.engine);
    if (this.options.logLevel) args.push('--log-level', this.options.logLevel);
    if (this.options.genesisQuietMs) args.push('--genesis-quiet-ms', String(this.options.genesisQuietMs));
    const behavior = this.options.behaviors?.get(m.index);
    if (behavior !== undefined) args.push('--behavior', behavior);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.options.env,
      // Flags above win anyway; the environment says the same for anything that reads it.
      MDNS: 'false',
      P2P_HOST: LOOPBACK,
      RPC_HOST: LOOPBACK,
      GENESIS_NODES: String(n),
      GENESIS_SECRET: this.genesisSecret,
      GENESIS_SECRET_FILE: '',
    };
    const log = createWriteStream(m.logPath, { flags: 'a' });
    this.logs[m.index] = log;
    log.write(`--- devnet node ${m.index} starting at ${new Date().toISOString()} ---\n`);
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children[m.index] = child;
    m.pid = child.pid;
    m.exit = undefined;
    m.stderrTail = [];

    return new Promise<void>((ok, fail) => {
      let started = false;
      onLines(child.stdout!, (line) => {
        log.write(line + '\n');
        const peer = /^peer id:\s+(\S+)/.exec(line);
        if (peer) m.peerId = peer[1];
        if (/^rpc:\s+/.test(line) && !started) {
          started = true;
          ok();
        }
      });
      onLines(child.stderr!, (line) => {
        log.write(line + '\n');
        m.stderrTail.push(line);
        if (m.stderrTail.length > STDERR_LINES_KEPT) m.stderrTail.shift();
      });
      child.once('error', (err) => {
        if (!started) fail(new DevnetError(`node ${m.index} could not be started: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        m.exit = { code, signal };
        // Let the last output reach the log before it closes.
        setImmediate(() => log.end());
        if (!started) {
          started = true;
          fail(new DevnetError(`node ${m.index} exited during start-up (${describeExit(m)})\n${this.lastStderr(m.index)}`));
        } else if (!this.stopping) {
          this.options.onUnexpectedExit?.(m);
        }
      });
    });
  }

  /** The last stderr lines of node `index`, made readable, indented for a report. */
  lastStderr(index: number, lines = 10): string {
    const tail = this.members[index]!.stderrTail.slice(-lines);
    if (tail.length === 0) return '    (nothing on stderr)';
    return tail.map((l) => `    ${readableLogLine(l)}`).join('\n');
  }

  get alive(): DevnetMember[] {
    return this.members.filter((m) => m.exit === undefined && this.children[m.index] !== undefined);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  client(index: number, timeoutMs = 5000): RpcClient {
    return new RpcClient(this.members[index]!.rpcUrl, timeoutMs);
  }

  /**
   * Polls node_status until every node knows the same genesis; `onProgress` sees each poll. Rejects on
   * timeout or once a node has exited.
   */
  async waitForGenesis(opts: { timeoutMs: number; intervalMs?: number; onProgress?: (p: GenesisProgress) => void }): Promise<GenesisInfo> {
    const started = Date.now();
    const interval = opts.intervalMs ?? 500;
    for (;;) {
      if (this.stopping) throw new DevnetError('the devnet is stopping');
      const dead = this.members.find((m) => m.exit !== undefined);
      if (dead) throw new DevnetError(`node ${dead.index} exited (${describeExit(dead)}) before the network formed\n${this.lastStderr(dead.index)}`);
      const statuses = await Promise.all(
        this.members.map((m) => this.client(m.index, 2000).call<NodeStatus>('node_status').catch(() => undefined)),
      );
      const up = statuses.filter((s): s is NodeStatus => s !== undefined);
      const hashes = new Set(up.flatMap((s) => (s.genesis ? [s.genesis.hash] : [])));
      const withGenesis = up.filter((s) => s.genesis).length;
      opts.onProgress?.({
        elapsedMs: Date.now() - started,
        up: up.length,
        withGenesis,
        hashes: hashes.size,
        minPeers: up.length ? Math.min(...up.map((s) => s.peers)) : 0,
      });
      if (withGenesis === this.members.length && hashes.size === 1) {
        const s = up[0]!;
        return { hash: s.genesis!.hash, members: s.genesis!.members, height: Math.min(...up.map((u) => u.height)), engine: s.engine, chainId: s.chainId };
      }
      if (Date.now() - started > opts.timeoutMs) {
        throw new DevnetError(
          `the nodes did not agree on a genesis within ${Math.round(opts.timeoutMs / 1000)} s ` +
            `(${up.length}/${this.members.length} answering, ${withGenesis} with a genesis, ${hashes.size} distinct); see the logs in ${resolve(this.options.dir)}`,
        );
      }
      await sleep(interval);
    }
  }

  /** SIGTERM to every child, wait for them (SIGKILL after a grace period), close the logs. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    const waits = this.members.map((m) => {
      const child = this.children[m.index];
      if (child === undefined || m.exit !== undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((ok) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
        }, graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          ok();
        });
        child.kill('SIGTERM');
      });
    });
    await Promise.all(waits);
    await Promise.all(this.logs.map((l) => (l.closed ? undefined : new Promise<void>((ok) => l.end(ok)))));
    process.removeListener('exit', this.exitHook);
  }

  /** Last resort (the parent is exiting): signal every child still running, synchronously. */
  killAll(signal: NodeJS.Signals): void {
    for (const m of this.members) {
      const child = this.children[m.index];
      if (child && m.exit === undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }
}

