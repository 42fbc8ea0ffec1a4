/**
 * `posplus devnet`: the command around the Devnet class. It starts the nodes, reports the ceremony, prints the
 * table, the dashboard's URL and (with --load) starts a demonstration load, and stops everything on Ctrl-C.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { Devnet, type DevnetMember, type GenesisInfo, wipeDevnetDir } from './devnet.js';
import { describeExit, describeGenesisProgress, formatMemberTable, progressReporter } from './devnet-output.js';
import { portRange } from './local-ports.js';
import { LOAD_SINK, startDemoLoad } from './devnet-load.js';
import { UsageError } from './errors.js';

const intArg = (name: string, min: number, max: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${name} "${v}" is not an integer from ${min} to ${max}`);
  return Number(v);
};

export function registerDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description('start N local nodes on 127.0.0.1 that form one chain; Ctrl-C stops them')
    .option('--nodes <n>', 'number of nodes', intArg('--nodes', 1, 200), 4)
    .option('--base-port <port>', 'P2P port of node 0; node i uses base+i', intArg('--base-port', 1, 65535), 9000)
    .option('--rpc-base-port <port>', 'RPC port of node 0; node i uses base+i', intArg('--rpc-base-port', 1, 65535), 8545)
    .option('--dir <dir>', 'directory for node data (DIR/node-i) and logs (DIR/node-i.log)', './.devnet')
    .option('--engine <name>', 'consensus engine of every node (default: the node default)')
    .option('--fresh', 'wipe the directory first (a new chain) instead of resuming the chain in it')
    .option('--log-level <level>', 'log level of the nodes (their logs go to DIR/node-i.log)', 'info')
    .option('--genesis-quiet-ms <ms>', 'GENESIS_QUIET_MS of the nodes', intArg('--genesis-quiet-ms', 1000, 86_400_000), 60_000)
    .option('--timeout <seconds>', 'give up if the nodes have not agreed on a genesis by then', intArg('--timeout', 1, 86_400), 180)
    .option('--behavior <i:list>', 'test networks: node i runs with --behavior list (e.g. 3:equivocate); repeatable', behaviorArg, new Map<number, string>())
    .option('--load <tps>', 'once the chain is up, send this many node-signed transfers per second, in turn over the nodes (default: none)', intArg('--load', 1, 1000))
    .action(async (opts: DevnetCommandOptions) => {
      await runDevnetCommand(opts);
    });
}

interface DevnetCommandOptions {
  nodes: number;
  basePort: number;
  rpcBasePort: number;
  dir: string;
  engine?: string;
  fresh?: boolean;
  logLevel: string;
  genesisQuietMs: number;
  timeout: number;
  behavior: Map<number, string>;
  load?: number;
}

/** `--behavior 3:equivocate`, collected into node index → list. */
function behaviorArg(v: string, acc: Map<number, string>): Map<number, string> {
  const m = /^(\d+):(.+)$/.exec(v);
  if (m === null) throw new UsageError(`--behavior "${v}" is not <node index>:<behaviour list>, e.g. 3:equivocate`);
  return new Map(acc).set(Number(m[1]), m[2]!);
}

async function runDevnetCommand(opts: DevnetCommandOptions): Promise<void> {
  const n = opts.nodes;
  for (const i of opts.behavior.keys()) if (i >= n) throw new UsageError(`--behavior ${i}:…: there are only nodes 0 to ${n - 1}`);
  const p2pPorts = portRange(opts.basePort, n, '--base-port');
  const rpcPorts = portRange(opts.rpcBasePort, n, '--rpc-base-port');
  const dir = resolve(opts.dir);
  if (opts.fresh) await wipeDevnetDir(dir);
  const resuming = Devnet.hasData(dir, n);
  const out = (s: string) => process.stdout.write(s + '\n');
  const err = (s: string) => process.stderr.write(s + '\n');

  let net: Devnet | undefined;
  let signalled = 0;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((ok) => (finish = ok));

  const onSignal = (signal: NodeJS.Signals) => {
    signalled++;
    if (signalled > 1) {
      err(`devnet: ${signal} again, killing the nodes`);
      net?.killAll('SIGKILL');
      process.exit(1);
    }
    err(`\ndevnet: ${signal}, stopping ${net?.alive.length ?? 0} node(s)…`);
    const stopping = net ? net.stop() : Promise.resolve();
    void stopping.then(() => {
      err('devnet: all nodes stopped');
      finish(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let formed = false;
  const onUnexpectedExit = (m: DevnetMember) => {
    // Before the network has formed, waitForGenesis reports the exit (and the devnet stops).
    if (!formed) return;
    err(`devnet: node ${m.index} (pid ${m.pid}, ${m.rpcUrl}) exited unexpectedly: ${describeExit(m)}; last stderr lines:`);
    err(net!.lastStderr(m.index));
    err(`devnet: full log in ${m.logPath}`);
    if (net!.alive.length === 0) {
      err('devnet: no node is left running');
      finish(1);
    }
  };

  err(`devnet: ${resuming ? 'resuming the chain in' : 'starting a new chain in'} ${dir} with ${n} node(s)`);
  try {
    net = await Devnet.start({
      nodes: n,
      dir,
      p2pPorts,
      rpcPorts,
      engine: opts.engine,
      logLevel: opts.logLevel,
      genesisQuietMs: opts.genesisQuietMs,
      behaviors: opts.behavior,
      onUnexpectedExit: (m) => onUnexpectedExit(m),
    });
  } catch (e) {
    if (signalled) return void (await finished.then((code) => process.exit(code)));
    throw e;
  }
  if (signalled) {
    // A signal arrived while the nodes were starting: they were not known yet when it was handled.
    await net.stop();
    process.exit(0);
  }

  out(formatMemberTable(net.members));
  out('');
  const progress = progressReporter('devnet: waiting for the start-up ceremony, ');
  let genesis: GenesisInfo;
  try {
    genesis = await net.waitForGenesis({ timeoutMs: opts.timeout * 1000, onProgress: (p) => progress.update(describeGenesisProgress(p, n)) });
  } catch (e) {
    progress.done();
    if (signalled) return void (await finished.then((code) => process.exit(code)));
    await net.stop();
    throw e;
  }
  progress.done();
  formed = true;
  const gone = net.members.filter((m) => m.exit !== undefined);
  for (const m of gone) onUnexpectedExit(m);
  out(`genesis:  ${genesis.hash} (${genesis.members.length} members)`);
  out(`chain:    ${genesis.chainId}, engine ${genesis.engine}, height ${genesis.height}${resuming ? ' (resumed)' : ''}`);
  out(`logs:     ${join(dir, 'node-<i>.log')}`);
  out(`all ${n} nodes are on one chain; Ctrl-C stops them`);
  out(`dashboard: ${net.members[0]!.rpcUrl}/`);
  if (opts.load !== undefined) {
    startDemoLoad(net.members.map((m) => m.rpcUrl), opts.load);
    out(`load:     ${opts.load} transfers/s to ${LOAD_SINK}`);
  }
  process.exit(await finished);
}
