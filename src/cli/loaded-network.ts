/**
 * A local network to put load on, shared by the bench and the soak: a devnet in a temporary directory on free
 * loopback ports, its genesis fixed and every member's position on chain, and the load generator
 * (src/cli/loadgen.ts) forked beside it. A node that exits, or SIGINT/SIGTERM, aborts whatever is awaited
 * through `race`; `close` stops everything, also when the nodes were still starting.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Devnet, type DevnetMember, type GenesisInfo } from './devnet.js';
import { describeExit, describeGenesisProgress, progressReporter } from './devnet-output.js';
import { freePorts } from './local-ports.js';
import type { LoadgenProgress, LoadgenResult } from './load-generator.js';
import { RpcClient } from './rpc-client.js';

const LOADGEN_JS = fileURLToPath(new URL('./loadgen.js', import.meta.url));

export interface LoadedNetworkOptions {
  nodes: number;
  engine?: string;
  logLevel: string;
  /** more environment for every node (e.g. RETAIN_BLOCKS) */
  env?: Record<string, string>;
}

const err = (s: string) => process.stderr.write(s + '\n');

export class LoadedNetwork {
  private net?: Devnet;
  private starting?: Promise<Devnet>;
  private loadgen?: ChildProcess;
  private aborted?: string;
  private abort!: (why: string) => void;
  private readonly abortion: Promise<never>;
  genesis?: GenesisInfo;

  private constructor(
    /** the command's name, the prefix of every line it writes */
    readonly label: string,
    readonly dir: string,
  ) {
    this.abortion = new Promise<never>((_, fail) => {
      this.abort = (why: string) => {
        this.aborted ??= why;
        fail(new Error(why));
      };
    });
    this.abortion.catch(() => undefined);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  static async open(label: string): Promise<LoadedNetwork> {
    return new LoadedNetwork(label, await mkdtemp(join(tmpdir(), `posplus-${label}-`)));
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => this.abort(`interrupted by ${signal}`);

  /** `p`, or the reason the run was aborted, whichever comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.abortion]);
  }

  /** What to print for an error that ended the run: the abort's reason when there was one. */
  failure(e: unknown): string {
    return this.aborted ?? (e as Error).message;
  }

  get members(): DevnetMember[] {
    return this.net?.members ?? [];
  }

  get pids(): number[] {
    return this.members.flatMap((m) => (m.pid === undefined ? [] : [m.pid]));
  }

  /** The members' node.key files: the funded keys the load signs with. */
  get keyFiles(): string[] {
    return this.members.map((m) => join(m.dataDir, 'node.key'));
  }

  /** Starts the nodes and waits for their genesis and for every member's position on chain. */
  async start(o: LoadedNetworkOptions): Promise<GenesisInfo> {
    const ports = await freePorts(o.nodes * 2);
    err(`${this.label}: starting ${o.nodes} nodes in ${this.dir}`);
    this.starting = Devnet.start({
      nodes: o.nodes,
      dir: this.dir,
      p2pPorts: ports.slice(0, o.nodes),
      rpcPorts: ports.slice(o.nodes),
      engine: o.engine,
      logLevel: o.logLevel,
      env: o.env,
      genesisQuietMs: 60_000,
      onUnexpectedExit: (m) => this.abort(`node ${m.index} exited (${describeExit(m)}); last stderr lines:\n${this.net?.lastStderr(m.index) ?? ''}`),
    });
    const net = (this.net = await this.race(this.starting));
    const progress = progressReporter(`${this.label}: waiting for the start-up ceremony, `);
    const genesis = await this.race(
      net.waitForGenesis({ timeoutMs: 180_000, onProgress: (p) => progress.update(describeGenesisProgress(p, o.nodes)) }),
    ).finally(() => progress.done());
    err(`${this.label}: genesis ${genesis.hash.slice(0, 16)}… with ${genesis.members.length} members, engine ${genesis.engine}`);
    // The senders are the members' own keys: wait until every member's position is on chain (from the genesis,
    // or a LOCATE the node sends with its key once in sync), or the load's nonces could collide with a LOCATE.
    const first = new RpcClient(net.members[0]!.rpcUrl);
    await this.race(
      waitUntil(async () => {
        const cells = await first.call<{ nodes: unknown[] }[]>('regions_list');
        return cells.reduce((n, c) => n + c.nodes.length, 0) >= net.members.length;
      }, 60_000, 'every node to declare its position on chain'),
    );
    this.genesis = genesis;
    return genesis;
  }

  /** Forks the load generator with `args` (after --rpc and --keys) and resolves with its result. */
  runLoad(args: string[], onProgress: (p: LoadgenProgress) => void): Promise<LoadgenResult> {
    const all = ['--rpc', this.members.map((m) => m.rpcUrl).join(','), '--keys', this.keyFiles.join(','), ...args];
    const child = (this.loadgen = fork(LOADGEN_JS, all, { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    let last: LoadgenProgress | undefined;
    return this.race(
      new Promise<LoadgenResult>((ok, fail) => {
        child.on('message', (m: LoadgenProgress | LoadgenResult | { type: 'error'; message: string }) => {
          if (m.type === 'progress') onProgress((last = m));
          else if (m.type === 'result') ok(m);
          else fail(new Error(`load generator: ${m.message}`));
        });
        child.once('exit', (code, signal) =>
          fail(new Error(`the load generator exited (${signal ?? `code ${code}`}) without a result${last ? ` after ${last.elapsedSec.toFixed(0)} s` : ''}`)),
        );
      }),
    );
  }

  /** Stops the load and the nodes (waiting for nodes still starting), then deletes the directory unless kept. */
  async close(keep = false): Promise<void> {
    const loadgen = this.loadgen;
    if (loadgen && loadgen.exitCode === null && loadgen.signalCode === null) loadgen.kill('SIGTERM');
    this.net ??= await this.starting?.catch(() => undefined);
    if (this.net) {
      err(`${this.label}: stopping the nodes`);
      await this.net.stop();
    }
    if (keep) err(`${this.label}: node data and logs kept in ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}
